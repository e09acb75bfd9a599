//! Retention enforced: one run over the configured policies with its metrics, and the
//! periodic task `ectus serve` keeps running until shutdown.

use std::time::Duration;

use ectus_store::audit::Acting;
use ectus_store::deletion::PurgeReport;
use ectus_store::retention::RetentionOutcome;
use ectus_store::Store;
use tokio_util::sync::CancellationToken;

use crate::config::RetentionConfig;

fn unix_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Removes what the policies no longer keep, counts it in `ectus_retention_deleted_total` (also
/// what went before a failure) and, when the run went through, stamps
/// `ectus_retention_last_success_timestamp_seconds`.
pub async fn run_once(
    store: &Store,
    config: &RetentionConfig,
    acting: &Acting,
) -> Result<Vec<RetentionOutcome>, RetentionFailed> {
    let run = store
        .enforce_retention(&config.policies(), config.batch_size, acting)
        .await
        .map_err(|error| RetentionFailed {
            outcomes: Vec::new(),
            error,
        })?;
    let metrics = ectus_telemetry::metrics();
    for outcome in &run.outcomes {
        metrics
            .retention_deleted
            .get_or_create(&ectus_telemetry::RetentionLabels {
                kind: outcome.kind.as_str().to_owned(),
            })
            .inc_by(outcome.removed);
    }
    match run.failure {
        Some(error) => Err(RetentionFailed {
            outcomes: run.outcomes,
            error,
        }),
        None => {
            metrics.retention_last_success.set(unix_seconds());
            Ok(run.outcomes)
        }
    }
}

/// Purges every tenant whose grace period has ended, counting each in
/// `ectus_retention_deleted_total{kind="tenants"}`; the completeness reports, in order.
pub async fn purge_due_tenants(
    store: &Store,
    batch_size: u32,
    acting: &Acting,
) -> Result<Vec<PurgeReport>, ectus_store::StoreError> {
    let mut reports = Vec::new();
    for tenant in store.tenants_due_for_purge().await? {
        let report = store.purge_tenant(&tenant, batch_size, acting).await?;
        ectus_telemetry::metrics()
            .retention_deleted
            .get_or_create(&ectus_telemetry::RetentionLabels {
                kind: "tenants".to_owned(),
            })
            .inc();
        reports.push(report);
    }
    Ok(reports)
}

/// A run that stopped part-way: what it removed before `error`.
#[derive(Debug, thiserror::Error)]
#[error("retention stopped part-way: {error}")]
pub struct RetentionFailed {
    pub outcomes: Vec<RetentionOutcome>,
    #[source]
    pub error: ectus_store::StoreError,
}

/// Runs retention (and purges tenants whose grace period ended) at start and then every
/// `interval` until `shutdown`. A failed run is logged
/// and retried at the next interval; the last-success gauge then ages, which alerts.
pub fn spawn(store: Store, config: RetentionConfig, shutdown: CancellationToken) {
    let metrics = ectus_telemetry::metrics();
    metrics.retention_last_success.set(unix_seconds());
    tokio::spawn(async move {
        let interval = config.interval.max(Duration::from_secs(1));
        loop {
            // A read-only (decommissioning) instance changes nothing by itself.
            if let Ok(Some(state)) = store.instance_read_only().await {
                tracing::info!(since = %state.since.to_rfc3339(), "the instance is read-only: retention and purges wait");
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(interval) => continue,
                }
            }
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
                Err(failed) => tracing::warn!(
                    error = %ectus_telemetry::chain(&failed.error),
                    removed = failed.outcomes.iter().map(|o| o.removed).sum::<u64>(),
                    "retention run failed; trying again at the next interval"
                ),
            }
            match purge_due_tenants(&store, config.batch_size, &Acting::platform()).await {
                Ok(reports) => {
                    for report in reports {
                        tracing::info!(
                            tenant = %report.tenant,
                            tenant_id = %report.tenant_id,
                            complete = report.complete,
                            artifacts_removed = report.artifacts_removed,
                            "tenant purged after its grace period"
                        );
                    }
                }
                Err(error) => tracing::warn!(
                    error = %ectus_telemetry::chain(&error),
                    "purging deleted tenants failed; trying again at the next interval"
                ),
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(interval) => {}
            }
        }
    });
}
