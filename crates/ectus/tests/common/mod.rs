//! Helpers for tests that run the real `ectus` binary: one launcher for `ectus serve` and
//! `ectus worker` (a builder: directory, database, workers, metrics port, arguments,
//! environment, files; output captured; start-up waited for with diagnostics), plain command
//! runs, installed tools, and an OTLP/HTTP receiver decoding the official protobuf messages.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;

pub const BIN: &str = env!("CARGO_BIN_EXE_ectus");

/// How long a process may take to start before the test fails with its output.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A program from the Debian packages `prometheus` and `prometheus-alertmanager`
/// (./scripts/test.sh installs them); panics with the fix when it is missing.
pub fn installed_tool(name: &str) -> PathBuf {
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        let candidate = Path::new(dir).join(name);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!("{name} is not installed: apt-get install -y prometheus prometheus-alertmanager (./scripts/test.sh does it)");
}

/// The test's own view of the database: no key cache, so what another process revoked is
/// seen at once.
pub async fn store_for(url: &str) -> ectus_store::Store {
    let options = ectus_store::StoreOptions {
        key_cache_ttl: Duration::ZERO,
        ..ectus_store::StoreOptions::default()
    };
    let store = ectus_store::Store::connect(url, &options)
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    store
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// `ectus` in `dir` with a predictable environment: JSON logs, no inherited `RUST_LOG`, no
/// standard input.
pub fn ectus(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_remove("RUST_LOG")
        .env("ECTUS_LOG__FORMAT", "json")
        .stdin(Stdio::null());
    cmd
}

/// Runs a command to completion.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run ectus")
}

