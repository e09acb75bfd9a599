//! The audit log: who did what to which tenant, appended in the same transaction as the action
//! it records, each entry chained to the one before by its hash ([`chain`]). Appends are
//! serialised across processes (SQLite's write lock, a PostgreSQL advisory lock), so the chain
//! stays one line whatever the number of replicas.

pub mod chain;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Serialize;

use crate::clock::now_ms;
use crate::error::{json_column, Result, StoreError};
use crate::sql::{Param, SqlBuilder};
use crate::text_enum::text_enum;
use crate::{Backend, Page, Store, Timestamp};

pub use chain::{AuditFinding, AuditHead, AuditReport, GENESIS};

text_enum! {
    /// A security-relevant action the audit log records.
    pub enum AuditAction {
        TenantCreated = "tenant_created",
        KeyCreated = "key_created",
        KeyRevoked = "key_revoked",
        IncidentAcknowledged = "incident_acknowledged",
        RetentionRun = "retention_run",
        TenantExported = "tenant_exported",
        TenantImported = "tenant_imported",
        TenantDeletionRequested = "tenant_deletion_requested",
        TenantRestored = "tenant_restored",
        TenantPurged = "tenant_purged",
        InstanceReadOnly = "instance_read_only",
        InstanceWritable = "instance_writable",
        Decommissioned = "decommissioned",
        AuditPruned = "audit_pruned",
    }
}

/// Who acted: an API key (by its prefix), the operator at the host's command line, or the
/// platform itself (first start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Key(String),
    Operator,
    Platform,
}

impl Actor {
    /// The stored spelling: `key:<prefix>`, `operator` or `platform`.
    pub fn as_column(&self) -> String {
        match self {
            Actor::Key(prefix) => format!("key:{prefix}"),
            Actor::Operator => "operator".into(),
            Actor::Platform => "platform".into(),
        }
    }
}

/// The actor of an action and the request that carried it, for the entry that records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acting {
    pub actor: Actor,
    pub request_id: Option<String>,
}

impl Acting {
    /// The operator at the host's command line (`ectus admin …`).
    pub fn operator() -> Acting {
        Acting {
            actor: Actor::Operator,
            request_id: None,
        }
    }

    /// The platform itself (the first start's tenant and key).
    pub fn platform() -> Acting {
        Acting {
            actor: Actor::Platform,
            request_id: None,
        }
    }

    /// An API key, over the request `request_id`.
    pub fn key(prefix: &str, request_id: Option<String>) -> Acting {
        Acting {
            actor: Actor::Key(prefix.to_owned()),
            request_id,
        }
    }
}

/// One recorded action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Position in the log: 1, 2, …
    pub seq: i64,
    pub at: Timestamp,
    /// `key:<prefix>`, `operator` or `platform`.
    pub actor: String,
    pub tenant_id: Option<String>,
    pub action: AuditAction,
    /// What the action was done to: a tenant's name, a key's prefix, an incident's id.
    pub target: String,
    pub request_id: Option<String>,
    pub details: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// What an action appends.
pub(crate) struct AuditEvent<'a> {
    pub acting: &'a Acting,
    pub tenant_id: Option<&'a str>,
    pub action: AuditAction,
    pub target: &'a str,
    pub details: serde_json::Value,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    at: i64,
    actor: String,
    tenant_id: Option<String>,
    action: String,
    target: String,
    request_id: Option<String>,
    details: String,
    prev_hash: String,
    hash: String,
}

