//! Tenant archives: the container an export is written to and an import reads from.
//!
//! An archive is a gzip-compressed tar stream holding, in this order, `manifest.json`, one
//! NDJSON file per table (`tables/<table>.ndjson`) and one file per generation artifact
//! (`artifacts/<generation id>`). The manifest names every other file with its size, its
//! SHA-256 and (for tables) its row count, so that a reader checks everything before it uses
//! anything.
//!
//! - [`manifest`]: the manifest's format and its own consistency rules.
//! - [`names`]: the only entry names an archive may hold.
//! - [`limits`]: caps on entries, sizes and compression ratio.
//! - [`reader`]: the strict streaming reader, which refuses hostile archives — links, devices,
//!   odd names, duplicates, bombs, truncated or trailing data, checksum mismatches — with
//!   [`ArchiveError`] naming the first problem.
//! - [`writer`]: writes an archive to a temporary file next to its destination and renames it
//!   into place only when complete.
//! - [`spool`]: files whose size and checksum are known once written, staged before the
//!   manifest that describes them; [`hash`]: the hashing writer and reader they use.
//!
//! What the rows mean is the store's business: this crate knows bytes, names and checksums.

mod error;
pub mod hash;
pub mod limits;
pub mod manifest;
pub mod names;
pub mod reader;
pub mod spool;
pub mod writer;

pub use error::ArchiveError;
pub use hash::{HashingReader, HashingWriter};
pub use limits::Limits;
pub use manifest::{AuditAnchor, Exporter, Manifest, ManifestFile, ManifestTenant};
pub use names::EntryName;
pub use reader::{read_archive, ReadError};
pub use spool::{Spool, Spooled};
pub use writer::{ArchiveWriter, WrittenArchive};

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex(&sha2::Sha256::digest(bytes))
}

/// Lowercase hex of a digest.
pub fn hex(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(digest.len() * 2);
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// Whether `text` is a SHA-256 in lowercase hex.
pub(crate) fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
