//! The run's summary: latency percentiles of the API requests (and of the scrapes apart),
//! errors, the correctness checks, the thresholds, the server's memory and descriptors over
//! the run — as `summary.json` and `summary.html` beside goose's own reports.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use goose::metrics::{GooseMetrics, GooseRequestMetricAggregate};
use serde::Serialize;

use crate::profile::Profile;
use crate::scenarios::SCRAPE;
use crate::watch::Reading;

/// Latency thresholds of the full profile (the suite's scaled run checks correctness only).
pub const P95_LIMIT_MS: f64 = 20.0;
pub const P99_LIMIT_MS: f64 = 50.0;
/// Largest growth of resident memory over a soak, from its first fifth to its end.
pub const RSS_GROWTH_LIMIT: f64 = 0.05;

#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub requests: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Checks {
    /// What the server's `http_server_request_duration_seconds_count` grew by.
    pub requests_counted: u64,
    pub traces_sent: u64,
    pub traces_collected: u64,
    /// Up to ten trace ids that never arrived.
    pub traces_missing: Vec<String>,
    /// The projects acknowledged (`201`) during the run, looked for afterwards.
    pub writes: crate::ledger::LedgerCheck,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resources {
    pub readings: usize,
    /// Median resident memory over the second tenth of the run (after the warm-up).
    pub rss_early_bytes: u64,
    /// Median resident memory over the last tenth of the run.
    pub rss_late_bytes: u64,
    pub rss_max_bytes: u64,
    /// `rss_late / rss_early - 1`.
    pub rss_growth: f64,
    /// The same medians of the private (heap) part alone, and of mapped files and shared
    /// memory together.
    pub anon_early_bytes: u64,
    pub anon_late_bytes: u64,
    pub mapped_early_bytes: u64,
    pub mapped_late_bytes: u64,
    pub fds_early: u64,
    pub fds_late: u64,
    pub fds_max: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub backend: String,
    pub test_plan: String,
    pub planned_seconds: f64,
    pub elapsed_seconds: f64,
    pub peak_users: usize,
    /// Requests to the API (what the HTTP metrics must count).
    pub api_requests: u64,
    pub api_requests_per_second: f64,
    /// Requests that failed (a status other than the expected, a header not echoed, no
    /// answer) plus scrapes that failed their checks.
    pub errors: u64,
    /// The most frequent error messages with their counts.
    pub error_messages: BTreeMap<String, usize>,
    pub latency: Latency,
    pub scrapes: Latency,
    pub by_request: BTreeMap<String, Latency>,
    pub checks: Checks,
    pub resources: Option<Resources>,
    pub readings: Vec<Reading>,
    /// The database outage of the run, if it had one.
    pub outage: Option<crate::outage::OutageReport>,
    /// The server's last log lines, when a check failed.
    pub server_log_tail: Option<String>,
}

impl Summary {
    pub fn from_goose(
        metrics: &GooseMetrics,
        elapsed: Duration,
        profile: Profile,
        readings: Vec<Reading>,
    ) -> Summary {
        let api: Vec<&GooseRequestMetricAggregate> = metrics
            .requests
            .values()
            .filter(|r| r.path != SCRAPE)
            .collect();
        let scrapes: Vec<&GooseRequestMetricAggregate> = metrics
            .requests
            .values()
            .filter(|r| r.path == SCRAPE)
            .collect();
        let api_requests: u64 = api.iter().map(|r| total(r)).sum();
        let errors: u64 = metrics.requests.values().map(|r| r.fail_count as u64).sum();
        let mut error_messages = BTreeMap::new();
        for error in metrics.errors.values() {
            *error_messages
                .entry(format!("{}: {}", error.name, error.error))
                .or_insert(0) += error.occurrences;
        }
        let by_request = metrics
            .requests
            .values()
            .map(|r| (r.path.clone(), latency(&[r])))
            .collect();
        Summary {
            backend: String::new(),
            test_plan: profile.test_plan(),
            planned_seconds: profile.duration().as_secs_f64(),
            elapsed_seconds: elapsed.as_secs_f64(),
            peak_users: profile.peak_users(),
            api_requests,
            api_requests_per_second: api_requests as f64 / elapsed.as_secs_f64().max(0.001),
            errors,
            error_messages,
            latency: latency(&api),
            scrapes: latency(&scrapes),
            by_request,
            checks: Checks::default(),
            resources: resources(&readings),
            readings,
            outage: None,
            server_log_tail: None,
        }
    }

