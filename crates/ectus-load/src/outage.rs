//! A database outage in the middle of a run: when it starts and how long it lasts, the switch
//! that causes it (the caller's — a fault proxy in front of the database), and what the run
//! must show: nothing refused before the cut, only `503` problems with `Retry-After` while it
//! lasts (any other answer stays an error), and service back within [`RECOVERY`] of the
//! database's return.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

/// How soon after the database returns the last refusal may come.
pub const RECOVERY: Duration = Duration::from_secs(10);

/// Cuts the database off (`true`) or lets it through again (`false`).
pub type Switch = Arc<dyn Fn(bool) + Send + Sync>;

/// When, counted from the start of the load, the database is cut off, and for how long.
#[derive(Clone)]
pub struct Outage {
    pub after: Duration,
    pub length: Duration,
    pub switch: Switch,
}

impl std::fmt::Debug for Outage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outage")
            .field("after", &self.after)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

/// When the outage happened, as offsets from the start of the load.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub cut: Duration,
    pub healed: Duration,
}

impl Outage {
    /// Cuts and heals on schedule, counted from `start`; returns when the database is back.
    pub async fn run(&self, start: Instant) -> Window {
        tokio::time::sleep_until((start + self.after).into()).await;
        (self.switch)(true);
        let cut = start.elapsed();
        tokio::time::sleep(self.length).await;
        (self.switch)(false);
        Window {
            cut,
            healed: start.elapsed(),
        }
    }
}

/// What the run showed of the outage.
#[derive(Debug, Clone, Serialize)]
pub struct OutageReport {
    pub cut_at_seconds: f64,
    pub healed_at_seconds: f64,
    /// Answers `503` with `Retry-After` (problem+json) — the only refusal tolerated.
    pub refusals: u64,
    /// Refusals answered before the cut: the database was not the cause.
    pub refused_before_cut: u64,
    /// From the database's return to the last refusal (0 when none came after it).
    pub recovery_seconds: f64,
}

impl OutageReport {
    /// Accounts for the refusals, each given as its offset from the start of the load.
    pub fn of(window: Window, refusals: &[Duration]) -> OutageReport {
        let last = refusals.iter().max().copied().unwrap_or_default();
        OutageReport {
            cut_at_seconds: window.cut.as_secs_f64(),
            healed_at_seconds: window.healed.as_secs_f64(),
            refusals: refusals.len() as u64,
            refused_before_cut: refusals.iter().filter(|at| **at < window.cut).count() as u64,
            recovery_seconds: last.saturating_sub(window.healed).as_secs_f64(),
        }
    }

    /// What the outage did wrong, one line each.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.refusals == 0 {
            out.push("the database outage refused no request: it did not take place".into());
        }
        if self.refused_before_cut > 0 {
            out.push(format!(
                "{} requests were refused before the database was cut off",
                self.refused_before_cut
            ));
        }
        if self.recovery_seconds > RECOVERY.as_secs_f64() {
            out.push(format!(
                "requests were still refused {:.1} s after the database returned (limit {} s)",
                self.recovery_seconds,
                RECOVERY.as_secs()
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(seconds: f64) -> Duration {
        Duration::from_secs_f64(seconds)
    }

    #[test]
    fn refusals_are_judged_against_the_window() {
        let window = Window {
            cut: s(10.0),
            healed: s(20.0),
        };
        let fine = OutageReport::of(window, &[s(10.5), s(19.0), s(24.0)]);
        assert!(fine.failures().is_empty(), "{:?}", fine.failures());
        assert!((fine.recovery_seconds - 4.0).abs() < 1e-9);
        let early = OutageReport::of(window, &[s(9.0), s(12.0)]);
        assert_eq!(early.refused_before_cut, 1);
        assert_eq!(early.failures().len(), 1);
        let slow = OutageReport::of(window, &[s(12.0), s(31.0)]);
        assert!(
            slow.failures()[0].contains("11.0 s after"),
            "{:?}",
            slow.failures()
        );
        let unfelt = OutageReport::of(window, &[]);
        assert!(unfelt.failures()[0].contains("did not take place"));
    }
}
