//! OpenTelemetry traces: `tracing` spans exported over OTLP (HTTP/protobuf) by a batch
//! processor with a bounded queue, so a slow or absent collector never blocks a request.
//!
//! Configured by the standard variables — `OTEL_EXPORTER_OTLP_ENDPOINT` (or
//! `…_TRACES_ENDPOINT`), `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`,
//! `OTEL_BSP_*` — or by the `[tracing]` configuration section. Sampling is parent-based: a
//! request that arrives with a sampled `traceparent` is traced, others by ratio.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SpanData, SpanExporter, SpanProcessor};
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use tracing::dispatcher::WeakDispatch;
use tracing::subscriber::Interest;
use tracing_subscriber::Layer as _;

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
    let pending = Arc::new(AtomicUsize::new(0));
    let exporter = CountingExporter {
        inner: exporter,
        last_warning: Mutex::new(None),
        pending: pending.clone(),
    };
    let processor = BoundedQueue {
        inner: BatchSpanProcessor::builder(exporter).build(),
        pending,
        capacity: queue_capacity(),
    };
    let mut builder = SdkTracerProvider::builder().with_span_processor(processor);
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

/// Writes the W3C `traceparent` and `tracestate` of the current span into the headers of an
/// outgoing request (`opentelemetry_http::HeaderInjector` over a `http::HeaderMap`, or any
/// other carrier), so that the service called continues the trace. Nothing is written outside
/// a valid trace. Every outgoing HTTP call of the platform goes through this.
pub fn inject_current_context(carrier: &mut dyn opentelemetry::propagation::Injector) {
    use opentelemetry::trace::TraceContextExt as _;
    let context = tracing_opentelemetry::OpenTelemetrySpanExt::context(&tracing::Span::current());
    if !context.span().span_context().is_valid() {
        return;
    }
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, carrier)
    });
}

/// The export queue's size: `OTEL_BSP_MAX_QUEUE_SIZE`, as the batch processor reads it.
fn queue_capacity() -> usize {
    std::env::var(opentelemetry_sdk::trace::OTEL_BSP_MAX_QUEUE_SIZE)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(opentelemetry_sdk::trace::OTEL_BSP_MAX_QUEUE_SIZE_DEFAULT)
}

/// Puts a counted bound in front of the batch processor: a sampled span that finds
/// `capacity` spans already waiting for export is dropped and counted under
/// `reason="queue_full"` (the batch processor would drop it silently). Spans leave the count
/// when their export batch finishes, whatever its outcome.
#[derive(Debug)]
struct BoundedQueue<P> {
    inner: P,
    pending: Arc<AtomicUsize>,
    capacity: usize,
}

impl<P: SpanProcessor> SpanProcessor for BoundedQueue<P> {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &opentelemetry::Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        if self.pending.fetch_add(1, Ordering::Relaxed) >= self.capacity {
            self.pending.fetch_sub(1, Ordering::Relaxed);
            crate::metrics()
                .spans_dropped
                .get_or_create(&crate::DropLabels {
                    reason: "queue_full",
                })
                .inc();
            return;
        }
        self.inner.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// The `tracing` layer that turns spans into OpenTelemetry spans of `provider`.
///
/// Only spans at INFO and above reach it (no events), and the children of a span whose trace
/// is not sampled are skipped: with a 10 % ratio, nine requests in ten cost one OpenTelemetry
/// span (whose ids still go to `X-Trace-Id` and the log lines) instead of one per query.
pub fn layer<S>(provider: &SdkTracerProvider) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    let dispatch = Arc::new(OnceLock::new());
    // Only what the platform uses: span timing, fields and status. Code locations, thread
    // names, busy/idle tracking, context activation on every poll and log events as span
    // events each cost work on every span or poll whether the trace is sampled or not.
    let otel = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("ectus"))
        .with_location(false)
        .with_threads(false)
        .with_target(false)
        .with_level(false)
        .with_tracked_inactivity(false)
        .with_context_activation(false)
        .with_filter(SampledChildren {
            dispatch: dispatch.clone(),
        });
    DispatchCapture { dispatch }.and_then(otel)
}

