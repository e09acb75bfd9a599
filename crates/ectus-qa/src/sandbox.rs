//! Running one cargo phase in the sandbox: own process group, cleared environment, address-
//! space limit, wall-clock limit, output captured.

use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

use tokio::io::AsyncReadExt as _;
use tokio::process::Command;

use crate::report::{Outcome, Phase};
use crate::QaOptions;

/// Environment variables passed through to cargo; everything else is cleared.
const PASSED_THROUGH: &[&str] = &[
    "PATH",
    "HOME",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
    "TMPDIR",
    "USER",
];

/// The cargo arguments of a phase; `None` for the probe, which runs no cargo.
fn arguments(phase: Phase, dir: &Path) -> Option<Vec<String>> {
    let args: &[&str] = match phase {
        Phase::Probe => return None,
        Phase::Fetch => {
            if dir.join("Cargo.lock").is_file() {
                &["fetch"]
            } else {
                &["generate-lockfile"]
            }
        }
        Phase::Build => &[
            "build",
            "--all-targets",
            "--locked",
            "--message-format=json",
        ],
        Phase::Test => &[
            "test",
            "--locked",
            "--no-fail-fast",
            "--message-format=json",
            "--",
            "--color",
            "never",
        ],
        Phase::Lint => &[
            "clippy",
            "--all-targets",
            "--locked",
            "--message-format=json",
            "--",
            "-D",
            "warnings",
        ],
    };
    Some(args.iter().map(|s| (*s).to_owned()).collect())
}

pub async fn run_phase(dir: &Path, options: &QaOptions, phase: Phase) -> Outcome {
    let started = Instant::now();
    let Some(args) = arguments(phase, dir) else {
        return Outcome {
            stderr: format!("the {} phase does not run cargo", phase.name()),
            ..Outcome::default()
        };
    };
    let mut command = Command::new("cargo");
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("CARGO_TARGET_DIR", &options.target_dir)
        .env("CARGO_TERM_COLOR", "never")
        .env("RUST_BACKTRACE", "0")
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .process_group(0);
    for key in PASSED_THROUGH {
        if let Some(value) = std::env::var_os(key) {
            command.env(key, value);
        }
    }
    if let Some(url) = &options.test_database_url {
        command.env("TEST_DATABASE_URL", url);
    }
    if let Some(limit) = options.memory_limit {
        // SAFETY: runs in the forked child before exec; setrlimit is async-signal-safe and
        // touches no memory shared with the parent.
        unsafe {
            command.pre_exec(move || {
                let rlim = libc::rlimit {
                    rlim_cur: limit as libc::rlim_t,
                    rlim_max: limit as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &rlim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => {
            return Outcome {
                exit_code: None,
                stderr: format!("cannot start cargo: {error}"),
                duration_ms: started.elapsed().as_millis() as u64,
                ..Outcome::default()
            }
        }
    };
    let pgid = child.id().and_then(|id| i32::try_from(id).ok());
    // If this future is dropped (the job was cancelled or lost its lease), the whole group
    // goes, not only cargo: rustc and test binaries must not outlive the run.
    let _group = GroupGuard(pgid);
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let read_out = tokio::spawn(async move {
        let mut buf = Vec::new();
        if let Some(out) = stdout.as_mut() {
            let _ = out.read_to_end(&mut buf).await;
        }
        buf
    });
    let read_err = tokio::spawn(async move {
        let mut buf = Vec::new();
        if let Some(err) = stderr.as_mut() {
            let _ = err.read_to_end(&mut buf).await;
        }
        buf
    });
    let waited = tokio::time::timeout(options.phase_timeout, child.wait()).await;
    let (exit_code, killed_by_signal, timed_out) = match waited {
        Ok(Ok(status)) => {
            use std::os::unix::process::ExitStatusExt as _;
            (status.code(), status.signal(), false)
        }
        Ok(Err(_)) => (None, None, false),
        Err(_) => {
            kill_group(pgid);
            let _ = child.wait().await;
            (None, Some(libc::SIGKILL), true)
        }
    };
    // Anything the phase left running in its group goes too.
    kill_group(pgid);
    let stdout = String::from_utf8_lossy(&read_out.await.unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&read_err.await.unwrap_or_default()).into_owned();
    Outcome {
        exit_code,
        timed_out,
        killed_by_signal,
        stdout,
        stderr,
        duration_ms: started.elapsed().as_millis() as u64,
    }
}

/// Kills the process group when dropped.
struct GroupGuard(Option<i32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        kill_group(self.0);
    }
}

fn kill_group(pgid: Option<i32>) {
    if let Some(pgid) = pgid {
        // SAFETY: signalling a process group this runner created; a stale id only yields ESRCH.
        unsafe {
            libc::killpg(pgid, libc::SIGKILL);
        }
    }
}
