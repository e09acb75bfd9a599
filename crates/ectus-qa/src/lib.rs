//! The Ectus-R QA runner: proves a generated project by building it, running its tests and
//! linting it, in a sandbox, and reports the outcome as structured data.
//!
//! Each phase (fetch, build, test, lint) runs `cargo` as a child in its own process group,
//! in the project directory, with a cleared environment (only what cargo needs), an address-
//! space limit (`RLIMIT_AS`) and a wall-clock limit; on time-out the whole group is killed and
//! the phase is reported as `timed_out`, never left hanging. All projects share one
//! `CARGO_TARGET_DIR`, so the second project only compiles its own crate.
//!
//! A PostgreSQL service with no test database configured gets a throwaway server of its own
//! ([`postgres`]); without server binaries its tests cannot run and the verdict is
//! `not_verified`, with the one line saying what to install.
//!
//! [`report`] holds the report model and the parsers of cargo's output.

pub mod postgres;
pub mod probe;
pub mod report;
mod sandbox;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use report::{CompilerErrors, Phase, PhaseReport, PhaseStatus, QaReport, TestSummary, Verdict};

/// How to run QA.
#[derive(Debug, Clone)]
pub struct QaOptions {
    /// Shared build cache for every generated project.
    pub target_dir: PathBuf,
    /// Wall-clock limit of each phase.
    pub phase_timeout: Duration,
    /// Address-space limit of every process in the sandbox (bytes); `None` for no limit.
    pub memory_limit: Option<u64>,
    /// For PostgreSQL projects: an admin URL where the project's tests may create databases.
    pub test_database_url: Option<String>,
    /// Run clippy with `-D warnings`.
    pub lint: bool,
    /// Start the built service and attack it (projects that ship a probe plan).
    pub probe: bool,
}

impl QaOptions {
    /// Defaults: a shared cache at `target_dir`, 20 minutes per phase, 8 GiB per process.
    pub fn new(target_dir: impl Into<PathBuf>) -> QaOptions {
        QaOptions {
            target_dir: target_dir.into(),
            phase_timeout: Duration::from_secs(20 * 60),
            memory_limit: Some(8 << 30),
            test_database_url: None,
            lint: true,
            probe: true,
        }
    }
}

/// Produces the project's `Cargo.lock` (the fetch phase alone), for projects written without
/// QA: the lock file ships with every project.
pub async fn lock(dir: &Path, options: &QaOptions) -> PhaseReport {
    let outcome = sandbox::run_phase(dir, options, Phase::Fetch).await;
    QaReport::default().absorb(Phase::Fetch, outcome)
}

/// What went wrong in a probe, for the phase's detail: the setup error or the failed attempts.
fn probe_detail(findings: &probe::ProbeReport) -> String {
    if let Some(error) = &findings.setup_error {
        return error.clone();
    }
    findings
        .attempts
        .iter()
        .filter(|a| a.outcome == probe::AttemptOutcome::Failed)
        .take(40)
        .map(|a| {
            format!(
                "{} {}: {} answered {} ({:?} was due)",
                a.category.name(),
                a.operation,
                a.input,
                a.observed,
                a.expected
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs QA on the project in `dir`, calling `progress` when each phase starts and ends.
pub async fn run(
    dir: &Path,
    options: &QaOptions,
    mut progress: impl FnMut(Phase, Option<&PhaseReport>),
) -> QaReport {
    let started = Instant::now();
    let mut report = QaReport::default();
    let mut options = options.clone();
    let needs_server = options.test_database_url.is_none()
        && probe::plan_database(dir).as_deref() == Some("postgres");
    // Kept until the end of the run: dropping it stops and deletes the cluster.
    let _server = if needs_server {
        match postgres::Throwaway::start().await {
            Ok(server) => {
                options.test_database_url = Some(server.url().to_owned());
                Some(server)
            }
            Err(unavailable) => {
                report.not_verified = Some(unavailable.line().to_owned());
                None
            }
        }
    } else {
        None
    };
    let options = &options;
    let mut phases = vec![Phase::Fetch, Phase::Build, Phase::Test];
    if options.lint {
        phases.push(Phase::Lint);
    }
    if options.probe && probe::has_plan(dir) {
        phases.push(Phase::Probe);
    }
    let mut failed = false;
    for phase in phases {
        if failed {
            let skipped = PhaseReport::skipped(phase);
            progress(phase, Some(&skipped));
            report.phases.push(skipped);
            continue;
        }
        if let Some(reason) = report
            .not_verified
            .clone()
            .filter(|_| matches!(phase, Phase::Test | Phase::Probe))
        {
            let skipped = PhaseReport {
                detail: reason,
                ..PhaseReport::skipped(phase)
            };
            progress(phase, Some(&skipped));
            report.phases.push(skipped);
            continue;
        }
        progress(phase, None);
        let phase_report = if phase == Phase::Probe {
            let started = Instant::now();
            let findings = probe::run(dir, options).await;
            let phase_report = PhaseReport {
                phase,
                status: if findings.passed() {
                    PhaseStatus::Passed
                } else {
                    PhaseStatus::Failed
                },
                duration_ms: started.elapsed().as_millis() as u64,
                exit_code: None,
                detail: probe_detail(&findings),
            };
            report.probe = Some(findings);
            phase_report
        } else {
            let outcome = sandbox::run_phase(dir, options, phase).await;
            report.absorb(phase, outcome)
        };
        progress(phase, Some(&phase_report));
        failed = phase_report.status != PhaseStatus::Passed;
        report.phases.push(phase_report);
    }
    report.total_ms = started.elapsed().as_millis() as u64;
    let ran_well = |p: &PhaseReport| {
        p.status == PhaseStatus::Passed
            || (report.not_verified.is_some()
                && p.status == PhaseStatus::Skipped
                && matches!(p.phase, Phase::Test | Phase::Probe))
    };
    report.verdict = if !report.phases.iter().all(ran_well) {
        Verdict::Failed
    } else if report.not_verified.is_some() {
        Verdict::NotVerified
    } else {
        Verdict::Passed
    };
    report
}