/// Whether a span's trace is sampled, remembered in its extensions after the first look.
struct Sampled(bool);

/// Keeps the subscriber's dispatcher for [`SampledChildren`], which has no other way to ask
/// the OpenTelemetry layer about a span.
struct DispatchCapture {
    dispatch: Arc<OnceLock<WeakDispatch>>,
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for DispatchCapture {
    fn on_register_dispatch(&self, subscriber: &tracing::Dispatch) {
        let _ = self.dispatch.set(subscriber.downgrade());
    }
}

/// The OpenTelemetry layer's filter: spans at INFO and above, except children of a span
/// whose trace is not sampled.
struct SampledChildren {
    dispatch: Arc<OnceLock<WeakDispatch>>,
}

impl<S> tracing_subscriber::layer::Filter<S> for SampledChildren
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn enabled(
        &self,
        meta: &tracing::Metadata<'_>,
        cx: &tracing_subscriber::layer::Context<'_, S>,
    ) -> bool {
        if !meta.is_span() || crate::filter::SPAN_LEVEL < *meta.level() {
            return false;
        }
        // The nearest enclosing span this layer tracks; none makes this a root.
        let Some(parent) = cx.lookup_current() else {
            return true;
        };
        if let Some(Sampled(sampled)) = parent.extensions().get::<Sampled>() {
            return *sampled;
        }
        let sampled = self
            .dispatch
            .get()
            .and_then(WeakDispatch::upgrade)
            .and_then(|dispatch| tracing_opentelemetry::get_otel_context(&parent.id(), &dispatch))
            .is_none_or(|context| {
                use opentelemetry::trace::TraceContextExt as _;
                context.span().span_context().is_sampled()
            });
        parent.extensions_mut().insert(Sampled(sampled));
        sampled
    }

