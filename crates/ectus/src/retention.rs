//! Retention enforced: one run over the configured policies with its metrics, and the
//! periodic task `ectus serve` keeps running until shutdown.

use std::time::Duration;

use ectus_store::audit::Acting;
use ectus_store::retention::RetentionOutcome;
use ectus_store::Store;
use tokio_util::sync::CancellationToken;

use crate::config::RetentionConfig;

fn unix_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Removes what the policies no longer keep, counts it in `ectus_retention_deleted_total` and
/// stamps `ectus_retention_last_success_timestamp_seconds`.
pub async fn run_once(
    store: &Store,
    config: &RetentionConfig,
    acting: &Acting,
) -> ectus_store::Result<Vec<RetentionOutcome>> {
    let outcomes = store
        .enforce_retention(&config.policies(), config.batch_size, acting)
        .await?;
    let metrics = ectus_telemetry::metrics();
    for outcome in &outcomes {
        metrics
            .retention_deleted
            .get_or_create(&ectus_telemetry::RetentionLabels {
                kind: outcome.kind.as_str().to_owned(),
            })
            .inc_by(outcome.removed);
    }
    metrics.retention_last_success.set(unix_seconds());
    Ok(outcomes)
}

/// Runs retention at start and then every `interval` until `shutdown`. A failed run is logged
/// and retried at the next interval; the last-success gauge then ages, which alerts.
pub fn spawn(store: Store, config: RetentionConfig, shutdown: CancellationToken) {
    let metrics = ectus_telemetry::metrics();
    metrics.retention_last_success.set(unix_seconds());
    tokio::spawn(async move {
        let interval = config.interval.max(Duration::from_secs(1));
        loop {
            match run_once(&store, &config, &Acting::platform()).await {
                Ok(outcomes) => {
                    let removed: u64 = outcomes.iter().map(|o| o.removed).sum();
                    if removed > 0 {
                        tracing::info!(
                            removed,
                            "retention removed what its policies no longer keep"
                        );
                    }
                }
                Err(error) => tracing::warn!(
                    error = %ectus_telemetry::chain(&error),
                    "retention run failed; trying again at the next interval"
                ),
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(interval) => {}
            }
        }
    });
}
