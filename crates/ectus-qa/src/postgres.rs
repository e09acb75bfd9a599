//! A throwaway PostgreSQL server for QA: when a generated service uses PostgreSQL and no test
//! database URL is configured, QA starts its own cluster from the installed server binaries
//! (`initdb` and `postgres` on a free port in a temporary directory, as an unprivileged user
//! when running as root), points the tests at it and removes it when dropped — after a
//! failure, a time-out or an interrupted run too.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Overrides where the server binaries are looked for.
pub const BIN_DIR_ENV: &str = "ECTUS_POSTGRES_BIN_DIR";

/// Why no throwaway server could be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// No server binaries on this machine; what to install or configure instead.
    NotInstalled(String),
    /// The binaries are there but the server did not start; its own error line.
    Failed(String),
}

impl Unavailable {
    /// The one line a report shows.
    pub fn line(&self) -> &str {
        match self {
            Unavailable::NotInstalled(line) | Unavailable::Failed(line) => line,
        }
    }
}

/// A running throwaway cluster; stopped and deleted on drop.
pub struct Throwaway {
    child: Option<Child>,
    dir: Option<tempfile::TempDir>,
    url: String,
}

impl Throwaway {
    /// The admin URL the generated tests may create their databases with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Initialises a cluster in a new temporary directory and starts it on a free port.
    pub async fn start() -> Result<Throwaway, Unavailable> {
        let bin = binaries().ok_or_else(|| {
            Unavailable::NotInstalled(
                "not verified: the service uses PostgreSQL and no PostgreSQL server is installed to test it against; install one (Debian/Ubuntu: apt-get install postgresql) or point --test-database-url (ECTUS_TEST_DATABASE_URL, generation.test_database_url) at a server".to_owned(),
            )
        })?;
        tokio::task::spawn_blocking(move || start_blocking(&bin))
            .await
            .map_err(|e| Unavailable::Failed(format!("the PostgreSQL start-up task failed: {e}")))?
    }
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGQUIT: immediate shutdown, nothing of this cluster is worth keeping.
            if let Ok(pid) = i32::try_from(child.id()) {
                // SAFETY: signalling the server process this value started and still owns.
                unsafe {
                    libc::kill(pid, libc::SIGQUIT);
                }
            }
            let deadline = Instant::now() + Duration::from_secs(10);
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        // The directory (data, socket, log) goes with the TempDir.
        self.dir.take();
    }
}

/// The directory holding `initdb` and `postgres`: [`BIN_DIR_ENV`], then `PATH`, then the
/// newest `/usr/lib/postgresql/<version>/bin` (where Debian installs them).
fn binaries() -> Option<PathBuf> {
    let has = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(dir) = std::env::var_os(BIN_DIR_ENV) {
        let dir = PathBuf::from(dir);
        return has(&dir).then_some(dir);
    }
    if let Some(path) = std::env::var_os("PATH") {
        if let Some(dir) = std::env::split_paths(&path).find(|d| has(d)) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// The uid and gid of `nobody`, for running the server when this process is root (PostgreSQL
/// refuses to run as root).
fn unprivileged() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let parts: Vec<&str> = line.split(':').collect();
        (parts.first() == Some(&"nobody") && parts.len() > 3)
            .then(|| Some((parts[2].parse().ok()?, parts[3].parse().ok()?)))
            .flatten()
    })
}

fn free_port() -> Result<u16, Unavailable> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Unavailable::Failed(format!("no free port for PostgreSQL: {e}")))
}

/// The last line of the server's log worth showing (its `FATAL`/`ERROR`, or the last one).
fn server_error(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .rev()
        .find(|l| l.contains("FATAL") || l.contains("ERROR") || l.contains("PANIC"))
        .or_else(|| text.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("no output")
        .trim()
        .to_owned()
}

fn start_blocking(bin: &Path) -> Result<Throwaway, Unavailable> {
    let failed = |what: &str, e: std::io::Error| Unavailable::Failed(format!("{what}: {e}"));
    let dir = tempfile::Builder::new()
        .prefix("ectus-qa-postgres-")
        .tempdir()
        .map_err(|e| failed("no directory for the PostgreSQL cluster", e))?;
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let user = if root {
        let (uid, gid) = unprivileged().ok_or_else(|| {
            Unavailable::Failed(
                "PostgreSQL cannot run as root and there is no `nobody` user to run it as".into(),
            )
        })?;
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
            .map_err(|e| failed("cannot hand the cluster directory to nobody", e))?;
        Some((uid, gid))
    } else {
        None
    };
    let command = |program: &str| {
        let mut command = Command::new(bin.join(program));
        command
            .current_dir(dir.path())
            .env_clear()
            .env("LANG", "C.UTF-8")
            .env("LC_ALL", "C.UTF-8")
            .stdin(Stdio::null());
        if let Some((uid, gid)) = user {
            use std::os::unix::process::CommandExt as _;
            command.uid(uid).gid(gid);
        }
        command
    };
    let data = dir.path().join("data");
    let init = command("initdb")
        .arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| failed("cannot run initdb", e))?;
    if !init.status.success() {
        let stderr = String::from_utf8_lossy(&init.stderr);
        let line = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("initdb failed");
        return Err(Unavailable::Failed(format!(
            "not verified: the throwaway PostgreSQL cluster could not be created: {}",
            line.trim()
        )));
    }
    let port = free_port()?;
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).map_err(|e| failed("cannot create the log", e))?;
    if let Some((uid, gid)) = user {
        let _ = std::os::unix::fs::chown(&log_path, Some(uid), Some(gid));
    }
    let err = log
        .try_clone()
        .map_err(|e| failed("cannot share the log", e))?;
    let mut child = {
        use std::os::unix::process::CommandExt as _;
        command("postgres")
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(dir.path())
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ])
            .stdout(log)
            .stderr(err)
            .process_group(0)
            .spawn()
            .map_err(|e| failed("cannot start postgres", e))?
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(Unavailable::Failed(format!(
                "not verified: the throwaway PostgreSQL server exited ({status}): {}",
                server_error(&log_path)
            )));
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            && std::fs::read_to_string(&log_path)
                .is_ok_and(|l| l.contains("ready to accept connections"))
        {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Unavailable::Failed(format!(
                "not verified: the throwaway PostgreSQL server did not start within 30 s: {}",
                server_error(&log_path)
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Throwaway {
        child: Some(child),
        url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        dir: Some(dir),
    })
}
