//! Alertmanager's webhook recorded as incidents, on both backends: created once per alert
//! occurrence, updated by repeated deliveries and the resolution, listed and acknowledged by
//! the operator; bad tokens and malformed payloads refused with problems and nothing written.

mod common;

use common::{expect_problem, TestApp};
use ectus_server::HttpSettings;
use ectus_testkit::{backend_tests, TestBackend};

const TOKEN: &str = "webhook-token-0123456789abcdef";

async fn app(backend: TestBackend) -> TestApp {
    TestApp::spawn_with(
        backend,
        0,
        HttpSettings {
            alert_webhook_token: Some(secrecy::SecretString::from(TOKEN)),
            ..Default::default()
        },
    )
    .await
}

/// A delivery as Alertmanager 0.25 sends it.
fn delivery(status: &str, alerts: &[(&str, &str, &str)]) -> serde_json::Value {
    let alerts: Vec<_> = alerts
        .iter()
        .map(|(name, fingerprint, alert_status)| {
            serde_json::json!({
                "status": alert_status,
                "labels": {"alertname": name, "severity": "critical", "component": "api",
                           "instance": "ectus-api:9091", "job": "ectus-api"},
                "annotations": {"summary": format!("{name} summary"),
                                "runbook_url": format!("docs/runbooks/{name}.md")},
                "startsAt": "2026-11-27T10:00:00.000Z",
                "endsAt": if *alert_status == "resolved" { "2026-11-27T10:05:00.000Z" } else { "0001-01-01T00:00:00Z" },
                "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
                "fingerprint": fingerprint,
            })
        })
        .collect();
    serde_json::json!({
        "version": "4",
        "groupKey": "{}/{severity=\"critical\"}:{alertname=\"X\"}",
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "ectus-incidents",
        "groupLabels": {"alertname": "X"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    })
}

async fn post(app: &TestApp, token: Option<&str>, body: String) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/alerts/webhook"))
        .header("content-type", "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("send")
}

async fn incidents(app: &TestApp, key: &str, query: &str) -> serde_json::Value {
    let response = app.get(&format!("/api/v1/incidents{query}"), key).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

async fn deliveries_become_incidents_once_and_resolve(backend: TestBackend) {
    let app = app(backend).await;
    let operator = app.tenant("default").await;
    let firing = delivery(
        "firing",
        &[
            ("EctusHighErrorRatio", "aa11", "firing"),
            ("EctusTargetDown", "bb22", "firing"),
        ],
    );
    let first: serde_json::Value = post(&app, Some(TOKEN), firing.to_string())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        first,
        serde_json::json!({"received": 2, "created": 2, "updated": 0})
    );
    // Alertmanager repeats a firing group every repeat_interval: no duplicates.
    let again: serde_json::Value = post(&app, Some(TOKEN), firing.to_string())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        again,
        serde_json::json!({"received": 2, "created": 0, "updated": 2})
    );
    let listed = incidents(&app, &operator.admin, "").await;
    let items = listed["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{listed}");
    let error_ratio = items
        .iter()
        .find(|i| i["alertname"] == "EctusHighErrorRatio")
        .expect("incident");
    assert_eq!(error_ratio["status"], "firing");
    assert_eq!(error_ratio["severity"], "critical");
    assert_eq!(error_ratio["deliveries"], 2);
    assert_eq!(error_ratio["labels"]["component"], "api");
    assert_eq!(
        error_ratio["annotations"]["runbook_url"],
        "docs/runbooks/EctusHighErrorRatio.md"
    );
    assert_eq!(error_ratio["starts_at"], "2026-11-27T10:00:00.000Z");
    assert!(error_ratio["ends_at"].is_null());

    let resolved = delivery("resolved", &[("EctusHighErrorRatio", "aa11", "resolved")]);
    post(&app, Some(TOKEN), resolved.to_string()).await;
    // A late repeat of the firing delivery does not reopen it.
    post(&app, Some(TOKEN), firing.to_string()).await;
    let listed = incidents(&app, &operator.admin, "?status=resolved").await;
    let items = listed["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{listed}");
    assert_eq!(items[0]["alertname"], "EctusHighErrorRatio");
    assert_eq!(items[0]["ends_at"], "2026-11-27T10:05:00.000Z");
    let firing_now = incidents(&app, &operator.admin, "?status=firing").await;
    assert_eq!(firing_now["items"].as_array().map(Vec::len), Some(1));

    // The same alert firing again later is a new incident.
    let mut refire = delivery("firing", &[("EctusHighErrorRatio", "aa11", "firing")]);
    refire["alerts"][0]["startsAt"] = "2026-11-27T11:00:00Z".into();
    let receipt: serde_json::Value = post(&app, Some(TOKEN), refire.to_string())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(receipt["created"], 1);
    let all = incidents(&app, &operator.admin, "?limit=1").await;
    assert_eq!(all["items"][0]["starts_at"], "2026-11-27T11:00:00.000Z");
    let cursor = all["next_cursor"].as_str().expect("a second page");
    let next = incidents(&app, &operator.admin, &format!("?limit=5&cursor={cursor}")).await;
    assert_eq!(next["items"].as_array().map(Vec::len), Some(2));
}

