//! Type inference: the field type a name suggests when the text gives none.

use super::*;

/// The type of a field from its snake_case name, and whether the name makes it obvious.
pub(super) fn infer_type(name: &str) -> (FieldType, bool) {
    // "price_per_hour", "days_per_week": the type of what is measured, a number at least.
    if let Some((measured, _)) = name.split_once("_per_") {
        return match infer_type(measured) {
            (FieldType::String | FieldType::Text, false) => (FieldType::Integer, false),
            other => other,
        };
    }
    // "abstract" renamed `abstract_value` (a reserved word): the type of the word as written.
    if let Some(written) = name.strip_suffix("_value") {
        if unreserved(written).as_deref() == Some(name) {
            return infer_type(written);
        }
    }
    let parts: Vec<&str> = name.split('_').collect();
    let last = parts.last().copied().unwrap_or_default();
    let first = parts.first().copied().unwrap_or_default();
    let has = |w: &str| parts.contains(&w);
    const DECIMAL: &[&str] = &[
        "price",
        "amount",
        "total",
        "cost",
        "salary",
        "balance",
        "fee",
        "fees",
        "wage",
        "budget",
        "revenue",
        "tax",
        "subtotal",
        "rent",
        "deposit",
        "fare",
        "income",
        "expense",
        "payment",
        "discount",
        "rate",
        "pay",
        "estimate",
        "raised",
        "value",
        "charge",
        "charges",
        "premium",
        "limit",
        "fine",
        "tip",
        "bonus",
        "commission",
        "refund",
        "spend",
        "spent",
        "donation",
        "pledge",
        "worth",
        "valuation",
        "surcharge",
        "excess",
        "allowance",
        "earnings",
        "profit",
        "deductible",
        "msrp",
        "rrp",
        "wages",
        "pledged",
        "donated",
        "owed",
        "due",
    ];
    #[rustfmt::skip]
    const INTEGER: &[&str] = &[
        "quantity", "qty", "count", "capacity", "age", "year", "rating", "stock", "pages", "seats",
        "duration", "minutes", "hours", "seconds", "reps", "sets", "floor", "level", "rank",
        "position", "calories", "servings", "population", "points", "votes", "likes", "views",
        "mileage", "stars", "size", "guests", "beds", "rooms", "attempts", "days", "priority",
        "grade", "credits", "copies", "weeks", "months", "years", "players", "sold", "index",
        "attendees", "participants", "members", "tickets", "laps", "goals", "wins", "losses",
        "draws", "floors", "stops", "doors", "wheels", "bedrooms", "bathrooms", "nights",
        "reminders", "retries", "tries", "frames", "units", "items", "pieces", "passengers",
        "occupants", "adults", "employees", "headcount", "ms", "millis", "milliseconds", "secs",
        "mins", "karma", "streak", "order", "sequence", "round", "week", "episode", "season",
        "chapter", "tests", "passed", "failed", "skipped", "errors", "warnings", "bytes", "words",
        "lines", "people", "kids", "children", "pets", "cars", "installs", "downloads", "clicks",
        "impressions", "shares", "followers", "runs", "innings", "wickets", "overs", "times",
    ];
    #[rustfmt::skip]
    const FLOAT: &[&str] = &[
        "latitude", "longitude", "lat", "lng", "lon", "weight", "score", "height", "width",
        "distance", "temperature", "percentage", "percent", "ratio", "speed", "length", "depth",
        "area", "volume", "bmi", "aperture", "magnification", "mm", "cm", "kg", "grams", "litres",
        "liters", "km", "miles", "elevation", "altitude", "diameter", "radius", "thickness",
        "moisture", "humidity", "ph", "voltage", "pressure", "exposure", "gain", "magnitude",
        "kilograms", "kilometres", "kilometers", "metres", "meters", "hectares", "acres",
        "celsius", "fahrenheit", "degrees", "percentage", "coverage", "accuracy", "average",
    ];
    #[rustfmt::skip]
    const BOOL: &[&str] = &[
        "completed", "complete", "active", "enabled", "disabled", "done", "published", "archived",
        "verified", "visible", "hidden", "deleted", "approved", "available", "featured",
        "confirmed", "public", "private", "pinned", "resolved", "locked", "blocked", "banned",
        "subscribed", "paid", "vaccinated", "neutered", "refundable", "cancelled", "canceled",
        "vegan", "vegetarian", "remote", "heated", "accessible", "urgent", "signed", "insured",
        "waived", "shared", "recurring", "internal", "caught", "succeeded", "won", "attended",
        "returned", "read", "sent", "delivered", "settled", "flagged", "starred", "favourite",
        "favorite", "online", "open", "closed", "outdoor", "indoor", "free", "taxable",
    ];
    #[rustfmt::skip]
    const TEXT: &[&str] = &[
        "description", "body", "notes", "note", "content", "contents", "bio", "summary", "comment",
        "comments", "text", "message", "details", "instructions", "abstract", "biography",
        "review", "feedback", "remarks", "synopsis", "lyrics", "diagnosis", "treatment", "answer",
        "question", "excerpt", "overview", "report", "instruction", "reason", "explanation",
        "story", "transcript", "observations", "findings", "recommendation", "recommendations",
        "agenda", "minutes_text", "essay", "caption", "motivation", "rationale", "resolution",
    ];
    #[rustfmt::skip]
    const JSON: &[&str] = &[
        "data", "metadata", "settings", "payload", "attributes", "properties", "preferences",
        "config", "configuration", "extra",
    ];
    const URL: &[&str] = &["url", "uri", "link", "href"];
    #[rustfmt::skip]
    const URL_LIKE: &[&str] = &[
        "website", "homepage", "image", "photo", "picture", "avatar", "logo", "thumbnail", "icon",
        "site",
    ];
    #[rustfmt::skip]
    const STRING: &[&str] = &[
        "name", "title", "phone", "mobile", "isbn", "sku", "code", "label", "slug", "username",
        "country", "city", "address", "street", "zip", "postcode", "region", "language", "genre",
        "colour", "color", "brand", "model", "make", "species", "breed", "nationality", "surname",
        "firstname", "lastname", "nickname", "password", "hash", "currency", "plate", "vin",
        "isbn13", "iban", "initials", "headline", "subject", "location", "venue", "room",
        "department", "position", "role", "category", "status", "state", "gender", "version",
        "ean", "upc", "barcode", "postal",
    ];
    // "the number of frames of brood", "number of seats left": a count, whatever is counted.
    if ["number", "count", "num"].contains(&first) && parts.get(1) == Some(&"of") {
        return (FieldType::Integer, true);
    }
    if parts.len() > 1 && ["is", "has", "can", "should", "allow", "allows"].contains(&first) {
        return (FieldType::Bool, true);
    }
    if name == "in_stock" {
        return (FieldType::Bool, false);
    }
    if has("email") || has("emails") {
        return (FieldType::Email, true);
    }
    if URL.contains(&last) {
        return (FieldType::Url, true);
    }
    if URL_LIKE.contains(&last) {
        return (FieldType::Url, false);
    }
    if (last == "at" && parts.len() > 1) || ["time", "timestamp", "datetime"].contains(&last) {
        return (FieldType::Datetime, true);
    }
    if parts.len() > 1 && last == "only" {
        return (FieldType::Bool, false);
    }
    if parts.len() == 1 && ["joined", "born", "hired", "founded", "established"].contains(&last) {
        return (FieldType::Date, false);
    }
    if ["deadline", "expiry", "expires"].contains(&last) {
        return (FieldType::Datetime, false);
    }
    if ["date", "birthday", "dob"].contains(&last) || first == "date" {
        return (FieldType::Date, true);
    }
    if last == "on" && parts.len() > 1 {
        return (FieldType::Date, false);
    }
    // "year_born", "year_built", "year_first_aired": a year, whatever happened in it.
    if first == "year" && parts.len() > 1 {
        return (FieldType::Integer, false);
    }
    if has("phone") || last == "id" || first == "phone" {
        return (FieldType::String, last != "id");
    }
    if last == "number" {
        const ORDINALS: &[&str] = &[
            "track", "episode", "season", "chapter", "page", "floor", "level", "issue", "volume",
            "step", "sequence", "line", "round", "week", "lap", "jersey", "shirt", "table",
        ];
        let ordinal = parts.len() > 1 && ORDINALS.contains(&parts[parts.len() - 2]);
        let ty = if ordinal {
            FieldType::Integer
        } else {
            FieldType::String
        };
        return (ty, false);
    }
    if last == "count" {
        return (FieldType::Integer, true);
    }
    if DECIMAL.contains(&last) {
        return (FieldType::Decimal, false);
    }
    if FLOAT.contains(&last) {
        return (FieldType::Float, false);
    }
    if INTEGER.contains(&last) {
        return (FieldType::Integer, false);
    }
    if BOOL.contains(&last) && parts.len() == 1 {
        return (FieldType::Bool, false);
    }
    if TEXT.contains(&last) {
        return (FieldType::Text, false);
    }
    if JSON.contains(&last) {
        return (FieldType::Json, false);
    }
    if STRING.contains(&last) || last.ends_with("name") {
        return (FieldType::String, true);
    }
    (FieldType::String, false)
}
