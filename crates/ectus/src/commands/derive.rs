//! Reading the user's input from the command line (a spec file, an OpenAPI document or a
//! requirement) into an [`Input`], and deriving its spec with the reason spelled out when
//! that fails.

use std::path::Path;

use anyhow::Context as _;
use ectus_spec::{DeriveError, Derived, Format, Input};

/// The one input given on the command line.
pub fn input(
    spec: Option<&Path>,
    openapi: Option<&Path>,
    prompt: Option<&str>,
) -> anyhow::Result<Input> {
    let read = |path: &Path, what: &str| {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the {what} {}", path.display()))
    };
    match (spec, openapi, prompt) {
        (Some(path), None, None) => Ok(Input::Spec {
            text: read(path, "spec file")?,
            format: match path.extension().and_then(|e| e.to_str()) {
                Some("json") => Format::Json,
                _ => Format::Yaml,
            },
        }),
        (None, Some(path), None) => Ok(Input::OpenApi(read(path, "OpenAPI document")?)),
        (None, None, Some(text)) => Ok(Input::Prompt(text.to_owned())),
        _ => anyhow::bail!("give one of --spec FILE, --openapi FILE or --prompt TEXT"),
    }
}

/// Derives the spec of the command line's input, naming the file when it is the problem.
pub fn derive(
    spec: Option<&Path>,
    openapi: Option<&Path>,
    prompt: Option<&str>,
) -> anyhow::Result<(Input, Derived)> {
    let input = input(spec, openapi, prompt)?;
    let derived = input
        .derive()
        .map_err(|error| match (&error, spec, openapi) {
            (DeriveError::Spec(errors), Some(path), _) => {
                anyhow::anyhow!("{} is not a valid spec:\n{errors}", path.display())
            }
            (DeriveError::OpenApi(e), _, Some(path)) => {
                anyhow::anyhow!("{} cannot be imported: {e}", path.display())
            }
            _ => anyhow::Error::new(error),
        })?;
    Ok((input, derived))
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
