//! Spans reach a real OTLP/HTTP receiver (decoding the official OpenTelemetry protobuf
//! messages) with the caller's trace id and correct parent/child links.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;

const BIN: &str = env!("CARGO_BIN_EXE_ectus");

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_arrive_over_otlp_with_the_callers_trace_and_parent_links() {
    // The receiver: OTLP/HTTP protobuf on /v1/traces.
    let received: Arc<Mutex<Vec<Span>>> = Arc::default();
    let sink = received.clone();
    let receiver = axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let sink = sink.clone();
            async move {
                let request = ExportTraceServiceRequest::decode(body)
                    .expect("an OTLP ExportTraceServiceRequest");
                let mut spans = sink.lock().expect("lock");
                for resource in request.resource_spans {
                    for scope in resource.scope_spans {
                        spans.extend(scope.spans);
                    }
                }
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let collector = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let dir = tempfile::tempdir().expect("dir");
    let api = free_port();
    let mut server = Command::new(BIN)
        .current_dir(dir.path())
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{api}"),
            "--workers",
            "0",
            "--metrics-listen",
            "",
        ])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector)
        .env("OTEL_SERVICE_NAME", "ectus-under-test")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("ECTUS_TRACING__SAMPLE_RATIO", "0.0")
        .env("ECTUS_LOG__LEVEL", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let key_file = dir.path().join(".ectus/admin-key");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !key_file.exists() || std::net::TcpStream::connect(("127.0.0.1", api)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let key = std::fs::read_to_string(&key_file)
        .expect("key")
        .trim()
        .to_owned();
    let client = reqwest::Client::new();
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    // Sampling is 0 for new traces, so only the sampled caller's trace is exported.
    let traced = client
        .get(format!("http://127.0.0.1:{api}/api/v1/me"))
        .bearer_auth(&key)
        .header("traceparent", format!("00-{trace_id}-{caller_span}-01"))
        .send()
        .await
        .expect("send");
    assert_eq!(traced.status(), 200);
    assert_eq!(traced.headers()["x-trace-id"], trace_id);
    // A malformed header never breaks a request.
    let malformed = client
        .get(format!("http://127.0.0.1:{api}/api/v1/me"))
        .bearer_auth(&key)
        .header("traceparent", "00-not-a-trace-zz")
        .send()
        .await
        .expect("send");
    assert_eq!(malformed.status(), 200);

    let deadline = Instant::now() + Duration::from_secs(20);
    let spans = loop {
        let spans = received.lock().expect("lock").clone();
        if spans.iter().any(|s| s.name.starts_with("GET "))
            && spans.iter().any(|s| s.name == "authenticate")
        {
            break spans;
        }
        assert!(Instant::now() < deadline, "no spans arrived: {spans:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let _ = server.kill();
    let _ = server.wait();

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
    let attribute = |span: &Span, key: &str| {
        span.attributes
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref())
            .and_then(|v| v.value.as_ref())
            .map(|v| format!("{v:?}"))
            .unwrap_or_default()
    };
    assert!(
        attribute(request, "http.route").contains("/api/v1/me"),
        "{:?}",
        request.attributes
    );
    assert!(attribute(request, "http.request.method").contains("GET"));
    assert!(attribute(request, "http.response.status_code").contains("200"));
    let auth = spans
        .iter()
        .find(|s| s.name == "authenticate" && s.trace_id == request.trace_id)
        .expect("child span");
    assert_eq!(
        auth.parent_span_id, request.span_id,
        "authenticate is a child of the request"
    );
    assert!(attribute(auth, "db.system").contains("sqlite"));
    assert!(
        spans.iter().all(|s| hex(&s.trace_id) == trace_id),
        "with a ratio of 0, unsampled new traces are not exported"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_collector_is_counted_logged_once_and_never_fails_requests() {
    let dir = tempfile::tempdir().expect("dir");
    let (api, metrics_port, closed) = (free_port(), free_port(), free_port());
    let out = dir.path().join("out.log");
    let mut server = Command::new(BIN)
        .current_dir(dir.path())
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{api}"),
            "--workers",
            "0",
        ])
        .args(["--metrics-listen", &format!("127.0.0.1:{metrics_port}")])
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{closed}"),
        )
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("ECTUS_TRACING__SAMPLE_RATIO", "1.0")
        .env("ECTUS_LOG__FORMAT", "json")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("out"))
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", api)).is_err()
        || std::net::TcpStream::connect(("127.0.0.1", metrics_port)).is_err()
    {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let client = reqwest::Client::new();
    for _ in 0..4 {
        let r = client
            .get(format!("http://127.0.0.1:{api}/health/live"))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 200, "requests are served while export fails");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let dropped = loop {
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
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        dropped
            .lines()
            .any(|l| l.starts_with("ectus_otel_spans_dropped_total ") && !l.ends_with(" 0")),
        "{dropped}"
    );
    let log = std::fs::read_to_string(&out).expect("log");
    let warnings = log
        .lines()
        .filter(|l| l.contains("cannot export spans to the OTLP endpoint"))
        .count();
    assert_eq!(warnings, 1, "logged once, not per failure:\n{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jobs_span_links_to_the_request_that_enqueued_it() {
    let received: Arc<Mutex<Vec<Span>>> = Arc::default();
    let sink = received.clone();
    let receiver = axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let sink = sink.clone();
            async move {
                let request = ExportTraceServiceRequest::decode(body).expect("OTLP request");
                let mut spans = sink.lock().expect("lock");
                for resource in request.resource_spans {
                    for scope in resource.scope_spans {
                        spans.extend(scope.spans);
                    }
                }
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let collector = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    let dir = tempfile::tempdir().expect("dir");
    let api = free_port();
    let mut server = Command::new(BIN)
        .current_dir(dir.path())
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{api}"),
            "--workers",
            "1",
            "--metrics-listen",
            "",
        ])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector)
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("ECTUS_TRACING__SAMPLE_RATIO", "1.0")
        .env("ECTUS_WORKERS__POLL_INTERVAL_MS", "50")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let key_file = dir.path().join(".ectus/admin-key");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !key_file.exists() || std::net::TcpStream::connect(("127.0.0.1", api)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let key = std::fs::read_to_string(&key_file)
        .expect("key")
        .trim()
        .to_owned();
    let trace_id = "0af7651916cd43dd8448eb211c80319c";
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{api}/api/v1/jobs"))
        .bearer_auth(&key)
        .header("traceparent", format!("00-{trace_id}-b7ad6b7169203331-01"))
        .json(&serde_json::json!({"kind": "sleep", "payload": {"duration_ms": 10, "steps": 1}}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 202);
    let deadline = Instant::now() + Duration::from_secs(20);
    let job_span = loop {
        let found = received
            .lock()
            .expect("lock")
            .iter()
            .find(|s| s.name == "job")
            .cloned();
        if let Some(span) = found {
            break span;
        }
        assert!(Instant::now() < deadline, "no job span arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let _ = server.kill();
    let _ = server.wait();
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
