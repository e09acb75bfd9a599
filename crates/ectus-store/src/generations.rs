//! Generations: requests to generate a project's service, their QA reports and artifacts.

use ectus_spec::InputKind;
use serde::Serialize;

use crate::error::{json_column, Found as _, Resource, Result, StoreError};
use crate::sql::{newest_first, Param, SqlBuilder};
use crate::text_enum::text_enum;
use crate::{new_id, Backend, Page, Store, Timestamp};

text_enum! {
    /// Where a generation stands.
    pub enum GenerationStatus {
        Queued = "queued",
        Running = "running",
        /// QA ran and every phase passed, and the service does all that was asked.
        Passed = "passed",
        /// QA ran and every phase passed, but the service does not do all that was asked: the
        /// coverage lists passages not understood, operations not as documented or operations
        /// left to implement.
        Incomplete = "incomplete",
        /// QA failed, or the job did.
        Failed = "failed",
        /// Files generated without QA.
        Generated = "generated",
        Cancelled = "cancelled",
    }
}

/// The packaged project of a generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactInfo {
    /// SHA-256 of the `.tar.gz` bytes, lowercase hex.
    pub sha256: String,
    pub size: u64,
}

/// A stored generation (without the artifact bytes).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Generation {
    pub id: String,
    pub tenant_id: String,
    pub project_id: String,
    pub job_id: Option<String>,
    pub input_kind: InputKind,
    /// The input as given (spec JSON, OpenAPI text or prompt).
    pub input: String,
    /// The derived spec (a spec document).
    pub spec: serde_json::Value,
    pub spec_hash: String,
    /// What the analyzer or importer assumed (a JSON array).
    pub assumptions: serde_json::Value,
    /// A requirement's account: what each passage contributed and what was not understood.
    pub coverage: Option<serde_json::Value>,
    pub status: GenerationStatus,
    /// Whether QA runs, or only files are generated.
    pub qa: bool,
    pub qa_report: Option<serde_json::Value>,
    pub error: Option<String>,
    pub artifact: Option<ArtifactInfo>,
    /// When the retention policy removed the artifact (the generation itself stays).
    pub artifact_expired_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A generation as lists show it: its state, without the input, spec, assumptions, coverage