impl AuditRow {
    fn into_entry(self) -> Result<AuditEntry> {
        let record = format!("audit entry {}", self.seq);
        Ok(AuditEntry {
            seq: self.seq,
            at: Timestamp::from_millis(self.at),
            action: AuditAction::from_column(&self.action, &record)?,
            details: json_column(&self.details, &record, "details")?,
            actor: self.actor,
            tenant_id: self.tenant_id,
            target: self.target,
            request_id: self.request_id,
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }

    fn into_chained(self) -> chain::ChainedEntry {
        chain::ChainedEntry {
            seq: self.seq,
            at: self.at,
            actor: self.actor,
            tenant_id: self.tenant_id,
            action: self.action,
            target: self.target,
            request_id: self.request_id,
            details: self.details,
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

/// Appends `event` after the current head, inside `tx`, which must hold the audit lock
/// ([`Store::begin_audited`]).
pub(crate) async fn append(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    event: AuditEvent<'_>,
) -> Result<AuditHead> {
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
    let (seq, prev_hash) = head.map_or((1, GENESIS.to_owned()), |(seq, hash)| (seq + 1, hash));
    let mut entry = chain::ChainedEntry {
        seq,
        at: now_ms(),
        actor: event.acting.actor.as_column(),
        tenant_id: event.tenant_id.map(str::to_owned),
        action: event.action.as_str().to_owned(),
        target: event.target.to_owned(),
        request_id: event.acting.request_id.clone(),
        details: event.details.to_string(),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry.computed_hash();
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, tenant_id, action, target, request_id, details, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(entry.seq)
    .bind(entry.at)
    .bind(&entry.actor)
    .bind(&entry.tenant_id)
    .bind(&entry.action)
    .bind(&entry.target)
    .bind(&entry.request_id)
    .bind(&entry.details)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut **tx)
    .await?;
    Ok(AuditHead {
        seq,
        hash: entry.hash,
    })
}

/// A page request over the audit log, oldest entry first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this tenant's entries; `None` for every entry (the platform operator).
    pub tenant_id: Option<String>,
    pub limit: u32,
    pub cursor: Option<String>,
}

fn decode_cursor(raw: &str) -> Result<i64> {
    let bytes = URL_SAFE_NO_PAD
        .decode(raw)
        .map_err(|_| StoreError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| StoreError::InvalidCursor)?;
    text.parse().map_err(|_| StoreError::InvalidCursor)
}

impl Store {
    /// A transaction holding the audit lock: on SQLite the write lock (`BEGIN IMMEDIATE`), on
    /// PostgreSQL an advisory lock, so that two appends never read the same head.
    pub(crate) async fn begin_audited<'c>(
        &self,
        conn: &'c mut sqlx::pool::PoolConnection<sqlx::Any>,
    ) -> Result<sqlx::Transaction<'c, sqlx::Any>> {
        Ok(match self.backend() {
            Backend::Sqlite => sqlx::Connection::begin_with(&mut **conn, "BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = sqlx::Connection::begin(&mut **conn).await?;
                // Read committed whatever the server's default: the head must be read after
                // the lock is held, not from a snapshot taken before it.
                sqlx::query("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext('audit_log'))")
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        })
    }

    /// The newest entry's position and hash; `None` while the log is empty.
    pub async fn audit_head(&self) -> Result<Option<AuditHead>> {
        let head: Option<(i64, String)> = self
            .timed(
                "audit_head",
                sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *self.conn().await?),
            )
            .await?;
        Ok(head.map(|(seq, hash)| AuditHead { seq, hash }))
    }

    /// A page of entries, oldest first, after the cursor.
    pub async fn audit_entries(&self, query: &AuditQuery) -> Result<Page<AuditEntry>> {
        let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
        let limit = query.limit.clamp(1, 500);
        let mut sql = SqlBuilder::new("SELECT * FROM audit_log WHERE ");
        let after = sql.param(Param::I64(after.unwrap_or(0)));
        sql.push(&format!("seq > {after}"));
        if let Some(tenant) = &query.tenant_id {
            let p = sql.param(Param::Str(tenant.clone()));
            sql.push(&format!(" AND tenant_id = {p}"));
        }
        let fetch = sql.param(Param::I64(i64::from(limit) + 1));
        sql.push(&format!(" ORDER BY seq LIMIT {fetch}"));
        let rows: Vec<AuditRow> = self
            .timed(
                "audit_entries",
                sql.query()
                    .try_map(|row| <AuditRow as sqlx::FromRow<_>>::from_row(&row))
                    .fetch_all(&mut *self.conn().await?),
            )
            .await?;
        let mut items = rows
            .into_iter()
            .map(AuditRow::into_entry)
            .collect::<Result<Vec<_>>>()?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items
                .last()
                .map(|e| URL_SAFE_NO_PAD.encode(e.seq.to_string()))
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// Verifies the whole log against the optional anchor: every break, in order. A log whose
    /// oldest entries the retention policy pruned is verified from the last one removed.
    pub async fn verify_audit(&self, anchor: Option<&AuditHead>) -> Result<AuditReport> {
        // One read snapshot for both, so that a prune committing meanwhile is seen whole or not.
        let mut conn = self.conn().await?;
        let mut tx = self.begin_snapshot(&mut conn).await?;
        let checkpoint: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_checkpoint")
                .fetch_optional(&mut *tx)
                .await?;
        let rows: Vec<AuditRow> = sqlx::query_as("SELECT * FROM audit_log ORDER BY seq")
            .fetch_all(&mut *tx)
            .await?;
        tx.rollback().await?;
        // The checkpoint counts only when the chain itself records that prune (its newest
        // `audit_pruned` entry names it); a checkpoint alone could hide a deleted prefix.
        let recorded = rows
            .iter()
            .rev()
            .find(|r| r.action == AuditAction::AuditPruned.as_str())
            .and_then(|r| serde_json::from_str::<serde_json::Value>(&r.details).ok());
        let pruned_through = checkpoint
            .map(|(seq, hash)| AuditHead { seq, hash })
            .filter(|cp| {
                recorded.as_ref().is_some_and(|d| {
                    d["through_seq"].as_i64() == Some(cp.seq)
                        && d["through_hash"].as_str() == Some(cp.hash.as_str())
                })
            });
        let entries: Vec<chain::ChainedEntry> =
            rows.into_iter().map(AuditRow::into_chained).collect();
        Ok(chain::verify_from(
            &entries,
            pruned_through.as_ref(),
            anchor,
        ))
    }
}
