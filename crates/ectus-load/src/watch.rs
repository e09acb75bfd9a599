//! The server's resident memory and open file descriptors, read from `/proc` every few
//! seconds while the load runs: what the soak's growth limits are judged on.

use std::time::{Duration, Instant};

use serde::Serialize;

/// How often the server is read.
const EVERY: Duration = Duration::from_secs(5);

/// One reading.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Reading {
    /// Seconds since the load started.
    pub at_seconds: f64,
    pub rss_bytes: u64,
    /// The parts of `rss_bytes`: the heap and other private memory, mapped files, shared
    /// memory (SQLite's WAL index) — to tell a leak from a cache or a mapping filling up.
    pub rss_anon_bytes: u64,
    pub rss_file_bytes: u64,
    pub rss_shmem_bytes: u64,
    pub open_fds: u64,
}

/// Reads the process `pid` until stopped.
pub struct Watcher {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Vec<Reading>>,
}

impl Watcher {
    pub fn start(pid: u32) -> Watcher {
        let (stop, mut stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let mut readings = Vec::new();
            loop {
                if let Some(reading) = read(pid, started) {
                    readings.push(reading);
                }
                tokio::select! {
                    _ = &mut stopped => break,
                    () = tokio::time::sleep(EVERY) => {}
                }
            }
            if let Some(reading) = read(pid, started) {
                readings.push(reading);
            }
            readings
        });
        Watcher { stop, task }
    }

    /// The readings taken (none where `/proc` cannot be read).
    pub async fn stop(self) -> Vec<Reading> {
        let _ = self.stop.send(());
        self.task.await.unwrap_or_default()
    }
}

fn read(pid: u32, started: Instant) -> Option<Reading> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let bytes = |field: &str| -> Option<u64> {
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix(field))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib * 1024)
    };
    let open_fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64;
    Some(Reading {
        at_seconds: started.elapsed().as_secs_f64(),
        rss_bytes: bytes("VmRSS:")?,
        rss_anon_bytes: bytes("RssAnon:").unwrap_or(0),
        rss_file_bytes: bytes("RssFile:").unwrap_or(0),
        rss_shmem_bytes: bytes("RssShmem:").unwrap_or(0),
        open_fds,
    })
}
