//! `ectus retention run`: the retention policies applied once, or only counted.

use std::path::Path;
use std::process::ExitCode;

use ectus_store::audit::Acting;

use crate::cli::{RetentionArgs, RetentionCommand};
use crate::config::Config;

pub async fn run(config_path: Option<&Path>, args: RetentionArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path, &super::db_overrides(&args.db))?;
    let store = super::open_store(&config).await?;
    let RetentionCommand::Run { dry_run, json } = args.command;
    let (outcomes, failure) = if dry_run {
        (
            store.retention_preview(&config.retention.policies()).await,
            None,
        )
    } else {
        match crate::retention::run_once(&store, &config.retention, &Acting::operator()).await {
            Ok(outcomes) => (Ok(outcomes), None),
            Err(failed) => (Ok(failed.outcomes), Some(failed.error)),
        }
    };
    store.close().await;
    let outcomes = outcomes?;
    if json {
        println!("{}", serde_json::to_string_pretty(&outcomes)?);
    } else {
        if outcomes.is_empty() {
            println!("no retention policy is in force (every kind is kept for ever: 0s)");
        }
        for o in &outcomes {
            let keep = humantime::format_duration(std::time::Duration::from_secs(o.keep_seconds));
            if dry_run {
                println!(
                    "{:<22} keep {keep:<10} due {:>7} (dry run: nothing removed)",
                    o.kind.as_str(),
                    o.due
                );
            } else {
                println!(
                    "{:<22} keep {keep:<10} due {:>7} removed {:>7}",
                    o.kind.as_str(),
                    o.due,
                    o.removed
                );
            }
        }
    }
    if let Some(error) = failure {
        return Err(anyhow::Error::new(error).context(
            "retention stopped part-way (what went before is listed above and in the audit log)",
        ));
    }
    Ok(ExitCode::SUCCESS)
}
