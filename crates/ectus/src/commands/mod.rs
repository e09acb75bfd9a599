//! One module per subcommand; [`run`] dispatches. [`registry`] is the set of job kinds the
//! workers of `ectus serve` and `ectus worker` run.

mod admin;
mod audit;
mod decommission;
mod derive;
mod metrics;
mod migrate;
mod new;
mod retention;
mod serve;
mod spec;
mod transfer;
mod worker;

use std::process::ExitCode;

use anyhow::Context as _;
use ectus_store::Store;

use crate::cli::{Cli, Command, DbArgs};
use crate::config::{Config, Overrides};

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::New(args) => new::run(args).await,
        Command::Spec(args) => spec::run(args),
        Command::Serve(args) => serve::run(cli.config.as_deref(), args).await,
        Command::Worker(args) => worker::run(cli.config.as_deref(), args).await,
        Command::Migrate(args) => migrate::run(cli.config.as_deref(), args).await,
        Command::Admin(args) => admin::run(cli.config.as_deref(), args).await,
        Command::Audit(args) => audit::run(cli.config.as_deref(), args).await,
        Command::Retention(args) => retention::run(cli.config.as_deref(), args).await,
        Command::Export(args) => transfer::export(cli.config.as_deref(), args).await,
        Command::Import(args) => transfer::import(cli.config.as_deref(), args).await,
        Command::Decommission(args) => decommission::run(cli.config.as_deref(), args).await,
    }
}

fn db_overrides(db: &DbArgs) -> Overrides {
    Overrides {
        data_dir: db.data_dir.clone(),
        database_url: db.database_url.clone(),
        ..Default::default()
    }
}

/// The job kinds this binary runs: the built-in diagnostic ones, `generate` and `export`.
pub fn registry(config: &Config) -> ectus_jobs::Registry {
    let mut registry = ectus_jobs::Registry::with_builtin_kinds();
    registry.register(
        ectus_generate::KIND,
        ectus_generate::GenerateJob {
            settings: ectus_generate::JobSettings {
                qa: config.qa_options(),
                work_dir: config.generation_work_dir(),
            },
        },
    );
    registry.register(
        ectus_jobs::export::KIND,
        ectus_jobs::export::ExportJob {
            work_dir: config.generation_work_dir().join("exports"),
        },
    );
    registry
}

/// Connects to the configured database and applies pending migrations.
async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = Store::connect(config.database_url().expose(), &config.store_options())
        .await
        .context("check database.url (or --database-url / ECTUS_DATABASE__URL) and that the database server is running")?;
    store
        .migrate()
        .await
        .context("cannot apply database migrations")?;
    Ok(store)
}
