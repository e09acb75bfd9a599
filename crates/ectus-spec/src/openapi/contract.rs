//! The document's own routes: the base path of its first server, the paths each entity is
//! served at, and every documented operation that is not an entity operation turned into an
//! [`Extension`] served at its documented method and path — so that every operation of the
//! document exists in the generated service.

use crate::contract::{self, Extension, HttpMethod, ParamType, PathParam, Routes, Segment};

use super::*;

/// A documented operation that did not become an entity operation, and why.
pub(crate) struct Unserved<'a> {
    pub(crate) subject: String,
    pub(crate) op: &'a Value,
    pub(crate) why: String,
}

impl<'a> Importer<'a> {
    /// The path part of the first server's URL (`https://api.example.com/v1` → `/v1`), with
    /// its variables at their defaults; empty when there is none or it cannot be routed.
    pub(super) fn base_path(&mut self) -> String {
        let Some(server) = self
            .root
            .get("servers")
            .and_then(Value::as_sequence)
            .and_then(|s| s.first())
        else {
            return String::new();
        };
        let url = text_of(server, "url").unwrap_or_default();
        let mut expanded = url.clone();
        for (name, variable) in entries(server.get("variables")) {
            let default = variable
                .get("default")
                .and_then(scalar_text)
                .unwrap_or_default();
            expanded = expanded.replace(&format!("{{{name}}}"), &default);
        }
        let after_host = match expanded.split_once("://") {
            Some((_, rest)) => rest.find('/').map(|i| &rest[i..]).unwrap_or(""),
            None => expanded.as_str(),
        };
        let path = after_host
            .split(['?', '#'])
            .next()
            .unwrap_or("")
            .trim_end_matches('/');
        if path.is_empty() {
            return String::new();
        }
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        match contract::segments(&path) {
            Ok(segments) if segments.iter().all(|s| matches!(s, Segment::Literal(_))) => {
                self.note(
                    "servers",
                    format!(
                        "every path is served under {path}, the path of the first server ({url})"
                    ),
                );
                path
            }
            _ => {
                self.note(
                    "servers",
                    format!(
                        "cannot honour the path of server {url:?}: paths are served at the root"
                    ),
                );
                String::new()
            }
        }
    }

