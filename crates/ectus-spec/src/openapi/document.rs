//! Reading the document: YAML or JSON into values that keep the document's order, the version check, and small helpers over values.

use super::*;

pub(super) fn parse_document(text: &str) -> Result<Value, ImportError> {
    crate::limits::check_yaml_depth(text).map_err(|too_deep| {
        ImportError::new(format!(
            "{too_deep}; an OpenAPI document needs far fewer levels — is this the document you meant?"
        ))
    })?;
    let value: Value = serde_yaml_ng::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!("line {}, column {}: ", l.line(), l.column()))
            .unwrap_or_default();
        ImportError::new(format!("{at}the document is not valid YAML or JSON: {e}"))
    })?;
    if value.as_mapping().is_none() {
        return Err(ImportError::new(
            "not an OpenAPI document: expected a mapping with a top-level `openapi: 3.x` key",
        ));
    }
    Ok(value)
}

pub(super) fn check_version(root: &Value) -> Result<(), ImportError> {
    if root.get("swagger").is_some() {
        return Err(ImportError::new(
            "this is a Swagger 2.0 document; convert it to OpenAPI 3 first (e.g. with swagger2openapi or the Swagger Editor), then import it again",
        ));
    }
    let Some(version) = root.get("openapi") else {
        return Err(ImportError::new(
            "not an OpenAPI document: the top-level `openapi` key (e.g. `openapi: 3.0.3`) is missing",
        ));
    };
    let version = scalar_text(version).unwrap_or_default();
    let supported = ["3.0", "3.1"]
        .iter()
        .any(|v| version == *v || version.starts_with(&format!("{v}.")));
    if supported {
        Ok(())
    } else {
        Err(ImportError::new(format!(
            "OpenAPI version {version:?} is not supported; this importer reads OpenAPI 3.0.x and 3.1.x documents"
        )))
    }
}

// ---------------------------------------------------------------------------------------------
// Small value helpers

/// The text of a scalar (strings, numbers and booleans).
pub(super) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(t) => scalar_text(&t.value),
        _ => None,
    }
}

/// A mapping's entries with their keys as text, in document order.
pub(super) fn entries(value: Option<&Value>) -> Vec<(String, &Value)> {
    value
        .and_then(Value::as_mapping)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| scalar_text(k).map(|k| (k, v)))
                .collect()
        })
        .unwrap_or_default()
}

/// A child of a mapping by key text (YAML keys such as `200` are numbers).
pub(super) fn child<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    if let Some(seq) = value.as_sequence() {
        return key.parse::<usize>().ok().and_then(|i| seq.get(i));
    }
    value
        .as_mapping()?
        .iter()
        .find(|(k, _)| scalar_text(k).as_deref() == Some(key))
        .map(|(_, v)| v)
}

pub(super) fn text_of(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(scalar_text)
}

pub(super) fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// The component schema name of a `$ref` such as `#/components/schemas/Pet`.
pub(super) fn ref_name(schema: &Value) -> Option<String> {
    let reference = schema.get("$ref")?.as_str()?;
    let name = reference.strip_prefix(SCHEMA_PREFIX)?;
    Some(name.replace("~1", "/").replace("~0", "~"))
}

/// The first non-empty line of a text, at most `max` characters.
pub(super) fn first_line(text: &str, max: usize) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    line.unwrap_or("").chars().take(max).collect()
}

/// `type` of a schema without `null`, whether `null` was allowed, and whether several types
/// remain. Infers `object`, `array` and `string` from `properties`, `items` and `enum`.
pub(super) fn schema_type(schema: &Value) -> (Option<String>, bool, bool) {
    let nullable = flag(schema, "nullable");
    match schema.get("type") {
        Some(Value::Sequence(types)) => {
            let names: Vec<String> = types.iter().filter_map(scalar_text).collect();
            let null = names.iter().any(|t| t == "null");
            let rest: Vec<&String> = names.iter().filter(|t| *t != "null").collect();
            let single = if rest.len() == 1 {
                Some(rest[0].clone())
            } else {
                None
            };
            (single, nullable || null, rest.len() > 1)
        }
        Some(t) => (scalar_text(t), nullable, false),
        None => {
            let inferred = if schema.get("properties").is_some() {
                Some("object")
            } else if schema.get("items").is_some() {
                Some("array")
            } else if schema
                .get("enum")
                .and_then(Value::as_sequence)
                .is_some_and(|v| v.iter().all(|x| x.is_string() || x.is_null()))
            {
                Some("string")
            } else {
                None
            };
            (inferred.map(str::to_owned), nullable, false)
        }
    }
}

/// The `$ref` part of `allOf: [{$ref: ...}]`, the 3.0 way to annotate a reference.
pub(super) fn single_ref(schema: &Value) -> Option<&Value> {
    let parts = schema.get("allOf")?.as_sequence()?;
    match parts.as_slice() {
        [part] if part.get("$ref").is_some() => Some(part),
        _ => None,
    }
}

pub(super) fn is_array(schema: &Value) -> bool {
    schema_type(schema).0.as_deref() == Some("array")
}

/// Whether a (resolved) schema describes an object with properties an entity can store.
pub(super) fn is_object_like(schema: &Value) -> bool {
    schema.get("properties").is_some_and(Value::is_mapping)
        || schema.get("allOf").is_some_and(Value::is_sequence)
}

pub(super) fn method_upper(method: &str) -> String {
    method.to_ascii_uppercase()
}

/// A snake_case identifier usable as a column or relation name (may be empty).
pub(super) fn clean_identifier(raw: &str) -> String {
    let snaked: String = snake(raw)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let mut name = snaked.trim_matches('_').to_owned();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("f_{name}");
    }
    name.chars().take(63).collect()
}

/// PascalCase singular of a schema or path segment name: `BlogPosts` → `BlogPost`.
pub(super) fn singular_pascal(name: &str) -> String {
    let snaked = clean_identifier(name);
    let (head, last) = match snaked.rsplit_once('_') {
        Some((h, l)) => (format!("{h}_"), l.to_owned()),
        None => (String::new(), snaked.clone()),
    };
    let last = if ["data", "info", "media"].contains(&last.as_str()) {
        last
    } else {
        singular(&last)
    };
    pascal(&format!("{head}{last}"))
}

/// An enum value made of ASCII letters, digits, `_` and `-` (may be empty).
pub(super) fn clean_enum_value(raw: &str) -> String {
    let mapped: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    mapped.trim_matches('_').chars().take(64).collect()
}

/// Whether a field's default passes the spec validator (probed on a one-field spec).
pub(super) fn default_is_valid(field: &Field) -> bool {
    let mut probe = field.clone();
    probe.name = "probe".into();
    let mut spec = Spec::new("probe");
    spec.entities.push(Entity {
        name: "Probe".into(),
        description: String::new(),
        fields: vec![probe],
        relations: Vec::new(),
        operations: all_operations(),
        list: ListOptions::default(),
        owner: None,
        routes: None,
    });
    match crate::validate(&spec) {
        Ok(()) => true,
        Err(errors) => !errors.0.iter().any(|e| e.path.ends_with(".default")),
    }
}
