//! Telemetry shared by every Ectus-R process: one Prometheus registry holding every metric
//! the platform emits ([`metrics`]), and its exposition in the Prometheus text format or
//! OpenMetrics ([`render`]).
//!
//! Metric names follow Prometheus conventions (units in the name, `_total` for counters) and
//! labels follow OpenTelemetry's HTTP semantic conventions (`http_request_method`,
//! `http_route`, `http_response_status_code`). Every label set is bounded: routes are
//! templates, never raw paths. docs/observability.md lists every metric with its buckets.

mod chain;
pub mod filter;
pub mod install;
pub mod logs;
mod process;
pub mod redact;
pub mod traces;

use std::sync::OnceLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

pub use chain::{chain, Chain};
pub use process::{refresh_filesystem_metrics, refresh_process_metrics};

/// A label set carrying its hash, computed once when the set is built: a family's map then
/// hashes one integer on each lookup instead of every label value (the map's SipHash over two
/// or three strings was most of a labelled increment's cost).
#[derive(Clone, Debug)]
pub struct Prehashed<L> {
    hash: u64,
    labels: L,
}

impl<L: std::hash::Hash> Prehashed<L> {
    pub fn new(labels: L) -> Prehashed<L> {
        use std::hash::BuildHasher as _;
        let hash = foldhash::fast::FixedState::with_seed(0x6563_7475_735f_7221).hash_one(&labels);
        Prehashed { hash, labels }
    }

    pub fn labels(&self) -> &L {
        &self.labels
    }
}

impl<L> std::hash::Hash for Prehashed<L> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl<L: PartialEq> PartialEq for Prehashed<L> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.labels == other.labels
    }
}

impl<L: Eq> Eq for Prehashed<L> {}

