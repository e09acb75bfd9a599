//! What an OpenAPI document promises, read independently of the importer: each documented
//! operation with the request path a client of the document would call — the path of the first
//! server (its variables at their defaults) followed by the operation's path.

/// One documented operation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Documented {
    /// Upper case, e.g. `POST`.
    pub method: String,
    /// As in the document, e.g. `/articles/{slug}/favorite`.
    pub path: String,
    /// The template a client calls, base path included, e.g. `/api/articles/{slug}/favorite`.
    pub route: String,
    /// The document says it needs no credentials (`security: []`, or none declared).
    pub public: bool,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation of a YAML or JSON document, sorted.
pub fn operations(text: &str) -> Vec<Documented> {
    let doc: serde_json::Value = serde_yaml_ng::from_str(text).expect("a YAML or JSON document");
    let base = base_path(&doc);
    let global = doc["security"]
        .as_array()
        .is_some_and(|list| needs_credentials(list));
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let secured = match op.get("security").and_then(|s| s.as_array()) {
                Some(list) => needs_credentials(list),
                None => global,
            };
            let route = match (base.as_str(), path.as_str()) {
                ("", path) => path.to_owned(),
                (base, "/") => base.to_owned(),
                (base, path) => format!("{base}{path}"),
            };
            out.push(Documented {
                method: method.to_uppercase(),
                path: path.clone(),
                route,
                public: !secured,
            });
        }
    }
    out.sort();
    out
}

/// Whether a list of security requirements asks for credentials: it is not empty, and no
/// requirement in it is the empty one (`{}`), which makes them optional.
fn needs_credentials(requirements: &[serde_json::Value]) -> bool {
    !requirements.is_empty()
        && requirements
            .iter()
            .all(|r| r.as_object().is_some_and(|o| !o.is_empty()))
}

/// The path of the document's first server, without a trailing slash (may be empty).
fn base_path(doc: &serde_json::Value) -> String {
    let Some(server) = doc.pointer("/servers/0") else {
        return String::new();
    };
    let mut url = server["url"].as_str().unwrap_or_default().to_owned();
    for (name, variable) in server["variables"].as_object().into_iter().flatten() {
        let default = match &variable["default"] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        url = url.replace(&format!("{{{name}}}"), &default);
    }
    let path = match url.split_once("://") {
        Some((_, rest)) => rest
            .find('/')
            .map(|i| rest[i..].to_owned())
            .unwrap_or_default(),
        None => url,
    };
    let path = path.trim_end_matches('/');
    if path.is_empty() || path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    }
}

/// A request path for a route: `1` for every parameter, text around it kept (`{year}.csv` →
/// `1.csv`).
pub fn sample_path(route: &str) -> String {
    let mut out = String::new();
    for segment in route.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        match segment
            .split_once('{')
            .and_then(|(before, rest)| rest.split_once('}').map(|(_, after)| (before, after)))
        {
            Some((before, after)) => out.push_str(&format!("{before}1{after}")),
            None => out.push_str(segment),
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}
