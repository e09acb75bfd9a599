//! Projects: create, list (cursor pagination, filters, sort), read, update with optimistic
//! concurrency (`ETag` / `If-Match`), delete.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ectus_store::projects::{Project, ProjectPatch, ProjectQuery, ProjectSort, ProjectStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Auth;
use crate::extract::{ApiJson, ApiQuery, IdPath};
use crate::middleware::no_content;
use crate::problem::{ApiError, FieldError, Problem};
use crate::routes::rfc3339;
use crate::state::AppState;

const NAME_MAX: usize = 100;
const DESCRIPTION_MAX: usize = 2000;

/// A project as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectView {
    pub id: String,
    pub name: String,
    pub description: String,
    /// `active` or `archived`.
    #[schema(value_type = String)]
    pub status: ProjectStatus,
    /// Incremented on every change; the ETag is this number in quotes.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Project> for ProjectView {
    fn from(p: Project) -> Self {
        ProjectView {
            id: p.id,
            name: p.name,
            description: p.description,
            status: p.status,
            version: p.version,
            created_at: rfc3339(p.created_at),
            updated_at: rfc3339(p.updated_at),
        }
    }
}

/// Body of `POST /api/v1/projects`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    /// 1–100 characters, unique within the tenant.
    pub name: String,
    /// Up to 2,000 characters.
    #[serde(default)]
    pub description: Option<String>,
}

/// Body of `PATCH /api/v1/projects/{id}`; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProject {
    pub name: Option<String>,
    pub description: Option<String>,
    /// `active` or `archived`.
    pub status: Option<String>,
}

/// Query of `GET /api/v1/projects`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListProjects {
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Case-insensitive substring of the name.
    pub name: Option<String>,
    /// `active` or `archived`.
    pub status: Option<String>,
    /// `created_at` (default), `-created_at`, `name` or `-name`.
    pub sort: Option<String>,
}

/// A page of projects.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectPage {
    pub items: Vec<ProjectView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn check_name(name: &str, errors: &mut Vec<FieldError>) {
    let trimmed = name.trim();
    let message = if trimmed.is_empty() {
        Some("must not be empty".to_owned())
    } else if trimmed.chars().count() > NAME_MAX {
        Some(format!("must be at most {NAME_MAX} characters"))
    } else if trimmed.chars().any(char::is_control) {
        Some("must not contain control characters".to_owned())
    } else {
        None
    };
    if let Some(message) = message {
        errors.push(FieldError {
            field: "name".into(),
            message,
        });
    }
}

fn check_description(description: &str, errors: &mut Vec<FieldError>) {
    if description.chars().count() > DESCRIPTION_MAX {
        errors.push(FieldError {
            field: "description".into(),
            message: format!("must be at most {DESCRIPTION_MAX} characters"),
        });
    }
}

/// The status named by `status`, or an error for `field`.
fn check_status(
    status: Option<&str>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<ProjectStatus> {
    let status = status?;
    let parsed = ProjectStatus::parse(status);
    if parsed.is_none() {
        errors.push(FieldError {
            field: field.into(),
            message: format!(
                "{status:?} is not a status; use one of: {}",
                ProjectStatus::allowed()
            ),
        });
    }
    parsed
}

fn with_etag(status: StatusCode, project: Project) -> Response {
    let etag = format!("\"{}\"", project.version);
    let mut response = (status, Json(ProjectView::from(project))).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// Create a project.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects",
    security(("bearer" = [])),
    request_body = CreateProject,
    responses(
        (status = 201, body = ProjectView, description = "Created; `Location` and `ETag` are set"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The name is taken"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateProject>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    check_name(&body.name, &mut errors);
    let description = body.description.unwrap_or_default();
    check_description(&description, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let project = state
        .store
        .create_project(auth.tenant(), body.name.trim(), &description)
        .await?;
    let location = format!("/api/v1/projects/{}", project.id);
    let mut response = with_etag(StatusCode::CREATED, project);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// List projects, oldest first by default.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects",
    security(("bearer" = [])),
    params(ListProjects),
    responses(
        (status = 200, body = ProjectPage),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<ListProjects>,
) -> Result<Json<ProjectPage>, ApiError> {
    let mut errors = Vec::new();
    let limit = super::page_limit(query.limit, &mut errors);
    let status = check_status(query.status.as_deref(), "status", &mut errors);
    let sort = match query.sort.as_deref() {
        None => ProjectSort::default(),
        Some(raw) => ProjectSort::parse(raw).unwrap_or_else(|| {
            errors.push(FieldError {
                field: "sort".into(),
                message: format!(
                    "{raw:?} is not a sort order; use one of: {}",
                    ProjectSort::ALLOWED
                ),
            });
            ProjectSort::default()
        }),
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let page = state
        .store
        .list_projects(
            auth.tenant(),
            &ProjectQuery {
                limit,
                cursor: query.cursor,
                name_contains: query.name.filter(|n| !n.is_empty()),
                status,
                sort,
            },
        )
        .await?;
    Ok(Json(ProjectPage {
        items: page.items.into_iter().map(ProjectView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Read one project; the response carries its `ETag`.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Project id (UUID)")),
    responses(
        (status = 200, body = ProjectView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    let project = state.store.get_project(auth.tenant(), &id).await?;
    Ok(with_etag(StatusCode::OK, project))
}

/// What `If-Match` asks for.
enum Precondition {
    None,
    Versions(Vec<i64>),
}

fn parse_if_match(headers: &HeaderMap) -> Result<Precondition, ApiError> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return Ok(Precondition::None);
    };
    let raw = raw
        .to_str()
        .map_err(|_| ApiError::bad_request("If-Match is not valid text"))?;
    if raw.trim() == "*" {
        return Ok(Precondition::None);
    }
    // Tags that are not ours can never match; keep them out so the request fails with 412.
    let versions = raw
        .split(',')
        .filter_map(|tag| {
            tag.trim()
                .trim_start_matches("W/")
                .trim_matches('"')
                .parse()
                .ok()
        })
        .collect();
    Ok(Precondition::Versions(versions))
}

/// Change a project. Send the `ETag` you read as `If-Match` to be sure nobody changed it
/// meanwhile: a mismatch answers 412 and changes nothing.
#[utoipa::path(patch, path = "/api/v1/projects/{id}", tag = "projects",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Project id (UUID)"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read"),
    ),
    request_body = UpdateProject,
    responses(
        (status = 200, body = ProjectView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    headers: HeaderMap,
    ApiJson(body): ApiJson<UpdateProject>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    if let Some(name) = &body.name {
        check_name(name, &mut errors);
    }
    if let Some(description) = &body.description {
        check_description(description, &mut errors);
    }
    let status = check_status(body.status.as_deref(), "status", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let expected = match parse_if_match(&headers)? {
        Precondition::None => None,
        Precondition::Versions(versions) => {
            let current = state.store.get_project(auth.tenant(), &id).await?;
            if versions.contains(&current.version) {
                Some(current.version)
            } else {
                return Err(ectus_store::StoreError::VersionMismatch {
                    current: current.version,
                }
                .into());
            }
        }
    };
    let patch = ProjectPatch {
        name: body.name.map(|n| n.trim().to_owned()),
        description: body.description,
        status,
    };
    let project = state
        .store
        .update_project(auth.tenant(), &id, &patch, expected)
        .await?;
    Ok(with_etag(StatusCode::OK, project))
}

/// Delete a project.
#[utoipa::path(delete, path = "/api/v1/projects/{id}", tag = "projects",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Project id (UUID)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Response, ApiError> {
    state.store.delete_project(auth.tenant(), &id).await?;
    Ok(no_content())
}
