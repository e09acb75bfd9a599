//! Stage 5, the account: every sentence placed — what it contributed, read as saying nothing
//! about the data (noise), or not understood — with where it sits in the text as given.

use super::*;
use crate::coverage::{locate, Contribution, Coverage, Passage, Understood};

/// Words of sentences about qualities, process or manners rather than data ("It must be
/// reliable and well documented.", "Thanks in advance!").
#[rustfmt::skip]
const NOISE_WORDS: &[&str] = &[
    "reliable", "reliability", "well", "documented", "maintainable", "maintainability",
    "scalable", "scalability", "scale", "performant", "performance", "quick", "quickly",
    "responsive", "robust", "stable", "available", "availability", "uptime", "secure",
    "security", "safe", "easy", "easily", "clean", "tested", "readable", "extensible",
    "efficient", "friendly", "intuitive", "user-friendly", "high", "low", "latency", "load",
    "handle", "traffic", "users'", "thank", "thanks", "cheers", "regards", "best", "advance",
    "appreciate", "appreciated", "hello", "hi", "hey", "dear", "team", "folks", "guys", "asap",
    "soon", "budget", "deadline", "week", "weeks", "month", "months", "nice", "great", "cool",
    "love", "like", "would", "could", "really", "keep", "make", "sure", "work", "works",
    "working", "properly", "correctly", "smoothly", "always", "never", "ever", "fine", "ok",
    "okay", "follow", "practices", "practice", "standards", "standard", "conventions",
    "idiomatic", "lightweight", "minimal", "possible", "possibly", "important", "matters",
    "matter", "priority", "goal", "goals", "idea", "ideas", "later", "now", "today", "first",
    "version", "v1", "mvp", "phase", "start", "starting", "enough", "hurry", "rush", "overall",
    "everything", "anything", "help", "thing", "things", "much", "lot", "fully", "covered",
    "coverage", "deployable", "deployed", "deploy", "run", "runs", "running", "cloud", "host",
    "hosted", "hosting", "boring", "fancy", "nothing", "mobile", "client", "clients", "ui",
    "frontend", "consumed", "consume", "consumers", "written", "write", "writing", "rust",
    "axum", "stack", "tech", "technology", "language", "uptime", "fault-tolerant", "resilient",
    "observable", "observability", "audited", "monitored", "concurrent", "concurrency",
    "requests", "second", "seconds", "millisecond", "milliseconds", "ms", "under", "fast",
    "speed", "slow", "good", "better", "excellent", "production", "grade", "production-grade",
    "quality", "solid", "simple", "straightforward", "small", "tiny", "huge", "big", "large",
    "scope", "out", "in", "please", "thx", "ty", "kind", "kindly", "feel", "free", "ask",
    "questions", "question", "anyway", "btw", "fyi", "note", "also", "too", "as", "usual",
];

/// Verbs and connectives of sentences that introduce things and their fields.
#[rustfmt::skip]
const CONNECTIVES: &[&str] = &[
    "records", "record", "stores", "store", "holds", "hold", "tracks", "track", "keeps", "keep",
    "logs", "log", "notes", "lists", "captures", "capture", "belongs", "belong", "linked",
    "assigned", "attached", "owned", "called", "named", "known", "takes", "take", "exactly",
    "least", "one", "two", "three", "four", "five", "which", "who", "whose", "whether", "when",
    "how", "long", "much", "number", "whom", "each", "every", "either", "neither", "nor", "yes",
    "no", "y", "n", "true", "false", "defaults", "default", "defaulting", "optional",
    "optionally", "required", "unique", "contains", "contain", "includes", "include", "gets",
    "get", "sets", "set", "gives", "give", "given", "comes", "come", "shows", "show", "part",
    "type", "string", "text", "integer", "int", "float", "decimal", "bool", "boolean", "date",
    "datetime", "timestamp", "uuid", "url", "json", "enum", "fk", "null", "nullable", "list",
    "plus", "via", "did", "does", "done", "made", "make", "goes", "go", "went", "later", "it's",
    "its", "there", "someone", "something", "kind", "sort", "both", "many", "several",
    "multiple", "lot", "lots", "fine", "ok", "per", "flag", "flags", "checkbox", "toggle",
    "marker", "field", "value", "values", "entry", "entries", "record", "records", "item",
];

