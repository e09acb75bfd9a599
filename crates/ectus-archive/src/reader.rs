//! The strict streaming reader. It reads the archive once, front to back, in constant memory:
//! the manifest first (checked before anything else is read), then each file in the order the
//! manifest lists, handed to the caller's visitor through a reader that hashes what passes.
//! After the visitor, the rest of the file is drained and its size and SHA-256 compared with
//! the manifest; after the last file, only zero padding may follow, then the end of the gzip
//! stream, then the end of the input.
//!
//! Every header is checked before its data is read: regular files only (no links, devices,
//! FIFOs, directories, PAX or GNU extension headers), a name from [`crate::names`] with
//! nothing hidden after a NUL, no set-user-id/set-group-id/sticky bits, a declared size within
//! the limits and equal to the manifest's. Decompression is watched as it happens: the total
//! and the ratio to the compressed bytes read are capped, so a bomb stops at the cap.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flate2::bufread::GzDecoder;
use sha2::Digest as _;

use crate::manifest::{Manifest, ManifestFile};
use crate::names::EntryName;
use crate::{ArchiveError, Limits};

/// Why reading stopped: the archive was refused, or the visitor refused a file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError<E> {
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Visitor(E),
}

/// Reads the archive from `source`, calling `visit` once per file listed in the manifest, in
/// order, with the manifest entry and a reader of the file's bytes (it need not read them
/// all). Returns the manifest once every file is present and verified and the stream ended
/// cleanly. `tables` are the table names the caller knows; the manifest may list no other.
pub fn read_archive<R, E, F>(
    source: R,
    limits: &Limits,
    tables: &[&str],
    mut visit: F,
) -> Result<Manifest, ReadError<E>>
where
    R: Read,
    F: FnMut(&Manifest, &ManifestFile, &mut dyn Read) -> Result<(), E>,
{
    let compressed = Arc::new(AtomicU64::new(0));
    let counted = Counting {
        inner: source,
        count: Arc::clone(&compressed),
    };
    let decoder = GzDecoder::new(BufReader::new(counted));
    let guard = Guard {
        inner: decoder,
        decompressed: 0,
        compressed,
        limits: limits.clone(),
    };
    let mut archive = tar::Archive::new(guard);
    let manifest = {
        let mut entries = archive
            .entries()
            .map_err(|e| container_error(e, "cannot start reading"))?
            .raw(true);
        let manifest = {
            let mut first = match entries.next() {
                Some(entry) => entry.map_err(|e| container_error(e, "the first header"))?,
                None => return Err(ArchiveError::Truncated("the archive is empty".into()).into()),
            };
            let name = check_header(&first, limits)?;
            if name != EntryName::Manifest {
                return Err(ArchiveError::ManifestNotFirst { found: name.path() }.into());
            }
            let size = first
                .header()
                .entry_size()
                .map_err(|e| container_error(e, "manifest.json"))?;
            if size > limits.max_manifest_bytes {
                return Err(ArchiveError::TooLarge {
                    what: format!("manifest.json ({size} bytes)"),
                    limit: limits.max_manifest_bytes,
                }
                .into());
            }
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            first
                .read_to_end(&mut bytes)
                .map_err(|e| data_error(e, "manifest.json"))?;
            if bytes.len() as u64 != size {
                return Err(ArchiveError::Truncated("manifest.json is cut short".into()).into());
            }
            Manifest::parse(&bytes, tables, limits)?
        };
        for file in &manifest.files {
            let mut entry = match entries.next() {
                Some(entry) => entry.map_err(|e| container_error(e, &file.path))?,
                None => {
                    return Err(ArchiveError::MissingEntry {
                        name: file.path.clone(),
                    }
                    .into())
                }
            };
            let name = check_header(&entry, limits)?;
            let found = name.path();
            if found != file.path {
                return Err(ArchiveError::UnexpectedEntry {
                    found,
                    expected: file.path.clone(),
                }
                .into());
            }
            let declared = entry
                .header()
                .entry_size()
                .map_err(|e| container_error(e, &file.path))?;
            if declared != file.bytes {
                return Err(ArchiveError::SizeMismatch {
                    name: file.path.clone(),
                    declared: file.bytes,
                    actual: declared,
                }
                .into());
            }
            let mut hashing = Hashing {
                inner: &mut entry,
                hasher: sha2::Sha256::new(),
                bytes: 0,
                failure: None,
            };
            let visited = visit(&manifest, file, &mut hashing);
            if let Some(error) = hashing.failure.take() {
                return Err(error.into());
            }
            let drained =
                io::copy(&mut hashing, &mut io::sink()).map_err(|e| data_error(e, &file.path));
            if let Err(refused) = visited {
                // Damaged bytes make odd rows: say the bytes are damaged when they are.
                let whole = drained.is_ok() && hashing.bytes == file.bytes;
                let actual = crate::hex(&hashing.hasher.finalize());
                if whole && actual != file.sha256 {
                    return Err(ArchiveError::ChecksumMismatch {
                        name: file.path.clone(),
                        declared: file.sha256.clone(),
                        actual,
                    }
                    .into());
                }
                return Err(ReadError::Visitor(refused));
            }
            drained?;
            if let Some(error) = hashing.failure.take() {
                return Err(error.into());
            }
            if hashing.bytes != file.bytes {
                return Err(ArchiveError::Truncated(format!(
                    "{} holds {} of its {} bytes",
                    file.path, hashing.bytes, file.bytes
                ))
                .into());
            }
            let actual = crate::hex(&hashing.hasher.finalize());
            if actual != file.sha256 {
                return Err(ArchiveError::ChecksumMismatch {
                    name: file.path.clone(),
                    declared: file.sha256.clone(),
                    actual,
                }
                .into());
            }
        }
        if let Some(extra) = entries.next() {
            let extra = extra.map_err(|e| container_error(e, "after the last listed file"))?;
            let name = String::from_utf8_lossy(&extra.path_bytes()).into_owned();
            return Err(ArchiveError::UnexpectedEntry {
                found: name,
                expected: "the end of the archive".into(),
            }
            .into());
        }
        manifest
    };
    finish_stream(archive.into_inner())?;
    Ok(manifest)
}

