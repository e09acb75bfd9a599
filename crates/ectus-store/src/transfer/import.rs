//! The import, in two passes over the archive file. The checking pass reads everything —
//! layout, checksums, every row's fields and types, the tenant of every row, references
//! between rows, artifact checksums, audit entries' own hashes — and writes nothing. Only then
//! does the writing pass start one transaction (holding the audit lock), read the archive
//! again in a blocking thread that hands rows over a bounded channel, insert them, append the
//! `tenant_imported` entry and commit. A failure anywhere, a conflict with what the target
//! holds, or an archive that changed between the passes rolls everything back.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use ectus_archive::{
    read_archive, EntryName, HashingReader, Limits, Manifest, ManifestFile, ReadError,
};

use super::tables::{self, Kind, Scope, Table, Value, TABLES};
use super::{counts, ImportSummary, TransferError};
use crate::audit::chain::ChainedEntry;
use crate::audit::{self, Acting, AuditAction, AuditEvent};
use crate::{Store, StoreError};

/// The longest row an archive may hold (a generation's input, spec and report together).
const MAX_ROW_BYTES: u64 = 64 << 20;

/// The largest artifact an archive may hold (a generated project's `.tar.gz` is a few MiB).
const MAX_ARTIFACT_BYTES: u64 = 1 << 30;

/// MiB of artifacts read ahead of the inserter at most (a larger artifact goes alone).
const ARTIFACT_BUDGET_MIB: u32 = 64;

/// What the writing pass hands to the inserter.
enum Item {
    /// A row of `TABLES[index]`.
    Row(usize, Vec<Value>),
    Artifact {
        generation_id: String,
        bytes: Vec<u8>,
        /// Its share of the read-ahead budget, returned when it is written.
        budget: tokio::sync::OwnedSemaphorePermit,
    },
}

/// An archive read back whole and found valid by the checking pass of an import.
#[derive(Debug, Clone)]
pub struct VerifiedArchive {
    pub manifest: Manifest,
    /// SHA-256 of the archive file.
    pub sha256: String,
}

/// Reads the archive at `path` as an import's checking pass does — every rule, every checksum,
/// every row — and writes nothing: how a decommissioning proves its final exports.
pub async fn verify_archive(
    path: &Path,
    limits: &Limits,
) -> Result<VerifiedArchive, TransferError> {
    let (path, limits) = (path.to_owned(), limits.clone());
    let (manifest, sha256) = tokio::task::spawn_blocking(move || check_archive(&path, &limits))
        .await
        .map_err(|e| TransferError::io("the checking pass stopped")(std::io::Error::other(e)))??;
    Ok(VerifiedArchive { manifest, sha256 })
}

