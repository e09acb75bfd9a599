//! The operations bundle under deploy/ checked with the real tools: `promtool` (configuration,
//! rules and their unit tests), `amtool` (Alertmanager configuration and every documented
//! routing case), the alert/runbook contract in both directions, the PrometheusRule kept equal
//! to the rule files, and the Kubernetes and compose manifests against the code (ports, job
//! names, configuration variables the binary accepts).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml_ng::Value;

use common::{installed_tool as tool, repo_root as root};

fn deploy(path: &str) -> PathBuf {
    root().join("deploy").join(path)
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every document of a multi-document YAML file.
fn yaml_documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|doc| {
            <Value as serde::Deserialize>::deserialize(doc)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        })
        .filter(|doc| !doc.is_null())
        .collect()
}

fn run(command: &mut Command) -> String {
    let output = command.output().expect("run tool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{command:?} failed:\n{text}");
    text
}

fn rule_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(deploy("prometheus/rules"))
        .expect("rules dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
}

/// Every alerting rule of the shipped rule files.
fn alert_rules() -> Vec<Value> {
    rule_files()
        .iter()
        .flat_map(|file| {
            yaml(file)["groups"]
                .as_sequence()
                .cloned()
                .unwrap_or_default()
        })
        .flat_map(|group| group["rules"].as_sequence().cloned().unwrap_or_default())
        .filter(|rule| rule.get("alert").is_some())
        .collect()
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

#[test]
fn promtool_accepts_the_rules_and_every_rule_unit_test_passes() {
    let promtool = tool("promtool");
    let dir = deploy("prometheus");
    let mut check = Command::new(&promtool);
    check.current_dir(&dir).args(["check", "rules"]);
    for file in rule_files() {
        check.arg(file);
    }
    let checked = run(&mut check);
    assert!(checked.contains("SUCCESS"), "{checked}");
    let mut tests: Vec<PathBuf> = std::fs::read_dir(dir.join("tests"))
        .expect("tests dir")
        .map(|e| e.expect("entry").path())
        .collect();
    tests.sort();
    assert!(!tests.is_empty());
    let mut test = Command::new(&promtool);
    test.current_dir(&dir).args(["test", "rules"]).args(&tests);
    run(&mut test);
}

#[test]
fn promtool_accepts_the_prometheus_configuration() {
    let work = tempfile::tempdir().expect("dir");
    let token = work.path().join("token");
    std::fs::write(&token, "scrape-token").expect("token");
    let config = std::fs::read_to_string(deploy("prometheus/prometheus.yml")).expect("config");
    assert!(config.contains("/etc/prometheus/secrets/ectus-metrics-token"));
    // The only change: where the secret is mounted.
    let config = config.replace(
        "/etc/prometheus/secrets/ectus-metrics-token",
        &token.display().to_string(),
    );
    std::fs::write(work.path().join("prometheus.yml"), config).expect("write");
    std::fs::create_dir(work.path().join("rules")).expect("rules dir");
    for file in rule_files() {
        std::fs::copy(
            &file,
            work.path()
                .join("rules")
                .join(file.file_name().expect("name")),
        )
        .expect("copy");
    }
    let checked = run(Command::new(tool("promtool"))
        .args(["check", "config"])
        .arg(work.path().join("prometheus.yml")));
    assert!(checked.contains("SUCCESS"), "{checked}");
    let scrape: Value = yaml(&deploy("prometheus/prometheus.yml"));
    let jobs: BTreeSet<&str> = scrape["scrape_configs"]
        .as_sequence()
        .expect("scrape configs")
        .iter()
        .map(|job| str_of(job, "job_name"))
        .collect();
    assert_eq!(
        jobs,
        BTreeSet::from(["ectus-api", "ectus-worker"]),
        "the job names the alerts use"
    );
}

#[test]
fn amtool_accepts_the_alertmanager_configuration_and_every_routing_case() {
    let amtool = tool("amtool");
    let config = deploy("alertmanager/alertmanager.yml");
    let checked = run(Command::new(&amtool).arg("check-config").arg(&config));
    assert!(checked.contains("SUCCESS"), "{checked}");
    let cases = std::fs::read_to_string(deploy("alertmanager/routing-cases.txt")).expect("cases");
    let mut replayed = 0;
    for line in cases.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (labels, receivers) = line
            .split_once("->")
            .unwrap_or_else(|| panic!("not a case: {line}"));
        run(Command::new(&amtool)
            .args(["config", "routes", "test"])
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--verify.receivers={}", receivers.trim()))
            .args(labels.split_whitespace()));
        replayed += 1;
    }
    assert!(replayed >= 10, "only {replayed} routing cases");
    // Severities route apart: a critical alert pages, a warning does not.
    let critical = run(Command::new(&amtool)
        .args(["config", "routes", "test"])
        .arg(format!("--config.file={}", config.display()))
        .args(["severity=critical", "component=api"]));
    let warning = run(Command::new(&amtool)
        .args(["config", "routes", "test"])
        .arg(format!("--config.file={}", config.display()))
        .args(["severity=warning", "component=api"]));
    assert!(critical.contains("ectus-pager") && !warning.contains("ectus-pager"));
    assert!(critical.contains("ectus-incidents") && warning.contains("ectus-incidents"));
}

