//! `ectus`: the Ectus-R command line — the platform server, workers, migrations and
//! administration.

mod bootstrap;
mod cli;
mod commands;
mod config;
mod generation;
mod logging;
mod shutdown;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    ectus_telemetry::set_build_info(env!("CARGO_PKG_VERSION"), env!("ECTUS_BUILD_COMMIT"));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
