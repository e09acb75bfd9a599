//! Generations: requests to generate a project's service, their QA reports and artifacts.

use serde::Serialize;

use crate::error::Result;
use crate::{new_id, now_ms, Store};

/// A stored generation (without the artifact bytes).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Generation {
    pub id: String,
    pub tenant_id: String,
    pub project_id: String,
    pub job_id: Option<String>,
    pub input_kind: String,
    pub input: String,
    /// The derived spec as JSON.
    pub spec: String,
    pub spec_hash: String,
    /// The assumptions as a JSON array.
    pub assumptions: String,
    pub status: String,
    /// Whether QA runs (1) or only files are generated (0).
    pub qa: i64,
    /// The QA report as JSON.
    pub qa_report: Option<String>,
    pub error: Option<String>,
    pub artifact_sha256: Option<String>,
    pub artifact_size: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a new generation holds.
#[derive(Debug, Clone)]
pub struct NewGeneration<'a> {
    pub input_kind: &'a str,
    pub input: &'a str,
    pub spec: &'a str,
    pub spec_hash: &'a str,
    pub assumptions: &'a str,
    pub qa: bool,
}

/// The generation's own columns, with status and error completed from its job: a job that
/// ended as failed or cancelled before the handler recorded an outcome decides them.
const SELECT: &str = "SELECT g.id, g.tenant_id, g.project_id, g.job_id, g.input_kind, g.input, g.spec, \
    g.spec_hash, g.assumptions, \
    CASE WHEN g.status IN ('queued', 'running') AND j.state IN ('failed', 'cancelled') THEN j.state \
         ELSE g.status END AS status, \
    g.qa, g.qa_report, \
    COALESCE(g.error, CASE WHEN j.state IN ('failed', 'cancelled') THEN j.error END) AS error, \
    g.artifact_sha256, g.artifact_size, g.created_at, g.updated_at \
    FROM generations g LEFT JOIN jobs j ON j.id = g.job_id";

/// The condition under which a generation job's write holds: its worker (bound at
/// `owner_param`) still owns the job's lease.
fn lease_held(owner_param: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM jobs WHERE jobs.id = generations.job_id \
         AND jobs.lease_owner = {owner_param} AND jobs.state = 'running')"
    )
}

impl Store {
    /// Records a generation and enqueues its job in one transaction: a worker never sees the
    /// job without its generation, and a failure leaves neither behind.
    pub async fn create_generation(
        &self,
        tenant_id: &str,
        project_id: &str,
        new: &NewGeneration<'_>,
        job: &crate::jobs::NewJob,
        trace_parent: Option<&str>,
    ) -> Result<(Generation, crate::jobs::Job)> {
        // The project must exist in this tenant (NotFound otherwise).
        self.get_project(tenant_id, project_id).await?;
        let id = new_id();
        let now = now_ms();
        let mut payload = job.payload.clone();
        payload["generation_id"] = serde_json::Value::String(id.clone());
        let job = crate::jobs::NewJob {
            kind: job.kind.clone(),
            payload,
            max_attempts: job.max_attempts,
        };
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let job_id = crate::jobs::insert_job(&mut *tx, tenant_id, &job, trace_parent).await?;
        sqlx::query(
            "INSERT INTO generations (id, tenant_id, project_id, job_id, input_kind, input, spec, spec_hash, \
             assumptions, status, qa, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10, $11, $11)",
        )
        .bind(&id)
        .bind(tenant_id)
        .bind(project_id)
        .bind(&job_id)
        .bind(new.input_kind)
        .bind(new.input)
        .bind(new.spec)
        .bind(new.spec_hash)
        .bind(new.assumptions)
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

    pub async fn get_generation(
        &self,
        tenant_id: &str,
        project_id: &str,
        id: &str,
    ) -> Result<Generation> {
        Ok(self
            .timed(
                "get_generation",
                sqlx::query_as(&format!(
                    "{SELECT} WHERE g.tenant_id = $1 AND g.project_id = $2 AND g.id = $3"
                ))
                .bind(tenant_id)
                .bind(project_id)
                .bind(id)
                .fetch_one(&mut *self.conn().await?),
            )
            .await?)
    }

    /// For the worker: a generation by id alone.
    pub async fn get_generation_unscoped(&self, id: &str) -> Result<Generation> {
        Ok(self
            .timed(
                "get_generation_unscoped",
                sqlx::query_as(&format!("{SELECT} WHERE g.id = $1"))
                    .bind(id)
                    .fetch_one(&mut *self.conn().await?),
            )
            .await?)
    }

    /// A project's generations, newest first (at most 100).
    pub async fn list_generations(
        &self,
        tenant_id: &str,
        project_id: &str,
    ) -> Result<Vec<Generation>> {
        self.get_project(tenant_id, project_id).await?;
        Ok(self
            .timed(
                "list_generations",
                sqlx::query_as(&format!(
                    "{SELECT} WHERE g.tenant_id = $1 AND g.project_id = $2 \
             ORDER BY g.created_at DESC, g.id DESC LIMIT 100"
                ))
                .bind(tenant_id)
                .bind(project_id)
                .fetch_all(&mut *self.conn().await?),
            )
            .await?)
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
                .bind(now_ms())
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
        status: &str,
        qa_report: Option<&str>,
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
                .bind(status)
                .bind(qa_report)
                .bind(artifact.map(<[u8]>::to_vec))
                .bind(sha)
                .bind(artifact.map(|a| i64::try_from(a.len()).unwrap_or(i64::MAX)))
                .bind(now_ms())
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
        let (artifact,): (Option<Vec<u8>>,) = self.timed("generation_artifact", sqlx::query_as(
            "SELECT artifact FROM generations WHERE tenant_id = $1 AND project_id = $2 AND id = $3",
        )
        .bind(tenant_id)
        .bind(project_id)
        .bind(id)
        .fetch_one(&mut *self.conn().await?))
        .await?;
        Ok(artifact)
    }
}
