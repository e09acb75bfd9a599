//! Retention: what each kind of data keeps, what a run removes, in bounded batches. A run
//! never touches a row younger than its policy or one something else still refers to (a job
//! whose generation exists, an incident still firing), and records what it removed in the
//! audit log.

use std::time::Duration;

use serde::Serialize;

use crate::audit::{self, Acting, AuditAction, AuditEvent};
use crate::clock::now_ms;
use crate::error::Result;
use crate::text_enum::text_enum;
use crate::Store;

text_enum! {
    /// A kind of data with a retention policy.
    pub enum RetentionKind {
        /// Jobs that succeeded, failed or were cancelled, that no generation refers to.
        FinishedJobs = "finished_jobs",
        /// The downloadable archives of finished generations (the generation record stays).
        GenerationArtifacts = "generation_artifacts",
        /// Incidents whose alert resolved.
        Incidents = "incidents",
        /// The stored archives of finished export jobs (the job, with its summary, stays).
        ExportArchives = "export_archives",
        /// Audit entries, oldest first, as a prefix of the chain (its newest entry always stays;
        /// the last removed one is recorded, so the rest still verifies).
        AuditEntries = "audit_entries",
    }
}

/// How long one kind of data is kept after it is finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    pub kind: RetentionKind,
    pub keep: Duration,
}

/// What a run found or removed for one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionOutcome {
    pub kind: RetentionKind,
    /// Kept for at least this long (seconds).
    pub keep_seconds: u64,
    /// Rows older than the policy when the run started (a dry run removes none of them).
    pub due: u64,
    /// Rows removed (artifacts cleared).
    pub removed: u64,
}

/// A run of the policies: what went per kind, and the error that stopped it part-way, if
/// one did (what went before it is in `outcomes` and in the run's audit entry).
#[derive(Debug)]
pub struct RetentionRun {
    pub outcomes: Vec<RetentionOutcome>,
    pub failure: Option<crate::StoreError>,
}

/// The `FROM` and `WHERE` clauses selecting the rows of `kind` due before the cutoff bound as `$1`.
fn due_rows(kind: RetentionKind) -> &'static str {
    match kind {
        RetentionKind::FinishedJobs => {
            "FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled') \
             AND finished_at IS NOT NULL AND finished_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM generations g WHERE g.job_id = jobs.id)"
        }
        // Whatever the generation's own status says, never while its job may still run.
        RetentionKind::GenerationArtifacts => {
            "FROM generations WHERE artifact IS NOT NULL AND updated_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = generations.job_id \
                             AND j.state IN ('queued', 'running'))"
        }
        RetentionKind::Incidents => {
            "FROM incidents WHERE status = 'resolved' AND ends_at IS NOT NULL AND ends_at < $1"
        }
        RetentionKind::ExportArchives => {
            "FROM jobs WHERE kind = 'export' AND finished_at IS NOT NULL AND finished_at < $1 \
             AND EXISTS (SELECT 1 FROM export_chunks c WHERE c.job_id = jobs.id)"
        }
        // A prefix only: everything before the first entry young enough to keep, never the head.
        RetentionKind::AuditEntries => {
            "FROM audit_log WHERE seq < COALESCE( \
                 (SELECT MIN(seq) FROM audit_log WHERE at >= $1), \
                 (SELECT MAX(seq) FROM audit_log))"
        }
    }
}

impl Store {
    /// How many rows of each policy's kind are due now, removing nothing.
    pub async fn retention_preview(
        &self,
        policies: &[RetentionPolicy],
    ) -> Result<Vec<RetentionOutcome>> {
        let now = now_ms();
        let mut out = Vec::new();
        for policy in policies {
            let cutoff = cutoff(now, policy.keep);
            let due: i64 = self
                .timed(
                    "retention_preview",
                    sqlx::query_scalar(&format!("SELECT COUNT(*) {}", due_rows(policy.kind)))
                        .bind(cutoff)
                        .fetch_one(&mut *self.conn().await?),
                )
                .await?;
            out.push(RetentionOutcome {
                kind: policy.kind,
                keep_seconds: policy.keep.as_secs(),
                due: u64::try_from(due).unwrap_or_default(),
                removed: 0,
            });
        }
        Ok(out)
    }

