//! Configuration: defaults < `ectus.toml` (or `--config PATH`) < `ECTUS_*` environment <
//! command-line flags, validated before anything starts.
//!
//! Environment keys use `__` between levels: `ECTUS_DATABASE__URL`, `ECTUS_SERVER__LISTEN`,
//! `ECTUS_WORKERS__COUNT`, `ECTUS_DATA_DIR`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

mod address;
mod secret;

pub use secret::{DatabaseUrl, Secret};

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "ectus.toml";

/// Top-level sections; other `ECTUS_*` variables are not configuration.
const SECTIONS: [&str; 10] = [
    "data_dir",
    "server",
    "database",
    "workers",
    "log",
    "generation",
    "metrics",
    "tracing",
    "alerts",
    "retention",
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the embedded database and the bootstrap admin key live.
    pub data_dir: PathBuf,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub workers: WorkersConfig,
    pub log: LogConfig,
    pub generation: GenerationConfig,
    pub metrics: MetricsConfig,
    pub tracing: TracingConfig,
    pub alerts: AlertsConfig,
    pub retention: RetentionConfig,
}

/// How long finished data is kept; `0s` keeps a kind for ever. Enforced by `ectus serve`
/// every `interval` and by `ectus retention run`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// Jobs that succeeded, failed or were cancelled and that no generation refers to.
    #[serde(with = "humantime_serde")]
    pub finished_jobs: Duration,
    /// The downloadable archive of a finished generation (the generation record stays).
    #[serde(with = "humantime_serde")]
    pub generation_artifacts: Duration,
    /// Incidents whose alert resolved.
    #[serde(with = "humantime_serde")]
    pub incidents: Duration,
    /// The stored archive of a finished export job (the job and its summary stay).
    #[serde(with = "humantime_serde")]
    pub exports: Duration,
    /// Audit entries, oldest first; `0s` (the default) keeps them for ever, anything else is at
    /// least a year.
    #[serde(with = "humantime_serde")]
    pub audit_entries: Duration,
    /// How often `ectus serve` enforces the policies.
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    /// Rows removed per statement.
    pub batch_size: u32,
    /// How long a tenant scheduled for deletion stays read-only and restorable before the
    /// purge (`0s`: purged at the next run).
    #[serde(with = "humantime_serde")]
    pub tenant_deletion_grace: Duration,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        let days = |n: u64| Duration::from_secs(n * 24 * 3600);
        RetentionConfig {
            finished_jobs: days(30),
            generation_artifacts: days(90),
            incidents: days(180),
            exports: days(7),
            audit_entries: Duration::ZERO,
            interval: Duration::from_secs(3600),
            batch_size: 500,
            tenant_deletion_grace: days(30),
        }
    }
}

impl RetentionConfig {
    /// The policies in force: every kind whose age is not `0s`.
    pub fn policies(&self) -> Vec<ectus_store::retention::RetentionPolicy> {
        use ectus_store::retention::{RetentionKind, RetentionPolicy};
        [
            (RetentionKind::FinishedJobs, self.finished_jobs),
            (
                RetentionKind::GenerationArtifacts,
                self.generation_artifacts,
            ),
            (RetentionKind::Incidents, self.incidents),
            (RetentionKind::ExportArchives, self.exports),
            (RetentionKind::AuditEntries, self.audit_entries),
        ]
        .into_iter()
        .filter(|(_, keep)| !keep.is_zero())
        .map(|(kind, keep)| RetentionPolicy { kind, keep })
        .collect()
    }
}

/// Receiving Alertmanager's webhook as incidents.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Bearer token Alertmanager must send to `POST /api/v1/alerts/webhook`; unset turns the
    /// webhook off.
    pub webhook_token: Option<Secret>,
}

/// OpenTelemetry trace export; the standard `OTEL_*` variables take precedence.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TracingConfig {
    /// Base URL of an OTLP/HTTP receiver (`http://collector:4318`); unset turns export off
    /// unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
    pub otlp_endpoint: Option<String>,
    pub service_name: String,
    /// Share of new traces sampled (parent-based: a sampled caller's trace is always kept).
    pub sample_ratio: f64,
}

impl Default for TracingConfig {
    fn default() -> Self {
        TracingConfig {
            otlp_endpoint: None,
            service_name: "ectus".into(),
            sample_ratio: 0.1,
        }
    }
}

