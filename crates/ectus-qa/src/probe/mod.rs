//! The probe phase: the built service is started on a free port with an empty database and
//! attacked black-box from its own OpenAPI document — every protected operation without
//! credentials and with forged tokens, another account's rows, SQL metacharacters and very
//! long values in every query and path parameter, oversized bodies, wrong content types and
//! unknown fields. Every attempt is recorded with what was due and what came back; a 2xx where
//! 401/403 was due, or any 5xx (or no answer), fails the verdict.
//!
//! Stages: [`service`] starts and stops the binary (and its database), [`document`] reads the
//! operations from `/openapi.json`, [`attacks`] runs the categories, [`tokens`] forges JWTs.

mod attacks;
mod document;
mod service;
mod tokens;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::QaOptions;

/// What kind of attack an attempt was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeCategory {
    /// A protected operation without credentials.
    Unauthenticated,
    /// A protected operation with a forged, expired or wrongly signed credential.
    ForgedCredentials,
    /// Changing or deleting another account's row.
    ForeignOwner,
    /// SQL metacharacters, very long values and odd text in query and path parameters.
    Injection,
    /// A body over the size limit.
    OversizedBody,
    /// A body that is not sent as JSON.
    WrongContentType,
    /// A body with a field the operation does not know.
    UnknownFields,
}

impl ProbeCategory {
    pub fn name(self) -> &'static str {
        match self {
            ProbeCategory::Unauthenticated => "unauthenticated",
            ProbeCategory::ForgedCredentials => "forged_credentials",
            ProbeCategory::ForeignOwner => "foreign_owner",
            ProbeCategory::Injection => "injection",
            ProbeCategory::OversizedBody => "oversized_body",
            ProbeCategory::WrongContentType => "wrong_content_type",
            ProbeCategory::UnknownFields => "unknown_fields",
        }
    }
}

/// What an attempt was due to answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    /// One of these statuses.
    Status(Vec<u16>),
    /// Anything but a server error.
    NoServerError,
    /// Anything but a server error other than these, which the operation documents (`501`
    /// of an extension operation not implemented yet).
    NoServerErrorBut(Vec<u16>),
}

impl Expected {
    fn statuses(statuses: &[u16]) -> Expected {
        Expected::Status(statuses.to_vec())
    }

    /// Whether the attempt was a refusal of access (401/403): a 2xx then is a breach.
    fn is_refusal(&self) -> bool {
        matches!(self, Expected::Status(s) if !s.is_empty() && s.iter().all(|c| *c == 401 || *c == 403))
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// The answer was due.
    Passed,
    /// Another 4xx than the one due: recorded, not failing.
    Mismatch,
    /// A 2xx where 401/403 was due, a 5xx, or no answer: fails the verdict.
    Failed,
}

/// One attack and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeAttempt {
    pub category: ProbeCategory,
    /// `METHOD /path/template`.
    pub operation: String,
    /// What was sent, in a few words.
    pub input: String,
    pub expected: Expected,
    /// The status answered; 0 when nothing came back.
    pub observed: u16,
    pub outcome: AttemptOutcome,
}

/// Counts of one category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCounts {
    pub attempts: u64,
    pub failed: u64,
    pub mismatched: u64,
}

/// The probe phase's findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub attempts: Vec<ProbeAttempt>,
    pub by_category: BTreeMap<String, CategoryCounts>,
    pub failed: u64,
    /// Why the probe could not attack at all (the service did not start, no plan…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup_error: Option<String>,
    /// Preparations that did not work (a row that could not be created), so some attacks were
    /// left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ProbeReport {
    /// Judges and records an attempt.
    fn record(
        &mut self,
        category: ProbeCategory,
        operation: &str,
        input: &str,
        expected: Expected,
        observed: u16,
    ) {
        let outcome = judge(&expected, observed);
        let counts = self
            .by_category
            .entry(category.name().to_owned())
            .or_default();
        counts.attempts += 1;
        match outcome {
            AttemptOutcome::Failed => {
                counts.failed += 1;
                self.failed += 1;
            }
            AttemptOutcome::Mismatch => counts.mismatched += 1,
            AttemptOutcome::Passed => {}
        }
        self.attempts.push(ProbeAttempt {
            category,
            operation: operation.to_owned(),
            input: input.to_owned(),
            expected,
            observed,
            outcome,
        });
    }

    /// Whether the service held: it started and no attempt failed.
    pub fn passed(&self) -> bool {
        self.setup_error.is_none() && self.failed == 0
    }
}

