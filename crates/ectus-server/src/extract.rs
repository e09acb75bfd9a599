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
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
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
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "send the body as JSON with `Content-Type: application/json`",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "the request body exceeds the configured limit (server.body_limit_bytes)",
        ),
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
