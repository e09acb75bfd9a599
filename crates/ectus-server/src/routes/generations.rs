//! Generations of a project: request one (spec, OpenAPI document or prompt), follow it through
//! its job, read the spec, assumptions and QA report, download the project as `.tar.gz`.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ectus_generate::GeneratePayload;
use ectus_spec::{DeriveError, Input, InputKind};
use ectus_store::generations::{
    ArtifactInfo, Generation, GenerationStatus, GenerationSummary, NewGeneration,
};
use ectus_store::{Resource, StoreError, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Auth;
use crate::extract::{ApiJson, ApiQuery, IdPath, IdsPath};
use crate::problem::{ApiError, FieldError, Problem};
use crate::state::AppState;

/// Body of `POST /api/v1/projects/{id}/generations`: exactly one of `spec`, `openapi`, `prompt`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    /// A spec document (the JSON form of a spec file).
    pub spec: Option<serde_json::Value>,
    /// An OpenAPI 3.0 or 3.1 document as YAML or JSON text.
    pub openapi: Option<String>,
    /// A plain-English requirement.
    pub prompt: Option<String>,
    /// Build and test the generated project (default true).
    pub qa: Option<bool>,
    /// Refuse (422) a requirement with any passage the analyzer could not place, instead of
    /// generating what was understood (default false).
    pub strict: Option<bool>,
}

/// The downloadable project.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ArtifactView {
    pub sha256: String,
    pub size: u64,
    pub url: String,
}

/// A generation as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GenerationView {
    pub id: String,
    pub project_id: String,
    /// The job running it; follow it at `/api/v1/jobs/{job_id}/events`.
    pub job_id: Option<String>,
    /// `spec`, `openapi` or `prompt`.
    #[schema(value_type = String)]
    pub input_kind: InputKind,
    /// `queued`, `running`, `passed`, `failed` (QA failed, or the job did), `generated` (no QA) or `cancelled`.
    #[schema(value_type = String)]
    pub status: GenerationStatus,
    pub spec: serde_json::Value,
    pub spec_hash: String,
    /// What the analyzer or importer assumed, and what it could not honour.
    pub assumptions: serde_json::Value,
    /// For a requirement: each passage with what it contributed (`understood`), passages read
    /// as saying nothing about the data (`ignored`), and what the spec does not reflect
    /// (`not_understood`). For an OpenAPI document: the operations served (`understood`) and
    /// those not served, with why (`not_understood`).
    pub coverage: Option<serde_json::Value>,
    pub qa: bool,
    /// Phases with durations, test counts and failing names, compiler errors by code.
    pub qa_report: Option<serde_json::Value>,
    pub error: Option<String>,
    pub artifact: Option<ArtifactView>,
    /// When the retention policy removed the artifact (RFC 3339); the download then answers 410.
    pub artifact_expired_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl ArtifactView {
    fn of(artifact: ArtifactInfo, project_id: &str, id: &str) -> ArtifactView {
        ArtifactView {
            sha256: artifact.sha256,
            size: artifact.size,
            url: format!("/api/v1/projects/{project_id}/generations/{id}/artifact"),
        }
    }
}

impl From<Generation> for GenerationView {
    fn from(g: Generation) -> Self {
        GenerationView {
            artifact: g
                .artifact
                .map(|a| ArtifactView::of(a, &g.project_id, &g.id)),
            artifact_expired_at: g.artifact_expired_at.map(Timestamp::to_rfc3339),
            spec: g.spec,
            assumptions: g.assumptions,
            coverage: g.coverage,
            qa_report: g.qa_report,
            qa: g.qa,
            created_at: g.created_at.to_rfc3339(),
            updated_at: g.updated_at.to_rfc3339(),
            id: g.id,
            project_id: g.project_id,
            job_id: g.job_id,
            input_kind: g.input_kind,
            status: g.status,
            spec_hash: g.spec_hash,
            error: g.error,
        }
    }
}

impl GenerateRequest {
    /// The one input the request carries.
    fn input(&self) -> Result<Input, ApiError> {
        match (&self.spec, &self.openapi, &self.prompt) {
            (Some(spec), None, None) => Ok(Input::Spec {
                text: spec.to_string(),
                format: ectus_spec::Format::Json,
            }),
            (None, Some(document), None) => Ok(Input::OpenApi(document.clone())),
            (None, None, Some(prompt)) => Ok(Input::Prompt(prompt.clone())),
            _ => Err(ApiError::field(
                "body",
                "give exactly one of spec, openapi or prompt",
            )),
        }
    }
}

