//! Connecting to the database, per-connection settings, migrations and schema status.

use std::path::Path;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor, Row};

use crate::error::{Result, StoreError};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Determines the backend from a database URL.
    pub fn from_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl {
                url: redact_url(url),
            })
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// The OpenTelemetry `db.system` value (`sqlite`, `postgresql`).
    pub fn db_system(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }
}

/// Connection pool settings.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// SQLite only: how long a writer waits for the file lock before giving up.
    pub busy_timeout: Duration,
    /// How long a verified API key is trusted without asking the database again (zero: ask
    /// every time); a key revoked on another process is refused here after at most this.
    pub key_cache_ttl: Duration,
    /// SQLite only: the size the write-ahead log is cut back to whenever a checkpoint has
    /// copied all of it into the database (`PRAGMA journal_size_limit`). Without it the file
    /// keeps the largest size it ever reached.
    pub wal_size_limit: u64,
}

/// What one checkpoint of SQLite's write-ahead log did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalCheckpoint {
    /// A reader or writer kept the checkpoint from finishing within its wait; the next one
    /// carries on.
    pub busy: bool,
    /// Pages in the log when the checkpoint started (0 once truncated).
    pub log_pages: i64,
    /// Of those, the pages copied into the database.
    pub checkpointed_pages: i64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(2),
            busy_timeout: Duration::from_secs(5),
            key_cache_ttl: Duration::from_secs(10),
            wal_size_limit: 64 * 1024 * 1024,
        }
    }
}

/// Whether the schema is fully migrated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaStatus {
    /// Newest migration version applied to the database, if any.
    pub applied: Option<i64>,
    /// Newest migration version this build knows.
    pub expected: i64,
}

impl SchemaStatus {
    pub fn is_current(&self) -> bool {
        self.applied == Some(self.expected)
    }
}

/// Platform-wide counts for the business metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformCounts {
    pub tenants: i64,
    pub projects: i64,
    /// Keys neither revoked nor expired.
    pub active_keys: i64,
    /// When the oldest job still waiting in the queue was enqueued.
    pub oldest_queued_job: Option<crate::Timestamp>,
    /// The audit log's head position (0 while empty).
    pub audit_head_seq: i64,
}

/// The handle to the database shared by the API, the workers and the CLI.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    busy_timeout: Duration,
    pub(crate) keys: std::sync::Arc<crate::key_cache::KeyCache>,
    pub(crate) instance: std::sync::Arc<crate::instance::StateCache>,
}