async fn the_operator_acknowledges_an_incident_once(backend: TestBackend) {
    let app = app(backend).await;
    let operator = app.tenant("default").await;
    let customer = app.tenant("customer").await;
    post(
        &app,
        Some(TOKEN),
        delivery("firing", &[("EctusJobBacklog", "cc33", "firing")]).to_string(),
    )
    .await;
    let listed = incidents(&app, &operator.admin, "?acknowledged=false").await;
    let id = listed["items"][0]["id"].as_str().expect("id").to_owned();
    let ack = |key: String| {
        let app = &app;
        let id = id.clone();
        async move {
            app.call(
                reqwest::Method::POST,
                &format!("/api/v1/incidents/{id}/ack"),
                &key,
            )
            .await
        }
    };
    // Incidents are the platform's: a customer's admin and the operator's members are refused.
    expect_problem(ack(customer.admin.clone()).await, 403).await;
    expect_problem(ack(operator.member.clone()).await, 403).await;
    let response = ack(operator.admin.clone()).await;
    assert_eq!(response.status(), 200);
    let acked: serde_json::Value = response.json().await.expect("json");
    let prefix = operator.admin.split('_').nth(1).expect("prefix");
    assert_eq!(acked["acknowledged_by"], format!("key:{prefix}"));
    let when = acked["acknowledged_at"].as_str().expect("time").to_owned();
    let again: serde_json::Value = ack(operator.admin.clone())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        again["acknowledged_at"], when,
        "the first acknowledgement stands"
    );
    let acknowledged = incidents(&app, &operator.admin, "?acknowledged=true").await;
    assert_eq!(acknowledged["items"].as_array().map(Vec::len), Some(1));
    // The acknowledgement is in the audit log once, with the key and the request that did it.
    let audit = app
        .get_json("/api/v1/audit?limit=200", &operator.admin)
        .await;
    let acks: Vec<&serde_json::Value> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == "incident_acknowledged")
        .collect();
    assert_eq!(acks.len(), 1, "{audit:#}");
    assert_eq!(acks[0]["actor"], format!("key:{prefix}"));
    assert_eq!(acks[0]["target"], id.as_str());
    assert!(
        acks[0]["request_id"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{audit:#}"
    );
    // A customer's admin reads its own tenant's entries only; the platform's stay hidden.
    let own = app.get_json("/api/v1/audit", &customer.admin).await;
    let own = own["items"].as_array().expect("items");
    assert!(!own.is_empty());
    assert!(
        own.iter().all(|e| e["tenant_id"] == customer.id.as_str()),
        "{own:?}"
    );
    expect_problem(app.get("/api/v1/audit", &customer.member).await, 403).await;
    let missing = app
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/incidents/{}/ack", uuid::Uuid::now_v7()),
            &operator.admin,
        )
        .await;
    expect_problem(missing, 404).await;
}

async fn wrong_tokens_and_malformed_payloads_are_refused_and_nothing_is_recorded(
    backend: TestBackend,
) {
    let app = app(backend).await;
    let operator = app.tenant("default").await;
    let valid = delivery("firing", &[("EctusTargetDown", "dd44", "firing")]).to_string();
    expect_problem(post(&app, None, valid.clone()).await, 401).await;
    expect_problem(post(&app, Some("not-the-token"), valid.clone()).await, 401).await;
    // An API key is not the webhook token.
    expect_problem(post(&app, Some(&operator.admin), valid.clone()).await, 401).await;
    let mut one_bad = delivery(
        "firing",
        &[
            ("EctusTargetDown", "dd44", "firing"),
            ("EctusJobBacklog", "ee55", "firing"),
        ],
    );
    one_bad["alerts"][1]["startsAt"] = "last tuesday".into();
    for (body, mentions) in [
        ("{\"version\": \"4\"".to_owned(), "webhook payload"),
        (one_bad.to_string(), "alerts[1].startsAt"),
        (
            serde_json::json!({"version": "4", "alerts": [{"status": "firing"}]}).to_string(),
            "webhook payload",
        ),
    ] {
        let problem = expect_problem(post(&app, Some(TOKEN), body).await, 400).await;
        assert!(
            problem["detail"].as_str().unwrap_or("").contains(mentions),
            "{problem}"
        );
    }
    let listed = incidents(&app, &operator.admin, "").await;
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(0),
        "a refused delivery records nothing, not even its valid alerts"
    );
    let bad_filter = app
        .get("/api/v1/incidents?status=smouldering", &operator.admin)
        .await;
    expect_problem(bad_filter, 422).await;
}

async fn the_webhook_is_off_without_a_configured_token(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let body = delivery("firing", &[("EctusTargetDown", "ff66", "firing")]).to_string();
    let problem = expect_problem(post(&app, Some(TOKEN), body).await, 401).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or("")
            .contains("alerts.webhook_token"),
        "{problem}"
    );
}

backend_tests!(
    deliveries_become_incidents_once_and_resolve,
    the_operator_acknowledges_an_incident_once,
    wrong_tokens_and_malformed_payloads_are_refused_and_nothing_is_recorded,
    the_webhook_is_off_without_a_configured_token,
);
