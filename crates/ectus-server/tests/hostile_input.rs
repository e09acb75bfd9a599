//! Input crafted to hurt the server — documents that are expensive to parse, NUL characters,
//! inputs with thousands of problems — against a real server on both backends: each is
//! refused with a problem naming the field, and the server keeps answering meanwhile.

mod common;

use common::{expect_problem, TestApp};
use ectus_testkit::{backend_tests, TestBackend};
use reqwest::Method;
use serde_json::json;

async fn generations_path(app: &TestApp, key: &str) -> String {
    let project = app.create_project(key, "hostile").await;
    format!(
        "/api/v1/projects/{}/generations",
        project["id"].as_str().expect("id")
    )
}

async fn expensive_documents_are_refused_with_the_field_named_while_health_answers(
    backend: TestBackend,
) {
    let app = TestApp::spawn(backend).await;
    let t = app.tenant("t").await;
    let path = generations_path(&app, &t.member).await;
    let brackets = json!({"openapi": "[".repeat(200_000), "qa": false});
    let braces = json!({"openapi": "{\"a\": ".repeat(40_000), "qa": false});
    let (deep, deeper, health) = tokio::join!(
        app.post(&path, &t.member, &brackets),
        app.post(&path, &t.member, &braces),
        app.client.get(app.url("/health/live")).send(),
    );
    assert_eq!(health.expect("health").status(), 200);
    for refused in [deep, deeper] {
        let body = expect_problem(refused, 422).await;
        assert_eq!(body["errors"][0]["field"], "openapi", "{body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("more than 128 levels deep") && m.contains("line 1")),
            "{body}"
        );
    }

    let long = "Patients have a name. ".repeat(ectus_spec::limits::MAX_REQUIREMENT_BYTES / 20);
    let body = expect_problem(
        app.post(&path, &t.member, &json!({"prompt": long, "qa": false}))
            .await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "prompt", "{body}");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("at most 256 KiB")),
        "{body}"
    );
    let listed = app.get_json(&path, &t.member).await;
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(0),
        "nothing queued"
    );
}

async fn nul_characters_are_refused_naming_the_field_and_store_nothing(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let t = app.tenant("t").await;
    let nul_in = |field: &str, value: serde_json::Value| {
        let mut body = json!({"name": "clean", "description": "clean"});
        body[field] = value;
        body
    };
    for (body, field) in [
        (nul_in("name", json!("a\u{0}b")), "name"),
        (nul_in("description", json!("text\u{0}")), "description"),
    ] {
        let refused =
            expect_problem(app.post("/api/v1/projects", &t.member, &body).await, 422).await;
        assert_eq!(refused["errors"][0]["field"], field, "{refused}");
        assert!(
            refused["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("NUL")),
            "{refused}"
        );
    }
    let project = app.create_project(&t.member, "kept").await;
    let id = project["id"].as_str().expect("id");
    let patched = app
        .request(Method::PATCH, &format!("/api/v1/projects/{id}"), &t.member)
        .json(&json!({"description": "\u{0}"}))
        .send()
        .await
        .expect("send");
    let refused = expect_problem(patched, 422).await;
    assert_eq!(refused["errors"][0]["field"], "description", "{refused}");

    for query in ["name=%00", "name=a%00b&limit=5", "status=active&name=x%00"] {
        let refused = expect_problem(
            app.get(&format!("/api/v1/projects?{query}"), &t.member)
                .await,
            422,
        )
        .await;
        assert_eq!(refused["errors"][0]["field"], "name", "{query}: {refused}");
    }

    let path = format!("/api/v1/projects/{id}/generations");
    let refused = expect_problem(
        app.post(
            &path,
            &t.member,
            &json!({"prompt": "Books have a \u{0}title."}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "prompt", "{refused}");
    let spec = json!({"spec": {"spec_version": 1, "service": {"name": "x"},
        "entities": [{"name": "Thing", "fields": [{"name": "a", "type": "string", "description": "\u{0}"}]}]}});
    let refused = expect_problem(app.post(&path, &t.member, &spec).await, 422).await;
    assert_eq!(
        refused["errors"][0]["field"], "spec.entities[0].fields[0].description",
        "{refused}"
    );

    let page = app.get_json("/api/v1/projects", &t.member).await;
    let names: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["kept"], "only the clean project is stored");
    assert_eq!(
        page["items"][0]["description"], "",
        "the patch changed nothing"
    );
    let generations = app.get_json(&path, &t.member).await;
    assert_eq!(generations["items"].as_array().map(Vec::len), Some(0));
}

async fn a_spec_with_thousands_of_problems_lists_fifty_and_counts_the_rest(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let t = app.tenant("t").await;
    let path = generations_path(&app, &t.member).await;
    let entities: Vec<_> = (0..2_000)
        .map(|i| {
            json!({"name": format!("Thing{i}"), "fields": [
                {"name": "a", "type": "string", "max_length": 0},
                {"name": "b", "type": "integer", "min": 10, "max": 1}
            ]})
        })
        .collect();
    let spec = json!({"spec": {"spec_version": 1, "service": {"name": "x"}, "entities": entities}});
    let body = expect_problem(app.post(&path, &t.member, &spec).await, 422).await;
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(
        errors.len(),
        ectus_server::problem::MAX_FIELD_ERRORS + 1,
        "{body}"
    );
    let last = errors.last().expect("last")["message"]
        .as_str()
        .expect("message");
    assert!(last.contains("more problems not listed"), "{last}");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("more problems listed in `errors`")),
        "{body}"
    );
}