/// and QA report (read those from the generation itself).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenerationSummary {
    pub id: String,
    pub project_id: String,
    pub job_id: Option<String>,
    pub input_kind: InputKind,
    pub spec_hash: String,
    pub status: GenerationStatus,
    pub qa: bool,
    pub error: Option<String>,
    pub artifact: Option<ArtifactInfo>,
    /// When the retention policy removed the artifact (the generation itself stays).
    pub artifact_expired_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct GenerationSummaryRow {
    id: String,
    project_id: String,
    job_id: Option<String>,
    input_kind: String,
    spec_hash: String,
    status: String,
    qa: i64,
    error: Option<String>,
    artifact_sha256: Option<String>,
    artifact_size: Option<i64>,
    artifact_expired_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

fn artifact_of(sha256: Option<String>, size: Option<i64>) -> Option<ArtifactInfo> {
    sha256.map(|sha256| ArtifactInfo {
        sha256,
        size: size.and_then(|s| u64::try_from(s).ok()).unwrap_or_default(),
    })
}

impl GenerationSummaryRow {
    fn into_summary(self) -> Result<GenerationSummary> {
        let record = format!("generation {}", self.id);
        Ok(GenerationSummary {
            input_kind: InputKind::parse(&self.input_kind).ok_or_else(|| {
                StoreError::Corrupt(format!("{record} has input kind {:?}", self.input_kind))
            })?,
            status: GenerationStatus::from_column(&self.status, &record)?,
            qa: self.qa != 0,
            artifact: artifact_of(self.artifact_sha256, self.artifact_size),
            artifact_expired_at: self.artifact_expired_at.map(Timestamp::from_millis),
            created_at: Timestamp::from_millis(self.created_at),
            updated_at: Timestamp::from_millis(self.updated_at),
            id: self.id,
            project_id: self.project_id,
            job_id: self.job_id,
            spec_hash: self.spec_hash,
            error: self.error,
        })
    }
}

#[derive(sqlx::FromRow)]
struct GenerationRow {
    id: String,
    tenant_id: String,
    project_id: String,
    job_id: Option<String>,
    input_kind: String,
    input: String,
    spec: String,
    spec_hash: String,
    assumptions: String,
    coverage: Option<String>,
    status: String,
    qa: i64,
    qa_report: Option<String>,
    error: Option<String>,
    artifact_sha256: Option<String>,
    artifact_size: Option<i64>,
    artifact_expired_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl GenerationRow {
    fn into_generation(self) -> Result<Generation> {
        let record = format!("generation {}", self.id);
        let json = |text: &str, column: &str| json_column(text, &record, column);
        Ok(Generation {
            input_kind: InputKind::parse(&self.input_kind).ok_or_else(|| {
                StoreError::Corrupt(format!("{record} has input kind {:?}", self.input_kind))
            })?,
            spec: json(&self.spec, "spec")?,
            assumptions: json(&self.assumptions, "assumptions")?,
            coverage: self
                .coverage
                .as_deref()
                .map(|c| json(c, "coverage"))
                .transpose()?,
            qa_report: self
                .qa_report
                .as_deref()
                .map(|r| json(r, "QA report"))
                .transpose()?,
            status: GenerationStatus::from_column(&self.status, &record)?,
            qa: self.qa != 0,
            artifact: artifact_of(self.artifact_sha256, self.artifact_size),
            artifact_expired_at: self.artifact_expired_at.map(Timestamp::from_millis),
            created_at: Timestamp::from_millis(self.created_at),
            updated_at: Timestamp::from_millis(self.updated_at),
            id: self.id,
            tenant_id: self.tenant_id,
            project_id: self.project_id,
            job_id: self.job_id,
            input: self.input,
            spec_hash: self.spec_hash,
            error: self.error,
        })
    }
}

fn generation_of(row: Option<GenerationRow>) -> Result<Generation> {
    row.or_not_found(Resource::Generation)?.into_generation()
}

/// What a new generation holds.
#[derive(Debug, Clone)]
pub struct NewGeneration<'a> {
    pub input_kind: InputKind,
    pub input: &'a str,
    pub spec: &'a serde_json::Value,
    pub spec_hash: &'a str,
    pub assumptions: &'a serde_json::Value,
    pub coverage: Option<&'a serde_json::Value>,
    pub qa: bool,
}

/// Status and error completed from the generation's job: a job that ended as failed or
/// cancelled before the handler recorded an outcome decides them, and an accepted cancel
/// wins also over an outcome recorded just before the job ended (no artifact is offered then).
macro_rules! outcome_columns {
    () => {
        "CASE WHEN j.state = 'cancelled' THEN 'cancelled' \
              WHEN g.status IN ('queued', 'running') AND j.state = 'failed' THEN j.state \
         ELSE g.status END AS status, g.qa, \
         COALESCE(g.error, CASE WHEN j.state IN ('failed', 'cancelled') THEN j.error END) AS error, \
         CASE WHEN j.state = 'cancelled' THEN NULL ELSE g.artifact_sha256 END AS artifact_sha256, \
         CASE WHEN j.state = 'cancelled' THEN NULL ELSE g.artifact_size END AS artifact_size, \
         CASE WHEN j.state = 'cancelled' THEN NULL ELSE g.artifact_expired_at END AS artifact_expired_at, \
         g.created_at, g.updated_at \
         FROM generations g LEFT JOIN jobs j ON j.id = g.job_id"
    };
}

/// The generation's own columns with its outcome.
const SELECT: &str = concat!(
    "SELECT g.id, g.tenant_id, g.project_id, g.job_id, g.input_kind, g.input, g.spec, \
     g.spec_hash, g.assumptions, g.coverage, g.qa_report, ",
    outcome_columns!()
);

/// The columns of a list entry.
const SELECT_SUMMARY: &str = concat!(
    "SELECT g.id, g.project_id, g.job_id, g.input_kind, g.spec_hash, ",
    outcome_columns!()
);

/// The generations of a tenant that are queued or running (`$1`: the tenant).
const ACTIVE_GENERATIONS: &str =
    "SELECT COUNT(*) FROM generations g JOIN jobs j ON j.id = g.job_id \
     WHERE g.tenant_id = $1 AND j.state IN ('queued', 'running')";

/// Refuses one more generation when `active` already reaches `max_active`.
fn within_quota(active: i64, max_active: u32) -> Result<()> {
    if active >= i64::from(max_active) {
        return Err(StoreError::QuotaExceeded {
            active: u64::try_from(active).unwrap_or_default(),
            limit: max_active,
        });
    }
    Ok(())
}

/// The condition under which a generation job's write holds: its worker (bound at
/// `owner_param`) still owns the job's lease, and nobody asked to cancel it (a cancelled
/// generation records no outcome and no artifact).
fn lease_held(owner_param: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM jobs WHERE jobs.id = generations.job_id \
         AND jobs.lease_owner = {owner_param} AND jobs.state = 'running' \
         AND jobs.cancel_requested_at IS NULL)"
    )
}