/// After the last entry: zero padding only, the end of the gzip stream, the end of the input.
fn finish_stream<R: Read>(mut guard: Guard<R>) -> Result<(), ArchiveError> {
    let mut buffer = [0u8; 8192];
    loop {
        let read = guard
            .read(&mut buffer)
            .map_err(|e| data_error(e, "the end of the archive"))?;
        if read == 0 {
            break;
        }
        if buffer[..read].iter().any(|b| *b != 0) {
            return Err(ArchiveError::TrailingData(
                "non-zero bytes after the end-of-archive marker".into(),
            ));
        }
    }
    let mut rest = guard.inner.into_inner();
    let left = rest.fill_buf().map_err(ArchiveError::Io)?;
    if !left.is_empty() {
        return Err(ArchiveError::TrailingData(
            "bytes after the end of the gzip stream".into(),
        ));
    }
    Ok(())
}

/// Checks a header before its data is read; returns the entry's name.
fn check_header<R: Read>(
    entry: &tar::Entry<'_, R>,
    limits: &Limits,
) -> Result<EntryName, ArchiveError> {
    let header = entry.header();
    let raw_name = &header.as_bytes()[..100];
    let end = raw_name
        .iter()
        .position(|b| *b == 0)
        .unwrap_or(raw_name.len());
    let shown = String::from_utf8_lossy(&raw_name[..end]).into_owned();
    if raw_name[end..].iter().any(|b| *b != 0) {
        return Err(ArchiveError::BadName {
            name: shown,
            reason: "it hides bytes after a NUL".into(),
        });
    }
    if let Some(ustar) = header.as_ustar() {
        if ustar.prefix.iter().any(|b| *b != 0) {
            return Err(ArchiveError::BadName {
                name: shown,
                reason: "it uses the ustar prefix field".into(),
            });
        }
    }
    let kind = header.entry_type();
    if kind.is_hard_link() || kind.is_symlink() {
        let target = header
            .link_name_bytes()
            .map(|t| String::from_utf8_lossy(&t).into_owned())
            .unwrap_or_default();
        return Err(ArchiveError::Link {
            name: shown,
            target,
        });
    }
    if !kind.is_file() {
        return Err(ArchiveError::NotARegularFile {
            name: shown,
            kind: kind_name(kind).to_owned(),
        });
    }
    if header
        .link_name_bytes()
        .is_some_and(|target| !target.is_empty())
    {
        return Err(ArchiveError::Link {
            name: shown,
            target: String::from_utf8_lossy(&header.link_name_bytes().unwrap_or_default())
                .into_owned(),
        });
    }
    let mode = header.mode().map_err(|e| container_error(e, &shown))?;
    if mode & 0o7000 != 0 {
        return Err(ArchiveError::BadMode { name: shown, mode });
    }
    let size = header
        .entry_size()
        .map_err(|e| container_error(e, &shown))?;
    if size > limits.max_entry_bytes {
        return Err(ArchiveError::TooLarge {
            what: format!("{shown:?} ({size} bytes)"),
            limit: limits.max_entry_bytes,
        });
    }
    EntryName::parse(&raw_name[..end]).map_err(|reason| ArchiveError::BadName {
        name: shown,
        reason,
    })
}