/// Words that carry nothing whatever the sentence (determiners, pronouns, verbs of requests).
fn empty_word(word: &str) -> bool {
    is_determiner(word)
        || STOP_WORDS.contains(&word)
        || MODALS.contains(&word)
        || NOISE_WORDS.contains(&word)
        || DOMAIN_NOISE.contains(&word)
        || DOMAIN_HEADS.contains(&word)
        || word.chars().all(|c| c.is_ascii_digit() || c == '%')
        || word.len() < 2
}

/// Verbs that state what something stores or belongs to.
#[rustfmt::skip]
const DATA_VERBS: &[&str] = &[
    "records", "stores", "holds", "tracks", "keeps", "logs", "contains", "includes", "belongs",
    "belong", "linked", "assigned", "owns", "owned", "references", "consists", "lists",
    "captures", "notes",
];

/// Whether a sentence that produced no statement says nothing about the data: no word of a
/// thing the spec holds, no verb of storing or belonging, no "has a …", no word that names a
/// typed field (a date, a price, a count, an email…), no list. Such a sentence is listed as
/// ignored; any other one as not understood.
fn is_noise(sentence: &Sentence, words: &[String], entities: &[Entity]) -> bool {
    if words.iter().all(|w| empty_word(w)) {
        return true;
    }
    let things: BTreeSet<String> = entities
        .iter()
        .flat_map(|e| snake(&e.name).split('_').map(singular).collect::<Vec<_>>())
        .collect();
    let names_a_thing = words.iter().any(|w| things.contains(&singular(w)));
    let data_verb = words.iter().any(|w| DATA_VERBS.contains(&w.as_str()))
        || words.windows(2).any(|p| {
            matches!(p[0].as_str(), "has" | "have" | "with") && matches!(p[1].as_str(), "a" | "an")
        });
    let typed_word = words.iter().filter(|w| !empty_word(w)).any(|w| {
        let (ty, obvious) = infer_type(w);
        ty != FieldType::String || (obvious && ["name", "title", "email"].contains(&w.as_str()))
    });
    let commas = sentence.tokens.iter().filter(|t| **t == Tok::Comma).count();
    let list = commas >= 2 || sentence.tokens.iter().any(|t| matches!(t, Tok::Colon));
    !(names_a_thing || data_verb || typed_word || list)
}

fn mentions_database(words: &[String]) -> bool {
    words.iter().any(|w| {
        [
            "postgres",
            "postgresql",
            "psql",
            "sqlite",
            "sqlite3",
            "mysql",
            "mariadb",
            "mongodb",
            "mongo",
        ]
        .contains(&w.as_str())
    })
}

/// Words of a sentence about who may do what ("JWT authentication for creating posts; reading
/// is public."): what the service's authentication mode and protected operations stand for.
#[rustfmt::skip]
const ACCESS_WORDS: &[&str] = &[
    "authentication", "authenticated", "authenticate", "authenticates", "auth", "login",
    "logging", "logged", "log", "sign", "signs", "signed", "signing", "token", "tokens",
    "jwt", "jwts", "bearer", "api", "key", "keys", "api-key", "api-keys", "header",
    "public", "publicly", "open", "anyone", "everyone", "anonymous", "anonymously",
    "without", "protected", "protect", "restricted", "requires", "require", "required",
    "needs", "need", "only", "allowed", "allow", "may", "can", "access", "reading", "read",
    "reads", "writing", "write", "writes", "creating", "create", "creates", "updating",
    "update", "updates", "editing", "edit", "edits", "deleting", "delete", "deletes",
    "removing", "remove", "posting", "uploading", "upload", "uploads", "downloads",
    "download", "downloading", "changes", "changing", "change", "viewing", "view", "views",
    "browsing", "browse", "listing", "list", "operations", "endpoints", "routes", "calls",
    "accounts", "account", "credentials", "password", "passwords", "needed", "necessary",
    "user", "users", "people", "person", "visitors", "visitor", "callers", "caller", "clients",
    "dont", "don't", "not", "nor", "security",
];

/// Words of a sentence naming the database ("Keep it in an SQLite file.").
#[rustfmt::skip]
const STORAGE_WORDS: &[&str] = &[
    "file", "files", "local", "locally", "disk", "embedded", "instance", "cluster", "server",
    "hosted", "managed", "keep", "kept", "stored", "store", "persist", "persisted", "use",
];

