//! The QA report and the parsers that fill it from cargo's output.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Fetch,
    Build,
    Test,
    Lint,
    /// The running service attacked black-box from its own OpenAPI document.
    Probe,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Fetch => "fetch",
            Phase::Build => "build",
            Phase::Test => "test",
            Phase::Lint => "lint",
            Phase::Probe => "probe",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseStatus {
    Passed,
    Failed,
    /// The wall-clock limit was reached; the process group was killed.
    TimedOut,
    /// The memory limit was hit.
    LimitExceeded,
    /// An earlier phase failed.
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Passed,
    #[default]
    Failed,
    /// Everything that ran passed, but the tests could not run: nothing to test against (the
    /// report's `not_verified` says what to install or configure).
    NotVerified,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseReport {
    pub phase: Phase,
    pub status: PhaseStatus,
    pub duration_ms: u64,
    pub exit_code: Option<i32>,
    /// The last lines of output when the phase did not pass.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub detail: String,
}

impl PhaseReport {
    pub fn skipped(phase: Phase) -> PhaseReport {
        PhaseReport {
            phase,
            status: PhaseStatus::Skipped,
            duration_ms: 0,
            exit_code: None,
            detail: String::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestSummary {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
    /// Names of the failing tests.
    pub failing: Vec<String>,
}

/// Compiler (or clippy) errors of one code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorGroup {
    pub count: u64,
    /// The first few rendered messages.
    pub examples: Vec<String>,
}

/// Errors by rustc code (`E0308`, `clippy::needless_return`, or `other`).
pub type CompilerErrors = BTreeMap<String, ErrorGroup>;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QaReport {
    pub verdict: Verdict,
    pub phases: Vec<PhaseReport>,
    pub tests: TestSummary,
    pub compiler_errors: CompilerErrors,
    pub warnings: u64,
    pub total_ms: u64,
    /// Every attack of the probe phase and its outcome, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<crate::probe::ProbeReport>,
    /// Why the tests could not run, in one line (with verdict `not_verified`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_verified: Option<String>,
}

/// What a phase's process did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub killed_by_signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub duration_ms: u64,
}

const EXAMPLES_PER_CODE: usize = 3;

impl QaReport {
    /// Folds a phase's outcome into the report and returns the phase's own report.
    pub fn absorb(&mut self, phase: Phase, outcome: Outcome) -> PhaseReport {
        if matches!(phase, Phase::Build | Phase::Lint | Phase::Test) {
            let (errors, warnings) = parse_compiler_messages(&outcome.stdout);
            for (code, group) in errors {
                let entry = self.compiler_errors.entry(code).or_default();
                entry.count += group.count;
                for example in group.examples {
                    if entry.examples.len() < EXAMPLES_PER_CODE {
                        entry.examples.push(example);
                    }
                }
            }
            if phase == Phase::Build {
                self.warnings += warnings;
            }
        }
        if phase == Phase::Test {
            self.tests = parse_test_output(&outcome.stdout);
        }
        let out_of_memory = outcome.stderr.contains("memory allocation of")
            || outcome.stderr.contains("Cannot allocate memory")
            || outcome.stderr.contains("out of memory");
        let status = if outcome.timed_out {
            PhaseStatus::TimedOut
        } else if out_of_memory {
            PhaseStatus::LimitExceeded
        } else if outcome.exit_code == Some(0) {
            PhaseStatus::Passed
        } else {
            PhaseStatus::Failed
        };
        let detail = if status == PhaseStatus::Passed {
            String::new()
        } else {
            tail(
                &format!("{}\n{}", strip_json_lines(&outcome.stdout), outcome.stderr),
                40,
            )
        };
        PhaseReport {
            phase,
            status,
            duration_ms: outcome.duration_ms,
            exit_code: outcome.exit_code,
            detail,
        }
    }
}

fn strip_json_lines(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with('{'))
        .collect::<Vec<_>>()
        .join("\n")
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Groups `--message-format=json` compiler errors by code; returns (errors, warning count).
pub fn parse_compiler_messages(stdout: &str) -> (CompilerErrors, u64) {
    let mut errors = CompilerErrors::new();
    let mut warnings = 0;
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if value["reason"] != "compiler-message" {
            continue;
        }
        let message = &value["message"];
        match message["level"].as_str() {
            Some("error") => {
                let code = message["code"]["code"]
                    .as_str()
                    .unwrap_or("other")
                    .to_owned();
                let rendered = message["rendered"].as_str().unwrap_or_default();
                // rustc's "aborting due to N previous errors" summary is not an error itself.
                if rendered.starts_with("error: aborting due to")
                    || rendered.contains("could not compile")
                {
                    continue;
                }
                let group = errors.entry(code).or_default();
                group.count += 1;
                if group.examples.len() < EXAMPLES_PER_CODE {
                    group.examples.push(rendered.trim_end().to_owned());
                }
            }
            Some("warning") => warnings += 1,
            _ => {}
        }
    }
    (errors, warnings)
}

/// Sums libtest's `test result:` lines and collects the names of failing tests.
pub fn parse_test_output(stdout: &str) -> TestSummary {
    let mut summary = TestSummary::default();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("test result: ") {
            for part in rest.split(';') {
                let mut words = part.split_whitespace().rev();
                let (Some(what), Some(count)) = (words.next(), words.next()) else {
                    continue;
                };
                let Ok(count) = count.parse::<u64>() else {
                    continue;
                };
                match what {
                    "passed" => summary.passed += count,
                    "failed" => summary.failed += count,
                    "ignored" => summary.ignored += count,
                    _ => {}
                }
            }
        } else if let Some(rest) = line.strip_prefix("test ") {
            if let Some(name) = rest.strip_suffix(" ... FAILED") {
                summary.failing.push(name.to_owned());
            }
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_lines_are_summed_and_failures_named() {
        let out = "running 2 tests\ntest a ... ok\ntest b::c ... FAILED\ntest result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s\n\nrunning 1 test\ntest d ... ignored\ntest result: ok. 0 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out\n";
        let s = parse_test_output(out);
        assert_eq!((s.passed, s.failed, s.ignored), (1, 1, 1));
        assert_eq!(s.failing, vec!["b::c".to_owned()]);
    }

    #[test]
    fn compiler_errors_are_grouped_by_code() {
        let line = |level: &str, code: &str| {
            serde_json::json!({"reason": "compiler-message", "message": {"level": level, "code": {"code": code}, "rendered": format!("{level}[{code}]: x")}}).to_string()
        };
        let out = [
            line("error", "E0308"),
            line("error", "E0308"),
            line("error", "E0425"),
            line("warning", "unused"),
        ]
        .join("\n");
        let (errors, warnings) = parse_compiler_messages(&out);
        assert_eq!(errors["E0308"].count, 2);
        assert_eq!(errors["E0425"].count, 1);
        assert_eq!(warnings, 1);
    }

    #[test]
    fn timeouts_and_memory_limits_are_reported_as_such() {
        let mut report = QaReport::default();
        let timed_out = report.absorb(
            Phase::Build,
            Outcome {
                timed_out: true,
                ..Default::default()
            },
        );
        assert_eq!(timed_out.status, PhaseStatus::TimedOut);
        let oom = report.absorb(
            Phase::Build,
            Outcome {
                exit_code: Some(101),
                stderr: "memory allocation of 1048576 bytes failed".into(),
                ..Default::default()
            },
        );
        assert_eq!(oom.status, PhaseStatus::LimitExceeded);
    }
}