/// The Prometheus metrics listener (separate from the API).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Address of the metrics listener; `"off"` turns it off.
    #[serde(with = "address::optional")]
    pub listen: Option<SocketAddr>,
    /// When set, scrapes must send `Authorization: Bearer <token>`.
    pub bearer_token: Option<Secret>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            listen: Some(SocketAddr::from(([127, 0, 0, 1], 9091))),
            bearer_token: None,
        }
    }
}

/// How `generate` jobs build and verify services.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GenerationConfig {
    /// Build cache shared by every generated project (default `<data_dir>/build-cache`).
    pub target_dir: Option<PathBuf>,
    /// Where projects are written while they are verified (default `<data_dir>/generations`).
    pub work_dir: Option<PathBuf>,
    /// Wall-clock limit of each QA phase.
    #[serde(with = "humantime_serde")]
    pub phase_timeout: Duration,
    /// Address-space limit of each QA process (MiB; 0 for none).
    pub memory_limit_mib: u64,
    /// Run clippy with `-D warnings` in QA.
    pub lint: bool,
    /// Start the built service and attack it in QA (the probe phase).
    pub probe: bool,
    /// For PostgreSQL services: an admin URL where their tests may create databases.
    pub test_database_url: Option<DatabaseUrl>,
    /// Most generations one tenant may have queued or running at once; more get 429.
    pub max_active_per_tenant: u32,
}

