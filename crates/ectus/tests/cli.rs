//! The real `ectus` binary: start-up, configuration errors, administration, process kills and
//! graceful shutdown, against real databases.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{ectus, free_port, on_database, run, store_for, text, Ectus, Launcher};
use ectus_store::audit::Acting;
use ectus_store::jobs::{JobState, NewJob};
use ectus_testkit::{backend_tests, TestBackend, TestDb};

/// `ectus serve` in `dir` on `url` with `workers` in-process workers.
async fn serve(dir: &Path, url: &str, workers: usize) -> Ectus {
    Launcher::serve()
        .dir(dir)
        .database_url(url)
        .workers(workers)
        .env("ECTUS_WORKERS__POLL_INTERVAL", "50ms")
        .env("ECTUS_SERVER__SHUTDOWN_GRACE", "5s")
        .start()
        .await
}

async fn first_start_writes_a_private_admin_key_that_never_reaches_the_logs(backend: TestBackend) {
    let db = TestDb::new(backend).await;
    let dir = db.dir.path();
    let served = serve(dir, &db.url, 0).await;
    let key_file = dir.join(".ectus/admin-key");
    let key = std::fs::read_to_string(&key_file)
        .expect("key file")
        .trim()
        .to_owned();
    assert!(key.starts_with("ek_"), "{key}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        if backend == TestBackend::Sqlite {
            // The database and its write-ahead log hold every tenant's data: owner-only.
            for file in ["ectus.db", "ectus.db-wal", "ectus.db-shm"] {
                let mode = std::fs::metadata(dir.join(file))
                    .unwrap_or_else(|e| panic!("{file}: {e}"))
                    .permissions()
                    .mode()
                    & 0o777;
                assert_eq!(mode, 0o600, "{file}");
            }
        }
    }
    let client = reqwest::Client::new();
    let me: serde_json::Value = client
        .get(format!("{}/api/v1/me", served.base))
        .bearer_auth(&key)
        .header("x-request-id", "planted")
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (me["tenant_name"].as_str(), me["role"].as_str()),
        (Some("default"), Some("admin"))
    );
    // A second start on the same database does not make another key.
    drop(served);
    let again = serve(dir, &db.url, 0).await;
    assert_eq!(
        std::fs::read_to_string(&key_file).expect("key file").trim(),
        key
    );
    let output = again.output();
    let first_output = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("serve-"))
        .map(|e| text(&std::fs::read(e.path()).unwrap_or_default()))
        .collect::<String>();
    assert!(
        first_output.contains("admin-key"),
        "the log says where the key is: {first_output}"
    );
    assert!(
        !first_output.contains(&key) && !output.contains(&key),
        "the key leaked into the log stream"
    );
    assert!(!first_output.contains(&key[14..]));
}