/// Words that never belong in the name of a field: a name holding one was cut out of a phrase
/// ("the year she was born" read as `year_she_was_born`, "the time of purchase" as
/// `the_time_of_purchase`), so what the sentence meant was not read.
#[rustfmt::skip]
const PHRASE_WORDS: &[&str] = &[
    "the", "a", "an", "it", "its", "i", "we", "you", "he", "she", "they", "them", "my", "our",
    "your", "his", "her", "their", "this", "that", "these", "those", "is", "are", "was",
    "were", "be", "been", "has", "have", "had", "what", "who", "whom", "whose", "how", "why",
    "would", "should", "could", "will", "can", "theyre", "theyve", "theyll", "youre", "youve",
    "weve", "ive", "im", "dont", "doesnt", "isnt", "arent", "wont", "cant", "didnt",
];

/// Words a name cut out of a phrase starts with ("by whom" read as `by_value`, "how much" as
/// `how_much`) or consists of (an entity `Me`, `Up`, `Out`).
#[rustfmt::skip]
const PARTICLES: &[&str] = &[
    "by", "in", "on", "at", "out", "up", "off", "down", "over", "for", "with", "from", "to",
    "of", "into", "onto", "via", "than", "me", "us", "him", "when", "where", "which", "what",
    "how", "whether", "and", "or", "but", "so", "if", "then", "else", "select", "yes", "no",
];

/// Plural words that also name a kind of thing when they qualify another ("a sales order",
/// "a sports team"), so an entity name may start with them.
#[rustfmt::skip]
const PLURAL_QUALIFIERS: &[&str] = &[
    "sales", "sports", "goods", "arts", "savings", "earnings", "customs", "parts", "systems",
    "operations", "services", "accounts", "payments", "human", "skills", "events", "news",
];

/// Why a name derived from a sentence looks cut out of a phrase rather than named by it: a
/// field name holding a determiner, pronoun or auxiliary (`date_it_was_made`), an entity name
/// whose first word is a plural (`ActorsAppear` from "actors appear in many series").
fn phrase_name(contribution: &Contribution) -> Option<String> {
    match contribution {
        Contribution::Field { entity, field } => {
            let parts: Vec<&str> = field.split('_').collect();
            // A one-word name is the text's own ("a where field", "valid from"), whatever it is.
            // …but a question word alone ("what it is used against" read as `what`) is not.
            let question = [
                "what", "how", "who", "whom", "why", "which", "it", "them", "they", "this", "that",
                "these", "those", "me", "us",
            ]
            .contains(&field.as_str());
            // "is_active", "has_video_screen": a flag's name starts with its verb.
            let flag = parts.len() > 1 && ["is", "has", "can"].contains(&parts[0]);
            let words = if flag { &parts[1..] } else { &parts[..] };
            let phrase = question
                || parts.len() > 1
                    && (words.iter().any(|p| PHRASE_WORDS.contains(p))
                        || PARTICLES.contains(&words[0]))
                || parts.iter().any(|p| is_adverb(p));
            phrase.then(|| format!("{entity}.{field} is a phrase, not a field name"))
        }
        Contribution::Entity { entity } => {
            let name = snake(entity);
            let parts: Vec<&str> = name.split('_').collect();
            let plural_first = parts.len() > 1
                && singular(parts[0]) != parts[0]
                && !PLURAL_QUALIFIERS.contains(&parts[0]);
            // "check-in", "sign-up", "drop-off": a verb and its particle make one noun.
            let phrasal_noun = parts.len() == 2
                && ["in", "out", "up", "off", "over", "down", "on"].contains(&parts[1])
                && !PARTICLES.contains(&parts[0])
                && !PHRASE_WORDS.contains(&parts[0]);
            let particle = !phrasal_noun
                && parts
                    .iter()
                    .any(|p| PARTICLES.contains(p) || PHRASE_WORDS.contains(p) || is_adverb(p));
            // "CandidateMet" from "which candidate met which interviewer": a verb is no part
            // of a thing's name ("SeedFeed" is fine).
            let verb_last = parts.len() > 1
                && parts
                    .last()
                    .is_some_and(|w| is_participle(w) && !w.ends_with("eed"));
            (plural_first || particle || verb_last)
                .then(|| format!("{entity} is a phrase, not the name of a thing"))
        }
        _ => None,
    }
}

