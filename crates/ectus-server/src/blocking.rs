//! CPU-bound work on user input — deriving a spec from a document or a requirement — run off
//! the async threads, at most one task per core at once, so that however expensive an input
//! is to read, health probes and other requests keep being answered.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::problem::ApiError;

/// How long a request waits for a free core before it is answered 503.
const WAIT_FOR_SLOT: Duration = Duration::from_secs(10);

/// One slot per core.
static SLOTS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Arc::new(Semaphore::new(cores))
});

/// Runs `work` on the blocking pool once a slot is free. The slot is held until `work`
/// returns, also when the request that asked for it has given up (time-out, closed
/// connection), so abandoned work still counts against the bound.
pub async fn run<T, F>(work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let permit = tokio::time::timeout(WAIT_FOR_SLOT, SLOTS.clone().acquire_owned())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| {
            ApiError::unavailable(
                "busy",
                "the server is busy reading other documents; try again shortly",
                5,
            )
        })?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(|e| ApiError::internal(&e))
}