async fn a_killed_worker_process_job_is_rerun_after_its_lease_expires(backend: TestBackend) {
    let db = TestDb::new(backend).await;
    let store = store_for(&db.url).await;
    let tenant = store
        .create_tenant("t", &Acting::operator())
        .await
        .expect("tenant");
    let job = store
        .enqueue_job(
            &tenant.id,
            &NewJob {
                kind: "sleep".into(),
                payload: serde_json::json!({"duration_ms": 3000, "steps": 30}),
                max_attempts: 3,
            },
        )
        .await
        .expect("enqueue");
    let worker = || {
        Launcher::worker()
            .dir(db.dir.path())
            .database_url(&db.url)
            .workers(1)
            .env("ECTUS_WORKERS__LEASE", "2s")
            .env("ECTUS_WORKERS__POLL_INTERVAL", "50ms")
            .start()
    };
    let mut first = worker().await;
    let pid = first.child.id().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let j = store.get_job(&tenant.id, &job.id).await.expect("job");
        if j.progress_percent > 0
            && j.lease_owner
                .as_deref()
                .is_some_and(|o| o.contains(&format!("/{pid}/")))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "first worker never ran the job: {j:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.signal(libc::SIGKILL);
    first.child.wait().expect("reap");
    let orphaned = store.get_job(&tenant.id, &job.id).await.expect("job");
    assert_eq!(
        orphaned.state,
        JobState::Running,
        "the killed worker could not clean up"
    );
    let mut second = worker().await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        let j = store.get_job(&tenant.id, &job.id).await.expect("job");
        if j.state != JobState::Running && j.state != JobState::Queued {
            break j;
        }
        assert!(Instant::now() < deadline, "job was never re-run: {j:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    second.signal(libc::SIGTERM);
    assert!(second.wait_exit(Duration::from_secs(30)).success());
    assert_eq!(done.state, JobState::Succeeded, "{done:?}");
    assert_eq!(done.attempts, 2);
    assert!(!done
        .lease_owner
        .unwrap_or_default()
        .contains(&format!("/{pid}/")));
}

async fn sigterm_ends_streams_releases_jobs_and_exits_cleanly(backend: TestBackend) {
    let db = TestDb::new(backend).await;
    let dir = db.dir.path();
    let mut served = serve(dir, &db.url, 1).await;
    let key = served.key.clone();
    let client = reqwest::Client::new();
    let job: serde_json::Value = client
        .post(format!("{}/api/v1/jobs", served.base))
        .bearer_auth(&key)
        .json(&serde_json::json!({"kind": "sleep", "payload": {"duration_ms": 600000, "steps": 1000}}))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let id = job["id"].as_str().expect("id").to_owned();
    let store = store_for(&db.url).await;
    let tenant = store.tenant_by_name("default").await.expect("tenant");
    let deadline = Instant::now() + Duration::from_secs(30);
    while store
        .get_job(&tenant.id, &id)
        .await
        .expect("job")
        .progress_percent
        == 0
    {
        assert!(Instant::now() < deadline, "job never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stream = client
        .get(format!("{}/api/v1/jobs/{id}/events", served.base))
        .bearer_auth(&key)
        .send()
        .await
        .expect("open event stream");
    assert_eq!(stream.status(), 200);
    let reading = tokio::spawn(async move { stream.text().await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    served.signal(libc::SIGTERM);
    let status = served.wait_exit(Duration::from_secs(30));
    assert!(
        status.success(),
        "exit status {status:?}; output: {}",
        served.output()
    );
    let body = tokio::time::timeout(Duration::from_secs(5), reading)
        .await
        .expect("stream ended")
        .expect("join");
    assert!(body.is_ok_and(|b| b.contains("event: job")));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "shutdown took {:?}",
        started.elapsed()
    );
    let job = store.get_job(&tenant.id, &id).await.expect("job");
    assert_eq!(
        job.state,
        JobState::Queued,
        "a job interrupted by shutdown goes back to the queue: {job:?}"
    );
    assert!(job.lease_owner.is_none());
    let running: i64 = store
        .queue_depth()
        .await
        .expect("depth")
        .iter()
        .filter(|d| d.state == JobState::Running)
        .map(|d| d.count)
        .sum();
    assert_eq!(running, 0);
}

async fn migrate_command_is_idempotent(backend: TestBackend) {
    let db = TestDb::new(backend).await;
    let first = run(ectus(db.dir.path()).args(["migrate", "--database-url", &db.url]));
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout).contains("migrated schema from empty"),
        "{}",
        text(&first.stdout)
    );
    let second = run(ectus(db.dir.path()).args(["migrate", "--database-url", &db.url]));
    assert!(second.status.success());
    assert!(
        text(&second.stdout).contains("schema is current"),
        "{}",
        text(&second.stdout)
    );
}

async fn admin_commands_manage_tenants_and_keys(backend: TestBackend) {
    let db = TestDb::new(backend).await;
    let dir = db.dir.path();
    let admin = |args: &[&str]| on_database(dir, &db.url, &[&["admin"], args].concat());
    let created = admin(&["tenant", "create", "acme"]);
    assert!(created.status.success(), "{}", text(&created.stderr));
    let duplicate = admin(&["tenant", "create", "acme"]);
    assert!(!duplicate.status.success());
    assert!(text(&duplicate.stderr).contains("already exists"));
    let key = admin(&[
        "key",
        "create",
        "--tenant",
        "acme",
        "--name",
        "ci",
        "--expires-in",
        "30d",
    ]);
    assert!(key.status.success(), "{}", text(&key.stderr));
    let plaintext = text(&key.stdout).trim().to_owned();
    assert!(
        plaintext.starts_with("ek_") && !plaintext.contains('\n'),
        "only the key on stdout: {plaintext}"
    );
    let prefix = &plaintext[3..13];
    let list = admin(&["key", "list", "--tenant", "acme"]);
    let listing = text(&list.stdout);
    assert!(
        listing.contains(prefix) && listing.contains("member") && !listing.contains(&plaintext),
        "{listing}"
    );
    let store = store_for(&db.url).await;
    assert!(store.authenticate(&plaintext).await.expect("auth").is_ok());
    let revoked = admin(&["key", "revoke", prefix]);
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    assert!(store.authenticate(&plaintext).await.expect("auth").is_err());
    for (args, expected) in [
        (
            vec!["key", "revoke", "nosuchkey0"],
            "no API key with prefix",
        ),
        (vec!["key", "list", "--tenant", "nobody"], "no tenant named"),
        (
            vec!["key", "create", "--tenant", "acme", "--role", "root"],
            "is not a role",
        ),
        (
            vec!["key", "create", "--tenant", "acme", "--expires-in", "soon"],
            "is not a duration",
        ),
        (
            vec!["tenant", "create", "evil\nID  CREATED  forged"],
            "must not contain control characters",
        ),
        (
            vec!["key", "create", "--tenant", "acme", "--name", "a\u{1b}[2Jb"],
            "must not contain control characters",
        ),
    ] {
        let out = admin(&args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            text(&out.stderr).contains(expected),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    // The tenant, the key and its revocation are in the audit log, whose chain holds.
    let audit = |args: &[&str]| {
        run(ectus(dir)
            .arg("audit")
            .args(["--database-url", &db.url])
            .args(args))
    };
    let listed = audit(&["list", "--tenant", "acme"]);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let lines: Vec<String> = text(&listed.stdout).lines().map(str::to_owned).collect();
    let actions: Vec<&str> = lines.iter().filter_map(|l| l.split('\t').nth(3)).collect();
    assert_eq!(
        actions,
        ["tenant_created", "key_created", "key_revoked"],
        "{lines:?}"
    );
    assert!(
        lines.iter().all(|l| l.contains("\toperator\t")),
        "{lines:?}"
    );
    let verified = audit(&["verify"]);
    assert!(verified.status.success(), "{}", text(&verified.stderr));
    let said = text(&verified.stdout);
    assert!(
        said.starts_with("audit log intact: 3 entries, head 3:"),
        "{said}"
    );
    let head = said.trim().rsplit(' ').next().expect("head").to_owned();
    let anchored = audit(&["verify", "--anchor", &head]);
    assert!(anchored.status.success(), "{}", text(&anchored.stdout));
    // An anchor the log no longer holds, past its head: cut off.
    let beyond = audit(&["verify", "--anchor", &format!("9:{}", "ab".repeat(32))]);
    assert_eq!(beyond.status.code(), Some(1));
    assert!(
        text(&beyond.stdout)
            .contains("the log was cut off: it ends at entry 3, the anchored head is entry 9"),
        "{}",
        text(&beyond.stdout)
    );
    let malformed = audit(&["verify", "--anchor", "nine"]);
    assert!(!malformed.status.success());
    assert!(
        text(&malformed.stderr).contains("--anchor"),
        "{}",
        text(&malformed.stderr)
    );
}

backend_tests!(
    first_start_writes_a_private_admin_key_that_never_reaches_the_logs,
    a_killed_worker_process_job_is_rerun_after_its_lease_expires,
    sigterm_ends_streams_releases_jobs_and_exits_cleanly,
    migrate_command_is_idempotent,
    admin_commands_manage_tenants_and_keys,
    retention_run_counts_in_a_dry_run_and_applies_the_configured_policies,
    export_and_import_move_a_tenant_and_refuse_what_would_conflict,
    a_tenant_deleted_at_the_command_line_is_purged_with_its_report,
    decommission_exports_verifies_purges_and_reports_every_step,
);

#[test]
fn unreachable_database_stops_start_up_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let out = run(ectus(dir.path())
        .args([
            "serve",
            "--database-url",
            &format!("postgres://ectus:hunter2@127.0.0.1:{port}/ectus"),
        ])
        .env("ECTUS_DATABASE__ACQUIRE_TIMEOUT", "2s"));
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cannot connect to the database at postgres://ectus:***@127.0.0.1"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
    for url in [
        format!("postgres://ectus@127.0.0.1:{port}/ectus?password=hunter2"),
        format!("postgres://ectus@127.0.0.1:{port}/ectus?sslmode=require&sslpassword=hunter2"),
    ] {
        let out = run(ectus(dir.path())
            .args(["serve", "--database-url", &url])
            .env("ECTUS_DATABASE__ACQUIRE_TIMEOUT", "1s"));
        assert!(!out.status.success());
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("hunter2"), "{url}: {stderr}");
        assert!(stderr.contains("=***"), "{url}: {stderr}");
        let printed =
            run(ectus(dir.path()).args(["serve", "--print-config", "--database-url", &url]));
        assert!(!text(&printed.stdout).contains("hunter2"), "{url}");
        assert!(text(&printed.stdout).contains("=***"), "{url}");
    }
    let out = run(ectus(dir.path()).args(["serve", "--database-url", "mysql://x/y"]));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("database.url"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn configuration_errors_name_the_key_the_value_and_what_is_allowed() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("ectus.toml"),
        "[server]\nlisen = \"0.0.0.0:80\"\n",
    )
    .expect("write");
    let out = run(ectus(dir.path()).args(["serve", "--print-config"]));
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("lisen") && stderr.contains("listen") && stderr.contains("ectus.toml"),
        "{stderr}"
    );

    std::fs::write(dir.path().join("ectus.toml"), "").expect("write");
    let out = run(ectus(dir.path())
        .args(["serve", "--print-config"])
        .env("ECTUS_WORKERS__COUNT", "many"));
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("workers.count") && stderr.contains("many"),
        "{stderr}"
    );

    let out = run(ectus(dir.path()).args(["serve", "--print-config", "--listen", "localhost"]));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("server.listen = \"localhost\""),
        "{}",
        text(&out.stderr)
    );

    let out = run(ectus(dir.path()).args(["--config", "missing.toml", "serve"]));
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("missing.toml"));
}

