//! The metrics listener of the real binary: every documented metric is emitted with sane
//! values, routes are templates (bounded cardinality), the bearer token is enforced, and
//! OpenMetrics is served on request.

mod common;

use std::time::Instant;

use common::{free_port, Launcher};

/// Every metric family docs/observability.md documents (sample-name stems).
pub const DOCUMENTED: &[&str] = &[
    "http_server_request_duration_seconds",
    "http_server_active_requests",
    "http_server_request_body_size_bytes",
    "http_server_response_body_size_bytes",
    "ectus_job_duration_seconds",
    "ectus_job_retries_total",
    "ectus_job_lease_expiries_total",
    "ectus_job_queue_depth",
    "ectus_job_queue_oldest_age_seconds",
    "ectus_generations_total",
    "ectus_qa_phase_duration_seconds",
    "ectus_qa_compiler_errors_total",
    "ectus_tenants",
    "ectus_projects",
    "ectus_api_keys_active",
    "db_client_connections",
    "db_client_operation_duration_seconds",
    "db_client_operation_errors_total",
    "db_client_connections_max",
    "db_client_connection_wait_time_seconds",
    "ectus_data_dir_filesystem_avail_bytes",
    "ectus_data_dir_filesystem_size_bytes",
    "ectus_build_info",
    "ectus_otel_spans_exported_total",
    "ectus_otel_spans_dropped_total",
    "ectus_otel_export_failures_total",
    "process_resident_memory_bytes",
    "process_cpu_seconds_total",
    "process_open_fds",
    "process_max_fds",
    "process_start_time_seconds",
];

