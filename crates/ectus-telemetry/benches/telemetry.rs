//! Costs of the telemetry hot paths, each next to the baseline of one atomic increment
//! measured in the same run: labelled counter and histogram (uncontended and with two threads),
//! encoding scrapes of 10,000 and 100,000 series, one JSON log line, and one span created,
//! entered and closed with the platform's subscriber with OpenTelemetry off, on but unsampled,
//! and sampled with export to a local OTLP/HTTP receiver.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use ectus_telemetry::Prehashed;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tracing_subscriber::layer::SubscriberExt as _;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TwoLabels {
    method: String,
    route: String,
}

fn labels() -> TwoLabels {
    TwoLabels {
        method: "GET".into(),
        route: "/api/v1/projects/{id}".into(),
    }
}

fn instruments(c: &mut Criterion) {
    let mut group = c.benchmark_group("instruments");
    let atomic = AtomicU64::new(0);
    group.bench_function("baseline_atomic_increment", |b| {
        b.iter(|| atomic.fetch_add(black_box(1), Ordering::Relaxed))
    });
    // Label sets as the platform keys its families: with their hash computed once.
    let counters = Family::<Prehashed<TwoLabels>, Counter>::default();
    let prebuilt = Prehashed::new(labels());
    group.bench_function("counter_two_labels", |b| {
        b.iter(|| counters.get_or_create(black_box(&prebuilt)).inc())
    });
    group.bench_function("counter_two_labels_building_the_labels", |b| {
        b.iter(|| counters.get_or_create(&Prehashed::new(labels())).inc())
    });
    let plain = Family::<TwoLabels, Counter>::default();
    let plain_labels = labels();
    group.bench_function("counter_two_labels_hashed_on_every_lookup", |b| {
        b.iter(|| plain.get_or_create(black_box(&plain_labels)).inc())
    });
    let histograms = Family::<Prehashed<TwoLabels>, Histogram>::new_with_constructor(|| {
        Histogram::new(ectus_telemetry::HTTP_BUCKETS.iter().copied())
    });
    group.bench_function("histogram_two_labels", |b| {
        b.iter(|| {
            histograms
                .get_or_create(black_box(&prebuilt))
                .observe(black_box(0.012))
        })
    });
    group.bench_function("counter_two_labels_two_threads", |b| {
        b.iter_custom(|iterations| {
            let per_thread = iterations.max(1);
            let started = Instant::now();
            std::thread::scope(|scope| {
                for _ in 0..2 {
                    let (counters, labels) = (&counters, &prebuilt);
                    scope.spawn(move || {
                        for _ in 0..per_thread {
                            counters.get_or_create(labels).inc();
                        }
                    });
                }
            });
            // Time per increment: two threads did `per_thread` each in this wall time.
            started.elapsed() / 2
        })
    });
    group.finish();
}

fn scrape(c: &mut Criterion) {
    let mut group = c.benchmark_group("scrape");
    group.sample_size(20);
    for series in [10_000usize, 100_000] {
        let mut registry = Registry::default();
        let family = Family::<TwoLabels, Counter>::default();
        registry.register("bench_requests", "Requests", family.clone());
        for i in 0..series {
            family
                .get_or_create(&TwoLabels {
                    method: "GET".into(),
                    route: format!("/route/{i}"),
                })
                .inc();
        }
        let mut out = String::with_capacity(series * 64);
        group.bench_function(format!("encode_{series}_series"), |b| {
            b.iter(|| {
                out.clear();
                prometheus_client::encoding::text::encode(&mut out, &registry).map(|()| out.len())
            })
        });
    }
    group.finish();
}

fn logs(c: &mut Criterion) {
    let mut group = c.benchmark_group("logs");
    let layer = ectus_telemetry::logs::LogLayer::new(
        ectus_telemetry::logs::LogOptions::default(),
        std::io::sink,
    );
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("request", request_id = "5f0c2a", tenant_id = "01a2");
        let _guard = span.enter();
        group.bench_function("one_json_line_with_span_fields", |b| {
            b.iter(|| {
                tracing::info!(target: "ectus::access", method = "GET", route = "/api/v1/projects/{id}", status = 200u64, elapsed_ms = 1.25, "request")
            })
        });
    });
    group.measurement_time(Duration::from_secs(3));
    group.finish();
}

