//! A PostgreSQL outage seen through a fault proxy between the server and the database: while
//! the database is cut off, its connections reset or black-holed, every route that needs it
//! answers `503 database-unavailable` with `Retry-After` (not a 500, not the request
//! time-out), readiness names the failing check without leaking driver details, a key
//! verified shortly before is still recognised from the key cache, and everything works again
//! once the network heals. A slow network only slows the answers.

mod common;

use std::time::{Duration, Instant};

use common::{expect_problem, TestApp};
use ectus_server::HttpSettings;
use ectus_testkit::Fault;
use reqwest::Method;
use serde_json::json;

/// Every kind of route that reads or writes the database past authentication (the key
/// itself is verified from the key cache): reads and writes of each resource.
fn routes(project: &str) -> Vec<(Method, String, Option<serde_json::Value>)> {
    vec![
        (Method::GET, "/api/v1/projects".into(), None),
        (Method::GET, format!("/api/v1/projects/{project}"), None),
        (
            Method::POST,
            "/api/v1/projects".into(),
            Some(json!({"name": "during-outage"})),
        ),
        (
            Method::GET,
            format!("/api/v1/projects/{project}/generations"),
            None,
        ),
        (Method::GET, "/api/v1/jobs".into(), None),
    ]
}

async fn every_route_is_unavailable(app: &TestApp, key: &str, project: &str, fault: Fault) {
    let schema = app.get("/api/v1/spec/schema", key).await;
    assert_eq!(
        schema.status(),
        200,
        "a route needing no database serves a recently verified key"
    );
    let unknown = app
        .get(
            "/api/v1/spec/schema",
            "ek_0000000000_0000000000000000000000000000000000000000000",
        )
        .await;
    let problem = expect_problem(unknown, 503).await;
    assert_eq!(
        problem["type"], "urn:ectus:problem:database-unavailable",
        "an unverified key needs the database: {problem}"
    );
    for (method, path, body) in routes(project) {
        let mut request = app.request(method.clone(), &path, key);
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.expect("send");
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let problem = expect_problem(response, 503).await;
        assert_eq!(
            problem["type"], "urn:ectus:problem:database-unavailable",
            "{fault:?} {method} {path}: {problem}"
        );
        assert_eq!(
            retry_after.as_deref(),
            Some("2"),
            "{fault:?} {method} {path}"
        );
    }
    let ready = expect_problem(
        app.client
            .get(app.url("/health/ready"))
            .send()
            .await
            .expect("send"),
        503,
    )
    .await;
    assert_eq!(ready["errors"][0]["field"], "database", "{ready}");
    let message = ready["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("database unavailable"), "{ready}");
    assert!(
        !message.contains("127.0.0.1") && !message.contains("os error"),
        "no driver detail in readiness: {ready}"
    );
    let live = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .expect("send");
    assert_eq!(live.status(), 200, "the process itself is fine");
}

/// Waits for the database to answer again; the deadline only bounds a broken recovery.
async fn recovers(app: &TestApp, key: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let response = app.get("/api/v1/projects", key).await;
        if response.status() == 200 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no recovery: {}",
            response.status()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_with_retry_after_on_every_route_and_recovers() {
    let (app, proxy) = TestApp::spawn_behind_proxy(HttpSettings::default()).await;
    let t = app.tenant("t").await;
    let project = app.create_project(&t.member, "before").await;
    let project = project["id"].as_str().expect("id").to_owned();

    for fault in [Fault::Refuse, Fault::Reset, Fault::BlackHole] {
        proxy.set(fault);
        every_route_is_unavailable(&app, &t.member, &project, fault).await;
        proxy.set(Fault::None);
        recovers(&app, &t.member).await;
    }

    let page = app.get_json("/api/v1/projects", &t.member).await;
    let names: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["before"], "nothing was written during the outage");
    let created = app
        .post("/api/v1/projects", &t.member, &json!({"name": "after"}))
        .await;
    assert_eq!(created.status(), 201, "writes work again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_during_an_outage_are_refused_with_503_and_every_acknowledged_one_is_kept() {
    let (app, proxy) = TestApp::spawn_behind_proxy(HttpSettings::default()).await;
    let t = app.tenant("t").await;
    let app = std::sync::Arc::new(app);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (app, key, stop) = (app.clone(), t.member.clone(), stop.clone());
            tokio::spawn(async move {
                let (mut acknowledged, mut refused) = (Vec::new(), 0usize);
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let name = format!("w{w}-{i}");
                    i += 1;
                    let response = app
                        .post("/api/v1/projects", &key, &json!({"name": name}))
                        .await;
                    match response.status().as_u16() {
                        201 => acknowledged.push(name),
                        503 => {
                            assert!(
                                response.headers().contains_key("retry-after"),
                                "a 503 says when to retry"
                            );
                            refused += 1;
                        }
                        other => panic!(
                            "only 201 or 503 during an outage, got {other}: {}",
                            response.text().await.unwrap_or_default()
                        ),
                    }
                }
                (acknowledged, refused)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    proxy.set(Fault::Refuse);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    proxy.set(Fault::None);
    recovers(&app, &t.member).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut acknowledged, mut refused) = (Vec::new(), 0);
    for writer in writers {
        let (a, r) = writer.await.expect("writer");
        acknowledged.extend(a);
        refused += r;
    }
    assert!(refused > 0, "the outage was seen");
    assert!(
        !acknowledged.is_empty(),
        "writes went through before and after"
    );
    let mut stored = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/projects?limit=200&cursor={c}"),
            None => "/api/v1/projects?limit=200".to_owned(),
        };
        let page = app.get_json(&path, &t.member).await;
        for item in page["items"].as_array().expect("items") {
            stored.insert(item["name"].as_str().expect("name").to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|n| !stored.contains(*n))
        .collect();
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_network_to_the_database_slows_answers_and_fails_none() {
    let (app, proxy) = TestApp::spawn_behind_proxy(HttpSettings::default()).await;
    let t = app.tenant("t").await;
    let project = app.create_project(&t.member, "before").await;
    let project = project["id"].as_str().expect("id").to_owned();
    let delay = Duration::from_millis(150);
    proxy.set(Fault::Latency(delay));
    for (method, path, body) in routes(&project) {
        let mut request = app.request(method.clone(), &path, &t.member);
        if let Some(body) = &body {
            request = request.json(body);
        }
        let started = Instant::now();
        let response = request.send().await.expect("send");
        let elapsed = started.elapsed();
        let status = response.status();
        assert!(
            status.is_success(),
            "{method} {path}: {status} {}",
            response.text().await.unwrap_or_default()
        );
        // Proof that the fault was in the way: a query and its answer are each held.
        assert!(elapsed >= delay, "{method} {path} took {elapsed:?}");
    }
    proxy.set(Fault::None);
    recovers(&app, &t.member).await;
}
