//! Handlers, one module per resource.

pub mod generations;
pub mod health;
pub mod jobs;
pub mod me;
pub mod projects;
pub mod spec;

/// Formats epoch milliseconds as RFC 3339 UTC.
pub(crate) fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
