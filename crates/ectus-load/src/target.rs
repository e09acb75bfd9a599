//! The system under load: a real `ectus serve` process started on free loopback ports with
//! its API, metrics listener and OTLP export pointed at the harness, its bootstrap admin key,
//! and a project to read. Stopped (and its working directory removed) when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

/// How long the server gets to become ready.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// What starts the server.
#[derive(Debug, Clone)]
pub struct TargetOptions {
    /// The `ectus` binary.
    pub ectus: PathBuf,
    /// `--database-url`; `None` is the embedded SQLite database in the working directory. A
    /// PostgreSQL database must be empty (the bootstrap key is written on first start only).
    pub database_url: Option<String>,
    /// Where the OTLP/HTTP receiver listens.
    pub otlp_endpoint: String,
}

/// A running server.
pub struct Target {
    child: Child,
    dir: tempfile::TempDir,
    /// `http://127.0.0.1:<port>` of the API.
    pub base: String,
    /// `http://127.0.0.1:<port>/metrics` of the metrics listener.
    pub metrics: String,
    /// The bootstrap admin key.
    pub key: String,
    /// A project of the key's tenant, read by the scenarios.
    pub project_id: String,
    /// The process id, for the soak's memory and descriptor readings.
    pub pid: u32,
}

impl Target {
    pub async fn start(options: &TargetOptions) -> anyhow::Result<Target> {
        let dir = tempfile::tempdir().context("create the server's working directory")?;
        let (api, metrics) = (free_port()?, free_port()?);
        let log = std::fs::File::create(dir.path().join("serve.log"))
            .context("create the server's log file")?;
        // The server runs in its own directory: a relative path is the caller's.
        let ectus = std::fs::canonicalize(&options.ectus)
            .with_context(|| format!("find the ectus binary {}", options.ectus.display()))?;
        let mut command = Command::new(&ectus);
        command
            .current_dir(dir.path())
            .args(["serve", "--listen", &format!("127.0.0.1:{api}")])
            .args(["--metrics-listen", &format!("127.0.0.1:{metrics}")])
            .args(["--workers", "0"])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", &options.otlp_endpoint)
            .env("OTEL_SERVICE_NAME", "ectus-under-load")
            .env("OTEL_BSP_SCHEDULE_DELAY", "200")
            .env("ECTUS_LOG__FORMAT", "json")
            .stdin(Stdio::null())
            .stdout(log.try_clone().context("log file")?)
            .stderr(log);
        if let Some(url) = &options.database_url {
            command.args(["--database-url", url]);
        }
        let child = command
            .spawn()
            .with_context(|| format!("start {}", ectus.display()))?;
        let pid = child.id();
        let mut target = Target {
            child,
            dir,
            base: format!("http://127.0.0.1:{api}"),
            metrics: format!("http://127.0.0.1:{metrics}/metrics"),
            key: String::new(),
            project_id: String::new(),
            pid,
        };
        target.wait_until_ready().await?;
        target.project_id = target.create_project().await?;
        Ok(target)
    }

    /// The server's output so far (for a failure's message).
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("serve.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    async fn wait_until_ready(&mut self) -> anyhow::Result<()> {
        let key_file = self.dir.path().join(".ectus/admin-key");
        let client = reqwest::Client::new();
        let ready_url = format!("{}/health/ready", self.base);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let ready = client
                .get(&ready_url)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if ready && key_file.exists() {
                break;
            }
            if let Some(status) = self.child.try_wait().context("wait for the server")? {
                bail!(
                    "ectus serve exited ({status}) before it was ready:\n{}",
                    self.log_tail()
                );
            }
            if Instant::now() >= deadline {
                bail!(
                    "ectus serve was not ready within {START_TIMEOUT:?}:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.key = std::fs::read_to_string(&key_file)
            .with_context(|| format!("read {}", key_file.display()))?
            .trim()
            .to_owned();
        Ok(())
    }

    async fn create_project(&self) -> anyhow::Result<String> {
        let body = serde_json::json!({"name": "load-target", "description": "read under load"});
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1/projects", self.base))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await
            .context("create the project to read")?;
        let status = response.status();
        let answer = response.text().await.context("read the created project")?;
        if status != 201 {
            bail!("creating the project to read answered {status}: {answer}");
        }
        let view: serde_json::Value = serde_json::from_str(&answer).context("project view")?;
        view["id"]
            .as_str()
            .map(str::to_owned)
            .context("the project view has no id")
    }

    /// The server's working directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("find a free port")?;
    Ok(listener.local_addr()?.port())
}