#[test]
fn every_alert_is_labelled_and_has_its_runbook_and_every_runbook_its_alert() {
    let rules = alert_rules();
    assert!(rules.len() >= 20, "{} alert rules", rules.len());
    let components = [
        "api",
        "worker",
        "jobs",
        "generation",
        "database",
        "telemetry",
        "host",
        "llm",
        "slo",
    ];
    let mut names = BTreeSet::new();
    for rule in &rules {
        let name = str_of(rule, "alert");
        let labels = &rule["labels"];
        let annotations = &rule["annotations"];
        assert!(
            ["critical", "warning", "info"].contains(&str_of(labels, "severity")),
            "{name}: severity"
        );
        assert!(
            components.contains(&str_of(labels, "component")),
            "{name}: component {:?}",
            str_of(labels, "component")
        );
        for key in ["summary", "description"] {
            assert!(
                str_of(annotations, key).len() > 10,
                "{name}: annotation {key}"
            );
        }
        let runbook = format!("docs/runbooks/{name}.md");
        assert_eq!(str_of(annotations, "runbook_url"), runbook, "{name}");
        let text = std::fs::read_to_string(root().join(&runbook))
            .unwrap_or_else(|_| panic!("{name}: {runbook} is missing"));
        assert!(text.contains(name), "{runbook} does not name its alert");
        names.insert(name.to_owned());
    }
    let runbooks: BTreeSet<String> = std::fs::read_dir(root().join("docs/runbooks"))
        .expect("runbooks")
        .map(|e| {
            e.expect("entry")
                .path()
                .file_stem()
                .expect("stem")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        runbooks, names,
        "every runbook belongs to an alert and every alert has one"
    );
}

#[test]
fn every_alert_has_a_unit_test_where_it_fires_and_one_where_it_stays_silent() {
    let mut fires: BTreeMap<String, usize> = BTreeMap::new();
    let mut silent: BTreeMap<String, usize> = BTreeMap::new();
    for entry in std::fs::read_dir(deploy("prometheus/tests")).expect("tests") {
        let doc = yaml(&entry.expect("entry").path());
        for test in doc["tests"].as_sequence().cloned().unwrap_or_default() {
            for case in test["alert_rule_test"]
                .as_sequence()
                .cloned()
                .unwrap_or_default()
            {
                let name = str_of(&case, "alertname").to_owned();
                let expected = case["exp_alerts"].as_sequence().map(Vec::len).unwrap_or(0);
                if expected > 0 {
                    *fires.entry(name).or_default() += 1;
                } else {
                    *silent.entry(name).or_default() += 1;
                }
            }
        }
    }
    for rule in alert_rules() {
        let name = str_of(&rule, "alert");
        assert!(
            fires.contains_key(name),
            "{name} never fires in a unit test"
        );
        assert!(
            silent.contains_key(name),
            "{name} has no unit test where it stays silent"
        );
    }
}

#[test]
fn the_kubernetes_prometheusrule_holds_exactly_the_shipped_rules() {
    let rule = yaml(&deploy("k8s/prometheusrule.yaml"));
    assert_eq!(str_of(&rule, "kind"), "PrometheusRule");
    let shipped: Vec<Value> = rule_files()
        .iter()
        .flat_map(|f| yaml(f)["groups"].as_sequence().cloned().unwrap_or_default())
        .collect();
    let in_cluster = rule["spec"]["groups"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        in_cluster, shipped,
        "deploy/k8s/prometheusrule.yaml is stale: run deploy/k8s/render-prometheusrule.py"
    );
}

/// `ectus serve --print-config` with the given environment: proves every variable is one the
/// binary knows and every value valid.
fn accepted_by_the_binary(env: &BTreeMap<String, String>, origin: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let mut command = Command::new(common::BIN);
    command
        .current_dir(dir.path())
        .args(["serve", "--print-config"])
        .env_remove("RUST_LOG");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run ectus");
    assert!(
        output.status.success(),
        "{origin}: ectus refuses its configuration:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn kubernetes_manifests_agree_with_the_code() {
    let dir = deploy("k8s");
    let mut documents = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("k8s") {
        let path = entry.expect("entry").path();
        let kustomization = path.file_name().is_some_and(|n| n == "kustomization.yaml");
        if path.extension().is_some_and(|e| e == "yaml") && !kustomization {
            for doc in yaml_documents(&path) {
                assert!(
                    !str_of(&doc, "apiVersion").is_empty() && !str_of(&doc, "kind").is_empty(),
                    "{}: apiVersion and kind",
                    path.display()
                );
                assert!(
                    !str_of(&doc["metadata"], "name").is_empty(),
                    "{}: metadata.name",
                    path.display()
                );
                documents.push(doc);
            }
        }
    }
    // `kubectl apply -k` applies every manifest but the Secret (created from the operator's
    // secret store, never from a file with values).
    let listed: BTreeSet<String> = yaml(&dir.join("kustomization.yaml"))["resources"]
        .as_sequence()
        .expect("resources")
        .iter()
        .filter_map(|r| r.as_str().map(str::to_owned))
        .collect();
    for entry in std::fs::read_dir(&dir).expect("k8s") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".yaml") && name != "kustomization.yaml" && name != "secret.yaml" {
            assert!(
                listed.contains(&name),
                "kustomization.yaml does not list {name}"
            );
        }
    }
    let kinds: BTreeSet<&str> = documents.iter().map(|d| str_of(d, "kind")).collect();
    for kind in [
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "ConfigMap",
        "Secret",
        "ServiceMonitor",
        "PrometheusRule",
    ] {
        assert!(kinds.contains(kind), "no {kind}");
    }
    let config: BTreeMap<String, String> = documents
        .iter()
        .find(|d| str_of(d, "kind") == "ConfigMap")
        .and_then(|d| d["data"].as_mapping())
        .expect("configmap data")
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap_or("").to_owned(),
                v.as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    accepted_by_the_binary(&config, "deploy/k8s/configmap.yaml");
    assert_eq!(
        config.get("ECTUS_METRICS__LISTEN").map(String::as_str),
        Some("0.0.0.0:9091")
    );
    assert_eq!(
        config.get("ECTUS_SERVER__LISTEN").map(String::as_str),
        Some("0.0.0.0:8080")
    );
    let deployments: BTreeMap<&str, &Value> = documents
        .iter()
        .filter(|d| str_of(d, "kind") == "Deployment")
        .map(|d| (str_of(&d["metadata"], "name"), d))
        .collect();
    assert_eq!(
        deployments.keys().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from(["ectus-api", "ectus-worker"])
    );
    for (name, deployment) in &deployments {
        let container = &deployment["spec"]["template"]["spec"]["containers"][0];
        let args: Vec<&str> = container["args"]
            .as_sequence()
            .expect("args")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let expected = if *name == "ectus-api" {
            "serve"
        } else {
            "worker"
        };
        assert_eq!(args.first(), Some(&expected), "{name}");
        let ports: BTreeMap<&str, i64> = container["ports"]
            .as_sequence()
            .expect("ports")
            .iter()
            .map(|p| (str_of(p, "name"), p["containerPort"].as_i64().unwrap_or(0)))
            .collect();
        assert_eq!(ports.get("metrics"), Some(&9091), "{name}");
        if *name == "ectus-api" {
            assert_eq!(ports.get("http"), Some(&8080));
            assert_eq!(
                str_of(&container["livenessProbe"]["httpGet"], "path"),
                "/health/live"
            );
            assert_eq!(
                str_of(&container["readinessProbe"]["httpGet"], "path"),
                "/health/ready"
            );
        }
        for env in container["env"].as_sequence().cloned().unwrap_or_default() {
            let key = str_of(&env, "name");
            assert!(
                key.starts_with("ECTUS_") || key.starts_with("OTEL_") || key == "RUST_LOG",
                "{name}: unexpected variable {key}"
            );
        }
    }
    // The ServiceMonitor scrapes the port named `metrics`, with job names the rules know.
    let monitor = documents
        .iter()
        .find(|d| str_of(d, "kind") == "ServiceMonitor")
        .expect("servicemonitor");
    let text = serde_yaml_ng::to_string(monitor).expect("yaml");
    assert!(text.contains("port: metrics"), "{text}");
    for service in documents.iter().filter(|d| str_of(d, "kind") == "Service") {
        let ports = service["spec"]["ports"].as_sequence().expect("ports");
        assert!(
            ports
                .iter()
                .any(|p| str_of(p, "name") == "metrics" && p["port"].as_i64() == Some(9091)),
            "{}: metrics port",
            str_of(&service["metadata"], "name")
        );
    }
}

