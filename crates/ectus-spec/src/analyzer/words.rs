//! Word lists the analyzer reads requirements with: determiners, stop words, the verbs of fields and relations, enum triggers, modifiers, person and role words.

pub(super) const DETERMINERS: &[&str] = &[
    "a", "an", "the", "each", "every", "all", "any", "some", "our", "my", "your", "their", "its",
    "his", "her", "one", "no", "single", "both", "two", "three", "four", "five", "another",
];

/// Words that never name an entity: pronouns, technology, generic nouns and request verbs.
#[rustfmt::skip]
pub(super) const STOP_WORDS: &[&str] = &[
    "i", "we", "you", "it", "they", "he", "she", "this", "that", "these", "those", "there", "here",
    "me", "us", "them", "anyone", "everyone", "someone", "anybody", "everybody", "nobody",
    "something", "everything", "nothing", "who", "what", "which", "whose", "rest", "restful",
    "api", "apis", "backend", "backends", "frontend", "rust", "axum", "docker", "dockerfile",
    "dockerfiles", "container", "containers", "kubernetes", "test", "tests", "testing", "service",
    "services", "microservice", "microservices", "system", "systems", "server", "servers",
    "database", "databases", "db", "postgresql", "postgres", "sqlite", "mysql", "mongodb", "jwt",
    "authentication", "authorization", "authorisation", "auth", "endpoint", "endpoints", "route",
    "routes", "crud", "json", "yaml", "http", "https", "openapi", "swagger", "graphql", "grpc",
    "app", "apps", "application", "applications", "platform", "website", "web", "framework",
    "production", "production-ready", "ready", "multi-stage", "deployment", "ci", "pipeline",
    "pagination", "filtering", "sorting", "validation", "logging", "metrics", "tracing",
    "monitoring", "docs", "documentation", "request", "requests", "response", "responses", "error",
    "errors", "feature", "features", "operation", "operations", "migration", "migrations",
    "schema", "schemas", "key", "keys", "token", "tokens", "credential", "credentials", "header",
    "headers", "entity", "entities", "resource", "resources", "model", "models", "table", "tables",
    "field", "fields", "column", "columns", "thing", "things", "stuff", "way", "ways", "lot",
    "lots", "support", "cors", "cache", "caching", "crate", "crates", "cargo", "tokio", "sqlx",
    "serde", "code", "use", "using", "used", "create", "creating", "build", "building", "make",
    "making", "generate", "generating", "include", "including", "add", "adding", "need", "needs",
    "needed", "want", "wants", "require", "requires", "implement", "implementing", "design",
    "develop", "deploy", "supports", "provide", "provides", "expose", "exposes", "allow", "allows",
    "let", "lets", "manage", "manages", "managing", "tracking", "storing", "handle", "handles",
    "handling", "list", "get", "update", "delete", "read", "view", "search", "browse", "edit",
    "remove", "cancel", "log", "sign", "login", "logout", "register", "please", "should", "must",
    "can", "will", "may", "shall", "also", "is", "are", "be", "was", "were", "has", "have", "had",
    "having", "with", "for", "of", "to", "in", "on", "at", "by", "from", "and", "or", "not",
    "only", "just", "very", "fast", "secure", "simple", "small", "basic", "new", "modern", "good",
    "nice", "hello", "hi", "thanks", "etc", "eg", "ie", "many", "multiple", "several", "few",
    "more", "most", "other", "another", "same", "different", "own", "'s", "unit", "unique",
    "optional", "required", "each", "every", "like", "as", "if", "then", "than", "so", "but",
    "into", "per", "via", "about", "over", "under", "between", "after", "before", "when", "where",
    "how", "why", "data", "info", "information", "details", "stuff", "lot",
];

/// Stop words that are also things people store ("a building", "pipelines", "lab tests",
/// "rental units", "job applications"): read as a thing only as the subject of a statement
/// that gives it fields.
#[rustfmt::skip]
pub(super) const SUBJECT_NOUNS: &[&str] = &[
    "building", "pipeline", "unit", "units", "table", "tables", "model", "models", "test",
    "tests", "application", "applications", "route", "routes", "request", "requests", "server",
    "servers", "container", "containers", "feature", "features", "error", "errors", "website",
    "deployment", "deployments", "operation", "operations", "resource", "resources", "log",
    "list", "code", "codes", "key", "keys", "token", "tokens",
];

/// Plural nouns that usually describe a field rather than a related entity.
#[rustfmt::skip]
pub(super) const FIELD_PLURALS: &[&str] = &[
    "notes", "details", "instructions", "remarks", "settings", "preferences", "metadata",
    "attributes", "properties", "options", "tags", "keywords", "comments", "contents", "hours",
    "minutes", "seconds", "calories", "servings", "pages", "points", "views", "likes", "votes",
    "reps", "sets", "years", "days",
];

/// Helper words that may sit between a subject and its verb ("Books should have").
#[rustfmt::skip]
pub(super) const MODALS: &[&str] = &[
    "should", "must", "can", "will", "shall", "may", "also", "each", "always", "all", "both",
    "typically", "usually", "optionally", "additionally", "then", "could", "might", "would", "do",
    "does", "generally", "normally", "just", "simply", "basically", "really", "actually",
    "obviously", "merely", "already", "still", "currently", "only",
];

