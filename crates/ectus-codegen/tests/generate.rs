//! Generation is deterministic, complete and safe to repeat over a project people edited.

use std::path::Path;

use ectus_codegen::{generate, write_project, Manifest, WriteError};
use ectus_spec::{parse, Format};

fn spec(name: &str) -> ectus_spec::Spec {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name),
    )
    .expect("example spec");
    parse(&text, Format::Yaml).expect("valid example")
}

#[test]
fn the_same_spec_gives_byte_identical_files() {
    for name in ["blog.yaml", "inventory.yaml"] {
        let first = generate(&spec(name)).expect("generate");
        let second = generate(&spec(name)).expect("generate");
        assert!(first.notes.is_empty(), "{name}: {:?}", first.notes);
        assert_eq!(
            first.files.keys().collect::<Vec<_>>(),
            second.files.keys().collect::<Vec<_>>()
        );
        for (path, contents) in &first.files {
            assert!(
                contents == &second.files[path],
                "{name}: {path} differs between two generations"
            );
        }
        assert_eq!(first.spec_hash, second.spec_hash);
    }
}

#[test]
fn a_project_has_every_part_the_brief_lists() {
    let project = generate(&spec("blog.yaml")).expect("generate");
    for file in [
        "Cargo.toml",
        "README.md",
        "Dockerfile",
        "docker-compose.yml",
        "k8s/deployment.yaml",
        "k8s/service.yaml",
        "k8s/hpa.yaml",
        ".github/workflows/ci.yml",
        "deploy/prometheus/alerts.yml",
        "docs/runbook.md",
        "migrations/0001_init.sql",
        "openapi.json",
        "ectus.yaml",
        "src/main.rs",
        "src/auth.rs",
        "src/routes/post.rs",
        "src/routes/user.rs",
        "tests/api.rs",
    ] {
        assert!(project.files.contains_key(file), "missing {file}");
    }
    let cargo = String::from_utf8_lossy(&project.files["Cargo.toml"]).into_owned();
    assert!(
        cargo.contains("axum = { version = \"=0.8.6\" }") && cargo.contains("\"postgres\""),
        "{cargo}"
    );
    let compose = String::from_utf8_lossy(&project.files["docker-compose.yml"]).into_owned();
    assert!(compose.contains("image: postgres"), "{compose}");
    let openapi: serde_json::Value =
        serde_json::from_slice(&project.files["openapi.json"]).expect("json");
    assert_eq!(openapi["openapi"], "3.1.0");
    assert!(openapi["paths"]["/posts/{id}"]["patch"]["security"].is_array());
    assert!(
        openapi["paths"]["/posts"]["get"]["security"].is_null(),
        "list is public"
    );
    let migration =
        String::from_utf8_lossy(&project.files["migrations/0001_init.sql"]).into_owned();
    let users = migration.find("CREATE TABLE users").expect("users");
    let posts = migration.find("CREATE TABLE posts").expect("posts");
    assert!(users < posts, "referenced tables come first");
    assert!(
        migration.contains("author_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE"),
        "{migration}"
    );
}

#[test]
fn generated_routes_follow_the_enabled_operations() {
    let project = generate(&spec("inventory.yaml")).expect("generate");
    let notes = String::from_utf8_lossy(&project.files["src/routes/audit_note.rs"]).into_owned();
    assert!(
        notes.contains(".route(\"/audit-notes\", get(list).post(create))"),
        "{notes}"
    );
    assert!(
        notes.contains(".route(\"/audit-notes/{id}\", get(fetch))"),
        "{notes}"
    );
    assert!(!notes.contains("async fn update") && !notes.contains("async fn remove"));
}

#[test]
fn an_invalid_spec_generates_nothing() {
    let mut bad = spec("blog.yaml");
    bad.entities[0].fields[0].name = "type".into();
    let error = generate(&bad).expect_err("invalid").to_string();
    assert!(error.contains("\"type\" is a Rust keyword"), "{error}");
}

#[test]
fn regeneration_keeps_human_changes_and_updates_the_rest() {
    let dir = tempfile::tempdir().expect("dir");
    let original = generate(&spec("blog.yaml")).expect("generate");
    let first = write_project(dir.path(), &original, false).expect("write");
    assert_eq!(first.written.len(), original.files.len());
    let manifest = Manifest::read(dir.path()).expect("manifest");
    assert_eq!(manifest.spec_hash, original.spec_hash);

    // A human edits main.rs; the spec gains a field.
    let main = dir.path().join("src/main.rs");
    let edited = format!(
        "{}\n// hand-written change\n",
        std::fs::read_to_string(&main).expect("main")
    );
    std::fs::write(&main, &edited).expect("edit");
    let mut changed = spec("blog.yaml");
    changed.entities[1].fields.push(ectus_spec::Field::new(
        "subtitle",
        ectus_spec::FieldType::String,
    ));
    let regenerated = generate(&changed).expect("generate");
    let second = write_project(dir.path(), &regenerated, false).expect("rewrite");

    assert_eq!(
        std::fs::read_to_string(&main).expect("main"),
        edited,
        "the human change survives"
    );
    assert_eq!(
        second.kept,
        vec![("src/main.rs".to_owned(), "src/main.rs.ectus-new".to_owned())]
    );
    assert_eq!(
        std::fs::read(dir.path().join("src/main.rs.ectus-new")).expect("new version"),
        regenerated.files["src/main.rs"]
    );
    assert!(second.written.contains(&"src/routes/post.rs".to_owned()));
    assert!(
        std::fs::read_to_string(dir.path().join("src/routes/post.rs"))
            .expect("post")
            .contains("subtitle")
    );
    assert!(second.unchanged.contains(&"src/routes/user.rs".to_owned()));
    assert_eq!(
        Manifest::read(dir.path()).expect("manifest").spec_hash,
        regenerated.spec_hash
    );

    // Dropping an entity removes its untouched files (without users, no JWT accounts either).
    let mut smaller = changed.clone();
    smaller.auth.mode = ectus_spec::AuthMode::ApiKey;
    smaller.auth.identity = None;
    smaller.entities[0].relations.clear();
    smaller.entities[1].relations.clear();
    smaller.entities[1].list.filters = Some(vec!["status".into()]);
    smaller.entities.remove(0);
    let third =
        write_project(dir.path(), &generate(&smaller).expect("generate"), false).expect("rewrite");
    assert!(
        third.removed.contains(&"src/routes/user.rs".to_owned()),
        "{third:?}"
    );
    assert!(!dir.path().join("src/routes/user.rs").exists());
}

