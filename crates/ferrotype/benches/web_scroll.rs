//! Scrolling the web timeline through 100,000 assets in Chromium (playwright-core, as the browser
//! tests, tests/compat/web-scroll.mjs): the tiles the page holds at most, and the time each scroll
//! step takes to paint (median, 95th percentile, worst), flinging (a screen per step, scrubber
//! jumps) and browsing (an eighth of a screen per step, thumbnails loading meanwhile). Targets: tiles
//! bounded (under 1,000 whatever the library size) and a 95th percentile step under 50 ms in both
//! (two frames are 33 ms: at most one frame late in 19 steps of 20).
//! Every generated asset gets a real thumbnail: one photo is uploaded and its WebP thumbnail is
//! hard-linked under every other asset's name, so the browser fetches and decodes each tile's
//! image as it would in a real library.
//!
//! Every asset has a thumbhash of its own (`fill_catalog`), so each tile's placeholder costs what
//! it would in a real library.
//!
//! Run with `cargo bench -p ferrotype --bench web_scroll` (after `scripts/setup-compat` and
//! `scripts/install-deps`). Not a test: without `--bench` it does nothing. To see where a step's
//! time goes: `WEB_SCROLL_TRACE=<file>` saves a Chrome trace of the run (read it with
//! `tests/compat/trace-steps.py <file>`: CPU time per step by thread and event),
//! `WEB_SCROLL_PROFILE=<file>` the page's JavaScript profile, and `WEB_SCROLL_CSS=<rules>` adds
//! styles to the page to compare a change without a build. `WEB_SCROLL_RUNS=<n>` repeats the
//! browser's run n times on the same library. Each run prints the share of CPU time the
//! hypervisor stole meanwhile: a run counts as one on a quiet machine when it is near zero.

#[path = "../tests/integration/common/mod.rs"]
mod common;
#[path = "../tests/integration/compat_support/mod.rs"]
mod compat_support;
mod support;

use ferrotype_core::storage::{Generated, generated_key};
use support::{cpu_share, cpu_ticks, filled_server, loadavg, verdict};

const ASSETS: usize = 100_000;
const TARGET_MAX_TILES: f64 = 1000.0;
const TARGET_P95_MS: f64 = 50.0;
/// web-scroll.mjs's exit code when Chromium stopped drawing frames (its `STALLED`).
const STALLED: i32 = 3;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "web_scroll benchmark: skipped (run it with `cargo bench -p ferrotype --bench web_scroll`)"
        );
        return;
    }
    compat_support::ensure_installed();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (mut server, temp) = runtime.block_on(filled_server("web-scroll-bench", ASSETS, false));
    runtime.block_on(share_one_thumbnail(&server));
    let root = common::repo_root();
    let script = root.join("tests/compat/web-scroll.mjs");
    let compat = compat_support::compat_dir();
    // WEB_SCROLL_RUNS=<n>: the browser's run repeated n times on the same library (each
    // judged alone), to tell a slow step from a busy host.
    let runs: usize = std::env::var("WEB_SCROLL_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let mut pass = true;
    let mut stalls = 0;
    let mut run = 1;
    while run <= runs {
        if runs > 1 {
            println!("run {run} of {runs}");
        }
        match scroll_once(&server, &script, &compat, &root) {
            Some(passed) => {
                pass &= passed;
                run += 1;
            }
            // Headless Chromium stopped drawing frames (see web-scroll.mjs): no figures from
            // that run, which is started again, twice at most.
            None if stalls < 2 => stalls += 1,
            None => panic!("Chromium stalled in {} runs", stalls + 1),
        }
    }
    server.stop();
    drop(temp);
    if !pass {
        std::process::exit(1);
    }
}

