//! The deterministic plain-English requirement analyzer: turns a requirement such as "A
//! bookstore backend. Books have a title, a unique ISBN and a price, and each book belongs to a
//! publisher." into a validated [`Spec`] plus every [`Assumption`] made on the way.
//!
//! It owns the whole text-to-spec path and nothing else. The heuristics are hand-written and
//! deterministic (no network, no model, no randomness; only ordered collections):
//!
//! 1. **Sentences and clauses.** The text is split into sentences (`.`, `!`, `?`, bullets,
//!    blank lines) and clauses (`;`); each clause is tokenised into lower-case words, commas,
//!    colons, slashes and parenthesised groups.
//! 2. **Statements.** Each clause becomes one statement: fields ("Books have a, b and c",
//!    "Products: name, price", "each book belongs to a publisher"), a list of entities ("with
//!    projects and issues", "owners (first name, phone), pets (name)"), ownership ("Customers
//!    place orders") or enum values ("A task's status can be todo, doing or done"). Clauses
//!    about authentication and technology ("Use Rust with Axum") yield nothing.
//! 3. **Entities, then fields.** A first pass collects the entities; a second reads every field
//!    item against them: an item naming an entity (or a role such as "author") becomes a
//!    belongs_to, the rest get a type inferred from their name, flags (unique, optional,
//!    required) and enum values.
//! 4. **Defaults.** Entities without fields, the database, authentication and the service name
//!    get defaults; reserved names are renamed; inverse has_many relations are added. Every
//!    choice is recorded as an [`Assumption`] and the spec is checked with [`validate`].

use std::collections::BTreeSet;

use crate::naming::{
    alternative_for, kebab, pascal, plural, singular, snake, GENERATED_COLUMNS,
    RESERVED_TYPE_NAMES, RUST_KEYWORDS, SQL_RESERVED,
};
use crate::validate::validate;
use crate::{
    all_operations, Assumption, Auth, AuthMode, Database, Derived, Entity, Field, FieldType,
    ListOptions, OnDelete, Operation, Relation, RelationKind, Service, Spec, SPEC_VERSION,
};

/// The validator's limits, respected rather than reported.
const MAX_FIELDS: usize = 200;
const MAX_ENTITIES: usize = 100;

/// A requirement the analyzer can read, shown whenever it cannot read the user's.
const EXAMPLE_PROMPT: &str = "A library API. Books have a title, an ISBN (unique) and a publication date, and each book belongs to an author. Authors have a name.";

/// Why a requirement could not be turned into a spec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AnalyzeError {
    pub message: String,
}

fn error_with_example(reason: &str) -> AnalyzeError {
    AnalyzeError {
        message: format!(
            "{reason} Name the things the service stores and what each one has. Try: \"{EXAMPLE_PROMPT}\""
        ),
    }
}

/// Turns a plain-English requirement into a spec plus every assumption made.
pub fn analyze(text: &str) -> Result<Derived, AnalyzeError> {
    let sentences = split_sentences(text);
    if sentences.is_empty() {
        return Err(error_with_example("The requirement is empty."));
    }
    let statements = statements_of(&sentences);
    let mut model = Model::default();
    model.collect_entities(&statements);
    if model.entities.is_empty() {
        return Err(error_with_example(
            "No entity could be found in the requirement.",
        ));
    }
    model.apply(&statements);
    model.finish();
    let mut notes = Vec::new();
    let name = service_name(&sentences, &model, &mut notes);
    let all_words: Vec<String> = sentences.iter().flat_map(|s| words_of(&s.tokens)).collect();
    let database = database_of(&all_words, &mut notes);
    let auth = auth_of(&sentences, &mut notes);
    notes.append(&mut model.notes);
    let spec = Spec {
        spec_version: SPEC_VERSION,
        service: Service {
            name,
            description: description_of(&sentences[0].text),
        },
        database,
        auth,
        entities: model.entities,
    };
    validate(&spec).map_err(|errors| AnalyzeError {
        message: format!(
            "The requirement was read, but the derived spec is not valid:\n{errors}\nRephrase the requirement; Try: \"{EXAMPLE_PROMPT}\""
        ),
    })?;
    Ok(Derived {
        spec,
        assumptions: notes,
    })
}

// ---------------------------------------------------------------------------------------------
// Word lists
// ---------------------------------------------------------------------------------------------

const DETERMINERS: &[&str] = &[
    "a", "an", "the", "each", "every", "all", "any", "some", "our", "my", "your", "their", "its",
    "his", "her", "one", "no", "single", "both",
];

/// Words that never name an entity: pronouns, technology, generic nouns and request verbs.
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
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

/// Plural nouns that usually describe a field rather than a related entity.
#[rustfmt::skip]
const FIELD_PLURALS: &[&str] = &[
    "notes", "details", "instructions", "remarks", "settings", "preferences", "metadata",
    "attributes", "properties", "options", "tags", "keywords", "comments", "contents", "hours",
    "minutes", "seconds", "calories", "servings", "pages", "points", "views", "likes", "votes",
    "reps", "sets", "years", "days",
];

/// Helper words that may sit between a subject and its verb ("Books should have").
#[rustfmt::skip]
const MODALS: &[&str] = &[
    "should", "must", "can", "will", "shall", "may", "also", "each", "always", "all", "both",
    "typically", "usually", "optionally", "additionally", "then", "could", "might", "would", "do",
    "does", "generally", "normally",
];

/// "X have …": the rest of the clause lists X's fields.
const FIELD_VERBS: &[&[&str]] = &[
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
];

/// "X belong to Y" and its synonyms.
const RELATION_VERBS: &[&[&str]] = &[
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
];

/// Words after which a list of plural nouns names entities ("with projects and issues").
#[rustfmt::skip]
const LIST_TRIGGERS: &[&str] = &[
    "with", "need", "needs", "manage", "manages", "managing", "track", "tracks", "tracking",
    "store", "stores", "storing", "handle", "handles", "handling", "has", "have", "having",
    "include", "includes", "including", "contain", "contains", "containing", "for", "of", "about",
    "covering", "covers", "support", "supports", "supporting", "organise", "organize",
    "organising", "organizing", "keep", "keeps", "keeping", "list",
];

const QUANTIFIERS: &[&str] = &["many", "multiple", "several", "numerous", "any", "some"];

/// "a status which is pending, paid or shipped".
const ENUM_TRIGGERS_IN_ITEM: &[&[&str]] = &[
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
const ENUM_TRIGGERS_IN_CLAUSE: &[&[&str]] = &[
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
const MODIFIERS: &[&str] = &[
    "unique", "optional", "optionally", "required", "mandatory", "compulsory", "nullable",
    "distinct",
];

/// Words that end a field's name: "a price in euros" is `price`.
const CUT_WORDS: &[&str] = &[
    "in", "for", "from", "with", "by", "per", "like", "such", "eg", "ie", "when", "where", "who",
    "whose", "to", "than", "between", "so", "as", "which", "that", "used", "because", "if", "e.g",
    "is", "are", "must", "should", "can", "will",
];

/// Person-like entities: their default fields are email and name.
#[rustfmt::skip]
const PERSON_WORDS: &[&str] = &[
    "user", "customer", "author", "member", "person", "employee", "student", "teacher", "patient",
    "client", "contact", "subscriber", "account", "owner", "guest", "attendee", "participant",
    "player", "admin", "administrator", "reader", "buyer", "seller", "volunteer", "applicant",
    "candidate", "instructor", "doctor", "driver", "tenant", "agent", "staff", "vet", "trainer",
    "coach", "manager", "musician", "artist", "speaker", "organizer", "organiser", "host",
    "passenger", "supplier", "vendor",
];

/// Entities a role word ("an author", "an assignee") refers to, most likely first.
const ROLE_TARGETS: &[&str] = &[
    "User", "Member", "Account", "Person", "Employee", "Staff", "Customer",
];

#[rustfmt::skip]
const ROLE_WORDS: &[&str] = &[
    "author", "owner", "creator", "assignee", "reporter", "organizer", "organiser", "host",
    "manager", "reviewer", "sender", "recipient", "receiver", "buyer", "seller", "uploader",
    "editor", "approver", "requester", "submitter", "poster", "writer", "moderator", "commenter",
    "follower", "borrower",
];

/// Content usually written by someone: gets an author when no relation says otherwise.
const AUTHORED: &[&str] = &[
    "post", "article", "comment", "review", "message", "story", "note", "answer", "reply",
];

// ---------------------------------------------------------------------------------------------
// Sentences and tokens
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Comma,
    Colon,
    Slash,
    Semi,
    Group(Vec<Tok>),
}

#[derive(Debug, Clone)]
struct Sentence {
    text: String,
    tokens: Vec<Tok>,
}

fn split_sentences(text: &str) -> Vec<Sentence> {
    let mut raw = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        let bullet = strip_bullet(trimmed);
        if trimmed.is_empty() || bullet.is_some() {
            flush_sentence(&mut raw, &mut current);
        }
        split_line_into(&mut raw, &mut current, bullet.unwrap_or(trimmed));
    }
    flush_sentence(&mut raw, &mut current);
    raw.into_iter()
        .map(|text| Sentence {
            tokens: normalize_phrases(tokenize(&text)),
            text,
        })
        .filter(|s| !s.tokens.is_empty())
        .collect()
}