#[test]
fn a_foreign_non_empty_directory_is_refused_without_force() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
    let project = generate(&spec("blog.yaml")).expect("generate");
    assert!(matches!(
        write_project(dir.path(), &project, false),
        Err(WriteError::NotAProject(_))
    ));
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        1,
        "nothing written"
    );
    let forced = write_project(dir.path(), &project, true).expect("forced");
    assert!(!forced.written.is_empty());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).expect("kept"),
        "mine"
    );
}

/// A spec with extension operations, from an OpenAPI contract of the `ectus` tests.
fn contract_spec() -> ectus_spec::Spec {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../ectus/tests/fixtures/clinic-contract.yaml"),
    )
    .expect("contract");
    ectus_spec::openapi::import(&text).expect("imports").spec
}

#[test]
fn extension_operations_are_routed_at_their_documented_paths_with_a_501_handler_each() {
    let spec = contract_spec();
    let project = generate(&spec).expect("generate");
    let text = |path: &str| String::from_utf8(project.files[path].clone()).expect("utf-8");
    let routes: String = text("src/routes/extensions.rs")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for (method, path) in [
        ("get", "/v2/pets/search"),
        ("post", "/v2/pets/{petId}/vaccinate"),
        ("get", "/v2/owners/{owner_id}/pets"),
        ("get", "/v2/reports/{year}"),
    ] {
        assert!(
            routes.contains(&format!(".route( \"{path}\", axum::routing::{method}("))
                || routes.contains(&format!(".route(\"{path}\", axum::routing::{method}(")),
            "{method} {path} is routed:\n{routes}"
        );
    }
    assert!(
        routes.contains("\"year\", \"\", \".csv\""),
        "the suffix is checked"
    );
    for name in [
        "search_pets",
        "vaccinate_pet",
        "list_owner_pets",
        "yearly_report",
    ] {
        let handler = text(&format!("src/extensions/{name}.rs"));
        assert!(
            handler.contains("AppError::NotImplemented"),
            "{name}: {handler}"
        );
    }
    let pet = text("src/routes/pet.rs");
    assert!(pet.contains("\"/v2/pets\""), "{pet}");
    assert!(pet.contains("\"/v2/pets/{petId}\""), "{pet}");
    assert!(
        pet.contains(".put(update)"),
        "the documented PUT updates: {pet}"
    );
    let openapi: serde_json::Value =
        serde_json::from_slice(&project.files["openapi.json"]).expect("json");
    assert!(openapi["paths"]["/v2/reports/{year}.csv"]["get"]["responses"]["501"].is_object());
    assert!(openapi["paths"]["/v2/pets/{petId}"]["put"].is_object());
}

#[test]
fn an_extension_handler_someone_wrote_is_never_overwritten_nor_shadowed() {
    let dir = tempfile::tempdir().expect("dir");
    let project = generate(&contract_spec()).expect("generate");
    write_project(dir.path(), &project, false).expect("write");
    let handler = dir.path().join("src/extensions/search_pets.rs");
    let untouched = dir.path().join("src/extensions/vaccinate_pet.rs");
    let written = "// implemented by hand\n";
    std::fs::write(&handler, written).expect("implement");
    let mut changed = contract_spec();
    for extension in &mut changed.extensions {
        extension.summary = format!("Now documented: {}", extension.name);
    }
    let regenerated = generate(&changed).expect("generate");
    let report = write_project(dir.path(), &regenerated, false).expect("rewrite");
    assert_eq!(std::fs::read_to_string(&handler).expect("handler"), written);
    assert_eq!(
        report.implemented,
        vec!["src/extensions/search_pets.rs".to_owned()]
    );
    assert!(!dir
        .path()
        .join("src/extensions/search_pets.rs.ectus-new")
        .exists());
    assert!(report.kept.is_empty(), "{:?}", report.kept);
    let stub = std::fs::read(&untouched).expect("stub");
    assert_eq!(
        stub, regenerated.files["src/extensions/vaccinate_pet.rs"],
        "an untouched stub follows the document"
    );
    assert!(String::from_utf8_lossy(&stub).contains("Now documented: vaccinate_pet"));
}
