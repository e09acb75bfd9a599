//! An Ectus-R API on a random local port, backed by a fresh database.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use ectus_jobs::{Registry, WorkerOptions, WorkerPool};
use ectus_server::{build_app, AppState, HttpSettings};
use ectus_store::api_keys::NewKey;
use ectus_store::audit::Acting;
use ectus_store::tenants::Role;
use ectus_store::{Store, StoreOptions};
use ectus_testkit::{FaultProxy, TestBackend, TestDb};
use tokio_util::sync::CancellationToken;

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub client: reqwest::Client,
    pub shutdown: CancellationToken,
    pub workers: Option<WorkerPool>,
    pub db: TestDb,
}

/// A tenant with an admin and a member key.
pub struct TestTenant {
    pub id: String,
    pub admin: String,
    pub member: String,
}

impl TestApp {
    pub async fn spawn(backend: TestBackend) -> TestApp {
        TestApp::spawn_with(backend, 0, HttpSettings::default()).await
    }

    pub async fn spawn_with(
        backend: TestBackend,
        workers: usize,
        settings: HttpSettings,
    ) -> TestApp {
        let db = TestDb::new(backend).await;
        let url = db.url.clone();
        TestApp::spawn_on(db, &url, workers, settings).await
    }

    /// An app on a fresh PostgreSQL database reached through a [`FaultProxy`], to cut.
    pub async fn spawn_behind_proxy(settings: HttpSettings) -> (TestApp, FaultProxy) {
        let db = TestDb::new(TestBackend::Postgres).await;
        let proxy = FaultProxy::in_front_of(&db.url).await;
        let url = proxy.url_for(&db.url);
        (TestApp::spawn_on(db, &url, 0, settings).await, proxy)
    }

    /// An app on `db`, connecting through `url`.
    pub async fn spawn_on(
        db: TestDb,
        url: &str,
        workers: usize,
        mut settings: HttpSettings,
    ) -> TestApp {
        let store = Store::connect(
            url,
            &StoreOptions {
                max_connections: 20,
                ..Default::default()
            },
        )
        .await
        .expect("connect");
        store.migrate().await.expect("migrate");
        settings.events_poll_interval = Duration::from_millis(50);
        let pool = (workers > 0).then(|| {
            let mut registry = Registry::with_builtin_kinds();
            registry.register(
                ectus_jobs::export::KIND,
                ectus_jobs::export::ExportJob {
                    work_dir: db.dir.path().join("exports"),
                },
            );
            WorkerPool::start(
                store.clone(),
                registry,
                WorkerOptions {
                    concurrency: workers,
                    lease: Duration::from_secs(3),
                    poll_interval: Duration::from_millis(20),
                    shutdown_grace: Duration::from_secs(2),
                    retry_backoff: Duration::from_millis(10),
                },
            )
        });
        let shutdown = CancellationToken::new();
        let state = AppState {
            store: store.clone(),
            workers: pool.as_ref().map(WorkerPool::health),
            settings: Arc::new(settings),
            shutdown: shutdown.clone(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let app = build_app(state);
        let token = shutdown.clone();
        tokio::spawn(ectus_server::serve(
            listener,
            app,
            token,
            Duration::from_secs(5),
        ));
        TestApp {
            base,
            store,
            client: reqwest::Client::builder().build().expect("client"),
            shutdown,
            workers: pool,
            db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn tenant(&self, name: &str) -> TestTenant {
        let tenant = self
            .store
            .create_tenant(name, &Acting::operator())
            .await
            .expect("tenant");
        let key = |role| NewKey {
            tenant_id: &tenant.id,
            user_id: None,
            name: "test",
            role,
            expires_at: None,
        };
        let admin = self
            .store
            .create_api_key(key(Role::Admin), &Acting::operator())
            .await
            .expect("key")
            .plaintext;
        let member = self
            .store
            .create_api_key(key(Role::Member), &Acting::operator())
            .await
            .expect("key")
            .plaintext;
        TestTenant {
            id: tenant.id,
            admin,
            member,
        }
    }

    /// A request to `path` with `key` as bearer token, to finish and send.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
    ) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path)).bearer_auth(key)
    }

    /// `method path` with `key` and no body.
    pub async fn call(&self, method: reqwest::Method, path: &str, key: &str) -> reqwest::Response {
        send(self.request(method, path, key)).await
    }

    /// `GET path` with `key`.
    pub async fn get(&self, path: &str, key: &str) -> reqwest::Response {
        self.call(reqwest::Method::GET, path, key).await
    }

    /// `POST path` with `key` and a JSON body.
    pub async fn post(&self, path: &str, key: &str, body: &serde_json::Value) -> reqwest::Response {
        send(self.request(reqwest::Method::POST, path, key).json(body)).await
    }

    /// `GET /health/ready` (no key), answered with JSON.
    pub async fn readiness(&self) -> serde_json::Value {
        json(send(self.client.get(self.url("/health/ready"))).await).await
    }

    /// Polls the export at `path` with `key` until it ends (at most 30 s); its last view.
    pub async fn finished_export(&self, path: &str, key: &str) -> serde_json::Value {
        let mut view = serde_json::Value::Null;
        for _ in 0..600 {
            view = self.get_json(path, key).await;
            if ["succeeded", "failed", "cancelled"].contains(&view["state"].as_str().unwrap_or(""))
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        view
    }

    /// `GET path` with `key`, answered with JSON.
    pub async fn get_json(&self, path: &str, key: &str) -> serde_json::Value {
        json(self.get(path, key).await).await
    }

    /// `POST path` with `key` and a JSON body, answered with JSON.
    pub async fn post_json(
        &self,
        path: &str,
        key: &str,
        body: &serde_json::Value,
    ) -> serde_json::Value {
        json(self.post(path, key, body).await).await
    }

    pub async fn create_project(&self, key: &str, name: &str) -> serde_json::Value {
        let response = self
            .post(
                "/api/v1/projects",
                key,
                &serde_json::json!({ "name": name }),
            )
            .await;
        assert_eq!(response.status(), 201, "create project {name}");
        json(response).await
    }
}

/// Sends a request; a transport error fails the test.
pub async fn send(request: reqwest::RequestBuilder) -> reqwest::Response {
    request.send().await.expect("send")
}

/// The JSON body of a response; a body that is not JSON fails the test.
pub async fn json(response: reqwest::Response) -> serde_json::Value {
    response.json().await.expect("json")
}

/// Asserts that a response is a problem document with `status`; returns the document.
pub async fn expect_problem(response: reqwest::Response, status: u16) -> serde_json::Value {
    let got = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    assert_eq!(got, status, "unexpected status; body: {body}");
    assert_eq!(content_type, "application/problem+json", "body: {body}");
    assert_eq!(body["status"], status, "{body}");
    assert!(
        body["type"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(
        body["detail"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(body["request_id"].as_str().is_some(), "{body}");
    body
}

/// Every (method, path template) of the OpenAPI document.
pub fn documented_operations() -> Vec<(String, String)> {
    let doc = serde_json::to_value(ectus_server::openapi_document()).expect("doc");
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                ops.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops.sort();
    ops
}
