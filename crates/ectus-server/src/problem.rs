//! RFC 9457 problem details: the one error shape of the whole API.
//!
//! Handlers return [`ApiError`]; it renders as `application/problem+json` with a stable
//! `type` URN (listed in docs/api-errors.md), the HTTP status, a human `detail`, and for
//! validation errors one entry per offending field. The request id and path are added by the
//! [`crate::middleware::problem_details`] middleware, which also turns every other error
//! response (unknown route, wrong method, body limits) into the same shape.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ectus_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The most field errors one problem lists; the rest are counted in a last entry, so that a
/// problem stays small enough to read (and to render) whatever the input.
pub const MAX_FIELD_ERRORS: usize = 50;

/// `Retry-After` of a 503 answered while the database is unavailable.
pub const DATABASE_RETRY_AFTER_SECS: u32 = 2;

/// `Retry-After` of a 507 answered while the database's disk is full.
pub const STORAGE_RETRY_AFTER_SECS: u32 = 60;

/// `Retry-After` of a 429 answered to a tenant at its quota of active generations.
pub const GENERATION_RETRY_AFTER_SECS: u32 = 30;

/// The longest message of one field error, in characters.
pub const MAX_FIELD_MESSAGE_CHARS: usize = 2000;

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field, e.g. `name` or `payload.duration_ms`.
    pub field: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// URN identifying the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// An error a handler returns.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Seconds after which a retry may succeed, sent as `Retry-After` (503, 429).
    pub retry_after: Option<u32>,
}

/// At most `max` characters of `text`, marked when cut.
fn clip(text: String, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}… (cut at {max} characters)", &text[..at]),
        None => text,
    }
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            kind,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// The same error, telling the client when to try again.
    pub fn retry_after(mut self, seconds: u32) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }

    /// 503: the server cannot serve this now, but may in `seconds`.
    pub fn unavailable(kind: &'static str, detail: impl Into<String>, seconds: u32) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, kind, detail).retry_after(seconds)
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("{what} not found"),
        )
    }

    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad-request", detail)
    }

    /// 422 with one entry per invalid field: at most [`MAX_FIELD_ERRORS`] of them, each
    /// message at most [`MAX_FIELD_MESSAGE_CHARS`] long, and a last entry counting the rest.
    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        let total = errors.len();
        let mut errors: Vec<FieldError> = errors
            .into_iter()
            .take(MAX_FIELD_ERRORS)
            .map(|e| FieldError {
                field: clip(e.field, 200),
                message: clip(e.message, MAX_FIELD_MESSAGE_CHARS),
            })
            .collect();
        let detail = errors
            .iter()
            .take(5)
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        let detail = match total {
            n if n > 5 => format!(
                "{} (and {} more problems listed in `errors`)",
                clip(detail, MAX_FIELD_MESSAGE_CHARS),
                n - 5
            ),
            _ => clip(detail, MAX_FIELD_MESSAGE_CHARS),
        };
        if total > MAX_FIELD_ERRORS {
            let field = errors.last().map(|e| e.field.clone()).unwrap_or_default();
            errors.push(FieldError {
                field,
                message: format!(
                    "and {} more problems not listed; fix these and send the request again",
                    total - MAX_FIELD_ERRORS
                ),
            });
        }
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            kind: "validation-failed",
            detail,
            errors,
            retry_after: None,
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::validation(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn conflict(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", detail)
    }

    pub fn internal(error: &(dyn std::error::Error + 'static)) -> ApiError {
        tracing::error!(error = %ectus_telemetry::chain(error), "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed to handle the request; the error is logged with this request id",
        )
    }

    pub fn into_problem(self) -> Problem {
        Problem {
            kind: format!("urn:ectus:problem:{}", self.kind),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            instance: None,
            request_id: None,
            errors: self.errors,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => ApiError::not_found(what.as_str()),
            StoreError::Conflict(detail) => ApiError::conflict(detail),
            StoreError::VersionMismatch { current } => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition-failed",
                format!("If-Match does not match the current version (ETag \"{current}\"); fetch the resource and retry"),
            ),
            StoreError::InvalidCursor => ApiError::field(
                "cursor",
                "is not a cursor returned by this list with this sort order",
            ),
            StoreError::QuotaExceeded { active, limit } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-generations",
                format!("the tenant has {active} generations queued or running, the most allowed (generation.max_active_per_tenant = {limit}); wait for one to finish or cancel one"),
            )
            .retry_after(GENERATION_RETRY_AFTER_SECS),
            StoreError::StorageFull(source) => {
                tracing::error!(error = %ectus_telemetry::chain(&source), "the database's storage is full");
                ApiError::new(
                    StatusCode::INSUFFICIENT_STORAGE,
                    "storage-full",
                    "the database's storage is full: nothing was written; reads still work, writes resume once space is freed",
                )
                .retry_after(STORAGE_RETRY_AFTER_SECS)
            }
            StoreError::Unavailable(why, source) => {
                tracing::warn!(error = %ectus_telemetry::chain(&source), reason = %why, "database unavailable");
                ApiError::unavailable(
                    "database-unavailable",
                    format!("the database cannot serve requests right now ({why}); retry shortly"),
                    DATABASE_RETRY_AFTER_SECS,
                )
            }
            other => ApiError::internal(&other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let unauthorized = status == StatusCode::UNAUTHORIZED;
        let retry_after = self.retry_after;
        let mut response = problem_response(self.into_problem());
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if unauthorized {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ectus\""),
            );
        }
        response
    }
}

/// Renders a problem document with the right content type.
pub fn problem_response(problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
        body,
    )
        .into_response()
}
