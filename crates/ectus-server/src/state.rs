//! Shared state of the HTTP handlers and the settings of the HTTP layer.

use std::time::Duration;

use ectus_jobs::WorkerHealth;
use ectus_store::Store;
use tokio_util::sync::CancellationToken;

/// The largest request body accepted unless configured otherwise (2 MiB: room for an OpenAPI
/// document or a long requirement).
pub const DEFAULT_BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Largest accepted request body.
    pub body_limit_bytes: usize,
    /// Longest a request may take (event streams excepted).
    pub request_timeout: Duration,
    /// Origins allowed by CORS; empty disables CORS. `*` allows any origin.
    pub cors_allowed_origins: Vec<String>,
    /// How often an event stream checks its job for changes.
    pub events_poll_interval: Duration,
    /// Bearer token Alertmanager sends to `POST /api/v1/alerts/webhook`; `None` turns the
    /// webhook off.
    pub alert_webhook_token: Option<secrecy::SecretString>,
    /// Per-request telemetry: request id, span, metrics and access line. Always on in the
    /// platform; off only to measure what it costs (the observability load benchmark).
    pub request_telemetry: bool,
    /// Most generations one tenant may have queued or running at once (429 beyond).
    pub max_active_generations_per_tenant: u32,
    /// How long a tenant scheduled for deletion stays read-only and restorable before its
    /// purge may begin.
    pub tenant_deletion_grace: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            body_limit_bytes: DEFAULT_BODY_LIMIT_BYTES,
            request_timeout: Duration::from_secs(30),
            cors_allowed_origins: Vec::new(),
            events_poll_interval: Duration::from_millis(250),
            alert_webhook_token: None,
            request_telemetry: true,
            max_active_generations_per_tenant: 10,
            tenant_deletion_grace: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Health of the in-process workers, when this process runs any.
    pub workers: Option<WorkerHealth>,
    pub settings: std::sync::Arc<HttpSettings>,
    /// Fired at shutdown so that long-lived responses (event streams) end.
    pub shutdown: CancellationToken,
}
