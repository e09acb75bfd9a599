//! Request extractors whose rejections are problem documents naming the offending field.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::problem::{ApiError, FieldError};

/// JSON body; unknown fields, wrong types, malformed JSON, a missing content type and an
/// oversized body each get their own problem.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(unsupported_media_type());
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => payload_too_large(),
                status => ApiError::new(status, "bad-request", rejection.body_text()),
            })?;
        if let Some(field) = nul_field(&bytes) {
            return Err(ApiError::field(&field, NUL_MESSAGE));
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

const NUL_MESSAGE: &str = "must not contain NUL characters (\\u0000)";

/// `application/json` or any `+json` type, as axum's own JSON extractor accepts.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn unsupported_media_type() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
        "send the body as JSON with `Content-Type: application/json`",
    )
}

fn payload_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        "the request body exceeds the configured limit (server.body_limit_bytes)",
    )
}

/// The path of the first string (or key) of a JSON body holding a NUL character, which no
/// text column stores alike on both backends. JSON can only carry NUL escaped, so bodies
/// without `\u0000` are not looked into.
fn nul_field(body: &[u8]) -> Option<String> {
    let escaped = body
        .windows(6)
        .any(|w| w[..2] == *b"\\u" && w[2..].iter().all(|b| *b == b'0'));
    if !escaped {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    fn find(value: &serde_json::Value, path: &str) -> Option<String> {
        let here = || {
            if path.is_empty() {
                "body".to_owned()
            } else {
                path.to_owned()
            }
        };
        match value {
            serde_json::Value::String(s) if s.contains('\0') => Some(here()),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| find(v, &format!("{}[{i}]", here()))),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if k.contains('\0') {
                    Some(child)
                } else {
                    find(v, &child)
                }
            }),
            _ => None,
        }
    }
    find(&value, "")
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(err) => {
            let mut source = std::error::Error::source(&err);
            let mut path_error = None;
            while let Some(s) = source {
                if let Some(e) = s.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>() {
                    path_error = Some(e);
                    break;
                }
                source = s.source();
            }
            let field_error = path_error.map(|e| {
                let path = e.path().to_string();
                FieldError {
                    field: if path == "." { "body".into() } else { path },
                    message: e.inner().to_string(),
                }
            });
            match field_error {
                Some(fe) => ApiError::validation(vec![fe]),
                None => ApiError::field("body", err.body_text()),
            }
        }
        JsonRejection::JsonSyntaxError(err) => ApiError::bad_request(format!(
            "the body is not valid JSON: {}",
            std::error::Error::source(&err)
                .map(|s| s.to_string())
                .unwrap_or_else(|| err.body_text())
        )),
        JsonRejection::MissingJsonContentType(_) => unsupported_media_type(),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => payload_too_large(),
        other => ApiError::new(other.status(), "bad-request", other.body_text()),
    }
}

/// Query string; unknown parameters and wrong types are rejected with the parameter named.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(name) = parts.uri.query().and_then(nul_parameter) {
            return Err(ApiError::field(&name, NUL_MESSAGE));
        }
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(err)) => Err(ApiError::field(
                "query",
                err.body_text()
                    .replace("Failed to deserialize query string: ", ""),
            )),
            Err(other) => Err(ApiError::bad_request(other.body_text())),
        }
    }
}

/// The name of the first query parameter whose name or value decodes to a NUL character.
fn nul_parameter(query: &str) -> Option<String> {
    if !query.contains("%00") {
        return None;
    }
    form_urlencoded::parse(query.as_bytes()).find_map(|(name, value)| {
        (name.contains('\0') || value.contains('\0'))
            .then(|| name.replace('\0', "\\u0000").chars().take(100).collect())
    })
}

/// A resource id from the path: must be a UUID.
pub struct IdPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::bad_request(e.body_text()))?;
        match uuid::Uuid::parse_str(&raw) {
            Ok(id) => Ok(IdPath(id.hyphenated().to_string())),
            Err(_) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid-id",
                format!("{raw:?} is not a valid id: ids are UUIDs such as 0193c7a2-58e4-7d1c-9a53-0f6c2b8e4d11"),
            )),
        }
    }
}

/// Two resource ids from the path (`/{id}/…/{child_id}`): both must be UUIDs.
pub struct IdsPath(pub String, pub String);

fn parse_id(raw: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(raw)
        .map(|id| id.hyphenated().to_string())
        .map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid-id",
                format!("{raw:?} is not a valid id: ids are UUIDs such as 0193c7a2-58e4-7d1c-9a53-0f6c2b8e4d11"),
            )
        })
}

impl<S: Send + Sync> FromRequestParts<S> for IdsPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path((first, second)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::bad_request(e.body_text()))?;
        Ok(IdsPath(parse_id(&first)?, parse_id(&second)?))
    }
}