fn strip_bullet(line: &str) -> Option<&str> {
    for marker in ["- ", "* ", "• ", "+ "] {
        if let Some(rest) = line.strip_prefix(marker) {
            return Some(rest);
        }
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 {
        let rest = &line[digits..];
        for marker in [". ", ") "] {
            if let Some(rest) = rest.strip_prefix(marker) {
                return Some(rest);
            }
        }
    }
    None
}

fn flush_sentence(raw: &mut Vec<String>, current: &mut String) {
    let text = current.split_whitespace().collect::<Vec<_>>().join(" ");
    if !text.is_empty() {
        raw.push(text);
    }
    current.clear();
}

fn split_line_into(raw: &mut Vec<String>, current: &mut String, line: &str) {
    let mut line = line.to_owned();
    for (from, to) in [
        ("e.g.", "eg"),
        ("E.g.", "eg"),
        ("i.e.", "ie"),
        ("I.e.", "ie"),
        ("etc.", "etc"),
    ] {
        line = line.replace(from, to);
    }
    let chars: Vec<char> = line.chars().collect();
    current.push(' ');
    for (i, c) in chars.iter().enumerate() {
        current.push(*c);
        let ends = matches!(c, '.' | '!' | '?')
            && chars.get(i + 1).is_none_or(|next| next.is_whitespace());
        if ends {
            flush_sentence(raw, current);
        }
    }
}

/// Lower-case words, punctuation that matters, and parenthesised groups.
fn tokenize(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut stack: Vec<Vec<Tok>> = vec![Vec::new()];
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev_digit = i > 0 && chars[i - 1].is_ascii_digit();
        let next = chars.get(i + 1).copied();
        let in_word = c.is_alphanumeric()
            || c == '-'
            || c == '_'
            || (c == '.' && prev_digit && next.is_some_and(|n| n.is_ascii_digit()))
            || (matches!(c, '\'' | '’')
                && !word.is_empty()
                && next.is_some_and(char::is_alphabetic));
        if in_word {
            word.extend(c.to_lowercase());
            continue;
        }
        flush_word(&mut word, stack_top(&mut stack));
        match c {
            ',' => stack_top(&mut stack).push(Tok::Comma),
            ':' => stack_top(&mut stack).push(Tok::Colon),
            '/' => stack_top(&mut stack).push(Tok::Slash),
            ';' => stack_top(&mut stack).push(Tok::Semi),
            '&' | '+' => stack_top(&mut stack).push(Tok::Word("and".into())),
            '(' | '[' | '{' => stack.push(Vec::new()),
            ')' | ']' | '}' => close_group(&mut stack),
            _ => {}
        }
    }
    flush_word(&mut word, stack_top(&mut stack));
    while stack.len() > 1 {
        close_group(&mut stack);
    }
    stack.pop().unwrap_or_default()
}

fn stack_top(stack: &mut Vec<Vec<Tok>>) -> &mut Vec<Tok> {
    if stack.is_empty() {
        stack.push(Vec::new());
    }
    let last = stack.len() - 1;
    &mut stack[last]
}

fn close_group(stack: &mut Vec<Vec<Tok>>) {
    if stack.len() > 1 {
        if let Some(group) = stack.pop() {
            stack_top(stack).push(Tok::Group(group));
        }
    }
}

/// Latin letters with accents as their ASCII base letter ("café" → "cafe").
fn fold_accent(c: char) -> char {
    const FOLDS: &[(&str, char)] = &[
        ("àáâãäåā", 'a'),
        ("çćč", 'c'),
        ("èéêëēė", 'e'),
        ("ìíîïī", 'i'),
        ("ñń", 'n'),
        ("òóôõöøō", 'o'),
        ("ùúûüū", 'u'),
        ("ýÿ", 'y'),
        ("śš", 's'),
        ("źżž", 'z'),
    ];
    FOLDS
        .iter()
        .find(|(from, _)| from.contains(c))
        .map_or(c, |(_, to)| *to)
}

fn flush_word(word: &mut String, out: &mut Vec<Tok>) {
    let cleaned: String = word
        .replace('’', "'")
        .chars()
        .map(fold_accent)
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '\'' | '.'))
        .collect();
    word.clear();
    let cleaned = cleaned.trim_matches(|c| matches!(c, '-' | '_' | '\'' | '.'));
    if cleaned.is_empty() {
        return;
    }
    if let Some(stem) = cleaned.strip_suffix("'s") {
        out.push(Tok::Word(stem.to_owned()));
        out.push(Tok::Word("'s".into()));
        return;
    }
    let cleaned = match cleaned {
        "e-mail" => "email",
        "e-mails" => "emails",
        other => other,
    };
    out.push(Tok::Word(cleaned.replace('\'', "")));
}

/// Rewrites multi-word phrases that would otherwise split lists: "one or more" → "many".
fn normalize_phrases(tokens: Vec<Tok>) -> Vec<Tok> {
    const PHRASES: &[(&[&str], &str)] = &[
        (&["one", "or", "more"], "many"),
        (&["zero", "or", "more"], "many"),
        (&["as", "well", "as"], "and"),
        (&["along", "with"], "and"),
        (&["together", "with"], "and"),
    ];
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let matched = PHRASES.iter().find(|(pattern, _)| {
            pattern
                .iter()
                .enumerate()
                .all(|(k, p)| word_at(&tokens, i + k) == Some(*p))
        });
        if let Some((pattern, replacement)) = matched {
            out.push(Tok::Word((*replacement).to_owned()));
            i += pattern.len();
            continue;
        }
        out.push(match &tokens[i] {
            Tok::Group(inner) => Tok::Group(normalize_phrases(inner.clone())),
            other => other.clone(),
        });
        i += 1;
    }
    out
}

fn word_at(tokens: &[Tok], i: usize) -> Option<&str> {
    match tokens.get(i) {
        Some(Tok::Word(w)) => Some(w.as_str()),
        _ => None,
    }
}

/// Every word of the tokens, groups included.
fn words_of(tokens: &[Tok]) -> Vec<String> {
    let mut out = Vec::new();
    for tok in tokens {
        match tok {
            Tok::Word(w) => out.push(w.clone()),
            Tok::Group(inner) => out.extend(words_of(inner)),
            _ => {}
        }
    }
    out
}

/// The words before the first punctuation or group.
fn leading_words(tokens: &[Tok]) -> Vec<&str> {
    tokens
        .iter()
        .map_while(|t| match t {
            Tok::Word(w) => Some(w.as_str()),
            _ => None,
        })
        .collect()
}

fn split_clauses(tokens: &[Tok]) -> Vec<Vec<Tok>> {
    tokens
        .split(|t| *t == Tok::Semi)
        .filter(|c| !c.is_empty())
        .map(<[Tok]>::to_vec)
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    Start,
    Comma,
    And,
    Or,
}

/// Splits a list "a, b and c" at the top level (groups stay whole).
fn split_list(tokens: &[Tok]) -> Vec<(Sep, Vec<Tok>)> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    let mut sep = Sep::Start;
    for tok in tokens {
        let this = match tok {
            Tok::Comma => Some(Sep::Comma),
            Tok::Word(w) if w == "and" || w == "plus" => Some(Sep::And),
            Tok::Word(w) if w == "or" || w == "nor" => Some(Sep::Or),
            _ => None,
        };
        match this {
            Some(s) => {
                if !current.is_empty() {
                    out.push((sep, std::mem::take(&mut current)));
                }
                sep = s;
            }
            None => current.push(tok.clone()),
        }
    }
    if !current.is_empty() {
        out.push((sep, current));
    }
    out
}

/// Longest pattern of `patterns` that matches `words` at `at`, as its length.
fn match_at(words: &[&str], at: usize, patterns: &[&[&str]]) -> Option<usize> {
    patterns
        .iter()
        .filter(|p| {
            p.iter()
                .enumerate()
                .all(|(k, w)| words.get(at + k) == Some(w))
        })
        .map(|p| p.len())
        .max()
}

fn find_pattern(words: &[&str], patterns: &[&[&str]], from: usize) -> Option<(usize, usize)> {
    (from..words.len()).find_map(|i| match_at(words, i, patterns).map(|len| (i, len)))
}

fn is_determiner(word: &str) -> bool {
    DETERMINERS.contains(&word)
}

fn skip_determiners(words: &[&str]) -> usize {
    words.iter().take_while(|w| is_determiner(w)).count()
}

