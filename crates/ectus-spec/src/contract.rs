//! The parts of a spec that pin a service to a contract written elsewhere (an OpenAPI
//! document): the paths an entity is served at, and the operations that are not CRUD-shaped —
//! extension operations, served by handlers the user implements (`501` until then).
//!
//! Route templates are absolute paths of literal segments and `{param}` segments; every
//! parameter name is a plain identifier so that it is the same in the document, in the router
//! and in the typed request of a handler.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where an entity's operations are served when not at `/{plural}` and `/{plural}/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Routes {
    /// The path of list and create, e.g. `/api/v3/pets`: literal segments only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    /// The path of get, update and delete, ending in the id parameter, e.g.
    /// `/api/v3/pets/{petId}`: literal segments, then one parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The methods update answers to: `patch`, `put` or both (default `patch`). Either way an
    /// update changes only the fields it is sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub update_methods: Vec<HttpMethod>,
    /// The status of a create: 201 (default) or 200, as the contract says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_status: Option<u16>,
    /// The status of a delete: 204 (default, no body) or 200 (the deleted row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_status: Option<u16>,
}

/// An HTTP method of an extension operation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
    Trace,
}

impl HttpMethod {
    /// Lower case, as axum's routing functions and OpenAPI's path items name it.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "get",
            HttpMethod::Post => "post",
            HttpMethod::Put => "put",
            HttpMethod::Patch => "patch",
            HttpMethod::Delete => "delete",
            HttpMethod::Head => "head",
            HttpMethod::Options => "options",
            HttpMethod::Trace => "trace",
        }
    }

    /// Upper case, as on the wire.
    pub fn upper(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Head => "HEAD",
            HttpMethod::Options => "OPTIONS",
            HttpMethod::Trace => "TRACE",
        }
    }

    pub fn parse(method: &str) -> Option<HttpMethod> {
        Some(match method.to_ascii_lowercase().as_str() {
            "get" => HttpMethod::Get,
            "post" => HttpMethod::Post,
            "put" => HttpMethod::Put,
            "patch" => HttpMethod::Patch,
            "delete" => HttpMethod::Delete,
            "head" => HttpMethod::Head,
            "options" => HttpMethod::Options,
            "trace" => HttpMethod::Trace,
            _ => return None,
        })
    }

    /// Whether requests of this method usually carry a body.
    pub fn takes_body(self) -> bool {
        matches!(self, HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch)
    }
}

/// The type of a path parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    /// A whole number (`i64`).
    Integer,
    /// Any text (`String`).
    #[default]
    String,
}

/// A path parameter of an extension operation, in the order of the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathParam {
    /// As in the path template, e.g. `slug` for `{slug}`.
    pub name: String,
    #[serde(rename = "type", default)]
    pub ty: ParamType,
}

/// A documented operation that is not one of an entity's CRUD operations (an action, a login,
/// a feed, a search…): served at its own method and path by a handler in
/// `src/extensions/<name>.rs`, which the generated service creates once, answering `501`
/// until implemented, and regeneration never overwrites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    /// snake_case handler and file name, e.g. `favorite_article`.
    pub name: String,
    pub method: HttpMethod,
    /// The route template, e.g. `/articles/{slug}/favorite`.
    pub path: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// Its path parameters (default: every `{param}` of the path, as text).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<PathParam>,
    /// Whether it needs the service's credentials (the auth mode's).
    #[serde(default)]
    pub protected: bool,
    /// Why it is not an entity operation (for the report).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// A segment of a route template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    Literal(&'a str),
    Param(&'a str),
    /// A parameter with literal text around it in its segment, e.g. `{api}.json`: routed as
    /// the whole segment, the handler checks and strips the text.
    Affixed {
        prefix: &'a str,
        name: &'a str,
        suffix: &'a str,
    },
}

impl Segment<'_> {
    /// The parameter's name, if the segment holds one.
    pub fn param(&self) -> Option<&str> {
        match self {
            Segment::Literal(_) => None,
            Segment::Param(name) | Segment::Affixed { name, .. } => Some(name),
        }
    }
}

fn is_literal(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
}