    /// Takes tolerated refusals (one request name each) out of the error messages: goose
    /// recorded each as a `503` error before the scenario accepted it.
    pub fn forgive<'a>(&mut self, refused: impl Iterator<Item = &'a str>) {
        for name in refused {
            let key = format!("{name}: 503 Service Unavailable: {name}");
            if let Some(count) = self.error_messages.get_mut(&key) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    self.error_messages.remove(&key);
                }
            }
        }
    }

    /// Whether every correctness check passed: no error, every request counted by the
    /// server's metrics (no more, no fewer), every sampled trace collected.
    pub fn correct(&self) -> bool {
        self.failures().is_empty()
    }

    /// What went wrong, one line each (empty when `correct`).
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.errors > 0 {
            out.push(format!(
                "{} requests failed: {:?}",
                self.errors, self.error_messages
            ));
        }
        if self.checks.requests_counted != self.api_requests {
            out.push(format!(
                "the server's HTTP metrics counted {} requests, {} were sent",
                self.checks.requests_counted, self.api_requests
            ));
        }
        if self.checks.traces_sent == 0 {
            out.push("no traced request was sent".into());
        }
        if self.checks.traces_collected != self.checks.traces_sent {
            out.push(format!(
                "{} of {} sampled traces reached the OTLP receiver (missing e.g. {:?})",
                self.checks.traces_collected, self.checks.traces_sent, self.checks.traces_missing
            ));
        }
        if self.checks.writes.missing > 0 {
            out.push(format!(
                "{} of {} acknowledged writes are missing afterwards (e.g. {:?})",
                self.checks.writes.missing,
                self.checks.writes.acknowledged,
                self.checks.writes.missing_examples
            ));
        }
        if let Some(outage) = &self.outage {
            out.extend(outage.failures());
        }
        out
    }

    /// The latency thresholds missed (empty when met).
    pub fn latency_failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.latency.p95_ms > P95_LIMIT_MS {
            out.push(format!(
                "p95 {:.1} ms > {P95_LIMIT_MS} ms",
                self.latency.p95_ms
            ));
        }
        if self.latency.p99_ms > P99_LIMIT_MS {
            out.push(format!(
                "p99 {:.1} ms > {P99_LIMIT_MS} ms",
                self.latency.p99_ms
            ));
        }
        out
    }

    /// The soak limits missed: memory growth and descriptors not flat.
    pub fn soak_failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.resources {
            None => out.push("the server's memory and descriptors could not be read".into()),
            Some(r) => {
                if r.rss_growth > RSS_GROWTH_LIMIT {
                    out.push(format!(
                        "resident memory grew {:.1} % ({} → {} bytes), limit {:.0} %",
                        r.rss_growth * 100.0,
                        r.rss_early_bytes,
                        r.rss_late_bytes,
                        RSS_GROWTH_LIMIT * 100.0
                    ));
                }
                if r.fds_late > r.fds_early + 2 {
                    out.push(format!(
                        "open descriptors grew from {} to {}",
                        r.fds_early, r.fds_late
                    ));
                }
            }
        }
        out
    }
}

fn total(r: &GooseRequestMetricAggregate) -> u64 {
    (r.success_count + r.fail_count) as u64
}