async fn two_authorization_headers_are_refused_whichever_comes_first(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let t = app.tenant("t").await;
    for (first, second) in [
        (t.member.as_str(), "Bearer ek_0000000000_forged"),
        ("Bearer ek_0000000000_forged", t.member.as_str()),
    ] {
        let first = if first.starts_with("Bearer") {
            first.to_owned()
        } else {
            format!("Bearer {first}")
        };
        let second = if second.starts_with("Bearer") {
            second.to_owned()
        } else {
            format!("Bearer {second}")
        };
        let mut headers = reqwest::header::HeaderMap::new();
        headers.append("authorization", first.parse().expect("header"));
        headers.append("authorization", second.parse().expect("header"));
        let response = app
            .client
            .get(app.url("/api/v1/me"))
            .headers(headers)
            .send()
            .await
            .expect("send");
        let problem = expect_problem(response, 400).await;
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("exactly one Authorization header")),
            "{problem}"
        );
    }
}

backend_tests!(
    two_authorization_headers_are_refused_whichever_comes_first,
    expensive_documents_are_refused_with_the_field_named_while_health_answers,
    nul_characters_are_refused_naming_the_field_and_store_nothing,
    a_spec_with_thousands_of_problems_lists_fifty_and_counts_the_rest,
);

/// Sends raw bytes on a new connection; the response as text (up to `limit` bytes), or
/// whatever arrived before the server closed the connection.
async fn raw_exchange(base: &str, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut response = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut buf)).await
        {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => {
                response.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&response);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length: ")
                                .map(str::to_owned)
                        })
                        .and_then(|v| v.trim().parse::<usize>().ok());
                    if length.is_some_and(|n| body.len() >= n) {
                        break;
                    }
                }
            }
        }
    }
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn long_targets_and_large_headers_are_problems_and_silent_or_trickling_clients_are_cut_off() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let long_target = format!(
        "GET /health/live?{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(20_000)
    );
    let response = raw_exchange(&app.base, long_target.as_bytes()).await;
    assert!(
        response.starts_with("HTTP/1.1 414"),
        "{}",
        &response[..200.min(response.len())]
    );
    assert!(
        response.contains("application/problem+json") && response.contains("uri-too-long"),
        "{response}"
    );
    let large_headers = format!(
        "GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Large: {}\r\n\r\n",
        "b".repeat(40_000)
    );
    let response = raw_exchange(&app.base, large_headers.as_bytes()).await;
    assert!(
        response.starts_with("HTTP/1.1 431"),
        "{}",
        &response[..200.min(response.len())]
    );
    assert!(response.contains("headers-too-large"), "{response}");

    // A connection that sends nothing at all is closed too (checked meanwhile).
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://").to_owned();
    let silent = {
        let addr = addr.clone();
        tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(&addr)
                .await
                .expect("connect");
            let mut buf = [0u8; 512];
            let limit = ectus_server::serve::HEADER_READ_TIMEOUT * 3;
            tokio::time::timeout(limit, stream.read(&mut buf))
                .await
                .is_ok()
        })
    };
    // One header line every second: without a header read time-out this holds the
    // connection for as long as the client likes.
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    stream
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let trickle_for = ectus_server::serve::HEADER_READ_TIMEOUT * 3;
    let started = std::time::Instant::now();
    let mut cut_off = false;
    while started.elapsed() < trickle_for {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        if stream.write_all(b"X-Slow: 1\r\n").await.is_err() {
            cut_off = true;
            break;
        }
        // Anything arriving (a 408, or the end of the stream) means the server gave up.
        let mut buf = [0u8; 512];
        let read =
            tokio::time::timeout(std::time::Duration::from_millis(10), stream.read(&mut buf)).await;
        if read.is_ok() {
            cut_off = true;
            break;
        }
    }
    assert!(
        cut_off,
        "a connection trickling its headers is closed by the server"
    );
    assert!(
        silent.await.expect("silent"),
        "a connection sending nothing is closed by the server"
    );
}
