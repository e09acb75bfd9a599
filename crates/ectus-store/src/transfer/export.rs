//! The export: one read snapshot of the tenant (a read-only repeatable-read transaction on
//! PostgreSQL, a read transaction on SQLite), each table streamed in id order into a spool
//! file, the manifest built from what was spooled, then the archive written — manifest, tables,
//! artifacts fetched one at a time and checked against their recorded checksum — and renamed
//! into place. The export is recorded in the audit log with the archive's checksum; if that
//! fails, the archive is removed.

use std::path::Path;

use futures::TryStreamExt as _;
use sqlx::Row as _;

use ectus_archive::manifest::{FORMAT, FORMAT_VERSION};
use ectus_archive::{
    ArchiveWriter, AuditAnchor, EntryName, Exporter, Manifest, ManifestFile, ManifestTenant, Spool,
};

use super::tables::{self, Kind, Scope, Table, Value, TABLES};
use super::{counts, ExportSummary, TransferError};
use crate::audit::{self, Acting, AuditAction, AuditEvent};
use crate::{Store, StoreError, Timestamp};

/// A generation whose artifact goes into the archive.
struct ArtifactRef {
    generation_id: String,
    sha256: String,
    size: u64,
}

impl Store {
    /// Exports tenant `name` into a new archive at `destination` (which must not exist), as
    /// `acting`, and records the export in the audit log.
    pub async fn export_tenant(
        &self,
        name: &str,
        acting: &Acting,
        destination: &Path,
    ) -> Result<ExportSummary, TransferError> {
        let tenant = match self.tenant_by_name(name).await {
            Ok(tenant) => tenant,
            Err(StoreError::NotFound(_)) => return Err(TransferError::NoSuchTenant(name.into())),
            Err(e) => return Err(e.into()),
        };
        self.export(&tenant, acting, destination).await
    }

    /// Exports the tenant with id `tenant_id` (what an export job knows), as
    /// [`Store::export_tenant`] does.
    pub async fn export_tenant_by_id(
        &self,
        tenant_id: &str,
        acting: &Acting,
        destination: &Path,
    ) -> Result<ExportSummary, TransferError> {
        let tenant = match self.tenant_by_id(tenant_id).await {
            Ok(tenant) => tenant,
            Err(StoreError::NotFound(_)) => {
                return Err(TransferError::NoSuchTenant(tenant_id.into()))
            }
            Err(e) => return Err(e.into()),
        };
        self.export(&tenant, acting, destination).await
    }

    async fn export(
        &self,
        tenant: &crate::tenants::Tenant,
        acting: &Acting,
        destination: &Path,
    ) -> Result<ExportSummary, TransferError> {
        let spool_dir = match destination.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => std::path::PathBuf::from("."),
        };
        let exported_at = Timestamp::now();
        let mut conn = self.conn().await.map_err(StoreError::from)?;
        let mut tx = self.begin_snapshot(&mut conn).await?;
        let head: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
        let mut spooled = Vec::new();
        let mut artifacts = Vec::new();
        for table in TABLES {
            let mut spool = Spool::new_in(&spool_dir).map_err(TransferError::io(format!(
                "cannot stage the export in {}",
                spool_dir.display()
            )))?;
            for sql in select_statements(table) {
                let mut rows = sqlx::query(&sql).bind(&tenant.id).fetch(&mut *tx);
                let mut line = Vec::new();
                while let Some(row) = rows.try_next().await? {
                    let values = read_values(table, &row)?;
                    if table.name == "generations" {
                        if let Some(artifact) = artifact_of(table, &values)? {
                            artifacts.push(artifact);
                        }
                    }
                    tables::encode_row(table, &values, &mut line);
                    spool
                        .write_line(&line)
                        .map_err(TransferError::io("cannot stage the export"))?;
                }
            }
            let done = spool
                .finish()
                .map_err(TransferError::io("cannot stage the export"))?;
            spooled.push((table, done));
        }
        let mut files: Vec<ManifestFile> = spooled
            .iter()
            .map(|(table, done)| ManifestFile {
                path: EntryName::table_path(table.name),
                bytes: done.bytes,
                sha256: done.sha256.clone(),
                rows: Some(done.lines),
            })
            .collect();
        files.extend(artifacts.iter().map(|a| ManifestFile {
            path: EntryName::artifact_path(&a.generation_id),
            bytes: a.size,
            sha256: a.sha256.clone(),
            rows: None,
        }));
        let manifest = Manifest {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            exporter: Exporter {
                name: "ectus".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            exported_at: exported_at.to_rfc3339(),
            source_backend: self.backend().name().into(),
            tenant: ManifestTenant {
                id: tenant.id.clone(),
                name: tenant.name.clone(),
            },
            audit_head: head.map(|(seq, hash)| AuditAnchor { seq, hash }),
            files,
        };
        let manifest_json = serde_json::to_vec_pretty(&manifest).map_err(|e| {
            TransferError::io("cannot write the manifest")(std::io::Error::other(e))
        })?;
        let write_error = || TransferError::io(format!("cannot write {}", destination.display()));
        let mtime = u64::try_from(exported_at.as_millis() / 1000).unwrap_or(0);
        let mut writer = ArchiveWriter::create(destination, mtime).map_err(write_error())?;
        writer
            .append_bytes(ectus_archive::names::MANIFEST, &manifest_json)
            .map_err(write_error())?;
        for (table, mut done) in spooled {
            writer
                .append(
                    &EntryName::table_path(table.name),
                    done.bytes,
                    &mut done.file,
                )
                .map_err(write_error())?;
            fail::fail_point!("export.table-written");
        }
        for artifact in &artifacts {
            let bytes: Option<Vec<u8>> = sqlx::query_scalar(
                "SELECT artifact FROM generations WHERE id = $1 AND tenant_id = $2",
            )
            .bind(&artifact.generation_id)
            .bind(&tenant.id)
            .fetch_one(&mut *tx)
            .await?;
            let bytes = bytes.unwrap_or_default();
            if bytes.len() as u64 != artifact.size || crate::sha256_hex(&bytes) != artifact.sha256 {
                return Err(StoreError::Corrupt(format!(
                    "the artifact of generation {} does not match its recorded checksum",
                    artifact.generation_id
                ))
                .into());
            }
            writer
                .append_bytes(&EntryName::artifact_path(&artifact.generation_id), &bytes)
                .map_err(write_error())?;
        }
        tx.rollback().await?;
        drop(conn);
        let written = writer.finish().map_err(write_error())?;
        let (tables, artifact_count) = counts(&manifest);
        let summary = ExportSummary {
            path: written.path.clone(),
            bytes: written.bytes,
            sha256: written.sha256.clone(),
            tenant: tenant.name.clone(),
            tables,
            artifacts: artifact_count,
            audit_head: manifest
                .audit_head
                .as_ref()
                .map(|h| format!("{}:{}", h.seq, h.hash)),
        };
        if let Err(error) = self.record_export(&tenant.id, acting, &summary).await {
            let _ = std::fs::remove_file(&written.path);
            return Err(error.into());
        }
        Ok(summary)
    }