impl Store {
    /// Imports the archive at `path` as `acting`: checks all of it, then writes all of it in
    /// one transaction, or nothing.
    pub async fn import_archive(
        &self,
        path: &Path,
        acting: &Acting,
        limits: &Limits,
    ) -> Result<ImportSummary, TransferError> {
        let VerifiedArchive {
            manifest,
            sha256: archive_sha256,
        } = verify_archive(path, limits).await?;
        self.refuse_existing_tenant(&manifest).await?;

        let mut conn = self.conn().await.map_err(StoreError::from)?;
        let mut tx = self.begin_audited(&mut conn).await?;
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<Item>(16);
        let producer = {
            let (path, limits) = (path.to_owned(), limits.clone());
            let handle = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || produce(&path, &limits, &sender, &handle))
        };
        let statements: Vec<String> = TABLES.iter().map(insert_statement).collect();
        let mut inserted = Ok(());
        while let Some(item) = receiver.recv().await {
            if let Err(error) = insert(&mut tx, &statements, &manifest.tenant.id, item).await {
                inserted = Err(error);
                break;
            }
        }
        drop(receiver);
        let produced = producer
            .await
            .map_err(|e| TransferError::io("the writing pass stopped")(std::io::Error::other(e)))?;
        inserted?;
        match produced {
            Ok(again) if again == manifest => {}
            Ok(_) => {
                return Err(TransferError::Content {
                    path: path.display().to_string(),
                    line: None,
                    message: "the archive changed while it was imported".into(),
                })
            }
            Err(error) => return Err(error),
        }
        let (tables, artifacts) = counts(&manifest);
        audit::append(
            &mut tx,
            AuditEvent {
                acting,
                tenant_id: Some(&manifest.tenant.id),
                action: AuditAction::TenantImported,
                target: &manifest.tenant.name,
                details: serde_json::json!({
                    "archive_sha256": archive_sha256,
                    "exported_at": manifest.exported_at,
                    "exporter_version": manifest.exporter.version,
                    "source_backend": manifest.source_backend,
                    "source_audit_head": manifest.audit_head.as_ref().map(|h| format!("{}:{}", h.seq, h.hash)),
                    "tables": tables,
                    "artifacts": artifacts,
                }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ImportSummary {
            tenant: manifest.tenant.name.clone(),
            tenant_id: manifest.tenant.id.clone(),
            tables,
            artifacts,
            exported_at: manifest.exported_at.clone(),
            source_backend: manifest.source_backend.clone(),
        })
    }

    async fn refuse_existing_tenant(&self, manifest: &Manifest) -> Result<(), TransferError> {
        let existing: Option<(String, String)> = self
            .timed(
                "import_tenant_conflict",
                sqlx::query_as("SELECT id, name FROM tenants WHERE id = $1 OR name = $2 LIMIT 1")
                    .bind(&manifest.tenant.id)
                    .bind(&manifest.tenant.name)
                    .fetch_optional(&mut *self.conn().await?),
            )
            .await?;
        match existing {
            Some((id, name)) => Err(TransferError::Conflict(format!(
                "tenant {name:?} (id {id})"
            ))),
            None => Ok(()),
        }
    }
}

/// Opens the archive file.
fn open(path: &Path) -> Result<std::fs::File, TransferError> {
    std::fs::File::open(path).map_err(TransferError::io(format!("cannot open {}", path.display())))
}

fn archive_error(error: ReadError<TransferError>) -> TransferError {
    match error {
        ReadError::Archive(archive) => TransferError::Archive(archive),
        ReadError::Visitor(visitor) => visitor,
    }
}

/// The checking pass: the manifest and the archive's SHA-256 when every rule holds.
fn check_archive(path: &Path, limits: &Limits) -> Result<(Manifest, String), TransferError> {
    let mut source = HashingReader::new(open(path)?);
    let mut checker = Checker::default();
    let manifest = read_archive(
        &mut source,
        limits,
        &tables::names(),
        |manifest, file, data| checker.visit(manifest, file, data),
    )
    .map_err(archive_error)?;
    checker.finish()?;
    Ok((manifest, source.finish().1))
}

/// The writing pass's reader: every row and artifact, in order, onto the channel.
fn produce(
    path: &Path,
    limits: &Limits,
    sender: &tokio::sync::mpsc::Sender<Item>,
    handle: &tokio::runtime::Handle,
) -> Result<Manifest, TransferError> {
    let budget = std::sync::Arc::new(tokio::sync::Semaphore::new(ARTIFACT_BUDGET_MIB as usize));
    let stopped =
        || TransferError::io("the import stopped")(std::io::Error::other("the inserter stopped"));
    read_archive(
        open(path)?,
        limits,
        &tables::names(),
        |_, file, data| match EntryName::parse(file.path.as_bytes()) {
            Ok(EntryName::Table(name)) => {
                let index = table_index(&name, &file.path)?;
                let table = &TABLES[index];
                for_each_row(file, data, |_, line| {
                    let values = tables::decode_row(table, line).map_err(|message| {
                        TransferError::Content {
                            path: file.path.clone(),
                            line: None,
                            message,
                        }
                    })?;
                    sender
                        .blocking_send(Item::Row(index, values))
                        .map_err(|_| stopped())
                })
            }
            Ok(EntryName::Artifact(generation_id)) => {
                let mib = u32::try_from(file.bytes >> 20)
                    .unwrap_or(u32::MAX)
                    .saturating_add(1);
                let permit = handle
                    .block_on(
                        budget
                            .clone()
                            .acquire_many_owned(mib.min(ARTIFACT_BUDGET_MIB)),
                    )
                    .map_err(|_| stopped())?;
                let mut bytes = Vec::with_capacity(usize::try_from(file.bytes).unwrap_or(0));
                data.read_to_end(&mut bytes)
                    .map_err(TransferError::io(format!("cannot read {}", file.path)))?;
                sender
                    .blocking_send(Item::Artifact {
                        generation_id,
                        bytes,
                        budget: permit,
                    })
                    .map_err(|_| stopped())
            }
            _ => Err(content(file, None, "not a file an archive holds")),
        },
    )
    .map_err(archive_error)
}

fn table_named(name: &str, path: &str) -> Result<&'static Table, TransferError> {
    table_index(name, path).map(|index| &TABLES[index])
}

