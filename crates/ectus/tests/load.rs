//! The load harness's scaled profile — the operations plan's six stages in about a minute,
//! up to 100 users over the four scenarios — against the real binary, on SQLite and on
//! PostgreSQL: no request fails, the server's HTTP metrics count exactly the requests sent,
//! every sampled trace reaches the OTLP receiver, every acknowledged write is there
//! afterwards, the reports are written. And the same profile through a PostgreSQL outage:
//! only `503`s with `Retry-After` while it lasts, service back within 10 s, no acknowledged
//! write lost. Latency is measured, never asserted here (the full profile's figures are in
//! docs/benchmarks.md).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ectus_load::outage::Outage;
use ectus_load::{Options, Profile};
use ectus_testkit::{backend_tests, Fault, FaultProxy, TestBackend, TestDb};

/// One run at a time: goose keeps process-wide state (its Ctrl-C switch).
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A sixteenth of the full profile: about a minute.
const SCALE: f64 = 1.0 / 16.0;

/// Runs the load; every correctness check must pass.
async fn run_correctly(options: &Options) -> ectus_load::Summary {
    let summary = ectus_load::run(options).await.expect("the run takes place");
    assert!(
        summary.correct(),
        "{:?}\n{}",
        summary.failures(),
        summary.server_log_tail.clone().unwrap_or_default()
    );
    summary
}

async fn the_scaled_load_profile_loses_nothing_and_every_request_is_counted_and_traced(
    backend: TestBackend,
) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let db = TestDb::new(backend).await;
    let reports = tempfile::tempdir().expect("report dir");
    let options = Options {
        ectus: PathBuf::from(env!("CARGO_BIN_EXE_ectus")),
        // The embedded database of the server's own directory for SQLite.
        database_url: (backend == TestBackend::Postgres).then(|| db.url.clone()),
        profile: Profile::scaled(SCALE).expect("profile"),
        report_dir: reports.path().to_owned(),
        quiet: true,
        outage: None,
    };
    let summary = run_correctly(&options).await;
    // Every stage ran: the spike reached 100 users, and each scenario sent requests.
    assert_eq!(summary.peak_users, 100);
    for request in [
        "GET /api/v1/me",
        "GET /api/v1/projects/{id}",
        "POST /api/v1/projects",
        "GET /api/v1/projects/{id} (traced)",
        "GET /api/v1/me (burst)",
        "GET /metrics",
    ] {
        let sent = summary.by_request.get(request).map_or(0, |l| l.requests);
        assert!(sent > 0, "no {request} in {:?}", summary.by_request.keys());
    }
    assert!(summary.api_requests > 1000, "{}", summary.api_requests);
    assert!(
        summary.checks.writes.acknowledged > 100,
        "{:?}",
        summary.checks.writes
    );
    for report in ["summary.json", "summary.html", "report.html", "report.json"] {
        let path = reports.path().join(report);
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        assert!(size > 0, "{} was not written", path.display());
    }
    let written: serde_json::Value = serde_json::from_slice(
        &std::fs::read(reports.path().join("summary.json")).expect("summary.json"),
    )
    .expect("summary.json is JSON");
    assert_eq!(written["checks"]["requests_counted"], summary.api_requests);
}

backend_tests!(the_scaled_load_profile_loses_nothing_and_every_request_is_counted_and_traced);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_under_load_is_answered_503_recovers_and_keeps_every_acknowledged_write()
{
    let _turn = ONE_AT_A_TIME.lock().await;
    let db = TestDb::new(TestBackend::Postgres).await;
    let proxy = Arc::new(FaultProxy::in_front_of(&db.url).await);
    let reports = tempfile::tempdir().expect("report dir");
    let switch = proxy.clone();
    let options = Options {
        ectus: PathBuf::from(env!("CARGO_BIN_EXE_ectus")),
        database_url: Some(proxy.url_for(&db.url)),
        profile: Profile::scaled(SCALE).expect("profile"),
        report_dir: reports.path().to_owned(),
        quiet: true,
        // From the ramp to 20 users into the peak of 50: longer than the key cache's TTL, so
        // that authentication needs the database too before it returns.
        outage: Some(Outage {
            after: Duration::from_secs(15),
            length: Duration::from_secs(15),
            switch: Arc::new(move |cut| switch.set(if cut { Fault::Refuse } else { Fault::None })),
        }),
    };
    let summary = run_correctly(&options).await;
    let outage = summary.outage.clone().expect("the outage's account");
    assert!(outage.refusals > 50, "{outage:?}");
    assert!(
        summary.checks.writes.acknowledged > 100,
        "{:?}",
        summary.checks.writes
    );
}
