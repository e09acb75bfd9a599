//! Secrets planted in configuration, request headers, bodies and error paths never appear in
//! what the binary writes, even at the most verbose log level.

mod common;

use std::time::Duration;

use common::{ectus, free_port, Launcher};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_secrets_never_reach_the_output() {
    let planted_key = format!("ek_plantedkey_{}", "P".repeat(43));
    let mut server = Launcher::serve()
        .workers(1)
        .file(
            "ectus.toml",
            "[metrics]\nbearer_token = \"planted-metrics-token\"\n\n[generation]\ntest_database_url = \"postgres://ci:planted-db-password@db/postgres\"\n",
        )
        .env("RUST_LOG", "trace")
        .start()
        .await;
    let admin_key = server.key.clone();
    let base = server.base.clone();
    let client = reqwest::Client::new();
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
    let _ = server.child.kill();
    let _ = server.child.wait();
    // An unreachable database whose URL carries a password: the start-up error.
    let failed = ectus(server.dir())
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
        .output()
        .expect("run");
    assert!(!failed.status.success());

    let output = format!(
        "{}{}{}",
        server.output(),
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
