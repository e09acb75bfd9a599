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

const COLUMNS: &str =
    "id, tenant_id, project_id, job_id, input_kind, input, spec, spec_hash, assumptions, \
    status, qa, qa_report, error, artifact_sha256, artifact_size, created_at, updated_at";

impl Store {
    /// Enqueues the generation's job, then records the generation (a job whose generation
    /// row is missing fails at once with that reason).
    pub async fn create_generation(
        &self,
        tenant_id: &str,
        project_id: &str,
        new: &NewGeneration<'_>,
        job: &crate::jobs::NewJob,
    ) -> Result<(Generation, crate::jobs::Job)> {
        // The project must exist in this tenant (NotFound otherwise).
        self.get_project(tenant_id, project_id).await?;
        let id = new_id();
        let now = now_ms();
        let mut payload = job.payload.clone();
        payload["generation_id"] = serde_json::Value::String(id.clone());
        let job = self
            .enqueue_job(
                tenant_id,
                &crate::jobs::NewJob {
                    kind: job.kind.clone(),
                    payload,
                    max_attempts: job.max_attempts,
                },
            )
            .await?;
        sqlx::query(
            "INSERT INTO generations (id, tenant_id, project_id, job_id, input_kind, input, spec, spec_hash, \
             assumptions, status, qa, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10, $11, $11)",
        )
        .bind(&id)
        .bind(tenant_id)
        .bind(project_id)
        .bind(&job.id)
        .bind(new.input_kind)
        .bind(new.input)
        .bind(new.spec)
        .bind(new.spec_hash)
        .bind(new.assumptions)
        .bind(i64::from(new.qa))
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok((self.get_generation(tenant_id, project_id, &id).await?, job))
    }

    pub async fn get_generation(
        &self,
        tenant_id: &str,
        project_id: &str,
        id: &str,
    ) -> Result<Generation> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM generations WHERE tenant_id = $1 AND project_id = $2 AND id = $3"
        ))
        .bind(tenant_id)
        .bind(project_id)
        .bind(id)
        .fetch_one(self.pool())
        .await?)
    }

    /// For the worker: a generation by id alone.
    pub async fn get_generation_unscoped(&self, id: &str) -> Result<Generation> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM generations WHERE id = $1"))
                .bind(id)
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// A project's generations, newest first (at most 100).
    pub async fn list_generations(
        &self,
        tenant_id: &str,
        project_id: &str,
    ) -> Result<Vec<Generation>> {
        self.get_project(tenant_id, project_id).await?;
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM generations WHERE tenant_id = $1 AND project_id = $2 \
             ORDER BY created_at DESC, id DESC LIMIT 100"
        ))
        .bind(tenant_id)
        .bind(project_id)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn set_generation_status(&self, id: &str, status: &str) -> Result<()> {
        sqlx::query("UPDATE generations SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status)
            .bind(now_ms())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Stores the outcome: status, QA report (JSON), error and the artifact.
    pub async fn finish_generation(
        &self,
        id: &str,
        status: &str,
        qa_report: Option<&str>,
        error: Option<&str>,
        artifact: Option<&[u8]>,
    ) -> Result<()> {
        let sha = artifact.map(|bytes| {
            use sha2::Digest as _;
            sha2::Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        });
        sqlx::query(
            "UPDATE generations SET status = $1, qa_report = $2, error = $3, artifact = $4, \
             artifact_sha256 = $5, artifact_size = $6, updated_at = $7 WHERE id = $8",
        )
        .bind(status)
        .bind(qa_report)
        .bind(error)
        .bind(artifact.map(<[u8]>::to_vec))
        .bind(sha)
        .bind(artifact.map(|a| i64::try_from(a.len()).unwrap_or(i64::MAX)))
        .bind(now_ms())
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The artifact bytes, if the generation produced one.
    pub async fn generation_artifact(
        &self,
        tenant_id: &str,
        project_id: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>> {
        let (artifact,): (Option<Vec<u8>>,) = sqlx::query_as(
            "SELECT artifact FROM generations WHERE tenant_id = $1 AND project_id = $2 AND id = $3",
        )
        .bind(tenant_id)
        .bind(project_id)
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        Ok(artifact)
    }
}