    async fn record_export(
        &self,
        tenant_id: &str,
        acting: &Acting,
        summary: &ExportSummary,
    ) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin_audited(&mut conn).await?;
        audit::append(
            &mut tx,
            AuditEvent {
                acting,
                tenant_id: Some(tenant_id),
                action: AuditAction::TenantExported,
                target: &summary.tenant,
                details: serde_json::json!({
                    "archive_sha256": summary.sha256,
                    "archive_bytes": summary.bytes,
                    "tables": summary.tables,
                    "artifacts": summary.artifacts,
                    "audit_head": summary.audit_head,
                }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The queries that read `table`'s rows of the tenant bound as `$1`, in archive order.
fn select_statements(table: &Table) -> Vec<String> {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| match c.kind {
            Kind::Artifact => format!(
                "CASE WHEN {0} IS NULL THEN NULL ELSE 'artifacts/' || id END AS {0}",
                c.name
            ),
            _ => c.name.to_owned(),
        })
        .collect();
    let list = columns.join(", ");
    match table.scope {
        Scope::TenantRow => vec![format!("SELECT {list} FROM {} WHERE id = $1", table.name)],
        Scope::TenantColumn => vec![format!(
            "SELECT {list} FROM {} WHERE tenant_id = $1{} ORDER BY id",
            table.name,
            table.keep.map(|keep| format!(" AND {keep}")).unwrap_or_default()
        )],
        Scope::AuditEntries => vec![
            format!(
                "SELECT {list} FROM imported_audit_entries WHERE tenant_id = $1 ORDER BY at, seq, hash"
            ),
            format!("SELECT {list} FROM audit_log WHERE tenant_id = $1 ORDER BY seq"),
        ],
    }
}

fn read_values(table: &Table, row: &sqlx::any::AnyRow) -> Result<Vec<Value>, sqlx::Error> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            Ok(match column.kind {
                Kind::Text => Value::Text(row.try_get::<String, _>(i)?),
                Kind::OptText | Kind::Artifact => row
                    .try_get::<Option<String>, _>(i)?
                    .map_or(Value::Null, Value::Text),
                Kind::Int => Value::Int(row.try_get::<i64, _>(i)?),
                Kind::OptInt => row
                    .try_get::<Option<i64>, _>(i)?
                    .map_or(Value::Null, Value::Int),
            })
        })
        .collect()
}

/// The artifact a generation row carries, if its bytes are still stored.
fn artifact_of(table: &Table, values: &[Value]) -> Result<Option<ArtifactRef>, StoreError> {
    let get = |name: &str| values.get(tables::position(table, name));
    let id = get("id").and_then(Value::as_str).unwrap_or_default();
    if get("artifact").and_then(Value::as_str).is_none() {
        return Ok(None);
    }
    let sha256 = get("artifact_sha256").and_then(Value::as_str);
    let size = match get("artifact_size") {
        Some(Value::Int(n)) => u64::try_from(*n).ok(),
        _ => None,
    };
    match (sha256, size) {
        (Some(sha256), Some(size)) => Ok(Some(ArtifactRef {
            generation_id: id.to_owned(),
            sha256: sha256.to_owned(),
            size,
        })),
        _ => Err(StoreError::Corrupt(format!(
            "generation {id} has an artifact without its checksum or size"
        ))),
    }
}
