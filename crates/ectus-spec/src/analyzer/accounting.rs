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

/// Whether a sentence that produced no statement says nothing about the data.
fn is_noise(words: &[String]) -> bool {
    words.iter().all(|w| empty_word(w))
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

/// The account of `text`, split into `sentences` whose statements are `statements` (one list
/// per sentence) and whose contributions the model recorded in `contributed`.
pub(super) fn account(
    text: &str,
    sentences: &[Sentence],
    statements: &[Vec<Statement>],
    contributed: &BTreeMap<usize, Vec<Contribution>>,
) -> Coverage {
    let mut coverage = Coverage::default();
    let mut cursor = 0;
    for (i, sentence) in sentences.iter().enumerate() {
        let span = locate(text, &sentence.text, cursor);
        if let Some(span) = span {
            cursor = span.end;
        }
        let words = words_of(&sentence.tokens);
        let mut gave = contributed.get(&i).cloned().unwrap_or_default();
        if auth_keyword(&words).is_some() {
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
        } else if is_noise(&words) {
            coverage.ignored.push(Passage {
                text,
                span,
                reason: "says nothing about the data or the technology".into(),
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
