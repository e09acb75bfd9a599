//! Wall-clock time as stored in the database: Unix epoch milliseconds, UTC.

/// The current time in Unix epoch milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
