//! Costs of the telemetry hot paths, each next to the baseline of one atomic increment
//! measured in the same run: labelled counter and histogram (uncontended and with two threads),
//! encoding scrapes of 10,000 and 100,000 series, and one JSON log line.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
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
    let counters = Family::<TwoLabels, Counter>::default();
    let prebuilt = labels();
    group.bench_function("counter_two_labels", |b| {
        b.iter(|| counters.get_or_create(black_box(&prebuilt)).inc())
    });
    group.bench_function("counter_two_labels_building_the_labels", |b| {
        b.iter(|| counters.get_or_create(&labels()).inc())
    });
    let histograms = Family::<TwoLabels, Histogram>::new_with_constructor(|| {
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

criterion_group!(telemetry, instruments, scrape, logs);
criterion_main!(telemetry);
