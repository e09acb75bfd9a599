//! Process metrics read from `/proc/self` at scrape time (Linux; zero elsewhere).

use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

pub(crate) struct ProcessMetrics {
    resident_memory: Gauge,
    cpu_seconds: Gauge<f64, std::sync::atomic::AtomicU64>,
    open_fds: Gauge,
    start_time: Gauge<f64, std::sync::atomic::AtomicU64>,
}

impl ProcessMetrics {
    pub(crate) fn register(registry: &mut Registry) -> ProcessMetrics {
        let metrics = ProcessMetrics {
            resident_memory: Gauge::default(),
            cpu_seconds: Gauge::default(),
            open_fds: Gauge::default(),
            start_time: Gauge::default(),
        };
        registry.register_with_unit(
            "process_resident_memory",
            "Resident memory",
            Unit::Bytes,
            metrics.resident_memory.clone(),
        );
        registry.register_with_unit(
            "process_cpu",
            "User and system CPU time spent (a running total)",
            Unit::Seconds,
            metrics.cpu_seconds.clone(),
        );
        registry.register(
            "process_open_fds",
            "Open file descriptors",
            metrics.open_fds.clone(),
        );
        registry.register_with_unit(
            "process_start_time",
            "Start time since the Unix epoch",
            Unit::Seconds,
            metrics.start_time.clone(),
        );
        metrics
    }
}

/// Reads `/proc/self` into the process gauges.
pub fn refresh_process_metrics() {
    let metrics = &crate::metrics().process;
    let (page_size, ticks) = system_units();
    if let Ok(statm) = std::fs::read_to_string("/proc/self/statm") {
        if let Some(resident_pages) = statm
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.parse::<i64>().ok())
        {
            metrics.resident_memory.set(resident_pages * page_size);
        }
    }
    if let Ok(stat) = std::fs::read_to_string("/proc/self/stat") {
        // Fields after the parenthesised command name; utime and stime are the 14th and 15th
        // fields, starttime the 22nd (counted from 1 over the whole line).
        if let Some(after) = stat.rsplit_once(") ").map(|(_, rest)| rest) {
            let fields: Vec<&str> = after.split_whitespace().collect();
            let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<f64>().ok());
            if let (Some(utime), Some(stime)) = (field(14), field(15)) {
                metrics.cpu_seconds.set((utime + stime) / ticks);
            }
            if let (Some(start), Some(boot)) = (field(22), boot_time()) {
                metrics.start_time.set(boot + start / ticks);
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
        metrics.open_fds.set(entries.count() as i64);
    }
}

/// Page size (bytes) and clock ticks per second.
fn system_units() -> (i64, f64) {
    // SAFETY: sysconf only reads system configuration values.
    let (page, ticks) = unsafe {
        (
            libc::sysconf(libc::_SC_PAGESIZE),
            libc::sysconf(libc::_SC_CLK_TCK),
        )
    };
    (
        if page > 0 { page } else { 4096 },
        if ticks > 0 { ticks as f64 } else { 100.0 },
    )
}

fn boot_time() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}
