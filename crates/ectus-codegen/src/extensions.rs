//! Extension operations in the view model: the documented operations that are not entity
//! operations, each with its typed path parameters, how the router reaches it and a sample
//! request for the generated tests. Their handlers live in `src/extensions/<name>.rs`, files
//! the user owns once they change them (see [`crate::manifest`]).

use ectus_spec::contract::{self, Extension, ParamType, Segment};
use ectus_spec::naming::{pascal, snake, RUST_KEYWORDS};
use serde::Serialize;

/// Where a generated project keeps its extension handlers.
pub const EXTENSIONS_DIR: &str = "src/extensions/";

#[derive(Debug, Clone, Serialize)]
pub struct ExtensionView {
    /// snake_case: the handler's module and function.
    pub name: String,
    /// PascalCase: the prefix of its request types.
    pub pascal: String,
    /// Lower case, as axum's routing functions name it.
    pub method: &'static str,
    pub method_upper: &'static str,
    /// The documented route template (affixes included), e.g. `/specs/{api}.json`.
    pub path: String,
    /// The template the router registers (affixed parameters take their whole segment).
    pub router_path: String,
    pub summary: String,
    pub reason: String,
    pub protected: bool,
    pub params: Vec<ParamView>,
    /// Some parameter is a whole number.
    pub has_integer: bool,
    /// A request path for the tests, with a sample value for each parameter.
    pub sample_path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParamView {
    /// As in the route, e.g. `petId`.
    pub name: String,
    /// The Rust field, e.g. `pet_id`.
    pub field: String,
    pub integer: bool,
    /// Text the segment holds before and after the parameter (`v{n}.json`).
    pub prefix: String,
    pub suffix: String,
}

/// The views of a spec's extensions.
pub fn views(extensions: &[Extension]) -> Vec<ExtensionView> {
    extensions.iter().map(view).collect()
}

fn view(extension: &Extension) -> ExtensionView {
    let segments = contract::segments(&extension.path).unwrap_or_default();
    let mut params = Vec::new();
    let mut sample_path = String::new();
    for segment in &segments {
        sample_path.push('/');
        let (prefix, name, suffix) = match segment {
            Segment::Literal(l) => {
                sample_path.push_str(l);
                continue;
            }
            Segment::Param(name) => ("", *name, ""),
            Segment::Affixed {
                prefix,
                name,
                suffix,
            } => (*prefix, *name, *suffix),
        };
        let integer = extension
            .params
            .iter()
            .any(|p| p.name == name && p.ty == ParamType::Integer);
        sample_path.push_str(prefix);
        sample_path.push_str(if integer { "1" } else { "sample" });
        sample_path.push_str(suffix);
        params.push(ParamView {
            name: name.to_owned(),
            field: field_name(name),
            integer,
            prefix: prefix.to_owned(),
            suffix: suffix.to_owned(),
        });
    }
    if sample_path.is_empty() {
        sample_path.push('/');
    }
    ExtensionView {
        name: extension.name.clone(),
        pascal: pascal(&extension.name),
        method: extension.method.as_str(),
        method_upper: extension.method.upper(),
        path: extension.path.clone(),
        router_path: contract::router_path(&extension.path),
        summary: extension.summary.clone(),
        reason: extension.reason.clone(),
        protected: extension.protected,
        has_integer: params.iter().any(|p| p.integer),
        params,
        sample_path,
    }
}

/// A parameter's Rust field: snake_case, never a keyword.
fn field_name(param: &str) -> String {
    let field = snake(param);
    if RUST_KEYWORDS.contains(&field.as_str()) || field == "self" {
        format!("{field}_param")
    } else {
        field
    }
}

/// Whether a generated file is an extension handler: created once, and kept once changed.
pub fn is_handler_file(path: &str) -> bool {
    path.strip_prefix(EXTENSIONS_DIR)
        .is_some_and(|rest| rest != "mod.rs" && !rest.contains('/'))
}
