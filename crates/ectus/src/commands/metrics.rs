//! Starting the metrics listener shared by `ectus serve` and `ectus worker`.

use anyhow::Context as _;
use ectus_store::Store;
use tokio_util::sync::CancellationToken;

use crate::config::Config;

/// Binds `metrics.listen` (unless it is off) and serves `/metrics` until `shutdown`.
pub async fn start(
    config: &Config,
    store: &Store,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let Some(listen) = config.metrics.listen else {
        return Ok(());
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (metrics.listen)"))?;
    let address = listener
        .local_addr()
        .context("cannot read the metrics address")?;
    let router = ectus_server::metrics_router(
        Some(store.clone()),
        Some(config.data_dir.clone()),
        config
            .metrics
            .bearer_token
            .as_ref()
            .map(|t| secrecy::SecretString::from(t.expose())),
    );
    tokio::spawn(async move {
        let served = ectus_server::serve(
            listener,
            router,
            shutdown,
            std::time::Duration::from_secs(1),
        )
        .await;
        if let Err(error) = served {
            tracing::warn!(%error, "the metrics listener stopped");
        }
    });
    tracing::info!(%address, "metrics listening");
    Ok(())
}
