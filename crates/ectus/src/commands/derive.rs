//! Turning a user's input (spec file, OpenAPI document or English text) into a spec.

use std::path::Path;

use anyhow::Context as _;
use ectus_spec::Derived;

/// Which kind of input a spec came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    Spec,
    Openapi,
    Prompt,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Spec => "spec",
            InputKind::Openapi => "openapi",
            InputKind::Prompt => "prompt",
        }
    }
}

/// Derives a spec from exactly one input.
pub fn derive(
    spec: Option<&Path>,
    openapi: Option<&Path>,
    prompt: Option<&str>,
) -> anyhow::Result<(InputKind, Derived)> {
    if let Some(path) = spec {
        let spec = ectus_spec::parse_path(path).map_err(|errors| {
            anyhow::anyhow!("{} is not a valid spec:\n{errors}", path.display())
        })?;
        return Ok((
            InputKind::Spec,
            Derived {
                spec,
                assumptions: Vec::new(),
            },
        ));
    }
    if let Some(path) = openapi {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the OpenAPI document {}", path.display()))?;
        let derived = ectus_spec::openapi::import(&text)
            .map_err(|e| anyhow::anyhow!("{} cannot be imported: {e}", path.display()))?;
        return Ok((InputKind::Openapi, derived));
    }
    if let Some(text) = prompt {
        let derived = ectus_spec::analyzer::analyze(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        return Ok((InputKind::Prompt, derived));
    }
    anyhow::bail!("give one of --spec FILE, --openapi FILE or --prompt TEXT")
}

/// The spec as YAML with the assumptions as comments on top, ready to edit and reuse.
pub fn commented_yaml(derived: &Derived) -> String {
    let mut out = String::new();
    if !derived.assumptions.is_empty() {
        out.push_str(
            "# Assumptions made while deriving this spec (edit the spec to change them):\n",
        );
        for assumption in &derived.assumptions {
            out.push_str(&format!("# - {assumption}\n"));
        }
    }
    out.push_str(&derived.spec.to_yaml());
    out
}