/// A minimal OTLP/HTTP receiver: answers every request with 200 (keep-alive), discarding
/// bodies. Returns its base URL.
fn otlp_sink() -> String {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut writer = stream;
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        let lower = line.to_ascii_lowercase();
                        if let Some(v) = lower.strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err()
                        || writer
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n")
                            .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// One span as a database operation makes it: created with three fields, entered, closed.
fn one_span() {
    let span = tracing::info_span!(
        "db",
        "otel.name" = "db get_project",
        "db.system" = "sqlite",
        "db.operation.name" = "get_project"
    );
    let _entered = span.enter();
}

fn spans(c: &mut Criterion) {
    let mut group = c.benchmark_group("spans");
    group.measurement_time(Duration::from_secs(3));
    let logs = || {
        ectus_telemetry::logs::LogLayer::new(
            ectus_telemetry::logs::LogOptions::default(),
            std::io::sink,
        )
    };
    let filter =
        || ectus_telemetry::filter::EventFilter::new(tracing_subscriber::EnvFilter::new("info"));
    let off = tracing_subscriber::registry().with(filter()).with(logs());
    tracing::subscriber::with_default(off, || {
        group.bench_function("span_opentelemetry_off", |b| b.iter(one_span));
    });
    let sink = otlp_sink();
    for (name, ratio) in [
        ("span_opentelemetry_unsampled", 0.0),
        ("span_opentelemetry_sampled_hot_path", 1.0),
    ] {
        let provider = ectus_telemetry::traces::provider(&ectus_telemetry::traces::TraceSettings {
            endpoint: Some(sink.clone()),
            service_name: "bench".into(),
            sample_ratio: ratio,
        })
        .expect("provider")
        .expect("export on");
        let subscriber = tracing_subscriber::registry()
            .with(filter())
            .with(logs())
            .with(ectus_telemetry::traces::layer(&provider));
        tracing::subscriber::with_default(subscriber, || {
            // Batches of 256 spans (well under the queue's 2,048), the queue drained by an
            // untimed flush between batches, so no span is dropped: the time is what a request
            // pays; the export runs on the processor's own thread.
            group.bench_function(name, |b| {
                b.iter_custom(|iterations| {
                    let mut spent = Duration::ZERO;
                    let mut left = iterations;
                    while left > 0 {
                        let batch = left.min(256);
                        let started = Instant::now();
                        for _ in 0..batch {
                            one_span();
                        }
                        spent += started.elapsed();
                        let _ = provider.force_flush();
                        left -= batch;
                    }
                    spent
                })
            });
            if ratio > 0.0 {
                // The same, with the export of each batch counted too (serialisation and the
                // HTTP round trip), per span.
                group.bench_function("span_opentelemetry_sampled_with_export", |b| {
                    b.iter_custom(|iterations| {
                        let started = Instant::now();
                        let mut left = iterations;
                        while left > 0 {
                            let batch = left.min(256);
                            for _ in 0..batch {
                                one_span();
                            }
                            let _ = provider.force_flush();
                            left -= batch;
                        }
                        started.elapsed()
                    })
                });
            }
        });
        let _ = provider.shutdown();
    }
    group.finish();
}

/// The same instruments and scrape with the `prometheus` crate (the other well-kept Rust
/// client), measured in the same run: the comparison behind the choice of prometheus-client.
fn alternative_client(c: &mut Criterion) {
    let mut group = c.benchmark_group("prometheus_crate");
    let registry = prometheus::Registry::new();
    let counters = prometheus::IntCounterVec::new(
        prometheus::Opts::new("bench_requests_total", "Requests"),
        &["method", "route"],
    )
    .expect("counter");
    let histograms = prometheus::HistogramVec::new(
        prometheus::HistogramOpts::new("bench_duration_seconds", "Duration")
            .buckets(ectus_telemetry::HTTP_BUCKETS.to_vec()),
        &["method", "route"],
    )
    .expect("histogram");
    registry
        .register(Box::new(counters.clone()))
        .expect("register");
    registry
        .register(Box::new(histograms.clone()))
        .expect("register");
    group.bench_function("counter_two_labels", |b| {
        b.iter(|| {
            counters
                .with_label_values(black_box(&["GET", "/api/v1/projects/{id}"]))
                .inc()
        })
    });
    group.bench_function("histogram_two_labels", |b| {
        b.iter(|| {
            histograms
                .with_label_values(black_box(&["GET", "/api/v1/projects/{id}"]))
                .observe(black_box(0.012))
        })
    });
    let scraped = prometheus::Registry::new();
    let family = prometheus::IntCounterVec::new(
        prometheus::Opts::new("bench_requests_total", "Requests"),
        &["method", "route"],
    )
    .expect("counter");
    scraped
        .register(Box::new(family.clone()))
        .expect("register");
    for i in 0..10_000 {
        family
            .with_label_values(&["GET", &format!("/route/{i}")])
            .inc();
    }
    let encoder = prometheus::TextEncoder::new();
    let mut out = String::with_capacity(10_000 * 64);
    group.sample_size(20);
    group.bench_function("encode_10000_series", |b| {
        b.iter(|| {
            out.clear();
            encoder
                .encode_utf8(&scraped.gather(), &mut out)
                .map(|()| out.len())
        })
    });
    group.finish();
}

criterion_group!(
    telemetry,
    instruments,
    scrape,
    logs,
    spans,
    alternative_client
);
criterion_main!(telemetry);
