//! `ectus migrate`: apply pending migrations.

use std::path::Path;
use std::process::ExitCode;

use crate::cli::DbArgs;
use crate::config::Config;

pub async fn run(config_path: Option<&Path>, args: DbArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(config_path, &super::db_overrides(&args))?;
    let before =
        ectus_store::Store::connect(config.database_url().expose(), &config.store_options())
            .await?
            .schema_status()
            .await?;
    let store = super::open_store(&config).await?;
    let after = store.schema_status().await?;
    if before.applied == after.applied {
        println!("schema is current (version {})", after.expected);
    } else {
        println!(
            "migrated schema from {} to version {}",
            before
                .applied
                .map_or("empty".to_owned(), |v| format!("version {v}")),
            after.expected
        );
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
