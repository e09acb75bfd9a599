//! Caps that bound what reading an archive may cost, whatever the archive claims.

/// Caps checked while an archive is read: from the manifest before any file is read, and
/// against the bytes actually decompressed as they stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Entries, the manifest included.
    pub max_entries: u64,
    /// Bytes of the manifest itself.
    pub max_manifest_bytes: u64,
    /// Bytes of any one file.
    pub max_entry_bytes: u64,
    /// Decompressed bytes of the whole stream (headers and padding included).
    pub max_total_bytes: u64,
    /// How many times its compressed size the stream may expand…
    pub max_ratio: u64,
    /// …once more than this many bytes were decompressed (small streams of repetitive text
    /// compress well and are harmless).
    pub ratio_floor_bytes: u64,
}

impl Default for Limits {
    /// Generous for real tenants (a million files, 64 GiB), fatal to bombs.
    fn default() -> Self {
        Limits {
            max_entries: 1_000_000,
            max_manifest_bytes: 256 << 20,
            max_entry_bytes: 16 << 30,
            max_total_bytes: 64 << 30,
            max_ratio: 200,
            ratio_floor_bytes: 64 << 20,
        }
    }
}
