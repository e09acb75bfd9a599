//! The HTTP API against a real server on a random port and a real database, with the same
//! test bodies on SQLite and PostgreSQL.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use common::{documented_operations, expect_problem, TestApp};
use ectus_server::HttpSettings;
use ectus_store::api_keys::NewKey;
use ectus_store::audit::Acting;
use ectus_store::tenants::Role;
use ectus_testkit::{backend_tests, TestBackend};
use reqwest::Method;

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("method")
}

async fn every_api_route_rejects_missing_malformed_revoked_and_expired_keys(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let t = app.tenant("acme").await;
    let revoked = app
        .store
        .create_api_key(
            NewKey {
                tenant_id: &t.id,
                user_id: None,
                name: "r",
                role: Role::Admin,
                expires_at: None,
            },
            &Acting::operator(),
        )
        .await
        .expect("key");
    app.store
        .revoke_api_key(&revoked.key.prefix, &Acting::operator())
        .await
        .expect("revoke");
    let expired = app
        .store
        .create_api_key(
            NewKey {
                tenant_id: &t.id,
                user_id: None,
                name: "e",
                role: Role::Admin,
                expires_at: Some(ectus_store::Timestamp::now().before(Duration::from_secs(1))),
            },
            &Acting::operator(),
        )
        .await
        .expect("key");
    // The alert webhook is authenticated by its own token (tests/incidents.rs).
    let ops: Vec<_> = documented_operations()
        .into_iter()
        .filter(|(_, p)| p.starts_with("/api/v1/") && p != "/api/v1/alerts/webhook")
        .collect();
    assert!(ops.len() >= 9, "{ops:?}");
    let some_id = uuid::Uuid::now_v7().to_string();
    for (m, template) in &ops {
        let url = app.url(
            &template
                .replace("{id}", &some_id)
                .replace("{generation_id}", &some_id),
        );
        let cases: [(Option<&str>, &str); 4] = [
            (None, "send an API key"),
            (Some("ek_not_a_real_key"), "malformed"),
            (Some(&revoked.plaintext), "revoked"),
            (Some(&expired.plaintext), "expired"),
        ];
        for (key, expected) in cases {
            let mut request = app
                .client
                .request(method(m), &url)
                .json(&serde_json::json!({}));
            if let Some(key) = key {
                request = request.bearer_auth(key);
            }
            let response = request.send().await.expect("send");
            assert!(
                response.headers().contains_key("www-authenticate"),
                "{m} {template}"
            );
            let body = expect_problem(response, 401).await;
            assert!(
                body["detail"].as_str().unwrap_or("").contains(expected),
                "{m} {template}: {body}"
            );
        }
    }
}