#[test]
fn configuration_layers_apply_in_order_and_secrets_are_masked() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("custom.toml"),
        "[server]\nlisten = \"127.0.0.1:1001\"\nrequest_timeout = \"7s\"\n[database]\nurl = \"postgres://app:hunter2@db/ectus\"\n",
    )
    .expect("write");
    let print = |env: Option<&str>, flag: Option<&str>| {
        let mut cmd = ectus(dir.path());
        cmd.args(["--config", "custom.toml", "serve", "--print-config"]);
        if let Some(v) = env {
            cmd.env("ECTUS_SERVER__LISTEN", v);
        }
        if let Some(v) = flag {
            cmd.args(["--listen", v]);
        }
        let out = run(&mut cmd);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let file_only = print(None, None);
    assert!(
        file_only.contains("listen = \"127.0.0.1:1001\"")
            && file_only.contains("request_timeout = \"7s\""),
        "{file_only}"
    );
    assert!(
        file_only.contains("postgres://app:***@db/ectus") && !file_only.contains("hunter2"),
        "{file_only}"
    );
    assert!(print(Some("127.0.0.1:1002"), None).contains("listen = \"127.0.0.1:1002\""));
    assert!(print(Some("127.0.0.1:1002"), Some("127.0.0.1:1003"))
        .contains("listen = \"127.0.0.1:1003\""));
}