/// Percentiles over the merged response times of `requests` (goose keeps them in
/// microsecond buckets).
fn latency(requests: &[&GooseRequestMetricAggregate]) -> Latency {
    let mut buckets: BTreeMap<u64, u64> = BTreeMap::new();
    let mut max_us = 0;
    for r in requests {
        for (bucket, count) in r.raw_data.times_us.iter() {
            *buckets.entry(*bucket).or_insert(0) += *count as u64;
        }
        max_us = max_us.max(r.raw_data.maximum_time_us);
    }
    let count: u64 = buckets.values().sum();
    let percentile = |p: f64| -> f64 {
        let rank = ((count as f64) * p).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (bucket, n) in &buckets {
            seen += n;
            if seen >= rank {
                return *bucket as f64 / 1000.0;
            }
        }
        0.0
    };
    Latency {
        requests: count,
        p50_ms: percentile(0.50),
        p95_ms: percentile(0.95),
        p99_ms: percentile(0.99),
        max_ms: max_us as f64 / 1000.0,
    }
}

fn median(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or(0)
}

fn resources(readings: &[Reading]) -> Option<Resources> {
    if readings.len() < 2 {
        return None;
    }
    let end = readings.last()?.at_seconds.max(0.001);
    let window = |from: f64, to: f64| -> Vec<Reading> {
        let inside: Vec<Reading> = readings
            .iter()
            .filter(|r| r.at_seconds >= from * end && r.at_seconds <= to * end)
            .copied()
            .collect();
        if inside.is_empty() {
            // A short run: the nearest reading stands for the window.
            let nearest = readings.iter().min_by(|a, b| {
                let d = |r: &Reading| (r.at_seconds - from * end).abs();
                d(a).total_cmp(&d(b))
            });
            nearest.into_iter().copied().collect()
        } else {
            inside
        }
    };
    let early = window(0.1, 0.2);
    let late = window(0.9, 1.0);
    let rss_early = median(early.iter().map(|r| r.rss_bytes).collect());
    let rss_late = median(late.iter().map(|r| r.rss_bytes).collect());
    Some(Resources {
        readings: readings.len(),
        rss_early_bytes: rss_early,
        rss_late_bytes: rss_late,
        rss_max_bytes: readings.iter().map(|r| r.rss_bytes).max().unwrap_or(0),
        rss_growth: rss_late as f64 / rss_early.max(1) as f64 - 1.0,
        anon_early_bytes: median(early.iter().map(|r| r.rss_anon_bytes).collect()),
        anon_late_bytes: median(late.iter().map(|r| r.rss_anon_bytes).collect()),
        mapped_early_bytes: median(
            early
                .iter()
                .map(|r| r.rss_file_bytes + r.rss_shmem_bytes)
                .collect(),
        ),
        mapped_late_bytes: median(
            late.iter()
                .map(|r| r.rss_file_bytes + r.rss_shmem_bytes)
                .collect(),
        ),
        fds_early: median(early.iter().map(|r| r.open_fds).collect()),
        fds_late: median(late.iter().map(|r| r.open_fds).collect()),
        fds_max: readings.iter().map(|r| r.open_fds).max().unwrap_or(0),
    })
}

