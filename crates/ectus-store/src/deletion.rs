//! Deleting a tenant: scheduled with a grace period during which the tenant is read-only and
//! can be restored, then purged in bounded batches, table by table, and finished by a
//! completeness report — every table of the schema that holds tenant rows, and what is left of
//! this tenant in each (nothing, but for the audit entries that record the deletion) — which
//! is written into the `tenant_purged` audit entry, in the same transaction as the removal of
//! the tenant's own row.

use std::time::Duration;

use serde::Serialize;

use crate::audit::{self, Acting, AuditAction, AuditEvent};
use crate::clock::now_ms;
use crate::error::{Result, StoreError};
use crate::tenants::{Tenant, OPERATOR_TENANT};
use crate::{Backend, Store, Timestamp};

/// Tables purged, children first, with the column that keys a batch.
const PURGE_ORDER: &[(&str, &str)] = &[
    ("export_chunks", "job_id || ':' || CAST(seq AS TEXT)"),
    ("imported_audit_entries", "hash"),
    ("generations", "id"),
    ("jobs", "id"),
    ("api_keys", "id"),
    ("users", "id"),
    ("projects", "id"),
];

/// The audit log keeps its entries of a purged tenant: they are the record of its deletion.
const KEPT: &[&str] = &["audit_log"];

/// What is left of a purged tenant in one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableRemainder {
    pub table: String,
    /// Rows removed by the purge.
    pub removed: u64,
    /// Rows of the tenant left (0 for every table but the audit log).
    pub left: u64,
    /// Why rows are left on purpose, if they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_because: Option<&'static str>,
}

/// The completeness report of a purge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    pub tenant_id: String,
    pub tenant: String,
    pub deletion_requested_at: Timestamp,
    pub purged_at: Timestamp,
    /// Every table of the schema with tenant rows (the tenants table included).
    pub tables: Vec<TableRemainder>,
    pub artifacts_removed: u64,
    /// Positions of the audit entries that record the deletion (requested, purged).
    pub audit_entries: Vec<i64>,
    /// Whether nothing but the kept audit entries is left.
    pub complete: bool,
}

