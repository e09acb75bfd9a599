//! Jobs: enqueue (diagnostic kinds, admin keys only), list, read, cancel, and follow progress
//! as Server-Sent Events.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ectus_jobs::sleep::SleepPayload;
use ectus_store::jobs::{CancelOutcome, Job, JobState, NewJob};
use ectus_store::tenants::Role;
use ectus_store::Store;
use futures::Stream;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Auth;
use crate::extract::{ApiJson, ApiQuery, IdPath};
use crate::problem::{ApiError, FieldError, Problem};
use crate::routes::rfc3339;
use crate::state::AppState;

/// Progress of a running job.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Progress {
    pub phase: Option<String>,
    /// 0–100.
    pub percent: u8,
    pub message: Option<String>,
}

/// A job as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JobView {
    pub id: String,
    pub kind: String,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    #[schema(value_type = String)]
    pub state: JobState,
    pub payload: serde_json::Value,
    pub attempts: i64,
    pub max_attempts: i64,
    pub progress: Progress,
    pub result: Option<serde_json::Value>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    pub cancel_requested: bool,
    /// The worker holding the job while it runs (host and process): shown to admin keys only.
    pub lease_owner: Option<String>,
    /// Changes whenever anything about the job changes.
    pub revision: i64,
    pub created_at: String,
    pub updated_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

impl JobView {
    /// The job as `auth` may see it: which worker runs it is operators' business.
    fn for_caller(job: Job, auth: &Auth) -> JobView {
        JobView::shown(job, auth.0.role == Role::Admin)
    }

    fn shown(job: Job, admin: bool) -> JobView {
        let mut view = JobView::from(job);
        if !admin {
            view.lease_owner = None;
        }
        view
    }
}

/// Whether a member key may cancel jobs of this kind: those a member can start (generations);
/// every other kind is enqueued with admin keys only, and so is cancelled with them.
fn member_may_cancel(kind: &str) -> bool {
    kind == ectus_generate::KIND
}

impl From<Job> for JobView {
    fn from(j: Job) -> Self {
        JobView {
            payload: j.payload,
            result: j.result,
            progress: Progress {
                phase: j.progress_phase,
                percent: j.progress_percent,
                message: j.progress_message,
            },
            cancel_requested: j.cancel_requested_at.is_some(),
            created_at: rfc3339(j.created_at),
            updated_at: rfc3339(j.updated_at),
            started_at: j.started_at.map(rfc3339),
            finished_at: j.finished_at.map(rfc3339),
            id: j.id,
            kind: j.kind,
            state: j.state,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            error: j.error,
            lease_owner: j.lease_owner,
            revision: j.revision,
        }
    }
}

/// Body of `POST /api/v1/jobs`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnqueueJob {
    /// A diagnostic kind: `sleep`.
    pub kind: String,
    /// For `sleep`: `{"duration_ms": 0..3600000, "steps": 1..1000, "fail_attempts": 0..10}`.
    pub payload: serde_json::Value,
    /// 1–20 (default 3).
    pub max_attempts: Option<i64>,
}

/// Query of `GET /api/v1/jobs`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListJobs {
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only jobs in this state.
    pub state: Option<String>,
}

/// A page of jobs, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JobPage {
    pub items: Vec<JobView>,
    pub next_cursor: Option<String>,
}