fn value(text: &str, sample: &str) -> Option<f64> {
    text.lines()
        .find(|l| {
            l.starts_with(sample)
                && (l[sample.len()..].starts_with(' ') || l[sample.len()..].starts_with('{'))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metrics_listener_exposes_every_documented_metric_with_bounded_routes() {
    let metrics_port = free_port();
    let served = Launcher::serve()
        .metrics_port(metrics_port)
        .workers(1)
        .env("ECTUS_METRICS__BEARER_TOKEN", "scrape-secret")
        .env("ECTUS_WORKERS__POLL_INTERVAL", "50ms")
        .env("ECTUS_LOG__LEVEL", "warn")
        .start()
        .await;
    let key = served.key.clone();
    let client = reqwest::Client::new();
    let base = served.base.clone();
    let created = client
        .post(format!("{base}/api/v1/projects"))
        .bearer_auth(&key)
        .json(&serde_json::json!({"name": "observed"}))
        .send()
        .await
        .expect("send");
    assert_eq!(created.status(), 201);
    let job: serde_json::Value = client
        .post(format!("{base}/api/v1/jobs"))
        .bearer_auth(&key)
        .json(&serde_json::json!({"kind": "sleep", "payload": {"duration_ms": 50, "steps": 2, "fail_attempts": 1}}))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    // 1,000 distinct ids in the path: one series per route template, never per path.
    for _ in 0..1000 {
        let id = uuid_like();
        let r = client
            .get(format!("{base}/api/v1/projects/{id}"))
            .bearer_auth(&key)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 404);
    }
    let events = client
        .get(format!(
            "{base}/api/v1/jobs/{}/events",
            job["id"].as_str().expect("id")
        ))
        .bearer_auth(&key)
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("events");
    assert!(events.contains("\"state\":\"succeeded\""), "{events}");

    let metrics_url = format!("http://127.0.0.1:{metrics_port}/metrics");
    let denied = client
        .get(&metrics_url)
        .bearer_auth("wrong")
        .send()
        .await
        .expect("send");
    assert_eq!(denied.status(), 401);
    assert!(
        client
            .get(&metrics_url)
            .send()
            .await
            .expect("send")
            .status()
            == 401
    );
    let scrape = client
        .get(&metrics_url)
        .bearer_auth("scrape-secret")
        .send()
        .await
        .expect("send");
    assert!(scrape.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("text/plain; version=0.0.4"));
    let text = scrape.text().await.expect("text");
    for name in DOCUMENTED {
        assert!(
            text.contains(&format!("# TYPE {name}")),
            "{name} missing from the scrape:\n{text}"
        );
    }
    let route_series: std::collections::HashSet<&str> = text
        .lines()
        .filter(|l| {
            l.starts_with("http_server_request_duration_seconds_count{")
                && l.contains("http_route=\"/api/v1/projects/{id}\"")
        })
        .collect();
    assert_eq!(
        route_series.len(),
        1,
        "one series for 1,000 ids: {route_series:?}"
    );
    assert!(
        route_series.iter().all(|l| l.ends_with(" 1000")),
        "{route_series:?}"
    );
    assert!(
        !text.contains("http_route=\"/api/v1/projects/0"),
        "raw paths never become labels"
    );
    assert_eq!(value(&text, "ectus_projects"), Some(1.0));
    assert_eq!(value(&text, "ectus_tenants"), Some(1.0));
    assert_eq!(value(&text, "ectus_api_keys_active"), Some(1.0));
    assert!(value(&text, "process_resident_memory_bytes").unwrap_or(0.0) > 1_000_000.0);
    assert!(value(&text, "process_start_time_seconds").unwrap_or(0.0) > 1.7e9);
    assert!(value(&text, "process_open_fds").unwrap_or(0.0) > 3.0);
    assert!(
        value(&text, "process_max_fds").unwrap_or(0.0)
            >= value(&text, "process_open_fds").unwrap_or(f64::MAX)
    );
    assert!(value(&text, "process_cpu_seconds_total").unwrap_or(0.0) > 0.0);
    let fs_size = value(&text, "ectus_data_dir_filesystem_size_bytes").unwrap_or(0.0);
    let fs_avail = value(&text, "ectus_data_dir_filesystem_avail_bytes").unwrap_or(-1.0);
    assert!(
        fs_size > 0.0 && (0.0..=fs_size).contains(&fs_avail),
        "{fs_avail} of {fs_size}"
    );
    let waits = value(
        &text,
        "db_client_connection_wait_time_seconds_count{db_system=\"sqlite\"}",
    )
    .unwrap_or(0.0);
    assert!(
        waits >= 1000.0,
        "every operation waited for a connection: {waits}"
    );
    assert!(
        text.contains("ectus_job_retries_total{kind=\"sleep\"} 1"),
        "the first attempt failed and was retried"
    );
    assert!(
        text.contains("ectus_job_duration_seconds_count{kind=\"sleep\",outcome=\"succeeded\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("ectus_job_queue_depth{kind=\"sleep\",state=\"succeeded\"} 1"),
        "{text}"
    );
    assert!(text.contains("db_client_connections{state=\"idle\"}"));
    assert!(
        text.contains("db_client_operation_duration_seconds_count{db_system=\"sqlite\",db_operation_name=\"get_project\"} 1000"),
        "every project lookup is timed under its operation name"
    );
    let build = text
        .lines()
        .find(|l| l.starts_with("ectus_build_info{"))
        .unwrap_or_default();
    assert!(
        build.starts_with(&format!(
            "ectus_build_info{{version=\"{}\",commit=\"",
            env!("CARGO_PKG_VERSION")
        )) && !build.contains("commit=\"unknown\""),
        "the commit is known in a checkout: {build}"
    );

    let open = client
        .get(&metrics_url)
        .bearer_auth("scrape-secret")
        .header("accept", "application/openmetrics-text; version=1.0.0")
        .send()
        .await
        .expect("send");
    assert!(open.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("application/openmetrics-text"));
    assert!(open.text().await.expect("text").ends_with("# EOF\n"));
}

/// A random UUID-shaped id without pulling a UUID crate into this test.
fn uuid_like() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(Instant::now().elapsed().as_nanos() as u64);
    let a = hasher.finish();
    let b = a.rotate_left(17) ^ 0x9e37_79b9_7f4a_7c15;
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b & 0xfff,
        b >> 16
    )
}
