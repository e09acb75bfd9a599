//! The three inputs a spec is derived from — a spec document, an OpenAPI document, a
//! plain-English requirement — and the one [`Input::derive`] that every caller (CLI and API)
//! goes through.

use crate::{analyzer, openapi, Derived, Format, SpecErrors};

/// Which kind of input a spec came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    Spec,
    Openapi,
    Prompt,
}

impl InputKind {
    pub const ALL: [InputKind; 3] = [InputKind::Spec, InputKind::Openapi, InputKind::Prompt];

    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Spec => "spec",
            InputKind::Openapi => "openapi",
            InputKind::Prompt => "prompt",
        }
    }

    pub fn parse(value: &str) -> Option<InputKind> {
        InputKind::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

impl std::fmt::Display for InputKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user's input, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A spec document in YAML or JSON.
    Spec { text: String, format: Format },
    /// An OpenAPI 3.0 or 3.1 document in YAML or JSON.
    OpenApi(String),
    /// A plain-English requirement.
    Prompt(String),
}

/// Why an input did not give a spec; each variant keeps its own detail (paths for specs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeriveError {
    #[error("the spec is not valid:\n{0}")]
    Spec(SpecErrors),
    #[error("the OpenAPI document cannot be imported: {0}")]
    OpenApi(openapi::ImportError),
    #[error("{0}")]
    Prompt(analyzer::AnalyzeError),
}

impl Input {
    pub fn kind(&self) -> InputKind {
        match self {
            Input::Spec { .. } => InputKind::Spec,
            Input::OpenApi(_) => InputKind::Openapi,
            Input::Prompt(_) => InputKind::Prompt,
        }
    }

    /// The input as the user gave it (stored with a generation).
    pub fn text(&self) -> &str {
        match self {
            Input::Spec { text, .. } | Input::OpenApi(text) | Input::Prompt(text) => text,
        }
    }

    /// Derives the validated spec and everything assumed on the way.
    pub fn derive(&self) -> Result<Derived, DeriveError> {
        match self {
            Input::Spec { text, format } => crate::parse::read(text, *format)
                .and_then(crate::finish::finish_written)
                .map_err(DeriveError::Spec),
            Input::OpenApi(text) => openapi::import(text).map_err(DeriveError::OpenApi),
            Input::Prompt(text) => analyzer::analyze(text).map_err(DeriveError::Prompt),
        }
    }
}
