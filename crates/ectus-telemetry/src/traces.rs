//! OpenTelemetry traces: `tracing` spans exported over OTLP (HTTP/protobuf) by a batch
//! processor with a bounded queue, so a slow or absent collector never blocks a request.
//!
//! Configured by the standard variables — `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `…_TRACES_ENDPOINT`), `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`,
//! `OTEL_BSP_*` — or by the `[tracing]` configuration section. Sampling is parent-based: a
//! request that arrives with a sampled `traceparent` is traced, others by ratio.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;

/// Tracing settings from the configuration file (environment variables take precedence).
#[derive(Debug, Clone)]
pub struct TraceSettings {
    /// Base URL of an OTLP/HTTP receiver, e.g. `http://collector:4318`; `/v1/traces` is added.
    pub endpoint: Option<String>,
    pub service_name: String,
    /// Share of new traces sampled (used when `OTEL_TRACES_SAMPLER` is not set).
    pub sample_ratio: f64,
}

fn env_set(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.trim().is_empty())
}

/// Whether spans are exported at all.
pub fn enabled(settings: &TraceSettings) -> bool {
    settings.endpoint.is_some()
        || env_set("OTEL_EXPORTER_OTLP_ENDPOINT")
        || env_set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
}

/// Builds the tracer provider and installs the W3C trace-context propagator; `None` when no
/// endpoint is configured. The provider must be shut down at exit to flush its queue.
pub fn provider(settings: &TraceSettings) -> Result<Option<SdkTracerProvider>, String> {
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    if !enabled(settings) {
        return Ok(None);
    }
    let mut exporter = opentelemetry_otlp::SpanExporter::builder().with_http();
    let env_endpoint =
        env_set("OTEL_EXPORTER_OTLP_ENDPOINT") || env_set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    if let (Some(endpoint), false) = (&settings.endpoint, env_endpoint) {
        exporter = exporter.with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')));
    }
    let exporter = exporter
        .build()
        .map_err(|e| format!("cannot build the OTLP exporter: {e}"))?;
    let exporter = CountingExporter {
        inner: exporter,
        last_warning: Mutex::new(None),
    };
    let mut builder = SdkTracerProvider::builder().with_batch_exporter(exporter);
    if !env_set("OTEL_TRACES_SAMPLER") {
        builder = builder.with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            settings.sample_ratio.clamp(0.0, 1.0),
        ))));
    }
    let mut resource = Resource::builder();
    if !env_set("OTEL_SERVICE_NAME") {
        resource = resource.with_service_name(settings.service_name.clone());
    }
    Ok(Some(builder.with_resource(resource.build()).build()))
}

/// The `tracing` layer that turns spans into OpenTelemetry spans of `provider`.
pub fn layer<S>(provider: &SdkTracerProvider) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    tracing_opentelemetry::layer().with_tracer(provider.tracer("ectus"))
}

/// How often an unreachable collector is reported in the log.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// Counts exported and lost spans, and logs export failures at most once a minute.
#[derive(Debug)]
struct CountingExporter<E> {
    inner: E,
    last_warning: Mutex<Option<Instant>>,
}

impl<E: SpanExporter> SpanExporter for CountingExporter<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans = batch.len() as u64;
        let result = self.inner.export(batch).await;
        let metrics = crate::metrics();
        match &result {
            Ok(()) => {
                metrics.spans_exported.inc_by(spans);
            }
            Err(error) => {
                metrics.spans_dropped.inc_by(spans);
                metrics.span_export_failures.inc();
                let due = self
                    .last_warning
                    .lock()
                    .map(|mut last| {
                        let due = last.is_none_or(|at| at.elapsed() >= WARN_EVERY);
                        if due {
                            *last = Some(Instant::now());
                        }
                        due
                    })
                    .unwrap_or(false);
                if due {
                    tracing::warn!(%error, spans, "cannot export spans to the OTLP endpoint; dropping them (repeats are counted in ectus_otel_spans_dropped_total, logged once a minute)");
                }
            }
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}
