//! The durable job queue.
//!
//! States: `queued → running → succeeded | failed | cancelled`, and `running → queued` when
//! a lease expires, a worker releases the job at shutdown, or an attempt fails with attempts
//! left. A worker owns a running job through its lease (`lease_owner`, `lease_expires_at`);
//! every state change a worker makes is conditional on still owning the lease, so a worker
//! that lost its lease (paused, partitioned, killed and replaced) can never overwrite the
//! outcome of the worker that took over.
//!
//! Claiming is one statement on both backends: PostgreSQL picks the row with
//! `FOR UPDATE SKIP LOCKED`, so concurrent claimers never wait on or take the same job;
//! SQLite runs the `UPDATE … WHERE id = (SELECT …)` under its single-writer lock, so the
//! select and the update are atomic. An instance made read-only for its decommissioning
//! (`instance_state`) hands out export jobs only.

use serde::Serialize;

use crate::clock::now_ms;
use crate::error::{json_column, Found as _, Resource, Result};
use crate::sql::{newest_first, Param, SqlBuilder};
use crate::text_enum::text_enum;
use crate::{new_id, Backend, Page, Store, Timestamp};

text_enum! {
    /// Lifecycle state of a job.
    pub enum JobState {
        Queued = "queued",
        Running = "running",
        Succeeded = "succeeded",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

impl JobState {
    /// Whether the job can no longer change.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::Failed | JobState::Cancelled
        )
    }
}

/// A stored job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub id: String,
    pub tenant_id: String,
    pub kind: String,
    /// What the job's handler needs; each kind defines its own shape.
    pub payload: serde_json::Value,
    pub state: JobState,
    pub attempts: i64,
    pub max_attempts: i64,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<Timestamp>,
    pub run_after: Timestamp,
    pub progress_phase: Option<String>,
    /// 0 to 100.
    pub progress_percent: u8,
    pub progress_message: Option<String>,
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub cancel_requested_at: Option<Timestamp>,
    /// Incremented on every change, so watchers can tell whether anything happened.
    pub revision: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// W3C `traceparent` of the request that enqueued the job, if it was traced.
    pub trace_parent: Option<String>,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: String,
    tenant_id: String,
    kind: String,
    payload: String,
    state: String,
    attempts: i64,
    max_attempts: i64,
    lease_owner: Option<String>,
    lease_expires_at: Option<i64>,
    run_after: i64,
    progress_phase: Option<String>,
    progress_percent: i64,
    progress_message: Option<String>,
    result: Option<String>,
    error: Option<String>,
    cancel_requested_at: Option<i64>,
    revision: i64,
    created_at: i64,
    updated_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    trace_parent: Option<String>,
}

impl JobRow {
    fn into_job(self) -> Result<Job> {
        let record = format!("job {}", self.id);
        let json = |text: &str, column: &str| json_column(text, &record, column);
        let at = |ms: Option<i64>| ms.map(Timestamp::from_millis);
        Ok(Job {
            payload: json(&self.payload, "payload")?,
            result: self
                .result
                .as_deref()
                .map(|r| json(r, "result"))
                .transpose()?,
            state: JobState::from_column(&self.state, &record)?,
            progress_percent: u8::try_from(self.progress_percent.clamp(0, 100)).unwrap_or(100),
            lease_expires_at: at(self.lease_expires_at),
            run_after: Timestamp::from_millis(self.run_after),
            cancel_requested_at: at(self.cancel_requested_at),
            created_at: Timestamp::from_millis(self.created_at),
            updated_at: Timestamp::from_millis(self.updated_at),
            started_at: at(self.started_at),
            finished_at: at(self.finished_at),
            id: self.id,
            tenant_id: self.tenant_id,
            kind: self.kind,
            attempts: self.attempts,
            max_attempts: self.max_attempts,
            lease_owner: self.lease_owner,
            progress_phase: self.progress_phase,
            progress_message: self.progress_message,
            error: self.error,
            revision: self.revision,
            trace_parent: self.trace_parent,
        })
    }
}

