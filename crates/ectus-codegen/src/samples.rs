//! Valid and invalid request bodies for a generated project's own tests, derived from the
//! field types and bounds so that they always pass (or fail) validation as intended.

use ectus_spec::{Entity, Field, FieldType};
use serde_json::{json, Map, Value};

pub struct Samples {
    pub create: String,
    pub create_2: String,
    pub create_3: String,
    pub update: String,
    pub wrong_type_body: String,
    pub wrong_type_field: String,
}

fn text_of_length(stem: &str, field: &Field) -> String {
    let min = field.min_length.unwrap_or(1).max(1) as usize;
    let max = field
        .max_length
        .or((field.ty == FieldType::String).then_some(255))
        .unwrap_or(10_000) as usize;
    let mut s = stem.to_owned();
    while s.chars().count() < min {
        s.push('x');
    }
    if s.chars().count() > max {
        // Keep the distinguishing tail (the index) when trimming.
        let tail: String = s
            .chars()
            .rev()
            .take(max)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        s = tail;
    }
    s
}

fn number_in_bounds(field: &Field, idx: i64) -> f64 {
    let min = field.min.unwrap_or(1.0);
    let max = field.max.unwrap_or(f64::MAX);
    let candidate = min.max(0.0).ceil() + idx as f64;
    if candidate <= max {
        candidate
    } else {
        let span = (max - min).max(0.0);
        (min + (idx as f64 % (span + 1.0))).min(max)
    }
}

/// A valid value of `field` for the `idx`-th sample (distinct for distinct idx).
pub fn value(field: &Field, idx: i64) -> Value {
    let name = &field.name;
    match field.ty {
        FieldType::String => json!(text_of_length(&format!("{name} {idx}"), field)),
        FieldType::Text => json!(text_of_length(&format!("Some {name} text {idx}."), field)),
        FieldType::Email => json!(format!("user{idx}@example.com")),
        FieldType::Url => json!(format!("https://example.com/{name}/{idx}")),
        FieldType::Integer => json!(number_in_bounds(field, idx) as i64),
        FieldType::Float => json!(number_in_bounds(field, idx)),
        FieldType::Decimal => json!(format!("{}.25", number_in_bounds(field, idx) as i64)),
        FieldType::Bool => json!(idx % 2 == 1),
        FieldType::Date => json!(format!("2024-01-{:02}", idx % 28 + 1)),
        FieldType::Datetime => json!(format!("2024-01-{:02}T10:30:00Z", idx % 28 + 1)),
        FieldType::Uuid => json!(format!("00000000-0000-4000-8000-{idx:012}")),
        FieldType::Enum => {
            let n = field.values.len().max(1);
            json!(field
                .values
                .get(idx as usize % n)
                .cloned()
                .unwrap_or_default())
        }
        FieldType::Json => json!({ "sample": idx }),
    }
}

/// A JSON value of the wrong type for `field`.
fn wrong_type(field: &Field) -> Value {
    match field.ty {
        FieldType::Integer | FieldType::Float | FieldType::Bool => json!("not a number"),
        FieldType::Json => Value::Null,
        _ => json!(12345),
    }
}

fn body(entity: &Entity, idx: i64) -> String {
    let mut map = Map::new();
    for field in &entity.fields {
        map.insert(field.wire_name().to_owned(), value(field, idx));
    }
    Value::Object(map).to_string()
}

pub fn for_entity(entity: &Entity) -> Samples {
    let wrong = entity.fields.iter().find(|f| f.ty != FieldType::Json);
    let (wrong_type_body, wrong_type_field) = match wrong {
        Some(field) => {
            let mut map = Map::new();
            map.insert(field.wire_name().to_owned(), wrong_type(field));
            (Value::Object(map).to_string(), field.wire_name().to_owned())
        }
        None => (
            String::from("{\"unknown_field\": 1}"),
            String::from("unknown_field"),
        ),
    };
    Samples {
        create: body(entity, 1),
        create_2: body(entity, 2),
        create_3: body(entity, 3),
        update: body(entity, 4),
        wrong_type_body,
        wrong_type_field,
    }
}

/// A Rust expression (using `n: u32` and the helpers of the generated `tests/common`) that
/// builds a valid JSON value of `field` for the `n`-th sample; distinct `n` give distinct
/// values where the bounds allow.
pub fn expr(field: &Field) -> String {
    let name = &field.name;
    let min_len = field.min_length.unwrap_or(1).max(1);
    let max_len = field
        .max_length
        .or((field.ty == FieldType::String).then_some(255))
        .unwrap_or(10_000);
    let lo = field.min.map(|v| v.ceil() as i64).unwrap_or(1);
    let hi = field.max.map(|v| v.floor() as i64).unwrap_or(i64::MAX / 4);
    match field.ty {
        FieldType::String => format!("serde_json::json!(crate::common::fit(&format!(\"{name} {{n}}\"), {min_len}, {max_len}))"),
        FieldType::Text => format!("serde_json::json!(crate::common::fit(&format!(\"Some {name} text {{n}}.\"), {min_len}, {max_len}))"),
        FieldType::Email => "serde_json::json!(format!(\"user{n}@example.com\"))".to_owned(),
        FieldType::Url => format!("serde_json::json!(format!(\"https://example.com/{name}/{{n}}\"))"),
        FieldType::Integer => format!("serde_json::json!(crate::common::bounded(n, {lo}, {hi}))"),
        FieldType::Float => format!("serde_json::json!(crate::common::bounded(n, {lo}, {hi}) as f64)"),
        FieldType::Decimal => format!("serde_json::json!(format!(\"{{}}.25\", crate::common::bounded(n, {lo}, {})))", if field.max.is_some() { hi - 1 } else { hi }),
        FieldType::Bool => "serde_json::json!(n % 2 == 1)".to_owned(),
        FieldType::Date => "serde_json::json!(format!(\"2024-01-{:02}\", n % 28 + 1))".to_owned(),
        FieldType::Datetime => "serde_json::json!(format!(\"2024-01-{:02}T10:30:00Z\", n % 28 + 1))".to_owned(),
        FieldType::Uuid => "serde_json::json!(format!(\"00000000-0000-4000-8000-{n:012}\"))".to_owned(),
        FieldType::Enum => {
            let values: Vec<String> = field.values.iter().map(|v| format!("{v:?}")).collect();
            format!("serde_json::json!([{}][n as usize % {}])", values.join(", "), values.len().max(1))
        }
        FieldType::Json => "serde_json::json!({ \"sample\": n })".to_owned(),
    }
}
