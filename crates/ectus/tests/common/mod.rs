//! Helpers for tests that run the real `ectus` binary: free ports, a started `ectus serve`
//! with its admin key, and an OTLP/HTTP receiver decoding the official protobuf messages.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;

pub const BIN: &str = env!("CARGO_BIN_EXE_ectus");

/// The repository's root directory.
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A program from the Debian packages `prometheus` and `prometheus-alertmanager`
/// (./scripts/test.sh installs them); panics with the fix when it is missing.
pub fn installed_tool(name: &str) -> std::path::PathBuf {
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        let candidate = std::path::Path::new(dir).join(name);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!("{name} is not installed: apt-get install -y prometheus prometheus-alertmanager (./scripts/test.sh does it)");
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A child process killed when dropped (also when a test panics).
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running `ectus serve` in a temporary directory; killed when dropped.
pub struct Served {
    pub child: Child,
    pub dir: tempfile::TempDir,
    pub base: String,
    pub key: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `ectus serve` on a free port with `args` and `envs`, sending its standard output to
/// `stdout_file` (relative to the temporary directory) when given, and waits until it answers
/// and has written its admin key.
pub async fn serve(args: &[&str], envs: &[(&str, &str)], stdout_file: Option<&str>) -> Served {
    let dir = tempfile::tempdir().expect("dir");
    // A port no argument already uses (the metrics listener's port was picked the same way).
    let port = loop {
        let candidate = free_port();
        if !args.iter().any(|a| a.ends_with(&format!(":{candidate}"))) {
            break candidate;
        }
    };
    let mut command = Command::new(BIN);
    command
        .current_dir(dir.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(args)
        .stdin(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("stderr.log")).expect("stderr file"));
    for (key, value) in envs {
        command.env(key, value);
    }
    match stdout_file {
        Some(name) => {
            command.stdout(std::fs::File::create(dir.path().join(name)).expect("stdout file"))
        }
        None => command.stdout(Stdio::null()),
    };
    let mut child = command.spawn().expect("start ectus serve");
    let key_file = dir.path().join(".ectus/admin-key");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !key_file.exists() || std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        let exited = child.try_wait().ok().flatten();
        if exited.is_some() || Instant::now() >= deadline {
            let stderr = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default();
            panic!("ectus serve did not start ({exited:?}):\n{stderr}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let key = std::fs::read_to_string(&key_file)
        .expect("key")
        .trim()
        .to_owned();
    Served {
        child,
        dir,
        base: format!("http://127.0.0.1:{port}"),
        key,
    }
}

/// Waits until `port` accepts connections.
pub async fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "port {port} never opened");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An OTLP/HTTP receiver on a free port: its base URL and the spans it has received.
pub async fn otlp_receiver() -> (String, Arc<Mutex<Vec<Span>>>) {
    let received: Arc<Mutex<Vec<Span>>> = Arc::default();
    let sink = received.clone();
    let receiver = axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let sink = sink.clone();
            async move {
                let request = ExportTraceServiceRequest::decode(body)
                    .expect("an OTLP ExportTraceServiceRequest");
                let mut spans = sink.lock().expect("lock");
                for resource in request.resource_spans {
                    for scope in resource.scope_spans {
                        spans.extend(scope.spans);
                    }
                }
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    (url, received)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
