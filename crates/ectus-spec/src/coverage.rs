//! What each part of a plain-English requirement contributed to the spec, what was read as
//! carrying nothing (noise), and what could not be placed at all — the `not understood` list a
//! user must see before trusting the generated service to do all that was asked.

use serde::{Deserialize, Serialize};

/// Where a passage sits in the requirement: byte offsets into the text as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSpan {
    pub start: usize,
    pub end: usize,
}

/// What a passage gave the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Contribution {
    Entity {
        entity: String,
    },
    Field {
        entity: String,
        field: String,
    },
    Relation {
        entity: String,
        target: String,
    },
    EnumValues {
        entity: String,
        field: String,
    },
    /// An OpenAPI operation served by the generated service as the entity's operation.
    Operation {
        entity: String,
        operation: String,
    },
    Auth,
    Database,
    Service,
}

impl std::fmt::Display for Contribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Contribution::Entity { entity } => write!(f, "entity {entity}"),
            Contribution::Field { entity, field } => write!(f, "field {entity}.{field}"),
            Contribution::Relation { entity, target } => write!(f, "{entity} belongs to {target}"),
            Contribution::EnumValues { entity, field } => write!(f, "values of {entity}.{field}"),
            Contribution::Operation { entity, operation } => {
                write!(f, "the {operation} operation of {entity}")
            }
            Contribution::Auth => f.write_str("authentication"),
            Contribution::Database => f.write_str("database"),
            Contribution::Service => f.write_str("service name"),
        }
    }
}

/// A passage of the requirement that contributed to the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Understood {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<TextSpan>,
    pub contributed: Vec<Contribution>,
}

/// A passage of the requirement that contributed nothing, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passage {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<TextSpan>,
    pub reason: String,
}

/// The whole account of an input: for a requirement its passages; for an OpenAPI document its
/// operations (`understood`: served as documented by an entity's operation, `not_understood`:
/// not served, with why). Empty for a spec file, whose every part is read or refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub understood: Vec<Understood>,
    /// Read as saying nothing about the data or the technology ("It must be fast.").
    pub ignored: Vec<Passage>,
    /// Could not be placed: the spec does not reflect these passages.
    pub not_understood: Vec<Passage>,
    /// OpenAPI operations served at their documented method and path by an extension
    /// handler that answers `501` until the user implements it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to_implement: Vec<Passage>,
}

impl Coverage {
    /// Whether every passage was either used or deliberately ignored.
    pub fn complete(&self) -> bool {
        self.not_understood.is_empty()
    }

    /// Whether the service generated from this input does all that was asked: nothing not
    /// understood (or not served as documented) and no operation left to implement.
    pub fn fully_served(&self) -> bool {
        self.not_understood.is_empty() && self.to_implement.is_empty()
    }
}

/// Finds `passage` (whitespace-normalised, as the analyzer keeps it) in `text` at or after
/// byte `from`, comparing everything but whitespace; `None` when it is not there verbatim.
pub(crate) fn locate(text: &str, passage: &str, from: usize) -> Option<TextSpan> {
    let wanted: Vec<char> = passage.chars().filter(|c| !c.is_whitespace()).collect();
    let first = *wanted.first()?;
    let tail = text.get(from..)?;
    for (offset, c) in tail.char_indices() {
        if c != first {
            continue;
        }
        let start = from + offset;
        let mut matched = 0;
        let mut end = start;
        for (i, c) in text[start..].char_indices() {
            if c.is_whitespace() {
                continue;
            }
            if c != wanted[matched] {
                break;
            }
            matched += 1;
            if matched == wanted.len() {
                end = start + i + c.len_utf8();
                break;
            }
        }
        if matched == wanted.len() {
            return Some(TextSpan { start, end });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passage_is_found_whatever_the_whitespace() {
        let text = "Cars have a plate.\n\n- Rentals   record\n  a date.";
        let span = locate(text, "Rentals record a date.", 0).expect("found");
        assert_eq!(&text[span.start..span.end], "Rentals   record\n  a date.");
        assert_eq!(locate(text, "Boats float.", 0), None);
        let later = locate("a b. a b.", "a b.", 1).expect("second");
        assert_eq!(later.start, 5);
    }
}
