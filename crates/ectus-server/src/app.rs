//! Assembling the router: routes, the OpenAPI document, fallbacks and the middleware stack.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::middleware;
use crate::openapi::ApiDoc;
use crate::problem::ApiError;
use crate::routes::{
    audit, exports, generations, health, incidents, jobs, me, projects, spec, tenants,
};
use crate::state::AppState;

/// Every documented route, and the OpenAPI document describing exactly those routes.
pub fn api_routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::live))
        .routes(routes!(health::ready))
        .routes(routes!(me::me))
        .routes(routes!(projects::create, projects::list))
        .routes(routes!(projects::get, projects::update, projects::delete))
        .routes(routes!(generations::create, generations::list))
        .routes(routes!(generations::get))
        .routes(routes!(generations::artifact))
        .routes(routes!(spec::schema))
        .routes(routes!(jobs::enqueue, jobs::list))
        .routes(routes!(jobs::get))
        .routes(routes!(jobs::cancel))
        .routes(routes!(jobs::events))
        .routes(routes!(incidents::webhook))
        .routes(routes!(incidents::list))
        .routes(routes!(incidents::acknowledge))
        .routes(routes!(audit::list))
        .routes(routes!(exports::create))
        .routes(routes!(exports::get))
        .routes(routes!(exports::archive))
        .routes(routes!(tenants::delete))
        .routes(routes!(tenants::restore))
        .split_for_parts()
}

/// The OpenAPI document served at `/api/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api_routes().1
}

/// The complete application: routes, `/api/openapi.json`, fallbacks and middleware.
pub fn build_app(state: AppState) -> Router {
    let (router, api) = api_routes();
    let document = Arc::new(api);
    let settings = state.settings.clone();
    let router = router
        .route(
            "/api/openapi.json",
            get(move || {
                let document = document.clone();
                async move { Json(document.as_ref().clone()) }
            }),
        )
        .route_layer(axum::middleware::from_fn(middleware::record_route))
        .fallback(|method: Method, uri: axum::http::Uri| async move {
            ApiError::not_found(&format!("route {method} {}", uri.path()))
        })
        .with_state(state)
        .layer(DefaultBodyLimit::max(settings.body_limit_bytes))
        .layer(axum::middleware::from_fn_with_state(
            settings.request_timeout,
            middleware::request_timeout,
        ));
    let router = match cors_layer(&settings.cors_allowed_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    };
    let router = router
        .layer(axum::middleware::from_fn(middleware::request_limits))
        .layer(axum::middleware::from_fn(middleware::problem_details))
        .layer(CompressionLayer::new());
    if settings.request_telemetry {
        router.layer(axum::middleware::from_fn(middleware::request_id))
    } else {
        router
    }
}

fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok())
                .collect::<Vec<_>>(),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
            .allow_headers([
                axum::http::header::AUTHORIZATION,
                axum::http::header::CONTENT_TYPE,
                axum::http::header::IF_MATCH,
                middleware::REQUEST_ID,
            ])
            .expose_headers([
                axum::http::header::ETAG,
                axum::http::header::LOCATION,
                middleware::REQUEST_ID,
            ])
            .max_age(Duration::from_secs(600)),
    )
}
