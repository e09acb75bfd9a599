//! The Ectus-R code generator: a validated [`Spec`] in, a complete Cargo project out.
//!
//! [`generate`] renders the templates under `templates/` (minijinja) over a view model
//! ([`view`]), adds the service's OpenAPI document and the spec itself, formats the Rust files
//! with `rustfmt` when it is available, and returns every file in memory — nothing touches the
//! disk until [`write_project`], which applies the provenance rules of [`manifest`]. The same
//! spec always yields byte-identical files.

mod escape;
pub mod extensions;
mod formats;
pub mod manifest;
mod openapi;
mod probe_plan;
mod samples;
pub mod schema;
pub mod versions;
pub mod view;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Command, Stdio};

use ectus_spec::Spec;
use minijinja::Environment;

pub use manifest::{write_project, Manifest, WriteError, WriteReport};

/// Where a generated project keeps the plan of QA's probe phase.
pub const PROBE_PLAN_PATH: &str = ".ectus/probe-plan.json";

/// The generator's version, recorded in every manifest.
pub const GENERATOR_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A generated project, in memory: relative path → contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub files: BTreeMap<String, Vec<u8>>,
    pub spec_hash: String,
    /// Non-fatal notes (e.g. rustfmt unavailable).
    pub notes: Vec<String>,
    /// Every migration of the project with the schema after it (kept in the manifest).
    pub migrations: Vec<schema::MigrationRecord>,
}

#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    #[error("the spec is invalid:\n{0}")]
    InvalidSpec(ectus_spec::SpecErrors),
    #[error("the spec change needs destructive schema steps; nothing was written. Pass --allow-destructive to apply them:\n  - {}", .0.join("\n  - "))]
    Destructive(Vec<String>),
    #[error("template {name} failed to render")]
    Template {
        name: String,
        #[source]
        source: minijinja::Error,
    },
}

impl From<ectus_spec::SpecErrors> for CodegenError {
    fn from(errors: ectus_spec::SpecErrors) -> CodegenError {
        CodegenError::InvalidSpec(errors)
    }
}

/// Project-wide templates: (output path, template name, source).
const TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "Cargo.toml",
        "Cargo.toml",
        include_str!("../templates/Cargo.toml.j2"),
    ),
    (
        "README.md",
        "README.md",
        include_str!("../templates/README.md.j2"),
    ),
    (
        ".gitignore",
        "gitignore",
        include_str!("../templates/gitignore.j2"),
    ),
    (
        ".dockerignore",
        "dockerignore",
        include_str!("../templates/dockerignore.j2"),
    ),
    (
        "Dockerfile",
        "Dockerfile",
        include_str!("../templates/Dockerfile.j2"),
    ),
    (
        "docker-compose.yml",
        "docker-compose.yml",
        include_str!("../templates/docker-compose.yml.j2"),
    ),
    (
        "k8s/deployment.yaml",
        "k8s/deployment.yaml",
        include_str!("../templates/k8s/deployment.yaml.j2"),
    ),
    (
        "k8s/service.yaml",
        "k8s/service.yaml",
        include_str!("../templates/k8s/service.yaml.j2"),
    ),
    (
        "k8s/hpa.yaml",
        "k8s/hpa.yaml",
        include_str!("../templates/k8s/hpa.yaml.j2"),
    ),
    (
        "k8s/secret.yaml",
        "k8s/secret.yaml",
        include_str!("../templates/k8s/secret.yaml.j2"),
    ),
    (
        "k8s/pvc.yaml",
        "k8s/pvc.yaml",
        include_str!("../templates/k8s/pvc.yaml.j2"),
    ),
    (
        "deploy/prometheus/prometheus.yml",
        "prometheus.yml",
        include_str!("../templates/deploy/prometheus.yml.j2"),
    ),
    (
        "deploy/prometheus/alerts.test.yml",
        "alerts.test.yml",
        include_str!("../templates/deploy/alerts.test.yml.j2"),
    ),
    (
        ".github/workflows/ci.yml",
        "ci.yml",
        include_str!("../templates/ci/ci.yml.j2"),
    ),
    (
        "deploy/prometheus/alerts.yml",
        "alerts.yml",
        include_str!("../templates/deploy/alerts.yml.j2"),
    ),
    (
        "docs/runbook.md",
        "runbook.md",
        include_str!("../templates/docs/runbook.md.j2"),
    ),
    (
        "src/main.rs",
        "main.rs",
        include_str!("../templates/src/main.rs.j2"),
    ),
    (
        "src/lib.rs",
        "lib.rs",
        include_str!("../templates/src/lib.rs.j2"),
    ),
    (
        "src/app.rs",
        "app.rs",
        include_str!("../templates/src/app.rs.j2"),
    ),
    (
        "src/config.rs",
        "config.rs",
        include_str!("../templates/src/config.rs.j2"),
    ),
    (
        "src/db.rs",
        "db.rs",
        include_str!("../templates/src/db.rs.j2"),
    ),
    (
        "src/error.rs",
        "error.rs",
        include_str!("../templates/src/error.rs.j2"),
    ),
    (
        "src/validate.rs",
        "validate.rs",
        include_str!("../templates/src/validate.rs.j2"),
    ),
    (
        "src/telemetry.rs",
        "telemetry.rs",
        include_str!("../templates/src/telemetry.rs.j2"),
    ),
    (
        "src/metrics.rs",
        "metrics.rs",
        include_str!("../templates/src/metrics.rs.j2"),
    ),
    (
        "src/etag.rs",
        "etag.rs",
        include_str!("../templates/src/etag.rs.j2"),
    ),
    (
        "src/routes/mod.rs",
        "routes/mod.rs",
        include_str!("../templates/src/routes/mod.rs.j2"),
    ),
    (
        "tests/common/mod.rs",
        "tests/common.rs",
        include_str!("../templates/tests/common/mod.rs.j2"),
    ),
    (
        "tests/api.rs",
        "tests/api.rs",
        include_str!("../templates/tests/api.rs.j2"),
    ),
    (
        "tests/security.rs",
        "tests/security.rs",
        include_str!("../templates/tests/security.rs.j2"),
    ),
];