async fn retention_run_counts_in_a_dry_run_and_applies_the_configured_policies(
    backend: TestBackend,
) {
    let db = TestDb::new(backend).await;
    let dir = db.dir.path();
    let retention = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = ectus(dir);
        command
            .arg("retention")
            .args(["--database-url", &db.url])
            .args(args);
        for (k, v) in env {
            command.env(k, v);
        }
        run(&mut command)
    };
    let dry = retention(&["run", "--dry-run"], &[]);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    let listing = text(&dry.stdout);
    for kind in [
        "finished_jobs",
        "generation_artifacts",
        "incidents",
        "export_archives",
    ] {
        assert!(listing.contains(kind), "{listing}");
    }
    assert!(
        listing.contains("keep 30days") && listing.contains("dry run: nothing removed"),
        "{listing}"
    );
    let applied = retention(&["run", "--json"], &[("ECTUS_RETENTION__INCIDENTS", "0s")]);
    assert!(applied.status.success(), "{}", text(&applied.stderr));
    let outcomes: serde_json::Value = serde_json::from_slice(&applied.stdout).expect("json");
    let kinds: Vec<&str> = outcomes
        .as_array()
        .expect("outcomes")
        .iter()
        .filter_map(|o| o["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        ["finished_jobs", "generation_artifacts", "export_archives"],
        "0s keeps incidents for ever"
    );
    let floor = retention(&["run"], &[("ECTUS_RETENTION__AUDIT_ENTRIES", "30d")]);
    assert!(!floor.status.success());
    assert!(
        text(&floor.stderr).contains(
            "retention.audit_entries = \"30days\" is out of range; allowed: 1year to 100years"
        ),
        "{}",
        text(&floor.stderr)
    );
    let refused = retention(&["run"], &[("ECTUS_RETENTION__FINISHED_JOBS", "5m")]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("retention.finished_jobs = \"5m\" is out of range"),
        "{}",
        text(&refused.stderr)
    );
}

