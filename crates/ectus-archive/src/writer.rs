//! Writing an archive: entries appended in order to a gzip-compressed tar stream in a
//! temporary file beside the destination, which takes the destination's name only when the
//! archive is complete and synced — an interrupted export leaves no partial archive behind,
//! and an existing file is never overwritten.

use std::io::{self, BufWriter, Read};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;

use crate::HashingWriter;

/// An archive being written.
pub struct ArchiveWriter {
    builder: tar::Builder<GzEncoder<HashingWriter<BufWriter<tempfile::NamedTempFile>>>>,
    destination: PathBuf,
    mtime: u64,
}

/// The finished archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenArchive {
    pub path: PathBuf,
    /// Compressed size.
    pub bytes: u64,
    /// SHA-256 of the archive file.
    pub sha256: String,
}

impl ArchiveWriter {
    /// Starts an archive that will be `destination`; entries carry `mtime` (seconds since the
    /// epoch). Fails at once when `destination` exists or its directory does not.
    pub fn create(destination: &Path, mtime: u64) -> io::Result<ArchiveWriter> {
        if destination.exists() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} exists; choose another name or remove it",
                    destination.display()
                ),
            ));
        }
        let dir = match destination.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".ectus-export-")
            .suffix(".partial")
            .tempfile_in(dir)?;
        let hashing = HashingWriter::new(BufWriter::with_capacity(1 << 16, temp));
        let encoder = GzEncoder::new(hashing, flate2::Compression::fast());
        let mut builder = tar::Builder::new(encoder);
        builder.mode(tar::HeaderMode::Deterministic);
        Ok(ArchiveWriter {
            builder,
            destination: destination.to_owned(),
            mtime,
        })
    }

    /// Appends a regular file of `size` bytes read from `data`.
    pub fn append(&mut self, name: &str, size: u64, data: &mut dyn Read) -> io::Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(size);
        header.set_mode(0o644);
        header.set_mtime(self.mtime);
        header.set_uid(0);
        header.set_gid(0);
        let mut limited = data.take(size);
        self.builder.append_data(&mut header, name, &mut limited)
    }

    /// Appends `bytes` as a file.
    pub fn append_bytes(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        self.append(name, bytes.len() as u64, &mut &bytes[..])
    }

    /// Ends the tar and gzip streams, syncs the file and gives it its name.
    pub fn finish(self) -> io::Result<WrittenArchive> {
        let encoder = self.builder.into_inner()?;
        let (buffered, bytes, sha256) = encoder.finish()?.finish();
        let temp = buffered
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        temp.as_file().sync_all()?;
        temp.persist_noclobber(&self.destination)
            .map_err(|e| e.error)?;
        if let Some(dir) = self
            .destination
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            if let Ok(handle) = std::fs::File::open(dir) {
                // Best effort: the rename is durable once the directory is synced.
                let _ = handle.sync_all();
            }
        }
        Ok(WrittenArchive {
            path: self.destination,
            bytes,
            sha256,
        })
    }
}
