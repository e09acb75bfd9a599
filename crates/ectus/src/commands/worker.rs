//! `ectus worker`: run workers alone against a shared database.

use std::path::Path;
use std::process::ExitCode;

use ectus_jobs::WorkerPool;

use crate::cli::WorkerArgs;
use crate::config::{Config, Overrides};

pub async fn run(config_path: Option<&Path>, args: WorkerArgs) -> anyhow::Result<ExitCode> {
    let overrides = Overrides {
        workers: args.concurrency,
        metrics_listen: args.metrics_listen,
        ..super::db_overrides(&args.db)
    };
    let config = Config::load(config_path, &overrides)?;
    let _telemetry = crate::logging::init(&config);
    if config.workers.count == 0 {
        anyhow::bail!("workers.count is 0: give `ectus worker` at least one (--concurrency N)");
    }
    let store = super::open_store(&config).await?;
    let shutdown = crate::shutdown::on_signal();
    super::metrics::start(&config, &store, shutdown.clone()).await?;
    crate::checkpoints::spawn(
        store.clone(),
        config.database.wal_checkpoint_interval,
        shutdown.clone(),
    );
    let pool = WorkerPool::start(
        store.clone(),
        super::registry(&config),
        config.worker_options(),
    );
    tracing::info!(
        concurrency = config.workers.count,
        backend = store.backend().name(),
        "worker started"
    );
    shutdown.cancelled().await;
    pool.shutdown().await;
    store.close().await;
    tracing::info!("worker stopped");
    Ok(ExitCode::SUCCESS)
}