async fn export_and_import_move_a_tenant_and_refuse_what_would_conflict(backend: TestBackend) {
    let source = TestDb::new(backend).await;
    let target = TestDb::new(backend).await;
    let dir = source.dir.path();
    let on = |db: &TestDb, args: &[&str]| on_database(dir, &db.url, args);
    let created = on(&source, &["admin", "tenant", "create", "acme"]);
    assert!(created.status.success(), "{}", text(&created.stderr));
    let key = on(
        &source,
        &["admin", "key", "create", "--tenant", "acme", "--name", "ci"],
    );
    assert!(key.status.success(), "{}", text(&key.stderr));
    let archive = dir.join("acme.tar.gz");
    let archive_arg = archive.to_str().expect("utf-8 path");
    let exported = on(&source, &["export", "--tenant", "acme", "-o", archive_arg]);
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    assert!(
        text(&exported.stdout).contains("exported tenant acme"),
        "{}",
        text(&exported.stdout)
    );
    assert!(
        text(&exported.stdout).contains("api_keys"),
        "{}",
        text(&exported.stdout)
    );

    let again = on(&source, &["export", "--tenant", "acme", "-o", archive_arg]);
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("exists"),
        "{}",
        text(&again.stderr)
    );
    let missing = on(&source, &["export", "--tenant", "nobody", "-o", "x.tar.gz"]);
    assert!(!missing.status.success());
    assert!(
        text(&missing.stderr).contains("no tenant named \"nobody\""),
        "{}",
        text(&missing.stderr)
    );

    let imported = on(&target, &["import", archive_arg, "--json"]);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&imported.stdout).expect("json");
    assert_eq!(summary["tenant"], "acme");
    let keys = on(&target, &["admin", "key", "list", "--tenant", "acme"]);
    assert!(text(&keys.stdout).contains("ci"), "{}", text(&keys.stdout));

    let twice = on(&target, &["import", archive_arg]);
    assert_eq!(twice.status.code(), Some(1));
    let stderr = text(&twice.stderr);
    assert!(
        stderr.contains("nothing was written") && stderr.contains("already holds tenant \"acme\""),
        "{stderr}"
    );
    let garbage = dir.join("garbage.tar.gz");
    std::fs::write(&garbage, b"not an archive").expect("write");
    let refused = on(&target, &["import", garbage.to_str().expect("utf-8 path")]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("not a complete gzip stream"),
        "{}",
        text(&refused.stderr)
    );
    let log = on(&target, &["audit", "list", "--tenant", "acme"]);
    assert!(
        text(&log.stdout).contains("tenant_imported"),
        "{}",
        text(&log.stdout)
    );
}