const AUTH_TEMPLATE: &str = include_str!("../templates/src/auth.rs.j2");
const ENTITY_TEMPLATE: &str = include_str!("../templates/src/routes/entity.rs.j2");
const MACROS_TEMPLATE: &str = include_str!("../templates/src/macros.rs.j2");
const IDENTITY_TEMPLATE: &str = include_str!("../templates/src/routes/identity.rs.j2");
/// Templates of extension operations: (output path, template name, source); rendered only
/// when the spec has extensions.
const EXTENSION_TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "src/routes/extensions.rs",
        "routes/extensions.rs",
        include_str!("../templates/src/routes/extensions.rs.j2"),
    ),
    (
        "src/extensions/mod.rs",
        "extensions/mod.rs",
        include_str!("../templates/src/extensions/mod.rs.j2"),
    ),
    (
        "tests/extensions.rs",
        "tests/extensions.rs",
        include_str!("../templates/tests/extensions.rs.j2"),
    ),
];
const HANDLER_TEMPLATE: &str = include_str!("../templates/src/extensions/handler.rs.j2");

fn environment() -> Result<Environment<'static>, CodegenError> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_filter("toml_str", |v: &str| escape::toml_str(v));
    env.add_filter("rust_str", |v: &str| escape::rust_str(v));
    env.add_filter("doc_line", |v: &str| escape::doc_line(v));
    env.add_filter("yaml_str", |v: &str| escape::yaml_str(v));
    let mut add = |name: &'static str, source: &'static str| {
        env.add_template(name, source)
            .map_err(|source| CodegenError::Template {
                name: name.to_owned(),
                source,
            })
    };
    for (_, name, source) in TEMPLATES {
        add(name, source)?;
    }
    add("auth.rs", AUTH_TEMPLATE)?;
    add("entity.rs", ENTITY_TEMPLATE)?;
    add("macros.rs", MACROS_TEMPLATE)?;
    add("identity.rs", IDENTITY_TEMPLATE)?;
    for (_, name, source) in EXTENSION_TEMPLATES {
        add(name, source)?;
    }
    add("extensions/handler.rs", HANDLER_TEMPLATE)?;
    Ok(env)
}

fn render(
    env: &Environment<'_>,
    name: &str,
    ctx: minijinja::Value,
) -> Result<String, CodegenError> {
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|source| CodegenError::Template {
            name: name.to_owned(),
            source,
        })
}

/// Whether a project-wide file belongs to this service: SQLite services keep their database on
/// a volume claim and run one replica (no autoscaler); a Secret only when there are secrets.
fn wanted(path: &str, view: &view::View) -> bool {
    match path {
        "k8s/hpa.yaml" => view.postgres,
        "k8s/pvc.yaml" => !view.postgres,
        "k8s/secret.yaml" => view.postgres || view.jwt || view.api_key,
        _ => true,
    }
}

/// Generates the project for `spec` (validated first), as a new project.
pub fn generate(spec: &Spec) -> Result<Project, CodegenError> {
    generate_after(spec, &[], false)
}