impl Store {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`). For SQLite the file and its
    /// directory are created when missing, and every connection gets WAL journaling, foreign
    /// keys and a busy timeout. Fails fast with the (password-redacted) URL when the database
    /// cannot be reached.
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let connect_url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => {
                refuse_unsupported_parameters(url)?;
                url.to_owned()
            }
        };
        let busy_ms = options.busy_timeout.as_millis();
        let wal_limit = options.wal_size_limit;
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            // A ping before every use finds a server connection that broke while idle; a
            // SQLite connection is a file handle that cannot, and the ping is a round trip to
            // its worker thread on every query.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            format!(
                                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                                 PRAGMA busy_timeout = {busy_ms}; PRAGMA synchronous = NORMAL; \
                                 PRAGMA journal_size_limit = {wal_limit};"
                            )
                            .as_str(),
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&connect_url)
            .await
            .map_err(|source| StoreError::Connect {
                url: redact_url(url),
                source,
            })?;
        Ok(Store {
            pool,
            backend,
            busy_timeout: options.busy_timeout,
            keys: std::sync::Arc::new(crate::key_cache::KeyCache::new(options.key_cache_ttl)),
            instance: std::sync::Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// SQLite: copies the write-ahead log into the database and truncates it to nothing,
    /// waiting at most `wait` for readers still on older snapshots (writers wait for the
    /// checkpoint that long at most). SQLite's own checkpoints never wait, so under steady
    /// reads and writes the log can outgrow the database; this one, run periodically, bounds
    /// it. `None` on PostgreSQL.
    pub async fn checkpoint_wal(&self, wait: Duration) -> Result<Option<WalCheckpoint>> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let mut conn = self.conn().await?;
        conn.execute(format!("PRAGMA busy_timeout = {}", wait.as_millis()).as_str())
            .await?;
        let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut *conn)
            .await;
        // The connection goes back to the pool with the wait every other statement has.
        let restored = conn
            .execute(format!("PRAGMA busy_timeout = {}", self.busy_timeout.as_millis()).as_str())
            .await;
        if restored.is_err() {
            // Never hand a connection with the short wait to a writer.
            conn.detach();
        }
        let row = row?;
        let number = |i: usize| -> Result<i64> { Ok(row.try_get::<i64, _>(i)?) };
        Ok(Some(WalCheckpoint {
            busy: number(0)? != 0,
            log_pages: number(1)?,
            checkpointed_pages: number(2)?,
        }))
    }

    /// Takes a connection from the pool, recording the wait in
    /// `db_client_connection_wait_time_seconds` (a timed-out wait is recorded too).
    pub(crate) async fn conn(&self) -> Result<PoolConnection<Any>, sqlx::Error> {
        if !ectus_telemetry::enabled() {
            return self.pool.acquire().await;
        }
        let started = std::time::Instant::now();
        let conn = self.pool.acquire().await;
        ectus_telemetry::metrics()
            .db_connection_wait
            .get_or_create(&ectus_telemetry::DbSystemLabels {
                db_system: self.backend.db_system(),
            })
            .observe(started.elapsed().as_secs_f64());
        conn
    }

    /// A read-only transaction whose reads all see one snapshot: repeatable read on
    /// PostgreSQL; on SQLite (WAL) any read transaction, from its first read on.
    pub(crate) async fn begin_snapshot<'c>(
        &self,
        conn: &'c mut PoolConnection<Any>,
    ) -> Result<sqlx::Transaction<'c, Any>, sqlx::Error> {
        match self.backend {
            Backend::Postgres => {
                sqlx::Connection::begin_with(
                    &mut **conn,
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                )
                .await
            }
            Backend::Sqlite => sqlx::Connection::begin(&mut **conn).await,
        }
    }

    /// The migration set for this store's backend.
    pub fn migrator(&self) -> &'static Migrator {
        migrator_for(self.backend)
    }

    /// Applies every pending migration. Safe to run repeatedly and from several processes at
    /// once (PostgreSQL takes an advisory lock; SQLite serialises writers).
    pub async fn migrate(&self) -> Result<()> {
        self.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// Applies `migrator` (used by tests to reproduce a database made by an older build).
    pub async fn migrate_with(&self, migrator: &Migrator) -> Result<()> {
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// Reports the newest applied migration against the newest one this build carries.
    pub async fn schema_status(&self) -> Result<SchemaStatus> {
        let expected = self
            .migrator()
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or_default();
        let applied = match sqlx::query(
            "SELECT MAX(version) AS version FROM _sqlx_migrations WHERE success = TRUE",
        )
        .fetch_one(&self.pool)
        .await
        {
            Ok(row) => row.try_get::<Option<i64>, _>("version")?,
            // No migrations table yet: nothing applied.
            Err(sqlx::Error::Database(_)) => None,
            Err(other) => return Err(other.into()),
        };
        Ok(SchemaStatus { applied, expected })
    }

    /// Pool occupancy: (open connections, idle connections, maximum size).
    pub fn pool_stats(&self) -> (u32, u32, u32) {
        let size = self.pool.size();
        let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX);
        (
            size,
            idle.min(size),
            self.pool.options().get_max_connections(),
        )
    }

    /// Counts for business metrics.
    pub async fn platform_counts(&self) -> crate::Result<PlatformCounts> {
        let now = crate::clock::now_ms();
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM tenants) AS tenants, \
                    (SELECT COUNT(*) FROM projects) AS projects, \
                    (SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL \
                        AND (expires_at IS NULL OR expires_at > $1)) AS keys, \
                    (SELECT MIN(created_at) FROM jobs WHERE state = 'queued') AS oldest, \
                    (SELECT COALESCE(MAX(seq), 0) FROM audit_log) AS audit",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(PlatformCounts {
            tenants: row.try_get("tenants")?,
            projects: row.try_get("projects")?,
            active_keys: row.try_get("keys")?,
            oldest_queued_job: row
                .try_get::<Option<i64>, _>("oldest")?
                .map(crate::Timestamp::from_millis),
            audit_head_seq: row.try_get("audit")?,
        })
    }

    /// Runs one database operation inside a `db` span and records its duration (and failure)
    /// under a fixed operation name, so label values stay bounded.
    pub(crate) async fn timed<T>(
        &self,
        operation: &'static str,
        query: impl std::future::Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, sqlx::Error> {
        if !ectus_telemetry::enabled() {
            return query.await;
        }
        let system = self.backend.db_system();
        let started = std::time::Instant::now();
        let result = if ectus_telemetry::detail_spans_wanted() {
            let span = tracing::info_span!(
                "db",
                "otel.name" = %format_args!("db {operation}"),
                "db.system" = system,
                "db.operation.name" = operation
            );
            tracing::Instrument::instrument(query, span).await
        } else {
            query.await
        };
        let metrics = ectus_telemetry::metrics();
        let labels = ectus_telemetry::Prehashed::new(ectus_telemetry::DbLabels {
            db_system: system,
            db_operation_name: operation,
        });
        metrics
            .db_operation_duration
            .get_or_create(&labels)
            .observe(started.elapsed().as_secs_f64());
        if result
            .as_ref()
            .is_err_and(|e| !matches!(e, sqlx::Error::RowNotFound))
        {
            metrics.db_operation_errors.get_or_create(&labels).inc();
        }
        result
    }

    /// A cheap round trip proving the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every pooled connection (waits for checked-out ones to come back).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The migration set of a backend.
pub fn migrator_for(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    }
}

/// Creates the SQLite file's directory and makes sure the file is created on first use.
fn prepare_sqlite_url(url: &str) -> Result<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    if path != ":memory:" && !path.is_empty() {
        let data_dir = |path: &Path, source| StoreError::DataDir {
            path: path.display().to_string(),
            source,
        };
        if let Some(parent) = Path::new(path).parent() {
            if !parent.as_os_str().is_empty() && !parent.exists() {
                let mut builder = std::fs::DirBuilder::new();
                builder.recursive(true);
                #[cfg(unix)]
                std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
                builder.create(parent).map_err(|e| data_dir(parent, e))?;
            }
        }
        // Created owner-only before SQLite opens it: SQLite gives its -wal and -shm files the
        // database file's permissions, so tenants' data is readable by this user alone.
        // Only where SQLite itself would create the file (mode=rwc, which is the default).
        let creates = query.is_none_or(|q| !q.contains("mode=") || q.contains("mode=rwc"));
        if creates {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let created = options.open(path);
            match created {
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                    return Err(data_dir(Path::new(path), e))
                }
                _ => {}
            }
        }
    }
    Ok(match query {
        Some(q) if q.contains("mode=") => url.to_owned(),
        Some(q) => format!("sqlite://{path}?{q}&mode=rwc"),
        None => format!("sqlite://{path}?mode=rwc"),
    })
}

/// Refuses URL parameters the PostgreSQL driver would ignore, logging their value as it does
/// (`sslpassword`: an encrypted client key is not supported).
fn refuse_unsupported_parameters(url: &str) -> Result<()> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    for (key, _) in query.split('&').filter_map(|pair| pair.split_once('=')) {
        if key.eq_ignore_ascii_case("sslpassword") {
            return Err(StoreError::UnsupportedParameter {
                url: redact_url(url),
                parameter: key.to_owned(),
                advice: "decrypt the client key (openssl pkey -in key.pem -out plain.pem) and pass it as sslkey without a password",
            });
        }
    }
    Ok(())
}

/// Query parameters of a database URL that carry secrets.
const SECRET_PARAMETERS: [&str; 2] = ["password", "sslpassword"];

/// Replaces the password in a URL's user-info and the values of `password` and `sslpassword`
/// query parameters with `***` (a password may itself contain `/` or `?`).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (userinfo, host_and_query) = match rest.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let (host, query) = match host_and_query.split_once('?') {
        Some((host, query)) => (host, Some(query)),
        None => (host_and_query, None),
    };
    let mut out = format!("{scheme}://");
    if let Some(userinfo) = userinfo {
        match userinfo.split_once(':') {
            Some((user, _)) => out.push_str(&format!("{user}:***@")),
            None => out.push_str(&format!("{userinfo}@")),
        }
    }
    out.push_str(host);
    if let Some(query) = query {
        let parameters: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _))
                    if SECRET_PARAMETERS
                        .iter()
                        .any(|secret| key.eq_ignore_ascii_case(secret)) =>
                {
                    format!("{key}=***")
                }
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&parameters.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_masks_password_only() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/ectus"),
            "postgres://app:***@db:5432/ectus"
        );
        assert_eq!(
            redact_url("postgres://app@db/ectus"),
            "postgres://app@db/ectus"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
        assert_eq!(
            redact_url("postgres://u:p/w@h/db"),
            "postgres://u:***@h/db",
            "a '/' in the password does not end the user-info"
        );
        assert_eq!(
            redact_url("postgres://app@db/ectus?sslmode=require&password=hunter2&SSLPassword=k"),
            "postgres://app@db/ectus?sslmode=require&password=***&SSLPassword=***"
        );
        assert_eq!(
            redact_url("postgres://db/ectus?password=hunter2"),
            "postgres://db/ectus?password=***"
        );
    }

    #[test]
    fn backend_is_chosen_by_url_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://a.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db").ok(),
            Some(Backend::Postgres)
        );
        assert!(Backend::from_url("mysql://h/db").is_err());
    }
}