/// "X have …": the rest of the clause lists X's fields.
pub(super) const FIELD_VERBS: &[&[&str]] = &[
    &["are", "made", "up", "of"],
    &["is", "made", "up", "of"],
    &["are", "made", "of"],
    &["is", "made", "of"],
    &["are", "composed", "of"],
    &["is", "composed", "of"],
    &["are", "described", "by"],
    &["is", "described", "by"],
    &["consist", "of"],
    &["consists", "of"],
    &["have", "got"],
    &["has", "got"],
    &["comprise"],
    &["comprises"],
    &["have"],
    &["has"],
    &["with"],
    &["contain"],
    &["contains"],
    &["include"],
    &["includes"],
    &["need"],
    &["needs"],
    &["require"],
    &["requires"],
    &["carry"],
    &["carries"],
    &["record"],
    &["records"],
    &["store"],
    &["stores"],
    &["hold"],
    &["holds"],
    &["track"],
    &["tracks"],
    &["keep"],
    &["keeps"],
    &["log"],
    &["logs"],
    &["note"],
    &["notes"],
    &["capture"],
    &["captures"],
    &["list"],
    &["lists"],
    &["get"],
    &["gets"],
    &["set"],
    &["sets"],
    &["give", "us"],
    &["gives", "us"],
    &["come", "with"],
    &["comes", "with"],
    &["are", "given"],
    &["is", "given"],
    &["should", "show"],
    &["show"],
    &["shows"],
    &["mention"],
    &["mentions"],
    &["specify"],
    &["specifies"],
    &["says"],
    &["tells"],
    &["state"],
    &["states"],
];

/// "X belong to Y" and its synonyms.
pub(super) const RELATION_VERBS: &[&[&str]] = &[
    &["belong", "to"],
    &["belongs", "to"],
    &["belonging", "to"],
    &["are", "owned", "by"],
    &["is", "owned", "by"],
    &["owned", "by"],
    &["are", "linked", "to"],
    &["is", "linked", "to"],
    &["linked", "to"],
    &["are", "assigned", "to"],
    &["is", "assigned", "to"],
    &["assigned", "to"],
    &["are", "attached", "to"],
    &["is", "attached", "to"],
    &["attached", "to"],
    &["are", "part", "of"],
    &["is", "part", "of"],
    &["part", "of"],
    &["refer", "to"],
    &["refers", "to"],
    &["reference"],
    &["references"],
    &["are", "for"],
    &["is", "for"],
    &["link"],
    &["links"],
    &["connect"],
    &["connects"],
    &["pair"],
    &["pairs"],
    &["relate", "to"],
    &["relates", "to"],
    &["are", "tied", "to"],
    &["is", "tied", "to"],
    &["tied", "to"],
    &["point", "at"],
    &["points", "at"],
    &["point", "to"],
    &["points", "to"],
    &["are", "associated", "with"],
    &["is", "associated", "with"],
    &["associated", "with"],
    &["are", "connected", "to"],
    &["is", "connected", "to"],
    &["come", "from"],
    &["comes", "from"],
];

/// Words after which a list of plural nouns names entities ("with projects and issues").
#[rustfmt::skip]
pub(super) const LIST_TRIGGERS: &[&str] = &[
    "with", "need", "needs", "manage", "manages", "managing", "track", "tracks", "tracking",
    "store", "stores", "storing", "handle", "handles", "handling", "has", "have", "having",
    "include", "includes", "including", "contain", "contains", "containing", "for", "of", "about",
    "covering", "covers", "support", "supports", "supporting", "organise", "organize",
    "organising", "organizing", "keep", "keeps", "keeping", "list",
];

/// The pronouns of whoever writes or uses the service ("we place volunteers", "things I sell").
pub(super) const SPEAKERS: &[&str] = &["we", "i", "you", "they"];

pub(super) const QUANTIFIERS: &[&str] = &["many", "multiple", "several", "numerous", "any", "some"];

/// "a status which is pending, paid or shipped".
pub(super) const ENUM_TRIGGERS_IN_ITEM: &[&[&str]] = &[
    &["which", "can", "be"],
    &["that", "can", "be"],
    &["which", "must", "be"],
    &["that", "must", "be"],
    &["which", "is"],
    &["that", "is"],
    &["which", "are"],
    &["that", "are"],
    &["can", "be"],
    &["must", "be"],
    &["either"],
    &["one", "of"],
    &["being"],
];

/// "Status can be open, closed or archived" as a sentence of its own.
pub(super) const ENUM_TRIGGERS_IN_CLAUSE: &[&[&str]] = &[
    &["can", "be", "one", "of"],
    &["must", "be", "one", "of"],
    &["should", "be", "one", "of"],
    &["is", "one", "of"],
    &["are", "one", "of"],
    &["can", "be", "either"],
    &["is", "either"],
    &["are", "either"],
    &["can", "be"],
    &["could", "be"],
    &["may", "be"],
    &["must", "be"],
    &["is"],
    &["are"],
];