/// Every documented `/api/v1` operation must appear here: a new route without a tenant
/// isolation case fails this test.
async fn tenant_b_cannot_see_or_change_anything_of_tenant_a(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let a = app.tenant("a").await;
    let b = app.tenant("b").await;
    let project = app.create_project(&a.admin, "secret-plans").await;
    let project_id = project["id"].as_str().expect("id").to_owned();
    let job: serde_json::Value = app
        .post_json(
            "/api/v1/jobs",
            &a.admin,
            &serde_json::json!({"kind": "sleep", "payload": {"duration_ms": 10}}),
        )
        .await;
    let job_id = job["id"].as_str().expect("id").to_owned();
    let spec = serde_json::json!({
        "spec_version": 1,
        "service": {"name": "secret-service"},
        "entities": [{"name": "Plan", "fields": [{"name": "title", "type": "string"}]}]
    });
    let generation: serde_json::Value = app
        .post_json(
            &format!("/api/v1/projects/{project_id}/generations"),
            &a.member,
            &serde_json::json!({"spec": spec, "qa": false}),
        )
        .await;
    let generation_id = generation["id"].as_str().expect("generation id").to_owned();
    let export: serde_json::Value = app
        .post_json("/api/v1/exports", &a.admin, &serde_json::json!({}))
        .await;
    let export_id = export["id"].as_str().expect("export id").to_owned();
    let export_only = vec![("{id}", export_id.as_str())];
    let project_only = vec![("{id}", project_id.as_str())];
    let job_only = vec![("{id}", job_id.as_str())];
    let generation_ids = vec![
        ("{id}", project_id.as_str()),
        ("{generation_id}", generation_id.as_str()),
    ];
    let ids: HashMap<&str, Vec<(&str, &str)>> = HashMap::from([
        ("/api/v1/projects/{id}", project_only.clone()),
        ("/api/v1/projects/{id}/generations", project_only),
        (
            "/api/v1/projects/{id}/generations/{generation_id}",
            generation_ids.clone(),
        ),
        (
            "/api/v1/projects/{id}/generations/{generation_id}/artifact",
            generation_ids,
        ),
        ("/api/v1/jobs/{id}", job_only.clone()),
        ("/api/v1/jobs/{id}/cancel", job_only.clone()),
        ("/api/v1/jobs/{id}/events", job_only),
        ("/api/v1/exports/{id}", export_only.clone()),
        ("/api/v1/exports/{id}/archive", export_only),
    ]);
    // Collection routes: B sees only B's own data there.
    let collections: HashSet<(&str, &str)> = HashSet::from([
        ("GET", "/api/v1/projects"),
        ("POST", "/api/v1/projects"),
        ("GET", "/api/v1/jobs"),
        ("POST", "/api/v1/jobs"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/spec/schema"),
        ("GET", "/api/v1/audit"),
        ("POST", "/api/v1/exports"),
    ]);
    // Platform routes: incidents belong to no tenant; a tenant's admin is refused, and the
    // webhook takes Alertmanager's token, not API keys (tests/incidents.rs covers both).
    let platform: HashSet<(&str, &str)> = HashSet::from([
        ("POST", "/api/v1/alerts/webhook"),
        ("GET", "/api/v1/incidents"),
        ("POST", "/api/v1/incidents/{id}/ack"),
        ("DELETE", "/api/v1/tenants/{id}"),
        ("POST", "/api/v1/tenants/{id}/restore"),
    ]);
    for (m, template) in documented_operations()
        .iter()
        .filter(|(_, p)| p.starts_with("/api/v1/"))
    {
        if collections.contains(&(m.as_str(), template.as_str())) {
            continue;
        }
        if platform.contains(&(m.as_str(), template.as_str())) {
            if m != "POST" || template != "/api/v1/alerts/webhook" {
                let path = template.replace("{id}", &uuid::Uuid::now_v7().to_string());
                let response = app
                    .client
                    .request(method(m), app.url(&path))
                    .bearer_auth(&b.admin)
                    .send()
                    .await
                    .expect("send");
                expect_problem(response, 403).await;
            }
            continue;
        }
        let substitutions = ids
            .get(template.as_str())
            .unwrap_or_else(|| panic!("no tenant-isolation case for {m} {template}: add one"));
        let mut path = template.clone();
        for (template_part, value) in substitutions {
            path = path.replace(template_part, value);
        }
        let response = app
            .client
            .request(method(m), app.url(&path))
            .bearer_auth(&b.admin)
            // A body the route would accept, so that only ownership decides.
            .json(&if template.ends_with("/generations") {
                serde_json::json!({"spec": spec, "qa": false})
            } else {
                serde_json::json!({"description": "taken over"})
            })
            .send()
            .await
            .expect("send");
        expect_problem(response, 404).await;
    }
    for (m, template) in collections.iter().chain(&platform) {
        assert!(
            documented_operations().contains(&(m.to_string(), template.to_string())),
            "{m} {template} is listed here but not documented"
        );
    }
    let b_projects: serde_json::Value = app.get_json("/api/v1/projects", &b.admin).await;
    assert_eq!(b_projects["items"], serde_json::json!([]));
    let b_jobs: serde_json::Value = app.get_json("/api/v1/jobs", &b.admin).await;
    assert_eq!(b_jobs["items"], serde_json::json!([]));
    let me: serde_json::Value = app.get_json("/api/v1/me", &b.member).await;
    assert_eq!(me["tenant_id"], b.id.as_str());
    assert_eq!(me["role"], "member");
    // Nothing of A changed.
    let still = app
        .store
        .get_project(&a.id, &project_id)
        .await
        .expect("project");
    assert_eq!((still.version, still.description.as_str()), (1, ""));
    let job = app.store.get_job(&a.id, &job_id).await.expect("job");
    assert_eq!(
        (job.state.as_str(), job.cancel_requested_at),
        ("queued", None)
    );
}

async fn invalid_requests_get_problems_naming_what_to_fix(backend: TestBackend) {
    let app = TestApp::spawn_with(
        backend,
        0,
        HttpSettings {
            body_limit_bytes: 64 * 1024,
            ..Default::default()
        },
    )
    .await;
    let t = app.tenant("t").await;
    let post = |body: String| {
        app.client
            .post(app.url("/api/v1/projects"))
            .bearer_auth(&t.member)
            .header("content-type", "application/json")
            .body(body)
    };
    let body = expect_problem(
        post(r#"{"name": ""}"#.into()).send().await.expect("send"),
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "name", "{body}");
    let body = expect_problem(
        post(r#"{"name": "x", "colour": "red"}"#.into())
            .send()
            .await
            .expect("send"),
        422,
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("unknown field `colour`"),
        "{body}"
    );
    let body = expect_problem(
        post(r#"{"name": 5}"#.into()).send().await.expect("send"),
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "name", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("invalid type"),
        "{body}"
    );
    expect_problem(post(r#"{"name": "#.into()).send().await.expect("send"), 400).await;
    let big = format!(
        r#"{{"name": "x", "description": "{}"}}"#,
        "a".repeat(100 * 1024)
    );
    expect_problem(post(big).send().await.expect("send"), 413).await;
    let no_type = app
        .client
        .post(app.url("/api/v1/projects"))
        .bearer_auth(&t.member)
        .body(r#"{"name": "x"}"#)
        .send()
        .await
        .expect("send");
    expect_problem(no_type, 415).await;
    let long = "x".repeat(101);
    let body = expect_problem(
        post(format!(
            r#"{{"name": "{long}", "description": "{}"}}"#,
            "d".repeat(2001)
        ))
        .send()
        .await
        .expect("send"),
        422,
    )
    .await;
    let fields: Vec<_> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(
        fields,
        vec!["name", "description"],
        "all fields reported at once"
    );
    let bad_id = app.get("/api/v1/projects/not-an-id", &t.member).await;
    let body = expect_problem(bad_id, 400).await;
    assert_eq!(body["type"], "urn:ectus:problem:invalid-id");
    for (query, field) in [
        ("sort=colour", "sort"),
        ("limit=0", "limit"),
        ("status=gone", "status"),
    ] {
        let response = app
            .get(&format!("/api/v1/projects?{query}"), &t.member)
            .await;
        let body = expect_problem(response, 422).await;
        assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
    }
    let response = app.get("/api/v1/projects?limt=5", &t.member).await;
    let body = expect_problem(response, 422).await;
    assert!(
        body["detail"].as_str().unwrap_or("").contains("limt"),
        "{body}"
    );
    let response = app.get("/api/v1/projects?cursor=garbage", &t.member).await;
    expect_problem(response, 422).await;
    // Member keys cannot enqueue diagnostic jobs.
    let response = app
        .post(
            "/api/v1/jobs",
            &t.member,
            &serde_json::json!({"kind": "sleep", "payload": {"duration_ms": 1}}),
        )
        .await;
    expect_problem(response, 403).await;
    let response = app
        .post(
            "/api/v1/jobs",
            &t.admin,
            &serde_json::json!({"kind": "sleep", "payload": {"duration_ms": -1}}),
        )
        .await;
    let body = expect_problem(response, 422).await;
    assert_eq!(body["errors"][0]["field"], "payload", "{body}");
    // Nothing was written by any of the rejected requests.
    let page = app
        .store
        .list_projects(
            &t.id,
            &ectus_store::projects::ProjectQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert!(page.items.is_empty());
    assert!(app
        .store
        .list_jobs(&t.id, None, 10, None)
        .await
        .expect("jobs")
        .items
        .is_empty());
}

async fn unknown_routes_and_wrong_methods_are_problems(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let response = app
        .client
        .get(app.url("/no/such/route"))
        .send()
        .await
        .expect("send");
    expect_problem(response, 404).await;
    let response = app
        .client
        .delete(app.url("/api/v1/projects"))
        .send()
        .await
        .expect("send");
    let allow = response
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    expect_problem(response, 405).await;
    assert!(
        allow.contains("GET") && allow.contains("POST"),
        "Allow: {allow}"
    );
}

async fn request_ids_are_echoed_when_valid_and_replaced_otherwise(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let get = |id: Option<&str>| {
        let mut r = app.client.get(app.url("/health/live"));
        if let Some(id) = id {
            r = r.header("x-request-id", id);
        }
        r.send()
    };
    let echoed = get(Some("abc-123.trace:1")).await.expect("send");
    assert_eq!(echoed.headers()["x-request-id"], "abc-123.trace:1");
    for bad in ["has space", "<script>", &"x".repeat(129)] {
        let response = get(Some(bad)).await.expect("send");
        let id = response.headers()["x-request-id"]
            .to_str()
            .expect("text")
            .to_owned();
        assert_ne!(id, bad);
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    }
    let generated = get(None).await.expect("send");
    assert!(
        uuid::Uuid::parse_str(generated.headers()["x-request-id"].to_str().expect("text")).is_ok()
    );
    let problem = app
        .client
        .get(app.url("/nope"))
        .header("x-request-id", "req-42")
        .send()
        .await
        .expect("send");
    let body = expect_problem(problem, 404).await;
    assert_eq!(body["request_id"], "req-42");
}

async fn patch_with_stale_etag_fails_with_412_and_changes_nothing(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let t = app.tenant("t").await;
    let project = app.create_project(&t.member, "p").await;
    let path = format!("/api/v1/projects/{}", project["id"].as_str().expect("id"));
    let read = app.get(&path, &t.member).await;
    let etag = read.headers()["etag"].to_str().expect("etag").to_owned();
    assert_eq!(etag, "\"1\"");
    let patch = |tag: &str, description: &str| {
        app.request(reqwest::Method::PATCH, &path, &t.member)
            .header("if-match", tag)
            .json(&serde_json::json!({ "description": description }))
            .send()
    };
    let ok = patch(&etag, "first").await.expect("send");
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["etag"], "\"2\"");
    let stale = patch(&etag, "second").await.expect("send");
    expect_problem(stale, 412).await;
    let now: serde_json::Value = app.get_json(&path, &t.member).await;
    assert_eq!(
        (now["description"].as_str(), now["version"].as_i64()),
        (Some("first"), Some(2))
    );
    let archived: serde_json::Value = patch("*", "third")
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(archived["version"], 3);
    let deleted = app.call(reqwest::Method::DELETE, &path, &t.member).await;
    assert_eq!(deleted.status(), 204);
    expect_problem(app.get(&path, &t.member).await, 404).await;
}

async fn pages_stay_stable_while_projects_are_inserted(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let t = app.tenant("t").await;
    let mut original = HashSet::new();
    for i in 0..40 {
        original.insert(
            app.create_project(&t.member, &format!("orig-{i:02}")).await["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    for sort in ["created_at", "-created_at", "name", "-name"] {
        let writer = {
            let (client, url, key) = (
                app.client.clone(),
                app.url("/api/v1/projects"),
                t.member.clone(),
            );
            let sort = sort.to_owned();
            tokio::spawn(async move {
                for i in 0..20 {
                    let name = format!("new-{sort}-{i:02}");
                    let r = client
                        .post(&url)
                        .bearer_auth(&key)
                        .json(&serde_json::json!({ "name": name }))
                        .send()
                        .await
                        .expect("send");
                    assert_eq!(r.status(), 201);
                }
            })
        };
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("/api/v1/projects?limit=7&sort={sort}");
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let page: serde_json::Value = app.get_json(&url, &t.member).await;
            for item in page["items"].as_array().expect("items") {
                seen.push(item["id"].as_str().expect("id").to_owned());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        writer.await.expect("writer");
        let unique: HashSet<_> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), seen.len(), "{sort}: a project appeared twice");
        assert!(
            original.is_subset(&unique),
            "{sort}: a pre-existing project was skipped"
        );
    }
    let filtered: serde_json::Value = app
        .get_json("/api/v1/projects?name=ORIG-0&limit=200", &t.member)
        .await;
    assert_eq!(
        filtered["items"].as_array().map(Vec::len),
        Some(10),
        "case-insensitive substring filter"
    );
}

async fn job_progress_streams_as_server_sent_events_until_the_end(backend: TestBackend) {
    let app = TestApp::spawn_with(backend, 1, HttpSettings::default()).await;
    let t = app.tenant("t").await;
    let job: serde_json::Value = app
        .post_json(
            "/api/v1/jobs",
            &t.admin,
            &serde_json::json!({"kind": "sleep", "payload": {"duration_ms": 400, "steps": 4}}),
        )
        .await;
    let id = job["id"].as_str().expect("id");
    let response = app
        .get(&format!("/api/v1/jobs/{id}/events"), &t.member)
        .await;
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let text = tokio::time::timeout(Duration::from_secs(30), response.text())
        .await
        .expect("stream ends")
        .expect("body");
    let events: Vec<(String, serde_json::Value)> = text
        .split("\n\n")
        .filter_map(|block| {
            let name = block.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data = block.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((name.to_owned(), serde_json::from_str(data).ok()?))
        })
        .collect();
    let (last_name, last) = events.last().expect("events");
    assert_eq!(last_name, "end");
    assert_eq!(last["state"], "succeeded");
    assert_eq!(last["result"]["steps"], 4);
    let percents: Vec<i64> = events
        .iter()
        .filter_map(|(_, j)| j["progress"]["percent"].as_i64())
        .collect();
    assert!(percents.windows(2).all(|w| w[0] <= w[1]), "{percents:?}");
    assert!(
        percents.iter().any(|&p| p > 0 && p < 100),
        "intermediate progress seen: {percents:?}"
    );
    let cancel = app
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/jobs/{id}/cancel"),
            &t.admin,
        )
        .await;
    expect_problem(cancel, 409).await;
    // A running job is cancelled through the API.
    let long: serde_json::Value = app
        .post_json(
            "/api/v1/jobs",
            &t.admin,
            &serde_json::json!({"kind": "sleep", "payload": {"duration_ms": 60000, "steps": 600}}),
        )
        .await;
    let long_id = long["id"].as_str().expect("id");
    for _ in 0..500 {
        if app
            .store
            .get_job(&t.id, long_id)
            .await
            .expect("job")
            .progress_percent
            > 0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cancel = app
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/jobs/{long_id}/cancel"),
            &t.admin,
        )
        .await;
    assert_eq!(cancel.status(), 202);
    let end = app
        .get(&format!("/api/v1/jobs/{long_id}/events"), &t.member)
        .await
        .text()
        .await
        .expect("body");
    assert!(
        end.contains("event: end") && end.contains("\"state\":\"cancelled\""),
        "{end}"
    );
}

async fn readiness_names_the_failing_check(backend: TestBackend) {
    let app = TestApp::spawn_with(backend, 1, HttpSettings::default()).await;
    let ready = app.readiness().await;
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["checks"]["workers"], "ok");
    app.store.close().await;
    let response = app
        .client
        .get(app.url("/health/ready"))
        .send()
        .await
        .expect("send");
    let body = expect_problem(response, 503).await;
    assert!(
        body["detail"].as_str().unwrap_or("").contains("database"),
        "{body}"
    );
    let live = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .expect("send");
    assert_eq!(live.status(), 200);
}

async fn cors_is_off_by_default_and_on_when_configured(backend: TestBackend) {
    let preflight = |app: &TestApp| {
        app.client
            .request(Method::OPTIONS, app.url("/api/v1/projects"))
            .header("origin", "https://dash.example.com")
            .header("access-control-request-method", "GET")
            .send()
    };
    let off = TestApp::spawn(backend).await;
    let response = preflight(&off).await.expect("send");
    assert!(!response
        .headers()
        .contains_key("access-control-allow-origin"));
    let on = TestApp::spawn_with(
        backend,
        0,
        HttpSettings {
            cors_allowed_origins: vec!["https://dash.example.com".into()],
            ..Default::default()
        },
    )
    .await;
    let response = preflight(&on).await.expect("send");
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://dash.example.com"
    );
}

async fn large_responses_are_compressed_on_request(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let t = app.tenant("t").await;
    for i in 0..30 {
        app.create_project(&t.member, &format!("compressible-project-{i}"))
            .await;
    }
    let response = app
        .client
        .get(app.url("/api/v1/projects?limit=30"))
        .bearer_auth(&t.member)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("send");
    assert_eq!(response.headers()["content-encoding"], "gzip");
}

async fn a_requirement_generation_carries_its_coverage_and_strict_refuses_gaps(
    backend: TestBackend,
) {
    const CLINIC: &str = "A clinic API. Patients have a name. Every night, visits older than a year are archived to cold storage. It must be reliable.";
    let app = TestApp::spawn(backend).await;
    let t = app.tenant("t").await;
    let project = app.create_project(&t.member, "clinic").await;
    let path = format!(
        "/api/v1/projects/{}/generations",
        project["id"].as_str().expect("id")
    );
    let refused = app
        .post(
            &path,
            &t.member,
            &serde_json::json!({"prompt": CLINIC, "qa": false, "strict": true}),
        )
        .await;
    let body = expect_problem(refused, 422).await;
    assert_eq!(body["errors"][0]["field"], "prompt[36..103]", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("visits older than a year are archived")),
        "{body}"
    );
    let listed = app.get_json(&path, &t.member).await;
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(0),
        "nothing queued"
    );

    let accepted = app
        .post(
            &path,
            &t.member,
            &serde_json::json!({"prompt": CLINIC, "qa": false}),
        )
        .await;
    assert_eq!(accepted.status(), 202);
    let generation: serde_json::Value = accepted.json().await.expect("json");
    let coverage = &generation["coverage"];
    assert!(
        coverage["not_understood"][0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Every night, visits older")),
        "{generation:#}"
    );
    assert_eq!(coverage["ignored"][0]["text"], "It must be reliable.");
    let read = app
        .get_json(
            &format!("{path}/{}", generation["id"].as_str().expect("id")),
            &t.member,
        )
        .await;
    assert_eq!(&read["coverage"], coverage, "stored and read back");

    let spec = app
        .post(
            &path,
            &t.member,
            &serde_json::json!({"spec": {"spec_version": 1, "service": {"name": "x"}, "entities": [{"name": "Thing", "fields": [{"name": "a", "type": "string"}]}]}, "qa": false}),
        )
        .await;
    let spec: serde_json::Value = spec.json().await.expect("json");
    assert!(spec["coverage"].is_null(), "no coverage for a spec file");
}

async fn generations_are_listed_in_keyset_pages_without_their_large_fields(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let t = app.tenant("t").await;
    let project = app.create_project(&t.member, "paged").await;
    let path = format!(
        "/api/v1/projects/{}/generations",
        project["id"].as_str().expect("id")
    );
    let mut created = Vec::new();
    for i in 0..5 {
        let spec = serde_json::json!({"spec_version": 1, "service": {"name": format!("s{i}")},
            "entities": [{"name": "Thing", "fields": [{"name": "a", "type": "string"}]}]});
        let generation = app
            .post_json(
                &path,
                &t.member,
                &serde_json::json!({"spec": spec, "qa": false}),
            )
            .await;
        created.push(generation["id"].as_str().expect("id").to_owned());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}?limit=2&cursor={c}"),
            None => format!("{path}?limit=2"),
        };
        let page = app.get_json(&url, &t.member).await;
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 2, "{page}");
        for item in items {
            for large in ["spec", "input", "assumptions", "coverage", "qa_report"] {
                assert!(item.get(large).is_none(), "{large} is not listed: {item}");
            }
            assert_eq!(item["status"], "queued", "{item}");
            seen.push(item["id"].as_str().expect("id").to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    created.reverse();
    assert_eq!(seen, created, "newest first, each once");
    for bad in ["?limit=0", "?limit=201", "?cursor=nope", "?page=2"] {
        let problem = expect_problem(app.get(&format!("{path}{bad}"), &t.member).await, 422).await;
        assert!(!problem["errors"][0]["field"].is_null(), "{bad}: {problem}");
    }
}

async fn members_cannot_cancel_admin_jobs_nor_see_which_worker_runs_them(backend: TestBackend) {
    let app = TestApp::spawn_with(backend, 1, HttpSettings::default()).await;
    let t = app.tenant("t").await;
    let job: serde_json::Value = app
        .post_json(
            "/api/v1/jobs",
            &t.admin,
            &serde_json::json!({"kind": "sleep", "payload": {"duration_ms": 20000, "steps": 200}}),
        )
        .await;
    let path = format!("/api/v1/jobs/{}", job["id"].as_str().expect("id"));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let running = loop {
        let seen = app.get_json(&path, &t.admin).await;
        if seen["state"] == "running" {
            break seen;
        }
        assert!(std::time::Instant::now() < deadline, "never ran: {seen}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        running["lease_owner"].is_string(),
        "admins see the worker: {running}"
    );
    let as_member = app.get_json(&path, &t.member).await;
    assert!(as_member["lease_owner"].is_null(), "{as_member}");
    let listed = app.get_json("/api/v1/jobs", &t.member).await;
    assert!(listed["items"][0]["lease_owner"].is_null(), "{listed}");

    let refused = app
        .call(Method::POST, &format!("{path}/cancel"), &t.member)
        .await;
    expect_problem(refused, 403).await;
    assert_eq!(
        app.get_json(&path, &t.admin).await["cancel_requested"],
        false
    );
    let accepted = app
        .call(Method::POST, &format!("{path}/cancel"), &t.admin)
        .await;
    assert_eq!(accepted.status(), 202);
}

async fn deleting_a_project_cancels_its_queued_generation_jobs(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let t = app.tenant("t").await;
    let project = app.create_project(&t.member, "doomed").await;
    let id = project["id"].as_str().expect("id");
    let spec = serde_json::json!({"spec_version": 1, "service": {"name": "doomed"},
        "entities": [{"name": "Thing", "fields": [{"name": "a", "type": "string"}]}]});
    let generation = app
        .post_json(
            &format!("/api/v1/projects/{id}/generations"),
            &t.member,
            &serde_json::json!({"spec": spec, "qa": false}),
        )
        .await;
    let job = format!(
        "/api/v1/jobs/{}",
        generation["job_id"].as_str().expect("job")
    );
    assert_eq!(app.get_json(&job, &t.member).await["state"], "queued");
    let deleted = app
        .call(Method::DELETE, &format!("/api/v1/projects/{id}"), &t.member)
        .await;
    assert_eq!(deleted.status(), 204);
    let after = app.get_json(&job, &t.member).await;
    assert_eq!(after["state"], "cancelled", "{after}");
    assert!(
        after["error"]
            .as_str()
            .is_some_and(|e| e.contains("project was deleted")),
        "{after}"
    );
}

async fn a_tenant_at_its_quota_of_active_generations_gets_429_until_one_ends(backend: TestBackend) {
    let settings = HttpSettings {
        max_active_generations_per_tenant: 3,
        ..HttpSettings::default()
    };
    let app = TestApp::spawn_with(backend, 0, settings).await;
    let (a, b) = (app.tenant("a").await, app.tenant("b").await);
    let generate = |key: String, path: String| {
        let app = &app;
        async move {
            let spec = serde_json::json!({"spec_version": 1, "service": {"name": "q"},
                "entities": [{"name": "Thing", "fields": [{"name": "a", "type": "string"}]}]});
            app.post(&path, &key, &serde_json::json!({"spec": spec, "qa": false}))
                .await
        }
    };
    let path_of = |project: &serde_json::Value| {
        format!(
            "/api/v1/projects/{}/generations",
            project["id"].as_str().expect("id")
        )
    };
    let path_a = path_of(&app.create_project(&a.member, "a").await);
    let path_b = path_of(&app.create_project(&b.member, "b").await);
    // Six at once against a quota of three: exactly three get through.
    let answers =
        futures::future::join_all((0..6).map(|_| generate(a.member.clone(), path_a.clone()))).await;
    let mut accepted = Vec::new();
    for answer in answers {
        match answer.status().as_u16() {
            202 => accepted.push(answer.json::<serde_json::Value>().await.expect("json")),
            429 => {
                assert_eq!(
                    answer
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok()),
                    Some("30")
                );
                let problem = expect_problem(answer, 429).await;
                assert_eq!(problem["type"], "urn:ectus:problem:too-many-generations");
            }
            other => panic!(
                "unexpected {other}: {}",
                answer.text().await.unwrap_or_default()
            ),
        }
    }
    assert_eq!(
        accepted.len(),
        3,
        "the quota holds under concurrent requests"
    );
    assert_eq!(
        generate(b.member.clone(), path_b.clone()).await.status(),
        202,
        "another tenant's quota is its own"
    );
    let job = accepted[0]["job_id"].as_str().expect("job");
    let cancelled = app
        .call(
            Method::POST,
            &format!("/api/v1/jobs/{job}/cancel"),
            &a.member,
        )
        .await;
    assert_eq!(cancelled.status(), 202);
    assert_eq!(
        generate(a.member.clone(), path_a.clone()).await.status(),
        202,
        "a cancelled generation frees its place"
    );
}

async fn an_artifact_removed_by_retention_answers_410_and_the_generation_stays(
    backend: TestBackend,
) {
    use ectus_store::generations::{GenerationStatus, NewGeneration};
    use ectus_store::jobs::NewJob;
    use ectus_store::retention::{RetentionKind, RetentionPolicy};
    let app = TestApp::spawn(backend).await;
    let t = app.tenant("t").await;
    let project = app.create_project(&t.member, "p").await;
    let project_id = project["id"].as_str().expect("id").to_owned();
    let (spec, assumptions) = (serde_json::json!({}), serde_json::json!([]));
    let new = NewGeneration {
        input_kind: ectus_spec::InputKind::Spec,
        input: "{}",
        spec: &spec,
        spec_hash: "h",
        assumptions: &assumptions,
        coverage: None,
        qa: false,
    };
    let job_for = |id: &str| NewJob {
        kind: "generate".into(),
        payload: serde_json::json!({ "generation_id": id }),
        max_attempts: 1,
    };
    let (generation, _) = app
        .store
        .create_generation(&t.id, &project_id, &new, 10, job_for, None)
        .await
        .expect("create");
    let job = app
        .store
        .claim_job("w", 60_000)
        .await
        .expect("claim")
        .expect("job");
    assert!(app
        .store
        .start_generation(&generation.id, "w")
        .await
        .expect("start"));
    assert!(app
        .store
        .finish_generation(
            &generation.id,
            "w",
            GenerationStatus::Generated,
            None,
            Some(b"tar")
        )
        .await
        .expect("finish"));
    assert!(app
        .store
        .complete_job(&job.id, "w", &serde_json::json!({}))
        .await
        .expect("complete"));
    let path = format!(
        "/api/v1/projects/{project_id}/generations/{}",
        generation.id
    );
    let download = app.get(&format!("{path}/artifact"), &t.member).await;
    assert_eq!(download.status(), 200);
    tokio::time::sleep(Duration::from_millis(5)).await;
    let policy = RetentionPolicy {
        kind: RetentionKind::GenerationArtifacts,
        keep: Duration::ZERO,
    };
    let run = app
        .store
        .enforce_retention(&[policy], 10, &ectus_store::audit::Acting::platform())
        .await
        .expect("retention");
    assert_eq!(run.outcomes[0].removed, 1);
    let gone = expect_problem(app.get(&format!("{path}/artifact"), &t.member).await, 410).await;
    assert!(
        gone["detail"]
            .as_str()
            .is_some_and(|d| d.contains("retention policy")),
        "{gone}"
    );
    let view = app.get_json(&path, &t.member).await;
    assert_eq!(view["status"], "generated", "{view}");
    assert!(
        view["artifact"].is_null() && view["artifact_expired_at"].is_string(),
        "{view}"
    );
}

async fn a_read_only_instance_serves_reads_and_exports_refuses_writes_and_runs_no_other_job(
    backend: TestBackend,
) {
    let app = TestApp::spawn_with(backend, 1, HttpSettings::default()).await;
    let t = app.tenant("acme").await;
    app.create_project(&t.admin, "shop").await;
    app.store
        .set_instance_read_only("decommissioning", &Acting::operator())
        .await
        .expect("read-only");
    let write = app
        .post(
            "/api/v1/projects",
            &t.admin,
            &serde_json::json!({"name": "more"}),
        )
        .await;
    assert_eq!(write.status(), 503);
    assert_eq!(
        write
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("3600")
    );
    let body = expect_problem(write, 503).await;
    assert_eq!(
        body["type"]
            .as_str()
            .map(|t| t.ends_with("instance-read-only")),
        Some(true),
        "{body}"
    );
    let read = app.get("/api/v1/projects", &t.member).await;
    assert_eq!(read.status(), 200);
    let ready = app.readiness().await;
    assert_eq!(ready["status"], "read-only", "{ready}");
    assert!(
        ready["checks"]["writes"]
            .as_str()
            .unwrap_or("")
            .contains("decommissioning"),
        "{ready}"
    );

    // A job queued before stays queued; an export still runs.
    let sleeper = app
        .store
        .enqueue_job(
            &t.id,
            &ectus_store::jobs::NewJob {
                kind: "sleep".into(),
                payload: serde_json::json!({"duration_ms": 1}),
                max_attempts: 1,
            },
        )
        .await
        .expect("enqueue");
    let export = app
        .post_json("/api/v1/exports", &t.admin, &serde_json::json!({}))
        .await;
    let path = format!("/api/v1/exports/{}", export["id"].as_str().expect("id"));
    assert_eq!(
        app.finished_export(&path, &t.admin).await["state"],
        "succeeded"
    );
    let job = app.store.get_job(&t.id, &sleeper.id).await.expect("job");
    assert_eq!(
        job.state,
        ectus_store::jobs::JobState::Queued,
        "no job but exports runs"
    );
    assert!(app
        .store
        .set_instance_writable(&Acting::operator())
        .await
        .expect("writable"));
    for _ in 0..600 {
        if app
            .store
            .get_job(&t.id, &sleeper.id)
            .await
            .expect("job")
            .state
            == ectus_store::jobs::JobState::Succeeded
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        app.store
            .get_job(&t.id, &sleeper.id)
            .await
            .expect("job")
            .state,
        ectus_store::jobs::JobState::Succeeded,
        "writable again: the queue runs"
    );
    tokio::time::sleep(ectus_store::instance::STATE_TTL).await;
    let write = app
        .post(
            "/api/v1/projects",
            &t.admin,
            &serde_json::json!({"name": "more"}),
        )
        .await;
    assert_eq!(write.status(), 201);
}

async fn a_tenant_scheduled_for_deletion_reads_and_exports_but_cannot_write_until_restored(
    backend: TestBackend,
) {
    let app = TestApp::spawn(backend).await;
    let operator = app.tenant(ectus_store::tenants::OPERATOR_TENANT).await;
    let acme = app.tenant("acme").await;
    app.create_project(&acme.admin, "shop").await;
    let path = format!("/api/v1/tenants/{}", acme.id);
    let by_tenant = app.call(Method::DELETE, &path, &acme.admin).await;
    expect_problem(by_tenant, 403).await;
    let scheduled = app.call(Method::DELETE, &path, &operator.admin).await;
    assert_eq!(scheduled.status(), 202);
    let view: serde_json::Value = scheduled.json().await.expect("json");
    let purge_after = view["deletion"]["purge_after"]
        .as_str()
        .expect("purge_after")
        .to_owned();
    let again = app.call(Method::DELETE, &path, &operator.admin).await;
    expect_problem(again, 409).await;
    let own = app
        .call(
            Method::DELETE,
            &format!("/api/v1/tenants/{}", operator.id),
            &operator.admin,
        )
        .await;
    let body = expect_problem(own, 409).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("cannot be deleted"),
        "{body}"
    );

    // Reads and exports work; writes are refused, saying why and until when.
    let projects = app.get("/api/v1/projects", &acme.member).await;
    assert_eq!(projects.status(), 200);
    let write = app
        .post(
            "/api/v1/projects",
            &acme.admin,
            &serde_json::json!({"name": "more"}),
        )
        .await;
    let body = expect_problem(write, 423).await;
    assert_eq!(
        body["type"]
            .as_str()
            .map(|t| t.ends_with("tenant-read-only")),
        Some(true),
        "{body}"
    );
    assert!(
        body["detail"].as_str().unwrap_or("").contains(&purge_after),
        "{body}"
    );
    let project = app.get_json("/api/v1/projects", &acme.admin).await["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let delete = app
        .call(
            Method::DELETE,
            &format!("/api/v1/projects/{project}"),
            &acme.admin,
        )
        .await;
    expect_problem(delete, 423).await;
    let export = app
        .post("/api/v1/exports", &acme.admin, &serde_json::json!({}))
        .await;
    assert_eq!(export.status(), 202, "data can still be taken out");

    let restored = app
        .call(Method::POST, &format!("{path}/restore"), &operator.admin)
        .await;
    assert_eq!(restored.status(), 200);
    let view: serde_json::Value = restored.json().await.expect("json");
    assert!(view["deletion"].is_null(), "{view}");
    let write = app
        .post(
            "/api/v1/projects",
            &acme.admin,
            &serde_json::json!({"name": "more"}),
        )
        .await;
    assert_eq!(
        write.status(),
        201,
        "writable again at once on this replica"
    );
}

async fn an_export_over_the_api_is_downloaded_whole_and_imports_elsewhere(backend: TestBackend) {
    // Without workers: the export stays queued.
    let idle = TestApp::spawn(backend).await;
    let t = idle.tenant("acme").await;
    let refused = idle
        .post("/api/v1/exports", &t.member, &serde_json::json!({}))
        .await;
    expect_problem(refused, 403).await;
    let queued = idle
        .post("/api/v1/exports", &t.admin, &serde_json::json!({}))
        .await;
    assert_eq!(queued.status(), 202);
    let location = queued
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_owned();
    let queued: serde_json::Value = queued.json().await.expect("json");
    assert_eq!(queued["state"], "queued");
    assert_eq!(
        location,
        format!("/api/v1/exports/{}", queued["id"].as_str().expect("id"))
    );
    let second = idle
        .post("/api/v1/exports", &t.admin, &serde_json::json!({}))
        .await;
    let body = expect_problem(second, 409).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("still queued or running"),
        "{body}"
    );
    let early = idle.get(&format!("{location}/archive"), &t.admin).await;
    expect_problem(early, 409).await;
    let not_an_export = idle
        .post_json(
            "/api/v1/jobs",
            &t.admin,
            &serde_json::json!({"kind": "sleep", "payload": {"duration_ms": 1}}),
        )
        .await;
    let response = idle
        .get(
            &format!(
                "/api/v1/exports/{}",
                not_an_export["id"].as_str().expect("id")
            ),
            &t.admin,
        )
        .await;
    expect_problem(response, 404).await;

    // With a worker: written, stored, downloaded, imported elsewhere.
    let app = TestApp::spawn_with(backend, 1, HttpSettings::default()).await;
    let t = app.tenant("acme").await;
    app.create_project(&t.admin, "shop").await;
    let created = app
        .post_json("/api/v1/exports", &t.admin, &serde_json::json!({}))
        .await;
    let path = format!("/api/v1/exports/{}", created["id"].as_str().expect("id"));
    let view = app.finished_export(&path, &t.admin).await;
    assert_eq!(view["state"], "succeeded", "{view}");
    assert_eq!(view["percent"], 100);
    let url = view["archive"]["url"]
        .as_str()
        .expect("archive url")
        .to_owned();
    let member = app.get(&url, &t.member).await;
    expect_problem(member, 403).await;
    let download = app.get(&url, &t.admin).await;
    assert_eq!(download.status(), 200);
    assert_eq!(
        download
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/gzip")
    );
    let header_sha = download
        .headers()
        .get("x-checksum-sha256")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = download.bytes().await.expect("body");
    assert_eq!(
        bytes.len() as u64,
        view["archive"]["bytes"].as_u64().expect("bytes")
    );
    let sha = ectus_archive::sha256_hex(&bytes);
    assert_eq!(Some(sha.as_str()), view["archive"]["sha256"].as_str());
    assert_eq!(header_sha.as_deref(), Some(sha.as_str()));
    let entries = app
        .store
        .audit_entries(&ectus_store::audit::AuditQuery {
            tenant_id: Some(t.id.clone()),
            limit: 100,
            cursor: None,
        })
        .await
        .expect("audit");
    let exported = entries
        .items
        .iter()
        .find(|e| e.action == ectus_store::audit::AuditAction::TenantExported)
        .expect("the export is audited");
    assert!(exported.actor.starts_with("key:"), "{}", exported.actor);
    assert_eq!(exported.details["archive_sha256"], sha.as_str());

    // Kept for retention.exports, then removed: the download answers 410, the summary stays.
    let policy = ectus_store::retention::RetentionPolicy {
        kind: ectus_store::retention::RetentionKind::ExportArchives,
        keep: Duration::ZERO,
    };
    let run = app
        .store
        .enforce_retention(&[policy], 10, &Acting::platform())
        .await
        .expect("retention");
    assert_eq!(run.outcomes[0].removed, 1, "one archive removed");
    let gone = app.get(&url, &t.admin).await;
    let body = expect_problem(gone, 410).await;
    assert_eq!(
        body["type"].as_str().map(|t| t.ends_with("export-expired")),
        Some(true),
        "{body}"
    );
    let expired = app.get_json(&path, &t.admin).await;
    assert_eq!(expired["archive_expired"], true, "{expired}");
    assert!(
        expired["archive"].is_null() && expired["summary"].is_object(),
        "{expired}"
    );

    let file = app.db.dir.path().join("downloaded.tar.gz");
    std::fs::write(&file, &bytes).expect("write");
    let elsewhere = TestApp::spawn(backend).await;
    let imported = elsewhere
        .store
        .import_archive(
            &file,
            &Acting::operator(),
            &ectus_store::transfer::Limits::default(),
        )
        .await
        .expect("import the downloaded archive");
    assert_eq!(imported.tenant, "acme");
    let jobs = elsewhere.get_json("/api/v1/jobs", &t.admin).await;
    assert_eq!(
        jobs["items"],
        serde_json::json!([]),
        "export jobs do not travel"
    );
    let projects = elsewhere.get_json("/api/v1/projects", &t.admin).await;
    assert_eq!(
        projects["items"][0]["name"], "shop",
        "the imported key reads the projects"
    );
}

backend_tests!(
    a_read_only_instance_serves_reads_and_exports_refuses_writes_and_runs_no_other_job,
    a_tenant_scheduled_for_deletion_reads_and_exports_but_cannot_write_until_restored,
    an_export_over_the_api_is_downloaded_whole_and_imports_elsewhere,
    an_artifact_removed_by_retention_answers_410_and_the_generation_stays,
    a_tenant_at_its_quota_of_active_generations_gets_429_until_one_ends,
    members_cannot_cancel_admin_jobs_nor_see_which_worker_runs_them,
    deleting_a_project_cancels_its_queued_generation_jobs,
    generations_are_listed_in_keyset_pages_without_their_large_fields,
    a_requirement_generation_carries_its_coverage_and_strict_refuses_gaps,
    every_api_route_rejects_missing_malformed_revoked_and_expired_keys,
    tenant_b_cannot_see_or_change_anything_of_tenant_a,
    invalid_requests_get_problems_naming_what_to_fix,
    unknown_routes_and_wrong_methods_are_problems,
    request_ids_are_echoed_when_valid_and_replaced_otherwise,
    patch_with_stale_etag_fails_with_412_and_changes_nothing,
    pages_stay_stable_while_projects_are_inserted,
    job_progress_streams_as_server_sent_events_until_the_end,
    readiness_names_the_failing_check,
    cors_is_off_by_default_and_on_when_configured,
    large_responses_are_compressed_on_request,
);
