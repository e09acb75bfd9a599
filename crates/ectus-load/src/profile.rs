//! The load profile of the platform's operations plan — six stages, from a warm-up of 5
//! users to a spike of 100 — and its scaled versions, as a goose test plan.

use std::fmt::Write as _;
use std::time::Duration;

/// One stage: the users it runs with and how long it lasts. The first part of a stage
/// (`ramp`) moves the user count from the previous stage's to this one's; the rest holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stage {
    pub name: &'static str,
    pub users: usize,
    pub duration: Duration,
    /// Whether the whole stage is the ramp (users change linearly over all of it).
    pub ramps_throughout: bool,
}

const fn minutes(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

/// Warm-up 5 users 1 min, ramp to 20 users 3 min, peak 50 users 5 min, spike 100 users
/// 2 min, sustained 50 users 3 min, ramp-down 2 min: 16 minutes in all.
pub const STAGES: [Stage; 6] = [
    Stage {
        name: "warm-up",
        users: 5,
        duration: minutes(1),
        ramps_throughout: false,
    },
    Stage {
        name: "ramp-up",
        users: 20,
        duration: minutes(3),
        ramps_throughout: true,
    },
    Stage {
        name: "peak",
        users: 50,
        duration: minutes(5),
        ramps_throughout: false,
    },
    Stage {
        name: "spike",
        users: 100,
        duration: minutes(2),
        ramps_throughout: false,
    },
    Stage {
        name: "sustained",
        users: 50,
        duration: minutes(3),
        ramps_throughout: false,
    },
    Stage {
        name: "ramp-down",
        users: 0,
        duration: minutes(2),
        ramps_throughout: true,
    },
];

/// The share of a held stage spent reaching its user count.
const RAMP_SHARE: f64 = 1.0 / 12.0;

/// The profile `STAGES` with every duration multiplied by `scale` (in `(0, 1]`; 1 is the
/// full profile), as milliseconds per step.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// (users at the end of the step, the step's length)
    pub steps: Vec<(usize, Duration)>,
}

impl Profile {
    /// Refuses a scale outside `(0, 1]`. Steps are whole seconds (at least one), as goose
    /// runs them, so a tiny scale still runs every stage.
    pub fn scaled(scale: f64) -> anyhow::Result<Profile> {
        if !(scale > 0.0 && scale <= 1.0) {
            anyhow::bail!("--scale must be above 0 and at most 1 (1 is the full 16-minute profile), not {scale}");
        }
        let mut steps = Vec::new();
        for stage in STAGES {
            let length = stage.duration.mul_f64(scale);
            if stage.ramps_throughout {
                steps.push((stage.users, whole_seconds(length)));
            } else {
                let ramp = length.mul_f64(RAMP_SHARE);
                steps.push((stage.users, whole_seconds(ramp)));
                steps.push((stage.users, whole_seconds(length - ramp)));
            }
        }
        Ok(Profile { steps })
    }

    /// A soak: `users` users held for `duration` after a ramp of 10 seconds.
    pub fn soak(users: usize, duration: Duration) -> anyhow::Result<Profile> {
        let ramp = Duration::from_secs(10);
        if users == 0 || duration <= ramp {
            anyhow::bail!("a soak needs at least one user and more than 10 seconds");
        }
        Ok(Profile {
            steps: vec![
                (users, ramp),
                (users, duration - ramp),
                (0, Duration::from_secs(1)),
            ],
        })
    }

    /// How long the whole profile runs.
    pub fn duration(&self) -> Duration {
        self.steps.iter().map(|(_, d)| *d).sum()
    }

    /// The most users at once.
    pub fn peak_users(&self) -> usize {
        self.steps.iter().map(|(u, _)| *u).max().unwrap_or(0)
    }

    /// The goose `--test-plan` of this profile: `users,duration` steps separated by `;`,
    /// durations in whole milliseconds as goose reads them (`1m30s`, `250ms` are not mixed).
    pub fn test_plan(&self) -> String {
        let mut plan = String::new();
        for (i, (users, length)) in self.steps.iter().enumerate() {
            if i > 0 {
                plan.push(';');
            }
            let _ = write!(plan, "{users},{}", goose_span(*length));
        }
        plan
    }
}

/// `length` rounded to the nearest whole second, at least one.
fn whole_seconds(length: Duration) -> Duration {
    Duration::from_secs(length.as_secs_f64().round().max(1.0) as u64)
}

/// A duration as goose's time spans write it: hours, minutes and seconds.
fn goose_span(length: Duration) -> String {
    let seconds = whole_seconds(length).as_secs();
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut out = String::new();
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if m > 0 {
        let _ = write!(out, "{m}m");
    }
    if s > 0 || out.is_empty() {
        let _ = write!(out, "{s}s");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_profile_is_the_six_stages_of_sixteen_minutes() {
        let full = Profile::scaled(1.0).expect("full");
        assert_eq!(full.duration(), Duration::from_secs(16 * 60));
        assert_eq!(full.peak_users(), 100);
        assert_eq!(
            full.test_plan(),
            "5,5s;5,55s;20,3m;50,25s;50,4m35s;100,10s;100,1m50s;50,15s;50,2m45s;0,2m"
        );
    }

    #[test]
    fn a_scaled_profile_keeps_the_shape_and_refuses_nonsense() {
        let scaled = Profile::scaled(1.0 / 16.0).expect("scaled");
        let seconds = scaled.duration().as_secs();
        assert!((55..=65).contains(&seconds), "{seconds} s");
        assert_eq!(scaled.steps.len(), 10);
        assert_eq!(scaled.peak_users(), 100);
        let tiny = Profile::scaled(0.0001).expect("tiny");
        assert!(tiny.steps.iter().all(|(_, d)| *d == Duration::from_secs(1)));
        for bad in [0.0, -1.0, 1.5, f64::NAN] {
            assert!(Profile::scaled(bad).is_err(), "{bad}");
        }
    }
}