fn kind_name(kind: tar::EntryType) -> &'static str {
    match kind {
        tar::EntryType::Directory => "directory",
        tar::EntryType::Char => "character device",
        tar::EntryType::Block => "block device",
        tar::EntryType::Fifo => "FIFO",
        tar::EntryType::Continuous => "contiguous file",
        tar::EntryType::GNULongName | tar::EntryType::GNULongLink => "GNU long-name header",
        tar::EntryType::GNUSparse => "GNU sparse file",
        tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => "PAX extension header",
        _ => "entry of an unknown type",
    }
}

/// An error raised while reading headers: a refusal of ours passed through, or the container.
fn container_error(error: io::Error, at: &str) -> ArchiveError {
    data_error(error, at)
}

/// Maps an I/O error from inside the stream to what it means: one of our own refusals (a cap
/// hit, a gzip problem — both raised by the guard), a cut-off stream, or a malformed
/// container (what the tar reader itself complains of).
fn data_error(error: io::Error, at: &str) -> ArchiveError {
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<ArchiveError>())
    {
        return match error
            .into_inner()
            .map(|inner| inner.downcast::<ArchiveError>())
        {
            Some(Ok(ours)) => *ours,
            _ => ArchiveError::Container(format!("at {at}")),
        };
    }
    match error.kind() {
        io::ErrorKind::UnexpectedEof => ArchiveError::Truncated(format!("at {at}")),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData | io::ErrorKind::Other => {
            ArchiveError::Container(format!("{error} (at {at})"))
        }
        _ => ArchiveError::Io(error),
    }
}

/// Counts the compressed bytes read from the input.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self
            .inner
            .read(buf)
            .map_err(|error| io::Error::other(ArchiveError::Io(error)))?;
        self.count.fetch_add(read as u64, Ordering::Relaxed);
        Ok(read)
    }
}

/// Caps the decompressed stream: its total, and its ratio to the compressed bytes read.
struct Guard<R> {
    inner: GzDecoder<BufReader<Counting<R>>>,
    decompressed: u64,
    compressed: Arc<AtomicU64>,
    limits: Limits,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf).map_err(|error| {
            if error
                .get_ref()
                .is_some_and(|inner| inner.is::<ArchiveError>())
            {
                return error;
            }
            io::Error::other(if error.kind() == io::ErrorKind::UnexpectedEof {
                ArchiveError::Truncated("the gzip stream ends early".into())
            } else {
                ArchiveError::Compression(error.to_string())
            })
        })?;
        self.decompressed += read as u64;
        if self.decompressed > self.limits.max_total_bytes {
            return Err(io::Error::other(ArchiveError::TooLarge {
                what: "the decompressed archive".into(),
                limit: self.limits.max_total_bytes,
            }));
        }
        let compressed = self.compressed.load(Ordering::Relaxed).max(1);
        if self.decompressed > self.limits.ratio_floor_bytes
            && self.decompressed / compressed > self.limits.max_ratio
        {
            return Err(io::Error::other(ArchiveError::CompressionRatio {
                limit: self.limits.max_ratio,
            }));
        }
        Ok(read)
    }
}

/// Hashes and counts what the visitor (and the drain after it) reads of one file. A failure
/// of ours found inside the stream is kept aside so that it is reported as itself even when
/// the visitor turns read errors into its own.
struct Hashing<'b> {
    inner: &'b mut dyn Read,
    hasher: sha2::Sha256,
    bytes: u64,
    failure: Option<ArchiveError>,
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(read) => {
                self.hasher.update(&buf[..read]);
                self.bytes += read as u64;
                Ok(read)
            }
            Err(error) => {
                let kind = error.kind();
                let message = error.to_string();
                self.failure = Some(data_error(error, "a file's data"));
                Err(io::Error::new(kind, message))
            }
        }
    }
}
