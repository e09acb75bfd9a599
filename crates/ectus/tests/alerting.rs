//! The operations bundle against the running platform and the real Debian binaries
//! `prometheus` and `prometheus-alertmanager`:
//! - no rule and no dashboard query names a metric that `ectus serve` and `ectus worker` do
//!   not emit (the allow-list deploy/prometheus/unemitted-metrics.txt excepted);
//! - every dashboard query parses and runs in Prometheus' query API;
//! - a stopped worker fires `EctusTargetDown` in Prometheus with the shipped rules, Alertmanager
//!   routes it with the shipped configuration to Ectus-R's webhook, Ectus-R records the
//!   incident; the restarted worker resolves it.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    free_port, installed_tool as tool, repo_root as root, wait_for_port, Ectus, KillOnDrop,
    Launcher,
};

const METRICS_TOKEN: &str = "metrics-token-for-the-alerting-test";
const WEBHOOK_TOKEN: &str = "webhook-token-for-the-alerting-test";

fn rule_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("deploy/prometheus/rules"))
        .expect("rules")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

/// Every `expr` of the shipped rules, and the names the recording rules define.
fn rule_expressions() -> (Vec<String>, BTreeSet<String>) {
    let mut exprs = Vec::new();
    let mut recorded = BTreeSet::new();
    for file in rule_files() {
        let doc: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(&file).expect("read")).expect("yaml");
        for group in doc["groups"].as_sequence().cloned().unwrap_or_default() {
            for rule in group["rules"].as_sequence().cloned().unwrap_or_default() {
                if let Some(expr) = rule["expr"].as_str() {
                    exprs.push(expr.to_owned());
                }
                if let Some(name) = rule.get("record").and_then(|r| r.as_str()) {
                    recorded.insert(name.to_owned());
                }
            }
        }
    }
    (exprs, recorded)
}

/// Every panel query of the shipped dashboards, with Grafana's variables replaced by values
/// Prometheus accepts.
fn dashboard_queries() -> Vec<(String, String)> {
    let mut queries = Vec::new();
    for entry in std::fs::read_dir(root().join("deploy/grafana/dashboards")).expect("dashboards") {
        let path = entry.expect("entry").path();
        let dashboard: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        for panel in dashboard["panels"].as_array().cloned().unwrap_or_default() {
            for target in panel["targets"].as_array().cloned().unwrap_or_default() {
                if let Some(expr) = target["expr"].as_str() {
                    let expr = expr
                        .replace("$__rate_interval", "1m")
                        .replace("$__interval", "15s")
                        .replace("$__range", "1h")
                        .replace("$job", "ectus-.*");
                    let title = format!(
                        "{} / {}",
                        dashboard["title"].as_str().unwrap_or(""),
                        panel["title"].as_str().unwrap_or("")
                    );
                    queries.push((title, expr));
                }
            }
        }
    }
    queries
}