impl Default for GenerationConfig {
    fn default() -> Self {
        GenerationConfig {
            target_dir: None,
            work_dir: None,
            phase_timeout: Duration::from_secs(20 * 60),
            memory_limit_mib: 8192,
            lint: true,
            probe: true,
            test_database_url: None,
            max_active_per_tenant: 10,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address the API listens on.
    #[serde(with = "address")]
    pub listen: SocketAddr,
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    pub body_limit_bytes: usize,
    /// How long in-flight requests may take to finish after SIGTERM.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
    /// Origins allowed by CORS (`*` for any); empty turns CORS off.
    pub cors_allowed_origins: Vec<String>,
    /// How long a verified API key is trusted without a database read (0s: never); a key
    /// revoked by another process is refused here after at most this long.
    #[serde(with = "humantime_serde")]
    pub key_cache_ttl: Duration,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST:PORT/DB`; unset means
    /// `sqlite://<data_dir>/ectus.db`.
    pub url: Option<DatabaseUrl>,
    pub max_connections: u32,
    #[serde(with = "humantime_serde")]
    pub acquire_timeout: Duration,
    /// SQLite: how often the write-ahead log is checkpointed and truncated.
    #[serde(with = "humantime_serde")]
    pub wal_checkpoint_interval: Duration,
    /// SQLite: the size a reset write-ahead log is cut back to.
    pub wal_size_limit_bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkersConfig {
    /// In-process workers of `ectus serve` (0 runs none); jobs run at once by `ectus worker`.
    pub count: usize,
    #[serde(with = "humantime_serde")]
    pub lease: Duration,
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
    #[serde(with = "humantime_serde")]
    pub retry_backoff: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// JSON when standard output is not a terminal, human-readable when it is.
    Auto,
    Json,
    Pretty,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `RUST_LOG`-style directives; `RUST_LOG` itself wins when set.
    pub level: String,
    pub format: LogFormat,
    /// Share of routine INFO access lines written, 0.0 to 1.0 (warnings, errors and slow
    /// requests are always written).
    pub access_sample_ratio: f64,
    /// Requests at least this slow always get their access line.
    #[serde(with = "humantime_serde")]
    pub slow_request: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from(".ectus"),
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            workers: WorkersConfig::default(),
            log: LogConfig::default(),
            generation: GenerationConfig::default(),
            metrics: MetricsConfig::default(),
            tracing: TracingConfig::default(),
            alerts: AlertsConfig::default(),
            retention: RetentionConfig::default(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            request_timeout: Duration::from_secs(30),
            body_limit_bytes: ectus_server::DEFAULT_BODY_LIMIT_BYTES,
            shutdown_grace: Duration::from_secs(20),
            cors_allowed_origins: Vec::new(),
            key_cache_ttl: Duration::from_secs(10),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: None,
            max_connections: 10,
            acquire_timeout: Duration::from_secs(2),
            wal_checkpoint_interval: Duration::from_secs(30),
            wal_size_limit_bytes: 64 * 1024 * 1024,
        }
    }
}

impl Default for WorkersConfig {
    fn default() -> Self {
        WorkersConfig {
            count: 2,
            lease: Duration::from_secs(30),
            poll_interval: Duration::from_millis(500),
            shutdown_grace: Duration::from_secs(10),
            retry_backoff: Duration::from_secs(1),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
            format: LogFormat::Auto,
            access_sample_ratio: 1.0,
            slow_request: Duration::from_secs(1),
        }
    }
}

/// Flag values that override everything else; `None` leaves the layer below in place.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub metrics_listen: Option<String>,
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub workers: Option<usize>,
}

impl Config {
    /// Loads the layered configuration. `path` is `--config`; without it `ectus.toml` in the
    /// working directory is read when present.
    pub fn load(path: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match path {
            Some(path) => {
                if !path.is_file() {
                    bail!("configuration file {} does not exist", path.display());
                }
                figment = figment.merge(Toml::file_exact(path));
            }
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                figment = figment.merge(Toml::file_exact(DEFAULT_CONFIG_FILE));
            }
            None => {}
        }
        figment = figment.merge(
            Env::prefixed("ECTUS_")
                .filter(|key| {
                    let key = key.as_str().to_ascii_lowercase();
                    SECTIONS
                        .iter()
                        .any(|s| key == *s || key.starts_with(&format!("{s}__")))
                })
                .split("__"),
        );
        if let Some(v) = &overrides.data_dir {
            figment = figment.merge(Serialized::default("data_dir", v));
        }
        if let Some(v) = &overrides.listen {
            figment = figment.merge(Serialized::default("server.listen", v));
        }
        if let Some(v) = &overrides.database_url {
            figment = figment.merge(Serialized::default("database.url", v));
        }
        if let Some(v) = &overrides.metrics_listen {
            figment = figment.merge(Serialized::default("metrics.listen", v));
        }
        if let Some(v) = overrides.workers {
            figment = figment.merge(Serialized::default("workers.count", v));
        }
        let config: Config = figment.extract().map_err(describe_figment_error)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks values that parse but make no sense, naming the key, the value and what is allowed.
    pub fn validate(&self) -> anyhow::Result<()> {
        fn range<T: PartialOrd + std::fmt::Display>(
            key: &str,
            value: T,
            min: T,
            max: T,
        ) -> anyhow::Result<()> {
            if value < min || value > max {
                bail!("invalid configuration: {key} = {value} is out of range; allowed: {min} to {max}");
            }
            Ok(())
        }
        fn duration(
            key: &str,
            value: Duration,
            min: Duration,
            max: Duration,
        ) -> anyhow::Result<()> {
            if value < min || value > max {
                bail!(
                    "invalid configuration: {key} = \"{}\" is out of range; allowed: {} to {}",
                    humantime::format_duration(value),
                    humantime::format_duration(min),
                    humantime::format_duration(max)
                );
            }
            Ok(())
        }
        let secs = Duration::from_secs;
        let millis = Duration::from_millis;
        // A year as durations are written and printed (365.25 days): "1year", "100years".
        const YEAR: Duration = Duration::from_secs(31_557_600);
        if let Some(token) = &self.alerts.webhook_token {
            let length = token.expose().trim().len();
            if length > 0 && length < 16 {
                bail!("invalid configuration: alerts.webhook_token is too short ({length} characters); allowed: at least 16 characters, e.g. from `openssl rand -hex 32`");
            }
        }
        for (key, keep) in [
            ("retention.finished_jobs", self.retention.finished_jobs),
            (
                "retention.generation_artifacts",
                self.retention.generation_artifacts,
            ),
            ("retention.incidents", self.retention.incidents),
            ("retention.exports", self.retention.exports),
        ] {
            if !keep.is_zero() {
                duration(key, keep, secs(3600), 100 * YEAR)?;
            }
        }
        // The audit log is evidence: never kept for less than a year.
        if !self.retention.audit_entries.is_zero() {
            duration(
                "retention.audit_entries",
                self.retention.audit_entries,
                YEAR,
                100 * YEAR,
            )?;
        }
        // At most 2h: the stalled-retention alert fires after 6h without a run through.
        duration(
            "retention.interval",
            self.retention.interval,
            secs(60),
            secs(2 * 3600),
        )?;
        duration(
            "retention.tenant_deletion_grace",
            self.retention.tenant_deletion_grace,
            secs(0),
            secs(365 * 24 * 3600),
        )?;
        range(
            "retention.batch_size",
            self.retention.batch_size,
            1,
            100_000,
        )?;
        duration(
            "server.request_timeout",
            self.server.request_timeout,
            secs(1),
            secs(3600),
        )?;
        range(
            "server.body_limit_bytes",
            self.server.body_limit_bytes,
            1024,
            1 << 30,
        )?;
        duration(
            "server.shutdown_grace",
            self.server.shutdown_grace,
            secs(0),
            secs(3600),
        )?;
        for origin in &self.server.cors_allowed_origins {
            let ok =
                origin == "*" || origin.starts_with("http://") || origin.starts_with("https://");
            if !ok || origin.ends_with('/') {
                bail!("invalid configuration: server.cors_allowed_origins contains {origin:?}; allowed: \"*\" or origins such as \"https://app.example.com\" (scheme and host, no path)");
            }
        }
        if let Some(url) = &self.database.url {
            if ectus_store::Backend::from_url(url.expose()).is_err() {
                bail!(
                    "invalid configuration: database.url = {:?} is not supported; allowed: sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE",
                    url.redacted()
                );
            }
        }
        duration(
            "server.key_cache_ttl",
            self.server.key_cache_ttl,
            secs(0),
            secs(300),
        )?;
        range(
            "database.max_connections",
            self.database.max_connections,
            1,
            1000,
        )?;
        duration(
            "database.acquire_timeout",
            self.database.acquire_timeout,
            secs(1),
            secs(600),
        )?;
        duration(
            "database.wal_checkpoint_interval",
            self.database.wal_checkpoint_interval,
            millis(100),
            secs(3600),
        )?;
        range(
            "database.wal_size_limit_bytes",
            self.database.wal_size_limit_bytes,
            0,
            1 << 40,
        )?;
        range("workers.count", self.workers.count, 0, 256)?;
        duration("workers.lease", self.workers.lease, secs(2), secs(3600))?;
        duration(
            "workers.poll_interval",
            self.workers.poll_interval,
            millis(10),
            secs(60),
        )?;
        duration(
            "workers.shutdown_grace",
            self.workers.shutdown_grace,
            secs(0),
            secs(3600),
        )?;
        duration(
            "workers.retry_backoff",
            self.workers.retry_backoff,
            secs(0),
            secs(3600),
        )?;
        range(
            "generation.max_active_per_tenant",
            self.generation.max_active_per_tenant,
            1,
            10_000,
        )?;
        duration(
            "generation.phase_timeout",
            self.generation.phase_timeout,
            secs(1),
            secs(24 * 3600),
        )?;
        if !(0.0..=1.0).contains(&self.tracing.sample_ratio) {
            bail!(
                "invalid configuration: tracing.sample_ratio = {} is out of range; allowed: 0.0 to 1.0",
                self.tracing.sample_ratio
            );
        }
        if !(0.0..=1.0).contains(&self.log.access_sample_ratio) {
            bail!(
                "invalid configuration: log.access_sample_ratio = {} is out of range; allowed: 0.0 to 1.0",
                self.log.access_sample_ratio
            );
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.level) {
            bail!("invalid configuration: log.level = {:?} is not a valid filter ({e}); allowed: a level (error, warn, info, debug, trace) or directives such as \"info,ectus_store=debug\"", self.log.level);
        }
        Ok(())
    }

