//! Worker runtime behaviour against real databases (SQLite and PostgreSQL).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ectus_jobs::{JobContext, JobHandler, JobOutcome, Registry, WorkerOptions, WorkerPool};
use ectus_store::audit::Acting;
use ectus_store::jobs::{Job, JobState, NewJob};
use ectus_store::{Store, StoreOptions};
use ectus_testkit::{backend_tests, TestBackend, TestDb};
use futures::future::BoxFuture;

async fn setup(backend: TestBackend) -> (Store, String, TestDb) {
    let db = TestDb::new(backend).await;
    let store = Store::connect(
        &db.url,
        &StoreOptions {
            max_connections: 20,
            ..Default::default()
        },
    )
    .await
    .expect("connect");
    store.migrate().await.expect("migrate");
    let tenant = store
        .create_tenant("t", &Acting::operator())
        .await
        .expect("tenant");
    (store, tenant.id, db)
}

fn fast_options(concurrency: usize) -> WorkerOptions {
    WorkerOptions {
        concurrency,
        lease: Duration::from_secs(5),
        poll_interval: Duration::from_millis(20),
        shutdown_grace: Duration::from_secs(2),
        retry_backoff: Duration::from_millis(10),
    }
}

/// Counts how many times each job id ran.
#[derive(Clone, Default)]
struct Counting(Arc<Mutex<HashMap<String, u32>>>);

impl JobHandler for Counting {
    fn run(&self, ctx: JobContext) -> BoxFuture<'static, JobOutcome> {
        let runs = self.0.clone();
        Box::pin(async move {
            *runs
                .lock()
                .expect("lock")
                .entry(ctx.job.id.clone())
                .or_default() += 1;
            tokio::task::yield_now().await;
            JobOutcome::Succeeded(serde_json::json!({}))
        })
    }
}

/// Writes a file into its attempt's working directory, then fails (first attempt) or succeeds
/// — or stops at once when told to, its file still there.
#[derive(Clone)]
struct Staging {
    parent: std::path::PathBuf,
}

impl JobHandler for Staging {
    fn run(&self, ctx: JobContext) -> BoxFuture<'static, JobOutcome> {
        let parent = self.parent.clone();
        Box::pin(async move {
            let dir = match ctx.attempt_dir(&parent, &ctx.job.id) {
                Ok(dir) => dir,
                Err(error) => return JobOutcome::Failed(error.to_string()),
            };
            if let Err(error) = std::fs::write(dir.join("work.txt"), b"half done") {
                return JobOutcome::Failed(error.to_string());
            }
            if ctx.job.payload["wait"] == true {
                ctx.stopped().cancelled().await;
                return JobOutcome::Stopped;
            }
            if ctx.job.attempts == 1 {
                JobOutcome::Failed("the first attempt fails".into())
            } else {
                JobOutcome::Succeeded(serde_json::json!({}))
            }
        })
    }
}

async fn enqueue(
    store: &Store,
    tenant: &str,
    kind: &str,
    payload: serde_json::Value,
    max_attempts: i64,
) -> Job {
    store
        .enqueue_job(
            tenant,
            &NewJob {
                kind: kind.into(),
                payload,
                max_attempts,
            },
        )
        .await
        .expect("enqueue")
}

async fn wait_for(store: &Store, tenant: &str, id: &str, pred: impl Fn(&Job) -> bool) -> Job {
    for _ in 0..1500 {
        let job = store.get_job(tenant, id).await.expect("get");
        if pred(&job) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} never reached the expected state");
}

async fn four_workers_run_two_hundred_jobs_exactly_once(backend: TestBackend) {
    let (store, tenant, _db) = setup(backend).await;
    let mut ids = Vec::new();
    for _ in 0..200 {
        ids.push(
            enqueue(&store, &tenant, "count", serde_json::json!({}), 3)
                .await
                .id,
        );
    }
    let counter = Counting::default();
    let pools: Vec<WorkerPool> = (0..4)
        .map(|_| {
            let mut registry = Registry::new();
            registry.register("count", counter.clone());
            WorkerPool::start(store.clone(), registry, fast_options(1))
        })
        .collect();
    for id in &ids {
        wait_for(&store, &tenant, id, |j| j.state == JobState::Succeeded).await;
    }
    for pool in pools {
        pool.shutdown().await;
    }
    let runs = counter.0.lock().expect("lock").clone();
    assert_eq!(runs.len(), 200);
    assert!(
        runs.values().all(|&n| n == 1),
        "some job ran twice: {runs:?}"
    );
}

