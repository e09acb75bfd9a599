//! Process metrics read from `/proc/self` at scrape time (Linux; zero elsewhere), and the
//! free space of the data directory's filesystem.

use std::path::Path;
use std::sync::Mutex;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

pub(crate) struct ProcessMetrics {
    resident_memory: Gauge,
    cpu_seconds: Counter<f64, std::sync::atomic::AtomicU64>,
    open_fds: Gauge,
    max_fds: Gauge,
    start_time: Gauge<f64, std::sync::atomic::AtomicU64>,
}

impl ProcessMetrics {
    pub(crate) fn register(registry: &mut Registry) -> ProcessMetrics {
        let metrics = ProcessMetrics {
            resident_memory: Gauge::default(),
            cpu_seconds: Counter::default(),
            open_fds: Gauge::default(),
            max_fds: Gauge::default(),
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
        registry.register(
            "process_max_fds",
            "Limit on open file descriptors (soft RLIMIT_NOFILE)",
            metrics.max_fds.clone(),
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

/// Serialises refreshes, so two concurrent scrapes cannot both add the same CPU time.
static REFRESH: Mutex<()> = Mutex::new(());

/// Reads `/proc/self` into the process metrics.
pub fn refresh_process_metrics() {
    let _serial = REFRESH
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
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
                let total = (utime + stime) / ticks;
                let counted = metrics.cpu_seconds.get();
                if total > counted {
                    metrics.cpu_seconds.inc_by(total - counted);
                }
            }
            if let (Some(start), Some(boot)) = (field(22), boot_time()) {
                metrics.start_time.set(boot + start / ticks);
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
        metrics.open_fds.set(entries.count() as i64);
    }
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given and nothing else.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        metrics
            .max_fds
            .set(i64::try_from(limit.rlim_cur).unwrap_or(i64::MAX));
    }
}

/// Reads the available and total space of the filesystem holding `path` (the data
/// directory, or its nearest existing ancestor when it is not created yet). Leaves the
/// gauges unchanged when nothing can be inspected.
pub fn refresh_filesystem_metrics(path: &Path) {
    use std::os::unix::ffi::OsStrExt as _;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let Some(existing) = absolute.ancestors().find(|p| p.exists()) else {
        return;
    };
    let Ok(c_path) = std::ffi::CString::new(existing.as_os_str().as_bytes()) else {
        return;
    };
    // SAFETY: statvfs only writes into the zeroed struct it is given; the path is a valid
    // NUL-terminated string that outlives the call.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return;
    }
    let block = stat.f_frsize as u128;
    let clamp = |blocks: u128| i64::try_from(blocks * block).unwrap_or(i64::MAX);
    let metrics = crate::metrics();
    metrics
        .data_dir_avail_bytes
        .set(clamp(u128::from(stat.f_bavail)));
    metrics
        .data_dir_size_bytes
        .set(clamp(u128::from(stat.f_blocks)));
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
