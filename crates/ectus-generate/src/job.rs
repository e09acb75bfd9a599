//! The `generate` job kind: its name, its payload, and the handler that runs a queued
//! generation through the [pipeline](crate::pipeline) on a worker, packages the project and
//! records the outcome — every write guarded by the job's lease.

use std::path::PathBuf;

use anyhow::Context as _;
use ectus_jobs::{JobContext, JobHandler, JobOutcome};
use ectus_qa::{Phase, PhaseStatus, QaOptions, QaReport};
use ectus_spec::InputKind;
use ectus_store::generations::GenerationStatus;
use ectus_store::jobs::NewJob;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::pipeline::{phase_span, status_name, Event, Settings, Status, Target};

/// The job kind that runs generations.
pub const KIND: &str = "generate";

/// Attempts of a generation job: one retry covers a worker lost mid-build.
const MAX_ATTEMPTS: i64 = 2;

/// What a `generate` job carries: the generation it runs (everything else is stored with it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratePayload {
    pub generation_id: String,
}

impl GeneratePayload {
    /// The job to enqueue for this generation.
    pub fn into_job(self) -> NewJob {
        NewJob {
            kind: KIND.to_owned(),
            payload: serde_json::json!({ "generation_id": self.generation_id }),
            max_attempts: MAX_ATTEMPTS,
        }
    }
}

/// Where and how generation jobs run.
#[derive(Debug, Clone)]
pub struct JobSettings {
    pub qa: QaOptions,
    /// Parent of the per-attempt working directories.
    pub work_dir: PathBuf,
}

/// Handler of the `generate` kind.
pub struct GenerateJob {
    pub settings: JobSettings,
}

impl JobHandler for GenerateJob {
    fn run(&self, ctx: JobContext) -> BoxFuture<'static, JobOutcome> {
        let settings = self.settings.clone();
        Box::pin(async move {
            let payload: GeneratePayload = match ctx.payload() {
                Ok(payload) => payload,
                Err(error) => return JobOutcome::Failed(error),
            };
            // A failure is the job's: the generation shows it through its job (and a retry
            // may still succeed), so nothing is written to the generation here.
            match run(&ctx, &settings, &payload.generation_id).await {
                Ok(Some(result)) => JobOutcome::Succeeded(result),
                Ok(None) => JobOutcome::Stopped,
                Err(error) => JobOutcome::Failed(format!("{error:#}")),
            }
        })
    }
}

/// Progress of the job in percent when a QA phase starts and ends.
fn percent(phase: Phase, done: bool) -> u8 {
    let (start, end) = match phase {
        Phase::Fetch => (10, 20),
        Phase::Build => (20, 55),
        Phase::Test => (55, 75),
        Phase::Lint => (75, 88),
        Phase::Probe => (88, 95),
    };
    if done {
        end
    } else {
        start
    }
}

/// A progress line for the job's watchers.
struct Update {
    phase: &'static str,
    percent: u8,
    message: String,
}

impl Update {
    fn of(event: Event<'_>) -> Option<Update> {
        let (phase, done) = match event {
            Event::Written(_) => return None,
            Event::PhaseStarted(phase) => (phase, None),
            Event::PhaseFinished(report) => (report.phase, Some(report.status)),
        };
        let message = match done {
            None => format!("{} started", phase.name()),
            Some(PhaseStatus::Passed) => format!("{} passed", phase.name()),
            Some(other) => format!("{} {}", phase.name(), status_name(other)),
        };
        Some(Update {
            phase: phase.name(),
            percent: percent(phase, done.is_some()),
            message,
        })
    }
}

