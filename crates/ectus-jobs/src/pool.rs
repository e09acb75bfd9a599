//! Worker loops: claim, run with lease renewal, record the outcome, stop gracefully.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ectus_store::jobs::{Job, JobState, LeaseStatus};
use ectus_store::{Store, Timestamp};

fn now_ms() -> i64 {
    Timestamp::now().as_millis()
}
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn, Instrument};

use crate::{JobContext, JobOutcome, Registry};

/// Worker settings.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Number of jobs run at once by this pool (one loop each).
    pub concurrency: usize,
    /// How long a claim is valid without renewal; renewed every third of it.
    pub lease: Duration,
    /// Pause between claims when the queue is empty.
    pub poll_interval: Duration,
    /// How long running jobs get to stop at shutdown before they are released.
    pub shutdown_grace: Duration,
    /// First retry delay after a failed attempt; doubles per attempt, capped at 5 minutes.
    pub retry_backoff: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            concurrency: 2,
            lease: Duration::from_secs(30),
            poll_interval: Duration::from_millis(500),
            shutdown_grace: Duration::from_secs(10),
            retry_backoff: Duration::from_secs(1),
        }
    }
}

/// Liveness of a pool's loops, for readiness checks.
#[derive(Clone, Debug)]
pub struct WorkerHealth {
    beats: Arc<Vec<AtomicI64>>,
    max_silence_ms: i64,
}

impl WorkerHealth {
    fn new(count: usize, options: &WorkerOptions) -> WorkerHealth {
        let now = now_ms();
        let silence = options.lease.max(options.poll_interval * 4) + Duration::from_secs(5);
        WorkerHealth {
            beats: Arc::new((0..count).map(|_| AtomicI64::new(now)).collect()),
            max_silence_ms: i64::try_from(silence.as_millis()).unwrap_or(i64::MAX),
        }
    }

    fn beat(&self, worker: usize) {
        if let Some(b) = self.beats.get(worker) {
            b.store(now_ms(), Ordering::Relaxed);
        }
    }

    /// The number of loops that have not reported within the allowed silence.
    pub fn stalled(&self) -> usize {
        let now = now_ms();
        self.beats
            .iter()
            .filter(|b| now - b.load(Ordering::Relaxed) > self.max_silence_ms)
            .count()
    }

    pub fn count(&self) -> usize {
        self.beats.len()
    }
}

/// A set of running worker loops.
pub struct WorkerPool {
    tasks: Vec<JoinHandle<()>>,
    shutdown: CancellationToken,
    health: WorkerHealth,
}

struct Worker {
    index: usize,
    owner: String,
    store: Store,
    registry: Arc<Registry>,
    options: WorkerOptions,
    shutdown: CancellationToken,
    health: WorkerHealth,
}

impl WorkerPool {
    /// Starts `options.concurrency` loops (none when it is 0).
    pub fn start(store: Store, registry: Registry, options: WorkerOptions) -> WorkerPool {
        let shutdown = CancellationToken::new();
        let health = WorkerHealth::new(options.concurrency, &options);
        let registry = Arc::new(registry);
        let host = hostname::get()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "unknown-host".into());
        let instance = &ectus_store::new_id()[24..];
        let tasks = (0..options.concurrency)
            .map(|index| {
                let worker = Worker {
                    index,
                    owner: format!("{host}/{}/{instance}/{index}", std::process::id()),
                    store: store.clone(),
                    registry: registry.clone(),
                    options: options.clone(),
                    shutdown: shutdown.clone(),
                    health: health.clone(),
                };
                tokio::spawn(worker.run())
            })
            .collect();
        WorkerPool {
            tasks,
            shutdown,
            health,
        }
    }

    pub fn health(&self) -> WorkerHealth {
        self.health.clone()
    }

    /// Stops claiming, gives running jobs the grace period to stop, releases the rest, and
    /// waits for every loop to end.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        for task in self.tasks {
            if let Err(error) = task.await {
                warn!(%error, "worker loop ended abnormally");
            }
        }
    }
}

/// Why a running job was told to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StopReason {
    CancelRequested,
    LeaseLost,
    Shutdown,
}