/// The metric names a PromQL expression reads: identifiers that are not functions,
/// keywords, label names, durations or numbers.
fn metric_names(expr: &str) -> BTreeSet<String> {
    const KEYWORDS: &[&str] = &[
        "and",
        "or",
        "unless",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "offset",
        "inf",
        "nan",
        "Inf",
        "NaN",
        "atan2",
        // Aggregation operators, which may be followed by `by (...)` before their `(`.
        "sum",
        "min",
        "max",
        "avg",
        "group",
        "stddev",
        "stdvar",
        "count",
        "count_values",
        "bottomk",
        "topk",
        "quantile",
    ];
    const GROUPING: &[&str] = &[
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ];
    let chars: Vec<char> = expr.chars().collect();
    let mut names = BTreeSet::new();
    let mut i = 0;
    let skip_group = |from: usize, open: char, close: char| -> usize {
        let mut depth = 0;
        let mut j = from;
        while j < chars.len() {
            if chars[j] == open {
                depth += 1;
            } else if chars[j] == close {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            } else if chars[j] == '"' || chars[j] == '\'' {
                let quote = chars[j];
                j += 1;
                while j < chars.len() && chars[j] != quote {
                    if chars[j] == '\\' {
                        j += 1;
                    }
                    j += 1;
                }
            }
            j += 1;
        }
        chars.len()
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '{' {
            i = skip_group(i, '{', '}');
        } else if c == '[' {
            i = skip_group(i, '[', ']');
        } else if c == '"' || c == '\'' {
            let quote = c;
            i += 1;
            while i < chars.len() && chars[i] != quote {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let mut next = i;
            while next < chars.len() && chars[next].is_whitespace() {
                next += 1;
            }
            let called = chars.get(next) == Some(&'(');
            if GROUPING.contains(&word.as_str()) && called {
                i = skip_group(next, '(', ')');
            } else if !called && !KEYWORDS.contains(&word.as_str()) {
                names.insert(word);
            }
        } else {
            i += 1;
        }
    }
    names
}

#[test]
fn metric_names_are_read_from_promql() {
    let names = metric_names(
        r#"sum by (http_route, le) (rate(http_server_request_duration_seconds_bucket{job=~"ectus-.*", le="0.5"}[5m])) / on(job) group_left(instance) job:up:sum > bool 1e3 or vector(0) unless absent(up{job="x"}) offset 5m"#,
    );
    assert_eq!(
        names,
        BTreeSet::from([
            "http_server_request_duration_seconds_bucket".to_owned(),
            "job:up:sum".to_owned(),
            "up".to_owned(),
        ])
    );
}

/// Metric names on a scrape: every family of a `# TYPE` line, with the sample names of
/// histograms.
fn emitted(scrape: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in scrape.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split_whitespace();
            let (Some(name), Some(kind)) = (parts.next(), parts.next()) else {
                continue;
            };
            names.insert(name.to_owned());
            if kind == "histogram" {
                for suffix in ["_bucket", "_sum", "_count"] {
                    names.insert(format!("{name}{suffix}"));
                }
            }
        } else if let Some(name) = line
            .split(['{', ' '])
            .next()
            .filter(|n| !n.starts_with('#'))
        {
            if !name.is_empty() {
                names.insert(name.to_owned());
            }
        }
    }
    names
}

fn allow_list() -> BTreeSet<String> {
    std::fs::read_to_string(root().join("deploy/prometheus/unemitted-metrics.txt"))
        .expect("allow-list")
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

async fn scrape(port: u16) -> String {
    reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("text")
}

/// `ectus worker` on the data directory of `served`, its metrics on `metrics_port`.
async fn start_worker(served: &Ectus, metrics_port: u16) -> Ectus {
    Launcher::worker()
        .dir(served.dir())
        .workers(1)
        .metrics_port(metrics_port)
        .env("ECTUS_METRICS__BEARER_TOKEN", METRICS_TOKEN)
        .start()
        .await
}

async fn platform() -> (Ectus, u16, Ectus, u16) {
    let api_metrics = free_port();
    let served = Launcher::serve()
        .workers(0)
        .metrics_port(api_metrics)
        .env("ECTUS_METRICS__BEARER_TOKEN", METRICS_TOKEN)
        .env("ECTUS_ALERTS__WEBHOOK_TOKEN", WEBHOOK_TOKEN)
        .start()
        .await;
    let worker_metrics = free_port();
    let worker = start_worker(&served, worker_metrics).await;
    (served, api_metrics, worker, worker_metrics)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_rule_or_dashboard_reads_a_metric_the_platform_does_not_emit() {
    let (served, api_metrics, _worker, worker_metrics) = platform().await;
    // Traffic, so that request series exist.
    let client = reqwest::Client::new();
    for path in ["/api/v1/me", "/api/v1/projects", "/health/ready"] {
        client
            .get(format!("{}{path}", served.base))
            .bearer_auth(&served.key)
            .send()
            .await
            .expect("request");
    }
    let mut names = emitted(&scrape(api_metrics).await);
    names.extend(emitted(&scrape(worker_metrics).await));
    // Added by Prometheus itself, and the alerts' own series.
    for own in [
        "up",
        "scrape_duration_seconds",
        "scrape_samples_scraped",
        "ALERTS",
    ] {
        names.insert(own.to_owned());
    }
    let (rule_exprs, recorded) = rule_expressions();
    let allowed = allow_list();
    let mut used = BTreeSet::new();
    let mut orphans = Vec::new();
    let dashboard_exprs = dashboard_queries();
    for (origin, expr) in rule_exprs
        .into_iter()
        .map(|e| ("a rule".to_owned(), e))
        .chain(dashboard_exprs)
    {
        for name in metric_names(&expr) {
            // A histogram is allowed by its base name, which covers its series.
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix))
                .filter(|base| allowed.contains(*base))
                .unwrap_or(&name)
                .to_owned();
            used.insert(base.clone());
            let known =
                names.contains(&name) || recorded.contains(&name) || allowed.contains(&base);
            if !known {
                orphans.push(format!("{name} (in {origin}: {expr})"));
            }
        }
    }
    assert!(
        orphans.is_empty(),
        "rules or dashboards read metrics nothing emits (emit them, or list them in deploy/prometheus/unemitted-metrics.txt):\n{}",
        orphans.join("\n")
    );
    // The allow-list only holds names still missing and still used.
    for name in &allowed {
        assert!(
            !names.contains(name),
            "{name} is emitted now: remove it from deploy/prometheus/unemitted-metrics.txt"
        );
        assert!(
            used.contains(name),
            "{name} is allowed but nothing reads it: remove it from the allow-list"
        );
    }
}

