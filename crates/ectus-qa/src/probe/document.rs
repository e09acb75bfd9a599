//! The operations of the service under probe, read from its own `/openapi.json`: method, path
//! template, whether it requires credentials, its query parameters and whether it takes a
//! JSON body.

use super::service::Service;

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: String,
    pub path: String,
    pub secured: bool,
    pub query: Vec<String>,
    pub has_body: bool,
    /// Its body has a schema that names its fields (an extension operation's takes any JSON,
    /// so no field is unknown to it).
    pub typed_body: bool,
    /// The server errors it documents (an extension operation's `501` until implemented).
    pub documented_errors: Vec<u16>,
}

impl Operation {
    /// `METHOD /path`, as attempts name operations.
    pub fn name(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Reads the operations of the running service's document.
pub async fn operations(service: &Service) -> Result<Vec<Operation>, String> {
    let document: serde_json::Value = service
        .client
        .get(service.url("/openapi.json"))
        .send()
        .await
        .map_err(|e| format!("cannot read the service's /openapi.json: {e}"))?
        .json()
        .await
        .map_err(|e| format!("the service's /openapi.json is not JSON: {e}"))?;
    let global = document
        .get("security")
        .and_then(|s| s.as_array())
        .is_some_and(|s| !s.is_empty());
    let paths = document["paths"]
        .as_object()
        .ok_or("the service's /openapi.json has no paths")?;
    let mut operations = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let secured = match op.get("security").and_then(|s| s.as_array()) {
                Some(requirements) => {
                    !requirements.is_empty()
                        && requirements
                            .iter()
                            .all(|r| r.as_object().is_some_and(|o| !o.is_empty()))
                }
                None => global,
            };
            let query = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect();
            operations.push(Operation {
                method: method.to_owned(),
                path: path.clone(),
                secured,
                query,
                has_body: op.get("requestBody").is_some(),
                typed_body: op
                    .pointer("/requestBody/content/application~1json/schema")
                    .and_then(|s| s.as_object())
                    .is_some_and(|s| !s.is_empty()),
                documented_errors: op["responses"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(code, _)| code.parse::<u16>().ok())
                    .filter(|code| *code >= 500 && *code != 503)
                    .collect(),
            });
        }
    }
    Ok(operations)
}