/// The problems of an input that gave no spec, as field errors of the request body.
fn derive_problem(error: DeriveError) -> ApiError {
    match error {
        DeriveError::Spec(errors) => ApiError::validation(
            errors
                .0
                .into_iter()
                .map(|e| FieldError {
                    field: if e.path.is_empty() {
                        "spec".into()
                    } else {
                        format!("spec.{}", e.path)
                    },
                    message: e.message,
                })
                .collect(),
        ),
        DeriveError::OpenApi(e) => ApiError::field("openapi", e.to_string()),
        DeriveError::Prompt(e) => ApiError::field("prompt", e.to_string()),
    }
}

/// `strict`: every passage of the requirement the analyzer could not place, or every operation
/// of the document the service would not serve, as field errors.
fn not_understood_problem(coverage: &ectus_spec::coverage::Coverage, kind: InputKind) -> ApiError {
    ApiError::validation(
        coverage
            .not_understood
            .iter()
            .map(|p| FieldError {
                field: match (kind, p.span) {
                    (InputKind::Openapi, _) => "openapi".into(),
                    (_, Some(span)) => format!("prompt[{}..{}]", span.start, span.end),
                    (_, None) => "prompt".into(),
                },
                message: match kind {
                    InputKind::Openapi => format!("not as documented: {} ({})", p.text, p.reason),
                    _ => format!("not understood: \"{}\" ({})", p.text, p.reason),
                },
            })
            .collect(),
    )
}

fn project_not_found(err: StoreError) -> ApiError {
    match err {
        StoreError::NotFound(_) => ApiError::not_found(Resource::Project.as_str()),
        other => other.into(),
    }
}