/// Runs one generation; `Ok(None)` when the job was told to stop or lost its lease.
async fn run(
    ctx: &JobContext,
    settings: &JobSettings,
    id: &str,
) -> anyhow::Result<Option<serde_json::Value>> {
    let store = ctx.store();
    let generation = store
        .get_generation_unscoped(id)
        .await
        .context("cannot read the generation")?;
    let spec: ectus_spec::Spec =
        serde_json::from_value(generation.spec.clone()).context("the stored spec is unreadable")?;
    // What the input asked that the spec does not do: a service that passes QA without it is
    // incomplete. Spec files have no coverage (every part of them is read or refused).
    let coverage: ectus_spec::coverage::Coverage = generation
        .coverage
        .clone()
        .map(serde_json::from_value)
        .transpose()
        .context("the stored coverage is unreadable")?
        .unwrap_or_default();
    if !store.start_generation(id, ctx.owner()).await? {
        return Ok(None);
    }
    fail::fail_point!("generate.started");
    ctx.progress("generate", 5, "rendering the project").await;
    // One directory per attempt, cleared of earlier attempts' files and removed when this
    // one ends, whichever way.
    let dir = ctx.attempt_dir(&settings.work_dir, id)?;
    let run_settings = Settings {
        qa: settings.qa.clone(),
        verify: generation.qa,
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let pipeline = crate::pipeline::run(
        &spec,
        &coverage,
        Target {
            dir: &dir,
            force: false,
            allow_destructive: false,
        },
        &run_settings,
        move |event| {
            if let Some(update) = Update::of(event) {
                let _ = tx.send(update);
            }
        },
    );
    tokio::pin!(pipeline);
    let outcome = loop {
        tokio::select! {
            outcome = &mut pipeline => break outcome,
            Some(update) = rx.recv() => {
                ctx.progress(update.phase, update.percent, &update.message).await;
            }
            _ = ctx.stopped().cancelled() => return Ok(None),
        }
    };
    while let Ok(update) = rx.try_recv() {
        ctx.progress(update.phase, update.percent, &update.message)
            .await;
    }
    let outcome = outcome?;
    ctx.progress("package", 97, "packaging the project").await;
    let artifact = phase_span("package").in_scope(|| crate::package(&dir, &spec.service.name))?;
    fail::fail_point!("generate.packaged");
    let status = match outcome.status {
        Status::Generated => GenerationStatus::Generated,
        Status::Passed => GenerationStatus::Passed,
        Status::Incomplete => GenerationStatus::Incomplete,
        // The generation is not verified: stored as failed, the QA report's verdict
        // (`not_verified`) and its `not_verified` line say why.
        Status::Failed | Status::NotVerified => GenerationStatus::Failed,
    };
    let report = outcome.qa.as_ref().map(serde_json::to_value).transpose()?;
    let recorded = store
        .finish_generation(id, ctx.owner(), status, report.as_ref(), Some(&artifact))
        .await?;
    fail::fail_point!("generate.recorded");
    if !recorded {
        return Ok(None);
    }
    record_metrics(generation.input_kind, status, outcome.qa.as_ref());
    Ok(Some(serde_json::json!({
        "generation_id": id,
        "status": status,
        "tests_passed": outcome.qa.as_ref().map(|r| r.tests.passed),
        "tests_failed": outcome.qa.as_ref().map(|r| r.tests.failed),
        "artifact_bytes": artifact.len(),
    })))
}

/// Counts the generation and, when QA ran, its phase durations and compiler errors.
fn record_metrics(input_kind: InputKind, status: GenerationStatus, report: Option<&QaReport>) {
    let metrics = ectus_telemetry::metrics();
    metrics
        .generations
        .get_or_create(&ectus_telemetry::GenerationLabels {
            input_kind: input_kind.as_str().to_owned(),
            outcome: status.as_str().to_owned(),
        })
        .inc();
    let Some(report) = report else { return };
    for phase in &report.phases {
        if phase.status == PhaseStatus::Skipped {
            continue;
        }
        metrics
            .qa_phase_duration
            .get_or_create(&ectus_telemetry::PhaseLabels {
                phase: phase.phase.name().to_owned(),
                status: status_name(phase.status).to_owned(),
            })
            .observe(phase.duration_ms as f64 / 1000.0);
    }
    for (code, group) in &report.compiler_errors {
        metrics
            .compiler_errors
            .get_or_create(&ectus_telemetry::CodeLabels { code: code.clone() })
            .inc_by(group.count);
    }
}
