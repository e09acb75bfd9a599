//! Generated services deploy as shipped: their Kubernetes manifests validate against the
//! Kubernetes schemas (`kubernetes-validate`, offline), their Prometheus configuration and
//! alert rules pass `promtool` (with rule unit tests where an absent target fires), every
//! runbook link resolves, SQLite services keep their file on a volume claim with one replica
//! replaced by Recreate and no autoscaler, and the Dockerfile caches dependencies, runs as a
//! non-root user and has a health check.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{installed_tool, text};

/// The `kubernetes-validate` CLI (PyPI; ./scripts/test.sh installs it).
fn kubernetes_validate() -> PathBuf {
    if let Ok(path) = std::env::var("ECTUS_KUBERNETES_VALIDATE") {
        return PathBuf::from(path);
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("kubernetes-validate"))
                .find(|p| p.is_file())
        })
        .expect("kubernetes-validate is not installed: run ./scripts/test.sh, or `pip install kubernetes-validate` and set ECTUS_KUBERNETES_VALIDATE")
}

/// A spec of each deployment shape: SQLite without auth, PostgreSQL with JWT, SQLite with keys.
const SPECS: &[(&str, &str)] = &[
    (
        "sqlite-open",
        "spec_version: 1\nservice: {name: notes-api}\nentities:\n  - name: Note\n    fields: [{name: title, type: string}]\n",
    ),
    (
        "postgres-jwt",
        "spec_version: 1\nservice: {name: blog-api}\ndatabase: postgres\nauth: {mode: jwt}\nentities:\n  - name: User\n    fields: [{name: email, type: email, unique: true, required: true}]\n  - name: Post\n    fields: [{name: title, type: string}]\n    relations: [{kind: belongs_to, target: User, name: author}]\n",
    ),
    (
        "sqlite-keys",
        "spec_version: 1\nservice: {name: rooms-api}\nauth: {mode: api_key}\nentities:\n  - name: Room\n    fields: [{name: name, type: string}]\n",
    ),
];

/// Writes the generated project of `yaml` into `dir`.
fn generated(dir: &Path, yaml: &str) -> ectus_spec::Spec {
    let derived = ectus_spec::Input::Spec {
        text: yaml.to_owned(),
        format: ectus_spec::Format::Yaml,
    }
    .derive()
    .expect("valid spec");
    let project = ectus_codegen::generate(&derived.spec).expect("generate");
    ectus_codegen::write_project(dir, &project, false).expect("write");
    derived.spec
}

fn run(command: &mut Command) -> (bool, String) {
    let out = command.output().expect("run the validator");
    (
        out.status.success(),
        format!("{}{}", text(&out.stdout), text(&out.stderr)),
    )
}

fn yaml(path: &Path) -> serde_yaml_ng::Value {
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).expect("file")).expect("yaml")
}

#[test]
fn kubernetes_manifests_validate_and_fit_the_database() {
    let validate = kubernetes_validate();
    for (name, spec) in SPECS {
        let dir = tempfile::tempdir().expect("dir");
        let spec = generated(dir.path(), spec);
        let manifests: Vec<PathBuf> = std::fs::read_dir(dir.path().join("k8s"))
            .expect("k8s")
            .map(|e| e.expect("entry").path())
            .collect();
        let (ok, output) = run(Command::new(&validate)
            .arg("--strict")
            .arg("-k")
            .arg("1.31.0")
            .args(&manifests));
        assert!(ok, "{name}: {output}");
        let deployment = yaml(&dir.path().join("k8s/deployment.yaml"));
        let pod = &deployment["spec"]["template"]["spec"];
        let container = &pod["containers"][0];
        for probe in ["startupProbe", "readinessProbe", "livenessProbe"] {
            assert!(container.get(probe).is_some(), "{name}: {probe}");
        }
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{name}");
        assert_eq!(
            container["securityContext"]["allowPrivilegeEscalation"], false,
            "{name}"
        );
        assert_eq!(
            container["securityContext"]["readOnlyRootFilesystem"], true,
            "{name}"
        );
        let postgres = spec.database == ectus_spec::Database::Postgres;
        assert_eq!(
            dir.path().join("k8s/hpa.yaml").is_file(),
            postgres,
            "{name}: HPA only on PostgreSQL"
        );
        assert_eq!(
            dir.path().join("k8s/pvc.yaml").is_file(),
            !postgres,
            "{name}: SQLite on a volume claim"
        );
        if !postgres {
            assert_eq!(deployment["spec"]["strategy"]["type"], "Recreate", "{name}");
            assert_eq!(deployment["spec"]["replicas"], 1, "{name}");
        }
        let secrets = postgres || spec.auth.mode != ectus_spec::AuthMode::None;
        assert_eq!(
            dir.path().join("k8s/secret.yaml").is_file(),
            secrets,
            "{name}"
        );
        let env = serde_yaml_ng::to_string(&container["env"]).expect("env");
        for secret in ["JWT_SECRET", "API_KEY_HASHES"] {
            if env.contains(secret) {
                assert!(
                    env.contains("secretKeyRef"),
                    "{name}: {secret} comes from the Secret"
                );
            }
        }
    }
}