/// Words that name a field of a thing far more often than a choice among values: an enum
/// whose values are such words ("apiaries (name, location)") read a thing and its fields as a
/// field and its values.
#[rustfmt::skip]
const FIELD_WORDS: &[&str] = &[
    "name", "title", "email", "phone", "address", "location", "date", "notes",
    "description", "price", "cost", "amount", "quantity", "count", "number", "code", "url",
    "website", "comment", "comments", "summary", "body", "content", "author", "owner", "rating",
    "score", "duration", "start", "end", "due", "created", "updated", "birthday", "age", "size",
    "weight", "height", "width", "length", "colour", "color", "city", "country", "status",
];

/// Plurals usually kept as one text about a thing ("any allergies", "skills (free text)").
#[rustfmt::skip]
const ATTRIBUTE_PLURALS: &[&str] = &[
    "allergies", "skills", "initials", "dimensions", "findings", "needs",
    "requirements", "qualifications", "measurements", "charges", "credits",
];

/// Why a field the sentence gave looks like a misreading of it rather than what it said: an
/// enum named by a plural whose values are words of fields ("hives (name, type)" read as a
/// field `hives` choosing between `name` and `type`), an enum with two or more such values, or
/// a text field named by a plural of things ("each animal's vaccinations" read as one text
/// `animal_vaccinations`: a list of things of their own).
fn misread_field(contribution: &Contribution, entities: &[Entity]) -> Option<String> {
    let Contribution::Field { entity, field } = contribution else {
        return None;
    };
    let spec_field = entities
        .iter()
        .find(|e| e.name == *entity)?
        .fields
        .iter()
        .find(|f| f.name == *field)?;
    let last = field.rsplit('_').next().unwrap_or(field);
    let parts: Vec<&str> = field.split('_').collect();
    let quantity = ["max", "min", "number", "total", "count"].contains(&parts[0]);
    let plural_thing = is_plural(last)
        && !quantity
        && !FIELD_PLURALS.contains(&last)
        && !ATTRIBUTE_PLURALS.contains(&last)
        && singular(last) != last
        && !last.ends_with("ss");
    // "authors write many books" read as a field `authors_write_many_books`.
    let relation_phrase = parts.len() >= 3 && parts.contains(&"many");
    let field_values = spec_field
        .values
        .iter()
        .filter(|v| v.split('_').any(|part| FIELD_WORDS.contains(&part)))
        .count();
    match spec_field.ty {
        FieldType::Enum if field_values >= 2 || (plural_thing && field_values >= 1) => Some(format!(
            "{entity}.{field} was read as a choice among {}, which look like the fields of a thing of its own",
            spec_field.values.join(", ")
        )),
        FieldType::String | FieldType::Text if plural_thing || relation_phrase => Some(format!(
            "{entity}.{field} is one text, but \"{last}\" names several things, which may be an entity of their own"
        )),
        _ => None,
    }
}

/// The first letters of a word, to compare inflections ("vaccinations" and `vaccination`).
fn stem(word: &str) -> String {
    let singular = singular(word);
    singular.chars().take(5).collect()
}

/// The stems of the words of an entity's name.
fn name_stems(entity: &str) -> BTreeSet<String> {
    snake(entity).split('_').map(stem).collect()
}

