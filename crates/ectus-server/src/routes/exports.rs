//! Tenant exports over the API (admin keys): start one (an `export` job), read its state, and
//! download the archive once written — streamed chunk by chunk from the database, so any
//! replica serves it. Progress is on the job's event stream (`/api/v1/jobs/{id}/events`).

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use ectus_jobs::export::{ExportPayload, KIND};
use ectus_store::jobs::{Job, JobState};
use ectus_store::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::extract::IdPath;
use crate::middleware::RequestId;
use crate::problem::{ApiError, Problem};
use crate::routes::rfc3339;
use crate::state::AppState;

/// The written archive.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExportArchive {
    pub bytes: u64,
    pub sha256: String,
    /// Where to download it.
    pub url: String,
}

/// An export as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExportView {
    /// The export job's id.
    pub id: String,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    #[schema(value_type = String)]
    pub state: JobState,
    /// 0–100.
    pub percent: u8,
    pub message: Option<String>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// The job's progress as Server-Sent Events.
    pub events_url: String,
    /// Present once the export succeeded, until the retention policy removes it.
    pub archive: Option<ExportArchive>,
    /// The retention policy (`retention.exports`) removed the archive; the summary stays.
    pub archive_expired: bool,
    /// Row counts per table and the audit head written into the manifest, once done.
    pub summary: Option<serde_json::Value>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

impl From<Job> for ExportView {
    fn from(job: Job) -> Self {
        let archive = (job.state == JobState::Succeeded)
            .then_some(job.result.as_ref())
            .flatten()
            .and_then(|r| {
                Some(ExportArchive {
                    bytes: r["bytes"].as_u64()?,
                    sha256: r["sha256"].as_str()?.to_owned(),
                    url: format!("/api/v1/exports/{}/archive", job.id),
                })
            });
        ExportView {
            events_url: format!("/api/v1/jobs/{}/events", job.id),
            archive,
            archive_expired: false,
            summary: job.result.filter(|_| job.state == JobState::Succeeded),
            state: job.state,
            percent: job.progress_percent,
            message: job.progress_message,
            error: job.error,
            created_at: rfc3339(job.created_at),
            finished_at: job.finished_at.map(rfc3339),
            id: job.id,
        }
    }
}

/// The export as it stands: a succeeded export whose chunks are gone had its archive removed.
async fn view_of(state: &AppState, auth: &Auth, job: Job) -> Result<ExportView, ApiError> {
    let mut view = ExportView::from(job);
    if view.archive.is_some()
        && state
            .store
            .export_chunk_count(auth.tenant(), &view.id)
            .await?
            == 0
    {
        view.archive = None;
        view.archive_expired = true;
    }
    Ok(view)
}

/// The tenant's export job `id`; any other job is not an export (404).
async fn export_job(state: &AppState, auth: &Auth, id: &str) -> Result<Job, ApiError> {
    match state.store.get_job(auth.tenant(), id).await {
        Ok(job) if job.kind == KIND => Ok(job),
        Ok(_) | Err(StoreError::NotFound(_)) => Err(ApiError::not_found("export")),
        Err(other) => Err(other.into()),
    }
}

/// Export everything of the caller's tenant into an archive (admin keys). Answers at once
/// with the export job; follow its events, then download the archive.
#[utoipa::path(post, path = "/api/v1/exports", tag = "exports",
    security(("bearer" = [])),
    responses(
        (status = 202, body = ExportView, description = "Queued; `Location` points at the export"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "An export of the tenant is already queued or running"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
) -> Result<Response, ApiError> {
    auth.require_admin()?;
    if let Some(running) = state.store.active_export(auth.tenant()).await? {
        return Err(ApiError::conflict(format!(
            "export {running} of this tenant is still queued or running; wait for it (GET /api/v1/exports/{running})"
        )));
    }
    let payload = ExportPayload {
        requested_by: auth.0.key_prefix.clone(),
        request_id: request_id.map(|Extension(r)| r.0),
    };
    let job = match state
        .store
        .enqueue_job_traced(
            auth.tenant(),
            &payload.into_job(),
            crate::middleware::current_traceparent().as_deref(),
        )
        .await
    {
        Ok(job) => job,
        // Another replica queued one meanwhile (one active export per tenant, by index).
        Err(StoreError::Database(error))
            if error
                .as_database_error()
                .is_some_and(|db| db.is_unique_violation()) =>
        {
            return Err(ApiError::conflict(
                "an export of this tenant is already queued or running",
            ))
        }
        Err(other) => return Err(other.into()),
    };
    let location = format!("/api/v1/exports/{}", job.id);
    let mut response = (StatusCode::ACCEPTED, Json(ExportView::from(job))).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// An export's state, and its archive once written (admin keys).
#[utoipa::path(get, path = "/api/v1/exports/{id}", tag = "exports",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Export id (UUID)")),
    responses(
        (status = 200, body = ExportView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<ExportView>, ApiError> {
    auth.require_admin()?;
    let job = export_job(&state, &auth, &id).await?;
    Ok(Json(view_of(&state, &auth, job).await?))
}

/// Download the archive of a finished export (admin keys): tar + gzip, streamed.
#[utoipa::path(get, path = "/api/v1/exports/{id}/archive", tag = "exports",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Export id (UUID)")),
    responses(
        (status = 200, content_type = "application/gzip", description = "The tenant archive"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Not written (yet)"),
        (status = 410, body = Problem, content_type = "application/problem+json", description = "Removed by the retention policy"),
    ))]
pub async fn archive(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    auth.require_admin()?;
    let job = export_job(&state, &auth, &id).await?;
    let view = view_of(&state, &auth, job).await?;
    if view.archive_expired {
        return Err(ApiError::new(
            StatusCode::GONE,
            "export-expired",
            "the archive was removed by the retention policy (retention.exports); its summary remains: export again to get the data",
        ));
    }
    let Some(archive) = view.archive else {
        return Err(ApiError::conflict(format!(
            "the export is {}; its archive is not written",
            view.state.as_str()
        )));
    };
    let chunks = state.store.export_chunk_count(auth.tenant(), &id).await?;
    let (store, tenant) = (state.store.clone(), auth.tenant().to_owned());
    let stream = futures::stream::try_unfold(0u64, move |seq| {
        let (store, tenant, id) = (store.clone(), tenant.clone(), id.clone());
        async move {
            if seq >= chunks {
                return Ok::<_, StoreError>(None);
            }
            let chunk = store.export_chunk(&tenant, &id, seq).await?;
            Ok(Some((axum::body::Bytes::from(chunk), seq + 1)))
        }
    });
    let disposition = format!("attachment; filename=\"ectus-export-{}.tar.gz\"", view.id);
    Ok((
        [
            (header::CONTENT_TYPE, "application/gzip".to_owned()),
            (header::CONTENT_LENGTH, archive.bytes.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::HeaderName::from_static("x-checksum-sha256"),
                archive.sha256,
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
