//! SQLite's write-ahead log stays bounded: a reader that keeps an old snapshot open lets the
//! log grow while writes go on, and once it lets go, the store's checkpoint copies the log
//! into the database and truncates it; the per-connection size limit cuts a reset log back.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use ectus_store::audit::Acting;
use ectus_store::{Store, StoreOptions};
use ectus_testkit::{TestBackend, TestDb};
use sqlx::Connection;

fn wal_of(db: &TestDb) -> PathBuf {
    db.dir.path().join("ectus.db-wal")
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

async fn sqlite_store(limit: u64) -> (Store, TestDb) {
    let db = TestDb::new(TestBackend::Sqlite).await;
    let options = StoreOptions {
        wal_size_limit: limit,
        ..StoreOptions::default()
    };
    let store = Store::connect(&db.url, &options).await.expect("connect");
    store.migrate().await.expect("migrate");
    (store, db)
}

/// A reader outside the store holding a snapshot from before the writes: no checkpoint can
/// reset the log while it reads.
async fn hold_snapshot(url: &str) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    let mut reader = sqlx::AnyConnection::connect(url).await.expect("reader");
    sqlx::query("BEGIN")
        .execute(&mut reader)
        .await
        .expect("begin");
    sqlx::query("SELECT COUNT(*) FROM projects")
        .fetch_one(&mut reader)
        .await
        .expect("read");
    reader
}

/// Writes `count` projects of about 8 KiB each, named `{prefix}-{i}`.
async fn write_projects(store: &Store, tenant_id: &str, prefix: &str, count: usize) {
    let description = "d".repeat(8 * 1024);
    for i in 0..count {
        store
            .create_project(tenant_id, &format!("{prefix}-{i}"), &description)
            .await
            .expect("create project");
    }
}

#[tokio::test]
async fn a_checkpoint_after_a_long_reader_truncates_the_log_and_keeps_every_row() {
    let (store, db) = sqlite_store(64 * 1024 * 1024).await;
    let tenant = store
        .create_tenant("acme", &Acting::platform())
        .await
        .expect("tenant");
    let mut reader = hold_snapshot(&db.url).await;
    write_projects(&store, &tenant.id, "before", 600).await;
    let grown = size(&wal_of(&db));
    assert!(
        grown > 4 * 1024 * 1024,
        "the log grows while the reader holds its snapshot: {grown} bytes"
    );
    // While the reader still reads, the checkpoint cannot finish and says so.
    let blocked = store
        .checkpoint_wal(Duration::from_millis(50))
        .await
        .expect("checkpoint")
        .expect("sqlite");
    assert!(blocked.busy, "{blocked:?}");
    sqlx::query("COMMIT")
        .execute(&mut reader)
        .await
        .expect("end");
    reader.close().await.expect("close");

    let done = store
        .checkpoint_wal(Duration::from_secs(2))
        .await
        .expect("checkpoint")
        .expect("sqlite");
    assert!(!done.busy, "{done:?}");
    assert_eq!(size(&wal_of(&db)), 0, "the log is truncated");
    // Writes carry on after it, and every row is there (read by a connection of its own,
    // from the database file alone).
    write_projects(&store, &tenant.id, "after", 5).await;
    let raw = common::raw_pool(&db.url).await;
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM projects")
        .fetch_one(&raw)
        .await
        .expect("count");
    assert_eq!(rows, 605);
}

#[tokio::test]
async fn the_size_limit_cuts_back_a_log_that_was_reset_without_a_checkpoint_of_ours() {
    let limit = 256 * 1024;
    let (store, db) = sqlite_store(limit).await;
    let tenant = store
        .create_tenant("acme", &Acting::platform())
        .await
        .expect("tenant");
    let mut reader = hold_snapshot(&db.url).await;
    write_projects(&store, &tenant.id, "before", 300).await;
    assert!(size(&wal_of(&db)) > 2 * 1024 * 1024);
    sqlx::query("COMMIT")
        .execute(&mut reader)
        .await
        .expect("end");
    reader.close().await.expect("close");
    // SQLite's own checkpoints (every 1,000 pages, at commit) catch up and reset the log;
    // the next writer then truncates it to the limit.
    write_projects(&store, &tenant.id, "after", 300).await;
    let after = size(&wal_of(&db));
    assert!(
        after <= limit + 1024 * 1024,
        "the log was cut back towards {limit} bytes: {after}"
    );
}

#[tokio::test]
async fn postgres_has_no_log_to_checkpoint() {
    let (store, _db) = common::store(TestBackend::Postgres).await;
    assert_eq!(
        store
            .checkpoint_wal(Duration::from_millis(10))
            .await
            .expect("no-op"),
        None
    );
}