fn table_index(name: &str, path: &str) -> Result<usize, TransferError> {
    TABLES
        .iter()
        .position(|t| t.name == name)
        .ok_or_else(|| TransferError::Content {
            path: path.to_owned(),
            line: None,
            message: "not a table this version imports".into(),
        })
}

fn content(file: &ManifestFile, line: Option<u64>, message: impl Into<String>) -> TransferError {
    TransferError::Content {
        path: file.path.clone(),
        line,
        message: message.into(),
    }
}

/// Calls `each` with every line of a table file (numbered from 1, without its newline): no
/// line longer than [`MAX_ROW_BYTES`], none empty, the last one ended by a newline, and as
/// many as the manifest says.
fn for_each_row(
    file: &ManifestFile,
    data: &mut dyn Read,
    mut each: impl FnMut(u64, &[u8]) -> Result<(), TransferError>,
) -> Result<(), TransferError> {
    let mut reader = BufReader::with_capacity(1 << 16, data);
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let read = (&mut reader)
            .take(MAX_ROW_BYTES + 1)
            .read_until(b'\n', &mut line)
            .map_err(TransferError::io(format!("cannot read {}", file.path)))?;
        if read == 0 {
            break;
        }
        number += 1;
        if line.last() != Some(&b'\n') {
            let why = if line.len() as u64 > MAX_ROW_BYTES {
                format!("the row is longer than {MAX_ROW_BYTES} bytes")
            } else {
                "the last row has no newline".to_owned()
            };
            return Err(content(file, Some(number), why));
        }
        line.pop();
        if line.is_empty() {
            return Err(content(file, Some(number), "empty line"));
        }
        each(number, &line)?;
    }
    if Some(number) != file.rows {
        return Err(content(
            file,
            None,
            format!(
                "holds {number} rows; the manifest says {}",
                file.rows.unwrap_or(0)
            ),
        ));
    }
    Ok(())
}

/// What the checking pass has seen so far.
#[derive(Default)]
struct Checker {
    tenant_id: String,
    /// Artifacts the manifest lists: generation id → SHA-256 and size.
    listed: HashMap<String, (String, u64)>,
    referenced: HashSet<String>,
    ids: HashMap<&'static str, HashSet<String>>,
    prefixes: HashSet<String>,
    /// Queued or running jobs whose payload names a generation: (job, generation).
    job_generations: Vec<(String, String)>,
    started: bool,
}

impl Checker {
    fn visit(
        &mut self,
        manifest: &Manifest,
        file: &ManifestFile,
        data: &mut dyn Read,
    ) -> Result<(), TransferError> {
        if !self.started {
            self.start(manifest)?;
        }
        match EntryName::parse(file.path.as_bytes()) {
            Ok(EntryName::Table(name)) => {
                let table = table_named(&name, &file.path)?;
                if table.scope == Scope::TenantRow && file.rows != Some(1) {
                    return Err(content(file, None, "an archive holds exactly one tenant"));
                }
                for_each_row(file, data, |number, line| {
                    let values = tables::decode_row(table, line)
                        .map_err(|message| content(file, Some(number), message))?;
                    self.check_row(manifest, table, &values)
                        .map_err(|message| content(file, Some(number), message))
                })
            }
            // The reader checks the bytes against the manifest; references are checked at the end.
            Ok(EntryName::Artifact(_)) if file.bytes > MAX_ARTIFACT_BYTES => Err(content(
                file,
                None,
                format!("the artifact is larger than {MAX_ARTIFACT_BYTES} bytes"),
            )),
            Ok(EntryName::Artifact(_)) => Ok(()),
            _ => Err(content(file, None, "not a file an archive holds")),
        }
    }

    /// The layout: every table once, in import order, then artifacts only.
    fn start(&mut self, manifest: &Manifest) -> Result<(), TransferError> {
        self.started = true;
        self.tenant_id = manifest.tenant.id.clone();
        let layout_error = |message: String| TransferError::Content {
            path: ectus_archive::names::MANIFEST.into(),
            line: None,
            message,
        };
        for (i, table) in TABLES.iter().enumerate() {
            let expected = EntryName::table_path(table.name);
            match manifest.files.get(i) {
                Some(file) if file.path == expected => {}
                _ if !manifest.files.iter().any(|f| f.path == expected) => {
                    return Err(layout_error(format!("{expected} is missing")))
                }
                Some(file) => {
                    return Err(layout_error(format!(
                        "file {} is {:?}; the tables come first, in the order {}",
                        i + 1,
                        file.path,
                        tables::names().join(", ")
                    )))
                }
                None => return Err(layout_error(format!("{expected} is missing"))),
            }
        }
        for file in &manifest.files[TABLES.len()..] {
            match EntryName::parse(file.path.as_bytes()) {
                Ok(EntryName::Artifact(id)) => {
                    self.listed.insert(id, (file.sha256.clone(), file.bytes));
                }
                _ => {
                    return Err(layout_error(format!(
                        "{:?} comes after the tables; only artifacts may",
                        file.path
                    )))
                }
            }
        }
        Ok(())
    }

