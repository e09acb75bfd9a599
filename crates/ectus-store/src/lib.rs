//! Persistence for the Ectus-R platform.
//!
//! One [`Store`] serves both backends: an embedded SQLite file (the default) and PostgreSQL
//! (for several replicas and worker processes). Queries are written once in the SQL subset
//! both engines share and run through sqlx's `Any` driver; the few places where the engines
//! must differ (the job claim) branch on [`Backend`]. Each backend has its own migration
//! directory, applied by [`Store::migrate`].
//!
//! Every query that touches tenant data takes the tenant id and filters on it, so callers
//! cannot forget tenant scoping: there is no "get by id" without a tenant.
//!
//! What the store hands out speaks the domain: states and roles are enums stored as text
//! (one macro, `text_enum`), times are [`Timestamp`]s, JSON documents are values, flags are
//! `bool`s, and a missing record is [`StoreError::NotFound`] naming its [`Resource`]. Each
//! module reads rows into a private row struct and converts it.

mod clock;
mod db;
mod error;
mod key_cache;
mod sql;
mod text_enum;

pub mod api_keys;
pub mod audit;
pub mod deletion;
pub mod exports;
pub mod generations;
pub mod incidents;
pub mod instance;
pub mod jobs;
pub mod projects;
pub mod retention;
pub mod tenants;
pub mod transfer;

pub use clock::Timestamp;
pub use db::{
    migrator_for, redact_url, Backend, PlatformCounts, SchemaStatus, Store, StoreOptions,
    WalCheckpoint,
};
pub use error::{Resource, Result, StoreError, Unavailable};

/// A page of results from a list query with keyset (cursor) pagination.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Opaque cursor for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// SHA-256 of `bytes` as lowercase hex (key hashes, artifact checksums).
pub(crate) use ectus_archive::sha256_hex;

/// Generates a new time-ordered identifier (UUID v7) as used for every row id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