    /// The route a documented path is served at: under the base path, parameter names made
    /// identifiers; or why it cannot be routed.
    pub(super) fn route_of(&self, path: &str) -> Result<String, String> {
        let mut route = self.base_path.clone();
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            route.push('/');
            let param = segment
                .split_once('{')
                .and_then(|(prefix, rest)| {
                    rest.split_once('}')
                        .map(|(name, suffix)| (prefix, name, suffix))
                })
                .filter(|(_, name, suffix)| !name.contains('{') && !suffix.contains(['{', '}']));
            match param {
                Some((prefix, name, suffix)) => {
                    route.push_str(prefix);
                    route.push('{');
                    route.push_str(&param_identifier(name));
                    route.push('}');
                    route.push_str(suffix);
                }
                None if segment.contains(['{', '}']) => {
                    return Err(format!(
                        "its segment {segment:?} holds more than one parameter, which no route can match"
                    ))
                }
                None => route.push_str(segment),
            }
        }
        if route.is_empty() {
            route.push('/');
        }
        contract::segments(&route)
            .map(|_| route.clone())
            .map_err(|why| format!("its path {why}"))
    }

    /// The documented operations that are not entity operations, as extensions. One that
    /// cannot be routed or would shadow a route of the service's own stays not understood.
    pub(super) fn extensions(
        &mut self,
        protected: &BTreeSet<String>,
        auth: AuthMode,
    ) -> Vec<Extension> {
        let unserved = std::mem::take(&mut self.unserved);
        let mut extensions: Vec<Extension> = Vec::new();
        for Unserved { subject, op, why } in unserved {
            let Some((method, path)) = subject.split_once(' ') else {
                continue;
            };
            let Some(method) = HttpMethod::parse(method) else {
                continue;
            };
            let route = match self.route_of(path) {
                Ok(route) => route,
                Err(unroutable) => {
                    self.not_served(&subject, format!("{why}; and {unroutable}"));
                    continue;
                }
            };
            if let Some(own) = shadowed(method, &route, auth) {
                self.not_served(
                    &subject,
                    format!("{why}; and {own} is a route of the generated service itself"),
                );
                continue;
            }
            let key = contract::route_key(&route);
            if let Some(other) = extensions
                .iter()
                .find(|e| e.method == method && contract::route_key(&e.path) == key)
            {
                let other = format!("{} {}", other.method.upper(), other.path);
                self.not_served(
                    &subject,
                    format!("{why}; and a router cannot tell it from {other}"),
                );
                continue;
            }
            let name = unique_name(&extensions, &handler_name(op, method, path));
            let params = self.path_params(path, op, &route);
            let summary = text_of(op, "summary")
                .or_else(|| text_of(op, "description"))
                .map(|s| first_line(&s, 200))
                .unwrap_or_default();
            self.contract.to_implement.push(crate::coverage::Passage {
                text: subject.clone(),
                span: None,
                reason: format!("answers 501 until src/extensions/{name}.rs implements it ({why})"),
            });
            extensions.push(Extension {
                name,
                method,
                path: route,
                summary,
                params,
                protected: auth != AuthMode::None && protected.contains(&subject),
                reason: why,
            });
        }
        extensions
    }

    /// The parameters of a route, typed by the document's path parameters.
    fn path_params(&mut self, path: &str, op: &'a Value, route: &str) -> Vec<PathParam> {
        let item = self.root.get("paths").and_then(|p| child(p, path));
        let declared: BTreeMap<String, ParamType> = self
            .path_param_types(path, item, op)
            .into_iter()
            .map(|(name, ty)| {
                let ty = match ty.as_deref() {
                    Some("integer") => ParamType::Integer,
                    _ => ParamType::String,
                };
                (param_identifier(&name), ty)
            })
            .collect();
        contract::param_names(route)
            .into_iter()
            .map(|name| PathParam {
                name: name.to_owned(),
                ty: declared.get(name).copied().unwrap_or_default(),
            })
            .collect()
    }

    /// The path parameters the path item and the operation declare: name → schema `type`.
    pub(super) fn path_param_types(
        &mut self,
        subject: &str,
        item: Option<&'a Value>,
        op: &'a Value,
    ) -> BTreeMap<String, Option<String>> {
        let mut declared = BTreeMap::new();
        for list in [item.and_then(|i| i.get("parameters")), op.get("parameters")] {
            for param in list.and_then(Value::as_sequence).into_iter().flatten() {
                let param = self.resolve(subject, param);
                if text_of(param, "in").as_deref() != Some("path") {
                    continue;
                }
                let schema = param.get("schema").map(|s| self.resolve(subject, s));
                let ty = schema.and_then(|s| text_of(s, "type"));
                declared.insert(text_of(param, "name").unwrap_or_default(), ty);
            }
        }
        declared
    }

    /// A documented operation the generated service does not serve at all.
    pub(super) fn not_served(&mut self, subject: &str, why: String) {
        self.note(subject, format!("cannot honour this operation: {why}"));
        self.contract.not_understood.push(crate::coverage::Passage {
            text: subject.to_owned(),
            span: None,
            reason: why,
        });
    }

    /// The entity routes of a draft: its documented collection and item paths.
    pub(super) fn routes_of(&self, collection: Option<&str>, item: Option<&str>) -> Option<Routes> {
        let routes = Routes {
            collection: collection.and_then(|p| self.route_of(p).ok()),
            item: item.and_then(|p| self.route_of(p).ok()),
            update_methods: Vec::new(),
            create_status: None,
            delete_status: None,
        };
        (routes.collection.is_some() || routes.item.is_some()).then_some(routes)
    }
}

impl Importer<'_> {
    /// One parameter name per place across every route, and no documented route taken by
    /// an entity operation the document does not have (an entity with no path of its own).
    pub(super) fn settle_routes(&mut self, entities: &mut [Entity], extensions: &mut [Extension]) {
        let mut routes: Vec<&mut String> = Vec::new();
        for entity in entities.iter_mut() {
            if let Some(r) = entity.routes.as_mut() {
                routes.extend(r.item.as_mut());
            }
        }
        routes.extend(extensions.iter_mut().map(|e| &mut e.path));
        for (old, new) in unify_param_names(&mut routes) {
            self.note(
                old.clone(),
                format!("served as {new}: a router needs one parameter name per place, and another path names it so"),
            );
        }
        for extension in extensions.iter_mut() {
            let names = contract::param_names(&extension.path);
            for (param, name) in extension.params.iter_mut().zip(names) {
                param.name = name.to_owned();
            }
        }
        let taken: BTreeSet<(HttpMethod, String)> = extensions
            .iter()
            .map(|e| (e.method, contract::route_key(&e.path)))
            .collect();
        for entity in entities.iter_mut() {
            let clashes: Vec<Operation> = entity
                .operations
                .iter()
                .copied()
                .filter(|op| {
                    entity
                        .routes_of(*op)
                        .iter()
                        .any(|(m, r)| taken.contains(&(*m, contract::route_key(r))))
                })
                .collect();
            for op in clashes {
                entity.operations.retain(|o| *o != op);
                self.note(
                    entity.name.clone(),
                    format!(
                        "no {} operation: its route is a documented operation of its own",
                        op.as_str()
                    ),
                );
            }
        }
    }
}

