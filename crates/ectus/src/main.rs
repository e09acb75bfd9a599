//! The `ectus` binary: parses the command line and hands it to [`ectus::main`].

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    ectus::main(ectus::cli::Cli::parse())
}
