//! The `generate` job kind: render a generation's spec, verify it with QA, package it as a
//! `.tar.gz` stored in the database, and record the report.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use ectus_jobs::{JobContext, JobHandler, JobOutcome};
use ectus_qa::{Phase, PhaseStatus, QaOptions, Verdict};
use futures::future::BoxFuture;

pub const KIND: &str = "generate";

/// Where and how generation jobs run.
#[derive(Debug, Clone)]
pub struct GenerationSettings {
    pub qa: QaOptions,
    /// Parent of the per-generation working directories.
    pub work_dir: PathBuf,
}

/// Handler of the `generate` kind.
pub struct GenerateJob {
    pub settings: GenerationSettings,
}

fn percent(phase: Phase, done: bool) -> u8 {
    let (start, end) = match phase {
        Phase::Fetch => (10, 20),
        Phase::Build => (20, 60),
        Phase::Test => (60, 80),
        Phase::Lint => (80, 95),
    };
    if done {
        end
    } else {
        start
    }
}

/// A gzipped tar of `dir` with paths relative to it, under a top-level folder `name/`.
pub fn package(dir: &Path, name: &str) -> anyhow::Result<Vec<u8>> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut archive = tar::Builder::new(encoder);
    archive.mode(tar::HeaderMode::Deterministic);
    archive.follow_symlinks(false);
    archive
        .append_dir_all(name, dir)
        .with_context(|| format!("cannot archive {}", dir.display()))?;
    let encoder = archive.into_inner().context("cannot finish the archive")?;
    encoder.finish().context("cannot compress the archive")
}

impl JobHandler for GenerateJob {
    fn run(&self, ctx: JobContext) -> BoxFuture<'static, JobOutcome> {
        let settings = self.settings.clone();
        Box::pin(async move {
            let generation_id = serde_json::from_str::<serde_json::Value>(&ctx.job.payload)
                .ok()
                .and_then(|p| p["generation_id"].as_str().map(str::to_owned));
            let Some(generation_id) = generation_id else {
                return JobOutcome::Failed("the job payload has no generation_id".into());
            };
            // A failure is the job's: the generation shows it through its job (and a retry
            // may still succeed), so nothing is written to the generation here.
            match run(&ctx, &settings, &generation_id).await {
                Ok(Some(result)) => JobOutcome::Succeeded(result),
                Ok(None) => JobOutcome::Stopped,
                Err(error) => JobOutcome::Failed(format!("{error:#}")),
            }
        })
    }
}

/// Runs one generation; `Ok(None)` when the job was told to stop.
async fn run(
    ctx: &JobContext,
    settings: &GenerationSettings,
    id: &str,
) -> anyhow::Result<Option<serde_json::Value>> {
    let store = ctx.store();
    let generation = store
        .get_generation_unscoped(id)
        .await
        .context("the generation record is missing")?;
    let spec: ectus_spec::Spec =
        serde_json::from_str(&generation.spec).context("the stored spec is unreadable")?;
    if !store.start_generation(id, ctx.owner()).await? {
        return Ok(None);
    }
    ctx.progress("generate", 5, "rendering the project").await;
    // One directory per attempt: a worker that lost its lease never shares files with the
    // worker that took over.
    let dir = settings.work_dir.join(format!("{id}-{}", ctx.job.attempts));
    phase_span("render").in_scope(|| -> anyhow::Result<()> {
        let project = ectus_codegen::generate(&spec).context("code generation failed")?;
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot clear {}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        ectus_codegen::write_project(&dir, &project, false)?;
        Ok(())
    })?;
    let report = if generation.qa == 1 {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let qa = ectus_qa::run(&dir, &settings.qa, move |phase, done| {
            let _ = tx.send((phase, done.map(|d| d.status)));
        });
        tokio::pin!(qa);
        // The span of the QA phase running now: opened when it starts, closed when it ends.
        let mut running: Option<tracing::Span> = None;
        loop {
            tokio::select! {
                report = &mut qa => break Some(report),
                Some((phase, status)) = rx.recv() => {
                    match status {
                        None => running = Some(phase_span(phase.name())),
                        Some(status) => {
                            if let Some(span) = running.take() {
                                if status != PhaseStatus::Passed && status != PhaseStatus::Skipped {
                                    span.record("otel.status_code", "ERROR");
                                }
                                span.record("status", format!("{status:?}").to_lowercase());
                            }
                        }
                    }
                    let message = match status {
                        None => format!("{} started", phase.name()),
                        Some(PhaseStatus::Passed) => format!("{} passed", phase.name()),
                        Some(other) => format!("{} {:?}", phase.name(), other).to_lowercase(),
                    };
                    ctx.progress(phase.name(), percent(phase, status.is_some()), &message).await;
                }
                _ = ctx.stopped().cancelled() => {
                    let _ = std::fs::remove_dir_all(&dir);
                    return Ok(None);
                }
            }
        }
    } else {
        None
    };
    ctx.progress("package", 97, "packaging the project").await;
    let artifact = phase_span("package").in_scope(|| package(&dir, &spec.service.name))?;
    let status = match &report {
        None => "generated",
        Some(r) if r.verdict == Verdict::Passed => "passed",
        Some(_) => "failed",
    };
    let report_json = report.as_ref().map(serde_json::to_string).transpose()?;
    let recorded = store
        .finish_generation(
            id,
            ctx.owner(),
            status,
            report_json.as_deref(),
            Some(&artifact),
        )
        .await?;
    if recorded {
        record_metrics(&generation.input_kind, status, report.as_ref());
    }
    let _ = std::fs::remove_dir_all(&dir);
    if !recorded {
        return Ok(None);
    }
    Ok(Some(serde_json::json!({
        "generation_id": id,
        "status": status,
        "tests_passed": report.as_ref().map(|r| r.tests.passed),
        "tests_failed": report.as_ref().map(|r| r.tests.failed),
        "artifact_bytes": artifact.len(),
    })))
}

/// A span for one phase of a generation job (`render`, the QA phases, `package`), a child of
/// the job's span.
fn phase_span(phase: &'static str) -> tracing::Span {
    tracing::info_span!(
        "phase",
        "otel.name" = %format_args!("generate {phase}"),
        "otel.status_code" = tracing::field::Empty,
        phase,
        status = tracing::field::Empty
    )
}

/// Counts the generation and, when QA ran, its phase durations and compiler errors.
fn record_metrics(input_kind: &str, status: &str, report: Option<&ectus_qa::QaReport>) {
    let metrics = ectus_telemetry::metrics();
    metrics
        .generations
        .get_or_create(&ectus_telemetry::GenerationLabels {
            input_kind: input_kind.to_owned(),
            outcome: status.to_owned(),
        })
        .inc();
    let Some(report) = report else { return };
    for phase in &report.phases {
        if phase.status == PhaseStatus::Skipped {
            continue;
        }
        let status = serde_json::to_value(phase.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        metrics
            .qa_phase_duration
            .get_or_create(&ectus_telemetry::PhaseLabels {
                phase: phase.phase.name().to_owned(),
                status,
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

/// The job kinds this binary runs: the built-in ones plus `generate`.
pub fn registry(config: &crate::config::Config) -> ectus_jobs::Registry {
    let mut registry = ectus_jobs::Registry::with_builtin_kinds();
    registry.register(
        KIND,
        GenerateJob {
            settings: config.generation_settings(),
        },
    );
    registry
}
