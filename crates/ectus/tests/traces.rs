//! Spans reach a real OTLP/HTTP receiver (decoding the official OpenTelemetry protobuf
//! messages) with the caller's trace id and correct parent/child links; jobs link to the
//! request that enqueued them; an unreachable collector never hurts a request.

mod common;

use std::time::{Duration, Instant};

use common::{free_port, hex, otlp_receiver, Launcher};
use opentelemetry_proto::tonic::trace::v1::Span;

fn attribute(span: &Span, key: &str) -> String {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
        .map(|v| format!("{v:?}"))
        .unwrap_or_default()
}

async fn wait_for_spans(
    received: &std::sync::Mutex<Vec<Span>>,
    done: impl Fn(&[Span]) -> bool,
) -> Vec<Span> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let spans = received.lock().expect("lock").clone();
        if done(&spans) {
            return spans;
        }
        assert!(
            Instant::now() < deadline,
            "the expected spans never arrived: {spans:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_arrive_over_otlp_with_the_callers_trace_and_parent_links() {
    let (collector, received) = otlp_receiver().await;
    let served = Launcher::serve()
        .workers(0)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector)
        .env("OTEL_SERVICE_NAME", "ectus-under-test")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("ECTUS_TRACING__SAMPLE_RATIO", "0.0")
        .start()
        .await;
    let client = reqwest::Client::new();
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    // Sampling is 0 for new traces, so only the sampled caller's trace is exported.
    let traced = client
        .get(format!("{}/api/v1/me", served.base))
        .bearer_auth(&served.key)
        .header("traceparent", format!("00-{trace_id}-{caller_span}-01"))
        .send()
        .await
        .expect("send");
    assert_eq!(traced.status(), 200);
    assert_eq!(traced.headers()["x-trace-id"], trace_id);
    // A malformed header never breaks a request.
    let malformed = client
        .get(format!("{}/api/v1/me", served.base))
        .bearer_auth(&served.key)
        .header("traceparent", "00-not-a-trace-zz")
        .send()
        .await
        .expect("send");
    assert_eq!(malformed.status(), 200);

    let spans = wait_for_spans(&received, |spans| {
        spans.iter().any(|s| s.name.starts_with("GET "))
            && spans.iter().any(|s| s.name == "db authenticate")
    })
    .await;
    let request = spans
        .iter()
        .find(|s| s.name == "GET /api/v1/me")
        .expect("the request span, named by route template");
    assert_eq!(
        hex(&request.trace_id),
        trace_id,
        "the caller's trace continues"
    );
    assert_eq!(
        hex(&request.parent_span_id),
        caller_span,
        "the request span's parent is the caller's span"
    );
    assert!(
        attribute(request, "http.route").contains("/api/v1/me"),
        "{:?}",
        request.attributes
    );
    assert!(attribute(request, "http.request.method").contains("GET"));
    assert!(attribute(request, "http.response.status_code").contains("200"));
    let query = spans
        .iter()
        .find(|s| s.name == "db authenticate" && s.trace_id == request.trace_id)
        .expect("the key lookup's database span");
    assert_eq!(
        query.parent_span_id, request.span_id,
        "the database span is a child of the request"
    );
    assert!(attribute(query, "db.system").contains("sqlite"));
    assert!(attribute(query, "db.operation.name").contains("authenticate"));
    assert!(
        spans.iter().all(|s| hex(&s.trace_id) == trace_id),
        "with a ratio of 0, unsampled new traces are not exported"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_collector_is_counted_logged_once_and_never_fails_requests() {
    let (metrics_port, closed) = (free_port(), free_port());
    let served = Launcher::serve()
        .workers(0)
        .metrics_port(metrics_port)
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{closed}"),
        )
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("ECTUS_TRACING__SAMPLE_RATIO", "1.0")
        .start()
        .await;
    let client = reqwest::Client::new();
    for _ in 0..4 {
        let r = client
            .get(format!("{}/health/live", served.base))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 200, "requests are served while export fails");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let scrape = loop {
        let text = client
            .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
            .send()
            .await
            .expect("scrape")
            .text()
            .await
            .expect("text");
        let failures = text
            .lines()
            .find(|l| l.starts_with("ectus_otel_export_failures_total "))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
        if failures >= 2.0 {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "export failures were not counted:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        scrape.lines().any(|l| l
            .starts_with("ectus_otel_spans_dropped_total{reason=\"export_failed\"} ")
            && !l.ends_with(" 0")),
        "{scrape}"
    );
    let log = served.stdout();
    let warnings = log
        .lines()
        .filter(|l| l.contains("cannot export spans to the OTLP endpoint"))
        .count();
    assert_eq!(warnings, 1, "logged once, not per failure:\n{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jobs_span_links_to_the_request_that_enqueued_it() {
    let (collector, received) = otlp_receiver().await;
    let served = Launcher::serve()
        .workers(1)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector)
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("ECTUS_TRACING__SAMPLE_RATIO", "1.0")
        .env("ECTUS_WORKERS__POLL_INTERVAL", "50ms")
        .start()
        .await;
    let trace_id = "0af7651916cd43dd8448eb211c80319c";
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/jobs", served.base))
        .bearer_auth(&served.key)
        .header("traceparent", format!("00-{trace_id}-b7ad6b7169203331-01"))
        .json(&serde_json::json!({"kind": "sleep", "payload": {"duration_ms": 10, "steps": 1}}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 202);
    let spans = wait_for_spans(&received, |spans| spans.iter().any(|s| s.name == "job")).await;
    let job_span = spans.iter().find(|s| s.name == "job").expect("job span");
    assert_ne!(
        hex(&job_span.trace_id),
        trace_id,
        "the job runs in a trace of its own"
    );
    assert!(
        job_span
            .links
            .iter()
            .any(|link| hex(&link.trace_id) == trace_id),
        "the job span links to the enqueuing request: {:?}",
        job_span.links
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_exporter_the_callers_trace_id_is_still_on_the_response_and_the_log_line() {
    let served = Launcher::serve().workers(0).start().await;
    let client = reqwest::Client::new();
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let answered = client
        .get(format!("{}/health/live", served.base))
        .header("traceparent", format!("00-{trace}-00f067aa0ba902b7-01"))
        .header("x-request-id", "propagated-without-exporter")
        .send()
        .await
        .expect("send");
    assert_eq!(
        answered
            .headers()
            .get("x-trace-id")
            .and_then(|v| v.to_str().ok()),
        Some(trace)
    );
    let untraced = client
        .get(format!("{}/health/live", served.base))
        .send()
        .await
        .expect("send");
    assert!(
        untraced.headers().get("x-trace-id").is_none(),
        "no trace, no header"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = served.stdout();
        let line = log
            .lines()
            .find(|l| l.contains("propagated-without-exporter") && l.contains("ectus::access"));
        if let Some(line) = line {
            let line: serde_json::Value = serde_json::from_str(line).expect("json line");
            assert_eq!(line["trace_id"], trace, "{line}");
            break;
        }
        assert!(Instant::now() < deadline, "no access line:\n{log}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
