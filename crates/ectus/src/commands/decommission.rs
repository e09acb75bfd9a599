//! `ectus decommission`: the decommissioning procedure of docs/operations/decommissioning.md,
//! step by step — read-only, drain, final exports, exports read back, purge, audit log
//! verified — each step timed and its evidence kept, then the report written as JSON and
//! Markdown ([`crate::decommission_report`]). A failed step stops the procedure; running it
//! again goes on (the instance stays read-only, exports already written are kept apart).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use ectus_store::audit::{Acting, AuditAction};
use ectus_store::tenants::{Tenant, OPERATOR_TENANT};
use ectus_store::transfer::{verify_archive, ExportSummary, Limits};
use ectus_store::{Store, Timestamp};

use crate::cli::DecommissionArgs;
use crate::config::Config;
use crate::decommission_report::{Report, Step};

pub async fn run(config_path: Option<&Path>, args: DecommissionArgs) -> anyhow::Result<ExitCode> {
    let drain = humantime::parse_duration(&args.drain_timeout).with_context(|| {
        format!(
            "--drain-timeout {:?} is not a duration such as 60s or 10m",
            args.drain_timeout
        )
    })?;
    let config = Config::load(config_path, &super::db_overrides(&args.db))?;
    if args.abort {
        let store = super::open_store(&config).await?;
        let changed = store.set_instance_writable(&Acting::operator()).await;
        store.close().await;
        println!(
            "{}",
            if changed? {
                "the instance is writable again"
            } else {
                "the instance was not read-only"
            }
        );
        return Ok(ExitCode::SUCCESS);
    }
    let dir = args
        .output_dir
        .clone()
        .ok_or_else(|| anyhow!("--output-dir is required"))?;
    if !args.yes {
        bail!(
            "this makes the instance read-only, exports every tenant into {} and then purges every tenant but {OPERATOR_TENANT:?}, which cannot be undone; run again with --yes",
            dir.display()
        );
    }
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    let store = super::open_store(&config).await?;
    let mut report = Report::new(store.backend().name(), &dir);
    let outcome = procedure(&store, &config, &args.reason, drain, &dir, &mut report).await;
    report.finish(outcome.as_ref().err().map(|e| format!("{e:#}")));
    store.close().await;
    let (json, markdown) = report.write(&dir)?;
    println!("report: {} and {}", json.display(), markdown.display());
    match outcome {
        Ok(()) => {
            println!("decommissioned: every step succeeded");
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            Err(error.context("the decommissioning stopped; the report names the failed step"))
        }
    }
}

/// Runs `body` as the step `name`: its evidence, or its error, goes into the report.
async fn step<T>(
    report: &mut Report,
    name: &'static str,
    body: impl std::future::Future<Output = anyhow::Result<(T, serde_json::Value)>>,
) -> anyhow::Result<T> {
    let started = Step::start(name);
    match body.await {
        Ok((value, evidence)) => {
            report.done(started, evidence);
            Ok(value)
        }
        Err(error) => {
            report.failed(started, format!("{error:#}"));
            Err(error)
        }
    }
}

