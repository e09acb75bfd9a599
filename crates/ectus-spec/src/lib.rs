//! The Ectus-R service specification: what a generated service contains.
//!
//! A [`Spec`] (`spec_version: 1`) is written in YAML or JSON, described by a JSON Schema
//! committed at `crates/ectus-spec/schema/spec.schema.json`, and produced by three inputs: a
//! spec file ([`parse`]), an OpenAPI 3 document ([`openapi`]) and a plain-English requirement
//! ([`analyzer`]). [`parse`] normalises names (PascalCase entities, snake_case fields,
//! kebab-case service) and [`validate`] reports every problem with its path, what is wrong and
//! what is allowed.

pub mod analyzer;
pub mod contract;
pub mod coverage;
mod finish;
mod input;
pub mod limits;
mod model;
pub mod naming;
pub mod openapi;
mod parse;
mod validate;

pub use finish::{settle_security, Writes, IDENTITY_RESERVED_FIELDS};
pub use input::{DeriveError, Input, InputKind};
pub use model::*;
pub use parse::{parse, parse_path, Format};
pub use validate::{
    validate, SpecError, SpecErrors, MAX_ENTITIES, MAX_ENTITY_FIELDS, MAX_TOTAL_FIELDS,
};

/// The JSON Schema of the spec format, as committed in the repository.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Spec)).unwrap_or_default()
}

/// An assumption an input path made on the user's behalf, reported next to the spec.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Assumption {
    /// Where in the spec the assumption applies, e.g. `User` or `Post.title`.
    pub subject: String,
    pub message: String,
}

impl std::fmt::Display for Assumption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.subject, self.message)
    }
}

/// A spec derived from some input, with what was assumed and what could not be honoured.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Derived {
    pub spec: Spec,
    pub assumptions: Vec<Assumption>,
    /// What each passage of a plain-English requirement contributed (empty for other inputs).
    pub coverage: coverage::Coverage,
}
