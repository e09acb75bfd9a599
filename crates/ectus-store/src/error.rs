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
    #[error("the tenant already has {active} generations queued or running (at most {limit})")]
    QuotaExceeded { active: u64, limit: u32 },
    #[error("version mismatch: the current version is {current}")]
    VersionMismatch { current: i64 },
    #[error("invalid cursor")]
    InvalidCursor,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database unavailable: {0}")]
    Unavailable(Unavailable, #[source] sqlx::Error),
    /// The database's disk is full: nothing was written, and nothing will be until space is
    /// freed.
    #[error("the database's storage is full")]
    StorageFull(#[source] sqlx::Error),
    #[error("database error")]
    Database(#[source] sqlx::Error),
}

/// Why the database cannot serve a request now — a condition a retry may outlive, unlike a
/// fault of the request or of the data. A write answered this way may still have committed
/// when the connection failed during its commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// No connection became free, or none could be opened, within the acquire time-out.
    PoolTimedOut,
    /// The connection failed or was closed under the query.
    ConnectionLost,
    /// The server refuses work for now: shutting down, starting up, out of connections.
    ServerRefused,
    /// SQLite: another writer held the lock past the busy time-out.
    Locked,
    /// The pool was closed (the process is shutting down).
    ShuttingDown,
}

impl Unavailable {
    /// Classifies an error of the driver; `None` for everything a retry would not cure.
    pub fn of(err: &sqlx::Error) -> Option<Unavailable> {
        match err {
            sqlx::Error::PoolTimedOut => Some(Unavailable::PoolTimedOut),
            sqlx::Error::PoolClosed => Some(Unavailable::ShuttingDown),
            // Only the network: TLS and protocol errors are as often configuration or bugs,
            // which a retry does not cure and which must page as 500s.
            sqlx::Error::Io(_) => Some(Unavailable::ConnectionLost),
            sqlx::Error::Database(db) => {
                let code = db.code();
                let code = code.as_deref().unwrap_or("");
                if db
                    .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some()
                {
                    // Class 08 (connection exception), 57P01–57P03 (shutting down, cannot
                    // connect now), 53300 (too many connections). Not 57P04 (database
                    // dropped): that one is for good.
                    let refused = code.starts_with("08")
                        || matches!(code, "57P01" | "57P02" | "57P03" | "53300");
                    refused.then_some(Unavailable::ServerRefused)
                } else if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                    // SQLITE_BUSY and SQLITE_LOCKED, also as extended codes (261, 517, …).
                    let locked = code.parse::<u32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6));
                    locked.then_some(Unavailable::Locked)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Unavailable::PoolTimedOut => "no connection within the acquire time-out",
            Unavailable::ConnectionLost => "the connection to the database failed",
            Unavailable::ServerRefused => "the database server refuses work for now",
            Unavailable::Locked => "the database is locked by another writer",
            Unavailable::ShuttingDown => "the connection pool is closed",
        })
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if storage_full(&err) {
            return StoreError::StorageFull(err);
        }
        match Unavailable::of(&err) {
            Some(why) => StoreError::Unavailable(why, err),
            None => StoreError::Database(err),
        }
    }
}

/// SQLite's SQLITE_FULL (13, also extended) and PostgreSQL's `disk_full` (53100). Other I/O
/// errors (a failing disk) stay 500s.
fn storage_full(err: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = err else {
        return false;
    };
    let code = db.code();
    let code = code.as_deref().unwrap_or("");
    if db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .is_some()
    {
        code == "53100"
    } else if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        code.parse::<u32>()
            .is_ok_and(|c| c & 0xff == 13 || c == 778)
    } else {
        false
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