/// The words of a sentence that nothing it contributed accounts for.
fn unplaced_words(
    tokens: &[Tok],
    gave: &[Contribution],
    entities: &[Entity],
    service: &str,
) -> Vec<String> {
    // The service's name stands for the words it was made of, but not for a plural in a
    // sentence that gave fields: "Observations: a nurse records a patient's pulse…" named a
    // thing to store, whatever else the service was called after.
    let titled = gave.contains(&Contribution::Service);
    let mut placed: BTreeSet<String> = service
        .split('-')
        .filter(|w| titled || !is_plural(w))
        .map(stem)
        .collect();
    let mut add = |name: &str| {
        for part in snake(name).split('_') {
            placed.insert(stem(part));
        }
    };
    for contribution in gave {
        match contribution {
            Contribution::Entity { entity } => add(entity),
            Contribution::Field { entity, field } | Contribution::EnumValues { entity, field } => {
                add(field);
                add(entity);
                let values = entities
                    .iter()
                    .filter(|e| e.name == *entity)
                    .flat_map(|e| e.fields.iter().filter(|f| f.name == *field))
                    .flat_map(|f| f.values.iter());
                for value in values {
                    add(value);
                }
            }
            Contribution::Relation { entity, target } => {
                add(entity);
                add(target);
                let names = entities
                    .iter()
                    .filter(|e| e.name == *entity)
                    .flat_map(|e| e.relations.iter().filter(|r| r.target == *target))
                    .filter_map(|r| r.name.as_deref());
                for name in names {
                    add(name);
                }
            }
            Contribution::Auth
            | Contribution::Database
            | Contribution::Service
            | Contribution::Operation { .. } => {}
        }
    }
    let words = words_of(tokens);
    let gave_fields = gave.iter().any(|c| matches!(c, Contribution::Field { .. }));
    let auth = gave.contains(&Contribution::Auth);
    let database = gave.contains(&Contribution::Database);
    // The stems of the words of the spec's entities' names.
    let things: BTreeSet<String> = entities.iter().flat_map(|e| name_stems(&e.name)).collect();
    // The pairs of things the sentence related.
    let links: Vec<(&String, &String)> = gave
        .iter()
        .filter_map(|c| match c {
            Contribution::Relation { entity, target } => Some((entity, target)),
            _ => None,
        })
        .collect();
    let mut related: Vec<(BTreeSet<String>, BTreeSet<String>)> = links
        .iter()
        .map(|(entity, target)| (name_stems(entity), name_stems(target)))
        .collect();
    // "which singer came to which rehearsal": two things one record links are related too.
    for (i, (from, a)) in links.iter().enumerate() {
        for (other, b) in &links[i + 1..] {
            if from == other {
                related.push((name_stems(a), name_stems(b)));
            }
        }
    }
    let relates = |a: &str, b: &str| {
        let (a, b) = (stem(a), stem(b));
        related
            .iter()
            .any(|(x, y)| (x.contains(&a) && y.contains(&b)) || (x.contains(&b) && y.contains(&a)))
    };
    let accounted = |word: &str| {
        empty_word(word)
            || CONNECTIVES.contains(&word)
            || (gave_fields && FIELD_VERBS.iter().any(|p| p.len() == 1 && p[0] == word))
            || placed.contains(&stem(word))
            || (auth && (ACCESS_WORDS.contains(&word) || things.contains(&stem(word))))
            || (database && STORAGE_WORDS.contains(&word))
    };
    let mut out: Vec<String> = Vec::new();
    // "customers place orders": the verb of a relation the sentence gave, between the two
    // things it relates, in a stretch of words with no punctuation (not "shipments: order,
    // warehouse", where "order" is an item of a list).
    let mut verbs: BTreeSet<&str> = BTreeSet::new();
    for run in tokens.split(|t| !matches!(t, Tok::Word(_))) {
        let run: Vec<&str> = run
            .iter()
            .filter_map(|t| match t {
                Tok::Word(w) => Some(w.as_str()),
                _ => None,
            })
            .collect();
        for (i, word) in run.iter().enumerate() {
            let before = run[..i].iter().rev().find(|w| !empty_word(w));
            let after = &run[i + 1..(i + 5).min(run.len())];
            if before.is_some_and(|b| after.iter().any(|a| relates(b, a))) {
                verbs.insert(word);
            }
        }
    }
    for w in &words {
        let plain = w.trim_matches('\'');
        // "full-time" stands for the value `full_time`, "do-not-call" for `do_not_call`.
        let hyphenated = plain.contains('-') && plain.split('-').all(accounted);
        if accounted(plain) || hyphenated || verbs.contains(plain) {
            continue;
        }
        if !out.contains(&plain.to_owned()) {
            out.push(plain.to_owned());
        }
    }
    out
}

