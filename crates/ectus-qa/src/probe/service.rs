//! The service under probe: its built binary started in a process group of its own on a free
//! port, with a database of its own (a SQLite file in a scratch directory, or a PostgreSQL
//! database created for the run and dropped after), fresh secrets, and a wait for `/health`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::Rng as _;
use sha2::Digest as _;
use tokio::process::{Child, Command};

use super::Plan;
use crate::QaOptions;

/// How long the service may take to answer `/health`.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The body limit the service runs with, so oversized bodies are known to be over it.
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

/// A running service and what the probe knows about it.
pub struct Service {
    child: Child,
    pub base: String,
    pub client: reqwest::Client,
    /// `JWT_SECRET` the service verifies its tokens with.
    pub jwt_secret: String,
    /// An API key it accepts (its hash is in `API_KEY_HASHES`).
    pub api_key: String,
    _scratch: tempfile::TempDir,
    /// `(admin URL, database)` of a PostgreSQL database to drop at the end.
    postgres: Option<(String, String)>,
}

fn random(length: usize) -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(length)
        .map(char::from)
        .collect()
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port for the service: {e}"))
}

async fn create_postgres_database(admin: &str) -> Result<(String, String), String> {
    use sqlx::Connection as _;
    let name = format!("probe_{}", random(16).to_lowercase());
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .map_err(|e| format!("cannot reach the test database server: {e}"))?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("cannot create a database for the probe: {e}"))?;
    let _ = conn.close().await;
    let base = admin
        .rsplit_once('/')
        .map(|(base, _)| base.to_owned())
        .unwrap_or_else(|| admin.to_owned());
    Ok((format!("{base}/{name}"), name))
}

async fn drop_postgres_database(admin: &str, name: &str) {
    use sqlx::Connection as _;
    if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
    }
}

impl Service {
    /// Starts the binary of `plan` from the shared build directory.
    pub async fn start(plan: &Plan, options: &QaOptions) -> Result<Service, String> {
        let binary: PathBuf = options.target_dir.join("debug").join(&plan.binary);
        if !binary.is_file() {
            return Err(format!("the built service {} is missing", binary.display()));
        }
        let scratch = tempfile::tempdir().map_err(|e| format!("no scratch directory: {e}"))?;
        let (database_url, postgres) = if plan.database == "postgres" {
            let admin = options.test_database_url.clone().ok_or_else(|| {
                "the service uses PostgreSQL and no test database server is configured".to_owned()
            })?;
            let (url, name) = create_postgres_database(&admin).await?;
            (url, Some((admin, name)))
        } else {
            (
                format!("sqlite://{}/probe.db?mode=rwc", scratch.path().display()),
                None,
            )
        };
        let port = free_port()?;
        let jwt_secret = random(48);
        let api_key = random(40);
        let api_key_hash: String = sha2::Sha256::digest(api_key.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut command = Command::new(&binary);
        command
            .current_dir(scratch.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", &database_url)
            .env("RUST_LOG", "warn")
            .env("REQUEST_TIMEOUT_SECS", "10")
            .env("BODY_LIMIT_BYTES", BODY_LIMIT_BYTES.to_string())
            .env("AUTH_REGISTRATION", "open")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .process_group(0);
        if plan.auth == "jwt" {
            command.env("JWT_SECRET", &jwt_secret);
        }
        if plan.auth == "api_key" {
            command.env("API_KEY_HASHES", &api_key_hash);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| format!("no HTTP client: {e}"))?;
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(response) = client.get(format!("{base}/health")).send().await {
                if response.status().is_success() {
                    break;
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut pipe) = child.stderr.take() {
                    use tokio::io::AsyncReadExt as _;
                    let _ = pipe.read_to_string(&mut stderr).await;
                }
                if let Some((admin, name)) = &postgres {
                    drop_postgres_database(admin, name).await;
                }
                return Err(format!(
                    "the service exited before it answered ({status}): {}",
                    stderr.lines().rev().take(5).collect::<Vec<_>>().join(" | ")
                ));
            }
            if Instant::now() >= deadline {
                let _ = child.kill().await;
                if let Some((admin, name)) = &postgres {
                    drop_postgres_database(admin, name).await;
                }
                return Err(format!(
                    "the service did not answer /health within {} s",
                    START_TIMEOUT.as_secs()
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(Service {
            child,
            base,
            client,
            jwt_secret,
            api_key,
            _scratch: scratch,
            postgres,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the service (its whole process group) and drops its database.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id().and_then(|id| i32::try_from(id).ok()) {
            // SAFETY: signalling the process group this probe created; a stale id only
            // yields ESRCH.
            unsafe {
                libc::killpg(pid, libc::SIGKILL);
            }
        }
        let _ = self.child.wait().await;
        if let Some((admin, name)) = &self.postgres {
            drop_postgres_database(admin, name).await;
        }
    }
}
