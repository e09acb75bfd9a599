//! Reading a spec from YAML or JSON: deserialisation errors with their path, then name
//! normalisation and validation.

use std::path::Path;

use crate::naming::{kebab, pascal, snake};
use crate::validate::{validate, SpecError, SpecErrors};
use crate::Spec;

/// The text format of a spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

/// Parses, normalises and validates a spec.
pub fn parse(text: &str, format: Format) -> Result<Spec, SpecErrors> {
    let spec = read(text, format)?;
    validate(&spec)?;
    Ok(spec)
}

/// Parses and normalises a spec without validating it (the finishing pass does, after it has
/// made the spec's security explicit).
pub(crate) fn read(text: &str, format: Format) -> Result<Spec, SpecErrors> {
    let raw: Spec = match format {
        Format::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let path = e.path().to_string();
                one(path, e.into_inner().to_string())
            })?
        }
        Format::Yaml => {
            crate::limits::check_yaml_depth(text)
                .map_err(|too_deep| one(String::new(), too_deep.to_string()))?;
            let de = serde_yaml_ng::Deserializer::from_str(text);
            serde_path_to_error::deserialize(de).map_err(|e| {
                let path = e.path().to_string();
                one(path, e.into_inner().to_string())
            })?
        }
    };
    Ok(normalize(raw))
}

/// Reads a spec file; `.json` is JSON, anything else YAML.
pub fn parse_path(path: &Path) -> Result<Spec, SpecErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        SpecErrors(vec![SpecError {
            path: path.display().to_string(),
            message: format!("cannot read the spec file: {e}"),
        }])
    })?;
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("json") => Format::Json,
        _ => Format::Yaml,
    };
    parse(&text, format)
}

fn one(path: String, message: String) -> SpecErrors {
    let path = if path == "." { String::new() } else { path };
    SpecErrors(vec![SpecError {
        message: friendly(&path, &message),
        path,
    }])
}

/// Rewrites serde's "unknown variant" and "unknown field" messages into "X is not a …; did you
/// mean …? allowed: …".
fn friendly(path: &str, message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    // serde_yaml_ng prefixes its own idea of the path; keep only the message itself.
    let message = [
        "unknown variant `",
        "unknown field `",
        "invalid type",
        "missing field",
    ]
    .iter()
    .find_map(|marker| message.find(marker).map(|at| &message[at..]))
    .unwrap_or(message);
    let lists = |rest: &str| -> Vec<String> {
        rest.split(", ")
            .map(|s| s.trim_matches(|c| c == '`' || c == ' ').to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        if let Some((value, allowed)) = rest.split_once("`, expected one of ") {
            let allowed = lists(allowed);
            let what = match path.rsplit('.').next().unwrap_or("") {
                "type" => "a type".to_owned(),
                "kind" => "a relation kind".to_owned(),
                "database" => "a database".to_owned(),
                "mode" => "an authentication mode".to_owned(),
                "on_delete" => "an on_delete behaviour".to_owned(),
                p if p.starts_with("operations") || p.starts_with("protect") => {
                    "an operation".to_owned()
                }
                _ => "an allowed value".to_owned(),
            };
            return with_suggestion(&format!("{value:?} is not {what}"), value, &allowed);
        }
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((value, allowed)) = rest.split_once("`, expected one of ") {
            let allowed = lists(allowed);
            return with_suggestion(&format!("unknown key {value:?}"), value, &allowed);
        }
        if let Some((value, allowed)) = rest.split_once("`, expected ") {
            let allowed = lists(allowed);
            return with_suggestion(&format!("unknown key {value:?}"), value, &allowed);
        }
    }
    message.to_owned()
}

fn with_suggestion(head: &str, value: &str, allowed: &[String]) -> String {
    let candidates: Vec<&str> = allowed.iter().map(String::as_str).collect();
    match crate::validate::did_you_mean(value, &candidates) {
        Some(best) => format!(
            "{head}; did you mean {best:?}? allowed: {}",
            allowed.join(", ")
        ),
        None => format!("{head}; allowed: {}", allowed.join(", ")),
    }
}

/// Canonical names: PascalCase entities and targets, snake_case fields, kebab-case service.
pub(crate) fn normalize(mut spec: Spec) -> Spec {
    spec.service.name = kebab(&spec.service.name);
    for entity in &mut spec.entities {
        entity.name = pascal(&entity.name);
        for field in &mut entity.fields {
            field.name = snake(&field.name);
            field.renamed_from = field.renamed_from.as_deref().map(snake);
        }
        for relation in &mut entity.relations {
            relation.target = pascal(&relation.target);
            relation.name = relation.name.as_deref().map(snake);
        }
        if let Some(filters) = &mut entity.list.filters {
            filters.iter_mut().for_each(|f| *f = snake(f));
        }
        if let Some(sort) = &mut entity.list.sort {
            sort.iter_mut().for_each(|f| *f = snake(f));
        }
    }
    spec
}