impl Worker {
    async fn run(self) {
        let reap_every = self.options.lease.min(Duration::from_secs(10));
        let mut next_reap = Instant::now();
        while !self.shutdown.is_cancelled() {
            self.health.beat(self.index);
            if Instant::now() >= next_reap {
                next_reap = Instant::now() + reap_every;
                match self.store.reap_expired_leases().await {
                    Ok(r) if r.requeued + r.failed + r.cancelled > 0 => {
                        ectus_telemetry::metrics()
                            .job_lease_expiries
                            .inc_by(r.requeued + r.failed + r.cancelled);
                        warn!(
                            requeued = r.requeued,
                            failed = r.failed,
                            cancelled = r.cancelled,
                            "reaped expired job leases"
                        )
                    }
                    Ok(_) => {}
                    Err(error) => {
                        warn!(error = %ectus_telemetry::chain(&error), "cannot reap expired leases")
                    }
                }
            }
            let lease_ms = i64::try_from(self.options.lease.as_millis()).unwrap_or(i64::MAX);
            let pause = match self.store.claim_job(&self.owner, lease_ms).await {
                Ok(Some(job)) => {
                    fail::fail_point!("job.claimed");
                    let span = tracing::info_span!("job", job_id = %job.id, kind = %job.kind, attempt = job.attempts);
                    link_to_enqueuer(&span, job.trace_parent.as_deref());
                    self.run_job(job).instrument(span).await;
                    continue;
                }
                Ok(None) => self.options.poll_interval,
                Err(error) => {
                    warn!(error = %ectus_telemetry::chain(&error), "cannot claim a job");
                    self.options.poll_interval.max(Duration::from_secs(1))
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = self.shutdown.cancelled() => {}
            }
        }
    }

    async fn run_job(&self, job: Job) {
        let Some(handler) = self.registry.get(&job.kind) else {
            let error = format!("no handler for job kind {:?} in this worker", job.kind);
            self.record_failure(&job, &error).await;
            return;
        };
        info!(owner = %self.owner, "job started");
        let started = Instant::now();
        let stop = CancellationToken::new();
        let ctx = JobContext {
            job: job.clone(),
            store: self.store.clone(),
            owner: self.owner.clone(),
            stop: stop.clone(),
        };
        let mut execution = tokio::spawn(handler.run(ctx).in_current_span());
        let lease_ms = i64::try_from(self.options.lease.as_millis()).unwrap_or(i64::MAX);
        let mut renew = tokio::time::interval(self.options.lease / 3);
        renew.tick().await;
        let mut reason: Option<StopReason> = None;
        let mut deadline: Option<Instant> = None;
        let outcome = loop {
            tokio::select! {
                joined = &mut execution => {
                    break match joined {
                        Ok(outcome) => outcome,
                        Err(e) if e.is_panic() => JobOutcome::Failed("the job handler panicked".into()),
                        Err(_) => JobOutcome::Stopped,
                    };
                }
                _ = renew.tick() => {
                    self.health.beat(self.index);
                    fail::fail_point!("job.renewing");
                    match self.store.renew_lease(&job.id, &self.owner, lease_ms).await {
                        Ok(LeaseStatus::Held) => fail::fail_point!("job.renewed"),
                        Ok(LeaseStatus::CancelRequested) => {
                            fail::fail_point!("job.cancel-seen");
                            if reason.is_none() {
                                reason = Some(StopReason::CancelRequested);
                                deadline = Some(Instant::now() + self.options.shutdown_grace);
                                stop.cancel();
                            }
                        }
                        Ok(LeaseStatus::Lost) => {
                            reason = Some(StopReason::LeaseLost);
                            stop.cancel();
                            execution.abort();
                            break JobOutcome::Stopped;
                        }
                        Err(error) => warn!(error = %ectus_telemetry::chain(&error), "cannot renew the job lease; will retry"),
                    }
                }
                _ = self.shutdown.cancelled(), if reason.is_none() => {
                    reason = Some(StopReason::Shutdown);
                    deadline = Some(Instant::now() + self.options.shutdown_grace);
                    stop.cancel();
                }
                _ = sleep_until_opt(deadline) => {
                    execution.abort();
                    break JobOutcome::Stopped;
                }
            }
        };
        fail::fail_point!("job.handler-returned");
        let elapsed_ms = started.elapsed().as_millis();
        let outcome_label = match (&outcome, reason) {
            (_, Some(StopReason::LeaseLost)) => "lease_lost",
            (JobOutcome::Succeeded(_), _) => "succeeded",
            (JobOutcome::Failed(_), _) => "failed",
            (JobOutcome::Stopped, Some(StopReason::CancelRequested)) => "cancelled",
            (JobOutcome::Stopped, Some(StopReason::Shutdown)) => "released",
            (JobOutcome::Stopped, None) => "failed",
        };
        ectus_telemetry::metrics()
            .jobs_duration
            .get_or_create(&ectus_telemetry::JobLabels {
                kind: job.kind.clone(),
                outcome: outcome_label.to_owned(),
            })
            .observe(started.elapsed().as_secs_f64());
        match (outcome, reason) {
            (_, Some(StopReason::LeaseLost)) => {
                warn!(
                    elapsed_ms,
                    "job lease lost; another worker owns the job now"
                )
            }
            (JobOutcome::Succeeded(result), _) => {
                match self.store.complete_job(&job.id, &self.owner, &result).await {
                    Ok(true) => {
                        fail::fail_point!("job.completed");
                        info!(elapsed_ms, "job succeeded")
                    }
                    Ok(false) => warn!("job finished after its lease was lost; result dropped"),
                    Err(error) => {
                        warn!(error = %ectus_telemetry::chain(&error), "cannot record job success")
                    }
                }
            }
            (JobOutcome::Failed(error), _) => self.record_failure(&job, &error).await,
            (JobOutcome::Stopped, Some(StopReason::CancelRequested)) => {
                match self.store.finish_cancelled(&job.id, &self.owner).await {
                    Ok(_) => info!(elapsed_ms, "job cancelled"),
                    Err(error) => {
                        warn!(error = %ectus_telemetry::chain(&error), "cannot record job cancellation")
                    }
                }
            }
            (JobOutcome::Stopped, Some(StopReason::Shutdown)) => {
                match self.store.release_job(&job.id, &self.owner).await {
                    Ok(_) => info!(elapsed_ms, "job released back to the queue at shutdown"),
                    Err(error) => {
                        warn!(error = %ectus_telemetry::chain(&error), "cannot release job; its lease will expire")
                    }
                }
            }
            (JobOutcome::Stopped, None) => {
                self.record_failure(&job, "the job handler stopped without being asked to")
                    .await
            }
        }
    }

    async fn record_failure(&self, job: &Job, error: &str) {
        let exponent = u32::try_from(job.attempts.clamp(1, 16) - 1).unwrap_or(0);
        let delay = self
            .options
            .retry_backoff
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(Duration::from_secs(300));
        let retry_at = Timestamp::now().after(delay);
        match self
            .store
            .fail_attempt(&job.id, &self.owner, error, retry_at)
            .await
            .inspect(|_| fail::fail_point!("job.failure-recorded"))
        {
            Ok(Some(JobState::Failed)) => warn!(%error, "job failed; no attempts left"),
            Ok(Some(JobState::Queued)) => {
                ectus_telemetry::metrics()
                    .job_retries
                    .get_or_create(&ectus_telemetry::KindLabels {
                        kind: job.kind.clone(),
                    })
                    .inc();
                warn!(%error, retry_in_ms = delay.as_millis(), "job attempt failed; will retry")
            }
            Ok(Some(_)) => warn!(%error, "job attempt ended"),
            Ok(None) => warn!(%error, "job failed after its lease was lost"),
            Err(store_error) => {
                warn!(%error, store_error = %ectus_telemetry::chain(&store_error), "cannot record job failure")
            }
        }
    }
}

/// Links a job's span to the traced request that enqueued it (a link, not a parent: the
/// request ended long ago, and the job may run on another machine).
fn link_to_enqueuer(span: &tracing::Span, trace_parent: Option<&str>) {
    use opentelemetry::trace::TraceContextExt as _;
    let Some(trace_parent) = trace_parent else {
        return;
    };
    let carrier =
        std::collections::HashMap::from([("traceparent".to_owned(), trace_parent.to_owned())]);
    let context =
        opentelemetry::global::get_text_map_propagator(|propagator| propagator.extract(&carrier));
    let enqueuer = context.span().span_context().clone();
    if enqueuer.is_valid() {
        tracing_opentelemetry::OpenTelemetrySpanExt::add_link(span, enqueuer);
    }
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