impl<L: EncodeLabelSet> EncodeLabelSet for Prehashed<L> {
    fn encode(
        &self,
        encoder: prometheus_client::encoding::LabelSetEncoder,
    ) -> Result<(), std::fmt::Error> {
        self.labels.encode(encoder)
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub http_request_method: String,
    pub http_route: String,
    pub http_response_status_code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub http_request_method: String,
    pub http_route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub kind: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RetentionLabels {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueueLabels {
    pub kind: String,
    pub state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GenerationLabels {
    pub input_kind: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PhaseLabels {
    pub phase: String,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabels {
    pub code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabels {
    pub state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DbLabels {
    pub db_system: &'static str,
    pub db_operation_name: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DbSystemLabels {
    pub db_system: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DropLabels {
    /// `queue_full` (the export queue was full) or `export_failed` (the receiver refused or
    /// could not be reached).
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BuildLabels {
    pub version: String,
    pub commit: String,
}

/// Every metric of the platform.
pub struct Metrics {
    registry: Registry,
    pub http_request_duration: Family<Prehashed<HttpLabels>, Histogram>,
    pub http_requests_in_flight: Gauge,
    pub http_request_body_size: Family<Prehashed<RouteLabels>, Histogram>,
    pub http_response_body_size: Family<Prehashed<RouteLabels>, Histogram>,
    pub jobs_duration: Family<JobLabels, Histogram>,
    pub job_retries: Family<KindLabels, Counter>,
    pub job_lease_expiries: Counter,
    pub job_queue_depth: Family<QueueLabels, Gauge>,
    pub job_queue_oldest_age: Gauge<f64, std::sync::atomic::AtomicU64>,
    pub generations: Family<GenerationLabels, Counter>,
    pub qa_phase_duration: Family<PhaseLabels, Histogram>,
    pub compiler_errors: Family<CodeLabels, Counter>,
    pub tenants: Gauge,
    /// The audit log's head position: it only grows, so a fall means entries were removed.
    pub audit_entries: Gauge,
    /// Rows retention removed, by kind of data.
    pub retention_deleted: Family<RetentionLabels, Counter>,
    /// When retention last ran through (Unix seconds); the process start until the first run.
    pub retention_last_success: Gauge<f64, std::sync::atomic::AtomicU64>,
    pub projects: Gauge,
    pub active_api_keys: Gauge,
    pub db_pool_connections: Family<PoolLabels, Gauge>,
    pub db_pool_max_connections: Gauge,
    pub db_operation_duration: Family<Prehashed<DbLabels>, Histogram>,
    pub db_operation_errors: Family<Prehashed<DbLabels>, Counter>,
    pub db_connection_wait: Family<DbSystemLabels, Histogram>,
    pub data_dir_avail_bytes: Gauge,
    pub data_dir_size_bytes: Gauge,
    pub build_info: Family<BuildLabels, Gauge>,
    pub spans_exported: Counter,
    pub spans_dropped: Family<DropLabels, Counter>,
    pub span_export_failures: Counter,
    pub(crate) process: process::ProcessMetrics,
}

/// Latency buckets for HTTP requests: 1 ms to 10 s, dense around typical API latencies.
pub const HTTP_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];
/// Body sizes: 64 B to 16 MiB, powers of four.
pub const SIZE_BUCKETS: [f64; 10] = [
    64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0, 16777216.0,
];
/// Jobs and QA phases: 100 ms to one hour (a cold generated build takes about a minute).
pub const LONG_BUCKETS: [f64; 11] = [
    0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0,
];

fn http_histogram() -> Histogram {
    Histogram::new(HTTP_BUCKETS.iter().copied())
}

fn size_histogram() -> Histogram {
    Histogram::new(SIZE_BUCKETS.iter().copied())
}

/// Database operations: 100 µs to 5 s.
pub const DB_BUCKETS: [f64; 11] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 1.0, 5.0,
];

fn db_histogram() -> Histogram {
    Histogram::new(DB_BUCKETS.iter().copied())
}

fn long_histogram() -> Histogram {
    Histogram::new(LONG_BUCKETS.iter().copied())
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::default();
        let http_request_duration =
            Family::new_with_constructor(http_histogram as fn() -> Histogram);
        registry.register_with_unit(
            "http_server_request_duration",
            "Duration of HTTP requests by method, route template and status code",
            Unit::Seconds,
            http_request_duration.clone(),
        );
        let http_requests_in_flight = Gauge::default();
        registry.register(
            "http_server_active_requests",
            "HTTP requests being served",
            http_requests_in_flight.clone(),
        );
        let http_request_body_size =
            Family::new_with_constructor(size_histogram as fn() -> Histogram);
        registry.register_with_unit(
            "http_server_request_body_size",
            "Size of request bodies (Content-Length)",
            Unit::Bytes,
            http_request_body_size.clone(),
        );
        let http_response_body_size =
            Family::new_with_constructor(size_histogram as fn() -> Histogram);
        registry.register_with_unit(
            "http_server_response_body_size",
            "Size of response bodies when known",
            Unit::Bytes,
            http_response_body_size.clone(),
        );
        let jobs_duration = Family::new_with_constructor(long_histogram as fn() -> Histogram);
        registry.register_with_unit(
            "ectus_job_duration",
            "Duration of job runs by kind and outcome",
            Unit::Seconds,
            jobs_duration.clone(),
        );
        let job_retries = Family::default();
        registry.register(
            "ectus_job_retries",
            "Failed attempts that were queued again",
            job_retries.clone(),
        );
        let job_lease_expiries = Counter::default();
        registry.register(
            "ectus_job_lease_expiries",
            "Job leases that expired and were reaped",
            job_lease_expiries.clone(),
        );
        let job_queue_depth = Family::default();
        registry.register(
            "ectus_job_queue_depth",
            "Jobs by kind and state (at scrape time)",
            job_queue_depth.clone(),
        );
        let job_queue_oldest_age = Gauge::default();
        registry.register_with_unit(
            "ectus_job_queue_oldest_age",
            "Age of the oldest queued job (0 when none)",
            Unit::Seconds,
            job_queue_oldest_age.clone(),
        );
        let generations = Family::default();
        registry.register(
            "ectus_generations",
            "Finished generations by input kind and outcome",
            generations.clone(),
        );
        let qa_phase_duration = Family::new_with_constructor(long_histogram as fn() -> Histogram);
        registry.register_with_unit(
            "ectus_qa_phase_duration",
            "Duration of QA phases by phase and status",
            Unit::Seconds,
            qa_phase_duration.clone(),
        );
        let compiler_errors = Family::default();
        registry.register(
            "ectus_qa_compiler_errors",
            "Compiler and clippy errors in generated projects by code",
            compiler_errors.clone(),
        );
        let tenants = Gauge::default();
        registry.register("ectus_tenants", "Tenants (at scrape time)", tenants.clone());
        let retention_deleted = Family::default();
        registry.register(
            "ectus_retention_deleted",
            "Rows removed by the retention policies, by kind of data",
            retention_deleted.clone(),
        );
        let retention_last_success = Gauge::default();
        registry.register(
            "ectus_retention_last_success_timestamp_seconds",
            "When retention last ran through (Unix seconds; the process start until its first run)",
            retention_last_success.clone(),
        );
        let audit_entries = Gauge::default();
        registry.register(
            "ectus_audit_entries",
            "Position of the audit log's newest entry (at scrape time); it never decreases",
            audit_entries.clone(),
        );
        let projects = Gauge::default();
        registry.register(
            "ectus_projects",
            "Projects (at scrape time)",
            projects.clone(),
        );
        let active_api_keys = Gauge::default();
        registry.register(
            "ectus_api_keys_active",
            "API keys neither revoked nor expired (at scrape time)",
            active_api_keys.clone(),
        );
        let db_pool_connections = Family::default();
        registry.register(
            "db_client_connections",
            "Database pool connections by state (idle, used)",
            db_pool_connections.clone(),
        );
        let db_pool_max_connections = Gauge::default();
        registry.register(
            "db_client_connections_max",
            "Largest size of the database pool",
            db_pool_max_connections.clone(),
        );
        let db_operation_duration = Family::new_with_constructor(db_histogram as fn() -> Histogram);
        registry.register_with_unit(
            "db_client_operation_duration",
            "Duration of database operations by system and operation name",
            Unit::Seconds,
            db_operation_duration.clone(),
        );
        let db_operation_errors = Family::default();
        registry.register(
            "db_client_operation_errors",
            "Database operations that failed",
            db_operation_errors.clone(),
        );
        let db_connection_wait = Family::new_with_constructor(db_histogram as fn() -> Histogram);
        registry.register_with_unit(
            "db_client_connection_wait_time",
            "Time spent waiting for a pooled database connection",
            Unit::Seconds,
            db_connection_wait.clone(),
        );
        let data_dir_avail_bytes = Gauge::default();
        registry.register_with_unit(
            "ectus_data_dir_filesystem_avail",
            "Space available to Ectus-R on the data directory's filesystem",
            Unit::Bytes,
            data_dir_avail_bytes.clone(),
        );
        let data_dir_size_bytes = Gauge::default();
        registry.register_with_unit(
            "ectus_data_dir_filesystem_size",
            "Size of the data directory's filesystem",
            Unit::Bytes,
            data_dir_size_bytes.clone(),
        );
        let build_info = Family::default();
        registry.register(
            "ectus_build_info",
            "Version and commit of this build (value 1)",
            build_info.clone(),
        );
        let spans_exported = Counter::default();
        registry.register(
            "ectus_otel_spans_exported",
            "Spans accepted by the OTLP receiver",
            spans_exported.clone(),
        );
        let spans_dropped = Family::<DropLabels, Counter>::default();
        for reason in ["queue_full", "export_failed"] {
            let _ = spans_dropped.get_or_create(&DropLabels { reason });
        }
        registry.register(
            "ectus_otel_spans_dropped",
            "Spans lost, by reason (queue_full, export_failed)",
            spans_dropped.clone(),
        );
        let span_export_failures = Counter::default();
        registry.register(
            "ectus_otel_export_failures",
            "Failed OTLP export batches",
            span_export_failures.clone(),
        );
        let process = process::ProcessMetrics::register(&mut registry);
        Metrics {
            registry,
            http_request_duration,
            http_requests_in_flight,
            http_request_body_size,
            http_response_body_size,
            jobs_duration,
            job_retries,
            job_lease_expiries,
            job_queue_depth,
            job_queue_oldest_age,
            generations,
            qa_phase_duration,
            compiler_errors,
            tenants,
            audit_entries,
            retention_deleted,
            retention_last_success,
            projects,
            active_api_keys,
            db_pool_connections,
            db_pool_max_connections,
            db_operation_duration,
            db_operation_errors,
            db_connection_wait,
            data_dir_avail_bytes,
            data_dir_size_bytes,
            build_info,
            spans_exported,
            spans_dropped,
            span_export_failures,
            process,
        }
    }

    /// Records a finished HTTP request.
    pub fn observe_request(
        &self,
        method: &str,
        route: &str,
        status: u16,
        elapsed: Duration,
        request_bytes: Option<u64>,
        response_bytes: Option<u64>,
    ) {
        self.http_request_duration
            .get_or_create(&Prehashed::new(HttpLabels {
                http_request_method: method.to_owned(),
                http_route: route.to_owned(),
                http_response_status_code: status.to_string(),
            }))
            .observe(elapsed.as_secs_f64());
        let route_labels = Prehashed::new(RouteLabels {
            http_request_method: method.to_owned(),
            http_route: route.to_owned(),
        });
        if let Some(bytes) = request_bytes {
            self.http_request_body_size
                .get_or_create(&route_labels)
                .observe(bytes as f64);
        }
        if let Some(bytes) = response_bytes {
            self.http_response_body_size
                .get_or_create(&route_labels)
                .observe(bytes as f64);
        }
    }
}

static METRICS: OnceLock<Metrics> = OnceLock::new();

tokio::task_local! {
    /// Whether the trace of the request this task serves is sampled.
    static TRACE_SAMPLED: bool;
}

/// Runs `work` (a request) knowing whether its trace is sampled, for [`detail_spans_wanted`].
pub async fn with_trace_sampled<F: std::future::Future>(sampled: bool, work: F) -> F::Output {
    TRACE_SAMPLED.scope(sampled, work).await
}

/// Whether spans for fine-grained work (one per database operation) are worth creating:
/// inside a request only when its trace is sampled (nothing else would see them: log lines
/// take their context from the request's span), and always outside requests (jobs, workers).
pub fn detail_spans_wanted() -> bool {
    TRACE_SAMPLED.try_with(|sampled| *sampled).unwrap_or(true)
}

static ENABLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Whether per-operation telemetry (spans and metrics of database operations) is recorded.
/// Always on in the platform; the observability overhead benchmark turns it off to measure
/// the platform without it.
pub fn enabled() -> bool {
    ENABLED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Turns per-operation telemetry on or off for the whole process (see [`enabled`]).
pub fn set_enabled(on: bool) {
    ENABLED.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// The process-wide metrics (created on first use, with the build info set to this crate's
/// version and an unknown commit until [`set_build_info`] says otherwise).
pub fn metrics() -> &'static Metrics {
    METRICS.get_or_init(|| {
        let metrics = Metrics::new();
        metrics
            .build_info
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").to_owned(),
                commit: "unknown".to_owned(),
            })
            .set(1);
        metrics
    })
}

/// Sets `ectus_build_info{version, commit}` to what the binary was built from.
pub fn set_build_info(version: &str, commit: &str) {
    let info = &metrics().build_info;
    info.clear();
    info.get_or_create(&BuildLabels {
        version: version.to_owned(),
        commit: commit.to_owned(),
    })
    .set(1);
}

/// Content type of the OpenMetrics exposition.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// Content type of the classic Prometheus text exposition.
pub const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Encodes every metric: OpenMetrics when `openmetrics`, else the Prometheus text format.
pub fn render(openmetrics: bool) -> String {
    let mut out = String::new();
    if prometheus_client::encoding::text::encode(&mut out, &metrics().registry).is_err() {
        return String::new();
    }
    if openmetrics {
        out
    } else {
        to_prometheus_text(&out)
    }
}

/// Rewrites OpenMetrics text into the Prometheus 0.0.4 text format: counters are typed under
/// their `_total` sample name, and `# UNIT` and `# EOF` lines go.
pub fn to_prometheus_text(openmetrics: &str) -> String {
    let mut counters = std::collections::HashSet::new();
    for line in openmetrics.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            if let Some(name) = rest.strip_suffix(" counter") {
                counters.insert(name.to_owned());
            }
        }
    }
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line.starts_with("# UNIT ") || line == "# EOF" {
            continue;
        }
        let rewritten = ["# TYPE ", "# HELP "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ')?;
            counters
                .contains(name)
                .then(|| format!("{prefix}{name}_total {tail}"))
        });
        out.push_str(rewritten.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_text_types_counters_by_their_sample_name() {
        let om = "# HELP x Things.\n# TYPE x counter\nx_total 3\n# TYPE y gauge\n# UNIT y seconds\ny 1\n# EOF\n";
        let text = to_prometheus_text(om);
        assert_eq!(
            text,
            "# HELP x_total Things.\n# TYPE x_total counter\nx_total 3\n# TYPE y gauge\ny 1\n"
        );
    }

    #[test]
    fn the_exposition_holds_build_info_and_units() {
        metrics().observe_request(
            "GET",
            "/a/{id}",
            200,
            Duration::from_millis(3),
            Some(10),
            Some(20),
        );
        let om = render(true);
        assert!(
            om.contains("ectus_build_info{version=\"") && om.ends_with("# EOF\n"),
            "{om}"
        );
        assert!(
            om.contains("http_server_request_duration_seconds_bucket{"),
            "{om}"
        );
        let text = render(false);
        assert!(
            !text.contains("# EOF") && text.contains("# TYPE ectus_job_retries_total counter"),
            "{text}"
        );
    }
}
