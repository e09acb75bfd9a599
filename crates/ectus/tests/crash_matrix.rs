//! `kill -9` at every crash point of job processing (`ectus_jobs::crash_points`), for each job
//! kind — `sleep`, `generate`, `export` —, in `ectus serve` (in-process workers) and in
//! `ectus worker`, on both backends. A process armed with `ECTUS_CRASH_AT` kills itself with
//! `SIGKILL` at the point (its exit status proves the point was reached); a fresh process of
//! the same kind takes over. Afterwards every job has ended succeeded, failed or cancelled —
//! none stuck queued or running —, a job recorded as succeeded was not run again, a
//! generation's artifact is whole and matches its recorded checksum, an export's stored
//! chunks are exactly its archive, and no attempt's working files are left behind.

mod common;

use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{hex, store_for, Ectus, Launcher};
use ectus_store::jobs::{Job, JobState};
use ectus_store::Store;
use ectus_testkit::{backend_tests, TestBackend, TestDb};
use serde_json::{json, Value};
use sha2::Digest as _;

/// What a case's job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    /// Sleeps 2.4 s in 12 steps: long enough for three lease renewals.
    Sleep,
    /// Sleeps, but its first attempt fails.
    SleepFailingOnce,
    /// Sleeps for a minute and is cancelled once it runs.
    SleepCancelled,
    /// A generation without QA (render, format, lock file, package).
    Generate,
    /// An export of the tenant.
    Export,
}

/// Which process runs the job and is killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Runner {
    Serve,
    Worker,
}

struct Case {
    /// `ECTUS_CRASH_AT` of the first process.
    point: &'static str,
    work: Work,
    runner: Runner,
    /// The second process is armed too (its attempt is killed as well).
    twice: bool,
    state: JobState,
    attempts: i64,
}

const fn case(point: &'static str, work: Work, runner: Runner, attempts: i64) -> Case {
    Case {
        point,
        work,
        runner,
        twice: false,
        state: JobState::Succeeded,
        attempts,
    }
}

/// The matrix: every crash point, each job kind, both kinds of process.
const CASES: &[Case] = &[
    // The runtime's own points, on the sleep job.
    case("job.claimed", Work::Sleep, Runner::Serve, 2),
    case("sleep.step@5", Work::Sleep, Runner::Worker, 2),
    case("job.renewing@2", Work::Sleep, Runner::Serve, 2),
    case("job.renewed", Work::Sleep, Runner::Worker, 2),
    case("job.handler-returned", Work::Sleep, Runner::Serve, 2),
    case("job.completed", Work::Sleep, Runner::Worker, 1),
    case(
        "job.failure-recorded",
        Work::SleepFailingOnce,
        Runner::Serve,
        2,
    ),
    Case {
        state: JobState::Cancelled,
        attempts: 1,
        ..case("job.cancel-seen", Work::SleepCancelled, Runner::Worker, 1)
    },
    // Generations: between the pipeline's stages and while its files are written.
    case("job.claimed", Work::Generate, Runner::Worker, 2),
    case("generate.started", Work::Generate, Runner::Serve, 2),
    case("generate.file-written@3", Work::Generate, Runner::Worker, 2),
    case("generate.written", Work::Generate, Runner::Serve, 2),
    case("generate.locked", Work::Generate, Runner::Worker, 2),
    case("generate.packaged", Work::Generate, Runner::Serve, 2),
    case("generate.recorded", Work::Generate, Runner::Worker, 2),
    case("job.handler-returned", Work::Generate, Runner::Serve, 2),
    case("job.completed", Work::Generate, Runner::Worker, 1),
    Case {
        twice: true,
        state: JobState::Failed,
        ..case("generate.packaged", Work::Generate, Runner::Worker, 2)
    },
    // Exports: while the archive is written and while it is stored in chunks.
    case("job.claimed", Work::Export, Runner::Serve, 2),
    case("export.staged", Work::Export, Runner::Worker, 2),
    case("export.table-written@3", Work::Export, Runner::Serve, 2),
    case("export.archived", Work::Export, Runner::Worker, 2),
    case("export.chunk-inserted", Work::Export, Runner::Serve, 2),
    case("export.chunks-stored", Work::Export, Runner::Worker, 2),
    case("job.completed", Work::Export, Runner::Serve, 1),
];

