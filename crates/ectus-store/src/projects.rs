//! Projects: a tenant's named workspaces for generated services.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::error::{Found as _, Resource, Result, StoreError};
use crate::sql::{like_escape, Param, SqlBuilder};
use crate::text_enum::text_enum;
use crate::{new_id, Page, Store, Timestamp};

text_enum! {
    /// Whether a project is in use.
    pub enum ProjectStatus {
        Active = "active",
        Archived = "archived",
    }
}

/// A stored project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Project {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub description: String,
    pub status: ProjectStatus,
    /// Incremented on every change; the HTTP layer derives the ETag from it.
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: String,
    tenant_id: String,
    name: String,
    description: String,
    status: String,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl ProjectRow {
    fn into_project(self) -> Result<Project> {
        Ok(Project {
            status: ProjectStatus::from_column(&self.status, &format!("project {}", self.id))?,
            id: self.id,
            tenant_id: self.tenant_id,
            name: self.name,
            description: self.description,
            version: self.version,
            created_at: Timestamp::from_millis(self.created_at),
            updated_at: Timestamp::from_millis(self.updated_at),
        })
    }
}

/// Changes to apply to a project; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProjectPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub status: Option<ProjectStatus>,
}

/// Orderings a project list supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProjectSort {
    #[default]
    CreatedAsc,
    CreatedDesc,
    NameAsc,
    NameDesc,
}

impl ProjectSort {
    /// Parses `created_at`, `-created_at`, `name` or `-name`.
    pub fn parse(value: &str) -> Option<ProjectSort> {
        Some(match value {
            "created_at" => ProjectSort::CreatedAsc,
            "-created_at" => ProjectSort::CreatedDesc,
            "name" => ProjectSort::NameAsc,
            "-name" => ProjectSort::NameDesc,
            _ => return None,
        })
    }

    pub const ALLOWED: &'static str = "created_at, -created_at, name, -name";

    fn code(self) -> &'static str {
        match self {
            ProjectSort::CreatedAsc => "c",
            ProjectSort::CreatedDesc => "-c",
            ProjectSort::NameAsc => "n",
            ProjectSort::NameDesc => "-n",
        }
    }
}

/// A list request.
#[derive(Debug, Clone, Default)]
pub struct ProjectQuery {
    pub limit: u32,
    pub cursor: Option<String>,
    /// Case-insensitive substring of the name.
    pub name_contains: Option<String>,
    pub status: Option<ProjectStatus>,
    pub sort: ProjectSort,
}

/// The position after the last item of a page: the sort key and the id (the tie-breaker).
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    s: String,
    k: String,
    id: String,
}

fn encode_cursor(sort: ProjectSort, last: &Project) -> String {
    let key = match sort {
        ProjectSort::CreatedAsc | ProjectSort::CreatedDesc => {
            last.created_at.as_millis().to_string()
        }
        ProjectSort::NameAsc | ProjectSort::NameDesc => last.name.clone(),
    };
    let cursor = Cursor {
        s: sort.code().to_owned(),
        k: key,
        id: last.id.clone(),
    };
    // Serialising a struct of strings cannot fail.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
}

fn decode_cursor(sort: ProjectSort, raw: &str) -> Result<Cursor> {
    let bytes = URL_SAFE_NO_PAD
        .decode(raw)
        .map_err(|_| StoreError::InvalidCursor)?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)?;
    if cursor.s != sort.code() {
        return Err(StoreError::InvalidCursor);
    }
    Ok(cursor)
}