/// Generate the project's service: derives the spec now (422 with the problems when it cannot),
/// then generates, builds and tests it in a job.
#[utoipa::path(post, path = "/api/v1/projects/{id}/generations", tag = "generations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Project id (UUID)")),
    request_body = GenerateRequest,
    responses(
        (status = 202, body = GenerationView, description = "Queued; `Location` points at the generation"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "The tenant has as many generations queued or running as allowed; `Retry-After` is set"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(project_id): IdPath,
    ApiJson(body): ApiJson<GenerateRequest>,
) -> Result<Response, ApiError> {
    // 404 before 422: a foreign or missing project reveals nothing about the input.
    state
        .store
        .get_project(auth.tenant(), &project_id)
        .await
        .map_err(project_not_found)?;
    let input = body.input()?;
    // A tenant at its quota is told so before its input takes a core.
    state
        .store
        .check_generation_quota(
            auth.tenant(),
            state.settings.max_active_generations_per_tenant,
        )
        .await?;
    let (input, derived) = crate::blocking::run(move || {
        let derived = input.derive();
        (input, derived)
    })
    .await?;
    let derived = derived.map_err(derive_problem)?;
    let spec = serde_json::to_value(&derived.spec).map_err(|e| ApiError::internal(&e))?;
    let assumptions =
        serde_json::to_value(&derived.assumptions).map_err(|e| ApiError::internal(&e))?;
    if body.strict.unwrap_or(false) && !derived.coverage.complete() {
        return Err(not_understood_problem(&derived.coverage, input.kind()));
    }
    let coverage = match input.kind() {
        InputKind::Prompt | InputKind::Openapi => {
            Some(serde_json::to_value(&derived.coverage).map_err(|e| ApiError::internal(&e))?)
        }
        _ => None,
    };
    let (generation, _job) = state
        .store
        .create_generation(
            auth.tenant(),
            &project_id,
            &NewGeneration {
                input_kind: input.kind(),
                input: input.text(),
                spec: &spec,
                spec_hash: &derived.spec.hash(),
                assumptions: &assumptions,
                coverage: coverage.as_ref(),
                qa: body.qa.unwrap_or(true),
            },
            state.settings.max_active_generations_per_tenant,
            |generation_id| {
                GeneratePayload {
                    generation_id: generation_id.to_owned(),
                }
                .into_job()
            },
            crate::middleware::current_traceparent().as_deref(),
        )
        .await
        .map_err(project_not_found)?;
    let location = format!(
        "/api/v1/projects/{project_id}/generations/{}",
        generation.id
    );
    let mut response =
        (StatusCode::ACCEPTED, Json(GenerationView::from(generation))).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Query of `GET /api/v1/projects/{id}/generations`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListGenerations {
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A generation in a list: its state and outcome. The input, spec, assumptions, coverage and
/// QA report are read from the generation itself.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GenerationSummaryView {
    pub id: String,
    pub project_id: String,
    pub job_id: Option<String>,
    #[schema(value_type = String)]
    pub input_kind: InputKind,
    #[schema(value_type = String)]
    pub status: GenerationStatus,
    pub spec_hash: String,
    pub qa: bool,
    pub error: Option<String>,
    pub artifact: Option<ArtifactView>,
    pub created_at: String,
    pub updated_at: String,
}

/// A page of generations, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GenerationPage {
    pub items: Vec<GenerationSummaryView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl From<GenerationSummary> for GenerationSummaryView {
    fn from(g: GenerationSummary) -> Self {
        GenerationSummaryView {
            artifact: g
                .artifact
                .map(|a| ArtifactView::of(a, &g.project_id, &g.id)),
            created_at: g.created_at.to_rfc3339(),
            updated_at: g.updated_at.to_rfc3339(),
            id: g.id,
            project_id: g.project_id,
            job_id: g.job_id,
            input_kind: g.input_kind,
            status: g.status,
            spec_hash: g.spec_hash,
            qa: g.qa,
            error: g.error,
        }
    }
}

/// The project's generations, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/projects/{id}/generations", tag = "generations",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Project id (UUID)"), ListGenerations),
    responses(
        (status = 200, body = GenerationPage),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(project_id): IdPath,
    ApiQuery(query): ApiQuery<ListGenerations>,
) -> Result<Json<GenerationPage>, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 200"));
    }
    let page = state
        .store
        .list_generations(auth.tenant(), &project_id, limit, query.cursor.as_deref())
        .await
        .map_err(project_not_found)?;
    Ok(Json(GenerationPage {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One generation: spec, assumptions, status and QA report.
#[utoipa::path(get, path = "/api/v1/projects/{id}/generations/{generation_id}", tag = "generations",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Project id (UUID)"),
        ("generation_id" = String, Path, description = "Generation id (UUID)"),
    ),
    responses(
        (status = 200, body = GenerationView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    IdsPath(project_id, id): IdsPath,
) -> Result<Json<GenerationView>, ApiError> {
    let generation = state
        .store
        .get_generation(auth.tenant(), &project_id, &id)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(generation.into()))
}

/// Download the generated project as `.tar.gz` (409 until the generation produced it, 410
/// once the retention policy removed it).
#[utoipa::path(get, path = "/api/v1/projects/{id}/generations/{generation_id}/artifact", tag = "generations",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Project id (UUID)"),
        ("generation_id" = String, Path, description = "Generation id (UUID)"),
    ),
    responses(
        (status = 200, content_type = "application/gzip", description = "The project as a gzipped tar"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Not produced yet"),
        (status = 410, body = Problem, content_type = "application/problem+json", description = "Removed by the retention policy"),
    ))]
pub async fn artifact(
    State(state): State<AppState>,
    auth: Auth,
    IdsPath(project_id, id): IdsPath,
) -> Result<Response, ApiError> {
    let generation = state
        .store
        .get_generation(auth.tenant(), &project_id, &id)
        .await?;
    if let Some(at) = generation.artifact_expired_at {
        return Err(ApiError::new(
            StatusCode::GONE,
            "artifact-expired",
            format!(
                "the artifact was removed on {} by the retention policy (retention.generation_artifacts); the generation's spec and QA report remain: generate again to get the files",
                at.to_rfc3339()
            ),
        ));
    }
    if generation.artifact.is_none() {
        return Err(ApiError::conflict(format!(
            "the generation is {}; it has no artifact to download",
            generation.status
        )));
    }
    let bytes = state
        .store
        .generation_artifact(auth.tenant(), &project_id, &id)
        .await?
        .ok_or_else(|| {
            ApiError::conflict(format!(
                "the generation is {}; its artifact is not ready",
                generation.status
            ))
        })?;
    let service = generation.spec["service"]["name"]
        .as_str()
        .unwrap_or("project");
    let disposition = format!("attachment; filename=\"{service}.tar.gz\"");
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/gzip"),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Some(sha) = generation
        .artifact
        .and_then(|a| HeaderValue::from_str(&format!("\"{}\"", a.sha256)).ok())
    {
        headers.insert(header::ETAG, sha);
    }
    Ok(response)
}
