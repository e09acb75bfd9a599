//! Secrets planted in configuration, request headers, bodies and error paths never appear in
//! what the binary writes, even at the most verbose log level.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ectus");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_secrets_never_reach_the_output() {
    let dir = tempfile::tempdir().expect("dir");
    let planted_key = format!("ek_plantedkey_{}", "P".repeat(43));
    std::fs::write(
        dir.path().join("ectus.toml"),
        "[metrics]\nbearer_token = \"planted-metrics-token\"\n\n[generation]\ntest_database_url = \"postgres://ci:planted-db-password@db/postgres\"\n",
    )
    .expect("config");
    let api = free_port();
    let out_path = dir.path().join("out.log");
    let mut server = Command::new(BIN)
        .current_dir(dir.path())
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{api}"),
            "--workers",
            "1",
            "--metrics-listen",
            "",
        ])
        .env("RUST_LOG", "trace")
        .env("ECTUS_LOG__FORMAT", "json")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("out"))
        .stderr(std::fs::File::create(dir.path().join("err.log")).expect("err"))
        .spawn()
        .expect("serve");
    let key_file = dir.path().join(".ectus/admin-key");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !key_file.exists() || std::net::TcpStream::connect(("127.0.0.1", api)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let admin_key = std::fs::read_to_string(&key_file)
        .expect("key")
        .trim()
        .to_owned();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{api}");
    // Headers: a forged key, a bearer token, cookies.
    for auth in [
        format!("Bearer {planted_key}"),
        "Bearer planted-bearer-token".to_owned(),
    ] {
        let r = client
            .get(format!("{base}/api/v1/me"))
            .header("authorization", auth)
            .header("cookie", "session=planted-cookie")
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 401);
    }
    // Bodies: secrets inside accepted and rejected payloads.
    let r = client
        .post(format!("{base}/api/v1/projects"))
        .bearer_auth(&admin_key)
        .json(&serde_json::json!({"name": "p", "description": format!("password=planted-body-password {planted_key}")}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 201);
    let r = client
        .post(format!("{base}/api/v1/projects"))
        .bearer_auth(&admin_key)
        .json(&serde_json::json!({"name": "q", "password": "planted-unknown-field"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 422);
    // Error path: a job that fails with a message quoting secrets.
    let r = client
        .post(format!("{base}/api/v1/jobs"))
        .bearer_auth(&admin_key)
        .json(&serde_json::json!({"kind": "sleep", "payload": {"duration_ms": 1, "steps": 1, "fail_attempts": 1}, "max_attempts": 1}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 202);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let _ = server.kill();
    let _ = server.wait();
    // An unreachable database whose URL carries a password: the start-up error.
    let failed = Command::new(BIN)
        .current_dir(dir.path())
        .args([
            "serve",
            "--database-url",
            &format!(
                "postgres://ci:planted-url-password@127.0.0.1:{}/x",
                free_port()
            ),
        ])
        .env("RUST_LOG", "trace")
        .env("ECTUS_DATABASE__ACQUIRE_TIMEOUT", "1s")
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(!failed.status.success());

    let output = format!(
        "{}{}{}{}",
        std::fs::read_to_string(&out_path).unwrap_or_default(),
        std::fs::read_to_string(dir.path().join("err.log")).unwrap_or_default(),
        String::from_utf8_lossy(&failed.stdout),
        String::from_utf8_lossy(&failed.stderr),
    );
    assert!(
        output.lines().count() > 10,
        "the output was captured:\n{output}"
    );
    for secret in [
        admin_key.as_str(),
        &admin_key[14..],
        &"P".repeat(43),
        "planted-metrics-token",
        "planted-db-password",
        "planted-bearer-token",
        "planted-cookie",
        "planted-body-password",
        "planted-url-password",
    ] {
        assert!(
            !output.contains(secret),
            "{secret:?} leaked into the output"
        );
    }
}