fn trim_modals<'a>(words: &'a [&'a str]) -> &'a [&'a str] {
    let mut end = words.len();
    while end > 0 && MODALS.contains(&words[end - 1]) {
        end -= 1;
    }
    &words[..end]
}

/// A noun phrase that can name an entity: 1-3 plain words, none a stop word.
fn noun_phrase(words: &[&str]) -> Option<Vec<String>> {
    let ok = !words.is_empty()
        && words.len() <= 3
        && words.iter().all(|w| {
            w.len() >= 2
                && w.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
                && !STOP_WORDS.contains(w)
                && !is_determiner(w)
                && !QUANTIFIERS.contains(w)
        });
    ok.then(|| words.iter().map(|w| (*w).to_owned()).collect())
}

fn is_plural(word: &str) -> bool {
    const IRREGULAR: &[&str] = &["people", "children", "men", "women", "mice", "staff"];
    if IRREGULAR.contains(&word) {
        return true;
    }
    singular(word) != word && !["ss", "us", "is"].iter().any(|e| word.ends_with(e))
}

/// A list item such as `pets` or `owners (first name, phone)`: a bare plural noun phrase.
fn bare_plural(tokens: &[Tok]) -> Option<(Vec<String>, Option<Vec<Tok>>)> {
    let (group, words_part) = match tokens.split_last() {
        Some((Tok::Group(inner), rest)) => (Some(inner.clone()), rest),
        _ => (None, tokens),
    };
    let words: Vec<&str> = words_part
        .iter()
        .map(|t| match t {
            Tok::Word(w) => Some(w.as_str()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let noun = noun_phrase(&words)?;
    let last = noun.last()?;
    (is_plural(last) && !FIELD_PLURALS.contains(&last.as_str())).then_some((noun, group))
}

// ---------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, PartialEq)]
enum ItemKind {
    #[default]
    Field,
    /// `subject` (or the statement's entity) belongs to `target`.
    BelongsTo {
        subject: Option<Vec<String>>,
        target: Vec<String>,
    },
    /// The statement's entity has many `0`.
    HasMany(Vec<String>),
}

/// One item of a field list, read without knowing the entities yet.
#[derive(Debug, Clone, Default, PartialEq)]
struct Item {
    kind: ItemKind,
    words: Vec<String>,
    unique: bool,
    optional: bool,
    required: bool,
    values: Vec<String>,
    explicit: Option<FieldType>,
    open_enum: bool,
    list_of: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct Owner {
    words: Vec<String>,
    /// "A school has students": the owner may be the domain rather than an entity.
    weak: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Statement {
    Fields {
        subject: Vec<String>,
        items: Vec<Item>,
    },
    Entities {
        owner: Option<Owner>,
        nouns: Vec<(Vec<String>, Vec<Item>)>,
    },
    Owns {
        owner: Vec<String>,
        owned: Vec<Vec<String>>,
    },
    Enum {
        entity: Option<Vec<String>>,
        field: Vec<String>,
        values: Vec<String>,
    },
}

fn statements_of(sentences: &[Sentence]) -> Vec<Statement> {
    sentences
        .iter()
        .flat_map(|s| split_clauses(&s.tokens))
        .filter(|clause| auth_keyword(&words_of(clause)).is_none())
        .flat_map(|clause| classify(&clause))
        .collect()
}

fn classify(tokens: &[Tok]) -> Vec<Statement> {
    if let Some(statements) = colon_statement(tokens) {
        return statements;
    }
    let single = field_clause(tokens)
        .or_else(|| enum_clause(tokens))
        .or_else(|| owns_clause(tokens))
        .or_else(|| noun_list(tokens));
    match single {
        Some(statement) => vec![statement],
        None => scan_entity_lists(tokens),
    }
}

/// "Pet clinic system: owners (…), pets (…)", "Products: name, price", "Status: open/closed".
fn colon_statement(tokens: &[Tok]) -> Option<Vec<Statement>> {
    let at = tokens.iter().position(|t| *t == Tok::Colon)?;
    let left: Vec<&str> = tokens[..at]
        .iter()
        .map(|t| match t {
            Tok::Word(w) => Some(w.as_str()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    if find_pattern(&left, FIELD_VERBS, 0).is_some()
        || find_pattern(&left, RELATION_VERBS, 0).is_some()
    {
        return None;
    }
    let right = &tokens[at + 1..];
    let start = skip_determiners(&left);
    let right_is_clause = field_clause(right).is_some() || noun_list(right).is_some();
    let article = left.first().is_some_and(|w| matches!(*w, "a" | "an"));
    let subject = noun_phrase(&left[start..]).filter(|_| !right_is_clause && !article);
    let Some(subject) = subject else {
        return Some(classify(right));
    };
    let last = subject.last().map(String::as_str).unwrap_or_default();
    let slashed = right.contains(&Tok::Slash);
    if slashed || (!is_plural(last) && enum_like_name(last)) {
        let values = enum_values(right)?;
        return Some(vec![Statement::Enum {
            entity: None,
            field: subject,
            values,
        }]);
    }
    let items = parse_items(&split_list(right));
    Some(vec![Statement::Fields { subject, items }])
}

fn enum_like_name(word: &str) -> bool {
    [
        "status",
        "state",
        "priority",
        "severity",
        "kind",
        "type",
        "category",
        "level",
        "role",
        "stage",
        "phase",
        "gender",
        "visibility",
        "size",
        "colour",
        "color",
        "tier",
        "plan",
    ]
    .contains(&word)
}

/// "Books have a title …", "Each book belongs to a publisher".
fn field_clause(tokens: &[Tok]) -> Option<Statement> {
    let words = leading_words(tokens);
    let start = skip_determiners(&words);
    for j in start..words.len().min(start + 8) {
        let (len, relation) = match match_at(&words, j, RELATION_VERBS) {
            Some(len) => (len, true),
            None => match match_at(&words, j, FIELD_VERBS) {
                Some(len) => (len, false),
                None => continue,
            },
        };
        let subject = noun_phrase(trim_modals(&words[start..j]))?;
        let mut rest: Vec<Tok> = tokens[j + len..].to_vec();
        if rest.first() == Some(&Tok::Colon) {
            rest.remove(0);
        }
        if relation {
            rest.splice(0..0, [Tok::Word("belongs".into()), Tok::Word("to".into())]);
        }
        let list = split_list(&rest);
        if !relation {
            if let Some(nouns) = all_bare_plurals(&list) {
                let article = start > 0 && matches!(words[0], "a" | "an" | "the");
                let singular_subject = subject.last().is_some_and(|w| !is_plural(w));
                return Some(Statement::Entities {
                    owner: Some(Owner {
                        words: subject,
                        weak: article && singular_subject,
                    }),
                    nouns,
                });
            }
        }
        return Some(Statement::Fields {
            subject,
            items: parse_items(&list),
        });
    }
    None
}

fn all_bare_plurals(list: &[(Sep, Vec<Tok>)]) -> Option<Vec<(Vec<String>, Vec<Item>)>> {
    if list.is_empty() {
        return None;
    }
    list.iter()
        .map(|(_, tokens)| {
            bare_plural(tokens).map(|(noun, group)| {
                let items = group
                    .map(|g| parse_items(&split_list(&g)))
                    .unwrap_or_default();
                (noun, items)
            })
        })
        .collect()
}

/// "A task's status can be todo, doing or done", "The status of an order is one of …".
fn enum_clause(tokens: &[Tok]) -> Option<Statement> {
    let words = leading_words(tokens);
    let (at, len) = find_pattern(&words, ENUM_TRIGGERS_IN_CLAUSE, 1)?;
    let values = enum_values(&tokens[at + len..])?;
    let left = &words[..at];
    let left = &left[skip_determiners(left)..];
    let (entity, field) = if let Some(k) = left.iter().position(|w| *w == "'s") {
        let field = &left[k + 1..];
        (Some(&left[..k]), field)
    } else if let Some(k) = left.iter().position(|w| *w == "of") {
        let entity = &left[k + 1..];
        (Some(&entity[skip_determiners(entity)..]), &left[..k])
    } else {
        (None, left)
    };
    let field = noun_phrase(field)?;
    let entity = match entity {
        Some(e) => Some(noun_phrase(e)?),
        None => None,
    };
    Some(Statement::Enum {
        entity,
        field,
        values,
    })
}

/// At least two bare values: "open, closed or archived", "open/closed".
fn enum_values(tokens: &[Tok]) -> Option<Vec<String>> {
    let values: Vec<String> = tokens
        .split(|t| *t == Tok::Slash)
        .flat_map(split_list)
        .map(|(_, item)| bare_value(&item))
        .collect::<Option<_>>()?;
    (values.len() >= 2).then_some(values)
}

/// One enum value: 1-3 words with no article in front.
fn bare_value(tokens: &[Tok]) -> Option<String> {
    let words = leading_words(tokens);
    let ok = words.len() == tokens.len()
        && !words.is_empty()
        && words.len() <= 3
        && ![
            "a", "an", "the", "its", "their", "each", "every", "has", "have", "belongs", "belong",
            "with", "many",
        ]
        .contains(&words[0]);
    ok.then(|| words.join(" "))
}

/// "Customers place orders": the owned entities belong to the owner.
fn owns_clause(tokens: &[Tok]) -> Option<Statement> {
    let words = leading_words(tokens);
    let start = skip_determiners(&words);
    let upper = words.len().min(start + 5);
    for v in (start + 1..upper).rev() {
        let verb = words[v];
        if !is_candidate_verb(verb) {
            continue;
        }
        let before = &words[start..v];
        let trimmed = trim_modals(before);
        let Some(owner) = noun_phrase(trimmed) else {
            continue;
        };
        let plural_owner = owner.last().is_some_and(|w| is_plural(w));
        let has_modal = trimmed.len() < before.len();
        if owner.len() > 2
            || (plural_owner && !has_modal && verb.ends_with('s') && !verb.ends_with("ss"))
        {
            continue;
        }
        let mut rest = &tokens[v + 1..];
        while let Some(Tok::Word(w)) = rest.first() {
            if QUANTIFIERS.contains(&w.as_str()) {
                rest = &rest[1..];
            } else {
                break;
            }
        }
        let owned: Vec<Vec<String>> = split_list(rest)
            .iter()
            .map_while(|(_, item)| bare_plural(item).filter(|(n, g)| g.is_none() && n.len() <= 2))
            .map(|(noun, _)| noun)
            .collect();
        if !owned.is_empty() {
            return Some(Statement::Owns { owner, owned });
        }
    }
    None
}

fn is_candidate_verb(word: &str) -> bool {
    const NOT_OWNING: &[&str] = &[
        "manage", "list", "lists", "view", "views", "see", "sees", "browse", "browses", "search",
        "searches", "edit", "edits", "create", "creates", "update", "updates", "delete", "deletes",
        "read", "reads", "get", "gets", "like", "likes", "need", "needs", "want", "wants", "use",
        "uses", "include", "includes", "require", "requires", "access", "accesses", "visit",
        "visits",
    ];
    word.len() >= 2
        && word.chars().all(|c| c.is_ascii_alphabetic())
        && !STOP_WORDS.contains(&word)
        && !is_determiner(word)
        && !NOT_OWNING.contains(&word)
}

/// A clause that is only a list of plural nouns: "owners (…), pets (…) and visits (…)".
fn noun_list(tokens: &[Tok]) -> Option<Statement> {
    let nouns = all_bare_plurals(&split_list(tokens))?;
    Some(Statement::Entities { owner: None, nouns })
}

/// Lists of plural nouns after words such as "with", "needs", "manage".
fn scan_entity_lists(tokens: &[Tok]) -> Vec<Statement> {
    let mut out = Vec::new();
    for (k, tok) in tokens.iter().enumerate() {
        let Tok::Word(w) = tok else { continue };
        if !LIST_TRIGGERS.contains(&w.as_str()) {
            continue;
        }
        let mut rest = &tokens[k + 1..];
        while let Some(Tok::Word(q)) = rest.first() {
            if QUANTIFIERS.contains(&q.as_str()) || q == "both" {
                rest = &rest[1..];
            } else {
                break;
            }
        }
        let nouns: Vec<(Vec<String>, Vec<Item>)> = split_list(rest)
            .iter()
            .map_while(|(_, item)| bare_plural(item))
            .map(|(noun, group)| {
                let items = group
                    .map(|g| parse_items(&split_list(&g)))
                    .unwrap_or_default();
                (noun, items)
            })
            .collect();
        if !nouns.is_empty() {
            out.push(Statement::Entities { owner: None, nouns });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Field items
// ---------------------------------------------------------------------------------------------

/// Reads every item of a field list; bare words after an open enum are its further values.
fn parse_items(list: &[(Sep, Vec<Tok>)]) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let mut open: Option<usize> = None;
    let mut relation: Option<Option<Vec<String>>> = None;
    for (sep, tokens) in list {
        if let (Some(subject), Some(target)) = (&relation, further_target(tokens)) {
            out.push(Item {
                kind: ItemKind::BelongsTo {
                    subject: subject.clone(),
                    target,
                },
                ..Item::default()
            });
            continue;
        }
        relation = None;
        if let Some(ix) = open {
            if let Some(value) = bare_value(tokens) {
                out[ix].values.push(value);
                if matches!(sep, Sep::And | Sep::Or) {
                    open = None;
                }
                continue;
            }
            open = None;
        }
        let item = parse_item(tokens);
        if item.open_enum {
            open = Some(out.len());
        }
        if let ItemKind::BelongsTo { subject, .. } = &item.kind {
            relation = Some(subject.clone());
        }
        if item.kind != ItemKind::Field || !item.words.is_empty() {
            out.push(item);
        }
    }
    out
}

/// "a driver" in "belong to a vehicle and a driver": an article and a noun phrase.
fn further_target(tokens: &[Tok]) -> Option<Vec<String>> {
    let words = leading_words(tokens);
    if words.len() != tokens.len() || !matches!(words.first(), Some(&("a" | "an" | "the" | "one")))
    {
        return None;
    }
    noun_phrase(&words[1..])
}

fn parse_item(tokens: &[Tok]) -> Item {
    let mut item = Item::default();
    let mut words = Vec::new();
    let mut after_colon: Option<Vec<Tok>> = None;
    for tok in tokens {
        match (tok, after_colon.as_mut()) {
            (t, Some(rest)) => rest.push(t.clone()),
            (Tok::Word(w), None) => words.push(w.clone()),
            (Tok::Group(inner), None) => read_group(inner, &mut item),
            (Tok::Colon, None) => after_colon = Some(Vec::new()),
            _ => {}
        }
    }
    if let Some(rest) = after_colon {
        read_group(&rest, &mut item);
        item.open_enum = !item.values.is_empty();
    }
    read_words(words, &mut item);
    item
}

/// "(unique)", "(decimal)", "(low, medium, high)" or, after a colon, "open/closed".
fn read_group(inner: &[Tok], item: &mut Item) {
    let words = words_of(inner);
    let Some(first) = words.first() else { return };
    if ["in", "per"].contains(&first.as_str()) {
        if let Some(ty) = words.get(1).and_then(|w| unit_type(w)) {
            item.explicit = Some(ty);
        }
        return;
    }
    if [
        "eg", "e", "like", "such", "for", "ie", "example", "max", "min", "at",
    ]
    .contains(&first.as_str())
    {
        return;
    }
    if words
        .iter()
        .all(|w| MODIFIERS.contains(&w.as_str()) || ["and", "not", "but"].contains(&w.as_str()))
    {
        apply_modifiers(&words, item);
        return;
    }
    if words.len() == 1 {
        if let Some(ty) = type_word(first) {
            item.explicit = Some(ty);
            return;
        }
    }
    let values: Vec<String> = inner
        .split(|t| *t == Tok::Slash)
        .flat_map(split_list)
        .filter_map(|(_, t)| bare_value(&t))
        .collect();
    item.values.extend(values);
}

fn apply_modifiers(words: &[String], item: &mut Item) {
    for (i, w) in words.iter().enumerate() {
        let negated = i > 0 && words[i - 1] == "not";
        match w.as_str() {
            "unique" | "distinct" => item.unique = !negated,
            "optional" | "optionally" | "nullable" => item.optional = true,
            "required" | "mandatory" | "compulsory" => {
                if negated {
                    item.optional = true;
                } else {
                    item.required = true;
                }
            }
            _ => {}
        }
    }
}

fn read_words(words: Vec<String>, item: &mut Item) {
    #[rustfmt::skip]
    const LEADING_VERBS: &[&str] = &[
        "has", "have", "with", "also", "plus", "includes", "including", "contains", "containing",
        "and",
    ];
    let mut w: Vec<String> = words.into_iter().filter(|w| w != "'s").collect();
    let lead = w
        .iter()
        .take_while(|x| LEADING_VERBS.contains(&x.as_str()))
        .count();
    w.drain(..lead);
    if w.first()
        .is_some_and(|x| ["who", "which", "that", "whose", "where", "when"].contains(&x.as_str()))
    {
        return;
    }
    if read_relation(&w, item) {
        return;
    }
    let refs: Vec<&str> = w.iter().map(String::as_str).collect();
    if refs
        .first()
        .is_some_and(|q| ["many", "multiple", "several", "numerous"].contains(q))
    {
        let mut rest = &refs[1..];
        if rest.first() == Some(&"of") {
            rest = &rest[1..];
        }
        let rest = &rest[skip_determiners(rest)..];
        item.kind = ItemKind::HasMany(cut_name(rest));
        return;
    }
    apply_modifiers(&w, item);
    w.retain(|x| !MODIFIERS.contains(&x.as_str()) && x != "not");
    let refs: Vec<&str> = w.iter().map(String::as_str).collect();
    let mut name: Vec<String> = refs.iter().map(|s| (*s).to_owned()).collect();
    if let Some((at, len)) = find_pattern(&refs, ENUM_TRIGGERS_IN_ITEM, 1) {
        let mut rest = &refs[at + len..];
        for prefix in [&["one", "of"][..], &["either"][..]] {
            if rest.starts_with(prefix) {
                rest = &rest[prefix.len()..];
            }
        }
        if !rest.is_empty() {
            item.values.push(rest.join(" "));
            item.open_enum = true;
        }
        name.truncate(at);
    }
    read_name(name, item);
}

/// "belongs to a project", "each book belongs to a publisher", "owned by a user".
fn read_relation(words: &[String], item: &mut Item) -> bool {
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    let Some((at, len)) = find_pattern(&refs, RELATION_VERBS, 0) else {
        return false;
    };
    let left = &refs[..at];
    if left
        .iter()
        .any(|w| ["optionally", "optional", "may", "might", "can", "could"].contains(w))
    {
        item.optional = true;
    }
    let left = trim_modals(&left[skip_determiners(left)..]);
    let right = &refs[at + len..];
    let right = &right[skip_determiners(right)..];
    let target = cut_name(right);
    if target.is_empty() {
        return false;
    }
    item.kind = ItemKind::BelongsTo {
        subject: noun_phrase(left),
        target,
    };
    true
}

/// The words of a name up to the first word that starts a qualifier ("in", "for", …).
fn cut_name(words: &[&str]) -> Vec<String> {
    let end = words
        .iter()
        .enumerate()
        .position(|(i, w)| i > 0 && CUT_WORDS.contains(w))
        .unwrap_or(words.len());
    let mut out: Vec<String> = words[..end].iter().map(|s| (*s).to_owned()).collect();
    while out.last().is_some_and(|w| w == "of" || is_determiner(w)) {
        out.pop();
    }
    out
}

/// The field's name words, with type hints ("a completed flag", "as a decimal") taken out.
fn read_name(words: Vec<String>, item: &mut Item) {
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    if let Some(ty) = refs
        .windows(2)
        .find(|p| p[0] == "in" || p[0] == "per")
        .and_then(|p| unit_type(p[1]))
    {
        item.explicit = Some(ty);
    }
    if let Some(k) = refs.iter().position(|w| *w == "as") {
        let hint = refs[k + 1..].iter().find(|w| !is_determiner(w));
        if let Some(ty) = hint.and_then(|w| type_word(w)) {
            item.explicit = Some(ty);
        }
    }
    let refs = &refs[skip_determiners(&refs)..];
    let mut name = cut_name(refs);
    let starts_list = name.len() > 2
        && ["list", "set", "collection", "array"].contains(&name[0].as_str())
        && name[1] == "of";
    if starts_list {
        name.drain(..2);
        item.list_of = true;
    }
    if name.first().is_some_and(|w| w == "whether") && name.len() > 1 {
        name.remove(0);
        item.explicit = Some(FieldType::Bool);
    }
    if name.len() > 2 && name[0] == "number" && name[1] == "of" {
        let counted: Vec<String> = name[2..].to_vec();
        name = counted;
        if let Some(last) = name.last_mut() {
            *last = singular(last);
        }
        name.push("count".into());
        item.explicit = Some(FieldType::Integer);
    }
    strip_type_hints(&mut name, item);
    while name.len() > 1
        && name
            .last()
            .is_some_and(|w| ["field", "column", "attribute", "property"].contains(&w.as_str()))
    {
        name.pop();
    }
    if name.len() > 4 {
        name.drain(..name.len() - 4);
    }
    item.words = name;
}

fn strip_type_hints(name: &mut Vec<String>, item: &mut Item) {
    if name.len() > 1
        && name
            .last()
            .is_some_and(|w| ["timestamp", "datetime"].contains(&w.as_str()))
    {
        name.pop();
        item.explicit = Some(FieldType::Datetime);
    }
    const BOOL_MARKERS: &[&str] = &["flag", "boolean", "bool", "checkbox", "toggle"];
    if name.len() > 1
        && name
            .last()
            .is_some_and(|w| BOOL_MARKERS.contains(&w.as_str()))
    {
        name.pop();
        item.explicit = Some(FieldType::Bool);
    }
    const HINTS: &[&str] = &[
        "json", "integer", "int", "decimal", "float", "uuid", "numeric",
    ];
    if name.len() > 1 {
        if let Some(k) = name.iter().position(|w| HINTS.contains(&w.as_str())) {
            item.explicit = type_word(&name[k]);
            name.remove(k);
        }
    }
}

/// The type of a quantity measured in a unit: "in minutes" → integer, "in kg" → float.
fn unit_type(unit: &str) -> Option<FieldType> {
    #[rustfmt::skip]
    const WHOLE: &[&str] = &[
        "minutes", "minute", "hours", "hour", "seconds", "second", "days", "day", "weeks",
        "months", "years", "cents", "pence", "pages", "steps", "ms", "milliseconds",
    ];
    #[rustfmt::skip]
    const MEASURED: &[&str] = &[
        "kg", "kilograms", "kilos", "grams", "g", "km", "kilometres", "kilometers", "metres",
        "meters", "m", "miles", "cm", "centimetres", "centimeters", "litres", "liters", "lbs",
        "percent", "celsius", "fahrenheit", "degrees", "mph", "kmh",
    ];
    const MONEY: &[&str] = &[
        "euros", "euro", "dollars", "dollar", "pounds", "gbp", "usd", "eur", "sterling",
    ];
    if WHOLE.contains(&unit) {
        Some(FieldType::Integer)
    } else if MEASURED.contains(&unit) {
        Some(FieldType::Float)
    } else if MONEY.contains(&unit) {
        Some(FieldType::Decimal)
    } else {
        None
    }
}

/// A word naming a field type outright.
fn type_word(word: &str) -> Option<FieldType> {
    Some(match word {
        "string" | "str" | "varchar" => FieldType::String,
        "text" => FieldType::Text,
        "integer" | "int" | "number" | "numeric" | "whole" => FieldType::Integer,
        "float" | "double" | "real" => FieldType::Float,
        "decimal" | "money" | "currency" => FieldType::Decimal,
        "bool" | "boolean" | "flag" => FieldType::Bool,
        "date" => FieldType::Date,
        "datetime" | "timestamp" => FieldType::Datetime,
        "uuid" | "guid" => FieldType::Uuid,
        "email" => FieldType::Email,
        "url" | "uri" | "link" => FieldType::Url,
        "json" | "object" => FieldType::Json,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Type inference
// ---------------------------------------------------------------------------------------------

/// The type of a field from its snake_case name, and whether the name makes it obvious.
fn infer_type(name: &str) -> (FieldType, bool) {
    let parts: Vec<&str> = name.split('_').collect();
    let last = parts.last().copied().unwrap_or_default();
    let first = parts.first().copied().unwrap_or_default();
    let has = |w: &str| parts.contains(&w);
    const DECIMAL: &[&str] = &[
        "price", "amount", "total", "cost", "salary", "balance", "fee", "fees", "wage", "budget",
        "revenue", "tax", "subtotal", "rent", "deposit", "fare", "income", "expense", "payment",
        "discount", "rate", "pay",
    ];
    #[rustfmt::skip]
    const INTEGER: &[&str] = &[
        "quantity", "qty", "count", "capacity", "age", "year", "rating", "stock", "pages", "seats",
        "duration", "minutes", "hours", "seconds", "reps", "sets", "floor", "level", "rank",
        "position", "calories", "servings", "population", "points", "votes", "likes", "views",
        "mileage", "stars", "size", "guests", "beds", "rooms", "attempts", "days", "priority",
        "grade", "credits", "copies", "weeks", "months", "years",
    ];
    #[rustfmt::skip]
    const FLOAT: &[&str] = &[
        "latitude", "longitude", "lat", "lng", "lon", "weight", "score", "height", "width",
        "distance", "temperature", "percentage", "percent", "ratio", "speed", "length", "depth",
        "area", "volume", "bmi",
    ];
    #[rustfmt::skip]
    const BOOL: &[&str] = &[
        "completed", "complete", "active", "enabled", "disabled", "done", "published", "archived",
        "verified", "visible", "hidden", "deleted", "approved", "available", "featured",
        "confirmed", "public", "private", "pinned", "resolved", "locked", "blocked", "banned",
        "subscribed", "paid", "vaccinated", "neutered", "refundable", "cancelled", "canceled",
    ];
    #[rustfmt::skip]
    const TEXT: &[&str] = &[
        "description", "body", "notes", "note", "content", "contents", "bio", "summary", "comment",
        "comments", "text", "message", "details", "instructions", "abstract", "biography",
        "review", "feedback", "remarks", "synopsis", "lyrics", "diagnosis", "treatment", "answer",
        "question", "excerpt", "overview",
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
    if ["deadline", "expiry", "expires"].contains(&last) {
        return (FieldType::Datetime, false);
    }
    if ["date", "birthday", "dob"].contains(&last) || first == "date" {
        return (FieldType::Date, true);
    }
    if last == "on" && parts.len() > 1 {
        return (FieldType::Date, false);
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

// ---------------------------------------------------------------------------------------------
// The model: entities, fields and relations
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Model {
    entities: Vec<Entity>,
    /// The PascalCase name each entity was written as (before any renaming).
    keys: Vec<String>,
    notes: Vec<Assumption>,
    context: Option<usize>,
    fields_from_text: bool,
}

enum Reference {
    BelongsTo(usize, Option<String>),
    HasMany(usize),
}

fn entity_key(words: &[String]) -> String {
    let mut words = words.to_vec();
    if let Some(last) = words.last_mut() {
        *last = singular(last);
    }
    pascal(&words.join(" "))
}

/// Whether the code generator or SQL would reject an entity name.
fn entity_name_clashes(name: &str) -> bool {
    let snake_name = snake(name);
    RESERVED_TYPE_NAMES.contains(&name)
        || RUST_KEYWORDS.contains(&snake_name.as_str())
        || SQL_RESERVED.contains(&plural(&snake_name).as_str())
}

fn note(subject: impl Into<String>, message: impl Into<String>) -> Assumption {
    Assumption {
        subject: subject.into(),
        message: message.into(),
    }
}

fn is_reserved_field(name: &str) -> bool {
    RUST_KEYWORDS.contains(&name) || SQL_RESERVED.contains(&name)
}

impl Model {
    fn find(&self, words: &[String]) -> Option<usize> {
        if words.is_empty() {
            return None;
        }
        let key = entity_key(words);
        self.keys.iter().position(|k| *k == key)
    }

    /// The only entity whose name ends with `word` ("room" → `MeetingRoom`).
    fn find_head(&self, word: &str) -> Option<usize> {
        let word = singular(word);
        let suffix = format!("_{word}");
        let hits: Vec<usize> = self
            .keys
            .iter()
            .enumerate()
            .filter(|(_, k)| {
                let s = snake(k);
                s == word || s.ends_with(&suffix)
            })
            .map(|(i, _)| i)
            .collect();
        (hits.len() == 1).then(|| hits[0])
    }

    fn ensure(&mut self, words: &[String]) -> Option<usize> {
        if let Some(found) = self.find(words) {
            return Some(found);
        }
        let key = entity_key(words);
        let usable = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric());
        if !usable || self.entities.len() >= MAX_ENTITIES {
            return None;
        }
        let mut name = key.clone();
        if entity_name_clashes(&name) {
            name = format!("{key}Record");
            self.notes.push(note(
                &name,
                format!(
                    "\"{key}\" clashes with a Rust, SQL or generated-code name; renamed to {name}"
                ),
            ));
        }
        self.keys.push(key);
        self.entities.push(Entity {
            name,
            description: String::new(),
            fields: Vec::new(),
            relations: Vec::new(),
            operations: all_operations(),
            list: ListOptions::default(),
        });
        Some(self.entities.len() - 1)
    }

    fn ensure_item_targets(&mut self, items: &[Item]) {
        for item in items {
            match &item.kind {
                ItemKind::BelongsTo { subject, target } => {
                    if let Some(subject) = subject {
                        self.ensure(subject);
                    }
                    self.ensure(target);
                }
                ItemKind::HasMany(target) => {
                    self.ensure(target);
                }
                ItemKind::Field => {}
            }
        }
    }

    /// Pass one: every entity the statements name, in the order they are first mentioned.
    fn collect_entities(&mut self, statements: &[Statement]) {
        for statement in statements {
            match statement {
                Statement::Fields { subject, items } => {
                    self.ensure(subject);
                    self.ensure_item_targets(items);
                }
                Statement::Entities { owner, nouns } => {
                    if let Some(owner) = owner.as_ref().filter(|o| !o.weak) {
                        self.ensure(&owner.words);
                    }
                    for (noun, items) in nouns {
                        self.ensure(noun);
                        self.ensure_item_targets(items);
                    }
                }
                Statement::Owns { owner, owned } => {
                    self.ensure(owner);
                    for noun in owned {
                        self.ensure(noun);
                    }
                }
                Statement::Enum { .. } => {}
            }
        }
    }

    /// Pass two: fields, relations and enum values, now that the entities are known.
    fn apply(&mut self, statements: &[Statement]) {
        for statement in statements {
            match statement {
                Statement::Fields { subject, items } => {
                    if let Some(e) = self.find(subject) {
                        self.context = Some(e);
                        self.apply_items(e, items);
                    }
                }
                Statement::Entities { owner, nouns } => self.apply_entity_list(owner, nouns),
                Statement::Owns { owner, owned } => {
                    let Some(o) = self.find(owner) else { continue };
                    for noun in owned {
                        if let Some(n) = self.find(noun) {
                            self.add_belongs_to(n, o, None, true);
                        }
                    }
                }
                Statement::Enum {
                    entity,
                    field,
                    values,
                } => self.apply_enum(entity.as_deref(), field, values),
            }
        }
    }

    fn apply_entity_list(&mut self, owner: &Option<Owner>, nouns: &[(Vec<String>, Vec<Item>)]) {
        let owner = owner.as_ref().and_then(|o| self.find(&o.words));
        for (noun, items) in nouns {
            let Some(e) = self.find(noun) else { continue };
            if !items.is_empty() {
                self.context = Some(e);
            }
            self.apply_items(e, items);
            if let Some(o) = owner {
                self.add_belongs_to(e, o, None, true);
            }
        }
    }

    fn apply_items(&mut self, e: usize, items: &[Item]) {
        for item in items {
            match &item.kind {
                ItemKind::BelongsTo { subject, target } => {
                    let from = subject.as_ref().and_then(|s| self.find(s)).unwrap_or(e);
                    if let Some(to) = self.find(target).or_else(|| self.ensure(target)) {
                        self.add_belongs_to(from, to, None, !item.optional);
                    }
                }
                ItemKind::HasMany(target) => {
                    if let Some(t) = self.find(target) {
                        self.add_belongs_to(t, e, None, true);
                    }
                }
                ItemKind::Field => self.add_field_item(e, item),
            }
        }
    }

    /// What an item such as "a customer", "an author" or "issues" refers to, if anything.
    fn reference(&mut self, e: usize, words: &[String]) -> Option<Reference> {
        let last = words.last()?;
        if words.len() >= 2 && last == "id" {
            let t = self.find(&words[..words.len() - 1])?;
            return Some(Reference::BelongsTo(t, None));
        }
        if let Some(t) = self.find(words) {
            if is_plural(last) && t != e {
                return Some(Reference::HasMany(t));
            }
            return Some(Reference::BelongsTo(t, None));
        }
        if words.len() >= 2 {
            let head = self
                .find(std::slice::from_ref(last))
                .or_else(|| self.find_head(last));
            if let Some(t) = head.filter(|_| !is_plural(last)) {
                return Some(Reference::BelongsTo(t, Some(snake(&words.join(" ")))));
            }
            return None;
        }
        if let Some(t) = self.find_head(last) {
            return Some(Reference::BelongsTo(t, Some(snake(last))));
        }
        self.role_reference(e, last)
    }

    /// "an author" when there is no Author entity but there are users.
    fn role_reference(&mut self, e: usize, word: &str) -> Option<Reference> {
        if !ROLE_WORDS.contains(&word) {
            return None;
        }
        let t = ROLE_TARGETS
            .iter()
            .find_map(|name| self.keys.iter().position(|k| k == name))?;
        let entity = self.entities[e].name.clone();
        let target = self.entities[t].name.clone();
        self.notes.push(note(
            format!("{entity}.{word}"),
            format!("\"{word}\" is taken to be a {target}: a belongs_to {target} relation named {word} ({word}_id)"),
        ));
        Some(Reference::BelongsTo(t, Some(word.to_owned())))
    }

    fn add_field_item(&mut self, e: usize, item: &Item) {
        if item.values.len() < 2 && item.explicit.is_none() {
            match self.reference(e, &item.words) {
                Some(Reference::BelongsTo(t, name)) => {
                    self.add_belongs_to(e, t, name, !item.optional);
                    return;
                }
                Some(Reference::HasMany(t)) => {
                    self.add_belongs_to(t, e, None, true);
                    return;
                }
                None => {}
            }
        }
        let raw = snake(&item.words.join(" "));
        let entity = self.entities[e].name.clone();
        let Some(name) = self.usable_field_name(e, &raw) else {
            return;
        };
        let mut values = clean_values(&item.values);
        if values.len() == 1 {
            self.notes.push(note(
                format!("{entity}.{name}"),
                format!(
                    "\"{}\" is a single value, not a list of choices; ignored",
                    values[0]
                ),
            ));
            values.clear();
        }
        let (ty, obvious) = if values.len() >= 2 {
            (FieldType::Enum, true)
        } else if let Some(ty) = item.explicit {
            (ty, true)
        } else if item.list_of {
            (FieldType::Json, false)
        } else {
            infer_type(&name)
        };
        if !obvious {
            self.notes.push(note(
                format!("{entity}.{name}"),
                format!("type {} inferred from the name", ty.as_str()),
            ));
        }
        let field = self.new_field(&entity, &name, ty, item, values);
        self.fields_from_text = true;
        if self.entities[e].fields.len() < MAX_FIELDS {
            self.entities[e].fields.push(field);
            return;
        }
        let cap = note(
            entity,
            format!("only the first {MAX_FIELDS} fields are kept"),
        );
        if !self.notes.contains(&cap) {
            self.notes.push(cap);
        }
    }

    fn new_field(
        &mut self,
        entity: &str,
        name: &str,
        ty: FieldType,
        item: &Item,
        values: Vec<String>,
    ) -> Field {
        let mut field = Field::new(name, ty);
        field.default = match ty {
            FieldType::Bool => Some(serde_json::Value::Bool(false)),
            FieldType::Enum => values.first().cloned().map(serde_json::Value::String),
            _ => None,
        };
        if let (FieldType::Enum, Some(first)) = (ty, values.first()) {
            self.notes.push(note(
                format!("{entity}.{name}"),
                format!("defaults to \"{first}\", the first value"),
            ));
        }
        field.required = item.required || (!item.optional && field.default.is_none());
        field.unique = item.unique && ty != FieldType::Json;
        field.values = values;
        field
    }

    /// A field name the validator accepts, or `None` (with an assumption) to skip the field.
    fn usable_field_name(&mut self, e: usize, raw: &str) -> Option<String> {
        let entity = self.entities[e].name.clone();
        let cleaned: String = raw
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let mut name = cleaned
            .trim_start_matches(|c: char| !c.is_ascii_alphabetic())
            .trim_end_matches('_')
            .to_owned();
        name.truncate(63);
        if name.is_empty() {
            return None;
        }
        if GENERATED_COLUMNS.contains(&name.as_str()) {
            self.notes.push(note(
                format!("{entity}.{name}"),
                "added to every entity automatically; not declared again",
            ));
            return None;
        }
        if is_reserved_field(&name) {
            let mut alternative = alternative_for(&name);
            while is_reserved_field(&alternative)
                || GENERATED_COLUMNS.contains(&alternative.as_str())
            {
                alternative = format!("{alternative}_value");
            }
            self.notes.push(note(
                format!("{entity}.{alternative}"),
                format!("\"{name}\" is reserved in Rust or SQL; renamed to {alternative}"),
            ));
            name = alternative;
        }
        let taken = self.entities[e].fields.iter().any(|f| f.name == name);
        (!taken).then_some(name)
    }

    fn add_belongs_to(&mut self, from: usize, to: usize, name: Option<String>, required: bool) {
        let target = self.entities[to].name.clone();
        let entity = self.entities[from].name.clone();
        let name = name
            .filter(|n| *n != snake(&target))
            .map(|n| usable_relation_name(&n));
        let mut relation = Relation::belongs_to(&target);
        relation.name = name;
        relation.required = required && from != to;
        let stem = relation.stem();
        let exists = self.entities[from]
            .relations
            .iter()
            .any(|r| r.kind == RelationKind::BelongsTo && r.stem() == stem);
        if exists {
            return;
        }
        if from == to {
            self.notes.push(note(
                format!("{entity}.{stem}"),
                "a reference to the same entity is optional, so the first row can be created",
            ));
        }
        relation.on_delete = OnDelete::Restrict;
        self.entities[from].relations.push(relation);
    }

    fn apply_enum(&mut self, entity: Option<&[String]>, field: &[String], values: &[String]) {
        let mut field_words = field.to_vec();
        let mut owner = entity.and_then(|w| self.find(w));
        if owner.is_none() {
            if let Some(e) = self.find(field) {
                owner = Some(e);
                field_words = vec!["status".to_owned()];
            }
        }
        let raw = snake(&field_words.join(" "));
        let name = if is_reserved_field(&raw) {
            alternative_for(&raw)
        } else {
            raw
        };
        let owner = owner
            .or_else(|| self.only_entity_with_field(&name))
            .or(self.context);
        let Some(e) = owner else { return };
        let values = clean_values(values);
        if values.len() < 2 {
            return;
        }
        let entity = self.entities[e].name.clone();
        self.notes.push(note(
            format!("{entity}.{name}"),
            format!("defaults to \"{}\", the first value", values[0]),
        ));
        let default = Some(serde_json::Value::String(values[0].clone()));
        if let Some(existing) = self.entities[e].fields.iter_mut().find(|f| f.name == name) {
            existing.ty = FieldType::Enum;
            existing.values = values;
            existing.default = default;
            existing.required = false;
            existing.unique = false;
            return;
        }
        let Some(name) = self.usable_field_name(e, &name) else {
            return;
        };
        let mut new = Field::new(&name, FieldType::Enum);
        new.values = values;
        new.default = default;
        self.fields_from_text = true;
        self.entities[e].fields.push(new);
    }

    fn only_entity_with_field(&self, name: &str) -> Option<usize> {
        let hits: Vec<usize> = (0..self.entities.len())
            .filter(|&i| self.entities[i].fields.iter().any(|f| f.name == name))
            .collect();
        (hits.len() == 1).then(|| hits[0])
    }

    /// Defaults, inverse relations, a stable order; run once after every statement.
    fn finish(&mut self) {
        self.add_default_fields();
        self.add_missing_authors();
        self.drop_fields_shadowing_relations();
        self.add_inverse_relations();
        self.order_targets_first();
        if self.fields_from_text {
            self.notes.push(note(
                "fields",
                "fields named in the text are required unless described as optional; bool fields default to false and enum fields to their first value, so neither is required",
            ));
        }
    }

    fn add_default_fields(&mut self) {
        for e in 0..self.entities.len() {
            if !self.entities[e].fields.is_empty() {
                continue;
            }
            let last = snake(&self.keys[e])
                .rsplit('_')
                .next()
                .unwrap_or_default()
                .to_owned();
            let (fields, described) = default_fields(&last);
            let entity = self.entities[e].name.clone();
            self.notes.push(note(
                &entity,
                format!("no fields given; assumed {described}"),
            ));
            self.entities[e].fields = fields;
        }
    }

    /// "It needs users and posts": a post gets an author when nothing else links the two.
    fn add_missing_authors(&mut self) {
        let Some(person) = ROLE_TARGETS
            .iter()
            .chain(["Author"].iter())
            .find_map(|name| self.keys.iter().position(|k| k == name))
        else {
            return;
        };
        for e in 0..self.entities.len() {
            let last = snake(&self.keys[e]);
            let last = last.rsplit('_').next().unwrap_or_default();
            let linked = self.entities[e]
                .relations
                .iter()
                .any(|r| r.kind == RelationKind::BelongsTo);
            let linked_back = self.entities[person]
                .relations
                .iter()
                .any(|r| r.target == self.entities[e].name);
            if e == person || linked || linked_back || !AUTHORED.contains(&last) {
                continue;
            }
            let target = self.entities[person].name.clone();
            let entity = self.entities[e].name.clone();
            let name = (snake(&target) != "author").then(|| "author".to_owned());
            self.add_belongs_to(e, person, name, true);
            self.notes.push(note(
                format!("{entity}.author"),
                format!(
                    "no relation given; assumed each {entity} is written by a {target} (author_id)"
                ),
            ));
        }
    }

    fn drop_fields_shadowing_relations(&mut self) {
        for entity in &mut self.entities {
            let taken: Vec<(String, String)> = entity
                .relations
                .iter()
                .filter(|r| r.kind == RelationKind::BelongsTo)
                .map(|r| (r.stem(), r.foreign_key()))
                .collect();
            let before = entity.fields.len();
            entity
                .fields
                .retain(|f| !taken.iter().any(|(s, k)| f.name == *s || f.name == *k));
            if entity.fields.len() != before {
                self.notes.push(note(
                    &entity.name,
                    "a field with the same name as a relation was dropped in favour of the relation",
                ));
            }
        }
    }

    fn add_inverse_relations(&mut self) {
        let mut inverse: Vec<(usize, String)> = Vec::new();
        for entity in &self.entities {
            for relation in &entity.relations {
                if relation.kind != RelationKind::BelongsTo {
                    continue;
                }
                if let Some(t) = self.entities.iter().position(|x| x.name == relation.target) {
                    inverse.push((t, entity.name.clone()));
                }
            }
        }
        for (t, source) in inverse {
            let exists = self.entities[t]
                .relations
                .iter()
                .any(|r| r.kind == RelationKind::HasMany && r.target == source);
            if !exists {
                self.entities[t].relations.push(Relation {
                    kind: RelationKind::HasMany,
                    target: source,
                    name: None,
                    required: true,
                    on_delete: OnDelete::Restrict,
                });
            }
        }
    }

    /// Stable order in which every belongs_to target comes before the entities pointing at it
    /// (cycles keep the order of mention).
    fn order_targets_first(&mut self) {
        let mut remaining: Vec<Entity> = std::mem::take(&mut self.entities);
        let mut placed: Vec<Entity> = Vec::new();
        while !remaining.is_empty() {
            let ready = remaining.iter().position(|e| {
                e.relations.iter().all(|r| {
                    r.kind != RelationKind::BelongsTo
                        || r.target == e.name
                        || placed.iter().any(|p| p.name == r.target)
                })
            });
            let mut next = remaining.remove(ready.unwrap_or(0));
            if ready.is_none() {
                self.break_cycle(&mut next, &placed);
            }
            placed.push(next);
        }
        self.entities = placed;
        self.keys.clear();
    }
}

impl Model {
    /// Required belongs_to relations in a cycle would make every insert impossible: the ones
    /// of `entity` pointing at entities not yet placed become optional.
    fn break_cycle(&mut self, entity: &mut Entity, placed: &[Entity]) {
        for relation in &mut entity.relations {
            let pending = relation.kind == RelationKind::BelongsTo
                && relation.target != entity.name
                && !placed.iter().any(|p| p.name == relation.target);
            if pending && relation.required {
                relation.required = false;
                self.notes.push(note(
                    format!("{}.{}", entity.name, relation.stem()),
                    "optional, because the relations form a cycle in which every row would need another to exist first",
                ));
            }
        }
    }
}

fn usable_relation_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let cleaned = cleaned.trim_start_matches(|c: char| !c.is_ascii_alphabetic());
    if cleaned.is_empty() || RUST_KEYWORDS.contains(&cleaned) {
        format!("{cleaned}_ref").trim_start_matches('_').to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// Enum values as identifiers-friendly words: "in progress" → `in_progress`.
fn clean_values(values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        let cleaned: String = snake(value)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
            .take(64)
            .collect();
        if !cleaned.is_empty() && !out.contains(&cleaned) {
            out.push(cleaned);
        }
    }
    out
}

/// Fields of an entity the text gave none, by the kind of thing its name suggests.
fn default_fields(last_word: &str) -> (Vec<Field>, &'static str) {
    let required = |name: &str, ty: FieldType| {
        let mut f = Field::new(name, ty);
        f.required = true;
        f
    };
    if PERSON_WORDS.contains(&last_word) {
        let mut email = required("email", FieldType::Email);
        email.unique = true;
        let fields = vec![email, required("name", FieldType::String)];
        return (fields, "email (unique, required) and name (required)");
    }
    if ["post", "article", "story", "page", "entry"].contains(&last_word) {
        let fields = vec![
            required("title", FieldType::String),
            required("body", FieldType::Text),
        ];
        return (fields, "title (required) and body (text, required)");
    }
    if ["comment", "review", "message", "note", "reply", "answer"].contains(&last_word) {
        return (
            vec![required("body", FieldType::Text)],
            "body (text, required)",
        );
    }
    const TITLED: &[&str] = &[
        "task", "todo", "issue", "ticket", "bug", "book", "movie", "film", "song", "track",
        "album", "course", "lesson", "job", "episode", "video", "photo", "podcast",
    ];
    if TITLED.contains(&last_word) {
        return (
            vec![required("title", FieldType::String)],
            "title (required)",
        );
    }
    (vec![required("name", FieldType::String)], "name (required)")
}

// ---------------------------------------------------------------------------------------------
// Service name, description, database, authentication
// ---------------------------------------------------------------------------------------------

#[rustfmt::skip]
const DOMAIN_HEADS: &[&str] = &[
    "api", "apis", "backend", "service", "system", "app", "application", "platform", "server",
    "microservice", "webservice", "portal",
];

#[rustfmt::skip]
const DOMAIN_NOISE: &[&str] = &[
    "rest", "restful", "json", "http", "web", "simple", "small", "basic", "new", "production",
    "production-ready", "ready", "crud", "rust", "axum", "modern", "scalable", "secure", "fast",
    "robust", "minimal", "tiny", "full", "fully", "featured", "full-featured", "graphql",
    "multi-tenant", "lightweight", "complete", "little", "quick", "online",
];

fn is_domain_word(word: &str) -> bool {
    word.len() >= 2
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && !DOMAIN_NOISE.contains(&word)
        && !DOMAIN_HEADS.contains(&word)
        && !is_determiner(word)
        && !STOP_WORDS.contains(&word)
}

fn service_name(sentences: &[Sentence], model: &Model, notes: &mut Vec<Assumption>) -> String {
    let named = sentences
        .iter()
        .find_map(|s| domain_words(&s.tokens))
        .or_else(|| opening_phrase(&sentences.first()?.tokens))
        .map(|words| name_from_domain(&words))
        .filter(|name| name.chars().next().is_some_and(|c| c.is_ascii_lowercase()));
    if let Some(name) = named {
        return name;
    }
    let first = model
        .entities
        .first()
        .map(|e| plural(&snake(&e.name)))
        .unwrap_or_else(|| "service".to_owned());
    let name = name_from_domain(&[first]);
    notes.push(note(
        "service.name",
        format!("no domain named; assumed \"{name}\" from the first entity"),
    ));
    name
}

/// "bookstore" in "A bookstore backend", "blog" in "REST API for a blog", "bug tracker" in "I
/// need a bug tracker".
fn domain_words(tokens: &[Tok]) -> Option<Vec<String>> {
    let seq: Vec<Option<&str>> = tokens
        .iter()
        .map(|t| match t {
            Tok::Word(w) => Some(w.as_str()),
            _ => None,
        })
        .collect();
    for (h, word) in seq.iter().enumerate() {
        if word.is_some_and(|w| DOMAIN_HEADS.contains(&w)) {
            let words: Vec<String> = seq[..h]
                .iter()
                .rev()
                .map_while(|w| w.filter(|w| is_domain_word(w)))
                .take(4)
                .map(str::to_owned)
                .collect();
            if !words.is_empty() {
                return Some(words.into_iter().rev().collect());
            }
        }
    }
    const BUILD_VERBS: &[&str] = &[
        "need", "want", "build", "create", "make", "write", "develop",
    ];
    for i in 0..seq.len().saturating_sub(2) {
        let for_article = seq[i] == Some("for") && seq[i + 1].is_some_and(is_determiner);
        let build_article = seq[i].is_some_and(|w| BUILD_VERBS.contains(&w))
            && matches!(seq[i + 1], Some("a" | "an"));
        if for_article || build_article {
            let words: Vec<String> = seq[i + 2..]
                .iter()
                .skip_while(|w| w.is_some_and(|w| DOMAIN_NOISE.contains(&w)))
                .map_while(|w| w.filter(|w| is_domain_word(w)))
                .take(4)
                .map(str::to_owned)
                .collect();
            if !words.is_empty() {
                return Some(words);
            }
        }
    }
    None
}

/// "A fitness tracker: …", "Fleet management: …", "A CRM with …": the opening noun phrase of
/// the first sentence, when nothing else names the domain.
fn opening_phrase(tokens: &[Tok]) -> Option<Vec<String>> {
    let words = leading_words(tokens);
    let start = skip_determiners(&words);
    let end = words[start..]
        .iter()
        .position(|w| ["with", "for", "that", "to", "which", "where"].contains(w))
        .map_or(words.len(), |p| start + p);
    let ends_phrase = end < words.len() || matches!(tokens.get(end), None | Some(Tok::Colon));
    let phrase = &words[start..end];
    let ok = ends_phrase
        && !phrase.is_empty()
        && phrase.len() <= 4
        && phrase.iter().all(|w| is_domain_word(w));
    ok.then(|| phrase.iter().map(|w| (*w).to_owned()).collect())
}

fn name_from_domain(words: &[String]) -> String {
    let mut name = kebab(&words.join(" "))
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .collect::<String>();
    name.truncate(56);
    let name = name.trim_matches('-').to_owned();
    if name.ends_with("api") {
        name
    } else {
        format!("{name}-api")
    }
}

fn description_of(first_sentence: &str) -> String {
    first_sentence.trim().chars().take(200).collect()
}

fn database_of(words: &[String], notes: &mut Vec<Assumption>) -> Database {
    let postgres = words
        .iter()
        .position(|w| ["postgres", "postgresql", "psql"].contains(&w.as_str()));
    let sqlite = words
        .iter()
        .position(|w| ["sqlite", "sqlite3"].contains(&w.as_str()));
    match (postgres, sqlite) {
        (Some(p), Some(s)) => {
            let chosen = if p < s {
                Database::Postgres
            } else {
                Database::Sqlite
            };
            notes.push(note(
                "database",
                format!(
                    "both PostgreSQL and SQLite are mentioned; used {}, named first",
                    chosen.as_str()
                ),
            ));
            chosen
        }
        (Some(_), None) => Database::Postgres,
        (None, Some(_)) => Database::Sqlite,
        (None, None) => {
            let other = words.iter().find(|w| {
                [
                    "mysql", "mariadb", "mongodb", "mongo", "oracle", "mssql", "dynamodb",
                ]
                .contains(&w.as_str())
            });
            let message = match other {
                Some(o) => {
                    format!("{o} is not supported; assumed sqlite (postgres is the other choice)")
                }
                None => "no database named; assumed sqlite".to_owned(),
            };
            notes.push(note("database", message));
            Database::Sqlite
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthHint {
    Jwt,
    ApiKey,
    Generic,
}

/// The kind of authentication a run of words mentions, if any.
fn auth_keyword(words: &[String]) -> Option<AuthHint> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let pair = |a: &str, b: &str| w.windows(2).any(|p| p[0] == a && p[1] == b);
    if w.iter().any(|x| ["jwt", "jwts", "bearer"].contains(x))
        || (pair("json", "web") && w.iter().any(|x| x.starts_with("token")))
    {
        return Some(AuthHint::Jwt);
    }
    if pair("api", "key")
        || pair("api", "keys")
        || w.iter()
            .any(|x| ["api-key", "api-keys", "apikey", "apikeys", "x-api-key"].contains(x))
    {
        return Some(AuthHint::ApiKey);
    }
    #[rustfmt::skip]
    const GENERIC: &[&str] = &[
        "authentication", "authenticated", "authenticate", "auth", "login", "logged-in",
        "signed-in", "authorisation", "authorization", "unauthenticated",
    ];
    let generic = w.iter().any(|x| GENERIC.contains(x))
        || pair("log", "in")
        || pair("logged", "in")
        || pair("sign", "in")
        || pair("signed", "in");
    generic.then_some(AuthHint::Generic)
}

/// Operations named in a clause ("to create or cancel bookings" → create, delete).
fn operations_in(words: &[String], skip_first: bool) -> BTreeSet<Operation> {
    use Operation::*;
    let mut ops = BTreeSet::new();
    for (i, w) in words.iter().enumerate() {
        // "Create an API with JWT" is the request itself; "Cancelling bookings needs …" is not.
        if skip_first && i == 0 && !w.ends_with("ing") {
            continue;
        }
        let found: &[Operation] = match w.as_str() {
            "create" | "creating" | "creates" | "add" | "adding" | "adds" | "submit"
            | "submitting" | "submits" | "posting" | "place" | "placing" | "insert"
            | "inserting" | "creation" => &[Create],
            "write" | "writes" | "writing" | "mutations" | "mutating" | "modifications"
            | "changes" => &[Create, Update, Delete],
            "update" | "updating" | "updates" | "edit" | "editing" | "edits" | "modify"
            | "modifying" | "change" | "changing" => &[Update],
            "delete" | "deleting" | "deletes" | "remove" | "removing" | "removes" | "cancel"
            | "cancelling" | "canceling" | "cancels" | "cancellation" | "deletion" => &[Delete],
            "list" | "listing" | "lists" | "browse" | "browsing" | "search" | "searching" => {
                &[List]
            }
            "get" | "getting" | "fetch" | "fetching" | "retrieve" | "retrieving" => &[Get],
            "read" | "reading" | "reads" | "view" | "viewing" | "views" | "see" => &[List, Get],
            "everything" | "all" | "every" => {
                let next = words.get(i + 1).map(String::as_str).unwrap_or_default();
                if w == "everything"
                    || [
                        "endpoints",
                        "endpoint",
                        "operations",
                        "requests",
                        "request",
                        "routes",
                        "actions",
                    ]
                    .contains(&next)
                {
                    &[List, Get, Create, Update, Delete]
                } else {
                    &[]
                }
            }
            _ => &[],
        };
        ops.extend(found.iter().copied());
    }
    ops
}

fn is_public_clause(words: &[String]) -> bool {
    words.iter().any(|w| {
        [
            "anyone",
            "everyone",
            "everybody",
            "anybody",
            "public",
            "publicly",
            "anonymous",
            "anonymously",
            "unauthenticated",
            "without",
        ]
        .contains(&w.as_str())
    })
}

/// "JWT for everything except listing" → (`JWT for everything`, `listing`).
fn split_at_exception(words: &[String]) -> (&[String], &[String]) {
    let at = words
        .iter()
        .position(|w| ["except", "excluding", "apart", "besides", "but"].contains(&w.as_str()));
    match at {
        Some(k) => (&words[..k], &words[k + 1..]),
        None => (words, &[]),
    }
}

fn auth_of(sentences: &[Sentence], notes: &mut Vec<Assumption>) -> Auth {
    let mut hints: Vec<AuthHint> = Vec::new();
    let mut protected = BTreeSet::new();
    let mut public = BTreeSet::new();
    for sentence in sentences {
        let hint = auth_keyword(&words_of(&sentence.tokens));
        if let Some(h) = hint {
            hints.push(h);
        }
        for (c, clause) in split_clauses(&sentence.tokens).iter().enumerate() {
            let words = words_of(clause);
            let (rule, exceptions) = split_at_exception(&words);
            let ops = operations_in(rule, c == 0);
            if is_public_clause(rule) {
                public.extend(ops);
            } else if hint.is_some() {
                protected.extend(ops);
                public.extend(operations_in(exceptions, false));
            }
        }
    }
    let explicit = hints.iter().find(|h| **h != AuthHint::Generic).copied();
    let mode = match (explicit, hints.is_empty()) {
        (Some(AuthHint::ApiKey), _) => AuthMode::ApiKey,
        (Some(_), _) => AuthMode::Jwt,
        (None, false) => {
            notes.push(note(
                "auth",
                "authentication is asked for without a kind; assumed JWT bearer tokens",
            ));
            AuthMode::Jwt
        }
        (None, true) => return Auth::default(),
    };
    if hints.contains(&AuthHint::Jwt) && hints.contains(&AuthHint::ApiKey) {
        notes.push(note(
            "auth",
            format!(
                "both JWT and API keys are mentioned; used {}, named first",
                mode.as_str()
            ),
        ));
    }
    let mut protect: Vec<Operation> = protected.difference(&public).copied().collect();
    if protect.is_empty() {
        protect = if public.is_empty() {
            vec![Operation::Create, Operation::Update, Operation::Delete]
        } else {
            all_operations()
                .into_iter()
                .filter(|op| !public.contains(op))
                .collect()
        };
        let list: Vec<&str> = protect.iter().map(|op| op.as_str()).collect();
        notes.push(note(
            "auth.protect",
            format!(
                "no operation named as needing credentials; assumed {}",
                list.join(", ")
            ),
        ));
    }
    Auth { mode, protect }
}