    /// The database URL in effect (the embedded SQLite file when none is configured).
    pub fn database_url(&self) -> DatabaseUrl {
        self.database.url.clone().unwrap_or_else(|| {
            DatabaseUrl::new(format!(
                "sqlite://{}",
                self.data_dir.join("ectus.db").display()
            ))
        })
    }

    /// QA settings of generations with the data-directory defaults filled in.
    pub fn qa_options(&self) -> ectus_qa::QaOptions {
        let g = &self.generation;
        ectus_qa::QaOptions {
            target_dir: absolute(
                g.target_dir
                    .clone()
                    .unwrap_or_else(|| self.data_dir.join("build-cache")),
            ),
            phase_timeout: g.phase_timeout,
            memory_limit: (g.memory_limit_mib > 0).then_some(g.memory_limit_mib << 20),
            test_database_url: g
                .test_database_url
                .as_ref()
                .map(|url| url.expose().to_owned()),
            lint: g.lint,
            probe: g.probe,
        }
    }

    /// Where generation jobs write the projects they verify.
    pub fn generation_work_dir(&self) -> PathBuf {
        absolute(
            self.generation
                .work_dir
                .clone()
                .unwrap_or_else(|| self.data_dir.join("generations")),
        )
    }

    pub fn store_options(&self) -> ectus_store::StoreOptions {
        ectus_store::StoreOptions {
            max_connections: self.database.max_connections,
            acquire_timeout: self.database.acquire_timeout,
            key_cache_ttl: self.server.key_cache_ttl,
            wal_size_limit: self.database.wal_size_limit_bytes,
            ..Default::default()
        }
    }

