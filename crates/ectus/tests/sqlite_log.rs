//! `ectus serve` on SQLite keeps the write-ahead log bounded by itself: its periodic
//! checkpoint truncates the log to nothing after writes, which SQLite's own checkpoints never
//! do while connections stay open.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::Launcher;

fn wal_size(db: &Path) -> u64 {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(wal).map_or(0, |m| m.len())
}

async fn write_projects(client: &reqwest::Client, base: &str, key: &str, prefix: &str) {
    for i in 0..30 {
        let created = client
            .post(format!("{base}/api/v1/projects"))
            .bearer_auth(key)
            .json(&serde_json::json!({"name": format!("{prefix}-{i}"), "description": "d".repeat(1500)}))
            .send()
            .await
            .expect("send");
        assert_eq!(created.status(), 201);
    }
}

/// Waits until the log is empty, at most `within`.
async fn until_truncated(db: &Path, within: Duration) {
    let started = Instant::now();
    while wal_size(db) != 0 {
        assert!(
            started.elapsed() < within,
            "the write-ahead log still holds {} bytes after {within:?}",
            wal_size(db)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_checkpoints_and_truncates_the_sqlite_write_ahead_log_by_itself() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("ectus.db");
    let served = Launcher::serve()
        .dir(dir.path())
        .database_url(&format!("sqlite://{}", db.display()))
        .workers(0)
        .env("ECTUS_DATABASE__WAL_CHECKPOINT_INTERVAL", "300ms")
        .env("ECTUS_LOG__LEVEL", "warn")
        .start()
        .await;
    let client = reqwest::Client::new();
    for round in ["first", "second"] {
        write_projects(&client, &served.base, &served.key, round).await;
        until_truncated(&db, Duration::from_secs(30)).await;
    }
    let listed: serde_json::Value = client
        .get(format!("{}/api/v1/projects?limit=100", served.base))
        .bearer_auth(&served.key)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(60));
}