impl Store {
    /// Schedules tenant `name` for deletion after `grace` (zero: at the next purge run). The
    /// tenant is read-only from now on. Refused for the operator tenant and for a tenant
    /// already scheduled.
    pub async fn request_tenant_deletion(
        &self,
        name: &str,
        grace: Duration,
        acting: &Acting,
    ) -> Result<Tenant> {
        if name == OPERATOR_TENANT {
            return Err(StoreError::Conflict(format!(
                "the operator tenant {OPERATOR_TENANT:?} cannot be deleted: it holds the platform's own keys"
            )));
        }
        let tenant = self.tenant_by_name(name).await?;
        if let Some(deletion) = tenant.deletion {
            return Err(StoreError::Conflict(format!(
                "tenant {name:?} is already scheduled for deletion on {}",
                deletion.purge_after.to_rfc3339()
            )));
        }
        let now = now_ms();
        let purge_after = now.saturating_add(i64::try_from(grace.as_millis()).unwrap_or(i64::MAX));
        let mut conn = self.conn().await?;
        let mut tx = self.begin_audited(&mut conn).await?;
        let updated = sqlx::query(
            "UPDATE tenants SET deletion_requested_at = $1, purge_after = $2 \
             WHERE id = $3 AND purge_after IS NULL",
        )
        .bind(now)
        .bind(purge_after)
        .bind(&tenant.id)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "tenant {name:?} is already scheduled for deletion"
            )));
        }
        audit::append(
            &mut tx,
            AuditEvent {
                acting,
                tenant_id: Some(&tenant.id),
                action: AuditAction::TenantDeletionRequested,
                target: name,
                details: serde_json::json!({
                    "grace_seconds": grace.as_secs(),
                    "purge_after": Timestamp::from_millis(purge_after).to_rfc3339(),
                }),
            },
        )
        .await?;
        tx.commit().await?;
        self.keys.forget_tenant(&tenant.id);
        self.tenant_by_id(&tenant.id).await
    }

    /// Cancels the scheduled deletion of tenant `name` while its grace period lasts.
    pub async fn restore_tenant(&self, name: &str, acting: &Acting) -> Result<Tenant> {
        let tenant = self.tenant_by_name(name).await?;
        let Some(deletion) = tenant.deletion else {
            return Err(StoreError::Conflict(format!(
                "tenant {name:?} is not scheduled for deletion"
            )));
        };
        let now = now_ms();
        let mut conn = self.conn().await?;
        let mut tx = self.begin_audited(&mut conn).await?;
        let updated = sqlx::query(
            "UPDATE tenants SET deletion_requested_at = NULL, purge_after = NULL \
             WHERE id = $1 AND purge_after > $2",
        )
        .bind(&tenant.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "the grace period of tenant {name:?} ended on {}: its purge has begun and it cannot be restored",
                deletion.purge_after.to_rfc3339()
            )));
        }
        audit::append(
            &mut tx,
            AuditEvent {
                acting,
                tenant_id: Some(&tenant.id),
                action: AuditAction::TenantRestored,
                target: name,
                details: serde_json::json!({
                    "deletion_requested_at": deletion.requested_at.to_rfc3339(),
                }),
            },
        )
        .await?;
        tx.commit().await?;
        self.keys.forget_tenant(&tenant.id);
        self.tenant_by_id(&tenant.id).await
    }

    /// Tenants whose grace period has ended, oldest first.
    pub async fn tenants_due_for_purge(&self) -> Result<Vec<Tenant>> {
        let rows: Vec<crate::tenants::TenantRow> = self
            .timed(
                "tenants_due_for_purge",
                sqlx::query_as(
                    "SELECT * FROM tenants WHERE purge_after IS NOT NULL AND purge_after <= $1 \
                     ORDER BY purge_after, id",
                )
                .bind(now_ms())
                .fetch_all(&mut *self.conn().await?),
            )
            .await?;
        Ok(rows.into_iter().map(Tenant::from).collect())
    }

    /// Purges `tenant` (whose grace period has ended) in batches of `batch` rows, then removes
    /// its row and appends the `tenant_purged` entry carrying the completeness report. A purge
    /// cut short goes on where it stopped at the next run.
    pub async fn purge_tenant(
        &self,
        tenant: &Tenant,
        batch: u32,
        acting: &Acting,
    ) -> Result<PurgeReport> {
        let Some(deletion) = tenant
            .deletion
            .filter(|d| d.purge_after.as_millis() <= now_ms())
        else {
            return Err(StoreError::Conflict(format!(
                "tenant {:?} is not due for purging",
                tenant.name
            )));
        };
        let batch = i64::from(batch.max(1));
        let artifacts_removed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM generations WHERE tenant_id = $1 AND artifact IS NOT NULL",
        )
        .bind(&tenant.id)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        let mut removed = std::collections::HashMap::new();
        for (table, key) in PURGE_ORDER {
            let mut total = 0u64;
            loop {
                let done = self
                    .timed(
                        "purge_tenant",
                        sqlx::query(&format!(
                            "DELETE FROM {table} WHERE tenant_id = $1 AND {key} IN \
                             (SELECT {key} FROM {table} WHERE tenant_id = $2 LIMIT $3)"
                        ))
                        .bind(&tenant.id)
                        .bind(&tenant.id)
                        .bind(batch)
                        .execute(&mut *self.conn().await?),
                    )
                    .await?
                    .rows_affected();
                total += done;
                if done < batch as u64 {
                    break;
                }
            }
            removed.insert(*table, total);
        }
        let mut conn = self.conn().await?;
        let mut tx = self.begin_audited(&mut conn).await?;
        let deleted = sqlx::query("DELETE FROM tenants WHERE id = $1 AND purge_after <= $2")
            .bind(&tenant.id)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted != 1 {
            return Err(StoreError::Conflict(format!(
                "tenant {:?} was restored or purged meanwhile",
                tenant.name
            )));
        }
        removed.insert("tenants", 1);
        let mut tables = Vec::new();
        for table in self.tables_with_tenant_rows(&mut tx).await? {
            let column = if table == "tenants" {
                "id"
            } else {
                "tenant_id"
            };
            let left: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1"))
                    .bind(&tenant.id)
                    .fetch_one(&mut *tx)
                    .await?;
            let kept_because = KEPT
                .contains(&table.as_str())
                .then_some("the audit log keeps the record of the tenant's life and deletion");
            tables.push(TableRemainder {
                removed: removed.get(table.as_str()).copied().unwrap_or(0),
                left: u64::try_from(left).unwrap_or(0),
                kept_because,
                table,
            });
        }
        let complete = tables
            .iter()
            .all(|t| t.left == 0 || t.kept_because.is_some());
        let requested_seq: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM audit_log WHERE tenant_id = $1 AND action = 'tenant_deletion_requested' \
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(&tenant.id)
        .fetch_optional(&mut *tx)
        .await?;
        let mut report = PurgeReport {
            tenant_id: tenant.id.clone(),
            tenant: tenant.name.clone(),
            deletion_requested_at: deletion.requested_at,
            purged_at: Timestamp::now(),
            tables,
            artifacts_removed: u64::try_from(artifacts_removed).unwrap_or(0),
            audit_entries: requested_seq.into_iter().collect(),
            complete,
        };
        let head = audit::append(
            &mut tx,
            AuditEvent {
                acting,
                tenant_id: Some(&tenant.id),
                action: AuditAction::TenantPurged,
                target: &tenant.name,
                details: serde_json::to_value(&report)
                    .map_err(|e| StoreError::Corrupt(format!("purge report: {e}")))?,
            },
        )
        .await?;
        tx.commit().await?;
        self.keys.forget_tenant(&tenant.id);
        report.audit_entries.push(head.seq);
        Ok(report)
    }

    /// Every table of the live schema with a `tenant_id` column, and `tenants` itself.
    async fn tables_with_tenant_rows(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ) -> Result<Vec<String>> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND p.name = 'tenant_id' ORDER BY m.name"
            }
            Backend::Postgres => {
                "SELECT table_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND column_name = 'tenant_id' \
                 ORDER BY table_name"
            }
        };
        let mut tables: Vec<String> = sqlx::query_scalar(sql).fetch_all(&mut **tx).await?;
        tables.insert(0, "tenants".into());
        Ok(tables)
    }
}
