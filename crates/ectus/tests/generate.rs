//! `ectus new` end to end: every case is derived, generated, built, tested and linted for real
//! by the QA runner, sharing one build cache. PostgreSQL services get the test cluster.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod common;

use common::{Launcher, BIN};
use opentelemetry_proto::tonic::trace::v1::Span;

/// Builds share one cache and two cores: run them one at a time.
static BUILDS: Mutex<()> = Mutex::new(());

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("generated-cache")
}

/// What a PostgreSQL project's QA tests against.
#[derive(Clone, Copy)]
enum TestServer {
    /// The suite's server (`ECTUS_TEST_POSTGRES_URL`), given as `--test-database-url`.
    Suite,
    /// None given: QA starts a throwaway server of its own.
    Own,
    /// None given and no server binaries to be found.
    Missing,
}

fn ectus_new(dir: &Path, input: &[&str], extra: &[&str]) -> Output {
    ectus_new_on(dir, input, extra, TestServer::Suite)
}

fn ectus_new_on(dir: &Path, input: &[&str], extra: &[&str], server: TestServer) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("new")
        .arg(dir)
        .args(input)
        .args(extra)
        .arg("--json");
    cmd.arg("--target-dir").arg(cache());
    cmd.env_remove("ECTUS_TEST_DATABASE_URL");
    match server {
        TestServer::Suite => {
            if let Ok(url) = std::env::var(ectus_testkit::POSTGRES_URL_ENV) {
                cmd.arg("--test-database-url").arg(url);
            }
        }
        TestServer::Own => {}
        TestServer::Missing => {
            cmd.env(ectus_qa::postgres::BIN_DIR_ENV, "/nonexistent");
        }
    }
    cmd.stdin(Stdio::null()).output().expect("run ectus new")
}

fn prompt(name: &str) -> String {
    std::fs::read_to_string(examples().join("prompts").join(format!("{name}.txt"))).expect("prompt")
}

/// Runs a case through full QA and checks the verdict and the report.
fn verified(name: &str, input: &[&str], min_tests: u64) -> serde_json::Value {
    verified_on(name, input, min_tests, TestServer::Suite)
}

fn verified_on(
    name: &str,
    input: &[&str],
    min_tests: u64,
    server: TestServer,
) -> serde_json::Value {
    let _serial = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("dir");
    let project = dir.path().join(name);
    let started = Instant::now();
    let out = ectus_new_on(&project, input, &[], server);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "{name}: no JSON report; stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    eprintln!(
        "{name}: QA {} in {:.1}s",
        report["verdict"],
        started.elapsed().as_secs_f64()
    );
    // A service that passed QA is `passed` only when it does all that was asked; otherwise it
    // is `incomplete`, with its own exit status.
    let gaps = ["not_understood", "to_implement"]
        .iter()
        .map(|side| report["coverage"][side].as_array().map_or(0, Vec::len))
        .sum::<usize>();
    let (verdict, exit) = if gaps == 0 {
        ("passed", 0)
    } else {
        ("incomplete", 3)
    };
    assert_eq!(
        out.status.code(),
        Some(exit),
        "{name}: exit {:?}; report:\n{report:#}",
        out.status
    );
    assert_eq!(report["verdict"], verdict, "{report:#}");
    assert_eq!(report["qa"]["verdict"], "passed", "{report:#}");
    let qa = &report["qa"];
    assert_eq!(qa["tests"]["failed"], 0);
    assert!(
        qa["tests"]["passed"].as_u64().unwrap_or(0) >= min_tests,
        "{name}: {}",
        qa["tests"]
    );
    let phases: Vec<&str> = qa["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .filter_map(|p| p["phase"].as_str())
        .collect();
    assert_eq!(phases, ["fetch", "build", "test", "lint", "probe"]);
    let probe = &qa["probe"];
    assert_eq!(
        probe["failed"], 0,
        "{name}: the probe found a way in: {probe:#}"
    );
    assert!(
        probe["attempts"].as_array().map_or(0, Vec::len) > 10,
        "{name}: the probe attacked: {probe:#}"
    );
    assert!(
        project.join("Cargo.lock").is_file(),
        "Cargo.lock is produced and shipped"
    );
    assert!(project.join(".ectus/manifest.json").is_file());
    report
}

#[test]
fn blog_prompt_becomes_a_postgres_service_verified_on_a_throwaway_server_without_a_url() {
    let report = verified_on("blog", &["--prompt", &prompt("blog")], 12, TestServer::Own);
    assert_eq!(report["service"], "blog-api");
    assert!(report["qa"]["not_verified"].is_null());
}

