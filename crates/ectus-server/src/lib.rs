//! The HTTP API of the Ectus-R platform.
//!
//! [`build_app`] assembles the axum router: the `/api/v1` resources (tenant-scoped, bearer
//! API keys), health probes, the generated OpenAPI 3.1 document at `/api/openapi.json`, and
//! the middleware every response passes through (request id and access log, problem details,
//! compression, CORS, timeout, body limit). [`serve`] runs it with a bounded graceful
//! shutdown.

pub mod app;
pub mod auth;
pub mod blocking;
pub mod extract;
pub mod metrics_endpoint;
pub mod middleware;
pub mod openapi;
pub mod problem;
pub mod routes;
pub mod serve;
pub mod state;

pub use app::{api_routes, build_app, openapi_document};
pub use metrics_endpoint::metrics_router;
pub use serve::serve;
pub use state::{AppState, HttpSettings, DEFAULT_BODY_LIMIT_BYTES};