impl Store {
    pub async fn create_project(
        &self,
        tenant_id: &str,
        name: &str,
        description: &str,
    ) -> Result<Project> {
        let now = Timestamp::now();
        let project = Project {
            id: new_id(),
            tenant_id: tenant_id.to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
            status: ProjectStatus::Active,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.timed("create_project", sqlx::query(
            "INSERT INTO projects (id, tenant_id, name, description, status, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&project.id)
        .bind(&project.tenant_id)
        .bind(&project.name)
        .bind(&project.description)
        .bind(project.status.as_str())
        .bind(project.version)
        .bind(project.created_at.as_millis())
        .bind(project.updated_at.as_millis())
        .execute(&mut *self.conn().await?))
        .await
        .map_err(|e| {
            StoreError::unique_as_conflict(e, format!("a project named {name:?} already exists"))
        })?;
        Ok(project)
    }

    pub async fn get_project(&self, tenant_id: &str, id: &str) -> Result<Project> {
        let row: Option<ProjectRow> = self
            .timed(
                "get_project",
                sqlx::query_as("SELECT * FROM projects WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant_id)
                    .bind(id)
                    .fetch_optional(&mut *self.conn().await?),
            )
            .await?;
        row.or_not_found(Resource::Project)?.into_project()
    }

    /// Lists projects with keyset pagination: a page never repeats or skips a project that
    /// existed when the first page was read, whatever is inserted meanwhile.
    pub async fn list_projects(
        &self,
        tenant_id: &str,
        query: &ProjectQuery,
    ) -> Result<Page<Project>> {
        let limit = query.limit.clamp(1, 500);
        let mut sql = SqlBuilder::new("SELECT * FROM projects WHERE tenant_id = ");
        let p = sql.param(Param::Str(tenant_id.to_owned()));
        sql.push(&p);
        if let Some(name) = &query.name_contains {
            let p = sql.param(Param::Str(format!(
                "%{}%",
                like_escape(&name.to_lowercase())
            )));
            sql.push(&format!(" AND LOWER(name) LIKE {p} ESCAPE '\\'"));
        }
        if let Some(status) = query.status {
            let p = sql.param(Param::Str(status.as_str().to_owned()));
            sql.push(&format!(" AND status = {p}"));
        }
        let (column, descending) = match query.sort {
            ProjectSort::CreatedAsc => ("created_at", false),
            ProjectSort::CreatedDesc => ("created_at", true),
            ProjectSort::NameAsc => ("name", false),
            ProjectSort::NameDesc => ("name", true),
        };
        if let Some(raw) = &query.cursor {
            let cursor = decode_cursor(query.sort, raw)?;
            let key = if column == "created_at" {
                Param::I64(cursor.k.parse().map_err(|_| StoreError::InvalidCursor)?)
            } else {
                Param::Str(cursor.k)
            };
            let k1 = sql.param(key.clone());
            let k2 = sql.param(key);
            let id = sql.param(Param::Str(cursor.id));
            let op = if descending { "<" } else { ">" };
            sql.push(&format!(
                " AND ({column} {op} {k1} OR ({column} = {k2} AND id {op} {id}))"
            ));
        }
        let dir = if descending { "DESC" } else { "ASC" };
        let fetch = sql.param(Param::I64(i64::from(limit) + 1));
        sql.push(&format!(" ORDER BY {column} {dir}, id {dir} LIMIT {fetch}"));

        let rows: Vec<ProjectRow> = self
            .timed(
                "list_projects",
                sql.query()
                    .try_map(|row| <ProjectRow as sqlx::FromRow<_>>::from_row(&row))
                    .fetch_all(&mut *self.conn().await?),
            )
            .await?;
        let mut items = rows
            .into_iter()
            .map(ProjectRow::into_project)
            .collect::<Result<Vec<_>>>()?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|last| encode_cursor(query.sort, last))
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// Applies `patch`. With `expected_version`, the update happens only if the project is
    /// still at that version ([`StoreError::VersionMismatch`] otherwise); without it, the
    /// patch applies to whatever version is current.
    pub async fn update_project(
        &self,
        tenant_id: &str,
        id: &str,
        patch: &ProjectPatch,
        expected_version: Option<i64>,
    ) -> Result<Project> {
        // Retries only matter without `expected_version`, when a concurrent writer won.
        for _ in 0..5 {
            let current = self.get_project(tenant_id, id).await?;
            if let Some(expected) = expected_version {
                if expected != current.version {
                    return Err(StoreError::VersionMismatch {
                        current: current.version,
                    });
                }
            }
            let next = Project {
                name: patch.name.clone().unwrap_or(current.name.clone()),
                description: patch
                    .description
                    .clone()
                    .unwrap_or(current.description.clone()),
                status: patch.status.unwrap_or(current.status),
                version: current.version + 1,
                updated_at: Timestamp::now(),
                ..current.clone()
            };
            let updated = self.timed("update_project", sqlx::query(
                "UPDATE projects SET name = $1, description = $2, status = $3, version = $4, updated_at = $5 \
                 WHERE tenant_id = $6 AND id = $7 AND version = $8",
            )
            .bind(&next.name)
            .bind(&next.description)
            .bind(next.status.as_str())
            .bind(next.version)
            .bind(next.updated_at.as_millis())
            .bind(tenant_id)
            .bind(id)
            .bind(current.version)
            .execute(&mut *self.conn().await?))
            .await
            .map_err(|e| {
                StoreError::unique_as_conflict(
                    e,
                    format!("a project named {:?} already exists", next.name),
                )
            })?;
            if updated.rows_affected() == 1 {
                return Ok(next);
            }
        }
        Err(StoreError::Conflict(
            "the project is being changed concurrently; try again".into(),
        ))
    }

    /// Deletes the project with its generations, in one transaction with their jobs: a queued
    /// generation job is cancelled, a running one asked to stop (its writes need the
    /// generation row, which is gone), so no worker retries work for a project that is gone.
    pub async fn delete_project(&self, tenant_id: &str, id: &str) -> Result<()> {
        let now = crate::clock::now_ms();
        let mut conn = self.conn().await?;
        // The lock new generations of the tenant take (see `create_generation`): none can
        // appear between cancelling the project's jobs and deleting its rows.
        let mut tx = self.begin_generations_write(&mut conn, tenant_id).await?;
        let jobs_of_project = "id IN (SELECT job_id FROM generations \
             WHERE tenant_id = $2 AND project_id = $3 AND job_id IS NOT NULL)";
        sqlx::query(&format!(
            "UPDATE jobs SET state = 'cancelled', finished_at = $1, updated_at = $1, \
             cancel_requested_at = $1, error = 'the project was deleted', revision = revision + 1 \
             WHERE state = 'queued' AND {jobs_of_project}"
        ))
        .bind(now)
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "UPDATE jobs SET cancel_requested_at = $1, updated_at = $1, revision = revision + 1 \
             WHERE state = 'running' AND cancel_requested_at IS NULL AND {jobs_of_project}"
        ))
        .bind(now)
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let deleted = self
            .timed(
                "delete_project",
                sqlx::query("DELETE FROM projects WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant_id)
                    .bind(id)
                    .execute(&mut *tx),
            )
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::NotFound(Resource::Project));
        }
        tx.commit().await?;
        Ok(())
    }
}
