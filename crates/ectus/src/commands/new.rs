//! `ectus new`: requirement → spec → files → QA, with live progress and a summary.

use std::io::IsTerminal as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use ectus_generate::{Event, Settings, Status, Target};
use ectus_qa::{Phase, PhaseReport, PhaseStatus, QaOptions, QaReport, Verdict};
use ectus_spec::InputKind;
use serde::Serialize;

use crate::cli::NewArgs;
use crate::commands::derive::{
    derive, not_understood_lines, strict_refusal, to_implement_lines, Source,
};

/// The machine-readable outcome of `ectus new --json`.
#[derive(Debug, Serialize)]
pub struct NewReport {
    pub dir: String,
    pub input: InputKind,
    pub service: String,
    pub spec_hash: String,
    pub assumptions: Vec<ectus_spec::Assumption>,
    /// For a requirement: what each passage contributed and what was not understood.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<ectus_spec::coverage::Coverage>,
    pub files: ectus_codegen::WriteReport,
    pub notes: Vec<String>,
    /// The writes anyone may call without credentials (`auth: none`, or operations the
    /// document declares without security).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub public_writes: Vec<ectus_spec::Operation>,
    pub qa: Option<QaReport>,
    /// `generated` (no QA), `passed`, `failed` or `not_verified` (built, but nothing to test
    /// against).
    pub verdict: Status,
}

/// Live progress: a spinner on a terminal, plain lines otherwise (both on stderr).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
}

