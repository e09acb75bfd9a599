//! The platform's load harness: runs the six-stage profile of the operations plan (or a
//! scaled one, or a soak) with goose against a real `ectus serve`, then checks what the
//! platform must get right under load — no errors, the HTTP metrics counting exactly the
//! requests sent, every sampled trace collected, every acknowledged write present afterwards —
//! and writes the reports: goose's own HTML and JSON, and `summary.json` / `summary.html` with
//! latency percentiles, the checks and the server's memory and descriptors over the run. A
//! run may include a database [outage](outage::Outage) caused by the caller.

pub mod exposition;
pub mod ledger;
pub mod otlp;
pub mod outage;
pub mod profile;
pub mod report;
pub mod scenarios;
pub mod target;
mod watch;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use goose::config::{GooseConfiguration, GooseDefault, GooseDefaultType};
use goose::GooseAttack;

pub use profile::Profile;
pub use report::Summary;
use target::{Target, TargetOptions};

/// How long, after the last request, the checks wait for the metrics and the traces to
/// arrive (the span exporter sends in batches).
const SETTLE: Duration = Duration::from_secs(30);

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The `ectus` binary to start.
    pub ectus: PathBuf,
    /// The database (`None`: the embedded SQLite database). PostgreSQL must be empty.
    pub database_url: Option<String>,
    /// The shape of the run.
    pub profile: Profile,
    /// Where the reports go (created if missing).
    pub report_dir: PathBuf,
    /// No progress or goose tables on standard output.
    pub quiet: bool,
    /// A database outage during the load (`None`: the database stays up).
    pub outage: Option<outage::Outage>,
}

/// Runs the load and the checks; the summary says whether they passed. An error is a run
/// that could not take place (the server did not start, a report could not be written).
pub async fn run(options: &Options) -> anyhow::Result<Summary> {
    std::fs::create_dir_all(&options.report_dir)
        .with_context(|| format!("create {}", options.report_dir.display()))?;
    let (otlp_endpoint, received) = otlp::start().await.context("start the OTLP receiver")?;
    let target = Target::start(&TargetOptions {
        ectus: options.ectus.clone(),
        database_url: options.database_url.clone(),
        otlp_endpoint,
    })
    .await?;
    let client = reqwest::Client::new();
    let before = http_count(&client, &target.metrics).await?;
    let context = Arc::new(scenarios::Context::new(
        target.key.clone(),
        target.project_id.clone(),
        target.metrics.clone(),
        options.outage.is_some(),
    ));
    let watcher = watch::Watcher::start(target.pid);
    let started = Instant::now();
    let outage = options
        .outage
        .clone()
        .map(|outage| tokio::spawn(async move { outage.run(started).await }));
    let metrics = attack(options, &target, &context).await;
    // The schedule always runs to its end: the database is back before the checks.
    let window = match outage {
        Some(task) => Some(task.await.context("the outage schedule failed")?),
        None => None,
    };
    let metrics = metrics?;
    let elapsed = started.elapsed();
    let resources = watcher.stop().await;

    let mut summary = Summary::from_goose(&metrics, elapsed, options.profile.clone(), resources);
    summary.backend = match &options.database_url {
        Some(url) if url.starts_with("postgres") => "postgresql".into(),
        _ => "sqlite".into(),
    };
    // The server counts a request when its answer is complete, a moment after the client
    // has read it: wait until the counts settle.
    let expected = before + summary.api_requests as f64;
    let deadline = Instant::now() + SETTLE;
    let mut counted = http_count(&client, &target.metrics).await? - before;
    while counted + before < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        counted = http_count(&client, &target.metrics).await? - before;
    }
    summary.checks.requests_counted = counted as u64;
    let traces = locked(&context.traces);
    let mut missing = received.missing(&traces);
    while !missing.is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        missing = received.missing(&traces);
    }
    summary.checks.traces_sent = traces.len() as u64;
    summary.checks.traces_collected = (traces.len() - missing.len()) as u64;
    summary.checks.traces_missing = missing.into_iter().take(10).collect();
    let acknowledged = locked(&context.acknowledged);
    summary.checks.writes =
        ledger::check(&client, &target.base, &target.key, &acknowledged).await?;
    if let Some(window) = window {
        let refusals = locked(&context.refusals);
        let offsets: Vec<Duration> = refusals
            .iter()
            .map(|(at, _)| at.saturating_duration_since(started))
            .collect();
        summary.outage = Some(outage::OutageReport::of(window, &offsets));
        summary.forgive(refusals.iter().map(|(_, name)| name.as_str()));
    }
    if !summary.correct() {
        summary.server_log_tail = Some(target.log_tail());
    }
    report::write(&summary, &options.report_dir)?;
    Ok(summary)
}

/// A copy of a shared list.
fn locked<T: Clone>(list: &Mutex<Vec<T>>) -> Vec<T> {
    list.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The goose attack itself, with the profile as its test plan and its reports in the
/// report directory.
async fn attack(
    options: &Options,
    target: &Target,
    context: &Arc<scenarios::Context>,
) -> anyhow::Result<goose::metrics::GooseMetrics> {
    let html = options.report_dir.join("report.html");
    let json = options.report_dir.join("report.json");
    let mut arguments = vec![
        "--no-telnet",
        "--report-file",
        path_text(&html)?,
        "--report-file",
        path_text(&json)?,
    ];
    if options.quiet {
        arguments.extend(["--quiet", "--no-print-metrics"]);
    }
    let configuration = GooseConfiguration::parse_args_default(&arguments)
        .map_err(|e| anyhow::anyhow!("goose configuration: {e:?}"))?;
    let mut attack = *GooseAttack::initialize_with_config(configuration)
        .and_then(|a| a.set_default(GooseDefault::Host, target.base.as_str()))
        .and_then(|a| {
            (*a).set_default(GooseDefault::TestPlan, options.profile.test_plan().as_str())
        })
        .map_err(|e| anyhow::anyhow!("goose: {e:?}"))?;
    for scenario in scenarios::all(context).map_err(|e| anyhow::anyhow!("goose: {e:?}"))? {
        attack = attack.register_scenario(scenario);
    }
    let metrics = attack
        .execute()
        .await
        .map_err(|e| anyhow::anyhow!("goose: {e:?}"))?;
    if metrics.requests.is_empty() {
        bail!("the run sent no request at all");
    }
    Ok(metrics)
}

fn path_text(path: &std::path::Path) -> anyhow::Result<&str> {
    path.to_str().with_context(|| {
        format!(
            "the report directory's path {} is not UTF-8",
            path.display()
        )
    })
}

/// The sum of every `http_server_request_duration_seconds_count` series of one scrape.
async fn http_count(client: &reqwest::Client, url: &str) -> anyhow::Result<f64> {
    let response = client.get(url).send().await.context("scrape the metrics")?;
    if !response.status().is_success() {
        bail!("the metrics listener answered {}", response.status());
    }
    let text = response.text().await.context("read the scrape")?;
    let scrape = exposition::Scrape::parse(&text)
        .map_err(|e| anyhow::anyhow!("the scrape is not in the exposition format: {e}"))?;
    Ok(scrape.sum(exposition::HTTP_COUNT))
}