    fn check_row(
        &mut self,
        manifest: &Manifest,
        table: &'static Table,
        values: &[Value],
    ) -> Result<(), String> {
        let get = |name: &str| {
            values
                .get(tables::position(table, name))
                .unwrap_or(&Value::Null)
        };
        let text = |name: &str| get(name).as_str().map(str::to_owned);
        match table.scope {
            Scope::TenantRow => {
                if text("id").as_deref() != Some(manifest.tenant.id.as_str())
                    || text("name").as_deref() != Some(manifest.tenant.name.as_str())
                {
                    return Err("the tenant row is not the tenant the manifest names".into());
                }
            }
            Scope::TenantColumn | Scope::AuditEntries => {
                if text("tenant_id").as_deref() != Some(self.tenant_id.as_str()) {
                    return Err(format!(
                        "the row belongs to tenant {:?}, not to the archive's tenant {}",
                        text("tenant_id").unwrap_or_default(),
                        self.tenant_id
                    ));
                }
            }
        }
        let id = match table.scope {
            Scope::AuditEntries => text("hash").unwrap_or_default(),
            _ => text("id").unwrap_or_default(),
        };
        if id.is_empty() || id.len() > 128 {
            return Err("the row's id is empty or too long".into());
        }
        if !self.ids.entry(table.name).or_default().insert(id.clone()) {
            return Err(format!("id {id} appears twice"));
        }
        let known = |ids: &HashMap<&'static str, HashSet<String>>, table: &str, id: &str| {
            ids.get(table).is_some_and(|set| set.contains(id))
        };
        match table.name {
            "api_keys" => {
                if let Some(user) = text("user_id") {
                    if !known(&self.ids, "users", &user) {
                        return Err(format!("user_id {user} is not a user of the archive"));
                    }
                }
                let prefix = text("prefix").unwrap_or_default();
                if !self.prefixes.insert(prefix.clone()) {
                    return Err(format!("key prefix {prefix} appears twice"));
                }
            }
            "jobs" => {
                if text("kind").as_deref() == Some("export") {
                    return Err("export jobs do not travel in an archive".into());
                }
                let payload: serde_json::Value =
                    serde_json::from_str(&text("payload").unwrap_or_default())
                        .map_err(|e| format!("field `payload` is not JSON: {e}"))?;
                if !payload.is_object() {
                    return Err("field `payload` is not a JSON object".into());
                }
                // A job that may still run must run on the archive's own rows; a finished one
                // may name a generation since deleted with its project.
                let may_run = matches!(text("state").as_deref(), Some("queued" | "running"));
                if let (true, Some(generation)) = (may_run, payload.get("generation_id")) {
                    let generation = generation
                        .as_str()
                        .ok_or("field `payload` names a generation_id that is not a string")?;
                    self.job_generations
                        .push((id.clone(), generation.to_owned()));
                }
            }
            "generations" => {
                let project = text("project_id").unwrap_or_default();
                if !known(&self.ids, "projects", &project) {
                    return Err(format!(
                        "project_id {project} is not a project of the archive"
                    ));
                }
                if let Some(job) = text("job_id") {
                    if !known(&self.ids, "jobs", &job) {
                        return Err(format!("job_id {job} is not a job of the archive"));
                    }
                }
                if let Some(artifact) = text("artifact") {
                    if artifact != EntryName::artifact_path(&id) {
                        return Err(format!(
                            "field `artifact` must be \"artifacts/{id}\", not {artifact:?}"
                        ));
                    }
                    let Some((sha256, bytes)) = self.listed.get(&id) else {
                        return Err(format!("the artifact {artifact} is not in the archive"));
                    };
                    let size = match get("artifact_size") {
                        Value::Int(n) => u64::try_from(*n).ok(),
                        _ => None,
                    };
                    if text("artifact_sha256").as_deref() != Some(sha256.as_str())
                        || size != Some(*bytes)
                    {
                        return Err(
                            "the artifact's checksum or size is not the one the manifest lists"
                                .into(),
                        );
                    }
                    self.referenced.insert(id.clone());
                }
            }
            "audit_log" => {
                let int = |name: &str| match get(name) {
                    Value::Int(n) => *n,
                    _ => 0,
                };
                let entry = ChainedEntry {
                    seq: int("seq"),
                    at: int("at"),
                    actor: text("actor").unwrap_or_default(),
                    tenant_id: text("tenant_id"),
                    action: text("action").unwrap_or_default(),
                    target: text("target").unwrap_or_default(),
                    request_id: text("request_id"),
                    details: text("details").unwrap_or_default(),
                    prev_hash: text("prev_hash").unwrap_or_default(),
                    hash: id.clone(),
                };
                if entry.computed_hash() != entry.hash {
                    return Err(format!("audit entry {} does not match its hash", entry.seq));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// References that point forward: every listed artifact belongs to a generation, every
    /// job's generation is in the archive.
    fn finish(&self) -> Result<(), TransferError> {
        if let Some(orphan) = self.listed.keys().find(|id| !self.referenced.contains(*id)) {
            return Err(TransferError::Content {
                path: EntryName::artifact_path(orphan),
                line: None,
                message: "no generation of the archive has this artifact".into(),
            });
        }
        let generations = self.ids.get("generations");
        for (job, generation) in &self.job_generations {
            if !generations.is_some_and(|ids| ids.contains(generation)) {
                return Err(TransferError::Content {
                    path: EntryName::table_path("jobs"),
                    line: None,
                    message: format!(
                        "job {job} names generation {generation}, which is not in the archive"
                    ),
                });
            }
        }
        Ok(())
    }
}

/// The `INSERT` of one table's rows (audit entries go to `imported_audit_entries`; artifacts
/// are set by their own statement when their file arrives).
fn insert_statement(table: &Table) -> String {
    let target = match table.scope {
        Scope::AuditEntries => "imported_audit_entries",
        _ => table.name,
    };
    let columns: Vec<&str> = table
        .columns
        .iter()
        .filter(|c| c.kind != Kind::Artifact)
        .map(|c| c.name)
        .collect();
    let binds: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO {target} ({}) VALUES ({})",
        columns.join(", "),
        binds.join(", ")
    )
}

async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    statements: &[String],
    tenant_id: &str,
    item: Item,
) -> Result<(), TransferError> {
    match item {
        Item::Row(index, mut values) => {
            let table = &TABLES[index];
            if table.scope == Scope::TenantRow {
                // An import brings the tenant into service: a deletion scheduled where it came
                // from is not carried over (it would purge the tenant here without a grace).
                for column in ["deletion_requested_at", "purge_after"] {
                    if let Some(value) = values.get_mut(tables::position(table, column)) {
                        *value = Value::Null;
                    }
                }
            }
            let mut query = sqlx::query(&statements[index]);
            for (column, value) in table.columns.iter().zip(&values) {
                query = match (column.kind, value) {
                    (Kind::Artifact, _) => continue,
                    (Kind::Int | Kind::OptInt, Value::Int(n)) => query.bind(*n),
                    (Kind::Int | Kind::OptInt, _) => query.bind(None::<i64>),
                    (_, Value::Text(text)) => query.bind(text.clone()),
                    (_, _) => query.bind(None::<String>),
                };
            }
            query.execute(&mut **tx).await.map_err(|error| {
                let key = match table.scope {
                    Scope::AuditEntries => tables::position(table, "hash"),
                    _ => 0,
                };
                let id = values.get(key).and_then(Value::as_str).unwrap_or_default();
                conflict_or(
                    error,
                    format!(
                        "a row of {} with the id or a unique value of {id}",
                        table.name
                    ),
                )
            })?;
        }
        Item::Artifact {
            generation_id,
            bytes,
            budget,
        } => {
            sqlx::query("UPDATE generations SET artifact = $1 WHERE id = $2 AND tenant_id = $3")
                .bind(bytes)
                .bind(&generation_id)
                .bind(tenant_id)
                .execute(&mut **tx)
                .await?;
            // Written: the reader may read further ahead.
            drop(budget);
        }
    }
    Ok(())
}

fn conflict_or(error: sqlx::Error, what: String) -> TransferError {
    match StoreError::unique_as_conflict(error, what) {
        StoreError::Conflict(what) => TransferError::Conflict(what),
        other => TransferError::Store(other),
    }
}
