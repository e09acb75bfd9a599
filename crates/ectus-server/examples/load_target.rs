//! The target of the request-path benchmarks (scripts/bench-observability.sh,
//! scripts/bench-request-path.sh): the
//! real router over an embedded SQLite database, with the whole observability stack on
//! (request ids, spans, metrics, one JSON access line per request, redaction, OTLP export at
//! the configured sampling ratio) or off (no subscriber, no request middleware, no
//! per-operation metrics). Authentication, routing and the database work are the same in
//! both.
//!
//! ```text
//! load_target serve --telemetry on|off --listen 127.0.0.1:18080 --dir DIR [--otlp URL] [--sample-ratio 0.1] [--key-cache on|off]
//! load_target sink --listen 127.0.0.1:14318     # an OTLP/HTTP receiver that accepts and discards
//! ```
//!
//! `serve` writes `DIR/target.json` with the API key and a project id once it listens.

use std::sync::Arc;
use std::time::Duration;

use ectus_server::{build_app, AppState, HttpSettings};
use ectus_store::api_keys::NewKey;
use ectus_store::audit::Acting;
use ectus_store::tenants::Role;
use ectus_store::{Store, StoreOptions};
use tokio_util::sync::CancellationToken;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let listen = arg(&args, "--listen").ok_or("--listen HOST:PORT is required")?;
    match args.get(1).map(String::as_str) {
        Some("sink") => sink(&listen).await,
        Some("serve") => serve(&args, &listen).await,
        _ => Err("usage: load_target serve|sink --listen HOST:PORT …".into()),
    }
}

async fn sink(listen: &str) -> Result<(), Box<dyn std::error::Error>> {
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(|_body: axum::body::Bytes| async { "" }),
    );
    let listener = tokio::net::TcpListener::bind(listen).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn serve(args: &[String], listen: &str) -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = match arg(args, "--telemetry").as_deref() {
        Some("on") => true,
        Some("off") => false,
        _ => return Err("--telemetry on|off is required".into()),
    };
    let dir = std::path::PathBuf::from(arg(args, "--dir").ok_or("--dir DIR is required")?);
    std::fs::create_dir_all(&dir)?;
    let _guard = if telemetry {
        let sample_ratio = arg(args, "--sample-ratio")
            .map(|r| r.parse::<f64>())
            .transpose()?
            .unwrap_or(0.1);
        Some(ectus_telemetry::install::install(
            "info",
            ectus_telemetry::logs::LogOptions::default(),
            &ectus_telemetry::traces::TraceSettings {
                endpoint: arg(args, "--otlp"),
                service_name: "ectus-load-target".into(),
                sample_ratio,
            },
        ))
    } else {
        ectus_telemetry::set_enabled(false);
        None
    };
    let url = format!("sqlite://{}/ectus.db", dir.display());
    let options = match arg(args, "--key-cache").as_deref() {
        Some("off") => StoreOptions {
            key_cache_ttl: Duration::ZERO,
            ..StoreOptions::default()
        },
        _ => StoreOptions::default(),
    };
    let store = Store::connect(&url, &options).await?;
    store.migrate().await?;
    let tenant = store.create_tenant("load", &Acting::operator()).await?;
    let key = store
        .create_api_key(
            NewKey {
                tenant_id: &tenant.id,
                user_id: None,
                name: "load",
                role: Role::Member,
                expires_at: None,
            },
            &Acting::operator(),
        )
        .await?;
    let project = store
        .create_project(&tenant.id, "load-target", "read by the benchmark")
        .await?;
    let shutdown = CancellationToken::new();
    let state = AppState {
        store: store.clone(),
        workers: None,
        settings: Arc::new(HttpSettings {
            request_telemetry: telemetry,
            ..Default::default()
        }),
        shutdown: shutdown.clone(),
    };
    let listener = tokio::net::TcpListener::bind(listen).await?;
    std::fs::write(
        dir.join("target.json"),
        serde_json::json!({"key": key.plaintext, "project_id": project.id}).to_string(),
    )?;
    ectus_server::serve(listener, build_app(state), shutdown, Duration::from_secs(1)).await?;
    Ok(())
}
