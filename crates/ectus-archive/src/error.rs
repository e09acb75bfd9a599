//! Why an archive was refused. Each variant names the entry and says what is wrong with it.

/// An archive that cannot be read, or that breaks one of the rules an import relies on.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot read the archive")]
    Io(#[source] std::io::Error),
    #[error("the archive is not a complete gzip stream: {0}")]
    Compression(String),
    #[error("the archive is not a valid tar stream: {0}")]
    Container(String),
    #[error("the archive ends early: {0}")]
    Truncated(String),
    #[error("the archive has data after its end: {0}")]
    TrailingData(String),
    #[error("entry {name:?} is a {kind}; an archive holds regular files only")]
    NotARegularFile { name: String, kind: String },
    #[error("entry name {name:?} is not allowed: {reason}")]
    BadName { name: String, reason: String },
    #[error(
        "entry {name:?} has mode {mode:o}: set-user-id, set-group-id and sticky bits are refused"
    )]
    BadMode { name: String, mode: u32 },
    #[error("entry {name:?} is a link to {target:?}; an archive holds regular files only")]
    Link { name: String, target: String },
    #[error("the first entry is {found:?}; an archive starts with manifest.json")]
    ManifestNotFirst { found: String },
    #[error("the manifest is not valid: {0}")]
    BadManifest(String),
    #[error("format version {found} is not supported (this build reads version {supported})")]
    UnknownFormatVersion { found: u32, supported: u32 },
    #[error("entry {found:?} is not the one the manifest lists next ({expected})")]
    UnexpectedEntry { found: String, expected: String },
    #[error("the manifest lists {name:?}, which the archive does not hold")]
    MissingEntry { name: String },
    #[error("entry {name:?} holds {actual} bytes; the manifest says {declared}")]
    SizeMismatch {
        name: String,
        declared: u64,
        actual: u64,
    },
    #[error("entry {name:?} has SHA-256 {actual}; the manifest says {declared}")]
    ChecksumMismatch {
        name: String,
        declared: String,
        actual: String,
    },
    #[error("{what} is over the limit of {limit}")]
    TooLarge { what: String, limit: u64 },
    #[error(
        "the archive expands more than {limit} times its compressed size (a decompression bomb?)"
    )]
    CompressionRatio { limit: u64 },
}

impl ArchiveError {
    /// The stable class of the refusal, for reports and tests (`bad_name`, `link`, …).
    pub fn class(&self) -> &'static str {
        match self {
            ArchiveError::Io(_) => "io",
            ArchiveError::Compression(_) => "compression",
            ArchiveError::Container(_) => "container",
            ArchiveError::Truncated(_) => "truncated",
            ArchiveError::TrailingData(_) => "trailing_data",
            ArchiveError::NotARegularFile { .. } => "not_a_regular_file",
            ArchiveError::BadName { .. } => "bad_name",
            ArchiveError::BadMode { .. } => "bad_mode",
            ArchiveError::Link { .. } => "link",
            ArchiveError::ManifestNotFirst { .. } => "manifest_not_first",
            ArchiveError::BadManifest(_) => "bad_manifest",
            ArchiveError::UnknownFormatVersion { .. } => "unknown_format_version",
            ArchiveError::UnexpectedEntry { .. } => "unexpected_entry",
            ArchiveError::MissingEntry { .. } => "missing_entry",
            ArchiveError::SizeMismatch { .. } => "size_mismatch",
            ArchiveError::ChecksumMismatch { .. } => "checksum_mismatch",
            ArchiveError::TooLarge { .. } => "too_large",
            ArchiveError::CompressionRatio { .. } => "compression_ratio",
        }
    }
}