/// Runs `ectus ARGS` in `dir` against the database at `url`, the `--database-url` option placed
/// after the command's first word (`admin`, `export`, `decommission`, …), where it belongs.
pub fn on_database(dir: &Path, url: &str, args: &[&str]) -> Output {
    let (command, rest) = args.split_first().expect("a command");
    run(ectus(dir)
        .arg(command)
        .args(["--database-url", url])
        .args(rest))
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A child process killed when dropped (also when a test panics).
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends `sig` to a child process.
pub fn signal(child: &Child, sig: i32) {
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: sending a signal to a child process we spawned and still own.
    let rc = unsafe { libc::kill(pid, sig) };
    assert_eq!(rc, 0, "kill({pid}, {sig})");
}

/// Waits for a child to exit, failing the test after `within`.
pub fn wait_exit(child: &mut Child, within: Duration) -> ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "process did not exit within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until `port` accepts connections.
pub async fn wait_for_port(port: u16) {
    let deadline = Instant::now() + START_TIMEOUT;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "port {port} never opened");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The working directory of a launched process: its own temporary one, or the test's.
enum WorkDir {
    Own(tempfile::TempDir),
    Given(PathBuf),
}

impl WorkDir {
    fn path(&self) -> &Path {
        match self {
            WorkDir::Own(dir) => dir.path(),
            WorkDir::Given(path) => path,
        }
    }
}

/// How to start `ectus serve` or `ectus worker`.
pub struct Launcher {
    command: &'static str,
    dir: Option<PathBuf>,
    database_url: Option<String>,
    workers: Option<usize>,
    metrics_port: Option<u16>,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    files: Vec<(String, String)>,
}

impl Launcher {
    /// `ectus serve` on a free port, metrics listener off, in a temporary directory.
    pub fn serve() -> Launcher {
        Launcher::new("serve")
    }

    /// `ectus worker`, metrics listener off, in a temporary directory.
    pub fn worker() -> Launcher {
        Launcher::new("worker")
    }

    fn new(command: &'static str) -> Launcher {
        Launcher {
            command,
            dir: None,
            database_url: None,
            workers: None,
            metrics_port: None,
            args: Vec::new(),
            envs: Vec::new(),
            files: Vec::new(),
        }
    }

    /// Runs in `dir` (which the test owns) instead of a temporary directory.
    pub fn dir(mut self, dir: &Path) -> Launcher {
        self.dir = Some(dir.to_owned());
        self
    }

    pub fn database_url(mut self, url: &str) -> Launcher {
        self.database_url = Some(url.to_owned());
        self
    }

    /// `--workers N` for serve, `--concurrency N` for worker.
    pub fn workers(mut self, count: usize) -> Launcher {
        self.workers = Some(count);
        self
    }

    /// Serves metrics on `port`; start-up waits until it accepts connections.
    pub fn metrics_port(mut self, port: u16) -> Launcher {
        self.metrics_port = Some(port);
        self
    }

    pub fn args(mut self, args: &[&str]) -> Launcher {
        self.args.extend(args.iter().map(|a| (*a).to_owned()));
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<str>) -> Launcher {
        self.envs.push((key.to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Writes `contents` to `name` in the working directory before starting (`ectus.toml`).
    pub fn file(mut self, name: &str, contents: &str) -> Launcher {
        self.files.push((name.to_owned(), contents.to_owned()));
        self
    }

    /// Starts the process and waits until it is up: for serve, until the admin key file
    /// exists and `/health/ready` answers 200; for worker, until it logged that it started;
    /// for both, until the metrics port (if any)
    /// accepts connections. A process that exits or never comes up fails the test with its
    /// output.
    pub async fn start(self) -> Ectus {
        let dir = match &self.dir {
            Some(path) => WorkDir::Given(path.clone()),
            None => WorkDir::Own(tempfile::tempdir().expect("temporary directory")),
        };
        for (name, contents) in &self.files {
            std::fs::write(dir.path().join(name), contents).expect("write file");
        }
        let port = loop {
            let candidate = free_port();
            if Some(candidate) != self.metrics_port {
                break candidate;
            }
        };
        let stdout = dir.path().join(format!("{}-{port}.out", self.command));
        let stderr = dir.path().join(format!("{}-{port}.err", self.command));
        let mut command = ectus(dir.path());
        command.arg(self.command);
        if self.command == "serve" {
            command.args(["--listen", &format!("127.0.0.1:{port}")]);
        }
        if let Some(url) = &self.database_url {
            command.args(["--database-url", url]);
        }
        if let Some(count) = self.workers {
            let flag = if self.command == "serve" {
                "--workers"
            } else {
                "--concurrency"
            };
            command.args([flag, &count.to_string()]);
        }
        let metrics = self
            .metrics_port
            .map_or_else(|| "off".to_owned(), |p| format!("127.0.0.1:{p}"));
        command.args(["--metrics-listen", &metrics]);
        command.args(&self.args);
        for (key, value) in &self.envs {
            command.env(key, value);
        }
        command
            .stdout(std::fs::File::create(&stdout).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"));
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("start ectus {}: {e}", self.command));
        let mut process = Ectus {
            child,
            dir,
            port,
            base: format!("http://127.0.0.1:{port}"),
            key: String::new(),
            stdout,
            stderr,
        };
        if self.command == "serve" {
            process.wait_until_serving().await;
        } else {
            // Up once it says so: its signal handlers are installed and its loops run.
            let log = process.stdout.clone();
            process
                .wait_until(|| {
                    text(&std::fs::read(&log).unwrap_or_default()).contains("worker started")
                })
                .await;
        }
        if let Some(port) = self.metrics_port {
            process
                .wait_until(|| std::net::TcpStream::connect(("127.0.0.1", port)).is_ok())
                .await;
        }
        process
    }
}

/// A running `ectus` process; killed when dropped.
pub struct Ectus {
    pub child: Child,
    dir: WorkDir,
    /// The API port (serve).
    pub port: u16,
    /// `http://127.0.0.1:<port>` (serve).
    pub base: String,
    /// The bootstrap admin key (serve).
    pub key: String,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Ectus {
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Standard output so far.
    pub fn stdout(&self) -> String {
        text(&std::fs::read(&self.stdout).unwrap_or_default())
    }

    /// Standard output and standard error so far.
    pub fn output(&self) -> String {
        format!(
            "{}{}",
            self.stdout(),
            text(&std::fs::read(&self.stderr).unwrap_or_default())
        )
    }

    pub fn signal(&self, sig: i32) {
        signal(&self.child, sig);
    }

    pub fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        wait_exit(&mut self.child, within)
    }

    async fn wait_until(&mut self, mut up: impl FnMut() -> bool) {
        let deadline = Instant::now() + START_TIMEOUT;
        while !up() {
            let exited = self.child.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() >= deadline {
                panic!("ectus did not start ({exited:?}):\n{}", self.output());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn wait_until_serving(&mut self) {
        let key_file = self.dir().join(".ectus/admin-key");
        let client = reqwest::Client::new();
        let ready = self.url("/health/ready");
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let answered = match client.get(&ready).send().await {
                Ok(response) => response.status() == 200,
                Err(_) => false,
            };
            if answered && key_file.exists() {
                break;
            }
            let exited = self.child.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() >= deadline {
                panic!(
                    "ectus serve did not become ready ({exited:?}):\n{}",
                    self.output()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.key = std::fs::read_to_string(&key_file)
            .expect("admin key")
            .trim()
            .to_owned();
    }
}

impl Drop for Ectus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
