//! The probe against stand-in services whose behaviour is known: one that lets anyone do
//! anything must fail on every refusal it owed, one that crashes on odd input must fail on
//! the server errors, and one that refuses correctly must pass.

use std::path::Path;

use ectus_qa::probe::{self, AttemptOutcome, ProbeCategory};
use ectus_qa::QaOptions;

/// A stand-in "service" (Python, standard library only) answering every request with
/// `status_for(method, path, headers)`; `/health`, `/openapi.json` and `/auth/register` work.
fn service(dir: &Path, name: &str, behaviour: &str) {
    let script = format!(
        r#"#!/usr/bin/env python3
import json, os
from http.server import BaseHTTPRequestHandler, HTTPServer
DOC = {{"openapi": "3.1.0", "paths": {{
  "/things": {{"get": {{"parameters": [{{"name": "sort", "in": "query"}}], "responses": {{}}}},
              "post": {{"security": [{{"bearer": []}}], "requestBody": {{}}, "responses": {{}}}}}},
  "/things/{{id}}": {{"patch": {{"security": [{{"bearer": []}}], "requestBody": {{}}, "responses": {{}}}},
                    "delete": {{"security": [{{"bearer": []}}], "responses": {{}}}}}}}}}}
def status_for(method, path, headers, body):
{behaviour}
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def answer(self, method):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path == "/health": return self.reply(200, {{"status": "ok"}})
        if self.path == "/openapi.json": return self.reply(200, DOC)
        if self.path == "/auth/register":
            email = json.loads(body)["email"]
            return self.reply(201, {{"account": {{"id": 1 if "owner" in email else 2}}, "token": "token-" + email}})
        status = status_for(method, self.path, self.headers, body)
        self.reply(status, {{"id": 7}})
    def reply(self, status, value):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self): self.answer("GET")
    def do_POST(self): self.answer("POST")
    def do_PATCH(self): self.answer("PATCH")
    def do_DELETE(self): self.answer("DELETE")
host, port = os.environ["LISTEN_ADDR"].split(":")
HTTPServer((host, int(port)), H).serve_forever()
"#
    );
    let debug = dir.join("target/debug");
    std::fs::create_dir_all(&debug).expect("target dir");
    let binary = debug.join(name);
    std::fs::write(&binary, script).expect("script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let project = dir.join("project");
    std::fs::create_dir_all(project.join(".ectus")).expect("project");
    let plan = serde_json::json!({
        "version": 1, "binary": name, "database": "sqlite", "auth": "jwt",
        "register": {"entity": "User", "path": "/auth/register", "login": "/auth/login", "body": {},
                     "identity_item": null, "identity_update": false, "identity_delete": false},
        "entities": [{"name": "Thing", "collection": "/things", "item": "/things/{id}", "create": {"title": "t"},
                      "parents": [], "owner_fk": "owner_id", "identity": false, "get": false, "update": true, "delete": true}]
    });
    std::fs::write(project.join(probe::PLAN_PATH), plan.to_string()).expect("plan");
}

async fn probe_of(behaviour: &str) -> probe::ProbeReport {
    let dir = tempfile::tempdir().expect("dir");
    service(dir.path(), "stand-in", behaviour);
    let options = QaOptions::new(dir.path().join("target"));
    probe::run(&dir.path().join("project"), &options).await
}

fn failed_in(report: &probe::ProbeReport, category: ProbeCategory) -> usize {
    report
        .attempts
        .iter()
        .filter(|a| a.category == category && a.outcome == AttemptOutcome::Failed)
        .count()
}

#[tokio::test]
async fn a_service_that_lets_anyone_in_fails_every_refusal_it_owed() {
    let report = probe_of("    return 201 if method == 'POST' else 200").await;
    assert!(report.setup_error.is_none(), "{:?}", report.setup_error);
    assert!(!report.passed());
    assert!(
        failed_in(&report, ProbeCategory::Unauthenticated) >= 3,
        "{report:#?}"
    );
    assert!(failed_in(&report, ProbeCategory::ForgedCredentials) >= 3);
    assert_eq!(
        failed_in(&report, ProbeCategory::ForeignOwner),
        2,
        "PATCH and DELETE of the owner's row"
    );
    assert_eq!(
        report.failed,
        report.by_category.values().map(|c| c.failed).sum::<u64>()
    );
}

#[tokio::test]
async fn a_service_that_crashes_on_odd_input_fails_on_the_server_errors() {
    let report = probe_of(
        "    auth = headers.get('authorization') or ''\n    if auth != 'Bearer token-probe-owner@example.com' and method != 'GET': return 401\n    if \"'\" in path or '%27' in path: return 500\n    return 200",
    )
    .await;
    assert!(
        failed_in(&report, ProbeCategory::Injection) >= 1,
        "{report:#?}"
    );
    assert_eq!(failed_in(&report, ProbeCategory::Unauthenticated), 0);
}

#[tokio::test]
async fn a_service_that_refuses_correctly_passes() {
    let report = probe_of(concat!(
        "    auth = headers.get('authorization') or ''\n",
        "    owner = auth == 'Bearer token-probe-owner@example.com'\n",
        "    other = auth == 'Bearer token-probe-other@example.com'\n",
        "    if method != 'GET' and not (owner or other): return 401\n",
        "    if other and method in ('PATCH', 'DELETE'): return 403\n",
        "    if len(body) > 262144: return 413\n",
        "    if method != 'GET' and method != 'DELETE' and headers.get('content-type') != 'application/json': return 415\n",
        "    if b'probe_unknown_field' in body: return 422\n",
        "    return 201 if method == 'POST' else 200",
    ))
    .await;
    assert!(report.passed(), "{report:#?}");
    assert!(report.attempts.len() > 30);
}

#[tokio::test]
async fn a_service_that_does_not_start_is_a_setup_error_not_a_pass() {
    let dir = tempfile::tempdir().expect("dir");
    service(dir.path(), "stand-in", "    return 200");
    std::fs::write(
        dir.path().join("target/debug/stand-in"),
        "#!/bin/sh\nexit 3\n",
    )
    .expect("broken");
    let report = probe::run(
        &dir.path().join("project"),
        &QaOptions::new(dir.path().join("target")),
    )
    .await;
    assert!(!report.passed());
    assert!(
        report
            .setup_error
            .as_deref()
            .unwrap_or("")
            .contains("exited"),
        "{:?}",
        report.setup_error
    );
}
