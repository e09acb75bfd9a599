//! The metrics listener's router: `GET /metrics` in the Prometheus text format, or
//! OpenMetrics when the scraper asks for it, behind an optional bearer token. Gauges that
//! describe the database (queue depth, business counts, pool occupancy) and the process are
//! refreshed at scrape time.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use ectus_store::Store;
use ectus_telemetry::{metrics, QueueLabels};

use crate::problem::ApiError;

#[derive(Clone)]
struct MetricsState {
    store: Option<Store>,
    data_dir: Option<Arc<std::path::Path>>,
    token: Option<Arc<secrecy::SecretString>>,
}

/// The router of the metrics listener. `data_dir` is the directory whose filesystem's free
/// space is reported.
pub fn metrics_router(
    store: Option<Store>,
    data_dir: Option<std::path::PathBuf>,
    token: Option<secrecy::SecretString>,
) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .fallback(|| async {
            ApiError::not_found("route (the metrics listener serves GET /metrics)")
        })
        .with_state(MetricsState {
            store,
            data_dir: data_dir.map(Arc::from),
            token: token.map(Arc::new),
        })
}

async fn refresh(store: &Store) {
    let m = metrics();
    let (size, idle, max) = store.pool_stats();
    m.db_pool_connections
        .get_or_create(&ectus_telemetry::PoolLabels {
            state: "idle".into(),
        })
        .set(i64::from(idle));
    m.db_pool_connections
        .get_or_create(&ectus_telemetry::PoolLabels {
            state: "used".into(),
        })
        .set(i64::from(size - idle));
    m.db_pool_max_connections.set(i64::from(max));
    let counts = tokio::time::timeout(Duration::from_secs(2), async {
        (store.platform_counts().await, store.queue_depth().await)
    })
    .await;
    match counts {
        Ok((Ok(counts), Ok(depth))) => {
            m.tenants.set(counts.tenants);
            m.audit_entries.set(counts.audit_head_seq);
            m.projects.set(counts.projects);
            m.active_api_keys.set(counts.active_keys);
            let now = ectus_store::Timestamp::now();
            let age = counts
                .oldest_queued_job
                .map(|at| now.since(at).as_secs_f64())
                .unwrap_or(0.0);
            m.job_queue_oldest_age.set(age);
            // Every known (kind, state) pair is reported, with 0 for the states now empty.
            m.job_queue_depth.clear();
            for row in depth {
                m.job_queue_depth
                    .get_or_create(&QueueLabels {
                        kind: row.kind,
                        state: row.state.as_str().to_owned(),
                    })
                    .set(row.count);
            }
        }
        _ => tracing::warn!(
            "metrics scrape could not read the database; database gauges keep their last values"
        ),
    }
}

async fn scrape(State(state): State<MetricsState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.token {
        if !crate::auth::bearer_token_matches(&headers, token) {
            return ApiError::unauthorized("send the metrics bearer token (metrics.bearer_token)")
                .into_response();
        }
    }
    if let Some(store) = &state.store {
        refresh(store).await;
    }
    ectus_telemetry::refresh_process_metrics();
    if let Some(dir) = &state.data_dir {
        ectus_telemetry::refresh_filesystem_metrics(dir);
    }
    let openmetrics = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/openmetrics-text"));
    let (body, content_type) = if openmetrics {
        (ectus_telemetry::render(true), ectus_telemetry::OPENMETRICS)
    } else {
        (
            ectus_telemetry::render(false),
            ectus_telemetry::PROMETHEUS_TEXT,
        )
    };
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}
