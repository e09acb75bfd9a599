//! Wall-clock time as stored in the database: [`Timestamp`], Unix epoch milliseconds, UTC.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A moment in time, stored as Unix epoch milliseconds (UTC) in a `BIGINT` column on both
/// backends. Serialises as that number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Timestamp {
        Timestamp(chrono::Utc::now().timestamp_millis())
    }

    pub const fn from_millis(millis: i64) -> Timestamp {
        Timestamp(millis)
    }

    /// Unix epoch milliseconds, as stored.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// `duration` later (saturating).
    pub fn after(self, duration: Duration) -> Timestamp {
        Timestamp(
            self.0
                .saturating_add(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)),
        )
    }

    /// `duration` earlier (saturating).
    pub fn before(self, duration: Duration) -> Timestamp {
        Timestamp(
            self.0
                .saturating_sub(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)),
        )
    }

    /// How long after `earlier` this is (zero when it is not later).
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(u64::try_from(self.0.saturating_sub(earlier.0)).unwrap_or(0))
    }

    /// RFC 3339 with millisecond precision in UTC, e.g. `2026-11-27T10:00:00.000Z`.
    pub fn to_rfc3339(self) -> String {
        chrono::DateTime::<chrono::Utc>::from_timestamp_millis(self.0)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    /// Seconds since the Unix epoch, as a float (for gauges).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// The current time in Unix epoch milliseconds, for query parameters.
pub(crate) fn now_ms() -> i64 {
    Timestamp::now().as_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_and_formats_in_utc() {
        let t = Timestamp::from_millis(1_000);
        assert_eq!(t.after(Duration::from_secs(1)).as_millis(), 2_000);
        assert_eq!(t.before(Duration::from_secs(2)).as_millis(), -1_000);
        assert_eq!(
            Timestamp::from_millis(i64::MAX)
                .after(Duration::from_secs(1))
                .as_millis(),
            i64::MAX
        );
        assert_eq!(
            t.since(Timestamp::from_millis(5_000)),
            Duration::from_millis(0)
        );
        assert_eq!(
            Timestamp::from_millis(0).to_rfc3339(),
            "1970-01-01T00:00:00.000Z"
        );
    }
}
