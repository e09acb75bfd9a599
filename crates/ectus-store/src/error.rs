//! Errors returned by the store, classified so that the HTTP layer can map them to statuses.

/// A store result.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL {url:?} is not supported: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl { url: String },
    #[error("cannot connect to the database at {url}: {source}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot prepare the SQLite data directory {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("version mismatch: the current version is {current}")]
    VersionMismatch { current: i64 },
    #[error("invalid cursor")]
    InvalidCursor,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            other => StoreError::Database(other),
        }
    }
}

impl StoreError {
    /// Maps a unique-constraint violation to [`StoreError::Conflict`] with `message`; other
    /// errors pass through.
    pub(crate) fn unique_as_conflict(err: sqlx::Error, message: impl Into<String>) -> Self {
        let unique = err
            .as_database_error()
            .map(|db| db.is_unique_violation())
            .unwrap_or(false);
        if unique {
            StoreError::Conflict(message.into())
        } else {
            StoreError::from(err)
        }
    }
}