fn job_of(row: Option<JobRow>) -> Result<Job> {
    row.or_not_found(Resource::Job)?.into_job()
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub max_attempts: i64,
}

/// What a lease renewal found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseStatus {
    /// Still ours; keep going.
    Held,
    /// Still ours, and somebody asked to cancel the job.
    CancelRequested,
    /// No longer ours (expired and taken over, or the job ended): stop without writing.
    Lost,
}

/// What [`Store::cancel_job`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum CancelOutcome {
    /// The job was queued and is now cancelled.
    Cancelled(Job),
    /// The job is running; its worker will stop it at its next lease renewal.
    Requested(Job),
    /// The job had already ended.
    AlreadyFinished(Job),
}

/// Counts returned by [`Store::reap_expired_leases`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReapReport {
    pub requeued: u64,
    pub failed: u64,
    pub cancelled: u64,
}

/// Number of jobs by kind and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueDepth {
    pub kind: String,
    pub state: JobState,
    pub count: i64,
}

const CLAIM_SQLITE: &str = "UPDATE jobs SET state = 'running', lease_owner = $1, lease_expires_at = $2, \
     attempts = attempts + 1, started_at = COALESCE(started_at, $3), updated_at = $3, revision = revision + 1 \
     WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_after <= $3 \
                 AND (kind = 'export' OR NOT EXISTS (SELECT 1 FROM instance_state)) \
                 ORDER BY run_after, created_at, id LIMIT 1) \
       AND state = 'queued' \
     RETURNING *";

const CLAIM_POSTGRES: &str = "UPDATE jobs SET state = 'running', lease_owner = $1, lease_expires_at = $2, \
     attempts = attempts + 1, started_at = COALESCE(started_at, $3), updated_at = $3, revision = revision + 1 \
     WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND run_after <= $3 \
                 AND (kind = 'export' OR NOT EXISTS (SELECT 1 FROM instance_state)) \
                 ORDER BY run_after, created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
     RETURNING *";

/// Inserts a queued job through any executor (a pool or an open transaction); returns its id.
pub(crate) async fn insert_job<'e, E>(
    executor: E,
    tenant_id: &str,
    new: &NewJob,
    trace_parent: Option<&str>,
) -> Result<String>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let now = now_ms();
    let id = new_id();
    sqlx::query(
        "INSERT INTO jobs (id, tenant_id, kind, payload, state, attempts, max_attempts, run_after, \
         progress_percent, revision, created_at, updated_at, trace_parent) \
         VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, 0, 0, $6, $6, $7)",
    )
    .bind(&id)
    .bind(tenant_id)
    .bind(&new.kind)
    .bind(new.payload.to_string())
    .bind(new.max_attempts.max(1))
    .bind(now)
    .bind(trace_parent)
    .execute(executor)
    .await?;
    Ok(id)
}

impl Store {
    pub async fn enqueue_job(&self, tenant_id: &str, new: &NewJob) -> Result<Job> {
        self.enqueue_job_traced(tenant_id, new, None).await
    }

    /// Enqueues a job remembering the `traceparent` of the request that asked for it.
    pub async fn enqueue_job_traced(
        &self,
        tenant_id: &str,
        new: &NewJob,
        trace_parent: Option<&str>,
    ) -> Result<Job> {
        let id = insert_job(&mut *self.conn().await?, tenant_id, new, trace_parent).await?;
        self.get_job(tenant_id, &id).await
    }