impl Store {
    /// Records a generation and enqueues its job in one transaction: a worker never sees the
    /// job without its generation, and a failure leaves neither behind. `job_for` builds the
    /// job from the new generation's id.
    ///
    /// At most `max_active` generations of the tenant may be queued or running at once
    /// ([`StoreError::QuotaExceeded`] beyond); the count and the insert are serialised per
    /// tenant, so concurrent requests cannot overshoot it.
    pub async fn create_generation(
        &self,
        tenant_id: &str,
        project_id: &str,
        new: &NewGeneration<'_>,
        max_active: u32,
        job_for: impl FnOnce(&str) -> crate::jobs::NewJob,
        trace_parent: Option<&str>,
    ) -> Result<(Generation, crate::jobs::Job)> {
        // The project must exist in this tenant (NotFound otherwise).
        self.get_project(tenant_id, project_id).await?;
        let id = new_id();
        let now = crate::clock::now_ms();
        let job = job_for(&id);
        let mut conn = self.conn().await?;
        let mut tx = self.begin_generations_write(&mut conn, tenant_id).await?;
        let active: i64 = sqlx::query_scalar(ACTIVE_GENERATIONS)
            .bind(tenant_id)
            .fetch_one(&mut *tx)
            .await?;
        within_quota(active, max_active)?;
        let job_id = crate::jobs::insert_job(&mut *tx, tenant_id, &job, trace_parent).await?;
        sqlx::query(
            "INSERT INTO generations (id, tenant_id, project_id, job_id, input_kind, input, spec, spec_hash, \
             assumptions, coverage, status, qa, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', $11, $12, $12)",
        )
        .bind(&id)
        .bind(tenant_id)
        .bind(project_id)
        .bind(&job_id)
        .bind(new.input_kind.as_str())
        .bind(new.input)
        .bind(new.spec.to_string())
        .bind(new.spec_hash)
        .bind(new.assumptions.to_string())
        .bind(new.coverage.map(|c| c.to_string()))
        .bind(i64::from(new.qa))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((
            self.get_generation(tenant_id, project_id, &id).await?,
            self.get_job(tenant_id, &job_id).await?,
        ))
    }

