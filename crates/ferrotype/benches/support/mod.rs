//! What the end-to-end benchmarks share: where to put their data, and reading a process's
//! memory and the machine's load from `/proc`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// MB here is 10^6 bytes.
pub const MB: f64 = 1e6;

/// The target folder holding the server binary (`<target>/release/ferrotype`), where the
/// benchmarks keep their data (on the same disk as the build, not in a tmpfs).
pub fn target_dir() -> PathBuf {
    Path::new(super::common::BIN)
        .ancestors()
        .nth(2)
        .expect("the binary sits two levels below the target folder")
        .to_path_buf()
}

/// A `/proc/<pid>/status` field in kB (`VmRSS`, `VmHWM`).
pub fn proc_status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("{field} missing from /proc/{pid}/status"))
}

pub fn kb_to_mb(kb: u64) -> f64 {
    kb as f64 * 1024.0 / MB
}

/// The machine's load average (1, 5, 15 minutes): other work on the machine skews timings.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

pub fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}
