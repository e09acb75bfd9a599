//! `ectus-load`: the load harness's command line — the six-stage profile (or a scaled one,
//! or a soak) against a fresh `ectus serve` on SQLite or PostgreSQL, reports into a
//! directory, a non-zero exit when a check fails.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use ectus_load::{Options, Profile};

/// Runs the platform's load profile against a real `ectus serve` and checks it.
#[derive(Parser)]
#[command(
    version,
    after_help = "Examples:\n  \
    ectus-load --ectus target/release/ectus                        # full profile, SQLite (16 min)\n  \
    ectus-load --ectus target/release/ectus --scale 0.0625         # the same shape in one minute\n  \
    ectus-load --ectus target/release/ectus --database-url postgres://postgres@127.0.0.1:5432/load\n  \
    ectus-load --ectus target/release/ectus --soak 30m --users 50  # memory and descriptors over time\n\n\
    Exit status: 0 when every check passed, 1 when one failed (the summary says which), 2 when the run could not take place."
)]
struct Cli {
    /// The `ectus` binary to start.
    #[arg(long, default_value = "target/release/ectus")]
    ectus: PathBuf,
    /// Database of the server (an empty PostgreSQL database); the embedded SQLite without it.
    #[arg(long)]
    database_url: Option<String>,
    /// Runs the six stages with every duration multiplied by this (0 < scale ≤ 1).
    #[arg(long, default_value_t = 1.0, conflicts_with = "soak")]
    scale: f64,
    /// Instead of the profile, holds `--users` users for this long (`30m`, `1h`).
    #[arg(long, value_parser = humantime::parse_duration)]
    soak: Option<Duration>,
    /// Users of a soak.
    #[arg(long, default_value_t = 50, requires = "soak")]
    users: usize,
    /// Where the reports go: summary.json, summary.html, goose's report.html and report.json.
    #[arg(long, default_value = "load-report")]
    report_dir: PathBuf,
    /// Also fail when the latency thresholds (p95 ≤ 20 ms, p99 ≤ 50 ms) or, for a soak, the
    /// memory and descriptor limits are missed.
    #[arg(long)]
    enforce_limits: bool,
    /// Only the summary on standard output.
    #[arg(long)]
    quiet: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let profile = match cli.soak {
        Some(duration) => Profile::soak(cli.users, duration),
        None => Profile::scaled(cli.scale),
    };
    let profile = match profile {
        Ok(profile) => profile,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let options = Options {
        ectus: cli.ectus,
        database_url: cli.database_url,
        profile,
        report_dir: cli.report_dir.clone(),
        quiet: cli.quiet,
        // An outage needs a switch in front of the database: the suite's test drives one.
        outage: None,
    };
    let summary = match ectus_load::run(&options).await {
        Ok(summary) => summary,
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::from(2);
        }
    };
    let l = &summary.latency;
    println!(
        "{}: {} API requests in {:.0} s ({:.0}/s), errors {}; p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         counted by the server {}; traces {} of {}",
        summary.backend,
        summary.api_requests,
        summary.elapsed_seconds,
        summary.api_requests_per_second,
        summary.errors,
        l.p50_ms,
        l.p95_ms,
        l.p99_ms,
        l.max_ms,
        summary.checks.requests_counted,
        summary.checks.traces_collected,
        summary.checks.traces_sent
    );
    if let Some(r) = &summary.resources {
        println!(
            "server: resident memory {:.1} → {:.1} MiB ({:+.1} %), open descriptors {} → {} (max {})",
            r.rss_early_bytes as f64 / 1048576.0,
            r.rss_late_bytes as f64 / 1048576.0,
            r.rss_growth * 100.0,
            r.fds_early,
            r.fds_late,
            r.fds_max
        );
    }
    println!("reports: {}", cli.report_dir.join("summary.html").display());
    let mut failures = summary.failures();
    if cli.enforce_limits {
        failures.extend(summary.latency_failures());
        if cli.soak.is_some() {
            failures.extend(summary.soak_failures());
        }
    }
    for failure in &failures {
        eprintln!("check failed: {failure}");
    }
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
