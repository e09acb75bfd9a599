//! The one table of dependency versions used by every generated project.
//!
//! Versions are exact (`=x.y.z`) so that a generated project builds the same way tomorrow;
//! `Cargo.lock`, produced by the QA fetch phase, pins the transitive graph too.

/// (crate, version) pairs rendered into generated `Cargo.toml` files.
pub const VERSIONS: &[(&str, &str)] = &[
    ("argon2", "0.5.3"),
    ("axum", "0.8.6"),
    ("chrono", "0.4.42"),
    ("http-body-util", "0.1.5"),
    ("jsonwebtoken", "9.3.1"),
    ("opentelemetry", "0.33.1"),
    ("opentelemetry-http", "0.33.1"),
    ("opentelemetry-otlp", "0.33.1"),
    ("opentelemetry_sdk", "0.33.1"),
    ("prometheus-client", "0.23.1"),
    ("serde", "1.0.228"),
    ("serde_json", "1.0.145"),
    ("sha2", "0.10.9"),
    ("sqlx", "0.8.6"),
    ("tokio", "1.47.1"),
    ("tower", "0.5.2"),
    ("tower-http", "0.6.11"),
    ("tracing", "0.1.44"),
    ("tracing-opentelemetry", "0.34.0"),
    ("tracing-subscriber", "0.3.23"),
    ("uuid", "1.18.1"),
];

/// The pinned version of `name`.
pub fn version(name: &str) -> &'static str {
    VERSIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .unwrap_or("*")
}

/// The table as a map for templates: `versions["axum"]`.
pub fn as_map() -> std::collections::BTreeMap<&'static str, &'static str> {
    VERSIONS.iter().copied().collect()
}
