//! What a job handler sees: its job, a way to report progress, and the stop signal.

use ectus_store::jobs::Job;
use ectus_store::Store;
use tokio_util::sync::CancellationToken;

/// How a handler's run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    /// Done; the value is stored as the job's result.
    Succeeded(serde_json::Value),
    /// This attempt failed; the job is retried while attempts remain.
    Failed(String),
    /// The handler stopped because [`JobContext::stopped`] fired.
    Stopped,
}

/// The running job and its link to the runtime.
pub struct JobContext {
    pub job: Job,
    pub(crate) store: Store,
    pub(crate) owner: String,
    pub(crate) stop: CancellationToken,
}

impl JobContext {
    /// Fires when the handler must stop: cancellation requested, lease lost, or shutdown.
    /// Handlers await it alongside their work and return [`JobOutcome::Stopped`].
    pub fn stopped(&self) -> &CancellationToken {
        &self.stop
    }

    /// The worker holding this job's lease; handlers guard their own writes with it.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The job's payload in its kind's own type; the error says what does not fit.
    pub fn payload<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_value(self.job.payload.clone())
            .map_err(|e| format!("the {} job's payload is invalid: {e}", self.job.kind))
    }

    /// The store, for handlers that read or write their own records.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Records progress for watchers of the job. Errors are logged, not returned: progress is
    /// advisory and must not fail the job.
    pub async fn progress(&self, phase: &str, percent: u8, message: &str) {
        match self
            .store
            .report_progress(&self.job.id, &self.owner, phase, percent, message)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!(job_id = %self.job.id, "progress after the lease was lost")
            }
            Err(error) => {
                tracing::warn!(job_id = %self.job.id, error = %ectus_telemetry::chain(&error), "cannot record progress")
            }
        }
    }
}
