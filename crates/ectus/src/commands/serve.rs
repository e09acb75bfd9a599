//! `ectus serve`: the API server with in-process workers.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use ectus_jobs::WorkerPool;
use ectus_server::{build_app, AppState, HttpSettings};

use crate::cli::ServeArgs;
use crate::config::{Config, Overrides};

pub async fn run(config_path: Option<&Path>, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let overrides = Overrides {
        listen: args.listen,
        workers: args.workers,
        metrics_listen: args.metrics_listen,
        ..super::db_overrides(&args.db)
    };
    let config = Config::load(config_path, &overrides)?;
    if args.print_config {
        print!("{}", config.to_masked_toml()?);
        return Ok(ExitCode::SUCCESS);
    }
    let _telemetry = crate::logging::init(&config);

    let store = super::open_store(&config).await?;
    crate::bootstrap::ensure_admin(&store, &config.data_dir).await?;

    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("cannot listen on {} (server.listen)", config.server.listen))?;
    let address = listener
        .local_addr()
        .context("cannot read the listening address")?;

    let workers = (config.workers.count > 0).then(|| {
        WorkerPool::start(
            store.clone(),
            super::registry(&config),
            config.worker_options(),
        )
    });
    let shutdown = crate::shutdown::on_signal();
    super::metrics::start(&config, &store, shutdown.clone()).await?;
    crate::retention::spawn(store.clone(), config.retention.clone(), shutdown.clone());
    crate::checkpoints::spawn(
        store.clone(),
        config.database.wal_checkpoint_interval,
        shutdown.clone(),
    );
    let state = AppState {
        store: store.clone(),
        workers: workers.as_ref().map(WorkerPool::health),
        settings: Arc::new(HttpSettings {
            body_limit_bytes: config.server.body_limit_bytes,
            request_timeout: config.server.request_timeout,
            cors_allowed_origins: config.server.cors_allowed_origins.clone(),
            alert_webhook_token: config
                .alerts
                .webhook_token
                .as_ref()
                .map(|t| t.expose().trim())
                .filter(|t| !t.is_empty())
                .map(secrecy::SecretString::from),
            max_active_generations_per_tenant: config.generation.max_active_per_tenant,
            tenant_deletion_grace: config.retention.tenant_deletion_grace,
            ..Default::default()
        }),
        shutdown: shutdown.clone(),
    };
    tracing::info!(
        %address,
        backend = store.backend().name(),
        workers = config.workers.count,
        version = env!("CARGO_PKG_VERSION"),
        "ectus serve listening"
    );
    let served = ectus_server::serve(
        listener,
        build_app(state),
        shutdown,
        config.server.shutdown_grace,
    )
    .await;
    if let Some(pool) = workers {
        pool.shutdown().await;
    }
    store.close().await;
    served.context("the HTTP server failed")?;
    tracing::info!("ectus serve stopped");
    Ok(ExitCode::SUCCESS)
}
