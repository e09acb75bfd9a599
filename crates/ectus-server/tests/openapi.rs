//! The OpenAPI document is generated from the router and covers every route.

mod common;

use common::{documented_operations, TestApp};
use ectus_testkit::TestBackend;

/// The routes the API serves. Adding a route without documenting it (or documenting one that
/// is not served) fails here.
const SERVED: &[(&str, &str)] = &[
    ("DELETE", "/api/v1/projects/{id}"),
    ("DELETE", "/api/v1/tenants/{id}"),
    ("GET", "/api/v1/audit"),
    ("GET", "/api/v1/exports/{id}"),
    ("GET", "/api/v1/exports/{id}/archive"),
    ("GET", "/api/v1/incidents"),
    ("GET", "/api/v1/jobs"),
    ("GET", "/api/v1/jobs/{id}"),
    ("GET", "/api/v1/jobs/{id}/events"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/projects"),
    ("GET", "/api/v1/projects/{id}"),
    ("GET", "/api/v1/projects/{id}/generations"),
    ("GET", "/api/v1/projects/{id}/generations/{generation_id}"),
    (
        "GET",
        "/api/v1/projects/{id}/generations/{generation_id}/artifact",
    ),
    ("GET", "/api/v1/spec/schema"),
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    ("PATCH", "/api/v1/projects/{id}"),
    ("POST", "/api/v1/alerts/webhook"),
    ("POST", "/api/v1/exports"),
    ("POST", "/api/v1/incidents/{id}/ack"),
    ("POST", "/api/v1/jobs"),
    ("POST", "/api/v1/jobs/{id}/cancel"),
    ("POST", "/api/v1/projects"),
    ("POST", "/api/v1/projects/{id}/generations"),
    ("POST", "/api/v1/tenants/{id}/restore"),
];

#[test]
fn document_is_openapi_3_1_and_lists_exactly_the_served_routes() {
    let doc = serde_json::to_value(ectus_server::openapi_document()).expect("doc");
    assert!(
        doc["openapi"].as_str().unwrap_or("").starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let documented = documented_operations();
    let served: Vec<(String, String)> = SERVED
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, served);
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn every_documented_route_is_routed_and_the_document_is_served() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let served: serde_json::Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(
        served,
        serde_json::to_value(ectus_server::openapi_document()).expect("doc")
    );
    for (m, template) in documented_operations() {
        let some_id = uuid::Uuid::now_v7().to_string();
        let url = app.url(
            &template
                .replace("{id}", &some_id)
                .replace("{generation_id}", &some_id),
        );
        let response = app
            .client
            .request(
                reqwest::Method::from_bytes(m.as_bytes()).expect("method"),
                url,
            )
            .send()
            .await
            .expect("send");
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let route_missing = status == 405
            || body["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("route "));
        assert!(
            !route_missing,
            "{m} {template} is documented but not routed: {status} {body}"
        );
    }
}
