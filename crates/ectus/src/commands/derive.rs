//! Reading the user's input from the command line (a spec file, an OpenAPI document or a
//! requirement) into an [`Input`], and deriving its spec with the reason spelled out when
//! that fails.

use std::path::Path;

use std::io::Read as _;

use anyhow::Context as _;
use ectus_spec::coverage::Coverage;
use ectus_spec::{DeriveError, Derived, Format, Input, InputKind};

/// Where the command line says the input is: one of these is set.
#[derive(Debug, Clone, Copy, Default)]
pub struct Source<'a> {
    pub spec: Option<&'a Path>,
    pub openapi: Option<&'a Path>,
    /// The requirement itself, or `-` for standard input.
    pub prompt: Option<&'a str>,
    pub prompt_file: Option<&'a Path>,
}

/// The one input given on the command line.
pub fn input(source: Source<'_>) -> anyhow::Result<Input> {
    let read = |path: &Path, what: &str| {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the {what} {}", path.display()))
    };
    match (source.spec, source.openapi, source.prompt, source.prompt_file) {
        (Some(path), None, None, None) => Ok(Input::Spec {
            text: read(path, "spec file")?,
            format: match path.extension().and_then(|e| e.to_str()) {
                Some("json") => Format::Json,
                _ => Format::Yaml,
            },
        }),
        (None, Some(path), None, None) => Ok(Input::OpenApi(read(path, "OpenAPI document")?)),
        (None, None, Some("-"), None) => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read the requirement from standard input")?;
            Ok(Input::Prompt(text))
        }
        (None, None, Some(text), None) => Ok(Input::Prompt(text.to_owned())),
        (None, None, None, Some(path)) => Ok(Input::Prompt(read(path, "requirement file")?)),
        _ => anyhow::bail!(
            "give one of --spec FILE, --openapi FILE, --prompt TEXT (- for standard input) or --prompt-file FILE"
        ),
    }
}

/// Derives the spec of the command line's input, naming the file when it is the problem.
pub fn derive(source: Source<'_>) -> anyhow::Result<(Input, Derived)> {
    let input = input(source)?;
    let derived = input
        .derive()
        .map_err(|error| match (&error, source.spec, source.openapi) {
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

/// The label of what the spec does not reflect: passages of a requirement are not
/// understood, operations of an OpenAPI document not served.
fn missing_label(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Openapi => "NOT AS DOCUMENTED",
        _ => "NOT UNDERSTOOD",
    }
}

/// What the spec does not reflect of the input, one line each, for stderr.
pub fn not_understood_lines(coverage: &Coverage, kind: InputKind) -> Vec<String> {
    let label = missing_label(kind);
    coverage
        .not_understood
        .iter()
        .map(|p| match p.span {
            Some(span) => format!(
                "  {label} (bytes {}..{}): \"{}\" — {}",
                span.start, span.end, p.text, p.reason
            ),
            None => format!("  {label}: {} — {}", p.text, p.reason),
        })
        .collect()
}

/// The documented operations served by extension handlers still to write, one line each.
pub fn to_implement_lines(coverage: &Coverage) -> Vec<String> {
    coverage
        .to_implement
        .iter()
        .map(|p| format!("  TO IMPLEMENT: {} — {}", p.text, p.reason))
        .collect()
}

/// The error of `--strict` when part of the input would not be reflected.
pub fn strict_refusal(coverage: &Coverage, kind: InputKind) -> anyhow::Error {
    let n = coverage.not_understood.len();
    let lines = not_understood_lines(coverage, kind).join("\n");
    match kind {
        InputKind::Openapi => anyhow::anyhow!(
            "--strict: {n} operation{} of the document would not be served as documented, nothing written:\n{lines}\nDrop --strict to generate what can be served",
            if n == 1 { "" } else { "s" }
        ),
        _ => anyhow::anyhow!(
            "--strict: {} of the requirement not understood, nothing written:\n{lines}\nRephrase them (e.g. \"Visits have a date and a diagnosis, and each visit belongs to a patient.\") or drop --strict to generate what was understood",
            match n {
                1 => "1 passage is".to_owned(),
                n => format!("{n} passages are"),
            },
        ),
    }
}

/// The spec as YAML with the assumptions as comments on top, ready to edit and reuse.
pub fn commented_yaml(derived: &Derived, kind: InputKind) -> String {
    let mut out = String::new();
    if !derived.assumptions.is_empty() {
        out.push_str(
            "# Assumptions made while deriving this spec (edit the spec to change them):\n",
        );
        for assumption in &derived.assumptions {
            out.push_str(&format!("# - {assumption}\n"));
        }
    }
    let to_implement = &derived.coverage.to_implement;
    if !to_implement.is_empty() {
        out.push_str("# TO IMPLEMENT — served at their documented method and path by handlers that answer 501 until written:\n");
        for passage in to_implement {
            out.push_str(&format!("# - {} ({})\n", passage.text, passage.reason));
        }
    }
    let not_understood = &derived.coverage.not_understood;
    if !not_understood.is_empty() {
        out.push_str(match kind {
            InputKind::Openapi => {
                "# NOT AS DOCUMENTED — the service of this spec does not serve these operations of the document as it says:\n"
            }
            _ => "# NOT UNDERSTOOD — this spec does not reflect these passages of the requirement:\n",
        });
        for passage in not_understood {
            out.push_str(&format!(
                "# - \"{}\" ({})\n",
                passage.text.replace('\n', " "),
                passage.reason
            ));
        }
    }
    for passage in &derived.coverage.ignored {
        out.push_str(&format!(
            "# ignored: \"{}\" ({})\n",
            passage.text.replace('\n', " "),
            passage.reason
        ));
    }
    out.push_str(&derived.spec.to_yaml());
    out
}