async fn failed_attempts_are_retried_until_max_attempts(backend: TestBackend) {
    let (store, tenant, _db) = setup(backend).await;
    let recovers = enqueue(
        &store,
        &tenant,
        "sleep",
        serde_json::json!({"duration_ms": 0, "steps": 1, "fail_attempts": 1}),
        3,
    )
    .await;
    let gives_up = enqueue(
        &store,
        &tenant,
        "sleep",
        serde_json::json!({"duration_ms": 0, "steps": 1, "fail_attempts": 5}),
        2,
    )
    .await;
    let unknown = enqueue(&store, &tenant, "no-such-kind", serde_json::json!({}), 1).await;
    let pool = WorkerPool::start(
        store.clone(),
        Registry::with_builtin_kinds(),
        fast_options(2),
    );
    let done = |j: &Job| j.state.is_terminal();
    let recovered = wait_for(&store, &tenant, &recovers.id, done).await;
    let failed = wait_for(&store, &tenant, &gives_up.id, done).await;
    let unhandled = wait_for(&store, &tenant, &unknown.id, done).await;
    pool.shutdown().await;
    assert_eq!(
        (recovered.state.as_str(), recovered.attempts),
        ("succeeded", 2)
    );
    assert_eq!((failed.state.as_str(), failed.attempts), ("failed", 2));
    assert!(
        failed.error.as_deref().unwrap_or("").contains("attempt 2"),
        "{failed:?}"
    );
    assert_eq!(unhandled.state, JobState::Failed);
    assert!(unhandled
        .error
        .as_deref()
        .unwrap_or("")
        .contains("no handler"));
}

async fn cancel_stops_queued_and_running_jobs(backend: TestBackend) {
    let (store, tenant, _db) = setup(backend).await;
    let long = serde_json::json!({"duration_ms": 60_000, "steps": 600});
    let running = enqueue(&store, &tenant, "sleep", long.clone(), 1).await;
    let pool = WorkerPool::start(
        store.clone(),
        Registry::with_builtin_kinds(),
        WorkerOptions {
            lease: Duration::from_millis(300),
            ..fast_options(1)
        },
    );
    wait_for(&store, &tenant, &running.id, |j| j.progress_percent > 0).await;
    // The only worker is busy, so this one stays queued.
    let queued = enqueue(&store, &tenant, "sleep", long, 1).await;
    store
        .cancel_job(&tenant, &queued.id)
        .await
        .expect("cancel queued");
    store
        .cancel_job(&tenant, &running.id)
        .await
        .expect("cancel running");
    let q = wait_for(&store, &tenant, &queued.id, |j| {
        j.state == JobState::Cancelled
    })
    .await;
    assert_eq!(q.attempts, 0, "a cancelled queued job never runs");
    let r = wait_for(&store, &tenant, &running.id, |j| {
        j.state == JobState::Cancelled
    })
    .await;
    assert!(r.finished_at.is_some() && r.lease_owner.is_none());
    pool.shutdown().await;
}

async fn shutdown_releases_running_jobs_back_to_the_queue(backend: TestBackend) {
    let (store, tenant, _db) = setup(backend).await;
    let job = enqueue(
        &store,
        &tenant,
        "sleep",
        serde_json::json!({"duration_ms": 60_000, "steps": 600}),
        1,
    )
    .await;
    let pool = WorkerPool::start(
        store.clone(),
        Registry::with_builtin_kinds(),
        fast_options(1),
    );
    wait_for(&store, &tenant, &job.id, |j| j.progress_percent > 0).await;
    pool.shutdown().await;
    let released = store.get_job(&tenant, &job.id).await.expect("get");
    assert_eq!(released.state, JobState::Queued);
    assert_eq!(released.attempts, 0, "a release does not use up an attempt");
    assert!(released.lease_owner.is_none());
    // Another worker picks it up; shorten it by finishing through cancellation.
    store.cancel_job(&tenant, &job.id).await.expect("cancel");
    let no_running: Vec<_> = store
        .queue_depth()
        .await
        .expect("depth")
        .into_iter()
        .filter(|d| d.state == JobState::Running)
        .collect();
    assert!(no_running.is_empty(), "{no_running:?}");
}

async fn an_attempt_leaves_no_working_files_however_it_ends(backend: TestBackend) {
    let (store, tenant, _db) = setup(backend).await;
    let work = tempfile::tempdir().expect("work dir");
    let mut registry = Registry::new();
    registry.register(
        "staging",
        Staging {
            parent: work.path().to_owned(),
        },
    );
    let retried = enqueue(&store, &tenant, "staging", serde_json::json!({}), 2).await;
    let failed = enqueue(&store, &tenant, "staging", serde_json::json!({}), 1).await;
    let cancelled = enqueue(
        &store,
        &tenant,
        "staging",
        serde_json::json!({"wait": true}),
        1,
    )
    .await;
    let pool = WorkerPool::start(store.clone(), registry, fast_options(3));
    let done = |j: &Job| j.state.is_terminal();
    let retried = wait_for(&store, &tenant, &retried.id, done).await;
    let failed = wait_for(&store, &tenant, &failed.id, done).await;
    wait_for(&store, &tenant, &cancelled.id, |j| {
        j.state == JobState::Running
    })
    .await;
    store
        .cancel_job(&tenant, &cancelled.id)
        .await
        .expect("cancel");
    let cancelled = wait_for(&store, &tenant, &cancelled.id, done).await;
    pool.shutdown().await;
    assert_eq!((retried.state, retried.attempts), (JobState::Succeeded, 2));
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(cancelled.state, JobState::Cancelled);
    let left: Vec<_> = std::fs::read_dir(work.path())
        .expect("read work dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "working files left behind: {left:?}");
}

backend_tests!(
    an_attempt_leaves_no_working_files_however_it_ends,
    four_workers_run_two_hundred_jobs_exactly_once,
    failed_attempts_are_retried_until_max_attempts,
    cancel_stops_queued_and_running_jobs,
    shutdown_releases_running_jobs_back_to_the_queue,
);
