//! `ectus audit`: the audit log read and its hash chain verified.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail};
use ectus_store::audit::{AuditHead, AuditQuery};
use ectus_store::{Store, StoreError};

use crate::cli::{AuditArgs, AuditCommand};
use crate::config::Config;

pub async fn run(config_path: Option<&Path>, args: AuditArgs) -> anyhow::Result<ExitCode> {
    let anchor = match &args.command {
        AuditCommand::Verify {
            anchor: Some(raw), ..
        } => Some(
            raw.parse::<AuditHead>()
                .map_err(|e| anyhow!("--anchor: {e}"))?,
        ),
        _ => None,
    };
    let config = Config::load(config_path, &super::db_overrides(&args.db))?;
    let store = super::open_store(&config).await?;
    let result = match args.command {
        AuditCommand::Verify { json, .. } => verify(&store, anchor.as_ref(), json).await,
        AuditCommand::List { tenant, limit } => list(&store, tenant.as_deref(), limit).await,
    };
    store.close().await;
    result
}

async fn verify(store: &Store, anchor: Option<&AuditHead>, json: bool) -> anyhow::Result<ExitCode> {
    let report = store.verify_audit(anchor).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if report.intact() {
        let head = report
            .head
            .as_ref()
            .map_or("none (empty log)".to_owned(), AuditHead::to_string);
        println!(
            "audit log intact: {} entries, head {head}{}{}",
            report.entries,
            if anchor.is_some() {
                ", reaches the anchor"
            } else {
                ""
            },
            report.pruned_through.as_ref().map_or(String::new(), |p| format!(
                ", verified from entry {} (the entries before were removed by retention.audit_entries; the last removed was {p})",
                p.seq + 1
            ))
        );
    } else {
        for finding in &report.findings {
            println!("BROKEN: {finding}");
        }
        let first = report.findings.iter().map(|f| f.seq()).min().unwrap_or(0);
        eprintln!(
            "error: the audit log is not intact: {} break(s), the first at entry {first}",
            report.findings.len()
        );
    }
    Ok(if report.intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn list(store: &Store, tenant: Option<&str>, limit: u32) -> anyhow::Result<ExitCode> {
    let tenant_id = match tenant {
        Some(name) => match store.tenant_by_name(name).await {
            Ok(t) => Some(t.id),
            Err(StoreError::NotFound(_)) => {
                bail!("no tenant named {name:?}; `ectus admin tenant list` shows the tenants")
            }
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let page = store
        .audit_entries(&AuditQuery {
            tenant_id,
            limit,
            cursor: None,
        })
        .await?;
    for e in &page.items {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            e.seq,
            e.at.to_rfc3339(),
            e.actor,
            e.action,
            e.target.escape_debug(),
            e.details
        );
    }
    Ok(ExitCode::SUCCESS)
}
