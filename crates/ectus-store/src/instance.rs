//! The instance's own state: read-only for its decommissioning. Once set, every write through
//! the API is refused (the server asks [`Store::instance_read_only`], answered from a cache of
//! at most [`STATE_TTL`] so that requests do not read it every time), and workers claim no job
//! but exports (the claim itself checks the table, whatever the process's cache says).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::audit::{self, Acting, AuditAction, AuditEvent};
use crate::clock::now_ms;
use crate::error::Result;
use crate::{Store, Timestamp};

/// How long a process trusts what it read of the instance's state.
pub const STATE_TTL: Duration = Duration::from_secs(1);

/// Since when, and why, the instance refuses writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadOnly {
    pub since: Timestamp,
    pub reason: String,
}

/// The last state read, and when.
#[derive(Debug, Default)]
pub(crate) struct StateCache {
    read: Mutex<Option<(Instant, Option<ReadOnly>)>>,
}

impl StateCache {
    fn get(&self) -> Option<Option<ReadOnly>> {
        let read = self.read.lock().unwrap_or_else(|p| p.into_inner());
        read.as_ref()
            .filter(|(at, _)| at.elapsed() < STATE_TTL)
            .map(|(_, state)| state.clone())
    }

    fn put(&self, state: Option<ReadOnly>) {
        *self.read.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), state));
    }
}

impl Store {
    /// Makes the instance read-only (kept if it already is) and records it in the audit log.
    pub async fn set_instance_read_only(&self, reason: &str, acting: &Acting) -> Result<ReadOnly> {
        let now = now_ms();
        let mut conn = self.conn().await?;
        let mut tx = self.begin_audited(&mut conn).await?;
        // Under the audit lock: of two processes asking at once, one sets it, one finds it set.
        let existing: Option<(i64, String)> =
            sqlx::query_as("SELECT read_only_since, read_only_reason FROM instance_state")
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((since, reason)) = existing {
            tx.rollback().await?;
            let state = ReadOnly {
                since: Timestamp::from_millis(since),
                reason,
            };
            self.instance.put(Some(state.clone()));
            return Ok(state);
        }
        sqlx::query(
            "INSERT INTO instance_state (id, read_only_since, read_only_reason) VALUES (1, $1, $2)",
        )
        .bind(now)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            AuditEvent {
                acting,
                tenant_id: None,
                action: AuditAction::InstanceReadOnly,
                target: "instance",
                details: serde_json::json!({ "reason": reason }),
            },
        )
        .await?;
        tx.commit().await?;
        let state = ReadOnly {
            since: Timestamp::from_millis(now),
            reason: reason.to_owned(),
        };
        self.instance.put(Some(state.clone()));
        Ok(state)
    }

    /// Makes a read-only instance writable again (a decommissioning abandoned); `false` when
    /// it was not read-only.
    pub async fn set_instance_writable(&self, acting: &Acting) -> Result<bool> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin_audited(&mut conn).await?;
        let removed = sqlx::query("DELETE FROM instance_state")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed > 0 {
            audit::append(
                &mut tx,
                AuditEvent {
                    acting,
                    tenant_id: None,
                    action: AuditAction::InstanceWritable,
                    target: "instance",
                    details: serde_json::json!({}),
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.instance.put(None);
        Ok(removed > 0)
    }

    /// Whether the instance is read-only, as read at most [`STATE_TTL`] ago.
    pub async fn instance_read_only(&self) -> Result<Option<ReadOnly>> {
        if let Some(state) = self.instance.get() {
            return Ok(state);
        }
        self.read_instance_state().await
    }

    async fn read_instance_state(&self) -> Result<Option<ReadOnly>> {
        let row: Option<(i64, String)> = self
            .timed(
                "instance_state",
                sqlx::query_as("SELECT read_only_since, read_only_reason FROM instance_state")
                    .fetch_optional(&mut *self.conn().await?),
            )
            .await?;
        let state = row.map(|(since, reason)| ReadOnly {
            since: Timestamp::from_millis(since),
            reason,
        });
        self.instance.put(state.clone());
        Ok(state)
    }
}

impl Store {
    /// Jobs running now, exports aside: what a decommissioning waits for before its final
    /// exports.
    pub async fn running_jobs_besides_exports(&self) -> Result<u64> {
        let count: i64 = self
            .timed(
                "running_jobs",
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM jobs WHERE state = 'running' AND kind <> 'export'",
                )
                .fetch_one(&mut *self.conn().await?),
            )
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }
}

impl Store {
    /// Records the end of a decommissioning: the SHA-256 of each final export.
    pub async fn record_decommissioned(&self, acting: &Acting, archives: &[String]) -> Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin_audited(&mut conn).await?;
        audit::append(
            &mut tx,
            AuditEvent {
                acting,
                tenant_id: None,
                action: AuditAction::Decommissioned,
                target: "instance",
                details: serde_json::json!({ "final_exports_sha256": archives }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