    fn callsite_enabled(&self, meta: &'static tracing::Metadata<'static>) -> Interest {
        if meta.is_span() && crate::filter::SPAN_LEVEL >= *meta.level() {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }
}

/// How often an unreachable collector is reported in the log.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// Counts exported and lost spans, and logs export failures at most once a minute.
#[derive(Debug)]
struct CountingExporter<E> {
    inner: E,
    last_warning: Mutex<Option<Instant>>,
    /// Spans handed to the batch processor and not yet through an export.
    pending: Arc<AtomicUsize>,
}

impl<E: SpanExporter> SpanExporter for CountingExporter<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let count = batch.len();
        let spans = count as u64;
        let result = self.inner.export(batch).await;
        let _ = self
            .pending
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_sub(count))
            });
        let metrics = crate::metrics();
        match &result {
            Ok(()) => {
                metrics.spans_exported.inc_by(spans);
            }
            Err(error) => {
                metrics
                    .spans_dropped
                    .get_or_create(&crate::DropLabels {
                        reason: "export_failed",
                    })
                    .inc_by(spans);
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

#[cfg(test)]
mod tests {
    use opentelemetry::trace::{Tracer as _, TracerProvider as _};

    use super::*;

    /// A processor whose "export" never finishes: every span it receives stays pending.
    #[derive(Debug, Default)]
    struct Stuck(Arc<Mutex<Vec<SpanData>>>);

    impl SpanProcessor for Stuck {
        fn on_start(&self, _: &mut opentelemetry_sdk::trace::Span, _: &opentelemetry::Context) {}
        fn on_end(&self, span: SpanData) {
            if let Ok(mut held) = self.0.lock() {
                held.push(span);
            }
        }
        fn force_flush(&self) -> OTelSdkResult {
            Ok(())
        }
        fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
            Ok(())
        }
    }

    #[test]
    fn outgoing_requests_carry_the_current_trace() {
        use tracing_subscriber::layer::SubscriberExt as _;
        opentelemetry::global::set_text_map_propagator(
            opentelemetry_sdk::propagation::TraceContextPropagator::new(),
        );
        let provider = SdkTracerProvider::builder().build();
        let subscriber = tracing_subscriber::registry().with(Some(layer(&provider)));
        tracing::subscriber::with_default(subscriber, || {
            let mut outside = std::collections::HashMap::new();
            inject_current_context(&mut outside);
            assert!(outside.is_empty(), "no trace, no header: {outside:?}");

            let incoming = std::collections::HashMap::from([
                (
                    "traceparent".to_owned(),
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
                ),
                ("tracestate".to_owned(), "vendor=opaque".to_owned()),
            ]);
            let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&incoming));
            let span = tracing::info_span!("llm call");
            let _ = tracing_opentelemetry::OpenTelemetrySpanExt::set_parent(&span, parent);
            let _entered = span.enter();
            let mut outgoing = std::collections::HashMap::new();
            inject_current_context(&mut outgoing);
            let traceparent = outgoing.get("traceparent").cloned().unwrap_or_default();
            let parts: Vec<&str> = traceparent.split('-').collect();
            assert_eq!(parts.len(), 4, "{traceparent}");
            assert_eq!(
                parts[1], "4bf92f3577b34da6a3ce929d0e0e4736",
                "the same trace"
            );
            assert_ne!(
                parts[2], "00f067aa0ba902b7",
                "our span is the callee's parent"
            );
            assert_eq!(parts[3], "01", "sampled");
            assert_eq!(
                outgoing.get("tracestate").map(String::as_str),
                Some("vendor=opaque")
            );
        });
    }

    #[test]
    fn children_of_unsampled_spans_are_not_tracked_but_sampled_ones_are() {
        use tracing_subscriber::layer::SubscriberExt as _;
        for (sampler, children_tracked) in [
            (opentelemetry_sdk::trace::Sampler::AlwaysOff, false),
            (opentelemetry_sdk::trace::Sampler::AlwaysOn, true),
        ] {
            let provider = SdkTracerProvider::builder().with_sampler(sampler).build();
            let subscriber = tracing_subscriber::registry().with(layer(&provider));
            let dispatch = tracing::Dispatch::new(subscriber);
            tracing::dispatcher::with_default(&dispatch, || {
                let root = tracing::info_span!("request");
                let _root = root.enter();
                let child = tracing::info_span!("db");
                let root_id = root.id().expect("root id");
                let child_id = child.id().expect("child id");
                let root_context = tracing_opentelemetry::get_otel_context(&root_id, &dispatch);
                assert!(
                    root_context.is_some(),
                    "the root is always tracked (its trace id is reported)"
                );
                assert_eq!(
                    tracing_opentelemetry::get_otel_context(&child_id, &dispatch).is_some(),
                    children_tracked
                );
            });
        }
    }

    #[test]
    fn a_span_finding_the_queue_full_is_dropped_and_counted() {
        let held = Arc::new(Mutex::new(Vec::new()));
        let provider = SdkTracerProvider::builder()
            .with_span_processor(BoundedQueue {
                inner: Stuck(held.clone()),
                pending: Arc::new(AtomicUsize::new(0)),
                capacity: 2,
            })
            .build();
        let dropped = || {
            crate::metrics()
                .spans_dropped
                .get_or_create(&crate::DropLabels {
                    reason: "queue_full",
                })
                .get()
        };
        let before = dropped();
        let tracer = provider.tracer("test");
        for name in ["one", "two", "three", "four"] {
            tracer.in_span(name, |_| {});
        }
        let kept: Vec<String> = held
            .lock()
            .map(|h| h.iter().map(|s| s.name.to_string()).collect())
            .unwrap_or_default();
        assert_eq!(kept, ["one", "two"], "the queue holds its capacity");
        assert_eq!(dropped() - before, 2, "the rest are counted as queue_full");
    }
}