#[test]
fn the_compose_stack_agrees_with_the_code_and_the_prometheus_files() {
    let compose = yaml(&deploy("compose/compose.yaml"));
    let services = compose["services"].as_mapping().expect("services");
    let names: BTreeSet<&str> = services.keys().filter_map(Value::as_str).collect();
    for needed in [
        "postgres",
        "ectus-api",
        "ectus-worker",
        "prometheus",
        "alertmanager",
        "grafana",
        "jaeger",
    ] {
        assert!(names.contains(needed), "no {needed} service");
    }
    for (name, service) in services {
        let name = name.as_str().unwrap_or("");
        let image = str_of(service, "image");
        assert!(
            !image.ends_with(":latest") && (image.is_empty() || image.contains(':')),
            "{name}: pin the image tag ({image})"
        );
        if name.starts_with("ectus-") {
            let env: BTreeMap<String, String> = match service.get("environment") {
                Some(Value::Mapping(map)) => map
                    .iter()
                    .map(|(k, v)| {
                        let value = match v {
                            Value::String(s) => s.clone(),
                            Value::Number(n) => n.to_string(),
                            Value::Bool(b) => b.to_string(),
                            _ => String::new(),
                        };
                        (k.as_str().unwrap_or("").to_owned(), value)
                    })
                    .filter(|(k, _)| k.starts_with("ECTUS_"))
                    .collect(),
                _ => BTreeMap::new(),
            };
            assert!(
                name == "ectus-migrate" || env.contains_key("ECTUS_METRICS__LISTEN"),
                "{name}: the metrics listener must listen beyond loopback"
            );
            accepted_by_the_binary(&env, &format!("deploy/compose/compose.yaml {name}"));
        }
    }
    // Prometheus gets the shipped configuration and rules, Alertmanager the shipped routing.
    let text = std::fs::read_to_string(deploy("compose/compose.yaml")).expect("compose");
    for mounted in [
        "../prometheus/prometheus.yml",
        "../prometheus/rules",
        "../alertmanager/alertmanager.yml",
        "../grafana/dashboards",
    ] {
        assert!(text.contains(mounted), "compose does not mount {mounted}");
    }
}