/// Generates the project for `spec` after the migrations a previous generation made (from
/// its manifest): those stay as they are and, when the schema changed, the next one is added.
/// Destructive steps fail unless `allow_destructive`.
pub fn generate_after(
    spec: &Spec,
    previous: &[schema::MigrationRecord],
    allow_destructive: bool,
) -> Result<Project, CodegenError> {
    ectus_spec::validate(spec)?;
    let view = view::build(spec);
    let env = environment()?;
    let ctx = minijinja::Value::from_serialize(&view);
    let mut files = BTreeMap::new();
    for (path, name, _) in TEMPLATES {
        if !wanted(path, &view) {
            continue;
        }
        files.insert(
            (*path).to_owned(),
            render(&env, name, ctx.clone())?.into_bytes(),
        );
    }
    if view.jwt || view.api_key {
        files.insert(
            "src/auth.rs".to_owned(),
            render(&env, "auth.rs", ctx.clone())?.into_bytes(),
        );
    }
    for entity in &view.entities {
        let entity_ctx =
            minijinja::context! { e => minijinja::Value::from_serialize(entity), ..ctx.clone() };
        files.insert(
            format!("src/routes/{}.rs", entity.module),
            render(&env, "entity.rs", entity_ctx)?.into_bytes(),
        );
    }
    if !view.extensions.is_empty() {
        for (path, name, _) in EXTENSION_TEMPLATES {
            files.insert(
                (*path).to_owned(),
                render(&env, name, ctx.clone())?.into_bytes(),
            );
        }
        for x in &view.extensions {
            let x_ctx =
                minijinja::context! { x => minijinja::Value::from_serialize(x), ..ctx.clone() };
            files.insert(
                format!("{}{}.rs", extensions::EXTENSIONS_DIR, x.name),
                render(&env, "extensions/handler.rs", x_ctx)?.into_bytes(),
            );
        }
    }
    files.insert(
        "openapi.json".to_owned(),
        openapi::document(&view).into_bytes(),
    );
    let migrations = schema::migrations(
        &schema::Schema::of(&view),
        spec.database,
        previous,
        allow_destructive,
    )
    .map_err(|schema::Destructive(steps)| CodegenError::Destructive(steps))?;
    for migration in &migrations {
        files.insert(migration.file.clone(), migration.sql.clone().into_bytes());
    }
    files.insert("ectus.yaml".to_owned(), spec.to_yaml().into_bytes());
    files.insert(
        PROBE_PLAN_PATH.to_owned(),
        probe_plan::render(&view).into_bytes(),
    );
    let mut notes = Vec::new();
    format_rust(&mut files, &mut notes);
    Ok(Project {
        files,
        spec_hash: spec.hash(),
        notes,
        migrations,
    })
}

/// Formats every `.rs` file with rustfmt (edition 2021) when rustfmt is installed: one
/// rustfmt process for all files, and file by file only to pinpoint a file it rejects.
fn format_rust(files: &mut BTreeMap<String, Vec<u8>>, notes: &mut Vec<String>) {
    match rustfmt_all(files) {
        Ok(()) => {}
        Err(batch_error) => {
            for (path, contents) in files.iter_mut().filter(|(p, _)| p.ends_with(".rs")) {
                match rustfmt(contents) {
                    Ok(formatted) => *contents = formatted,
                    Err(reason) => notes.push(format!("{path}: left unformatted ({reason})")),
                }
            }
            if notes.is_empty() {
                notes.push(format!(
                    "batch formatting failed ({batch_error}); formatted file by file"
                ));
            }
        }
    }
}

/// Writes the Rust files to a scratch directory, formats them with one rustfmt run and reads
/// them back; leaves `files` untouched on any failure.
fn rustfmt_all(files: &mut BTreeMap<String, Vec<u8>>) -> Result<(), String> {
    let scratch = tempfile::tempdir().map_err(|e| format!("no scratch directory: {e}"))?;
    let mut paths = Vec::new();
    // Real relative paths, so that rustfmt can resolve `mod` declarations.
    for (name, contents) in files.iter().filter(|(p, _)| p.ends_with(".rs")) {
        let path = scratch.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&path, contents).map_err(|e| e.to_string())?;
        paths.push((name.clone(), path));
    }
    let output = Command::new("rustfmt")
        .args(["--edition", "2021", "--quiet"])
        .args(paths.iter().map(|(_, p)| p))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("rustfmt not available: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr)
            .lines()
            .next()
            .unwrap_or("rustfmt failed")
            .to_owned());
    }
    let mut formatted = Vec::with_capacity(paths.len());
    for (name, path) in &paths {
        formatted.push((
            name.clone(),
            std::fs::read(path).map_err(|e| e.to_string())?,
        ));
    }
    for (name, contents) in formatted {
        files.insert(name, contents);
    }
    Ok(())
}

fn rustfmt(source: &[u8]) -> Result<Vec<u8>, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("rustfmt not available: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("rustfmt has no stdin")?;
    let input = source.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = writer.join();
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(format!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .next()
                .unwrap_or("")
        ))
    }
}