    /// Removes what each policy no longer keeps, `batch` rows per statement (so no statement
    /// holds locks for long), and appends one audit entry for the run when it removed
    /// anything — also when a batch failed part-way, with what went until then.
    pub async fn enforce_retention(
        &self,
        policies: &[RetentionPolicy],
        batch: u32,
        acting: &Acting,
    ) -> Result<RetentionRun> {
        let mut outcomes = self.retention_preview(policies).await?;
        let now = now_ms();
        let batch = i64::from(batch.max(1));
        let mut failure = None;
        'policies: for (policy, outcome) in policies.iter().zip(&mut outcomes) {
            let cutoff = cutoff(now, policy.keep);
            loop {
                match self.retention_batch(policy.kind, cutoff, batch, now).await {
                    Ok(removed) => {
                        outcome.removed += removed;
                        if removed < batch as u64 {
                            break;
                        }
                    }
                    Err(error) => {
                        failure = Some(error);
                        break 'policies;
                    }
                }
            }
        }
        if outcomes.iter().any(|o| o.removed > 0) {
            let mut details: serde_json::Map<String, serde_json::Value> = outcomes
                .iter()
                .map(|o| (o.kind.as_str().to_owned(), o.removed.into()))
                .collect();
            if let Some(error) = &failure {
                details.insert("failed".into(), error.to_string().into());
            }
            let mut conn = self.conn().await?;
            let mut tx = self.begin_audited(&mut conn).await?;
            audit::append(
                &mut tx,
                AuditEvent {
                    acting,
                    tenant_id: None,
                    action: AuditAction::RetentionRun,
                    target: "retention",
                    details: serde_json::Value::Object(details),
                },
            )
            .await?;
            tx.commit().await?;
        }
        Ok(RetentionRun { outcomes, failure })
    }

    /// One batch of `kind` older than `cutoff`: the number of rows removed.
    async fn retention_batch(
        &self,
        kind: RetentionKind,
        cutoff: i64,
        batch: i64,
        now: i64,
    ) -> Result<u64> {
        let change = match kind {
            RetentionKind::FinishedJobs => "DELETE FROM jobs",
            RetentionKind::GenerationArtifacts => {
                "UPDATE generations SET artifact = NULL, artifact_sha256 = NULL, \
                 artifact_size = NULL, artifact_expired_at = $3"
            }
            RetentionKind::Incidents => "DELETE FROM incidents",
            RetentionKind::ExportArchives => {
                return self.expire_export_archives(cutoff, batch).await
            }
            RetentionKind::AuditEntries => return self.prune_audit_entries(cutoff, batch).await,
        };
        let sql = format!(
            "{change} WHERE id IN (SELECT id {} ORDER BY id LIMIT $2)",
            due_rows(kind)
        );
        let mut query = sqlx::query(&sql).bind(cutoff).bind(batch);
        if kind == RetentionKind::GenerationArtifacts {
            query = query.bind(now);
        }
        let done = self
            .timed("retention", query.execute(&mut *self.conn().await?))
            .await?;
        Ok(done.rows_affected())
    }
}

impl Store {
    /// Removes the stored archives of up to `batch` export jobs finished before `cutoff`; the
    /// number of archives removed.
    async fn expire_export_archives(&self, cutoff: i64, batch: i64) -> Result<u64> {
        let ids: Vec<String> = self
            .timed(
                "retention",
                sqlx::query_scalar(&format!(
                    "SELECT id {} ORDER BY id LIMIT $2",
                    due_rows(RetentionKind::ExportArchives)
                ))
                .bind(cutoff)
                .bind(batch)
                .fetch_all(&mut *self.conn().await?),
            )
            .await?;
        for id in &ids {
            self.timed(
                "retention",
                sqlx::query("DELETE FROM export_chunks WHERE job_id = $1")
                    .bind(id)
                    .execute(&mut *self.conn().await?),
            )
            .await?;
        }
        Ok(ids.len() as u64)
    }

    /// Removes the audit entries older than `cutoff` from the start of the log, `batch` at a
    /// time, each batch under the audit lock: it records the last entry removed as the point
    /// the chain now starts from (`audit_checkpoint`) and appends an `audit_pruned` entry naming
    /// it, without which verification does not accept the checkpoint. The boundary (the first
    /// entry young enough to keep, or else the newest) is found once.
    async fn prune_audit_entries(&self, cutoff: i64, batch: i64) -> Result<u64> {
        let boundary: Option<i64> = sqlx::query_scalar(
            "SELECT COALESCE((SELECT MIN(seq) FROM audit_log WHERE at >= $1), \
             (SELECT MAX(seq) FROM audit_log))",
        )
        .bind(cutoff)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        let Some(boundary) = boundary else {
            return Ok(0);
        };
        let mut total = 0;
        loop {
            let mut conn = self.conn().await?;
            let mut tx = self.begin_audited(&mut conn).await?;
            let last: Option<(i64, String)> = sqlx::query_as(
                "SELECT seq, hash FROM (SELECT seq, hash FROM audit_log WHERE seq < $1 \
                 ORDER BY seq LIMIT $2) AS batch ORDER BY seq DESC LIMIT 1",
            )
            .bind(boundary)
            .bind(batch)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((seq, hash)) = last else {
                return Ok(total);
            };
            let removed = sqlx::query("DELETE FROM audit_log WHERE seq <= $1")
                .bind(seq)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM audit_checkpoint")
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO audit_checkpoint (id, seq, hash, pruned_at) VALUES (1, $1, $2, $3)",
            )
            .bind(seq)
            .bind(&hash)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            audit::append(
                &mut tx,
                AuditEvent {
                    acting: &Acting::platform(),
                    tenant_id: None,
                    action: AuditAction::AuditPruned,
                    target: "audit_log",
                    details: serde_json::json!({
                        "through_seq": seq,
                        "through_hash": hash,
                        "removed": removed,
                    }),
                },
            )
            .await?;
            tx.commit().await?;
            total += removed;
            if removed < batch as u64 {
                return Ok(total);
            }
        }
    }
}

/// The time before which rows are due: `now - keep`, never before the epoch.
fn cutoff(now: i64, keep: Duration) -> i64 {
    let keep = i64::try_from(keep.as_millis()).unwrap_or(i64::MAX);
    now.saturating_sub(keep)
}