    /// A transaction holding the tenant's generations lock: on SQLite the write lock
    /// (`BEGIN IMMEDIATE`), on PostgreSQL an advisory lock per tenant. Creating a generation
    /// (count, then insert) and deleting a project (cancel its jobs, then delete) take it, so
    /// neither sees the other half done.
    pub(crate) async fn begin_generations_write<'c>(
        &self,
        conn: &'c mut sqlx::pool::PoolConnection<sqlx::Any>,
        tenant_id: &str,
    ) -> Result<sqlx::Transaction<'c, sqlx::Any>> {
        Ok(match self.backend() {
            Backend::Sqlite => sqlx::Connection::begin_with(&mut **conn, "BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = sqlx::Connection::begin(&mut **conn).await?;
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind(format!("generations:{tenant_id}"))
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        })
    }

    /// [`StoreError::QuotaExceeded`] when the tenant already has `max_active` generations
    /// queued or running: a cheap check before the expensive derivation
    /// (`create_generation` counts again under the lock).
    pub async fn check_generation_quota(&self, tenant_id: &str, max_active: u32) -> Result<()> {
        let active: i64 = self
            .timed(
                "active_generations",
                sqlx::query_scalar(ACTIVE_GENERATIONS)
                    .bind(tenant_id)
                    .fetch_one(&mut *self.conn().await?),
            )
            .await?;
        within_quota(active, max_active)
    }

    pub async fn get_generation(
        &self,
        tenant_id: &str,
        project_id: &str,
        id: &str,
    ) -> Result<Generation> {
        generation_of(
            self.timed(
                "get_generation",
                sqlx::query_as(&format!(
                    "{SELECT} WHERE g.tenant_id = $1 AND g.project_id = $2 AND g.id = $3"
                ))
                .bind(tenant_id)
                .bind(project_id)
                .bind(id)
                .fetch_optional(&mut *self.conn().await?),
            )
            .await?,
        )
    }

    /// For the worker: a generation by id alone.
    pub async fn get_generation_unscoped(&self, id: &str) -> Result<Generation> {
        generation_of(
            self.timed(
                "get_generation_unscoped",
                sqlx::query_as(&format!("{SELECT} WHERE g.id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *self.conn().await?),
            )
            .await?,
        )
    }

    /// A project's generations, newest first, a page at a time (keyset pagination: a page
    /// never repeats or skips a generation, whatever is queued meanwhile).
    pub async fn list_generations(
        &self,
        tenant_id: &str,
        project_id: &str,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<GenerationSummary>> {
        self.get_project(tenant_id, project_id).await?;
        let limit = limit.clamp(1, 200);
        let mut sql = SqlBuilder::new(&format!("{SELECT_SUMMARY} WHERE g.tenant_id = "));
        let p = sql.param(Param::Str(tenant_id.to_owned()));
        sql.push(&p);
        let p = sql.param(Param::Str(project_id.to_owned()));
        sql.push(&format!(" AND g.project_id = {p}"));
        newest_first::page(&mut sql, "g.", cursor, limit)?;
        let rows: Vec<GenerationSummaryRow> = self
            .timed(
                "list_generations",
                sql.query()
                    .try_map(|row| <GenerationSummaryRow as sqlx::FromRow<_>>::from_row(&row))
                    .fetch_all(&mut *self.conn().await?),
            )
            .await?;
        let mut items = rows
            .into_iter()
            .map(GenerationSummaryRow::into_summary)
            .collect::<Result<Vec<_>>>()?;
        let next_cursor = newest_first::next(&mut items, limit, |g| {
            (g.created_at.as_millis(), g.id.as_str())
        });
        Ok(Page { items, next_cursor })
    }

    /// Marks the generation running; `false` when `owner` no longer holds the job's lease.
    pub async fn start_generation(&self, id: &str, owner: &str) -> Result<bool> {
        let updated = self
            .timed(
                "start_generation",
                sqlx::query(&format!(
                    "UPDATE generations SET status = 'running', error = NULL, updated_at = $1 \
             WHERE id = $2 AND {}",
                    lease_held("$3")
                ))
                .bind(crate::clock::now_ms())
                .bind(id)
                .bind(owner)
                .execute(&mut *self.conn().await?),
            )
            .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Stores the outcome — status, QA report (JSON) and artifact — if `owner` still holds the
    /// job's lease; `false` otherwise (another worker owns the generation now).
    pub async fn finish_generation(
        &self,
        id: &str,
        owner: &str,
        status: GenerationStatus,
        qa_report: Option<&serde_json::Value>,
        artifact: Option<&[u8]>,
    ) -> Result<bool> {
        let sha = artifact.map(crate::sha256_hex);
        let updated = self
            .timed(
                "finish_generation",
                sqlx::query(&format!(
            "UPDATE generations SET status = $1, qa_report = $2, error = NULL, artifact = $3, \
             artifact_sha256 = $4, artifact_size = $5, updated_at = $6 WHERE id = $7 AND {}",
            lease_held("$8")
        ))
                .bind(status.as_str())
                .bind(qa_report.map(serde_json::Value::to_string))
                .bind(artifact.map(<[u8]>::to_vec))
                .bind(sha)
                .bind(artifact.map(|a| i64::try_from(a.len()).unwrap_or(i64::MAX)))
                .bind(crate::clock::now_ms())
                .bind(id)
                .bind(owner)
                .execute(&mut *self.conn().await?),
            )
            .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// The artifact bytes, if the generation produced one.
    pub async fn generation_artifact(
        &self,
        tenant_id: &str,
        project_id: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>> {
        // In one read with the job's state: a cancelled generation offers no artifact.
        let row: Option<(Option<Vec<u8>>,)> = self.timed("generation_artifact", sqlx::query_as(
            "SELECT CASE WHEN j.state = 'cancelled' THEN NULL ELSE g.artifact END AS artifact \
             FROM generations g LEFT JOIN jobs j ON j.id = g.job_id \
             WHERE g.tenant_id = $1 AND g.project_id = $2 AND g.id = $3",
        )
        .bind(tenant_id)
        .bind(project_id)
        .bind(id)
        .fetch_optional(&mut *self.conn().await?))
        .await?;
        Ok(row.or_not_found(Resource::Generation)?.0)
    }
}