/// Splits a route template into its segments, or says what is wrong with it.
pub fn segments(path: &str) -> Result<Vec<Segment<'_>>, String> {
    if !path.starts_with('/') {
        return Err("must start with /".to_owned());
    }
    if path.len() > 512 {
        return Err("must be at most 512 characters".to_owned());
    }
    if path == "/" {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for segment in path[1..].split('/') {
        if segment.is_empty() {
            return Err("must not have empty segments (// or a trailing /)".to_owned());
        }
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if !is_param_name(name) {
                return Err(format!("parameter {{{name}}} must be a name of ASCII letters, digits and _ starting with a letter"));
            }
            out.push(Segment::Param(name));
        } else if segment == "." || segment == ".." {
            return Err("must not have . or .. segments".to_owned());
        } else if let Some((prefix, rest)) = segment.split_once('{') {
            let Some((name, suffix)) = rest.split_once('}') else {
                return Err(format!(
                    "segment {segment:?} opens a parameter it does not close"
                ));
            };
            if !is_param_name(name) || !is_literal(prefix) || !is_literal(suffix) {
                return Err(format!("segment {segment:?} may hold one parameter {{name}} with ASCII letters, digits and - . _ ~ around it"));
            }
            out.push(Segment::Affixed {
                prefix,
                name,
                suffix,
            });
        } else if !is_literal(segment) {
            return Err(format!(
                "segment {segment:?} may hold only ASCII letters, digits and - . _ ~"
            ));
        } else {
            out.push(Segment::Literal(segment));
        }
    }
    Ok(out)
}

fn is_param_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The parameter names of a route template, in order.
pub fn param_names(path: &str) -> Vec<&str> {
    segments(path)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| match s {
            Segment::Param(name) | Segment::Affixed { name, .. } => Some(name),
            Segment::Literal(_) => None,
        })
        .collect()
}

/// The template a router registers: affixed parameters take their whole segment
/// (`/specs/{api}.json` → `/specs/{api}`).
pub fn router_path(path: &str) -> String {
    match segments(path) {
        Ok(segments) if !segments.is_empty() => segments
            .iter()
            .map(|s| match s {
                Segment::Literal(l) => format!("/{l}"),
                Segment::Param(name) | Segment::Affixed { name, .. } => format!("/{{{name}}}"),
            })
            .collect(),
        _ => path.to_owned(),
    }
}

/// The shape of a route for matching: parameters erased, so `/a/{x}` and `/a/{y}` are the
/// same route.
pub fn route_key(path: &str) -> String {
    match segments(path) {
        Ok(segments) if !segments.is_empty() => segments
            .iter()
            .map(|s| match s {
                Segment::Literal(l) => format!("/{l}"),
                Segment::Param(_) | Segment::Affixed { .. } => "/{}".to_owned(),
            })
            .collect(),
        _ => path.to_owned(),
    }
}