#[test]
fn prometheus_rules_match_the_scrape_job_and_fire_when_the_target_is_gone() {
    let promtool = installed_tool("promtool");
    for (name, spec) in SPECS {
        let dir = tempfile::tempdir().expect("dir");
        let spec = generated(dir.path(), spec);
        let prometheus = dir.path().join("deploy/prometheus");
        let (ok, output) = run(Command::new(&promtool)
            .arg("check")
            .arg("config")
            .arg(prometheus.join("prometheus.yml")));
        assert!(ok, "{name}: {output}");
        let (ok, output) = run(Command::new(&promtool).current_dir(&prometheus).args([
            "test",
            "rules",
            "alerts.test.yml",
        ]));
        assert!(ok, "{name}: {output}");
        let config = yaml(&prometheus.join("prometheus.yml"));
        let job = config["scrape_configs"][0]["job_name"]
            .as_str()
            .expect("job")
            .to_owned();
        assert_eq!(job, spec.service.name);
        let rules = yaml(&prometheus.join("alerts.yml"));
        let mut absent = false;
        for rule in rules["groups"][0]["rules"].as_sequence().expect("rules") {
            let expr = rule["expr"].as_str().expect("expr");
            assert!(
                expr.contains(&format!("job=\"{job}\"")),
                "{name}: {expr} selects the shipped job"
            );
            absent |= expr.contains("absent(");
            let url = rule["annotations"]["runbook_url"]
                .as_str()
                .expect("runbook_url");
            let (file, anchor) = url.split_once('#').expect("an anchor");
            let runbook = prometheus.join(file);
            let text = std::fs::read_to_string(&runbook)
                .unwrap_or_else(|_| panic!("{name}: {url} resolves to a file"));
            let headings: Vec<String> = text
                .lines()
                .filter_map(|l| l.strip_prefix("## "))
                .map(|h| h.to_lowercase().replace(' ', "-"))
                .collect();
            assert!(
                headings.iter().any(|h| h == anchor),
                "{name}: {url} has no heading {anchor}: {headings:?}"
            );
        }
        assert!(absent, "{name}: a vanished target is noticed with absent()");
    }
}

#[test]
fn the_dockerfile_caches_dependencies_runs_unprivileged_and_checks_health() {
    for (name, spec) in SPECS {
        let dir = tempfile::tempdir().expect("dir");
        generated(dir.path(), spec);
        let dockerfile =
            std::fs::read_to_string(dir.path().join("Dockerfile")).expect("Dockerfile");
        let lock = dockerfile
            .find("COPY Cargo.toml Cargo.lock")
            .expect("manifests first");
        let sources = dockerfile.find("COPY src ./src").expect("sources later");
        let deps = dockerfile[lock..sources].contains("cargo build --release --locked");
        assert!(
            lock < sources && deps,
            "{name}: dependencies build in their own layer"
        );
        assert!(dockerfile.contains("USER 10001"), "{name}");
        assert!(dockerfile.contains("HEALTHCHECK"), "{name}");
    }
}