/// Enqueue a diagnostic job (admin keys only).
#[utoipa::path(post, path = "/api/v1/jobs", tag = "jobs",
    security(("bearer" = [])),
    request_body = EnqueueJob,
    responses(
        (status = 202, body = JobView, description = "Queued; `Location` points at the job"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn enqueue(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<EnqueueJob>,
) -> Result<Response, ApiError> {
    auth.require_admin()?;
    let mut errors = Vec::new();
    match body.kind.as_str() {
        ectus_jobs::sleep::KIND => {
            if let Err((field, message)) = SleepPayload::parse(&body.payload) {
                errors.push(FieldError { field, message });
            }
        }
        other => errors.push(FieldError {
            field: "kind".into(),
            message: format!("{other:?} is not a diagnostic job kind; use: sleep"),
        }),
    }
    let max_attempts = body.max_attempts.unwrap_or(3);
    if !(1..=20).contains(&max_attempts) {
        errors.push(FieldError {
            field: "max_attempts".into(),
            message: "must be between 1 and 20".into(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let job = state
        .store
        .enqueue_job_traced(
            auth.tenant(),
            &NewJob {
                kind: body.kind,
                payload: body.payload,
                max_attempts,
            },
            crate::middleware::current_traceparent().as_deref(),
        )
        .await?;
    let location = format!("/api/v1/jobs/{}", job.id);
    let mut response =
        (StatusCode::ACCEPTED, Json(JobView::for_caller(job, &auth))).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// List the tenant's jobs, newest first.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs",
    security(("bearer" = [])),
    params(ListJobs),
    responses(
        (status = 200, body = JobPage),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<ListJobs>,
) -> Result<Json<JobPage>, ApiError> {
    let mut errors = Vec::new();
    let limit = super::page_limit(query.limit, &mut errors);
    let job_state = match query.state.as_deref() {
        None => None,
        Some(raw) => JobState::parse(raw).or_else(|| {
            errors.push(FieldError {
                field: "state".into(),
                message: format!("{raw:?} is not a job state; use {}", JobState::allowed()),
            });
            None
        }),
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let page = state
        .store
        .list_jobs(auth.tenant(), job_state, limit, query.cursor.as_deref())
        .await?;
    Ok(Json(JobPage {
        items: page
            .items
            .into_iter()
            .map(|job| JobView::for_caller(job, &auth))
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Read one job.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Job id (UUID)")),
    responses(
        (status = 200, body = JobView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<JobView>, ApiError> {
    let job = state.store.get_job(auth.tenant(), &id).await?;
    Ok(Json(JobView::for_caller(job, &auth)))
}

/// Cancel a job: a queued job is cancelled at once, a running one is stopped by its worker
/// within one lease renewal.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/cancel", tag = "jobs",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Job id (UUID)")),
    responses(
        (status = 202, body = JobView, description = "Cancelled, or cancellation requested"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The job already ended"),
    ))]
pub async fn cancel(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    let job = state.store.get_job(auth.tenant(), &id).await?;
    if !member_may_cancel(&job.kind) {
        auth.require_admin().map_err(|_| {
            ApiError::forbidden(format!(
                "{} jobs are started with admin keys, and cancelled with them",
                job.kind
            ))
        })?;
    }
    match state.store.cancel_job(auth.tenant(), &id).await? {
        CancelOutcome::Cancelled(job) | CancelOutcome::Requested(job) => {
            Ok((StatusCode::ACCEPTED, Json(JobView::for_caller(job, &auth))).into_response())
        }
        CancelOutcome::AlreadyFinished(job) => Err(ApiError::conflict(format!(
            "the job already ended ({}); only queued or running jobs can be cancelled",
            job.state
        ))),
    }
}

/// Follow a job: Server-Sent Events, one `job` event (the job as JSON) each time it changes,
/// ending with an `end` event once it succeeded, failed or was cancelled.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/events", tag = "jobs",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Job id (UUID)")),
    responses(
        (status = 200, content_type = "text/event-stream", description = "`job` events, then one `end` event"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn events(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let first = state.store.get_job(auth.tenant(), &id).await?;
    let stream = job_events(
        state.store.clone(),
        auth.tenant().to_owned(),
        auth.0.role == Role::Admin,
        first,
        state.settings.events_poll_interval,
        state.shutdown.clone(),
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Where an event stream is.
enum Watch {
    /// Emit this job's current state.
    Emit(Job),
    /// Wait for the job to change.
    Follow(Job),
    /// Emit the closing `end` event.
    End(Job),
    Closed,
}

fn after_emit(job: Job) -> Watch {
    if job.state.is_terminal() {
        Watch::End(job)
    } else {
        Watch::Follow(job)
    }
}

fn job_events(
    store: Store,
    tenant: String,
    admin: bool,
    first: Job,
    poll: Duration,
    shutdown: tokio_util::sync::CancellationToken,
) -> impl Stream<Item = Result<Event, Infallible>> {
    futures::stream::unfold(Watch::Emit(first), move |watch| {
        let (store, tenant, shutdown) = (store.clone(), tenant.clone(), shutdown.clone());
        async move {
            match watch {
                Watch::Closed => None,
                Watch::Emit(job) => Some((Ok(job_event("job", &job, admin)), after_emit(job))),
                Watch::End(job) => Some((Ok(job_event("end", &job, admin)), Watch::Closed)),
                Watch::Follow(mut last) => loop {
                    tokio::select! {
                        _ = tokio::time::sleep(poll) => {}
                        _ = shutdown.cancelled() => return None,
                    }
                    match store.get_job(&tenant, &last.id).await {
                        Ok(job) if job.revision != last.revision => {
                            return Some((Ok(job_event("job", &job, admin)), after_emit(job)))
                        }
                        Ok(job) => last = job,
                        Err(_) => return None,
                    }
                },
            }
        }
    })
}

fn job_event(name: &str, job: &Job, admin: bool) -> Event {
    let view = JobView::shown(job.clone(), admin);
    Event::default()
        .event(name)
        .id(job.revision.to_string())
        .json_data(&view)
        .unwrap_or_else(|_| Event::default().event(name))
}