    pub fn worker_options(&self) -> ectus_jobs::WorkerOptions {
        ectus_jobs::WorkerOptions {
            concurrency: self.workers.count,
            lease: self.workers.lease,
            poll_interval: self.workers.poll_interval,
            shutdown_grace: self.workers.shutdown_grace,
            retry_backoff: self.workers.retry_backoff,
        }
    }

    /// The effective configuration as TOML; secrets are masked by their types.
    pub fn to_masked_toml(&self) -> anyhow::Result<String> {
        let mut shown = self.clone();
        shown.database.url = Some(self.database_url());
        toml::to_string_pretty(&shown).context("cannot render the configuration")
    }
}

/// `path` relative to the working directory, when it is not absolute already.
fn absolute(path: PathBuf) -> PathBuf {
    if path.is_absolute() {
        return path;
    }
    std::env::current_dir()
        .map(|cwd| cwd.join(&path))
        .unwrap_or(path)
}

/// Rewrites figment's messages into "invalid configuration: …" lines naming key and source.
fn describe_figment_error(error: figment::Error) -> anyhow::Error {
    let lines: Vec<String> = error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source = e
                .metadata
                .as_ref()
                .map(|m| match &m.source {
                    Some(src) => format!(" (from {} {})", m.name, src),
                    None => format!(" (from {})", m.name),
                })
                .unwrap_or_default();
            use figment::error::{Actual, Kind};
            let shown = |actual: &Actual| match actual {
                Actual::Str(text) => format!("{text:?}"),
                other => other.to_string(),
            };
            let (what, valued) = match &e.kind {
                Kind::UnknownField(field, expected) => (
                    format!(
                        "unknown key {field:?}; allowed here: {}",
                        expected.join(", ")
                    ),
                    false,
                ),
                Kind::InvalidValue(actual, expected) | Kind::InvalidType(actual, expected) => (
                    format!("{} is not allowed; allowed: {expected}", shown(actual)),
                    true,
                ),
                other => (other.to_string(), false),
            };
            match (key.is_empty(), valued) {
                (true, _) => format!("invalid configuration{source}: {what}"),
                (false, true) => format!("invalid configuration: {key} = {what}{source}"),
                (false, false) => format!("invalid configuration: {key}: {what}{source}"),
            }
        })
        .collect();
    anyhow::anyhow!(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_use_embedded_sqlite() {
        let config = Config::default();
        config.validate().expect("defaults validate");
        assert_eq!(config.database_url().expose(), "sqlite://.ectus/ectus.db");
    }

    #[test]
    fn masked_toml_hides_the_database_password() {
        let mut config = Config::default();
        config.database.url = Some(DatabaseUrl::new("postgres://app:hunter2@db/ectus"));
        let shown = config.to_masked_toml().expect("toml");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("postgres://app:***@db/ectus"), "{shown}");
    }

    #[test]
    fn out_of_range_values_name_key_value_and_range() {
        let mut config = Config::default();
        config.workers.count = 1000;
        let message = config.validate().expect_err("invalid").to_string();
        assert!(
            message.contains("workers.count = 1000") && message.contains("0 to 256"),
            "{message}"
        );
        let overrides = Overrides {
            listen: Some("localhost".into()),
            ..Default::default()
        };
        let message = Config::load(None, &overrides)
            .expect_err("invalid")
            .to_string();
        assert!(
            message.contains("server.listen = \"localhost\""),
            "{message}"
        );
    }
}
