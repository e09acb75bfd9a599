//! The generation pipeline: render → write → QA, with progress events and a span per phase.

use std::path::{Path, PathBuf};

use ectus_codegen::{CodegenError, WriteError, WriteReport};
use ectus_qa::{Phase, PhaseReport, PhaseStatus, QaOptions, QaReport, Verdict};
use ectus_spec::coverage::Coverage;
use ectus_spec::Spec;
use serde::Serialize;

/// How a run verifies what it generated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How QA runs (and where the lock file is resolved).
    pub qa: QaOptions,
    /// Build, test, lint and probe the project; without it only `Cargo.lock` is produced.
    pub verify: bool,
}

/// Where the project is written.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub dir: &'a Path,
    /// Write into a non-empty directory that is not an Ectus-R project.
    pub force: bool,
    /// Let the next migration drop tables or columns, narrow types and the like.
    pub allow_destructive: bool,
}

/// What a run reports while it works.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The files are on disk.
    Written(&'a WriteReport),
    /// A QA phase started.
    PhaseStarted(Phase),
    /// A QA phase ended (or was skipped).
    PhaseFinished(&'a PhaseReport),
}

/// The verdict of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Files written, QA not run.
    Generated,
    /// QA ran and every phase passed, and the input's coverage says the service does all that
    /// was asked.
    Passed,
    /// QA ran and every phase passed, but the service does not do all that was asked: passages
    /// of the requirement not understood, operations not served as documented, or operations
    /// whose extension handler still answers `501`.
    Incomplete,
    /// QA ran and a phase did not pass.
    Failed,
    /// QA built the project but could not run its tests (no database server to test against).
    NotVerified,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Generated => "generated",
            Status::Passed => "passed",
            Status::Incomplete => "incomplete",
            Status::Failed => "failed",
            Status::NotVerified => "not_verified",
        }
    }
}

impl Status {
    /// The verdict of a run from its QA verdict (`None`: QA not run) and the coverage of its
    /// input: a service that passed QA but does not do all that was asked is incomplete, never
    /// passed.
    pub fn judged(qa: Option<Verdict>, coverage: &Coverage) -> Status {
        match qa {
            None => Status::Generated,
            Some(Verdict::Passed) if coverage.fully_served() => Status::Passed,
            Some(Verdict::Passed) => Status::Incomplete,
            Some(Verdict::NotVerified) => Status::NotVerified,
            Some(Verdict::Failed) => Status::Failed,
        }
    }
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub spec_hash: String,
    pub files: WriteReport,
    /// Non-fatal notes of the generator (e.g. rustfmt unavailable).
    pub notes: Vec<String>,
    pub qa: Option<QaReport>,
    pub status: Status,
}

/// Why a run produced nothing to verify.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("code generation failed")]
    Codegen(#[from] CodegenError),
    #[error("cannot create the project directory {path}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("cannot produce Cargo.lock (cargo generate-lockfile {status}): {detail}")]
    Lock {
        status: &'static str,
        detail: String,
    },
}

/// Renders `spec`, writes it into `target` and, when `settings.qa` is set, verifies it;
/// `coverage` is the account of the input the spec was derived from, which decides whether a
/// service that passed QA is complete.
pub async fn run(
    spec: &Spec,
    coverage: &Coverage,
    target: Target<'_>,
    settings: &Settings,
    mut progress: impl FnMut(Event<'_>),
) -> Result<Outcome, GenerateError> {
    let (project, files) = phase_span("render").in_scope(|| -> Result<_, GenerateError> {
        // A project generated before keeps its migrations; a changed schema adds the next.
        let previous = ectus_codegen::Manifest::read(target.dir)
            .map(|m| m.migrations)
            .unwrap_or_default();
        let project = ectus_codegen::generate_after(spec, &previous, target.allow_destructive)?;
        std::fs::create_dir_all(target.dir).map_err(|source| GenerateError::CreateDir {
            path: target.dir.to_owned(),
            source,
        })?;
        let files = ectus_codegen::write_project(target.dir, &project, target.force)?;
        Ok((project, files))
    })?;
    progress(Event::Written(&files));
    fail::fail_point!("generate.written");
    let qa = if settings.verify {
        Some(verify(target.dir, &settings.qa, &mut progress).await)
    } else {
        let lock = ectus_qa::lock(target.dir, &settings.qa).await;
        if lock.status != PhaseStatus::Passed {
            return Err(GenerateError::Lock {
                status: status_name(lock.status),
                detail: lock.detail.lines().last().unwrap_or_default().to_owned(),
            });
        }
        fail::fail_point!("generate.locked");
        None
    };
    let status = Status::judged(qa.as_ref().map(|r| r.verdict), coverage);
    Ok(Outcome {
        spec_hash: project.spec_hash,
        files,
        notes: project.notes,
        qa,
        status,
    })
}

/// QA with a span for each phase: opened when it starts, closed with its status when it ends.
async fn verify(dir: &Path, options: &QaOptions, progress: &mut impl FnMut(Event<'_>)) -> QaReport {
    let mut running: Option<tracing::Span> = None;
    ectus_qa::run(dir, options, |phase, done| match done {
        None => {
            running = Some(phase_span(phase.name()));
            progress(Event::PhaseStarted(phase));
        }
        Some(report) => {
            if let Some(span) = running.take() {
                if !matches!(report.status, PhaseStatus::Passed | PhaseStatus::Skipped) {
                    span.record("otel.status_code", "ERROR");
                }
                span.record("status", status_name(report.status));
            }
            progress(Event::PhaseFinished(report));
        }
    })
    .await
}

/// The report's spelling of a phase status (`passed`, `timed_out`, …).
pub fn status_name(status: PhaseStatus) -> &'static str {
    match status {
        PhaseStatus::Passed => "passed",
        PhaseStatus::Failed => "failed",
        PhaseStatus::TimedOut => "timed_out",
        PhaseStatus::LimitExceeded => "limit_exceeded",
        PhaseStatus::Skipped => "skipped",
    }
}

/// A span for one phase of a generation (`render`, the QA phases, `package`): a child of the
/// current span (the job's, on a worker).
pub(crate) fn phase_span(phase: &'static str) -> tracing::Span {
    tracing::info_span!(
        "phase",
        "otel.name" = %format_args!("generate {phase}"),
        "otel.status_code" = tracing::field::Empty,
        phase,
        status = tracing::field::Empty
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ectus_spec::coverage::Passage;

    fn passage(text: &str) -> Passage {
        Passage {
            text: text.into(),
            span: None,
            reason: "r".into(),
        }
    }

    #[test]
    fn a_service_that_passed_qa_but_lacks_what_was_asked_is_incomplete_not_passed() {
        let full = Coverage::default();
        assert_eq!(Status::judged(Some(Verdict::Passed), &full), Status::Passed);
        let lost = Coverage {
            not_understood: vec![passage("Refunds are issued against a payment.")],
            ..Coverage::default()
        };
        assert_eq!(
            Status::judged(Some(Verdict::Passed), &lost),
            Status::Incomplete
        );
        let stubs = Coverage {
            to_implement: vec![passage("POST /pets/{petId}/adopt")],
            ..Coverage::default()
        };
        assert_eq!(
            Status::judged(Some(Verdict::Passed), &stubs),
            Status::Incomplete
        );
        // A failure stays a failure, and without QA nothing is judged.
        assert_eq!(Status::judged(Some(Verdict::Failed), &lost), Status::Failed);
        assert_eq!(
            Status::judged(Some(Verdict::NotVerified), &lost),
            Status::NotVerified
        );
        assert_eq!(Status::judged(None, &lost), Status::Generated);
    }
}
