//! `ectus export` and `ectus import`: a tenant written into an archive, and read back into
//! this or another instance.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use ectus_store::audit::Acting;
use ectus_store::transfer::{Limits, TableCount};

use crate::cli::{ExportArgs, ImportArgs};
use crate::config::Config;

pub async fn export(config_path: Option<&Path>, args: ExportArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path, &super::db_overrides(&args.db))?;
    let store = super::open_store(&config).await?;
    let result = store
        .export_tenant(&args.tenant, &Acting::operator(), &args.output)
        .await;
    store.close().await;
    let summary = result.with_context(|| format!("tenant {:?} was not exported", args.tenant))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "exported tenant {} to {} ({} bytes, sha256 {})",
            summary.tenant,
            summary.path.display(),
            summary.bytes,
            summary.sha256
        );
        print_counts(&summary.tables, summary.artifacts);
        if let Some(head) = &summary.audit_head {
            println!("audit head at export: {head} (ectus audit verify --anchor {head})");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn import(config_path: Option<&Path>, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path, &super::db_overrides(&args.db))?;
    let store = super::open_store(&config).await?;
    let result = store
        .import_archive(&args.archive, &Acting::operator(), &Limits::default())
        .await;
    store.close().await;
    let summary = result.with_context(|| {
        format!(
            "{} was not imported; nothing was written",
            args.archive.display()
        )
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "imported tenant {} (id {}), exported {} from {}",
            summary.tenant, summary.tenant_id, summary.exported_at, summary.source_backend
        );
        print_counts(&summary.tables, summary.artifacts);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_counts(tables: &[TableCount], artifacts: u64) {
    for table in tables {
        println!("  {:<12} {:>8} rows", table.table, table.rows);
    }
    println!("  {:<12} {:>8}", "artifacts", artifacts);
}
