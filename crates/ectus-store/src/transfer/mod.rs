//! Moving a tenant between instances: [`Store::export_tenant`] writes everything a tenant owns
//! into an archive ([`ectus_archive`]), and [`Store::import_archive`] puts it into another
//! instance — of either backend — in one transaction, after the whole archive was checked.
//!
//! - [`tables`]: which tables an archive holds, their columns, and the NDJSON row format.
//! - [`export`]: a consistent snapshot of the tenant streamed into the archive.
//! - [`import`]: the checking pass (checksums, rows, references), then the writing pass.
//!
//! Secrets never travel: API keys are stored and exported as hashes only. Memory stays flat
//! whatever the tenant's size: tables are streamed through spool files, artifacts go one at a
//! time, and the import keeps only ids (for the reference checks) besides one row in flight.

mod export;
mod import;
pub mod tables;

use serde::Serialize;

pub use ectus_archive::{ArchiveError, Limits, Manifest};
pub use import::{verify_archive, VerifiedArchive};
pub use tables::{exported_columns, Coverage, COVERAGE};

use crate::StoreError;

/// Why an export or an import did not happen. Nothing was written in any case: an export
/// leaves no file behind, an import rolls back.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("no tenant named {0:?}")]
    NoSuchTenant(String),
    #[error("the archive is refused")]
    Archive(#[source] ArchiveError),
    #[error("the archive is refused: {path}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Content {
        path: String,
        line: Option<u64>,
        message: String,
    },
    #[error("the target already holds {0}; import into an instance that does not")]
    Conflict(String),
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl TransferError {
    /// The stable class of the failure, for reports and tests.
    pub fn class(&self) -> &'static str {
        match self {
            TransferError::NoSuchTenant(_) => "no_such_tenant",
            TransferError::Archive(archive) => archive.class(),
            TransferError::Content { .. } => "content",
            TransferError::Conflict(_) => "conflict",
            TransferError::Io { .. } => "io",
            TransferError::Store(_) => "store",
        }
    }

    fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> TransferError {
        let what = what.into();
        move |source| TransferError::Io { what, source }
    }
}

impl From<sqlx::Error> for TransferError {
    fn from(error: sqlx::Error) -> Self {
        TransferError::Store(StoreError::from(error))
    }
}

/// Rows of one table in an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableCount {
    pub table: String,
    pub rows: u64,
}

/// A written export.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    pub path: std::path::PathBuf,
    /// Size of the archive file.
    pub bytes: u64,
    /// SHA-256 of the archive file.
    pub sha256: String,
    pub tenant: String,
    pub tables: Vec<TableCount>,
    pub artifacts: u64,
    /// The audit head written into the manifest, `SEQ:HASH`.
    pub audit_head: Option<String>,
}

/// A finished import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    pub tenant: String,
    pub tenant_id: String,
    pub tables: Vec<TableCount>,
    pub artifacts: u64,
    /// Where the archive came from: its exporter, time and backend.
    pub exported_at: String,
    pub source_backend: String,
}

fn counts(manifest: &Manifest) -> (Vec<TableCount>, u64) {
    let mut tables = Vec::new();
    let mut artifacts = 0;
    for file in &manifest.files {
        match (
            ectus_archive::EntryName::parse(file.path.as_bytes()),
            file.rows,
        ) {
            (Ok(ectus_archive::EntryName::Table(table)), Some(rows)) => {
                tables.push(TableCount { table, rows })
            }
            _ => artifacts += 1,
        }
    }
    (tables, artifacts)
}