/// One browser run: prints its figures, and whether they meet the targets; None if Chromium
/// stopped drawing frames (the script's exit code `STALLED`).
fn scroll_once(
    server: &common::Server,
    script: &std::path::Path,
    compat: &std::path::Path,
    root: &std::path::Path,
) -> Option<bool> {
    let load_before = loadavg();
    let cpu_before = cpu_ticks();
    let run = compat_support::run_node(
        &[
            script.to_str().unwrap(),
            &server.base,
            compat.to_str().unwrap(),
            "admin@example.com",
            "admin-password",
        ],
        root,
        &[],
    );
    let cpu_during = cpu_share(cpu_before, cpu_ticks());
    if run.status.code() == Some(STALLED) {
        let said = run.stderr.lines().rev().take(3).collect::<Vec<_>>();
        println!("Chromium stopped drawing frames; the run is started again. Last said: {said:?}");
        return None;
    }
    assert!(run.status.success(), "{}", run.transcript());
    let line = run.stdout.lines().last().unwrap_or("{}");
    let r: serde_json::Value = serde_json::from_str(line).expect("the script's JSON");
    println!("{ASSETS} assets, {} months", r["months"]);
    let mut pass = true;
    for phase in ["flinging", "browsing"] {
        let p = &r[phase];
        println!("{phase}: {} steps", p["steps"]);
        for (name, key) in [
            ("total ms", "totalMs"),
            ("median step ms", "medianMs"),
            ("95th percentile step ms", "p95Ms"),
            ("worst step ms", "maxMs"),
            ("thumbnails shown", "images"),
        ] {
            if let Some(v) = p[key].as_f64() {
                println!("  {name:<26} {v:>10.1}");
            }
        }
        let p95 = p["p95Ms"].as_f64().unwrap_or(f64::MAX);
        println!(
            "{} {phase}, 95th percentile step: {p95:.1} ms (target < {TARGET_P95_MS} ms)",
            verdict(p95 < TARGET_P95_MS)
        );
        pass &= p95 < TARGET_P95_MS;
    }
    let tiles = r["maxTiles"].as_f64().unwrap_or(f64::MAX);
    println!(
        "{} tiles at most: {tiles:.0} (target < {TARGET_MAX_TILES})",
        verdict(tiles < TARGET_MAX_TILES)
    );
    println!("load average before: {load_before}; after: {}", loadavg());
    println!("CPUs while scrolling (all processes): {cpu_during}");
    if let Some(nudged) = run.stderr.lines().find(|l| l.contains("nudging")) {
        println!("(Chromium drew no frame for 20 s in this run and was nudged: {nudged})");
    }
    Some(pass && tiles < TARGET_MAX_TILES)
}

/// Uploads a real photo, waits for its thumbnail, and links that file in as the thumbnail of
/// every generated asset.
async fn share_one_thumbnail(server: &common::Server) {
    let admin = common::login(server, "admin@example.com", "admin-password").await;
    // The script signs in: straight to the photos, past the welcome.
    common::welcomed(&admin).await;
    let photo = common::fixtures().join("nature/prairie_falcon.jpg");
    let uploaded = common::upload_path(&admin, &photo).await;
    common::wait_for_media_jobs(&admin).await;
    let db = rusqlite::Connection::open(server.data_dir.join("ferrotype.db")).expect("catalog");
    let owner: String = db
        .query_row(
            "SELECT owner_id FROM assets WHERE id = ?1",
            [&uploaded],
            |r| r.get(0),
        )
        .expect("the uploaded asset");
    let owner: uuid::Uuid = owner.parse().expect("owner id");
    // Where the server keeps an asset's thumbnail (the blob store's root is the data folder).
    let path = |id: &str| {
        let id = id.parse().expect("asset id");
        server
            .data_dir
            .join(generated_key(owner, id, Generated::Thumbnail))
    };
    let source = path(&uploaded);
    assert!(source.exists(), "thumbnail of the uploaded photo");
    let mut ids = db.prepare("SELECT id FROM assets WHERE id != ?1").unwrap();
    let ids = ids
        .query_map([&uploaded], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap);
    // A file takes at most 65,000 links (ext4): a fresh copy to link from every 50,000.
    let mut from = source.clone();
    for (i, id) in ids.enumerate() {
        if i > 0 && i % 50_000 == 0 {
            from = source.with_extension(format!("copy{i}"));
            std::fs::copy(&source, &from).expect("copy the thumbnail");
        }
        let target = path(&id);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::hard_link(&from, &target).expect("link the thumbnail");
    }
}
