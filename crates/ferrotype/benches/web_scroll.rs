//! Scrolling the web timeline through 100,000 assets in Chromium (playwright-core, as the browser
//! tests): the tiles the page holds at most, and the time each screen-high scroll step takes to
//! paint (median, 95th percentile, worst). Targets: tiles bounded (under 1,000 whatever the
//! library size) and a 95th percentile step under 50 ms (smooth at 20 frames a second or better;
//! thumbnails are not made for the generated assets, so tiles show their placeholders).
//!
//! Run with `cargo bench -p ferrotype --bench web_scroll` (after `scripts/setup-compat` and
//! `scripts/install-deps`). Not a test: without `--bench` it does nothing.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/compat_support/mod.rs"]
mod compat_support;
mod support;

use support::{filled_server, loadavg, verdict};

const ASSETS: usize = 100_000;
const TARGET_MAX_TILES: f64 = 1000.0;
const TARGET_P95_MS: f64 = 50.0;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "web_scroll benchmark: skipped (run it with `cargo bench -p ferrotype --bench web_scroll`)"
        );
        return;
    }
    compat_support::ensure_installed();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (mut server, _temp) = runtime.block_on(filled_server("web-scroll-bench", ASSETS, false));
    let root = common::repo_root();
    let script = root.join("tests/compat/web-scroll.mjs");
    let compat = compat_support::compat_dir();
    let load_before = loadavg();
    let run = compat_support::run_node(
        &[
            script.to_str().unwrap(),
            &server.base,
            compat.to_str().unwrap(),
            "admin@example.com",
            "admin-password",
        ],
        &root,
        &[],
    );
    server.stop();
    assert!(run.status.success(), "{}", run.transcript());
    let line = run.stdout.lines().last().unwrap_or("{}");
    let r: serde_json::Value = serde_json::from_str(line).expect("the script's JSON");
    println!(
        "{ASSETS} assets, {} months, {} scroll steps",
        r["months"], r["steps"]
    );
    for (name, key) in [
        ("total ms", "totalMs"),
        ("median step ms", "medianMs"),
        ("95th percentile step ms", "p95Ms"),
        ("worst step ms", "maxMs"),
        ("most tiles in the page", "maxTiles"),
    ] {
        println!("{name:<28} {:>10.1}", r[key].as_f64().unwrap_or(f64::NAN));
    }
    let tiles = r["maxTiles"].as_f64().unwrap_or(f64::MAX);
    let p95 = r["p95Ms"].as_f64().unwrap_or(f64::MAX);
    println!(
        "{} tiles at most: {tiles:.0} (target < {TARGET_MAX_TILES})",
        verdict(tiles < TARGET_MAX_TILES)
    );
    println!(
        "{} 95th percentile step: {p95:.1} ms (target < {TARGET_P95_MS} ms)",
        verdict(p95 < TARGET_P95_MS)
    );
    println!("load average before: {load_before}; after: {}", loadavg());
    if tiles >= TARGET_MAX_TILES || p95 >= TARGET_P95_MS {
        std::process::exit(1);
    }
}