#[test]
fn grafana_dashboards_are_well_formed_with_unique_ids_and_a_query_per_panel() {
    let mut uids = BTreeSet::new();
    let mut queries = 0;
    for entry in std::fs::read_dir(deploy("grafana/dashboards")).expect("dashboards") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        let dashboard: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let uid = dashboard["uid"].as_str().expect("uid").to_owned();
        assert!(uids.insert(uid.clone()), "duplicate uid {uid}");
        assert!(dashboard["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("Ectus-R")));
        for panel in dashboard["panels"].as_array().expect("panels") {
            if panel["type"] == "row" {
                continue;
            }
            let targets = panel["targets"].as_array().expect("targets");
            assert!(
                !targets.is_empty(),
                "{uid}: {} has no query",
                panel["title"]
            );
            for target in targets {
                assert!(target["expr"].as_str().is_some_and(|e| !e.is_empty()));
                queries += 1;
            }
        }
    }
    assert_eq!(uids.len(), 5, "{uids:?}");
    assert!(queries >= 50, "{queries} queries");
}

#[test]
fn the_pipeline_runs_the_suites_scripts_and_gates_deployments_on_every_check() {
    let workflow = yaml(&root().join(".github/workflows/ci.yml"));
    let jobs = workflow["jobs"].as_mapping().expect("jobs");
    let job = |name: &str| {
        jobs.get(name)
            .unwrap_or_else(|| panic!("job {name} in the pipeline"))
    };
    let runs = |name: &str| -> String {
        job(name)["steps"]
            .as_sequence()
            .expect("steps")
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let ci_run = std::fs::read_to_string(root().join(".ci/run")).expect(".ci/run");
    assert!(ci_run.contains("./scripts/test.sh"), "{ci_run}");
    assert!(
        runs("test").contains("./scripts/test.sh"),
        "the test job runs what .ci/run runs"
    );
    assert!(runs("lint").contains("scripts/check-workflows.sh"));
    assert!(runs("audit").contains("scripts/audit.sh"));
    assert!(runs("load").contains("scripts/load.sh --scale"));
    assert!(runs("release").contains("cargo build --release --locked"));
    assert!(runs("image").contains("docker build"));
    let needs = |name: &str| -> BTreeSet<String> {
        match &job(name)["needs"] {
            Value::String(one) => BTreeSet::from([one.clone()]),
            Value::Sequence(many) => many
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect(),
            _ => BTreeSet::new(),
        }
    };
    let gates: BTreeSet<String> = ["test", "load", "audit", "release", "image"]
        .map(String::from)
        .into();
    assert_eq!(
        needs("deploy-staging"),
        gates,
        "staging waits for every check"
    );
    assert_eq!(
        needs("deploy-production"),
        BTreeSet::from(["deploy-staging".to_owned()])
    );
    assert_eq!(job("deploy-staging")["environment"], "staging");
    assert_eq!(
        job("deploy-production")["environment"],
        "production",
        "production is behind its environment's approval"
    );
    // Every action pinned to a commit, never to a movable tag.
    for (name, job) in jobs {
        for step in job["steps"].as_sequence().expect("steps") {
            if let Some(uses) = step["uses"].as_str() {
                let (_, reference) = uses.split_once('@').expect("a reference");
                assert!(
                    reference.len() == 40 && reference.chars().all(|c| c.is_ascii_hexdigit()),
                    "{name:?}: {uses} is not pinned to a commit"
                );
            }
        }
    }
}
