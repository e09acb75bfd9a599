//! The `sleep` diagnostic job: waits in steps, reporting progress, and can be told to fail its
//! first attempts. It exercises the queue end to end (claims, progress, cancellation, retries,
//! leases, shutdown) without doing real work.

use std::time::Duration;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::{JobContext, JobHandler, JobOutcome};

pub const KIND: &str = "sleep";

/// The longest sleep accepted.
pub const MAX_DURATION_MS: u64 = 3_600_000;

/// Payload of a `sleep` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SleepPayload {
    /// Total time to sleep, 0 to 3,600,000 ms.
    pub duration_ms: u64,
    /// Number of progress steps, 1 to 1,000.
    #[serde(default = "default_steps")]
    pub steps: u32,
    /// Fail this many first attempts (0 to 10) to exercise retries.
    #[serde(default)]
    pub fail_attempts: u32,
}

fn default_steps() -> u32 {
    10
}

impl SleepPayload {
    /// Parses and checks a payload; the error names the field and the allowed range.
    pub fn parse(value: &serde_json::Value) -> Result<SleepPayload, (String, String)> {
        let payload: SleepPayload = serde_json::from_value(value.clone())
            .map_err(|e| ("payload".to_owned(), e.to_string()))?;
        if payload.duration_ms > MAX_DURATION_MS {
            return Err((
                "payload.duration_ms".into(),
                format!("must be at most {MAX_DURATION_MS}"),
            ));
        }
        if !(1..=1000).contains(&payload.steps) {
            return Err(("payload.steps".into(), "must be between 1 and 1000".into()));
        }
        if payload.fail_attempts > 10 {
            return Err((
                "payload.fail_attempts".into(),
                "must be between 0 and 10".into(),
            ));
        }
        Ok(payload)
    }
}

/// Handler of the `sleep` kind.
pub struct SleepJob;

impl JobHandler for SleepJob {
    fn run(&self, ctx: JobContext) -> BoxFuture<'static, JobOutcome> {
        Box::pin(async move {
            let payload = match SleepPayload::parse(&ctx.job.payload)
                .map_err(|(field, message)| format!("{field}: {message}"))
            {
                Ok(p) => p,
                Err(e) => return JobOutcome::Failed(format!("invalid payload: {e}")),
            };
            let step = Duration::from_millis(payload.duration_ms / u64::from(payload.steps));
            for i in 1..=payload.steps {
                tokio::select! {
                    _ = tokio::time::sleep(step) => {}
                    _ = ctx.stopped().cancelled() => return JobOutcome::Stopped,
                }
                let percent = u8::try_from(i * 100 / payload.steps).unwrap_or(100);
                ctx.progress(
                    "sleeping",
                    percent,
                    &format!("step {i} of {}", payload.steps),
                )
                .await;
                fail::fail_point!("sleep.step");
            }
            if ctx.job.attempts <= i64::from(payload.fail_attempts) {
                return JobOutcome::Failed(format!(
                    "diagnostic failure on attempt {} (fail_attempts = {})",
                    ctx.job.attempts, payload.fail_attempts
                ));
            }
            JobOutcome::Succeeded(serde_json::json!({
                "slept_ms": payload.duration_ms,
                "steps": payload.steps,
                "attempt": ctx.job.attempts,
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_defaults_and_bounds() {
        let p = SleepPayload::parse(&serde_json::json!({"duration_ms": 10})).expect("valid");
        assert_eq!((p.steps, p.fail_attempts), (10, 0));
        let err = SleepPayload::parse(&serde_json::json!({"duration_ms": MAX_DURATION_MS + 1}))
            .expect_err("too long");
        assert_eq!(err.0, "payload.duration_ms");
        let err = SleepPayload::parse(&serde_json::json!({"duration_ms": 1, "steps": 0}))
            .expect_err("no steps");
        assert_eq!(err.0, "payload.steps");
        let err = SleepPayload::parse(&serde_json::json!({"duration_ms": 1, "sleep": 2}))
            .expect_err("unknown field");
        assert!(err.1.contains("unknown field `sleep`"), "{}", err.1);
    }
}
