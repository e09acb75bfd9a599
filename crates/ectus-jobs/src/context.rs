//! What a job handler sees: its job, a way to report progress, the stop signal, and a
//! working directory of its own per attempt.

use std::path::{Path, PathBuf};

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

    /// The working directory of this attempt, `<parent>/<name>-<attempt>`, empty: what an
    /// earlier attempt of the job left there is removed first — that attempt lost its lease
    /// (its worker was killed, or was cut off and stops at its next renewal), so nobody
    /// finishes it. A worker that lost its lease never shares files with the one that took
    /// over, and a killed worker's files do not pile up.
    ///
    /// The directory is removed, with everything in it, when the returned guard is dropped:
    /// however the attempt ends — done, failed, stopped — short of the process being killed.
    pub fn attempt_dir(&self, parent: &Path, name: &str) -> std::io::Result<AttemptDir> {
        let with_path = |what: &str, dir: &Path, error: std::io::Error| {
            std::io::Error::new(
                error.kind(),
                format!("cannot {what} {}: {error}", dir.display()),
            )
        };
        for attempt in 1..=self.job.attempts {
            let dir = parent.join(format!("{name}-{attempt}"));
            match std::fs::remove_dir_all(&dir) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    return Err(with_path("clear", &dir, error))
                }
                _ => {}
            }
        }
        let dir = parent.join(format!("{name}-{}", self.job.attempts));
        std::fs::create_dir_all(&dir).map_err(|error| with_path("create", &dir, error))?;
        Ok(AttemptDir(dir))
    }
}

/// An attempt's working directory, removed with everything in it when dropped (a killed
/// attempt's is removed by the next attempt of its job).
#[derive(Debug)]
pub struct AttemptDir(PathBuf);

impl AttemptDir {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl std::ops::Deref for AttemptDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for AttemptDir {
    fn drop(&mut self) {
        match std::fs::remove_dir_all(&self.0) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                tracing::warn!(dir = %self.0.display(), %error, "cannot remove a job attempt's working directory");
            }
            _ => {}
        }
    }
}