/// Writes `summary.json` and `summary.html` into `dir`.
pub fn write(summary: &Summary, dir: &Path) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(summary).context("summary as JSON")?;
    std::fs::write(dir.join("summary.json"), json).context("write summary.json")?;
    std::fs::write(dir.join("summary.html"), html(summary)).context("write summary.html")?;
    Ok(())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html(s: &Summary) -> String {
    let mut out = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Ectus-R load run</title>\n\
         <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}\
         td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}th:first-child,td:first-child{text-align:left}\
         .fail{color:#b00}.pass{color:#070}</style></head><body>\n",
    );
    let verdict = |failures: &[String]| {
        if failures.is_empty() {
            "<span class=\"pass\">passed</span>".to_owned()
        } else {
            format!(
                "<span class=\"fail\">{}</span>",
                escape(&failures.join("; "))
            )
        }
    };
    let _ = write!(
        out,
        "<h1>Load run on {}</h1>\n<p>Test plan <code>{}</code>: {:.0} s planned, {:.0} s run, up to {} users; \
         {} API requests ({:.0}/s). Goose's own reports: <a href=\"report.html\">report.html</a>, \
         <a href=\"report.json\">report.json</a>.</p>\n",
        escape(&s.backend),
        escape(&s.test_plan),
        s.planned_seconds,
        s.elapsed_seconds,
        s.peak_users,
        s.api_requests,
        s.api_requests_per_second
    );
    let _ = write!(
        out,
        "<h2>Checks</h2>\n<table><tr><th>check</th><th>result</th></tr>\n\
         <tr><td>correctness (errors {}, counted {} of {}, traces {} of {}, acknowledged writes found {} of {})</td><td>{}</td></tr>\n\
         <tr><td>latency (p95 ≤ {P95_LIMIT_MS} ms, p99 ≤ {P99_LIMIT_MS} ms)</td><td>{}</td></tr>\n</table>\n",
        s.errors,
        s.checks.requests_counted,
        s.api_requests,
        s.checks.traces_collected,
        s.checks.traces_sent,
        s.checks.writes.acknowledged - s.checks.writes.missing,
        s.checks.writes.acknowledged,
        verdict(&s.failures()),
        verdict(&s.latency_failures()),
    );
    out.push_str("<h2>Latency</h2>\n<table><tr><th>requests</th><th>count</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>\n");
    let mut row = |name: &str, l: &Latency| {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td></tr>",
            escape(name),
            l.requests,
            l.p50_ms,
            l.p95_ms,
            l.p99_ms,
            l.max_ms
        );
    };
    row("all API requests", &s.latency);
    row("metrics scrapes", &s.scrapes);
    for (name, l) in &s.by_request {
        row(name, l);
    }
    out.push_str("</table>\n");
    if let Some(o) = &s.outage {
        let _ = write!(
            out,
            "<h2>Database outage</h2>\n<p>Cut off at {:.1} s, back at {:.1} s: {} requests refused with 503 and \
             Retry-After ({} before the cut); the last refusal came {:.1} s after the database returned.</p>\n",
            o.cut_at_seconds,
            o.healed_at_seconds,
            o.refusals,
            o.refused_before_cut,
            o.recovery_seconds
        );
    }
    if let Some(r) = &s.resources {
        let _ = write!(
            out,
            "<h2>Server resources</h2>\n<p>Resident memory {:.1} MiB early, {:.1} MiB late ({:+.1} %), at most {:.1} MiB \
             (private {:.1} → {:.1} MiB, mapped files and shared memory {:.1} → {:.1} MiB); \
             open descriptors {} early, {} late, at most {} ({} readings).</p>\n",
            r.rss_early_bytes as f64 / 1048576.0,
            r.rss_late_bytes as f64 / 1048576.0,
            r.rss_growth * 100.0,
            r.rss_max_bytes as f64 / 1048576.0,
            r.anon_early_bytes as f64 / 1048576.0,
            r.anon_late_bytes as f64 / 1048576.0,
            r.mapped_early_bytes as f64 / 1048576.0,
            r.mapped_late_bytes as f64 / 1048576.0,
            r.fds_early,
            r.fds_late,
            r.fds_max,
            r.readings
        );
    }
    if !s.error_messages.is_empty() {
        out.push_str("<h2>Errors</h2>\n<table><tr><th>error</th><th>count</th></tr>\n");
        for (message, count) in &s.error_messages {
            let _ = writeln!(out, "<tr><td>{}</td><td>{count}</td></tr>", escape(message));
        }
        out.push_str("</table>\n");
    }
    out.push_str("</body></html>\n");
    out
}