#[test]
fn a_postgres_service_with_no_server_to_test_against_is_not_verified_and_says_why() {
    let _serial = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("dir");
    let project = dir.path().join("blog");
    let out = ectus_new_on(
        &project,
        &["--prompt", &prompt("blog")],
        &["--no-lint"],
        TestServer::Missing,
    );
    assert!(!out.status.success(), "not verified is not a success");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(report["verdict"], "not_verified", "{report:#}");
    let qa = &report["qa"];
    assert_eq!(qa["verdict"], "not_verified");
    let reason = qa["not_verified"].as_str().expect("one line of reason");
    assert!(reason.contains("apt-get install postgresql"), "{reason}");
    assert!(!reason.contains('\n'));
    let status = |phase: &str| {
        qa["phases"]
            .as_array()
            .expect("phases")
            .iter()
            .find(|p| p["phase"] == phase)
            .map(|p| p["status"].clone())
    };
    assert_eq!(status("build"), Some("passed".into()), "it still builds");
    assert_eq!(
        status("test"),
        Some("skipped".into()),
        "no list of failing tests"
    );
    assert_eq!(qa["tests"]["failed"], 0);
}

#[test]
fn bookstore_prompt_with_enums_and_relations_is_verified() {
    verified("bookstore", &["--prompt", &prompt("bookstore")], 20);
}

#[test]
fn rooms_prompt_with_api_keys_is_verified() {
    verified("rooms", &["--prompt", &prompt("rooms")], 12);
}

#[test]
fn todo_bugs_and_petclinic_prompts_are_verified() {
    for name in ["todo", "bugs", "petclinic"] {
        verified(name, &["--prompt", &prompt(name)], 6);
    }
}

#[test]
fn petstore_openapi_document_is_verified() {
    let petstore = examples().join("petstore.yaml");
    let report = verified(
        "petstore",
        &["--openapi", petstore.to_str().expect("path")],
        5,
    );
    let assumptions = report["assumptions"].to_string();
    assert!(
        assumptions.contains("request body"),
        "the Petstore quirk is reported: {assumptions}"
    );
    assert_eq!(
        report["verdict"], "incomplete",
        "a create the service does not serve as documented is no pass"
    );
    let coverage = &report["coverage"];
    let listed = |side: &str| coverage[side].as_array().map_or(0, Vec::len);
    assert_eq!(
        listed("understood") + listed("not_understood"),
        3,
        "each of the document's three operations is listed as served or not: {coverage}"
    );
    assert!(
        coverage["not_understood"]
            .to_string()
            .contains("POST /pets"),
        "the create without a request body is not served as documented: {coverage}"
    );
}

/// A contract of our own with what CRUD cannot express: a base path from a server variable,
/// a PUT update, an action, a search beside the collection, a nested collection with an
/// unusual parameter name, and a parameter with a suffix (`{year}.csv`).
const CONTRACT: &str = "tests/fixtures/clinic-contract.yaml";

#[test]
fn every_operation_of_an_openapi_contract_is_served_at_its_documented_method_and_path() {
    let document = Path::new(env!("CARGO_MANIFEST_DIR")).join(CONTRACT);
    let report = verified(
        "clinic-contract",
        &["--openapi", document.to_str().expect("path")],
        10,
    );
    let stubs = to_implement(&report);
    assert_eq!(stubs.len(), 4, "{:#}", report["coverage"]);
    assert_eq!(
        report["verdict"], "incomplete",
        "operations whose handlers answer 501 are still to implement: no pass"
    );
    let _serial = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let binary = cache().join("debug").join("clinic-contract");
    let text = std::fs::read_to_string(&document).expect("document");
    let called =
        tokio::runtime::Runtime::new()
            .expect("runtime")
            .block_on(call_every_documented_operation(
                &binary, &text, &stubs, true,
            ));
    assert_eq!(called, 9, "every documented operation was called");
}

/// Public OpenAPI documents of real services and well-known examples (sources and licences in
/// `crates/ectus-spec/tests/corpus/openapi/SOURCES.md`): each is generated, built, tested,
/// linted and probed, and then every one of its operations is called on the running service.
const PUBLIC_DOCUMENTS: [&str; 9] = [
    "realworld-conduit.yaml",
    "scalar-galaxy.yaml",
    "swagger-petstore-v3.yaml",
    "spring-petclinic-rest.yaml",
    "redocly-museum.yaml",
    "microcks-api-pastry.yaml",
    "apis-guru.yaml",
    "oai-tictactoe.yaml",
    "oai-link-example.yaml",
];

#[test]
fn public_openapi_documents_are_verified_and_serve_every_documented_operation() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ectus-spec/tests/corpus/openapi");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    for file in PUBLIC_DOCUMENTS {
        let document = corpus.join(file);
        let name = file.trim_end_matches(".yaml");
        let report = verified(name, &["--openapi", document.to_str().expect("path")], 1);
        let coverage = &report["coverage"];
        let count = |side: &str| coverage[side].as_array().map_or(0, Vec::len);
        let text = std::fs::read_to_string(&document).expect("document");
        let documented = ectus_testkit::openapi::operations(&text).len();
        assert_eq!(
            count("understood") + count("not_understood") + count("to_implement"),
            documented,
            "{name}: each operation is accounted for once: {coverage:#}"
        );
        let _serial = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
        let binary = cache()
            .join("debug")
            .join(report["service"].as_str().expect("service"));
        let called = runtime.block_on(call_every_documented_operation(
            &binary,
            &text,
            &to_implement(&report),
            false,
        ));
        eprintln!(
            "{name}: {documented} operations, {} as documented, {} to implement, {} not as documented; {called} called",
            count("understood"),
            count("to_implement"),
            count("not_understood")
        );
        assert_eq!(called, documented, "{name}: every operation was called");
    }
}