/// A short lease, so that a killed process's job is taken over within seconds.
fn launcher(runner: Runner, db: &TestDb) -> Launcher {
    let launcher = match runner {
        Runner::Serve => Launcher::serve(),
        Runner::Worker => Launcher::worker(),
    };
    launcher
        .dir(db.dir.path())
        .database_url(&db.url)
        .workers(1)
        .env("ECTUS_WORKERS__LEASE", "2s")
        .env("ECTUS_WORKERS__POLL_INTERVAL", "50ms")
        .env("ECTUS_WORKERS__RETRY_BACKOFF", "100ms")
        .env("ECTUS_SERVER__SHUTDOWN_GRACE", "5s")
}

/// The API the test talks to: `ectus serve` without workers, up for the whole matrix.
struct Api {
    process: Ectus,
    client: reqwest::Client,
}

impl Api {
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .client
            .request(method.clone(), self.process.url(path))
            .bearer_auth(&self.process.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("send");
        let status = response.status();
        let text = response.text().await.expect("body");
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn bytes(&self, path: &str) -> Vec<u8> {
        let response = self
            .client
            .get(self.process.url(path))
            .bearer_auth(&self.process.key)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 200, "GET {path}");
        response.bytes().await.expect("body").to_vec()
    }
}

/// The job a case submitted, and the generation it runs (for `generate`).
struct Submitted {
    job: String,
    generation: Option<String>,
}

async fn submit(api: &Api, project: &str, work: Work) -> Submitted {
    let sleep = |payload: Value| json!({"kind": "sleep", "payload": payload, "max_attempts": 2});
    let job = match work {
        Work::Sleep => {
            api.post(
                "/api/v1/jobs",
                sleep(json!({"duration_ms": 2400, "steps": 12})),
            )
            .await
        }
        Work::SleepFailingOnce => {
            api.post(
                "/api/v1/jobs",
                sleep(json!({"duration_ms": 200, "steps": 2, "fail_attempts": 1})),
            )
            .await
        }
        Work::SleepCancelled => {
            api.post(
                "/api/v1/jobs",
                sleep(json!({"duration_ms": 60000, "steps": 600})),
            )
            .await
        }
        Work::Export => api.post("/api/v1/exports", json!({})).await,
        Work::Generate => {
            let generation = api
                .post(
                    &format!("/api/v1/projects/{project}/generations"),
                    json!({"spec": spec(), "qa": false}),
                )
                .await;
            return Submitted {
                job: generation["job_id"].as_str().expect("job id").to_owned(),
                generation: Some(generation["id"].as_str().expect("id").to_owned()),
            };
        }
    };
    Submitted {
        job: job["id"].as_str().expect("job id").to_owned(),
        generation: None,
    }
}

fn spec() -> Value {
    json!({
        "spec_version": 1,
        "service": {"name": "crash-notes"},
        "entities": [
            {"name": "Note", "fields": [
                {"name": "title", "type": "string"},
                {"name": "body", "type": "text", "required": false}
            ]},
            {"name": "Tag", "fields": [{"name": "label", "type": "string", "unique": true}]}
        ]
    })
}

async fn job(store: &Store, tenant: &str, id: &str) -> Job {
    store.get_job(tenant, id).await.expect("read the job")
}

