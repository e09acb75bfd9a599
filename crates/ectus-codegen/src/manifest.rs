//! Provenance and safe regeneration.
//!
//! Every generation writes `.ectus/manifest.json`: the generator version, the spec hash and
//! the SHA-256 of each generated file. Writing into a directory that already holds an Ectus-R
//! project compares what is on disk with that manifest: a file that still has its generated
//! hash is replaced; a file a human changed is never overwritten — the new version goes next
//! to it as `<file>.ectus-new` and the report lists it. An extension handler
//! (`src/extensions/<name>.rs`) someone changed is theirs: it is left alone, with nothing
//! beside it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Project;

pub const MANIFEST_PATH: &str = ".ectus/manifest.json";
pub const NEW_SUFFIX: &str = ".ectus-new";

/// The provenance record of a generated project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub generator: String,
    pub generator_version: String,
    pub spec_hash: String,
    /// Relative path → SHA-256 (hex) of the generated contents.
    pub files: BTreeMap<String, String>,
    /// Every migration with its SQL and the schema after it, oldest first: the next
    /// generation adds to them and never edits one.
    #[serde(default)]
    pub migrations: Vec<crate::schema::MigrationRecord>,
}

impl Manifest {
    pub fn of(project: &Project) -> Manifest {
        Manifest {
            format: 1,
            generator: "ectus-r".to_owned(),
            generator_version: crate::GENERATOR_VERSION.to_owned(),
            spec_hash: project.spec_hash.clone(),
            files: project
                .files
                .iter()
                .map(|(path, contents)| (path.clone(), sha256(contents)))
                .collect(),
            migrations: project.migrations.clone(),
        }
    }

    pub fn read(dir: &Path) -> Option<Manifest> {
        let text = std::fs::read_to_string(dir.join(MANIFEST_PATH)).ok()?;
        serde_json::from_str(&text).ok()
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What [`write_project`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WriteReport {
    /// Files created or replaced.
    pub written: Vec<String>,
    /// Files already identical to the new version.
    pub unchanged: Vec<String>,
    /// Files changed by a human: (file, where the new version was written).
    pub kept: Vec<(String, String)>,
    /// Extension handlers someone has written: theirs, left as they are (no new version
    /// beside them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub implemented: Vec<String>,
    /// Files the previous generation made that this one no longer does, removed because
    /// nobody changed them.
    pub removed: Vec<String>,
    /// Files the previous generation made, no longer generated, kept because they were changed.
    pub orphaned: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0} is not empty and is not an Ectus-R project (no {MANIFEST_PATH}); choose an empty or new directory, or pass --force to write into it anyway")]
    NotAProject(PathBuf),
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Writes `contents` through a temporary file and a rename, so a reader never sees half a file.
fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".ectus-tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, contents).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Writes `project` into `dir` following the provenance rules; `force` allows a non-empty
/// directory that is not an Ectus-R project (files there are treated as human-made).
pub fn write_project(
    dir: &Path,
    project: &Project,
    force: bool,
) -> Result<WriteReport, WriteError> {
    let previous = Manifest::read(dir);
    let non_empty = std::fs::read_dir(dir)
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false);
    if non_empty && previous.is_none() && !force {
        return Err(WriteError::NotAProject(dir.to_owned()));
    }
    let mut report = WriteReport::default();
    for (rel, contents) in &project.files {
        let path = dir.join(rel);
        let new_hash = sha256(contents);
        match std::fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                write_atomic(&path, contents)?;
                report.written.push(rel.clone());
            }
            Err(e) => return Err(io(&path)(e)),
            Ok(on_disk) => {
                let disk_hash = sha256(&on_disk);
                let generated_before = previous.as_ref().and_then(|m| m.files.get(rel));
                if disk_hash == new_hash {
                    report.unchanged.push(rel.clone());
                } else if generated_before == Some(&disk_hash) {
                    write_atomic(&path, contents)?;
                    report.written.push(rel.clone());
                } else if crate::extensions::is_handler_file(rel) {
                    report.implemented.push(rel.clone());
                } else {
                    let beside = format!("{rel}{NEW_SUFFIX}");
                    write_atomic(&dir.join(&beside), contents)?;
                    report.kept.push((rel.clone(), beside));
                }
            }
        }
        fail::fail_point!("generate.file-written");
    }
    if let Some(previous) = &previous {
        for (rel, old_hash) in &previous.files {
            if project.files.contains_key(rel) {
                continue;
            }
            let path = dir.join(rel);
            match std::fs::read(&path) {
                Ok(on_disk) if sha256(&on_disk) == *old_hash => {
                    std::fs::remove_file(&path).map_err(io(&path))?;
                    report.removed.push(rel.clone());
                }
                Ok(_) => report.orphaned.push(rel.clone()),
                Err(_) => {}
            }
        }
    }
    let manifest = serde_json::to_vec_pretty(&Manifest::of(project)).unwrap_or_default();
    write_atomic(&dir.join(MANIFEST_PATH), &manifest)?;
    Ok(report)
}
