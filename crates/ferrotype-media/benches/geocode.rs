//! Reverse geocoding: loading the GeoNames data (time and memory) and looking places up
//! (uniform points over the globe, and points near cities, whose names are copied out); then
//! place search's index (loaded on the first search: time and memory) and searches by name.
//!
//! Run with `cargo bench -p ferrotype-media --bench geocode` (installs the data with
//! `scripts/setup-geodata` when it is missing). Not a test: without cargo bench's `--bench`
//! argument (as under `cargo test --all-targets`) it does nothing.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use ferrotype_media::geocode::Places;
use ferrotype_media::place_search::PlaceIndex;
use support::geodata_dir;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "geocode benchmark: skipped (run it with `cargo bench -p ferrotype-media --bench geocode`)"
        );
        return;
    }
    measure();
    measure_search();
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Load time, memory and lookup time.
fn measure() {
    let dir = geodata_dir();
    let before = rss_kib();
    let started = Instant::now();
    let loaded = Places::load(&dir).unwrap();
    let load = started.elapsed();
    let after = rss_kib();
    println!(
        "load: {} places in {:.0} ms, RSS +{:.1} MiB",
        loaded.len(),
        load.as_secs_f64() * 1e3,
        (after.saturating_sub(before)) as f64 / 1024.0
    );
    // A fixed pseudo-random spread of points over the globe (xorshift), then points on land.
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let points: Vec<(f64, f64)> = (0..1_000_000)
        .map(|_| {
            (
                (next() * 2.0 - 1.0).asin().to_degrees(),
                next() * 360.0 - 180.0,
            )
        })
        .collect();
    let started = Instant::now();
    let mut found = 0usize;
    for &(lat, lon) in &points {
        found += usize::from(loaded.nearest(lat, lon).is_some());
    }
    let per = started.elapsed().as_secs_f64() / points.len() as f64;
    println!(
        "lookup: {:.2} µs per point over {} uniform points ({} within 25 km)",
        per * 1e6,
        points.len(),
        found
    );
    let city_points = [
        (48.8566, 2.3522),
        (39.115, -108.400968),
        (35.6762, 139.6503),
    ];
    let started = Instant::now();
    let rounds = 300_000;
    for i in 0..rounds {
        let (lat, lon) = city_points[i % city_points.len()];
        std::hint::black_box(loaded.nearest(lat + (i % 97) as f64 * 1e-4, lon));
    }
    println!(
        "lookup: {:.2} µs per point near cities (name strings included)",
        started.elapsed().as_secs_f64() / rounds as f64 * 1e6
    );
}

/// Place search: the index's load time and memory, and the time of a search by name.
fn measure_search() {
    let dir = geodata_dir();
    let before = rss_kib();
    let started = Instant::now();
    let index = PlaceIndex::load(&dir).unwrap();
    let load = started.elapsed();
    println!(
        "place search index: {} places in {:.0} ms, RSS +{:.1} MiB",
        index.len(),
        load.as_secs_f64() * 1e3,
        rss_kib().saturating_sub(before) as f64 / 1024.0
    );
    for query in ["Paris", "san", "Zürich", "new york"] {
        let rounds = 20;
        let started = Instant::now();
        let mut found = 0;
        for _ in 0..rounds {
            found = std::hint::black_box(index.search(query, 20)).len();
        }
        println!(
            "place search {query:?}: {:.1} ms ({found} places)",
            started.elapsed().as_secs_f64() / rounds as f64 * 1e3
        );
    }
}