/// The operations a report lists as served by extension handlers (`METHOD /path`).
fn to_implement(report: &serde_json::Value) -> Vec<String> {
    report["coverage"]["to_implement"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["text"].as_str().map(str::to_owned))
        .collect()
}

/// The SHA-256 (hex) of an API key, as generated services compare it.
fn key_hash(key: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Sends each operation of the original document to the running service: every one is routed
/// (never the router's 404 or 405, never a server error but a stub's 501); a protected one
/// answers 401 without credentials; an extension operation answers 501 until implemented.
/// With `api_key`, protected operations are then called with a key too. Returns how many
/// operations were called.
async fn call_every_documented_operation(
    binary: &Path,
    document: &str,
    stubs: &[String],
    api_key: bool,
) -> usize {
    let dir = tempfile::tempdir().expect("dir");
    let key = "documented-operations-key";
    let hash = key_hash(key);
    let url = format!("sqlite://{}/c.db?mode=rwc", dir.path().display());
    let env = [
        ("API_KEY_HASHES", hash.as_str()),
        (
            "JWT_SECRET",
            "jwt-secret-for-the-operations-test-0123456789",
        ),
        ("RUST_LOG", "error"),
    ];
    let (_server, base) = start_generated_with(binary, &url, &env, Stdio::null()).await;
    let client = reqwest::Client::new();
    let mut called = 0;
    for op in ectus_testkit::openapi::operations(document) {
        let what = format!("{} {}", op.method, op.path);
        let method = reqwest::Method::from_bytes(op.method.as_bytes()).expect("method");
        let url = format!("{base}{}", ectus_testkit::openapi::sample_path(&op.route));
        let send = |with_key: bool| {
            let mut request = client.request(method.clone(), &url);
            if with_key {
                request = request.header("x-api-key", key);
            }
            if [
                reqwest::Method::POST,
                reqwest::Method::PUT,
                reqwest::Method::PATCH,
            ]
            .contains(&method)
            {
                request = request.json(&serde_json::json!({}));
            }
            request.send()
        };
        let reply = send(false).await.expect("send");
        let mut status = reply.status().as_u16();
        let mut body: serde_json::Value = reply.json().await.unwrap_or_default();
        if !op.public {
            assert_eq!(status, 401, "{what} without credentials: {body}");
            if !api_key {
                called += 1;
                continue;
            }
            let reply = send(true).await.expect("send");
            status = reply.status().as_u16();
            body = reply.json().await.unwrap_or_default();
        }
        assert_ne!(status, 405, "{what} is not routed: {body}");
        assert!(
            !(status == 404 && body["detail"] == "no such route"),
            "{what} is not routed"
        );
        if stubs.contains(&what) {
            assert_eq!(status, 501, "{what} answers 501 until implemented: {body}");
            if op.method != "HEAD" {
                assert_eq!(
                    body["type"], "urn:problem:not-implemented",
                    "{what}: {body}"
                );
            }
        } else {
            assert!(status < 500, "{what}: {status} {body}");
        }
        called += 1;
    }
    called
}

#[test]
fn spec_with_every_field_type_is_verified_and_its_service_continues_the_callers_trace() {
    let spec = examples().join("inventory.yaml");
    verified("inventory", &["--spec", spec.to_str().expect("path")], 20);
    let binary = cache().join("debug").join("inventory-api");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(traced_requests(&binary));
}

/// A request that carries a `traceparent` is exported as a server span of the caller's trace,
/// with a span per query under it, answered with the span's own `traceparent`, and logged
/// with the trace id; without an endpoint nothing is exported and the logs still carry it.
async fn traced_requests(binary: &Path) {
    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const CALLER_SPAN: &str = "00f067aa0ba902b7";
    let dir = tempfile::tempdir().expect("dir");
    let database = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("db.sqlite").display()
    );
    let (endpoint, received) = common::otlp_receiver().await;
    let log_path = dir.path().join("stdout.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let hashes = "0".repeat(64);
    let client = reqwest::Client::new();
    {
        let (mut service, base) = start_generated_with(
            binary,
            &database,
            &[
                ("RUST_LOG", "info"),
                ("API_KEY_HASHES", &hashes),
                ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
                ("OTEL_BSP_SCHEDULE_DELAY", "50"),
            ],
            Stdio::from(log),
        )
        .await;
        let response = client
            .get(format!("{base}/warehouses?page=1"))
            .header("traceparent", format!("00-{TRACE}-{CALLER_SPAN}-01"))
            .send()
            .await
            .expect("list");
        assert_eq!(response.status(), 200);
        let answered = response
            .headers()
            .get("traceparent")
            .and_then(|v| v.to_str().ok())
            .expect("the response names its span in a traceparent")
            .to_owned();
        let parts: Vec<&str> = answered.split('-').collect();
        assert_eq!(parts.len(), 4, "{answered}");
        assert_eq!(parts[1], TRACE, "the caller's trace continues: {answered}");
        assert_ne!(parts[2], CALLER_SPAN, "the service's span is a new one");
        let server_span = parts[2].to_owned();

        let deadline = Instant::now() + Duration::from_secs(20);
        let spans = loop {
            let spans = received.lock().expect("lock").clone();
            let queries = spans
                .iter()
                .filter(|s| common::hex(&s.parent_span_id) == server_span)
                .count();
            let served = spans.iter().any(|s| common::hex(&s.span_id) == server_span);
            if (served && queries >= 2) || Instant::now() > deadline {
                break spans;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let request = spans
            .iter()
            .find(|s| common::hex(&s.span_id) == server_span)
            .unwrap_or_else(|| panic!("the server span was exported: {spans:#?}"));
        assert_eq!(common::hex(&request.trace_id), TRACE);
        assert_eq!(common::hex(&request.parent_span_id), CALLER_SPAN);
        assert_eq!(request.name, "GET /warehouses", "named after the route");
        assert_eq!(request.kind, 2, "SPAN_KIND_SERVER");
        let attribute = |span: &Span, key: &str| {
            span.attributes
                .iter()
                .find(|a| a.key == key)
                .and_then(|a| a.value.as_ref())
                .map(|v| format!("{:?}", v.value))
        };
        assert!(
            attribute(request, "http.response.status_code").is_some_and(|v| v.contains("200")),
            "{request:#?}"
        );
        let queries: Vec<&Span> = spans
            .iter()
            .filter(|s| common::hex(&s.parent_span_id) == server_span)
            .collect();
        assert_eq!(
            queries.len(),
            2,
            "a span per query (count, page): {queries:#?}"
        );
        for query in &queries {
            assert_eq!(query.name, "SELECT warehouses");
            assert_eq!(query.kind, 3, "SPAN_KIND_CLIENT");
            assert!(attribute(query, "db.system.name").is_some_and(|v| v.contains("sqlite")));
        }
        service.0.kill().expect("stop");
        let _ = service.0.wait();
    }
    let lines = std::fs::read_to_string(&log_path).expect("log");
    let line = lines
        .lines()
        .find(|l| l.contains("\"path\":\"/warehouses\""))
        .unwrap_or_else(|| panic!("a request log line: {lines}"));
    assert!(
        line.contains(TRACE),
        "the log line carries the trace id: {line}"
    );

    let log = std::fs::File::create(&log_path).expect("log file");
    let (_service, base) = start_generated_with(
        binary,
        &database,
        &[("RUST_LOG", "info"), ("API_KEY_HASHES", &hashes)],
        Stdio::from(log),
    )
    .await;
    let response = client
        .get(format!("{base}/warehouses"))
        .header("traceparent", format!("00-{TRACE}-{CALLER_SPAN}-01"))
        .send()
        .await
        .expect("list");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers().get("traceparent").is_none(),
        "no exporter, no span of its own"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let lines = std::fs::read_to_string(&log_path).expect("log");
        if lines
            .lines()
            .any(|l| l.contains("\"path\":\"/warehouses\"") && l.contains(TRACE))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "without an exporter the log line still carries the caller's trace id: {lines}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn every_corpus_case_generates_byte_identical_projects_with_their_lock_file() {
    let dir = tempfile::tempdir().expect("dir");
    let mut cases: Vec<(String, Vec<String>)> =
        ["blog", "bookstore", "bugs", "petclinic", "rooms", "todo"]
            .iter()
            .map(|n| (n.to_string(), vec!["--prompt".to_owned(), prompt(n)]))
            .collect();
    cases.push((
        "petstore".into(),
        vec![
            "--openapi".into(),
            examples().join("petstore.yaml").display().to_string(),
        ],
    ));
    for (name, input) in cases {
        let input: Vec<&str> = input.iter().map(String::as_str).collect();
        let (a, b) = (
            dir.path().join(format!("{name}-a")),
            dir.path().join(format!("{name}-b")),
        );
        for target in [&a, &b] {
            let out = ectus_new(target, &input, &["--no-qa"]);
            assert!(
                out.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let files = |root: &Path| -> Vec<(String, Vec<u8>)> {
            let mut all = Vec::new();
            let mut stack = vec![root.to_owned()];
            while let Some(d) = stack.pop() {
                for entry in std::fs::read_dir(&d).expect("dir").flatten() {
                    let path = entry.path();
                    if path.is_dir() {
                        stack.push(path);
                    } else {
                        let rel = path.strip_prefix(root).expect("rel").display().to_string();
                        all.push((rel, std::fs::read(&path).expect("read")));
                    }
                }
            }
            all.sort();
            all
        };
        let (fa, fb) = (files(&a), files(&b));
        assert!(fa.len() > 20, "{name}: {} files", fa.len());
        assert!(
            a.join("Cargo.lock").is_file(),
            "{name}: Cargo.lock ships also without QA (the Dockerfile and CI build --locked)"
        );
        assert_eq!(fa, fb, "{name}: two generations differ");
    }
}

#[test]
fn unusable_input_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("dir");
    let target = dir.path().join("empty");
    let out = ectus_new(
        &target,
        &["--prompt", "Make it fast and secure."],
        &["--no-qa"],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Try:"),
        "an example prompt is shown: {stderr}"
    );
    assert!(!target.exists(), "nothing written");

    let bad_spec = dir.path().join("bad.yaml");
    std::fs::write(&bad_spec, "spec_version: 1\nservice: {name: x}\nentities:\n  - name: Thing\n    fields: [{name: a, type: strng}]\n").expect("write");
    let out = ectus_new(
        &target,
        &["--spec", bad_spec.to_str().expect("path")],
        &["--no-qa"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("entities[0].fields[0].type: \"strng\" is not a type; did you mean \"string\"?"));
    assert!(!target.exists());

    let foreign = dir.path().join("foreign");
    std::fs::create_dir_all(&foreign).expect("dir");
    std::fs::write(foreign.join("notes.txt"), "mine").expect("write");
    let out = ectus_new(&foreign, &["--prompt", &prompt("todo")], &["--no-qa"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(std::fs::read_dir(&foreign).expect("dir").count(), 1);
}

/// A requirement of which one passage cannot be placed: a behaviour over time, which no
/// entity, field or relation stands for.
const CLINIC: &str = "A clinic API. Patients have a name. Doctors have a name. Every night, visits older than a year are archived to cold storage. It must be reliable and well documented.";
const LOST: &str = "Every night, visits older than a year are archived";

#[test]
fn a_service_that_passes_qa_without_a_passage_of_its_requirement_is_incomplete_not_passed() {
    let report = verified("clinic-partly", &["--prompt", CLINIC], 4);
    assert_eq!(report["verdict"], "incomplete", "{report:#}");
    assert!(
        report["coverage"]["not_understood"][0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with(LOST)),
        "the report says what the service does not do: {report:#}"
    );
}

#[test]
fn a_partly_understood_requirement_lists_what_was_not_understood_and_strict_writes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let requirement = dir.path().join("clinic.md");
    std::fs::write(&requirement, CLINIC).expect("write");

    // --strict: refused, the passage named with its place, nothing written.
    let target = dir.path().join("strict");
    let out = ectus_new(
        &target,
        &["--prompt-file", requirement.to_str().expect("path")],
        &["--no-qa", "--strict"],
    );
    assert!(!out.status.success(), "--strict refuses");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(LOST), "{stderr}");
    assert!(stderr.contains("NOT UNDERSTOOD (bytes 57.."), "{stderr}");
    assert!(!target.exists(), "nothing written");

    // Without it: the service for what was understood, and the report says what is missing.
    let target = dir.path().join("lenient");
    let out = ectus_new(
        &target,
        &["--prompt-file", requirement.to_str().expect("path")],
        &["--no-qa"],
    );
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    let coverage = &report["coverage"];
    let missing = coverage["not_understood"]
        .as_array()
        .expect("not understood");
    assert_eq!(missing.len(), 1, "{coverage:#}");
    assert!(missing[0]["text"]
        .as_str()
        .is_some_and(|t| t.starts_with(LOST)));
    let span = &missing[0]["span"];
    let (start, end) = (
        span["start"].as_u64().expect("start") as usize,
        span["end"].as_u64().expect("end") as usize,
    );
    assert!(
        CLINIC[start..end].starts_with(LOST),
        "the span points at the passage"
    );
    assert_eq!(
        coverage["ignored"][0]["text"], "It must be reliable and well documented.",
        "noise is listed as ignored"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOT UNDERSTOOD"));
    assert!(
        report.get("public_writes").is_none(),
        "no authentication named: every write needs a key: {report:#}"
    );

    // `ectus spec --prompt -` reads standard input and lists the same passage.
    let mut child = Command::new(BIN)
        .args(["spec", "--prompt", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(CLINIC.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    let derived: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(derived["coverage"]["not_understood"][0]["text"]
        .as_str()
        .is_some_and(|t| t.starts_with(LOST)));
    let strict = Command::new(BIN)
        .args(["spec", "--strict", "--prompt", CLINIC])
        .output()
        .expect("spec --strict");
    assert!(!strict.status.success(), "spec --strict fails too");
}

#[test]
fn a_broken_build_fails_qa_with_compiler_errors_and_a_hang_is_a_timeout() {
    let _serial = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("dir");
    let project = dir.path().join("todo");
    let todo = prompt("todo");
    let first = ectus_new(&project, &["--prompt", &todo], &["--no-qa"]);
    assert!(first.status.success());
    // A human edit that does not compile survives regeneration and fails QA with its code.
    let lib = project.join("src/lib.rs");
    let mut source = std::fs::read_to_string(&lib).expect("lib");
    source.push_str("\npub fn broken() -> i32 {\n    \"not a number\"\n}\n");
    std::fs::write(&lib, &source).expect("edit");
    let out = ectus_new(&project, &["--prompt", &todo], &["--no-lint"]);
    assert!(!out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(report["verdict"], "failed");
    assert_eq!(report["files"]["kept"][0][0], "src/lib.rs");
    assert_eq!(report["qa"]["phases"][1]["status"], "failed");
    assert!(
        report["qa"]["compiler_errors"]["E0308"]["count"]
            .as_u64()
            .unwrap_or(0)
            >= 1,
        "{report:#}"
    );
    assert_eq!(report["qa"]["phases"][2]["status"], "skipped");

    // A test that never ends is stopped at the phase limit and reported as a time-out.
    std::fs::write(
        &lib,
        std::fs::read(project.join("src/lib.rs.ectus-new")).expect("new version"),
    )
    .expect("restore");
    std::fs::write(
        project.join("tests/hang.rs"),
        "#[test]\nfn never_ends() {\n    loop {\n        std::thread::sleep(std::time::Duration::from_secs(1));\n    }\n}\n",
    )
    .expect("hang test");
    let started = Instant::now();
    let out = ectus_new(
        &project,
        &["--prompt", &todo],
        &["--no-lint", "--phase-timeout", "60s"],
    );
    let elapsed = started.elapsed();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert!(!out.status.success());
    assert_eq!(
        report["qa"]["phases"][2]["status"], "timed_out",
        "{report:#}"
    );
    assert!(
        elapsed < Duration::from_secs(240),
        "QA returned after {elapsed:?}"
    );
}

#[test]
fn the_api_generates_verifies_and_serves_the_artifact() {
    let _serial = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(generate_through_the_api());
}

async fn generate_through_the_api() {
    // Spans of the job and its phases go to a real OTLP receiver.
    let (collector, received) = common::otlp_receiver().await;
    let server = Launcher::serve()
        .workers(1)
        .env(
            "ECTUS_GENERATION__TARGET_DIR",
            cache().display().to_string(),
        )
        .env("ECTUS_WORKERS__POLL_INTERVAL", "50ms")
        .env("ECTUS_LOG__LEVEL", "warn")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector)
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("ECTUS_TRACING__SAMPLE_RATIO", "1.0")
        .start()
        .await;
    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str| {
        client
            .request(method, server.url(path))
            .bearer_auth(&server.key)
    };
    let json = |response: reqwest::Response| async move {
        response
            .json::<serde_json::Value>()
            .await
            .unwrap_or(serde_json::Value::Null)
    };
    let project = json(
        call(reqwest::Method::POST, "/api/v1/projects")
            .json(&serde_json::json!({"name": "todo"}))
            .send()
            .await
            .expect("send"),
    )
    .await;
    let project_id = project["id"].as_str().expect("project id").to_owned();
    let generations = format!("/api/v1/projects/{project_id}/generations");

    let refused = call(reqwest::Method::POST, &generations)
        .json(&serde_json::json!({"prompt": "Make it fast."}))
        .send()
        .await
        .expect("send");
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.expect("body");
    assert!(refused.contains("Try:"), "{refused}");

    let created = call(reqwest::Method::POST, &generations)
        .json(&serde_json::json!({"prompt": prompt("todo"), "qa": true}))
        .send()
        .await
        .expect("send");
    assert_eq!(created.status(), 202);
    let generation = json(created).await;
    let generation_id = generation["id"].as_str().expect("generation id").to_owned();
    let job_id = generation["job_id"].as_str().expect("job id").to_owned();
    assert_eq!(generation["spec"]["entities"][0]["name"], "Task");

    // Follow the job's event stream to its end: phases arrive as progress.
    let stream = call(
        reqwest::Method::GET,
        &format!("/api/v1/jobs/{job_id}/events"),
    )
    .send()
    .await
    .expect("send")
    .text()
    .await
    .expect("event stream");
    assert!(stream.contains("event: end"), "{stream}");
    for phase in [
        "\"phase\":\"build\"",
        "\"phase\":\"test\"",
        "\"state\":\"succeeded\"",
    ] {
        assert!(
            stream.contains(phase),
            "missing {phase} in the event stream: {stream}"
        );
    }
    let read = json(
        call(
            reqwest::Method::GET,
            &format!("{generations}/{generation_id}"),
        )
        .send()
        .await
        .expect("send"),
    )
    .await;
    assert_eq!(read["status"], "passed", "{read:#}");
    assert!(read["qa_report"]["tests"]["passed"].as_u64().unwrap_or(0) > 0);
    let artifact = call(
        reqwest::Method::GET,
        &format!("{generations}/{generation_id}/artifact"),
    )
    .send()
    .await
    .expect("send");
    assert_eq!(artifact.status(), 200);
    assert_eq!(
        artifact
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/gzip")
    );
    let bytes = artifact.bytes().await.expect("artifact");
    let unpacked = server.dir().join("unpacked");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_ref()));
    archive.unpack(&unpacked).expect("unpack");
    let service = read["spec"]["service"]["name"].as_str().expect("service");
    assert!(unpacked.join(service).join("Cargo.toml").is_file());
    assert!(unpacked.join(service).join("Cargo.lock").is_file());

    // Every phase of the job is a span under the job's span.
    let phases = [
        "generate render",
        "generate build",
        "generate test",
        "generate package",
    ];
    let deadline = Instant::now() + Duration::from_secs(20);
    let (job_span, children) = loop {
        let spans = received.lock().map(|s| s.clone()).unwrap_or_default();
        let job_span = spans.iter().find(|s| s.name == "job").cloned();
        let children: Vec<_> = spans
            .iter()
            .filter(|s| {
                job_span
                    .as_ref()
                    .is_some_and(|j| s.parent_span_id == j.span_id)
            })
            .map(|s| s.name.clone())
            .collect();
        if phases.iter().all(|p| children.iter().any(|c| c == p)) || Instant::now() > deadline {
            break (job_span, children);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        job_span.is_some(),
        "the job's span arrived: {:?}",
        received
            .lock()
            .map(|s| s.iter().map(|s| s.name.clone()).collect::<Vec<_>>())
            .unwrap_or_default()
    );
    for phase in phases {
        assert!(
            children.iter().any(|c| c == phase),
            "{phase} is a child of the job span: {children:?}"
        );
    }
}

/// The Schemathesis CLI: `ECTUS_SCHEMATHESIS` or `st` on the PATH (scripts/test.sh installs it).
fn schemathesis() -> PathBuf {
    if let Ok(path) = std::env::var("ECTUS_SCHEMATHESIS") {
        return PathBuf::from(path);
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("st")).find(|p| p.is_file()))
        .expect("Schemathesis is not installed: run ./scripts/test.sh, or `pip install schemathesis` and set ECTUS_SCHEMATHESIS")
}

#[test]
fn schemathesis_finds_no_failure_in_a_generated_service() {
    const FUZZ_KEY: &str = "schemathesis-key";
    let st = schemathesis();
    let report = verified("bookstore-fuzzed", &["--prompt", &prompt("bookstore")], 20);
    let service = report["service"].as_str().expect("service").to_owned();
    let _serial = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let binary = cache().join("debug").join(&service);
    assert!(binary.is_file(), "QA built {}", binary.display());
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let server = common::KillOnDrop(
        Command::new(&binary)
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/fuzz.db?mode=rwc", dir.path().display()),
            )
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            // The requirement names no authentication: writes need an API key.
            .env("API_KEY_HASHES", key_hash(FUZZ_KEY))
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the generated service"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the generated service did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Schemathesis keeps a cache in its working directory: give it the scratch one.
    let out = Command::new(st)
        .current_dir(dir.path())
        .args(["run", &format!("http://127.0.0.1:{port}/openapi.json")])
        .args([
            "--checks",
            "all",
            "--max-examples",
            "25",
            "--generation-deterministic",
            "--workers",
            "1",
        ])
        .args(["--no-shrink", "--request-timeout", "10"])
        .args(["--header", &format!("X-API-Key: {FUZZ_KEY}")])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run schemathesis");
    drop(server);
    let output = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "Schemathesis found failures:\n{output}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "{}",
        output
            .lines()
            .rev()
            .take(12)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A spec of the evolution test, version `v` (1, 2 or 3), on `database`.
fn evolving_spec(v: u32, database: &str) -> String {
    let note = match v {
        1 => "      - {name: title, type: string, required: true}\n      - {name: status, type: enum, values: [open, closed], default: open}\n",
        2 => "      - {name: headline, type: string, required: true, renamed_from: title}\n      - {name: status, type: enum, values: [open, closed, archived], default: open}\n      - {name: body, type: text}\n      - {name: priority, type: integer, required: true, default: 1}\n",
        _ => "      - {name: headline, type: string, required: true}\n      - {name: status, type: enum, values: [open, closed, archived], default: open}\n      - {name: priority, type: integer, required: true, default: 1}\n",
    };
    let tag = if v >= 2 {
        "  - name: Tag\n    fields:\n      - {name: label, type: string, required: true}\n    relations:\n      - {kind: belongs_to, target: Note}\n"
    } else {
        ""
    };
    format!("spec_version: 1\nservice: {{name: evolving-{database}}}\ndatabase: {database}\nentities:\n  - name: Note\n    fields:\n{note}{tag}")
}

/// The generated service's own binary on `database_url`, answering on a free port.
async fn start_generated(binary: &Path, database_url: &str) -> (common::KillOnDrop, String) {
    start_generated_with(binary, database_url, &[("RUST_LOG", "warn")], Stdio::null()).await
}

/// [`start_generated`] with more environment variables and its standard output sent to `stdout`.
async fn start_generated_with(
    binary: &Path,
    database_url: &str,
    env: &[(&str, &str)],
    stdout: Stdio,
) -> (common::KillOnDrop, String) {
    let port = common::free_port();
    let child = Command::new(binary)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", database_url)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::null())
        .spawn()
        .expect("start the generated service");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("{base}/health")).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "the generated service did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (common::KillOnDrop(child), base)
}

fn tree(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut all = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                all.push((path.clone(), std::fs::read(&path).expect("read")));
            }
        }
    }
    all.sort();
    all
}

#[test]
fn a_changed_spec_adds_a_migration_that_keeps_the_rows_on_sqlite_and_postgresql() {
    let _serial = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    for backend in [
        ectus_testkit::TestBackend::Sqlite,
        ectus_testkit::TestBackend::Postgres,
    ] {
        runtime.block_on(evolve(backend));
    }
}

async fn evolve(backend: ectus_testkit::TestBackend) {
    let database = match backend {
        ectus_testkit::TestBackend::Sqlite => "sqlite",
        ectus_testkit::TestBackend::Postgres => "postgres",
    };
    let db = ectus_testkit::TestDb::new(backend).await;
    let url = if database == "sqlite" {
        format!("{}?mode=rwc", db.url)
    } else {
        db.url.clone()
    };
    let dir = tempfile::tempdir().expect("dir");
    let project = dir.path().join("service");
    let spec = dir.path().join("spec.yaml");
    let binary = cache().join("debug").join(format!("evolving-{database}"));
    let qa = ["--no-lint", "--no-probe"];

    std::fs::write(&spec, evolving_spec(1, database)).expect("v1");
    let out = ectus_new(&project, &["--spec", spec.to_str().expect("path")], &qa);
    assert!(
        out.status.success(),
        "{database} v1: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let first_migration = std::fs::read(project.join("migrations/0001_init.sql")).expect("0001");
    let client = reqwest::Client::new();
    {
        let (_service, base) = start_generated(&binary, &url).await;
        for (title, status) in [("first note", "open"), ("second note", "closed")] {
            let created = client
                .post(format!("{base}/notes"))
                .json(&serde_json::json!({"title": title, "status": status}))
                .send()
                .await
                .expect("post");
            assert_eq!(created.status(), 201, "{database} v1 row");
        }
    }

    std::fs::write(&spec, evolving_spec(2, database)).expect("v2");
    let out = ectus_new(&project, &["--spec", spec.to_str().expect("path")], &qa);
    assert!(
        out.status.success(),
        "{database} v2: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        std::fs::read(project.join("migrations/0001_init.sql")).expect("0001"),
        first_migration,
        "{database}: the applied migration is never edited"
    );
    let added: Vec<String> = std::fs::read_dir(project.join("migrations"))
        .expect("migrations")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("0002_"))
        .collect();
    assert_eq!(
        added.len(),
        1,
        "{database}: the next numbered migration: {added:?}"
    );
    {
        let (_service, base) = start_generated(&binary, &url).await;
        let page: serde_json::Value = client
            .get(format!("{base}/notes?sort=id"))
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        let items = page["items"].as_array().expect("items");
        assert_eq!(items.len(), 2, "{database}: the rows survived: {page}");
        assert_eq!(
            items[0]["headline"], "first note",
            "{database}: the renamed column kept its data"
        );
        assert_eq!(items[1]["status"], "closed");
        assert_eq!(
            items[0]["priority"], 1,
            "{database}: the new required column was filled in"
        );
        assert!(items[0]["body"].is_null());
        let changed = client
            .patch(format!("{base}/notes/{}", items[1]["id"]))
            .json(&serde_json::json!({"status": "archived", "body": "now with a body"}))
            .send()
            .await
            .expect("patch");
        assert_eq!(
            changed.status(),
            200,
            "{database}: the new enum value and field work"
        );
        let tag = client
            .post(format!("{base}/tags"))
            .json(&serde_json::json!({"label": "new table", "note_id": items[0]["id"]}))
            .send()
            .await
            .expect("tag");
        assert_eq!(tag.status(), 201, "{database}: the new table works");
    }

    // Dropping a field loses data: refused, listed, nothing written.
    let before = tree(&project);
    std::fs::write(&spec, evolving_spec(3, database)).expect("v3");
    let out = ectus_new(&project, &["--spec", spec.to_str().expect("path")], &qa);
    assert!(
        !out.status.success(),
        "{database}: a destructive step needs --allow-destructive"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("notes.body is dropped") && stderr.contains("--allow-destructive"),
        "{stderr}"
    );
    assert_eq!(tree(&project), before, "{database}: nothing was written");
}

#[test]
fn a_service_asked_to_need_no_login_is_reported_as_open_to_writes_by_anyone() {
    let _serial = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("dir");
    let out = ectus_new(
        &dir.path().join("kiosk"),
        &[
            "--prompt",
            "A kiosk log. Visits have a name and a date. No login needed.",
        ],
        &["--no-qa"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(
        report["public_writes"],
        serde_json::json!(["create", "update", "delete"]),
        "{report:#}"
    );
}
