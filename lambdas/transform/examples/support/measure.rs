//! What the benchmark binaries report about their own process (shared with `#[path]`).

/// Time this process has spent on a CPU (user and system), in seconds: unlike wall time it
/// does not count waiting for a core that other processes hold.
pub fn cpu_seconds() -> f64 {
    let schedstat = std::fs::read_to_string("/proc/self/schedstat").unwrap_or_default();
    let nanos: f64 = schedstat.split_whitespace().next().and_then(|field| field.parse().ok()).unwrap_or(f64::NAN);
    nanos / 1e9
}

/// Peak resident set size (VmHWM), in megabytes.
pub fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    (kib * 1024) as f64 / 1e6
}