/// The account of `text`, split into `sentences` whose statements are `statements` (one list
/// per sentence) and whose contributions the model recorded in `contributed`; `entities` are
/// the entities derived, for the values of their enums, and `service` the service's name.
pub(super) fn account(
    text: &str,
    sentences: &[Sentence],
    statements: &[Vec<Statement>],
    contributed: &BTreeMap<usize, Vec<Contribution>>,
    entities: &[Entity],
    service: &str,
) -> Coverage {
    let mut coverage = Coverage::default();
    let mut cursor = 0;
    for (i, sentence) in sentences.iter().enumerate() {
        let span = locate(text, &sentence.text, cursor);
        if let Some(span) = span {
            cursor = span.end;
        }
        let words = words_of(&sentence.tokens);
        if too_long(sentence) {
            coverage.not_understood.push(Passage {
                text: sentence.text.clone(),
                span,
                reason: format!(
                    "too long to read as one sentence ({} words, at most {MAX_SENTENCE_WORDS}): end its statements with full stops",
                    words.len()
                ),
            });
            continue;
        }
        let mut gave = contributed.get(&i).cloned().unwrap_or_default();
        let public_clause = is_public_clause(&words) && !operations_in(&words, false).is_empty();
        if auth_keyword(&words).is_some() || asks_for_no_auth(&words) || public_clause {
            gave.push(Contribution::Auth);
        }
        if mentions_database(&words) {
            gave.push(Contribution::Database);
        }
        let title = i == 0
            && gave.is_empty()
            && statements[i].is_empty()
            && (domain_words(&sentence.tokens).is_some()
                || opening_phrase(&sentence.tokens).is_some());
        if title {
            gave.push(Contribution::Service);
        }
        let text = sentence.text.clone();
        if sentence.heading && gave.is_empty() {
            coverage.ignored.push(Passage {
                text,
                span,
                reason: "a heading: what it names is read from the lines under it".into(),
            });
            continue;
        }
        if !gave.is_empty() {
            let unplaced = unplaced_words(&sentence.tokens, &gave, entities, service);
            let mut reasons: Vec<String> = gave
                .iter()
                .filter_map(|c| phrase_name(c).or_else(|| misread_field(c, entities)))
                .collect();
            reasons.dedup();
            if !unplaced.is_empty() {
                reasons.push(format!(
                    "nothing in the spec stands for {}",
                    unplaced
                        .iter()
                        .map(|w| format!("\"{w}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if !reasons.is_empty() {
                coverage.not_understood.push(Passage {
                    text: text.clone(),
                    span,
                    reason: format!("only partly read: {}", reasons.join("; ")),
                });
            }
            coverage.understood.push(Understood {
                text,
                span,
                contributed: gave,
            });
        } else if !statements[i].is_empty() {
            coverage.not_understood.push(Passage {
                text,
                span,
                reason: "read as a statement, but about nothing the requirement defines as a thing to store".into(),
            });
        } else if is_noise(sentence, &words, entities) {
            coverage.ignored.push(Passage {
                text,
                span,
                reason: "names no data: no thing of the spec, no field, no list".into(),
            });
        } else {
            coverage.not_understood.push(Passage {
                text,
                span,
                reason: "no entity, field, relation or setting could be read from it".into(),
            });
        }
    }
    coverage
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(field: &str) -> Contribution {
        Contribution::Field {
            entity: "Queen".into(),
            field: field.into(),
        }
    }

    fn entity(entity: &str) -> Contribution {
        Contribution::Entity {
            entity: entity.into(),
        }
    }

    #[test]
    fn names_cut_out_of_phrases_are_told_from_names() {
        for phrase in [
            "year_she_was_born",
            "the_time_of_purchase",
            "sent_automatically",
            "by_value",
            "how_much",
            "what",
        ] {
            assert!(phrase_name(&field(phrase)).is_some(), "{phrase}");
        }
        for name in [
            "marking_colour",
            "date_of_birth",
            "number_of_seats",
            "is_active",
            "has_video_screen",
            "where",
            "from",
        ] {
            assert_eq!(phrase_name(&field(name)), None, "{name}");
        }
        for phrase in [
            "ActorsAppear",
            "BinsSit",
            "Me",
            "Up",
            "DoctorAutomatically",
            "CandidateMet",
        ] {
            assert!(phrase_name(&entity(phrase)).is_some(), "{phrase}");
        }
        for name in [
            "Actor",
            "SalesOrder",
            "NewsItem",
            "SeriesEpisode",
            "StaffMember",
            "CheckIn",
            "SignUp",
            "DailyReport",
            "PowerSupply",
        ] {
            assert_eq!(phrase_name(&entity(name)), None, "{name}");
        }
    }
}