/// Waits until `process` has exited and returns how.
async fn exit_of(process: &mut Ectus, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = process.child.try_wait().expect("wait") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the armed process never reached its crash point:\n{}",
            process.output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A process of the case's kind armed with its crash point.
async fn armed(case: &Case, db: &TestDb) -> Ectus {
    launcher(case.runner, db)
        .env("ECTUS_CRASH_AT", case.point)
        .start()
        .await
}

/// Waits until the armed process has killed itself at the point; cancels the job first when
/// the case is about a cancellation.
async fn killed(
    case: &Case,
    mut armed: Ectus,
    api: &Api,
    store: &Store,
    tenant: &str,
    job_id: &str,
) {
    if case.work == Work::SleepCancelled {
        let deadline = Instant::now() + Duration::from_secs(60);
        while job(store, tenant, job_id).await.progress_percent == 0 {
            assert!(Instant::now() < deadline, "the job never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        api.post(&format!("/api/v1/jobs/{job_id}/cancel"), json!({}))
            .await;
    }
    let status = exit_of(&mut armed, Duration::from_secs(90)).await;
    assert_eq!(
        status.signal(),
        Some(libc::SIGKILL),
        "{}: the process ended otherwise ({status:?}):\n{}",
        case.point,
        armed.output()
    );
}

/// Waits until the job has ended (neither queued nor running).
async fn ended(store: &Store, tenant: &str, id: &str) -> Job {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let j = job(store, tenant, id).await;
        if !matches!(j.state, JobState::Queued | JobState::Running) {
            return j;
        }
        assert!(Instant::now() < deadline, "the job is stuck: {j:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What an ended case must show besides its job's state.
async fn check_outcome(
    case: &Case,
    api: &Api,
    project: &str,
    submitted: &Submitted,
    done: &Job,
    work_dir: &Path,
) {
    let name = case.point;
    match case.work {
        Work::Generate => {
            let id = submitted.generation.as_deref().expect("generation");
            let generation = api
                .get(&format!("/api/v1/projects/{project}/generations/{id}"))
                .await;
            let artifact = &generation["artifact"];
            if done.state == JobState::Succeeded {
                assert_eq!(generation["status"], "generated", "{name}: {generation:#}");
                let bytes = api
                    .bytes(artifact["url"].as_str().expect("artifact url"))
                    .await;
                assert_eq!(artifact["size"], bytes.len() as u64, "{name}");
                assert_eq!(
                    artifact["sha256"],
                    hex(&sha2::Sha256::digest(&bytes)),
                    "{name}"
                );
                let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
                let entries: Vec<String> = archive
                    .entries()
                    .expect("a tar.gz artifact")
                    .map(|e| {
                        e.expect("entry")
                            .path()
                            .expect("path")
                            .display()
                            .to_string()
                    })
                    .collect();
                assert!(
                    entries.iter().any(|e| e.ends_with("Cargo.toml")),
                    "{name}: a whole project: {entries:?}"
                );
                assert_eq!(
                    done.result.as_ref().expect("result")["artifact_bytes"],
                    bytes.len()
                );
                assert!(
                    leftovers(work_dir, id).is_empty(),
                    "{name}: working files left behind: {:?}",
                    leftovers(work_dir, id)
                );
            } else {
                assert_eq!(generation["status"], "failed", "{name}: {generation:#}");
                assert!(
                    artifact.is_null(),
                    "{name}: no artifact of a failed generation"
                );
                // The last attempt was killed: its directory stays until the generation is
                // run again; every earlier one is gone.
                assert_eq!(
                    leftovers(work_dir, id),
                    vec![format!("{id}-{}", done.attempts)],
                    "{name}"
                );
            }
        }
        Work::Export => {
            let export = api.get(&format!("/api/v1/exports/{}", submitted.job)).await;
            let archive = &export["archive"];
            let bytes = api
                .bytes(archive["url"].as_str().expect("archive url"))
                .await;
            assert_eq!(archive["bytes"], bytes.len() as u64, "{name}");
            assert_eq!(
                archive["sha256"],
                hex(&sha2::Sha256::digest(&bytes)),
                "{name}"
            );
            let staging = format!("export-{}", submitted.job);
            assert!(
                leftovers(&work_dir.join("exports"), &staging).is_empty(),
                "{name}: staging files left behind"
            );
        }
        Work::Sleep | Work::SleepFailingOnce => {
            assert_eq!(
                done.result.as_ref().expect("result")["attempt"],
                done.attempts,
                "{name}"
            );
        }
        Work::SleepCancelled => assert!(done.result.is_none(), "{name}"),
    }
}

/// Entries of `dir` that belong to `prefix` (an attempt's directory: `<prefix>-<attempt>`).
fn leftovers(dir: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with(&format!("{prefix}-")))
                .collect()
        })
        .unwrap_or_default()
}

async fn every_job_killed_at_any_crash_point_ends_whole_and_none_is_stuck(backend: TestBackend) {
    let db = TestDb::new(backend).await;
    let api = Api {
        process: Launcher::serve()
            .dir(db.dir.path())
            .database_url(&db.url)
            .workers(0)
            .start()
            .await,
        client: reqwest::Client::new(),
    };
    let store = store_for(&db.url).await;
    let tenant = store.tenant_by_name("default").await.expect("tenant").id;
    let project = api
        .post("/api/v1/projects", json!({"name": "crashes"}))
        .await["id"]
        .as_str()
        .expect("project id")
        .to_owned();
    let work_dir = db.dir.path().join(".ectus/generations");
    for case in CASES {
        // Started before the job exists: a server killed before it is ready would fail
        // its start-up wait.
        let first = armed(case, &db).await;
        let submitted = submit(&api, &project, case.work).await;
        killed(case, first, &api, &store, &tenant, &submitted.job).await;
        if case.twice {
            let second = armed(case, &db).await;
            killed(case, second, &api, &store, &tenant, &submitted.job).await;
        }
        let mut recovering = launcher(case.runner, &db).start().await;
        let done = ended(&store, &tenant, &submitted.job).await;
        recovering.signal(libc::SIGTERM);
        let stopped = recovering.wait_exit(Duration::from_secs(30));
        assert!(
            stopped.success(),
            "{}: the taking-over process ended with {stopped:?}:\n{}",
            case.point,
            recovering.output()
        );
        assert_eq!(
            (done.state, done.attempts),
            (case.state, case.attempts),
            "{} on {:?}/{:?}: {done:?}",
            case.point,
            case.work,
            case.runner
        );
        check_outcome(case, &api, &project, &submitted, &done, &work_dir).await;
        let active: i64 = store
            .queue_depth()
            .await
            .expect("queue depth")
            .iter()
            .filter(|d| matches!(d.state, JobState::Queued | JobState::Running))
            .map(|d| d.count)
            .sum();
        assert_eq!(active, 0, "{}: a job is left queued or running", case.point);
    }
}

backend_tests!(every_job_killed_at_any_crash_point_ends_whole_and_none_is_stuck);

#[test]
fn an_unknown_crash_point_stops_start_up_with_a_message() {
    let dir = tempfile::tempdir().expect("dir");
    for (armed, complaint) in [
        ("job.claimd", "no crash point \"job.claimd\""),
        ("job.claimed@0", "the count after @ must be 1 or more"),
    ] {
        let out = common::run(
            common::ectus(dir.path())
                .args(["worker", "--metrics-listen", "off"])
                .env("ECTUS_CRASH_AT", armed),
        );
        assert!(!out.status.success(), "{armed}");
        let stderr = common::text(&out.stderr);
        assert!(stderr.contains(complaint), "{armed}: {stderr}");
    }
}

#[test]
fn the_matrix_kills_at_every_crash_point() {
    for (point, place) in ectus_jobs::crash_points::POINTS {
        assert!(
            CASES
                .iter()
                .any(|case| case.point.split('@').next() == Some(*point)),
            "no case kills at {point} ({place})"
        );
    }
}
