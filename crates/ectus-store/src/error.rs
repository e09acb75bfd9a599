//! Errors returned by the store, classified so that the HTTP layer can map them to statuses.

/// A store result.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The kinds of record the store keeps, named in [`StoreError::NotFound`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Tenant,
    User,
    ApiKey,
    Project,
    Job,
    Generation,
    Incident,
}

impl Resource {
    /// The name used in messages, e.g. `API key`.
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Tenant => "tenant",
            Resource::User => "user",
            Resource::ApiKey => "API key",
            Resource::Project => "project",
            Resource::Job => "job",
            Resource::Generation => "generation",
            Resource::Incident => "incident",
        }
    }
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong in the store. Messages never repeat their source: printing the chain
/// (`{error:#}`) shows each cause once.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL {url:?} is not supported: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl { url: String },
    #[error("database URL {url} sets `{parameter}`, which the PostgreSQL driver does not support: {advice}")]
    UnsupportedParameter {
        url: String,
        parameter: String,
        advice: &'static str,
    },
    #[error("cannot connect to the database at {url}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot prepare the SQLite data directory {path}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} not found")]
    NotFound(Resource),
    #[error("{0}")]
    Conflict(String),
    #[error("version mismatch: the current version is {current}")]
    VersionMismatch { current: i64 },
    #[error("invalid cursor")]
    InvalidCursor,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        StoreError::Database(err)
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

/// Turns an optional row into the record or [`StoreError::NotFound`] naming its kind.
pub(crate) trait Found<T> {
    fn or_not_found(self, what: Resource) -> Result<T>;
}

impl<T> Found<T> for Option<T> {
    fn or_not_found(self, what: Resource) -> Result<T> {
        self.ok_or(StoreError::NotFound(what))
    }
}

/// A JSON column read back; text that is not JSON is [`StoreError::Corrupt`] naming the record
/// and the column.
pub(crate) fn json_column(text: &str, record: &str, column: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{record} {column}: {e}")))
}