    pub async fn get_job(&self, tenant_id: &str, id: &str) -> Result<Job> {
        job_of(
            self.timed(
                "get_job",
                sqlx::query_as("SELECT * FROM jobs WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant_id)
                    .bind(id)
                    .fetch_optional(&mut *self.conn().await?),
            )
            .await?,
        )
    }

    /// Reads a job by id alone: for workers and operators, never for tenant-facing paths.
    pub async fn get_job_unscoped(&self, id: &str) -> Result<Job> {
        job_of(
            self.timed(
                "get_job_unscoped",
                sqlx::query_as("SELECT * FROM jobs WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.conn().await?),
            )
            .await?,
        )
    }

    /// Lists a tenant's jobs, newest first, optionally in one state.
    pub async fn list_jobs(
        &self,
        tenant_id: &str,
        state: Option<JobState>,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<Page<Job>> {
        let limit = limit.clamp(1, 500);
        let mut sql = SqlBuilder::new("SELECT * FROM jobs WHERE tenant_id = ");
        let p = sql.param(Param::Str(tenant_id.to_owned()));
        sql.push(&p);
        if let Some(state) = state {
            let p = sql.param(Param::Str(state.as_str().to_owned()));
            sql.push(&format!(" AND state = {p}"));
        }
        newest_first::page(&mut sql, "", cursor, limit)?;
        let rows: Vec<JobRow> = self
            .timed(
                "list_jobs",
                sql.query()
                    .try_map(|row| <JobRow as sqlx::FromRow<_>>::from_row(&row))
                    .fetch_all(&mut *self.conn().await?),
            )
            .await?;
        let mut items = rows
            .into_iter()
            .map(JobRow::into_job)
            .collect::<Result<Vec<_>>>()?;
        let next_cursor = newest_first::next(&mut items, limit, |j| {
            (j.created_at.as_millis(), j.id.as_str())
        });
        Ok(Page { items, next_cursor })
    }

    /// Cancels a queued job at once, or asks the worker of a running job to stop it.
    pub async fn cancel_job(&self, tenant_id: &str, id: &str) -> Result<CancelOutcome> {
        // Two attempts cover a job that moves from running back to queued in between.
        for _ in 0..2 {
            let now = now_ms();
            let cancelled = self
                .timed(
                    "cancel_job",
                    sqlx::query(
                        "UPDATE jobs SET state = 'cancelled', finished_at = $1, updated_at = $1, \
                 cancel_requested_at = $1, revision = revision + 1 \
                 WHERE tenant_id = $2 AND id = $3 AND state = 'queued'",
                    )
                    .bind(now)
                    .bind(tenant_id)
                    .bind(id)
                    .execute(&mut *self.conn().await?),
                )
                .await?;
            if cancelled.rows_affected() == 1 {
                return Ok(CancelOutcome::Cancelled(self.get_job(tenant_id, id).await?));
            }
            self.timed("cancel_job", sqlx::query(
                "UPDATE jobs SET cancel_requested_at = $1, updated_at = $1, revision = revision + 1 \
                 WHERE tenant_id = $2 AND id = $3 AND state = 'running' AND cancel_requested_at IS NULL",
            )
            .bind(now)
            .bind(tenant_id)
            .bind(id)
            .execute(&mut *self.conn().await?))
            .await?;
            let job = self.get_job(tenant_id, id).await?;
            match job.state {
                JobState::Running => return Ok(CancelOutcome::Requested(job)),
                JobState::Queued => continue,
                _ => return Ok(CancelOutcome::AlreadyFinished(job)),
            }
        }
        Ok(CancelOutcome::Requested(self.get_job(tenant_id, id).await?))
    }

    /// Takes the next runnable job for `owner` with a lease of `lease_ms`, if there is one.
    pub async fn claim_job(&self, owner: &str, lease_ms: i64) -> Result<Option<Job>> {
        let now = now_ms();
        let sql = match self.backend() {
            Backend::Sqlite => CLAIM_SQLITE,
            Backend::Postgres => CLAIM_POSTGRES,
        };
        let row: Option<JobRow> = self
            .timed(
                "claim_job",
                sqlx::query_as(sql)
                    .bind(owner)
                    .bind(now + lease_ms)
                    .bind(now)
                    .fetch_optional(&mut *self.conn().await?),
            )
            .await?;
        row.map(JobRow::into_job).transpose()
    }

    /// Extends the lease of a running job, reporting whether it is still ours and whether a
    /// cancellation was requested.
    pub async fn renew_lease(&self, id: &str, owner: &str, lease_ms: i64) -> Result<LeaseStatus> {
        let row: Option<(Option<i64>,)> = self
            .timed(
                "renew_lease",
                sqlx::query_as(
                    "UPDATE jobs SET lease_expires_at = $1 \
             WHERE id = $2 AND lease_owner = $3 AND state = 'running' \
             RETURNING cancel_requested_at",
                )
                .bind(now_ms() + lease_ms)
                .bind(id)
                .bind(owner)
                .fetch_optional(&mut *self.conn().await?),
            )
            .await?;
        Ok(match row {
            None => LeaseStatus::Lost,
            Some((None,)) => LeaseStatus::Held,
            Some((Some(_),)) => LeaseStatus::CancelRequested,
        })
    }

    /// Records progress; returns `false` when the lease is no longer ours.
    pub async fn report_progress(
        &self,
        id: &str,
        owner: &str,
        phase: &str,
        percent: u8,
        message: &str,
    ) -> Result<bool> {
        let updated = self.timed("report_progress", sqlx::query(
            "UPDATE jobs SET progress_phase = $1, progress_percent = $2, progress_message = $3, \
             updated_at = $4, revision = revision + 1 \
             WHERE id = $5 AND lease_owner = $6 AND state = 'running'",
        )
        .bind(phase)
        .bind(i64::from(percent.min(100)))
        .bind(message)
        .bind(now_ms())
        .bind(id)
        .bind(owner)
        .execute(&mut *self.conn().await?))
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Marks the job succeeded with `result` — or cancelled, without it, when a cancellation
    /// was accepted while it ran (an accepted cancel always ends the job cancelled); returns
    /// `false` when the lease was lost.
    pub async fn complete_job(
        &self,
        id: &str,
        owner: &str,
        result: &serde_json::Value,
    ) -> Result<bool> {
        let now = now_ms();
        let updated = self.timed("complete_job", sqlx::query(
            "UPDATE jobs SET \
               state = CASE WHEN cancel_requested_at IS NULL THEN 'succeeded' ELSE 'cancelled' END, \
               result = CASE WHEN cancel_requested_at IS NULL THEN $1 END, error = NULL, \
               progress_percent = CASE WHEN cancel_requested_at IS NULL THEN 100 ELSE progress_percent END, \
               lease_owner = NULL, lease_expires_at = NULL, finished_at = $2, updated_at = $2, \
               revision = revision + 1 \
             WHERE id = $3 AND lease_owner = $4 AND state = 'running'",
        )
        .bind(result.to_string())
        .bind(now)
        .bind(id)
        .bind(owner)
        .execute(&mut *self.conn().await?))
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Records a failed attempt: the job goes back to the queue at `retry_at` while attempts
    /// remain, and fails for good with `error` otherwise (a pending cancellation wins). Returns the resulting state, or
    /// `None` when the lease was lost.
    pub async fn fail_attempt(
        &self,
        id: &str,
        owner: &str,
        error: &str,
        retry_at: Timestamp,
    ) -> Result<Option<JobState>> {
        let now = now_ms();
        let row: Option<(String,)> = self.timed("fail_attempt", sqlx::query_as(
            "UPDATE jobs SET \
               state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' \
                            WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END, \
               run_after = CASE WHEN attempts < max_attempts THEN $1 ELSE run_after END, \
               finished_at = CASE WHEN cancel_requested_at IS NULL AND attempts < max_attempts THEN NULL ELSE $2 END, \
               error = $3, lease_owner = NULL, lease_expires_at = NULL, updated_at = $2, \
               revision = revision + 1 \
             WHERE id = $4 AND lease_owner = $5 AND state = 'running' \
             RETURNING state",
        )
        .bind(retry_at.as_millis())
        .bind(now)
        .bind(error)
        .bind(id)
        .bind(owner)
        .fetch_optional(&mut *self.conn().await?))
        .await?;
        row.map(|(state,)| JobState::from_column(&state, &format!("job {id}")))
            .transpose()
    }

    /// Marks a running job cancelled (after its worker stopped it on request).
    pub async fn finish_cancelled(&self, id: &str, owner: &str) -> Result<bool> {
        let now = now_ms();
        let updated = self.timed("finish_cancelled", sqlx::query(
            "UPDATE jobs SET state = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, \
             finished_at = $1, updated_at = $1, revision = revision + 1 \
             WHERE id = $2 AND lease_owner = $3 AND state = 'running'",
        )
        .bind(now)
        .bind(id)
        .bind(owner)
        .execute(&mut *self.conn().await?))
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Puts a running job back in the queue without counting the attempt (worker shutdown);
    /// a job whose cancellation is pending is cancelled instead.
    pub async fn release_job(&self, id: &str, owner: &str) -> Result<bool> {
        let now = now_ms();
        let updated = self
            .timed(
                "release_job",
                sqlx::query(
                    "UPDATE jobs SET \
             state = CASE WHEN cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE 'queued' END, \
             finished_at = CASE WHEN cancel_requested_at IS NOT NULL THEN $1 ELSE NULL END, \
             attempts = attempts - 1, lease_owner = NULL, \
             lease_expires_at = NULL, run_after = $1, updated_at = $1, revision = revision + 1 \
             WHERE id = $2 AND lease_owner = $3 AND state = 'running'",
                )
                .bind(now)
                .bind(id)
                .bind(owner)
                .execute(&mut *self.conn().await?),
            )
            .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// Ends the leases that expired: a job whose cancellation was requested is cancelled, a job
    /// out of attempts fails with the reason, any other goes back to the queue.
    pub async fn reap_expired_leases(&self) -> Result<ReapReport> {
        let now = now_ms();
        let cancelled = self.timed("reap_expired_leases", sqlx::query(
            "UPDATE jobs SET state = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, \
             finished_at = $1, updated_at = $1, revision = revision + 1 \
             WHERE state = 'running' AND lease_expires_at < $1 AND cancel_requested_at IS NOT NULL",
        )
        .bind(now)
        .execute(&mut *self.conn().await?))
        .await?
        .rows_affected();
        let failed = self.timed("reap_expired_leases", sqlx::query(
            "UPDATE jobs SET state = 'failed', \
             error = 'the lease of worker ' || COALESCE(lease_owner, '?') || ' expired on the last of ' \
                     || CAST(max_attempts AS TEXT) || ' attempts', \
             lease_owner = NULL, lease_expires_at = NULL, finished_at = $1, updated_at = $1, \
             revision = revision + 1 \
             WHERE state = 'running' AND lease_expires_at < $1 AND attempts >= max_attempts",
        )
        .bind(now)
        .execute(&mut *self.conn().await?))
        .await?
        .rows_affected();
        let requeued = self
            .timed(
                "reap_expired_leases",
                sqlx::query(
                    "UPDATE jobs SET state = 'queued', \
             error = 'the lease of worker ' || COALESCE(lease_owner, '?') || ' expired; retrying', \
             lease_owner = NULL, lease_expires_at = NULL, run_after = $1, updated_at = $1, \
             revision = revision + 1 \
             WHERE state = 'running' AND lease_expires_at < $1",
                )
                .bind(now)
                .execute(&mut *self.conn().await?),
            )
            .await?
            .rows_affected();
        Ok(ReapReport {
            requeued,
            failed,
            cancelled,
        })
    }

    /// Job counts by kind and state (for operators and metrics).
    pub async fn queue_depth(&self) -> Result<Vec<QueueDepth>> {
        let rows: Vec<(String, String, i64)> = self.timed("queue_depth", sqlx::query_as(
            "SELECT kind, state, COUNT(*) AS count FROM jobs GROUP BY kind, state ORDER BY kind, state",
        )
        .fetch_all(&mut *self.conn().await?))
        .await?;
        rows.into_iter()
            .map(|(kind, state, count)| {
                Ok(QueueDepth {
                    state: JobState::from_column(&state, &format!("a {kind} job"))?,
                    kind,
                    count,
                })
            })
            .collect()
    }
}
