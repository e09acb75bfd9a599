//! The request timeout answers a problem document instead of letting a request hang, and the
//! event-stream route is exempt.

use std::time::Duration;

use axum::routing::get;
use axum::Router;

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

fn stack(router: Router) -> Router {
    router
        .layer(axum::middleware::from_fn_with_state(
            Duration::from_millis(200),
            ectus_server::middleware::request_timeout,
        ))
        .layer(axum::middleware::from_fn(
            ectus_server::middleware::problem_details,
        ))
        .layer(axum::middleware::from_fn(
            ectus_server::middleware::request_id,
        ))
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(600)).await;
    "done"
}

#[tokio::test]
async fn a_slow_request_gets_a_timeout_problem_but_an_event_stream_does_not() {
    let base = serve(stack(
        Router::new()
            .route("/slow", get(slow))
            .route("/jobs/x/events", get(slow)),
    ))
    .await;
    let client = reqwest::Client::new();
    let response = client
        .get(format!("{base}/slow"))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["type"], "urn:ectus:problem:timeout");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("server.request_timeout"),
        "{body}"
    );
    // A client header does not buy an exemption...
    let response = client
        .get(format!("{base}/slow"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 503);
    // ...only the event-stream route has one.
    let response = client
        .get(format!("{base}/jobs/x/events"))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("text"), "done");
}