/// Whether a name can be a query parameter of a generated list: 1-64 ASCII letters, digits,
/// `_ . -`, starting with a letter.
pub fn is_query_name(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

/// Whether a name can be a body key of a generated service (`json_name`): 1-64 ASCII letters,
/// digits, `_ $ -`, starting with a letter, `_` or `$`.
pub fn is_json_key(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_$-".contains(c))
}

/// The routes every generated service serves itself, whatever the spec says.
pub const BUILT_IN_ROUTES: [&str; 4] = ["/health", "/ready", "/metrics", "/openapi.json"];
/// The routes a `jwt` service serves for its identity.
pub const IDENTITY_ROUTES: [&str; 3] = ["/auth/register", "/auth/login", "/auth/me"];

/// Every problem with the routes of a spec: malformed templates, extension names, and two
/// operations (or an operation and a route of the service's own) at one method and route.
/// `(path in the spec, message)` pairs.
pub(crate) fn check(spec: &crate::Spec) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let mut served: Vec<(HttpMethod, String, String)> = Vec::new();
    for route in BUILT_IN_ROUTES {
        served.push((
            HttpMethod::Get,
            route_key(route),
            format!("the built-in {route}"),
        ));
    }
    if spec.auth.mode == crate::AuthMode::Jwt {
        for route in IDENTITY_ROUTES {
            for method in [HttpMethod::Get, HttpMethod::Post] {
                served.push((
                    method,
                    route_key(route),
                    format!("the identity route {route}"),
                ));
            }
        }
    }
    let mut claim = |errors: &mut Vec<(String, String)>,
                     at: String,
                     method: HttpMethod,
                     route: &str,
                     what: String| {
        let key = route_key(route);
        if let Some((_, _, other)) = served.iter().find(|(m, k, _)| *m == method && *k == key) {
            errors.push((at, format!("{} {route} is already {other}", method.upper())));
        } else {
            served.push((method, key, what));
        }
    };
    for (i, entity) in spec.entities.iter().enumerate() {
        let at = format!("entities[{i}].routes");
        if let Some(routes) = &entity.routes {
            if let Some(collection) = &routes.collection {
                match segments(collection) {
                    Err(why) => errors.push((format!("{at}.collection"), format!("{collection:?} {why}"))),
                    Ok(s) if s.iter().any(|s| matches!(s, Segment::Param(_))) => errors.push((
                        format!("{at}.collection"),
                        format!("{collection:?} must have no parameters: nested collections are extensions"),
                    )),
                    Ok(_) => {}
                }
            }
            if let Some(item) = &routes.item {
                match segments(item) {
                    Err(why) => errors.push((format!("{at}.item"), format!("{item:?} {why}"))),
                    Ok(s) => {
                        let params = s.iter().filter(|s| matches!(s, Segment::Param(_))).count();
                        if params != 1 || !matches!(s.last(), Some(Segment::Param(_))) {
                            errors.push((
                                format!("{at}.item"),
                                format!(
                                    "{item:?} must end in its one parameter, e.g. /pets/{{petId}}"
                                ),
                            ));
                        }
                    }
                }
            }
            if routes.create_status.is_some_and(|s| s != 200 && s != 201) {
                errors.push((
                    format!("{at}.create_status"),
                    "must be 200 or 201".to_owned(),
                ));
            }
            if routes.delete_status.is_some_and(|s| s != 200 && s != 204) {
                errors.push((
                    format!("{at}.delete_status"),
                    "must be 200 or 204".to_owned(),
                ));
            }
            for (j, method) in routes.update_methods.iter().enumerate() {
                if !matches!(method, HttpMethod::Put | HttpMethod::Patch)
                    || routes.update_methods[..j].contains(method)
                {
                    errors.push((
                        format!("{at}.update_methods[{j}]"),
                        format!(
                            "{} cannot update: list put, patch or both, once each",
                            method.as_str()
                        ),
                    ));
                }
            }
        }
        for (method, route) in entity.served_routes() {
            if segments(&route).is_ok() {
                claim(
                    &mut errors,
                    at.clone(),
                    method,
                    &route,
                    format!("served by {}", entity.name),
                );
            }
        }
    }
    let mut names = std::collections::HashSet::new();
    for (i, extension) in spec.extensions.iter().enumerate() {
        let at = format!("extensions[{i}]");
        let name = &extension.name;
        let name_ok = name.len() <= 64
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !crate::naming::RUST_KEYWORDS.contains(&name.as_str())
            && !["mod", "prelude"].contains(&name.as_str());
        if !name_ok {
            errors.push((format!("{at}.name"), format!("{name:?} cannot name a handler; use 1-64 lower-case letters, digits and _, starting with a letter, not a Rust keyword")));
        } else if !names.insert(name.clone()) {
            errors.push((format!("{at}.name"), format!("{name:?} is used twice")));
        }
        if let Err(why) = segments(&extension.path) {
            errors.push((format!("{at}.path"), format!("{:?} {why}", extension.path)));
            continue;
        }
        let in_path = param_names(&extension.path);
        let listed: Vec<&str> = extension.params.iter().map(|p| p.name.as_str()).collect();
        if !listed.is_empty() && listed != in_path {
            errors.push((
                format!("{at}.params"),
                format!(
                    "must name the path's parameters in order: {}",
                    in_path.join(", ")
                ),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = in_path.iter().find(|p| !seen.insert(**p)) {
            errors.push((
                format!("{at}.path"),
                format!("parameter {{{dup}}} appears twice"),
            ));
        }
        if extension.protected && spec.auth.mode == crate::AuthMode::None {
            errors.push((
                format!("{at}.protected"),
                "needs an auth mode (api_key or jwt) to protect it".to_owned(),
            ));
        }
        claim(
            &mut errors,
            format!("{at}.path"),
            extension.method,
            &extension.path,
            format!("the extension {name}"),
        );
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_literals_and_parameters() {
        assert_eq!(
            segments("/articles/{slug}/comments").unwrap(),
            vec![
                Segment::Literal("articles"),
                Segment::Param("slug"),
                Segment::Literal("comments")
            ]
        );
        assert_eq!(route_key("/a/{x}/b"), route_key("/a/{y}/b"));
        assert_eq!(param_names("/u/{id}/p/{petId}"), vec!["id", "petId"]);
    }

    #[test]
    fn malformed_templates_are_refused_with_what_to_fix() {
        assert_eq!(
            segments("/specs/v{api}.json").unwrap(),
            vec![
                Segment::Literal("specs"),
                Segment::Affixed {
                    prefix: "v",
                    name: "api",
                    suffix: ".json"
                }
            ]
        );
        assert_eq!(router_path("/specs/{p}/{api}.json"), "/specs/{p}/{api}");
        assert_eq!(route_key("/{a}.json"), route_key("/{b}"));
        for bad in [
            "/pets/{a}{b}",
            "/pets/{a}.j son",
            "pets",
            "/pets/",
            "//pets",
            "/pets/{}",
            "/pets/{a-b}",
            "/pets/..",
            "/pets/a b",
            "/pets/{id",
            "/pe\nts",
        ] {
            assert!(segments(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
