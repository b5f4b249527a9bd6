//! The mobile app's first sync of a large library: a full `POST /api/sync/stream` (the types the
//! 3.x app asks for) of a catalog of 100,000 assets with their EXIF, on the real server (release
//! build). Prints the time to the first byte, the total time, assets per second and the server's
//! peak RSS, and the same for 10,000 assets, to show that memory does not grow with the library.
//! Targets: first byte under 100 ms, at least 50,000 assets per second, and peak RSS at 100,000
//! assets within 10 MB of the peak at 10,000.
//!
//! The catalogs are filled straight through SQLite while the server is stopped (100,000
//! uploads would measure the upload, not the sync); the catalog's own triggers give every row
//! its sync cursor.
//!
//! On PostgreSQL: `BENCH_CATALOG=postgres cargo bench -p ferrotype --bench sync` (a
//! throwaway cluster, filled by the database itself). `BENCH_SYNC_LARGE=1000000` makes the
//! large library a million assets.
//!
//! Run with `cargo bench -p ferrotype --bench sync`. Not a test: without cargo bench's `--bench`
//! argument (as under `cargo test --all-targets`) it does nothing.

#[path = "../tests/integration/common/mod.rs"]
mod common;
mod support;

use std::time::{Duration, Instant};

use common::Cred;
use support::{filled_server, kb_to_mb, loadavg, proc_status_kb, verdict};

/// The small library, and the large one unless `BENCH_SYNC_LARGE` names another size (issue
/// #12 compares the catalogs at 1,000,000).
fn sizes() -> [usize; 2] {
    let large = std::env::var("BENCH_SYNC_LARGE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    [10_000, large]
}
const TARGET_FIRST_BYTE_MS: f64 = 100.0;
const TARGET_ASSETS_PER_SECOND: f64 = 50_000.0;
const TARGET_RSS_GROWTH_MB: f64 = 10.0;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("sync benchmark: skipped (run it with `cargo bench -p ferrotype --bench sync`)");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    if !runtime.block_on(run()) {
        std::process::exit(1);
    }
}

struct Measured {
    first_byte: Duration,
    total: Duration,
    lines: usize,
    assets: usize,
    bytes: usize,
    peak_rss_kb: u64,
    idle_rss_kb: u64,
}

async fn measure(count: usize) -> Measured {
    let (mut server, _temp) = filled_server("sync-bench", count, true).await;
    let admin = common::login(&server, "admin@example.com", "admin-password").await;
    let Cred::Bearer(token) = &admin.cred else {
        panic!("login gives a bearer token")
    };
    let pid = server.pid();
    let idle_rss_kb = proc_status_kb(pid, "VmRSS");

    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut response = http
        .post(format!("{}/api/sync/stream", server.base))
        .bearer_auth(token)
        .header("accept", "application/jsonlines+json")
        .json(&serde_json::json!({ "types": common::APP_SYNC_TYPES }))
        .send()
        .await
        .expect("sync request");
    assert_eq!(response.status(), 200);
    let mut first_byte = None;
    let (mut bytes, mut lines, mut assets) = (0usize, 0usize, 0usize);
    let mut tail = Vec::new();
    while let Some(chunk) = response.chunk().await.expect("sync body") {
        first_byte.get_or_insert_with(|| started.elapsed());
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
        // Count AssetV2 lines across chunk borders.
        tail.extend_from_slice(&chunk);
        let cut = tail.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
        assets += count_marker(&tail[..cut], b"{\"type\":\"AssetV2\"");
        tail.drain(..cut);
    }
    let total = started.elapsed();
    let peak_rss_kb = proc_status_kb(pid, "VmHWM");
    server.stop();
    Measured {
        first_byte: first_byte.unwrap_or(total),
        total,
        lines,
        assets,
        bytes,
        peak_rss_kb,
        idle_rss_kb,
    }
}

fn count_marker(haystack: &[u8], marker: &[u8]) -> usize {
    haystack
        .split(|b| *b == b'\n')
        .filter(|line| line.starts_with(marker))
        .count()
}

async fn run() -> bool {
    let load_before = loadavg();
    let mut results = Vec::new();
    for count in sizes() {
        let m = measure(count).await;
        assert_eq!(m.assets, count, "every asset streamed once");
        results.push((count, m));
    }
    println!();
    println!("catalog: {}", support::catalog_name());
    println!(
        "{:>8} {:>14} {:>10} {:>12} {:>10} {:>10} {:>14} {:>14}",
        "assets",
        "first byte ms",
        "total s",
        "assets/s",
        "lines",
        "MB",
        "idle RSS MB",
        "peak RSS MB"
    );
    for (count, m) in &results {
        println!(
            "{:>8} {:>14.1} {:>10.2} {:>12.0} {:>10} {:>10.1} {:>14.1} {:>14.1}",
            count,
            m.first_byte.as_secs_f64() * 1000.0,
            m.total.as_secs_f64(),
            m.assets as f64 / m.total.as_secs_f64(),
            m.lines,
            m.bytes as f64 / 1e6,
            kb_to_mb(m.idle_rss_kb),
            kb_to_mb(m.peak_rss_kb),
        );
    }
    let (small, large) = (&results[0].1, &results[1].1);
    let first_byte_ms = large.first_byte.as_secs_f64() * 1000.0;
    let rate = large.assets as f64 / large.total.as_secs_f64();
    let growth_mb = kb_to_mb(large.peak_rss_kb) - kb_to_mb(small.peak_rss_kb);
    let checks = [
        (
            format!(
                "first byte at {} assets: {first_byte_ms:.1} ms (target < {TARGET_FIRST_BYTE_MS} ms)",
                results[1].0
            ),
            first_byte_ms < TARGET_FIRST_BYTE_MS,
        ),
        (
            format!("assets per second: {rate:.0} (target >= {TARGET_ASSETS_PER_SECOND})"),
            rate >= TARGET_ASSETS_PER_SECOND,
        ),
        (
            format!(
                "peak RSS growth from {} to {} assets: {growth_mb:.1} MB (target <= {TARGET_RSS_GROWTH_MB} MB)",
                results[0].0, results[1].0
            ),
            growth_mb <= TARGET_RSS_GROWTH_MB,
        ),
    ];
    println!();
    for (text, pass) in &checks {
        println!("{} {text}", verdict(*pass));
    }
    println!("load average before: {load_before}; after: {}", loadavg());
    checks.iter().all(|(_, pass)| *pass)
}