impl Progress {
    fn new(quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
        }
    }

    fn line(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.println(message),
            None => eprintln!("[{:>6.1}s] {message}", self.started.elapsed().as_secs_f64()),
        }
    }

    fn phase(&self, phase: Phase, done: Option<&PhaseReport>) {
        match done {
            None => match &self.bar {
                Some(bar) => bar.set_message(format!("{}…", phase.name())),
                None => self.line(&format!("{}: started", phase.name())),
            },
            Some(report) => self.line(&format!(
                "{}: {} in {:.1}s",
                phase.name(),
                status_word(report.status),
                report.duration_ms as f64 / 1000.0
            )),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn status_word(status: PhaseStatus) -> &'static str {
    match status {
        PhaseStatus::Passed => "passed",
        PhaseStatus::Failed => "FAILED",
        PhaseStatus::TimedOut => "TIMED OUT",
        PhaseStatus::LimitExceeded => "MEMORY LIMIT HIT",
        PhaseStatus::Skipped => "skipped",
    }
}

/// The probe's findings in a few lines: attempts and failures by category, then every failure.
fn print_probe(probe: &ectus_qa::probe::ProbeReport) {
    if let Some(error) = &probe.setup_error {
        println!("  probe: could not attack the service: {error}");
        return;
    }
    let summary: Vec<String> = probe
        .by_category
        .iter()
        .map(|(category, counts)| {
            format!(
                "{category} {}/{}",
                counts.attempts - counts.failed,
                counts.attempts
            )
        })
        .collect();
    println!(
        "  probe: {} attacks held ({})",
        probe.attempts.len() as u64 - probe.failed,
        summary.join(", ")
    );
    for attempt in probe
        .attempts
        .iter()
        .filter(|a| a.outcome == ectus_qa::probe::AttemptOutcome::Failed)
    {
        println!(
            "    FAILED {} {}: {} answered {}",
            attempt.category.name(),
            attempt.operation,
            attempt.input,
            attempt.observed
        );
    }
}

/// The exit code of a run whose service passed QA but does not do all that was asked (not
/// understood passages, operations not as documented or left to implement): neither success
/// nor a failure of QA (1).
pub const INCOMPLETE_EXIT: u8 = 3;

pub async fn run(args: NewArgs) -> anyhow::Result<ExitCode> {
    let phase_timeout = humantime::parse_duration(&args.phase_timeout).with_context(|| {
        format!(
            "--phase-timeout {:?} is not a duration; use e.g. 20m",
            args.phase_timeout
        )
    })?;
    let (input, derived) = derive(Source {
        spec: args.input.spec.as_deref(),
        openapi: args.input.openapi.as_deref(),
        prompt: args.input.prompt.as_deref(),
        prompt_file: args.input.prompt_file.as_deref(),
    })?;
    if args.strict && !derived.coverage.complete() {
        return Err(strict_refusal(&derived.coverage, input.kind()));
    }
    let progress = Progress::new(args.json);
    progress.line(&format!(
        "spec from {}: service {} with {} entit{} ({}, auth {})",
        input.kind(),
        derived.spec.service.name,
        derived.spec.entities.len(),
        if derived.spec.entities.len() == 1 {
            "y"
        } else {
            "ies"
        },
        derived.spec.database.as_str(),
        derived.spec.auth.mode.as_str()
    ));
    for assumption in &derived.assumptions {
        progress.line(&format!("  assumed: {assumption}"));
    }
    for line in not_understood_lines(&derived.coverage, input.kind()) {
        progress.line(&line);
    }
    for line in to_implement_lines(&derived.coverage) {
        progress.line(&line);
    }
    let settings = Settings {
        qa: QaOptions {
            target_dir: absolute(&args.target_dir)?,
            phase_timeout,
            memory_limit: (args.memory_limit_mib > 0).then_some(args.memory_limit_mib << 20),
            test_database_url: args.test_database_url.clone(),
            lint: !args.no_lint,
            probe: !args.no_probe,
        },
        verify: !args.no_qa,
    };
    let target = Target {
        dir: &args.dir,
        force: args.force,
        allow_destructive: args.allow_destructive,
    };
    let generation = ectus_generate::run(
        &derived.spec,
        &derived.coverage,
        target,
        &settings,
        |event| match event {
            Event::Written(files) => {
                progress.line(&format!(
                "files: {} written, {} unchanged, {} kept (changed by you; new versions beside them)",
                files.written.len(),
                files.unchanged.len(),
                files.kept.len()
            ));
                for (file, beside) in &files.kept {
                    progress.line(&format!("  kept {file}; the new version is {beside}"));
                }
                for file in &files.implemented {
                    progress.line(&format!("  kept {file}: an extension handler you wrote"));
                }
            }
            Event::PhaseStarted(phase) => progress.phase(phase, None),
            Event::PhaseFinished(report) => progress.phase(report.phase, Some(report)),
        },
    );
    // Ctrl-C drops the run: its processes are killed and a throwaway database is removed.
    let outcome = tokio::select! {
        outcome = generation => outcome?,
        _ = tokio::signal::ctrl_c() => {
            progress.finish();
            anyhow::bail!("interrupted: QA stopped, its processes and scratch databases removed");
        }
    };
    progress.finish();
    let report = NewReport {
        dir: args.dir.display().to_string(),
        input: input.kind(),
        service: derived.spec.service.name.clone(),
        spec_hash: outcome.spec_hash,
        assumptions: derived.assumptions,
        coverage: matches!(input.kind(), InputKind::Prompt | InputKind::Openapi)
            .then_some(derived.coverage),
        files: outcome.files,
        notes: outcome.notes,
        public_writes: derived.spec.public_writes(),
        verdict: outcome.status,
        qa: outcome.qa,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_summary(&report);
    }
    Ok(match report.verdict {
        Status::Failed | Status::NotVerified => ExitCode::FAILURE,
        Status::Incomplete => ExitCode::from(INCOMPLETE_EXIT),
        Status::Generated | Status::Passed => ExitCode::SUCCESS,
    })
}

fn absolute(path: &Path) -> anyhow::Result<std::path::PathBuf> {
    if path.is_absolute() {
        return Ok(path.to_owned());
    }
    Ok(std::env::current_dir()
        .context("cannot read the working directory")?
        .join(path))
}

fn print_summary(report: &NewReport) {
    println!("{} → {}", report.service, report.dir);
    match &report.qa {
        None => {
            println!("QA skipped (--no-qa): the files and Cargo.lock are written but not verified")
        }
        Some(qa) => {
            for phase in &qa.phases {
                println!(
                    "  {:<6} {:<16} {:>7.1}s",
                    phase.phase.name(),
                    status_word(phase.status),
                    phase.duration_ms as f64 / 1000.0
                );
            }
            println!(
                "  tests: {} passed, {} failed, {} ignored",
                qa.tests.passed, qa.tests.failed, qa.tests.ignored
            );
            if let Some(probe) = &qa.probe {
                print_probe(probe);
            }
            for name in &qa.tests.failing {
                println!("    failing: {name}");
            }
            for (code, group) in &qa.compiler_errors {
                println!("  compiler errors {code}: {}", group.count);
                if let Some(example) = group.examples.first() {
                    for line in example.lines().take(8) {
                        println!("    {line}");
                    }
                }
            }
            for phase in qa.phases.iter().filter(|p| !p.detail.is_empty()).take(1) {
                println!("  {} output (last lines):", phase.phase.name());
                for line in phase
                    .detail
                    .lines()
                    .rev()
                    .take(15)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                {
                    println!("    {line}");
                }
            }
            if let Some(reason) = &qa.not_verified {
                println!("  {reason}");
            }
            let seconds = qa.total_ms as f64 / 1000.0;
            match (report.verdict, qa.verdict) {
                (Status::Incomplete, _) => println!(
                    "verdict: INCOMPLETE in {seconds:.1}s: QA passed, but the service does not do all that was asked (below)"
                ),
                (_, Verdict::Passed) => println!("verdict: PASSED in {seconds:.1}s"),
                (_, Verdict::Failed) => println!("verdict: FAILED in {seconds:.1}s"),
                (_, Verdict::NotVerified) => println!("verdict: NOT VERIFIED in {seconds:.1}s"),
            }
        }
    }
    if !report.public_writes.is_empty() {
        let ops: Vec<&str> = report.public_writes.iter().map(|op| op.as_str()).collect();
        println!(
            "PUBLIC: anyone may {} without credentials, as the input asks; name authentication in the requirement or set auth.mode (api_key, jwt) in the spec to protect them",
            ops.join(", ")
        );
    }
    if let Some(coverage) = &report.coverage {
        let missing = coverage.not_understood.len();
        let plural = if missing == 1 { "" } else { "s" };
        if report.input == InputKind::Openapi {
            let stubs = coverage.to_implement.len();
            println!(
                "operations: {} of {} served as documented, {stubs} to implement (they answer 501 until their handler in src/extensions/ is written)",
                coverage.understood.len(),
                coverage.understood.len() + missing + stubs
            );
            for line in to_implement_lines(coverage) {
                println!("{line}");
            }
            if missing > 0 {
                println!("NOT AS DOCUMENTED: the service does not serve these {missing} operation{plural} as the document says (use --strict to stop on them):");
            }
        } else if missing > 0 {
            println!(
                "NOT UNDERSTOOD: the service does not do what these {missing} passage{plural} of the requirement ask (rephrase them, or use --strict to stop on them):"
            );
        }
        for line in not_understood_lines(coverage, report.input) {
            println!("{line}");
        }
    }
}
