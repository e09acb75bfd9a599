//! Crash points: named places in job processing where the fault tests kill the process
//! (`SIGKILL`, as `kill -9` would) to prove that nothing is lost or left stuck.
//!
//! The points are [`fail`] fail points, so they compile to nothing unless the `fail` crate's
//! `failpoints` feature is on — it is in the test build (a dev-dependency of the `ectus`
//! crate turns it on) and never in a release build. A test picks one point for a process
//! with `ECTUS_CRASH_AT=<point>` or `ECTUS_CRASH_AT=<point>@<n>` (the n-th time the process
//! passes it). [`POINTS`] lists every point with where it sits; `docs/testing.md` has the
//! matrix that uses them.

use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable that arms one crash point.
pub const ENV: &str = "ECTUS_CRASH_AT";

/// Every crash point, with where it sits.
pub const POINTS: &[(&str, &str)] = &[
    (
        "job.claimed",
        "a worker holds a new lease; the handler has not started",
    ),
    ("job.renewing", "a lease renewal is about to be written"),
    ("job.renewed", "a lease renewal was written"),
    ("job.cancel-seen", "a renewal found a cancellation request"),
    (
        "job.handler-returned",
        "the handler finished; its outcome is not recorded",
    ),
    ("job.completed", "the job's success is recorded"),
    (
        "job.failure-recorded",
        "a failed attempt is recorded (queued again or failed)",
    ),
    ("sleep.step", "a sleep job reported one step"),
    ("generate.started", "the generation is marked running"),
    (
        "generate.file-written",
        "one more file of the project is on disk",
    ),
    ("generate.written", "every file of the project is on disk"),
    ("generate.locked", "the project's lock file is resolved"),
    (
        "generate.packaged",
        "the artifact is built in memory; not stored",
    ),
    (
        "generate.recorded",
        "the generation's outcome and artifact are stored; the job is not complete",
    ),
    (
        "export.staged",
        "the staging directory exists; nothing is read",
    ),
    (
        "export.table-written",
        "one more table is in the archive being written",
    ),
    (
        "export.archived",
        "the archive file is complete; nothing is stored",
    ),
    (
        "export.chunk-inserted",
        "a chunk is inserted in an open transaction",
    ),
    (
        "export.chunks-stored",
        "every chunk is stored; the job is not complete",
    ),
];

/// Arms the point named by [`ENV`], when fail points are compiled in; does nothing otherwise
/// (the variable is not even read). An unknown point or a malformed count is refused with a
/// message, so a misspelt test fails at once instead of waiting for a crash that never comes.
pub fn arm_from_env() -> Result<(), String> {
    if !fail::has_failpoints() {
        return Ok(());
    }
    let Ok(spec) = std::env::var(ENV) else {
        return Ok(());
    };
    let (point, nth) = match spec.split_once('@') {
        Some((point, n)) => (
            point,
            n.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{ENV}={spec}: the count after @ must be 1 or more"))?,
        ),
        None => (spec.as_str(), 1),
    };
    if !POINTS.iter().any(|(name, _)| *name == point) {
        return Err(format!("{ENV}={spec}: no crash point {point:?}"));
    }
    let passes = AtomicU64::new(0);
    fail::cfg_callback(point, move || {
        if passes.fetch_add(1, Ordering::SeqCst) + 1 == nth {
            kill_self();
        }
    })
}

/// Ends the process at once, as `kill -9` does: no destructors, no flushing, no clean-up.
fn kill_self() {
    // SAFETY: kill(2) with our own pid and a valid signal has no memory effects.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    std::process::abort();
}
