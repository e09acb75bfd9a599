//! `manifest.json`: what an archive holds and how to check it. Read with unknown fields
//! refused, and checked for its own consistency ([`Manifest::check`]) before any other entry
//! is read.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::names::EntryName;
use crate::{is_sha256_hex, ArchiveError, Limits};

/// The value of [`Manifest::format`].
pub const FORMAT: &str = "ectus-tenant-export";

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The manifest of an archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    pub format_version: u32,
    pub exporter: Exporter,
    /// RFC 3339, UTC.
    pub exported_at: String,
    /// The database the archive was read from: `sqlite` or `postgres`.
    pub source_backend: String,
    pub tenant: ManifestTenant,
    /// The audit log's head when the export read its snapshot (`None` for an empty log): an
    /// anchor for `ectus audit verify --anchor` on the exporting instance.
    pub audit_head: Option<AuditAnchor>,
    /// Every other entry, in archive order.
    pub files: Vec<ManifestFile>,
}

/// The program that wrote the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exporter {
    pub name: String,
    pub version: String,
}

/// The tenant the archive holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestTenant {
    pub id: String,
    pub name: String,
}

/// An audit-log position and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditAnchor {
    pub seq: i64,
    pub hash: String,
}

/// One file of the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
    /// Lines of a table file; absent for artifacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

impl Manifest {
    /// Reads and checks a manifest: the format and its version first (a newer archive is
    /// refused as such, not as malformed), then every rule of [`Manifest::check`].
    pub fn parse(bytes: &[u8], tables: &[&str], limits: &Limits) -> Result<Manifest, ArchiveError> {
        // The format and its version first, skipping everything else without building it: a
        // newer archive is refused as such, and a huge manifest costs no memory to look at.
        #[derive(Deserialize)]
        struct Header<'a> {
            #[serde(borrow)]
            format: Option<&'a serde_json::value::RawValue>,
            #[serde(borrow)]
            format_version: Option<&'a serde_json::value::RawValue>,
        }
        let header: Header<'_> = serde_json::from_slice(bytes)
            .map_err(|e| ArchiveError::BadManifest(format!("not JSON: {e}")))?;
        let format = header
            .format
            .and_then(|f| serde_json::from_str::<String>(f.get()).ok());
        if format.as_deref() != Some(FORMAT) {
            return Err(ArchiveError::BadManifest(format!(
                "`format` is not {FORMAT:?}: this is not an Ectus-R tenant archive"
            )));
        }
        match header
            .format_version
            .and_then(|v| serde_json::from_str::<u64>(v.get()).ok())
        {
            Some(v) if v == u64::from(FORMAT_VERSION) => {}
            Some(v) => {
                return Err(ArchiveError::UnknownFormatVersion {
                    found: u32::try_from(v).unwrap_or(u32::MAX),
                    supported: FORMAT_VERSION,
                })
            }
            None => {
                return Err(ArchiveError::BadManifest(
                    "`format_version` is missing or not a number".into(),
                ))
            }
        }
        let manifest: Manifest =
            serde_json::from_slice(bytes).map_err(|e| ArchiveError::BadManifest(e.to_string()))?;
        manifest.check(tables, limits)?;
        Ok(manifest)
    }

    /// The manifest's own rules: every path a valid name listed once, tables among `tables`
    /// and each at most once, row counts on tables only, well-formed checksums, and the
    /// declared sizes within `limits`.
    pub fn check(&self, tables: &[&str], limits: &Limits) -> Result<(), ArchiveError> {
        let bad = |message: String| Err(ArchiveError::BadManifest(message));
        if !crate::names::is_uuid(&self.tenant.id) {
            return bad(format!("tenant id {:?} is not a UUID", self.tenant.id));
        }
        if self.tenant.name.trim().is_empty() || self.tenant.name.chars().any(char::is_control) {
            return bad(format!(
                "tenant name {:?} is empty or holds control characters",
                self.tenant.name
            ));
        }
        if let Some(head) = &self.audit_head {
            if head.seq < 1 || !is_sha256_hex(&head.hash) {
                return bad(format!(
                    "audit head {}:{} is not SEQ:SHA256",
                    head.seq, head.hash
                ));
            }
        }
        let entries = self.files.len() as u64 + 1;
        if entries > limits.max_entries {
            return Err(ArchiveError::TooLarge {
                what: format!("the entry count ({entries})"),
                limit: limits.max_entries,
            });
        }
        let mut seen = HashSet::new();
        let mut total: u64 = 0;
        for file in &self.files {
            let name =
                EntryName::parse(file.path.as_bytes()).map_err(|reason| ArchiveError::BadName {
                    name: file.path.clone(),
                    reason,
                })?;
            if !seen.insert(file.path.as_str()) {
                return bad(format!("{:?} is listed twice", file.path));
            }
            match (&name, file.rows) {
                (EntryName::Manifest, _) => return bad("the manifest lists itself".into()),
                (EntryName::Table(table), Some(_)) => {
                    if !tables.contains(&table.as_str()) {
                        return bad(format!(
                            "{:?} is not a table this version exports ({})",
                            file.path,
                            tables.join(", ")
                        ));
                    }
                }
                (EntryName::Table(_), None) => {
                    return bad(format!("{:?} has no row count", file.path))
                }
                (EntryName::Artifact(_), Some(_)) => {
                    return bad(format!(
                        "{:?} is an artifact and has a row count",
                        file.path
                    ))
                }
                (EntryName::Artifact(_), None) => {}
            }
            if !is_sha256_hex(&file.sha256) {
                return bad(format!("{:?} has a malformed SHA-256", file.path));
            }
            if file.bytes > limits.max_entry_bytes {
                return Err(ArchiveError::TooLarge {
                    what: format!("{:?} ({} bytes)", file.path, file.bytes),
                    limit: limits.max_entry_bytes,
                });
            }
            total = total.saturating_add(file.bytes);
        }
        if total > limits.max_total_bytes {
            return Err(ArchiveError::TooLarge {
                what: format!("the archive's content ({total} bytes)"),
                limit: limits.max_total_bytes,
            });
        }
        Ok(())
    }
}