#[rustfmt::skip]
pub(super) const MODIFIERS: &[&str] = &[
    "unique", "optional", "optionally", "required", "mandatory", "compulsory", "nullable",
    "distinct",
];

/// Words that end a field's name: "a price in euros" is `price`.
pub(super) const CUT_WORDS: &[&str] = &[
    "in",
    "for",
    "from",
    "with",
    "by",
    "per",
    "like",
    "such",
    "eg",
    "ie",
    "when",
    "where",
    "who",
    "whose",
    "to",
    "than",
    "between",
    "so",
    "as",
    "which",
    "that",
    "used",
    "because",
    "if",
    "e.g",
    "is",
    "are",
    "must",
    "should",
    "can",
    "will",
    "defaulting",
    "defaults",
    "default",
    "defaulted",
    "itself",
    "themselves",
    "stored",
    "kept",
    "recorded",
    "we",
    "i",
    "they",
    "which",
    "whichever",
    "whatever",
    "measured",
    "expressed",
    "given",
    "shown",
    "written",
];

/// Person-like entities: their default fields are email and name.
#[rustfmt::skip]
pub(super) const PERSON_WORDS: &[&str] = &[
    "user", "customer", "author", "member", "person", "employee", "student", "teacher", "patient",
    "client", "contact", "subscriber", "account", "owner", "guest", "attendee", "participant",
    "player", "admin", "administrator", "reader", "buyer", "seller", "volunteer", "applicant",
    "candidate", "instructor", "doctor", "driver", "tenant", "agent", "staff", "vet", "trainer",
    "coach", "manager", "musician", "artist", "speaker", "organizer", "organiser", "host",
    "passenger", "supplier", "vendor",
];

/// Entities a role word ("an author", "an assignee") refers to, most likely first.
pub(super) const ROLE_TARGETS: &[&str] = &[
    "User", "Member", "Account", "Person", "Employee", "Staff", "Customer",
];

/// People and parties a record usually refers to rather than describes: a field item that is
/// one of these words is a relation to a thing of that name.
#[rustfmt::skip]
pub(super) const PARTY_WORDS: &[&str] = &[
    "patient", "doctor", "nurse", "dentist", "vet", "surgeon", "therapist", "instructor",
    "teacher", "tutor", "lecturer", "student", "pupil", "trainer", "coach", "driver",
    "customer", "member", "employee", "volunteer", "player", "referee", "umpire", "judge",
    "technician", "mechanic", "agent", "supplier", "vendor", "landlord", "tenant", "donor",
    "applicant", "candidate", "passenger", "athlete", "contractor", "rider", "caregiver",
    "staff",
];

/// Words Rust or SQL reserve that, named alone as an item, are things rather than values
/// ("bookings: member, class", "fixtures: match, referee"). Not "order": as often a position
/// as an order placed.
pub(super) const RESERVED_THINGS: &[&str] = &["match", "group", "class", "user"];

#[rustfmt::skip]
pub(super) const ROLE_WORDS: &[&str] = &[
    "author", "owner", "creator", "assignee", "reporter", "organizer", "organiser", "host",
    "manager", "reviewer", "sender", "recipient", "receiver", "buyer", "seller", "uploader",
    "editor", "approver", "requester", "submitter", "poster", "writer", "moderator", "commenter",
    "follower", "borrower",
];

/// Content usually written by someone: gets an author when no relation says otherwise.
pub(super) const AUTHORED: &[&str] = &[
    "post", "article", "comment", "review", "message", "story", "note", "answer", "reply",
];

/// Words ending in "ly" that are nouns or adjectives of things ("a family", "a power supply",
/// "daily reports") rather than adverbs of manner ("escalated automatically").
#[rustfmt::skip]
const LY_NOUNS: &[&str] = &[
    "family", "supply", "assembly", "rally", "ally", "reply", "anomaly", "monopoly", "butterfly",
    "fly", "lily", "jelly", "belly", "holly", "italy", "bully", "daily", "weekly", "monthly",
    "yearly", "hourly", "nightly", "quarterly", "biweekly", "fortnightly", "early",
    "elderly", "friendly", "lovely", "ugly", "holy", "silly", "curly", "oily", "hilly",
    "likely", "lonely", "costly", "deadly", "orderly", "timely", "lively", "chilly", "jolly",
    "july", "ply", "tally", "filly", "doily", "homily", "gully", "poly", "melancholy",
    "kelly", "emily", "sally", "billy", "molly", "polly", "dolly", "reilly", "wholly",
    "subassembly", "resupply", "only",
];

/// Whether `word` is an adverb of manner ("automatically", "quickly", "usually"): a word
/// ending in "ly" that names no thing. An adverb is never part of a name; a word missing
/// from [`LY_NOUNS`] is left out of a name and so shows as not understood, never misnamed.
pub(super) fn is_adverb(word: &str) -> bool {
    word.len() > 3 && word.ends_with("ly") && !LY_NOUNS.contains(&word)
}
