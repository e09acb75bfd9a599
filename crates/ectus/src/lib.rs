//! `ectus`: the Ectus-R command line — generation (`new`, `spec`), the platform server and
//! workers (`serve`, `worker`), migrations and administration.
//!
//! The binary (`main.rs`) only parses the command line and starts the runtime; everything
//! else is here so that it can be tested in-process: [`cli`] (the syntax), [`config`] (layered,
//! typed configuration), [`commands`] (one module per subcommand, and the job registry the
//! workers run), [`bootstrap`] (the first admin key), [`logging`] and [`shutdown`].

pub mod bootstrap;
pub mod checkpoints;
pub mod cli;
pub mod commands;
pub mod config;
pub mod decommission_report;
pub mod logging;
pub mod retention;
pub mod shutdown;

use std::process::ExitCode;

/// Runs a parsed command line to its exit code, printing an error (with its causes, once)
/// on standard error.
pub fn main(cli: cli::Cli) -> ExitCode {
    ectus_telemetry::set_build_info(env!("CARGO_PKG_VERSION"), env!("ECTUS_BUILD_COMMIT"));
    if let Err(error) = ectus_jobs::crash_points::arm_from_env() {
        eprintln!("error: {error}");
        return ExitCode::FAILURE;
    }
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