async fn a_tenant_deleted_at_the_command_line_is_purged_with_its_report(backend: TestBackend) {
    let db = TestDb::new(backend).await;
    let admin = |args: &[&str]| on_database(db.dir.path(), &db.url, &[&["admin"], args].concat());
    for name in ["default", "acme", "keep"] {
        assert!(admin(&["tenant", "create", name]).status.success());
    }
    let refused = admin(&["tenant", "delete", "default"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("cannot be deleted"),
        "{}",
        text(&refused.stderr)
    );
    let bad = admin(&["tenant", "delete", "acme", "--grace", "soon"]);
    assert!(
        text(&bad.stderr).contains("--grace \"soon\" is not a duration"),
        "{}",
        text(&bad.stderr)
    );
    let later = admin(&["tenant", "delete", "keep", "--grace", "30d"]);
    assert!(later.status.success(), "{}", text(&later.stderr));
    let listed = text(&admin(&["tenant", "list"]).stdout);
    assert!(listed.contains("PURGE AFTER"), "{listed}");
    let deleted = admin(&["tenant", "delete", "acme", "--grace", "0s"]);
    assert!(deleted.status.success(), "{}", text(&deleted.stderr));
    assert!(
        text(&deleted.stdout).contains("is read-only"),
        "{}",
        text(&deleted.stdout)
    );
    let purged = admin(&["tenant", "purge", "--json"]);
    assert!(purged.status.success(), "{}", text(&purged.stderr));
    let reports: serde_json::Value = serde_json::from_slice(&purged.stdout).expect("json");
    let reports = reports.as_array().expect("reports");
    assert_eq!(reports.len(), 1, "only the tenant whose grace ended");
    assert_eq!(reports[0]["tenant"], "acme");
    assert_eq!(reports[0]["complete"], true);
    let restored = admin(&["tenant", "restore", "keep"]);
    assert!(restored.status.success(), "{}", text(&restored.stderr));
    let listed = text(&admin(&["tenant", "list"]).stdout);
    assert!(
        !listed.contains("acme") && listed.contains("keep"),
        "{listed}"
    );
    let nothing = admin(&["tenant", "purge"]);
    assert!(
        text(&nothing.stdout).contains("no tenant is due"),
        "{}",
        text(&nothing.stdout)
    );
}

async fn decommission_exports_verifies_purges_and_reports_every_step(backend: TestBackend) {
    let db = TestDb::new(backend).await;
    let dir = db.dir.path();
    let with_db = |args: &[&str]| on_database(dir, &db.url, args);
    for name in ["default", "acme", "beta"] {
        assert!(with_db(&["admin", "tenant", "create", name])
            .status
            .success());
    }
    assert!(with_db(&["admin", "key", "create", "--tenant", "acme"])
        .status
        .success());
    let out = dir.join("final");
    let out_arg = out.to_str().expect("utf-8 path");
    let unconfirmed = with_db(&["decommission", "--output-dir", out_arg]);
    assert_eq!(unconfirmed.status.code(), Some(1));
    assert!(
        text(&unconfirmed.stderr).contains("--yes"),
        "{}",
        text(&unconfirmed.stderr)
    );
    assert!(!out.exists(), "nothing done without --yes");

    let done = with_db(&[
        "decommission",
        "--output-dir",
        out_arg,
        "--reason",
        "moved",
        "--yes",
    ]);
    assert!(
        done.status.success(),
        "{}\n{}",
        text(&done.stdout),
        text(&done.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("decommission-report.json")).expect("json report"),
    )
    .expect("json");
    assert_eq!(report["outcome"], "completed", "{report}");
    let steps: Vec<&str> = report["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        steps,
        [
            "read-only",
            "drain",
            "final exports",
            "exports read back",
            "purge",
            "audit log verified"
        ]
    );
    assert!(report["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .all(|s| s["status"] == "ok"));
    let archives: Vec<String> = std::fs::read_dir(&out)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tar.gz"))
        .collect();
    assert_eq!(archives.len(), 3, "every tenant exported: {archives:?}");
    let markdown = std::fs::read_to_string(out.join("decommission-report.md")).expect("md");
    assert!(
        markdown.contains("| exports read back | ok |"),
        "{markdown}"
    );
    let purge = &report["steps"][4]["evidence"];
    assert_eq!(
        purge.as_array().map(Vec::len),
        Some(2),
        "acme and beta purged: {purge}"
    );
    let listed = text(&with_db(&["admin", "tenant", "list"]).stdout);
    assert!(
        listed.contains("default") && !listed.contains("acme"),
        "{listed}"
    );
    let verify = with_db(&["audit", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify.stdout));

    // The purged tenant comes back from its final archive, elsewhere.
    let elsewhere = TestDb::new(backend).await;
    let acme = archives
        .iter()
        .find(|n| n.starts_with("acme-"))
        .expect("acme archive");
    let mut import = ectus(dir);
    import
        .args(["import", "--database-url", &elsewhere.url])
        .arg(out.join(acme));
    let imported = run(&mut import);
    assert!(imported.status.success(), "{}", text(&imported.stderr));

    let abort = with_db(&["decommission", "--abort"]);
    assert!(abort.status.success(), "{}", text(&abort.stderr));
    assert!(
        text(&abort.stdout).contains("writable again"),
        "{}",
        text(&abort.stdout)
    );
}

#[test]
fn every_command_has_help_with_examples_and_a_version() {
    let dir = tempfile::tempdir().expect("dir");
    let commands: &[&[&str]] = &[
        &[],
        &["serve"],
        &["worker"],
        &["migrate"],
        &["admin"],
        &["admin", "tenant", "create"],
        &["admin", "tenant", "list"],
        &["admin", "key", "create"],
        &["admin", "key", "list"],
        &["admin", "key", "revoke"],
        &["audit"],
        &["audit", "verify"],
        &["audit", "list"],
        &["retention"],
        &["retention", "run"],
        &["export"],
        &["import"],
        &["admin", "tenant", "delete"],
        &["admin", "tenant", "restore"],
        &["admin", "tenant", "purge"],
        &["decommission"],
    ];
    for command in commands {
        let out = run(ectus(dir.path()).args(*command).arg("--help"));
        assert!(out.status.success(), "{command:?}");
        let help = text(&out.stdout);
        assert!(
            help.contains("Example"),
            "{command:?} --help has no examples:\n{help}"
        );
    }
    let out = run(ectus(dir.path()).arg("--version"));
    let version = text(&out.stdout);
    assert!(
        version.starts_with(&format!("ectus {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
}
