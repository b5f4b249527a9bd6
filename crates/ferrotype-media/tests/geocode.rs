//! Reverse geocoding against the real GeoNames data that `scripts/setup-geodata` installs into
//! `.cache/geodata` (run from here when it is missing: these tests never skip).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

use ferrotype_media::geocode::{Geocoder, Places};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crate sits two levels below the repository root")
        .to_path_buf()
}

/// Runs `scripts/setup-geodata` (idempotent, locked against concurrent runs) once per process.
fn geodata_dir() -> PathBuf {
    static READY: OnceLock<PathBuf> = OnceLock::new();
    READY
        .get_or_init(|| {
            let root = repo_root();
            let out = Command::new("bash")
                .arg("scripts/setup-geodata")
                .current_dir(&root)
                .stdin(Stdio::null())
                .output()
                .expect("run bash scripts/setup-geodata");
            assert!(
                out.status.success(),
                "scripts/setup-geodata failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            root.join(".cache/geodata")
        })
        .clone()
}

fn places() -> &'static Places {
    static PLACES: OnceLock<Places> = OnceLock::new();
    PLACES.get_or_init(|| Places::load(&geodata_dir()).expect("load the geodata"))
}

fn resolve(lat: f64, lon: f64) -> Option<(String, Option<String>, Option<String>)> {
    places()
        .nearest(lat, lon)
        .map(|p| (p.city, p.state, p.country))
}

fn place(
    city: &str,
    state: &str,
    country: &str,
) -> Option<(String, Option<String>, Option<String>)> {
    Some((city.into(), Some(state.into()), Some(country.into())))
}

#[test]
fn immich_fixture_points_resolve_as_in_immich() {
    // Immich's own end-to-end test expects these for the two fixture photos with GPS
    // (metadata/gps-position/thompson-springs.jpg and formats/heic/IMG_2682.heic).
    assert_eq!(
        resolve(39.115, -108.400968333333),
        place("Palisade", "Colorado", "United States of America")
    );
    assert_eq!(
        resolve(41.2203, -96.071625),
        place("Ralston", "Nebraska", "United States of America")
    );
}

#[test]
fn well_known_places() {
    assert_eq!(
        resolve(48.8566, 2.3522),
        place("Paris", "Île-de-France", "France")
    );
    // Berlin-Mitte is a section of Berlin (PPLX): skipped, as Immich does.
    assert_eq!(resolve(52.5200, 13.4050).unwrap().0, "Berlin");
    assert_eq!(
        resolve(-33.8688, 151.2093).map(|p| p.2),
        Some(Some("Australia".to_string()))
    );
    assert!(places().len() > 190_000, "{}", places().len());
}

#[test]
fn open_ocean_and_null_island_give_nothing() {
    assert_eq!(resolve(0.0, -140.0), None);
    assert_eq!(resolve(35.0, -40.0), None);
    assert_eq!(resolve(-60.0, 90.0), None);
    assert_eq!(resolve(0.0, 0.0), None);
}

#[test]
fn geocoder_loads_the_folder_once() {
    let geocoder = Geocoder::new(geodata_dir());
    let p = geocoder.lookup(39.115, -108.400968).unwrap();
    assert_eq!(p.city, "Palisade");
    assert!(p.distance_km < 5.0, "{p:?}");
    assert!(std::ptr::eq(
        geocoder.places().unwrap(),
        geocoder.places().unwrap()
    ));
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Load time, memory and lookup time. Not a check: run with
/// `cargo test --release -p ferrotype-media --test geocode -- --ignored --nocapture measure`.
#[test]
#[ignore]
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