/// Gives the same parameter at the same place of every route one name (the first route's), as
/// a router needs: `/articles/{slug}` and `/articles/{id}/comments` → both `{slug}`. Returns
/// the renames as (old route, new route).
pub(super) fn unify_param_names(routes: &mut [&mut String]) -> Vec<(String, String)> {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut renamed = Vec::new();
    for route in routes.iter_mut() {
        let Ok(segments) = contract::segments(route) else {
            continue;
        };
        let mut prefix = String::new();
        let mut out = String::new();
        let mut used: Vec<String> = Vec::new();
        for segment in segments {
            match segment {
                Segment::Literal(l) => {
                    prefix.push('/');
                    prefix.push_str(l);
                    out.push('/');
                    out.push_str(l);
                }
                Segment::Param(p) => {
                    prefix.push_str("/{}");
                    let name = place_name(&mut names, &prefix, p, &used);
                    out.push_str(&format!("/{{{name}}}"));
                    used.push(name);
                }
                Segment::Affixed {
                    prefix: before,
                    name: p,
                    suffix,
                } => {
                    prefix.push_str("/{}");
                    let name = place_name(&mut names, &prefix, p, &used);
                    out.push_str(&format!("/{before}{{{name}}}{suffix}"));
                    used.push(name);
                }
            }
        }
        if out.is_empty() {
            out.push('/');
        }
        if **route != out {
            renamed.push((route.clone(), out.clone()));
            **route = out;
        }
    }
    renamed
}

/// The name of the parameter at `place`: the one given there first, else `wanted` — made
/// distinct from the route's earlier parameters.
fn place_name(
    names: &mut BTreeMap<String, String>,
    place: &str,
    wanted: &str,
    used: &[String],
) -> String {
    if let Some(name) = names.get(place) {
        return name.clone();
    }
    let mut name = wanted.to_owned();
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{wanted}_{n}");
        n += 1;
    }
    names.insert(place.to_owned(), name.clone());
    name
}

/// The route of the service's own that `method route` would shadow, if any.
fn shadowed(method: HttpMethod, route: &str, auth: AuthMode) -> Option<&'static str> {
    let key = contract::route_key(route);
    if matches!(method, HttpMethod::Get | HttpMethod::Head) {
        if let Some(own) = contract::BUILT_IN_ROUTES.iter().find(|r| **r == key) {
            return Some(own);
        }
    }
    if auth == AuthMode::Jwt {
        return contract::IDENTITY_ROUTES
            .iter()
            .find(|r| **r == key)
            .copied();
    }
    None
}

/// A path parameter's name as an identifier: `pet-id` → `pet_id`.
fn param_identifier(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let cleaned = cleaned.trim_matches('_').to_owned();
    match cleaned.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => cleaned.chars().take(64).collect(),
        Some(_) => format!("p_{cleaned}").chars().take(64).collect(),
        None => "param".to_owned(),
    }
}

/// The handler name of an operation: its `operationId` in snake_case, else its method and the
/// literal segments of its path.
fn handler_name(op: &Value, method: HttpMethod, path: &str) -> String {
    let from_id = text_of(op, "operationId")
        .map(|id| clean_identifier(&id))
        .unwrap_or_default();
    let mut name = if from_id.is_empty() {
        let mut parts = vec![method.as_str().to_owned()];
        parts.extend(
            path.split('/')
                .filter(|s| !s.is_empty())
                .map(|s| clean_identifier(s.trim_matches(['{', '}'])))
                .filter(|s| !s.is_empty()),
        );
        parts.join("_")
    } else {
        from_id
    };
    if name.starts_with(|c: char| !c.is_ascii_alphabetic()) {
        name = format!("op_{name}");
    }
    name = name
        .chars()
        .take(60)
        .collect::<String>()
        .trim_end_matches('_')
        .to_owned();
    if RUST_KEYWORDS.contains(&name.as_str()) || name == "mod" || name == "prelude" {
        name = format!("{name}_op");
    }
    name
}

fn unique_name(taken: &[Extension], wanted: &str) -> String {
    let mut name = wanted.to_owned();
    let mut n = 2;
    while taken.iter().any(|e| e.name == name) {
        name = format!("{wanted}_{n}");
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_parameter_place_gets_one_name_in_every_route() {
        let mut a = "/articles/{slug}".to_owned();
        let mut b = "/articles/{id}/comments/{commentId}".to_owned();
        let mut c = "/articles/feed".to_owned();
        let renamed = unify_param_names(&mut [&mut a, &mut b, &mut c]);
        assert_eq!(b, "/articles/{slug}/comments/{commentId}");
        assert_eq!(c, "/articles/feed");
        assert_eq!(renamed.len(), 1);
    }

    #[test]
    fn parameter_names_become_identifiers() {
        assert_eq!(param_identifier("pet-id"), "pet_id");
        assert_eq!(param_identifier("2fa"), "p_2fa");
        assert_eq!(param_identifier("--"), "param");
    }
}