fn judge(expected: &Expected, observed: u16) -> AttemptOutcome {
    if let Expected::NoServerErrorBut(documented) = expected {
        if documented.contains(&observed) {
            return AttemptOutcome::Passed;
        }
    }
    if observed == 0 || observed >= 500 {
        return AttemptOutcome::Failed;
    }
    if expected.is_refusal() && (200..300).contains(&observed) {
        return AttemptOutcome::Failed;
    }
    match expected {
        Expected::NoServerError | Expected::NoServerErrorBut(_) => AttemptOutcome::Passed,
        Expected::Status(statuses) if statuses.contains(&observed) => AttemptOutcome::Passed,
        Expected::Status(_) => AttemptOutcome::Mismatch,
    }
}

/// The plan a generated project ships for its probe (`.ectus/probe-plan.json`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Plan {
    pub binary: String,
    pub database: String,
    pub auth: String,
    pub register: Option<RegisterPlan>,
    pub entities: Vec<EntityPlan>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RegisterPlan {
    pub entity: String,
    pub path: String,
    pub body: serde_json::Value,
    pub identity_item: Option<String>,
    pub identity_update: bool,
    pub identity_delete: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ParentPlan {
    pub fk: String,
    pub entity: String,
    pub required: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct EntityPlan {
    pub name: String,
    pub collection: String,
    pub item: String,
    pub create: Option<serde_json::Value>,
    pub parents: Vec<ParentPlan>,
    pub owner_fk: Option<String>,
    pub update: bool,
    pub delete: bool,
}

/// Where a project keeps its plan.
pub const PLAN_PATH: &str = ".ectus/probe-plan.json";

/// Whether `dir` holds a project the probe can attack.
pub fn has_plan(dir: &Path) -> bool {
    dir.join(PLAN_PATH).is_file()
}

/// The database engine the project's probe plan names (`sqlite` or `postgres`).
pub fn plan_database(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(PLAN_PATH)).ok()?;
    let plan: serde_json::Value = serde_json::from_str(&text).ok()?;
    plan.get("database")?.as_str().map(str::to_owned)
}

/// Starts the built service of `dir` and attacks it.
pub async fn run(dir: &Path, options: &QaOptions) -> ProbeReport {
    let mut report = ProbeReport::default();
    let plan: Plan = match std::fs::read_to_string(dir.join(PLAN_PATH))
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
    {
        Ok(plan) => plan,
        Err(error) => {
            report.setup_error = Some(format!("no usable probe plan at {PLAN_PATH}: {error}"));
            return report;
        }
    };
    let service = match service::Service::start(&plan, options).await {
        Ok(service) => service,
        Err(error) => {
            report.setup_error = Some(error);
            return report;
        }
    };
    match document::operations(&service).await {
        Ok(operations) => attacks::run(&service, &plan, &operations, &mut report).await,
        Err(error) => report.setup_error = Some(error),
    }
    service.stop().await;
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_2xx_where_a_refusal_was_due_or_a_server_error_fails() {
        let refused = Expected::statuses(&[401]);
        assert_eq!(judge(&refused, 401), AttemptOutcome::Passed);
        assert_eq!(judge(&refused, 201), AttemptOutcome::Failed);
        assert_eq!(judge(&refused, 404), AttemptOutcome::Mismatch);
        assert_eq!(judge(&Expected::NoServerError, 422), AttemptOutcome::Passed);
        assert_eq!(judge(&Expected::NoServerError, 500), AttemptOutcome::Failed);
        let stub = Expected::NoServerErrorBut(vec![501]);
        assert_eq!(judge(&stub, 501), AttemptOutcome::Passed);
        assert_eq!(judge(&stub, 500), AttemptOutcome::Failed);
        assert_eq!(
            judge(&Expected::statuses(&[413]), 0),
            AttemptOutcome::Failed
        );
        assert_eq!(
            judge(&Expected::statuses(&[415]), 200),
            AttemptOutcome::Mismatch
        );
    }
}