/// A Prometheus scraping the platform with the shipped rules; evaluation and scrapes every
/// second, `for:` durations shortened, alerts sent to `alertmanager` at once.
struct Prometheus {
    _process: KillOnDrop,
    _dir: tempfile::TempDir,
    url: String,
}

fn start_prometheus(
    api_metrics: u16,
    worker_metrics: u16,
    alertmanager: Option<u16>,
) -> Prometheus {
    let dir = tempfile::tempdir().expect("dir");
    let token = dir.path().join("metrics-token");
    std::fs::write(&token, METRICS_TOKEN).expect("token");
    let shipped = std::fs::read_to_string(root().join("deploy/prometheus/prometheus.yml"))
        .expect("prometheus.yml");
    // Test-only overrides: where things run, and a faster clock.
    let config = shipped
        .replace("ectus-api:9091", &format!("127.0.0.1:{api_metrics}"))
        .replace("ectus-worker:9091", &format!("127.0.0.1:{worker_metrics}"))
        .replace(
            "alertmanager:9093",
            &format!("127.0.0.1:{}", alertmanager.unwrap_or(9)),
        )
        .replace(
            "/etc/prometheus/secrets/ectus-metrics-token",
            &token.display().to_string(),
        )
        .replace("scrape_interval: 15s", "scrape_interval: 1s")
        .replace("evaluation_interval: 15s", "evaluation_interval: 1s")
        .replace("scrape_timeout: 10s", "scrape_timeout: 1s");
    assert!(config.contains("scrape_interval: 1s") && config.contains("evaluation_interval: 1s"));
    std::fs::write(dir.path().join("prometheus.yml"), config).expect("config");
    std::fs::create_dir(dir.path().join("rules")).expect("rules");
    for file in rule_files() {
        let rules = std::fs::read_to_string(&file).expect("rules");
        let fast: String = rules
            .lines()
            .map(|line| match line.trim_start().strip_prefix("for: ") {
                Some(_) => format!("{}for: 2s", &line[..line.len() - line.trim_start().len()]),
                None => line.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(
            dir.path()
                .join("rules")
                .join(file.file_name().expect("name")),
            fast,
        )
        .expect("write rules");
    }
    let port = free_port();
    let process = KillOnDrop(
        Command::new(tool("prometheus"))
            .arg(format!(
                "--config.file={}",
                dir.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--rules.alert.resend-delay=1s")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("prometheus.log")).expect("log"))
            .spawn()
            .expect("start prometheus"),
    );
    Prometheus {
        _process: process,
        _dir: dir,
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// Prometheus' answer to an instant query (a transport error is an answer with status `error`).
async fn query(prometheus: &Prometheus, expr: &str) -> serde_json::Value {
    let sent = reqwest::Client::new()
        .get(format!("{}/api/v1/query", prometheus.url))
        .query(&[("query", expr)])
        .send()
        .await;
    match sent {
        Ok(response) => response
            .json()
            .await
            .unwrap_or_else(|e| serde_json::json!({"status": "error", "error": e.to_string()})),
        Err(e) => serde_json::json!({"status": "error", "error": e.to_string()}),
    }
}

/// Waits until `check` holds, polling every 250 ms; panics with `what` after `limit`.
async fn eventually<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<String>>,
{
    let deadline = Instant::now() + limit;
    loop {
        let Some(last) = check().await else {
            return;
        };
        assert!(Instant::now() < deadline, "{what}; last seen: {last}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn both_targets_up(prometheus: &Prometheus) {
    eventually(
        Duration::from_secs(60),
        "Prometheus never scraped both targets",
        || async {
            let up = query(prometheus, "sum(up)").await;
            let value = up["data"]["result"][0]["value"][1]
                .as_str()
                .unwrap_or("")
                .to_owned();
            (value != "2").then_some(up.to_string())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_query_parses_and_runs_in_prometheus() {
    let (_served, api_metrics, _worker, worker_metrics) = platform().await;
    let prometheus = start_prometheus(api_metrics, worker_metrics, None);
    both_targets_up(&prometheus).await;
    let queries = dashboard_queries();
    assert!(queries.len() >= 50, "{} queries", queries.len());
    let mut failures = Vec::new();
    for (panel, expr) in &queries {
        let answer = query(&prometheus, expr).await;
        if answer["status"] != "success" {
            failures.push(format!("{panel}: {expr}\n  {}", answer["error"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // A few panels read series that exist right away; they must return data, not just parse.
    for expr in [
        "sum(up{job=~\"ectus-.*\"})",
        "ectus_build_info",
        "ectus_tenants",
    ] {
        let answer = query(&prometheus, expr).await;
        assert!(
            answer["data"]["result"]
                .as_array()
                .is_some_and(|r| !r.is_empty()),
            "{expr}: {answer}"
        );
    }
}

fn start_alertmanager(dir: &Path, webhook_base: &str) -> (KillOnDrop, u16) {
    let token = dir.join("webhook-token");
    std::fs::write(&token, WEBHOOK_TOKEN).expect("token");
    let shipped = std::fs::read_to_string(root().join("deploy/alertmanager/alertmanager.yml"))
        .expect("alertmanager.yml");
    // Test-only overrides: Ectus-R's address, the token's path, and a faster clock.
    let config = shipped
        .replace("http://ectus-api:8080", webhook_base)
        .replace(
            "/etc/alertmanager/secrets/ectus-webhook-token",
            &token.display().to_string(),
        )
        .replace("/etc/alertmanager/secrets/", &format!("{}/", dir.display()))
        .lines()
        .map(|line| {
            let indent = &line[..line.len() - line.trim_start().len()];
            let trimmed = line.trim_start();
            if trimmed.starts_with("group_wait:") {
                format!("{indent}group_wait: 1s")
            } else if trimmed.starts_with("group_interval:") {
                format!("{indent}group_interval: 1s")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(config.contains(webhook_base));
    std::fs::write(dir.join("alertmanager.yml"), config).expect("config");
    let port = free_port();
    let process = KillOnDrop(
        Command::new(tool("prometheus-alertmanager"))
            .arg(format!(
                "--config.file={}",
                dir.join("alertmanager.yml").display()
            ))
            .arg(format!("--storage.path={}", dir.join("am-data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("alertmanager.log")).expect("log"))
            .spawn()
            .expect("start prometheus-alertmanager"),
    );
    (process, port)
}

async fn worker_incident(served: &Ectus) -> Option<serde_json::Value> {
    let page: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/incidents", served.base))
        .bearer_auth(&served.key)
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    page["items"]
        .as_array()?
        .iter()
        .find(|i| i["alertname"] == "EctusTargetDown" && i["labels"]["job"] == "ectus-worker")
        .cloned()
}

/// Waits until Ectus-R holds the worker's `EctusTargetDown` incident with `status`.
async fn incident_in_state(served: &Ectus, status: &str, limit: Duration) -> serde_json::Value {
    eventually(
        limit,
        &format!("Ectus-R never showed the incident {status}"),
        || async {
            match worker_incident(served).await {
                Some(incident) if incident["status"] == status => None,
                other => Some(format!("{other:?}")),
            }
        },
    )
    .await;
    worker_incident(served).await.expect("incident")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_worker_fires_through_alertmanager_into_an_incident_and_resolves() {
    let started = Instant::now();
    let (served, api_metrics, worker, worker_metrics) = platform().await;
    let am_dir = tempfile::tempdir().expect("dir");
    let (_alertmanager, am_port) = start_alertmanager(am_dir.path(), &served.base);
    wait_for_port(am_port).await;
    let prometheus = start_prometheus(api_metrics, worker_metrics, Some(am_port));
    both_targets_up(&prometheus).await;

    // The real condition: the worker process dies.
    drop(worker);
    eventually(
        Duration::from_secs(60),
        "EctusTargetDown never fired in Prometheus",
        || async {
            let alerts = query(
                &prometheus,
                "ALERTS{alertname=\"EctusTargetDown\",alertstate=\"firing\",job=\"ectus-worker\"}",
            )
            .await;
            let firing = alerts["data"]["result"]
                .as_array()
                .is_some_and(|r| r.len() == 1);
            (!firing).then_some(alerts.to_string())
        },
    )
    .await;
    let client = reqwest::Client::new();
    eventually(
        Duration::from_secs(60),
        "Alertmanager never received the alert",
        || async {
            let alerts: serde_json::Value = client
                .get(format!("http://127.0.0.1:{am_port}/api/v2/alerts"))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            let received = alerts.as_array().is_some_and(|a| {
                a.iter().any(|alert| {
                    alert["labels"]["alertname"] == "EctusTargetDown"
                        && alert["labels"]["severity"] == "critical"
                        && alert["labels"]["component"] == "worker"
                })
            });
            (!received).then_some(alerts.to_string())
        },
    )
    .await;
    let incident = incident_in_state(&served, "firing", Duration::from_secs(60)).await;
    assert_eq!(incident["severity"], "critical");
    assert_eq!(incident["labels"]["component"], "worker");
    assert_eq!(
        incident["annotations"]["runbook_url"],
        "docs/runbooks/EctusTargetDown.md"
    );
    assert!(incident["ends_at"].is_null());

    // Clear the condition: the worker comes back on the same address.
    let _worker = start_worker(&served, worker_metrics).await;
    let resolved = incident_in_state(&served, "resolved", Duration::from_secs(90)).await;
    assert!(resolved["ends_at"].is_string(), "{resolved}");
    assert_eq!(
        resolved["id"], incident["id"],
        "the same incident, not a new one"
    );
    let page: serde_json::Value = client
        .get(format!("{}/api/v1/incidents", served.base))
        .bearer_auth(&served.key)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let duplicates = page["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|i| {
                    i["alertname"] == "EctusTargetDown" && i["labels"]["job"] == "ectus-worker"
                })
                .count()
        })
        .unwrap_or(0);
    assert_eq!(duplicates, 1, "repeated deliveries did not duplicate it");
    eprintln!(
        "alert-to-incident round trip took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
