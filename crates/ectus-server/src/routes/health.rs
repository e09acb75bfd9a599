//! Liveness and readiness probes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::{problem_response, ApiError, Problem};
use crate::state::AppState;

/// Result of a probe.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, `ready`, `read-only` (ready to read and export; writes refused) or `not ready`.
    pub status: String,
    /// Each check by name: `ok` or what failed.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub checks: std::collections::BTreeMap<String, String>,
}

/// The process answers.
#[utoipa::path(get, path = "/health/live", tag = "health", responses((status = 200, body = Health)))]
pub async fn live() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        checks: Default::default(),
    })
}

/// The instance can serve traffic: database reachable and migrated, workers heartbeating.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn ready(State(state): State<AppState>) -> Response {
    let mut checks = std::collections::BTreeMap::new();
    let database = match state.store.ping().await {
        Ok(()) => "ok".to_owned(),
        Err(e) => format!("unreachable: {e}"),
    };
    let migrations = if database == "ok" {
        match state.store.schema_status().await {
            Ok(s) if s.is_current() => "ok".to_owned(),
            Ok(s) => format!(
                "schema at {:?}, this build needs {}: run `ectus migrate`",
                s.applied, s.expected
            ),
            Err(e) => format!("cannot read schema version: {e}"),
        }
    } else {
        "unknown: database unreachable".to_owned()
    };
    checks.insert("database".to_owned(), database);
    checks.insert("migrations".to_owned(), migrations);
    if let Some(workers) = &state.workers {
        let stalled = workers.stalled();
        checks.insert(
            "workers".to_owned(),
            if stalled == 0 {
                "ok".to_owned()
            } else {
                format!(
                    "{stalled} of {} worker loops stopped heartbeating",
                    workers.count()
                )
            },
        );
    }
    // A read-only (decommissioning) instance still serves reads and exports: ready, and says so.
    let read_only = if checks.get("database").is_some_and(|d| d == "ok") {
        state.store.instance_read_only().await.ok().flatten()
    } else {
        None
    };
    checks.insert(
        "writes".to_owned(),
        read_only.as_ref().map_or("ok".to_owned(), |r| {
            format!("read-only since {}: {}", r.since.to_rfc3339(), r.reason)
        }),
    );
    let failing: Vec<String> = checks
        .iter()
        .filter(|(k, v)| v.as_str() != "ok" && k.as_str() != "writes")
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    if failing.is_empty() {
        return (
            StatusCode::OK,
            Json(Health {
                status: if read_only.is_some() {
                    "read-only"
                } else {
                    "ready"
                }
                .into(),
                checks,
            }),
        )
            .into_response();
    }
    let mut problem = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "not-ready",
        format!("not ready: {}", failing.join("; ")),
    )
    .into_problem();
    problem.errors = checks
        .into_iter()
        .filter(|(k, v)| v != "ok" && k != "writes")
        .map(|(field, message)| crate::problem::FieldError { field, message })
        .collect();
    problem_response(problem)
}