async fn procedure(
    store: &Store,
    config: &Config,
    reason: &str,
    drain: Duration,
    dir: &Path,
    report: &mut Report,
) -> anyhow::Result<()> {
    let acting = Acting::operator();

    step(report, "read-only", async {
        let state = store.set_instance_read_only(reason, &acting).await?;
        Ok(((), serde_json::json!({
            "read_only_since": state.since.to_rfc3339(),
            "reason": state.reason,
            "effect": "every API write with a key answers 503 instance-read-only with Retry-After; workers claim export jobs only",
        })))
    })
    .await?;

    step(report, "drain", async {
        let deadline = std::time::Instant::now() + drain;
        let at_start = store.running_jobs_besides_exports().await?;
        let mut running = at_start;
        while running > 0 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(500)).await;
            running = store.running_jobs_besides_exports().await?;
        }
        if running > 0 {
            bail!(
                "{running} jobs are still running after {}; wait for them (or raise --drain-timeout) and run again",
                humantime::format_duration(drain)
            );
        }
        Ok(((), serde_json::json!({ "running_at_start": at_start, "running_at_end": 0 })))
    })
    .await?;

    let exports: Vec<(Tenant, ExportSummary)> = step(report, "final exports", async {
        let tenants = store.list_tenants().await?;
        // Refused before anything is written: a tenant whose deletion is still to come.
        if let Some((tenant, deletion)) = tenants.iter().find_map(|t| {
            t.deletion
                .filter(|d| d.purge_after.as_millis() > Timestamp::now().as_millis())
                .map(|d| (t, d))
        }) {
            bail!(
                "tenant {:?} is scheduled for deletion on {}: restore it or wait, then run again",
                tenant.name,
                deletion.purge_after.to_rfc3339()
            );
        }
        let mut exports = Vec::new();
        for tenant in tenants {
            let path = archive_path(dir, &tenant);
            let summary = store
                .export_tenant(&tenant.name, &acting, &path)
                .await
                .with_context(|| format!("tenant {:?}", tenant.name))?;
            exports.push((tenant, summary));
        }
        let evidence = serde_json::json!(exports
            .iter()
            .map(|(_, s)| serde_json::json!({
                "tenant": s.tenant,
                "archive": s.path,
                "bytes": s.bytes,
                "sha256": s.sha256,
                "tables": s.tables,
                "artifacts": s.artifacts,
                "audit_head": s.audit_head,
            }))
            .collect::<Vec<_>>());
        Ok((exports, evidence))
    })
    .await?;

    step(report, "exports read back", async {
        let mut verified = Vec::new();
        for (tenant, summary) in &exports {
            let check = verify_archive(&summary.path, &Limits::default())
                .await
                .with_context(|| format!("{} does not verify", summary.path.display()))?;
            if check.sha256 != summary.sha256 {
                bail!("{}: the file's SHA-256 is not the one written", summary.path.display());
            }
            if check.manifest.tenant.id != tenant.id {
                bail!("{}: the archive holds another tenant", summary.path.display());
            }
            verified.push(serde_json::json!({ "archive": summary.path, "sha256": check.sha256, "valid": true }));
        }
        Ok(((), serde_json::json!(verified)))
    })
    .await?;

    step(report, "purge", async {
        let mut purged = Vec::new();
        for (tenant, _) in exports.iter().filter(|(t, _)| t.name != OPERATOR_TENANT) {
            let due = match tenant.deletion {
                Some(_) => store.tenant_by_id(&tenant.id).await?,
                None => {
                    store
                        .request_tenant_deletion(&tenant.name, Duration::ZERO, &acting)
                        .await?
                }
            };
            let purge = store
                .purge_tenant(&due, config.retention.batch_size, &acting)
                .await
                .with_context(|| format!("tenant {:?}", tenant.name))?;
            if !purge.complete {
                bail!("the purge of tenant {:?} left rows behind", purge.tenant);
            }
            purged.push(purge);
        }
        Ok(((), serde_json::to_value(&purged)?))
    })
    .await?;

    step(report, "audit log verified", async {
        let archives: Vec<String> = exports.iter().map(|(_, s)| s.sha256.clone()).collect();
        store.record_decommissioned(&acting, &archives).await?;
        let verification = store.verify_audit(None).await?;
        if !verification.intact() {
            bail!(
                "the audit log is not intact ({} breaks): run `ectus audit verify`",
                verification.findings.len()
            );
        }
        Ok((
            (),
            serde_json::json!({
                "entries": verification.entries,
                "head": verification.head.as_ref().map(ToString::to_string),
                "intact": true,
                "recorded_as": AuditAction::Decommissioned.as_str(),
            }),
        ))
    })
    .await?;
    Ok(())
}

/// `<dir>/<tenant>-<id>.tar.gz`, the name reduced to letters, digits, `-` and `_`.
fn archive_path(dir: &Path, tenant: &Tenant) -> PathBuf {
    let name: String = tenant
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    dir.join(format!("{name}-{}.tar.gz", tenant.id))
}
