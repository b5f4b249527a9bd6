//! Search and the map on a library of 1,000,000 assets (the real server, release build):
//! `POST /search/metadata`'s first page (Immich's default size, 250) with no filter, each filter
//! alone and three combined, each asked 11 times (first answer and median); then `GET
//! /map/markers` for the million positions (time to the first byte and to the last); the
//! server's peak RSS. Target: every first page under 50 ms (median).
//!
//! The catalog is filled straight through the database while the server is stopped, then given
//! variety: five camera makes, 200 cities, a description on one asset in a hundred, a favourite
//! in ten (the fill's), 20 years of capture times.
//!
//! Run with `cargo bench -p ferrotype --bench search`; on PostgreSQL with
//! `BENCH_CATALOG=postgres` (a throwaway cluster); another library size with
//! `BENCH_SEARCH_ASSETS=100000`. Not a test: without cargo bench's `--bench`
//! argument (as under `cargo test --all-targets`) it does nothing.

#[path = "../tests/integration/common/mod.rs"]
mod common;
mod support;

use std::time::{Duration, Instant};

use common::Cred;
use serde_json::{Value, json};
use support::{filled_server_with, kb_to_mb, loadavg, proc_status_kb, verdict};

/// The library's size, unless `BENCH_SEARCH_ASSETS` says otherwise.
const ASSETS: usize = 1_000_000;

fn assets() -> usize {
    std::env::var("BENCH_SEARCH_ASSETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ASSETS)
}
const RUNS: usize = 11;
const TARGET_MS: f64 = 50.0;

/// Variety for the generated assets' EXIF, by row (SQLite) or by a hash of the id (PostgreSQL).
const VARY_SQLITE: &str = "UPDATE asset_exif SET
    make = CASE rowid % 5 WHEN 0 THEN 'Canon' WHEN 1 THEN 'NIKON CORPORATION'
        WHEN 2 THEN 'SONY' WHEN 3 THEN 'Apple' ELSE 'FUJIFILM' END,
    model = 'Model ' || (rowid % 25),
    city = 'City ' || (rowid % 200),
    state = 'State ' || (rowid % 50),
    country = 'Country ' || (rowid % 20),
    description = CASE WHEN rowid % 100 = 0 THEN 'Sunset over the lake, day ' || rowid END;";
const VARY_POSTGRES: &str = "UPDATE asset_exif SET
    make = (ARRAY['Canon', 'NIKON CORPORATION', 'SONY', 'Apple', 'FUJIFILM'])[1 + h.n % 5],
    model = 'Model ' || (h.n % 25),
    city = 'City ' || (h.n % 200),
    state = 'State ' || (h.n % 50),
    country = 'Country ' || (h.n % 20),
    description = CASE WHEN h.n % 100 = 0 THEN 'Sunset over the lake, day ' || h.n END
    FROM (SELECT asset_id AS id, hashtext(asset_id::text) & 2147483647 AS n FROM asset_exif) h
    WHERE asset_exif.asset_id = h.id;";

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "search benchmark: skipped (run it with `cargo bench -p ferrotype --bench search`)"
        );
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    if !runtime.block_on(run()) {
        std::process::exit(1);
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Times `RUNS` searches; returns the first, the median and how many assets the page had.
async fn time_search(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    dto: &Value,
) -> (Duration, Duration, usize) {
    let mut times = Vec::with_capacity(RUNS);
    let mut found = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let r = http
            .post(url)
            .bearer_auth(token)
            .json(dto)
            .send()
            .await
            .expect("search");
        assert_eq!(r.status(), 200, "{dto}");
        let body: Value = r.json().await.expect("search JSON");
        times.push(started.elapsed());
        found = body["assets"]["items"].as_array().unwrap().len();
    }
    let first = times[0];
    times.sort();
    (first, times[RUNS / 2], found)
}

async fn run() -> bool {
    let (mut server, _temp) = filled_server_with(
        "search-bench",
        assets(),
        true,
        &[(VARY_SQLITE, VARY_POSTGRES)],
    )
    .await;
    let admin = common::login(&server, "admin@example.com", "admin-password").await;
    let Cred::Bearer(token) = &admin.cred else {
        panic!("login gives a bearer token")
    };
    let http = reqwest::Client::new();
    let load_before = loadavg();
    let url = format!("{}/api/search/metadata", server.base);
    let searches = [
        ("no filter", json!({})),
        (
            "file name, 100 matches",
            json!({"originalFileName": "IMG_0421"}),
        ),
        ("file name, every asset", json!({"originalFileName": "img"})),
        ("description, 1 in 100", json!({"description": "sunset"})),
        ("city, 1 in 200", json!({"city": "City 7"})),
        ("camera make, 1 in 5", json!({"make": "Canon"})),
        ("favourites, 1 in 10", json!({"isFavorite": true})),
        (
            "taken in 2024, 1 in 20",
            json!({"takenAfter": "2024-01-01T00:00:00.000Z"}),
        ),
        ("videos (none)", json!({"type": "VIDEO"})),
        ("archive (none)", json!({"visibility": "archive"})),
        ("oldest first", json!({"order": "asc"})),
        ("page 40", json!({"page": 40})),
        (
            "make + city + taken after 2010",
            json!({"make": "Canon", "city": "City 5",
                   "takenAfter": "2010-01-01T00:00:00.000Z"}),
        ),
    ];
    let mut rows = Vec::new();
    for (name, dto) in &searches {
        let (first, median, found) = time_search(&http, &url, token, dto).await;
        rows.push((name.to_string(), first, median, found));
    }

    // The map: every position at once.
    let started = Instant::now();
    let r = http
        .get(format!("{}/api/map/markers", server.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("markers");
    assert_eq!(r.status(), 200);
    let first_byte = started.elapsed();
    let body = r.bytes().await.expect("markers body");
    let markers_total = started.elapsed();
    let markers: Value = serde_json::from_slice(&body).expect("markers JSON");
    let marker_count = markers.as_array().unwrap().len();
    assert_eq!(marker_count, assets(), "every asset has a position");
    let peak_rss = proc_status_kb(server.pid(), "VmHWM");
    server.stop();

    println!();
    println!(
        "catalog: {}, {} assets, first page of 250",
        support::catalog_name(),
        assets()
    );
    println!(
        "{:<36} {:>10} {:>10} {:>8}",
        "search", "first ms", "median ms", "found"
    );
    for (name, first, median, found) in &rows {
        println!(
            "{name:<36} {:>10.1} {:>10.1} {found:>8}",
            ms(*first),
            ms(*median)
        );
    }
    println!(
        "map markers: {marker_count} in {:.0} ms (first byte {:.0} ms, {} MB)",
        ms(markers_total),
        ms(first_byte),
        body.len() / 1_000_000
    );
    println!("server peak RSS: {:.0} MB", kb_to_mb(peak_rss));
    println!();
    let mut pass = true;
    for (name, _, median, _) in &rows {
        let ok = ms(*median) < TARGET_MS;
        pass &= ok;
        println!(
            "{} {name}: median {:.1} ms (target < {TARGET_MS} ms)",
            verdict(ok),
            ms(*median)
        );
    }
    println!("load average before: {load_before}; after: {}", loadavg());
    pass
}
