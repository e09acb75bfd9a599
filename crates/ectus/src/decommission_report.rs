//! The verification report of `ectus decommission`: each step with its start, end, status and
//! evidence, written as JSON (for machines and auditors' tools) and Markdown (for people).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use ectus_store::Timestamp;
use serde::Serialize;

/// A step under way.
pub struct Step {
    name: &'static str,
    started_at: Timestamp,
}

impl Step {
    pub fn start(name: &'static str) -> Step {
        Step {
            name,
            started_at: Timestamp::now(),
        }
    }
}

#[derive(Debug, Serialize)]
struct StepRecord {
    name: &'static str,
    started_at: String,
    finished_at: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    evidence: serde_json::Value,
}

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    backend: String,
    output_dir: PathBuf,
    started_at: String,
    finished_at: Option<String>,
    /// `completed` or `failed`.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    steps: Vec<StepRecord>,
}

impl Report {
    pub fn new(backend: &str, output_dir: &Path) -> Report {
        Report {
            backend: backend.to_owned(),
            output_dir: output_dir.to_owned(),
            started_at: Timestamp::now().to_rfc3339(),
            finished_at: None,
            outcome: "failed",
            error: None,
            steps: Vec::new(),
        }
    }

    pub fn done(&mut self, step: Step, evidence: serde_json::Value) {
        self.record(step, "ok", None, evidence);
    }

    pub fn failed(&mut self, step: Step, error: String) {
        self.record(step, "failed", Some(error), serde_json::Value::Null);
    }

    fn record(
        &mut self,
        step: Step,
        status: &'static str,
        error: Option<String>,
        evidence: serde_json::Value,
    ) {
        self.steps.push(StepRecord {
            name: step.name,
            started_at: step.started_at.to_rfc3339(),
            finished_at: Timestamp::now().to_rfc3339(),
            status,
            error,
            evidence,
        });
    }

    /// Ends the report: completed when no error stopped the procedure.
    pub fn finish(&mut self, error: Option<String>) {
        self.finished_at = Some(Timestamp::now().to_rfc3339());
        self.outcome = if error.is_none() {
            "completed"
        } else {
            "failed"
        };
        self.error = error;
    }

    /// Writes `decommission-report.json` and `decommission-report.md` into `dir`.
    pub fn write(&self, dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
        let json = dir.join("decommission-report.json");
        let markdown = dir.join("decommission-report.md");
        std::fs::write(&json, serde_json::to_vec_pretty(self)?)
            .with_context(|| format!("cannot write {}", json.display()))?;
        std::fs::write(&markdown, self.markdown())
            .with_context(|| format!("cannot write {}", markdown.display()))?;
        Ok((json, markdown))
    }

    fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Decommissioning report\n");
        let _ = writeln!(out, "- outcome: **{}**", self.outcome);
        let _ = writeln!(out, "- database: {}", self.backend);
        let _ = writeln!(out, "- output directory: `{}`", self.output_dir.display());
        let _ = writeln!(out, "- started: {}", self.started_at);
        let _ = writeln!(
            out,
            "- finished: {}",
            self.finished_at.as_deref().unwrap_or("-")
        );
        if let Some(error) = &self.error {
            let _ = writeln!(out, "- stopped by: {}", one_line(error));
        }
        let _ = writeln!(
            out,
            "\n| step | status | started | finished |\n| --- | --- | --- | --- |"
        );
        for step in &self.steps {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                step.name, step.status, step.started_at, step.finished_at
            );
        }
        for step in &self.steps {
            let _ = writeln!(out, "\n## {}\n", step.name);
            if let Some(error) = &step.error {
                let _ = writeln!(out, "Failed: {}\n", one_line(error));
            }
            let evidence = serde_json::to_string_pretty(&step.evidence).unwrap_or_default();
            let _ = writeln!(out, "```json\n{}\n```", evidence.replace("```", "'''"));
        }
        out
    }
}

/// Text on one line, with Markdown's table and emphasis characters escaped.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
        .replace('|', "\\|")
        .replace('*', "\\*")
}
