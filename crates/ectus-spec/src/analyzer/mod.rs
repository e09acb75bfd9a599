//! The deterministic plain-English requirement analyzer: turns a requirement such as "A
//! bookstore backend. Books have a title, a unique ISBN and a price, and each book belongs to a
//! publisher." into a validated [`Spec`] plus every [`Assumption`] made on the way.
//!
//! It owns the whole text-to-spec path and nothing else. The heuristics are hand-written and
//! deterministic (no network, no model, no randomness; only ordered collections):
//!
//! The stages live in their own modules: [`text`] (1) with [`rephrase`] and [`acts`],
//! [`statements`] (2), [`model`] with
//! [`items`] and [`types`] (3), [`service`] and the shared [`crate::finish`] pass (4), the
//! [`accounting`] of every sentence (5); the word lists are in [`words`].
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
//! 5. **Accounting.** Every sentence is listed in the [`crate::coverage::Coverage`] with what it
//!    contributed, as ignored (it says nothing about the data), or as not understood, with its
//!    byte span in the text as given.

use std::collections::{BTreeMap, BTreeSet};

use crate::coverage::Contribution;
use crate::finish::unreserved;
use crate::naming::{
    kebab, pascal, plural, singular, snake, GENERATED_COLUMNS, RESERVED_TYPE_NAMES, RUST_KEYWORDS,
    SQL_RESERVED,
};
use crate::{
    all_operations, Assumption, Auth, AuthMode, Database, Derived, Entity, Field, FieldType,
    ListOptions, OnDelete, Operation, Relation, RelationKind, Service, Spec, SPEC_VERSION,
};

mod accounting;
mod acts;
mod items;
mod model;
mod rephrase;
mod service;
mod statements;
mod text;
mod types;
mod words;

use accounting::*;
use acts::*;
use items::*;
use model::*;
use rephrase::*;
use service::*;
use statements::*;
use text::*;
use types::*;
use words::*;

use crate::limits::{MAX_REQUIREMENT_BYTES, MAX_SENTENCE_WORDS};

/// A sentence too long to read: listed as not understood instead (reading is superlinear in
/// a sentence's length).
fn too_long(sentence: &Sentence) -> bool {
    words_of(&sentence.tokens).len() > MAX_SENTENCE_WORDS
}

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

/// "Dental bookings." opening a text whose other sentences define bookings is its title, not
/// an entity of its own.
fn drop_title_entity(sentences: &[Sentence], per_sentence: &mut [Vec<Statement>]) {
    let Some(first) = per_sentence.first() else {
        return;
    };
    let [Statement::Entities { owner: None, nouns }] = first.as_slice() else {
        return;
    };
    let [(noun, items)] = nouns.as_slice() else {
        return;
    };
    let Some(head) = noun.last().map(|w| singular(w)) else {
        return;
    };
    if !items.is_empty() || noun.len() < 2 {
        return;
    }
    let later = sentences
        .iter()
        .skip(1)
        .any(|s| words_of(&s.tokens).iter().any(|w| singular(w) == head));
    if later {
        per_sentence[0].clear();
    }
}

/// Turns a plain-English requirement into a spec plus every assumption made.
/// The singular of every plural noun of the text that could name a thing: not a stop word,
/// not a plural usually kept as one field ("notes", "hours").
fn plural_nouns(sentences: &[Sentence]) -> BTreeSet<String> {
    sentences
        .iter()
        .flat_map(|s| words_of(&s.tokens))
        .filter(|w| {
            is_plural(w)
                && w.chars().all(|c| c.is_ascii_alphabetic())
                && !STOP_WORDS.contains(&w.as_str())
                && !FIELD_PLURALS.contains(&w.as_str())
        })
        .map(|w| singular(&w))
        .collect()
}

pub fn analyze(text: &str) -> Result<Derived, AnalyzeError> {
    if text.len() > MAX_REQUIREMENT_BYTES {
        return Err(AnalyzeError {
            message: format!(
                "The requirement is {} KiB; at most {} KiB is read. Keep to what the service stores (things, their fields and links), or write the spec as a spec file.",
                text.len().div_ceil(1024),
                MAX_REQUIREMENT_BYTES / 1024
            ),
        });
    }
    let sentences = split_sentences(text);
    if sentences.is_empty() {
        return Err(error_with_example("The requirement is empty."));
    }
    let mut per_sentence: Vec<Vec<Statement>> = sentences
        .iter()
        .map(|s| {
            if too_long(s) {
                Vec::new()
            } else {
                statements_of(std::slice::from_ref(s))
            }
        })
        .collect();
    drop_title_entity(&sentences, &mut per_sentence);
    let statements: Vec<(usize, Statement)> = per_sentence
        .iter()
        .enumerate()
        .flat_map(|(i, list)| list.iter().cloned().map(move |s| (i, s)))
        .collect();
    let mut model = Model {
        plurals: plural_nouns(&sentences),
        ..Model::default()
    };
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
    let coverage = account(
        text,
        &sentences,
        &per_sentence,
        &model.contributed,
        &model.entities,
        &name,
    );
    let spec = Spec {
        spec_version: SPEC_VERSION,
        service: Service {
            name,
            description: description_of(&sentences[0].text),
        },
        database,
        auth,
        entities: model.entities,
        extensions: Vec::new(),
    };
    let mut derived = crate::finish::finish(spec, notes, crate::finish::Writes::AlwaysProtected).map_err(|errors| AnalyzeError {
        message: format!(
            "The requirement was read, but the derived spec is not valid:\n{errors}\nRephrase the requirement; Try: \"{EXAMPLE_PROMPT}\""
        ),
    })?;
    derived.coverage = coverage;
    Ok(derived)
}
