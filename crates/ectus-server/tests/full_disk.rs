//! SQLite on a file system of the test's own (a 2 MiB tmpfs) filled to the last byte: writes
//! are refused with `507 storage-full` and `Retry-After` — never a 500 — reads keep working,
//! the database passes `PRAGMA integrity_check`, and writes resume once space is freed.
//! Mounting needs root, as the suite runs in CI; elsewhere this test fails saying so.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{expect_problem, TestApp};
use ectus_server::HttpSettings;
use ectus_testkit::{TestBackend, TestDb};
use serde_json::json;
use sqlx::Connection as _;

/// A small tmpfs mounted for the test, unmounted when dropped.
struct SmallFs {
    dir: PathBuf,
}

impl SmallFs {
    fn mount(dir: &Path, size: &str) -> SmallFs {
        std::fs::create_dir_all(dir).expect("mount point");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "cannot mount a tmpfs at {}: the full-disk test needs root (CI runs the suite as root)",
            dir.display()
        );
        SmallFs {
            dir: dir.to_owned(),
        }
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_with_507_keeps_the_database_whole_and_recovers() {
    let db = TestDb::new(TestBackend::Sqlite).await;
    let fs = SmallFs::mount(&db.dir.path().join("small"), "2m");
    let file = fs.dir.join("ectus.db");
    let url = format!("sqlite://{}", file.display());
    // Room to give back later: the disk is "full" until this goes.
    let ballast = fs.dir.join("ballast");
    std::fs::write(&ballast, vec![0u8; 256 * 1024]).expect("ballast");
    let app = TestApp::spawn_on(db, &url, 0, HttpSettings::default()).await;
    let t = app.tenant("t").await;
    let description = "x".repeat(2000);

    let mut created = 0usize;
    let refused = loop {
        let response = app
            .post(
                "/api/v1/projects",
                &t.member,
                &json!({"name": format!("p{created}"), "description": description}),
            )
            .await;
        match response.status().as_u16() {
            201 => created += 1,
            507 => break response,
            other => panic!(
                "only 201 until the disk is full, then 507; got {other}: {}",
                response.text().await.unwrap_or_default()
            ),
        }
        assert!(created < 10_000, "the disk never filled");
    };
    assert!(created > 0, "some writes fit");
    assert_eq!(
        refused
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("60")
    );
    let problem = expect_problem(refused, 507).await;
    assert_eq!(
        problem["type"], "urn:ectus:problem:storage-full",
        "{problem}"
    );

    let page = app.get_json("/api/v1/projects?limit=1", &t.member).await;
    assert_eq!(
        page["items"].as_array().map(Vec::len),
        Some(1),
        "reads still work"
    );

    let mut check = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .expect("open for the integrity check");
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut check)
        .await
        .expect("integrity check");
    assert_eq!(verdict, "ok");
    let _ = check.close().await;

    std::fs::remove_file(&ballast).expect("free space");
    let again = app
        .post(
            "/api/v1/projects",
            &t.member,
            &json!({"name": "after", "description": "space again"}),
        )
        .await;
    assert_eq!(again.status(), 201, "writes resume once space is freed");
    app.store.close().await;
}
