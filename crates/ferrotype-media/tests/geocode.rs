//! Reverse geocoding against the real GeoNames data that `scripts/setup-geodata` installs into
//! `.cache/geodata` (run from here when it is missing: these tests never skip).

mod support;

use std::sync::OnceLock;

use support::geodata_dir;

use ferrotype_media::geocode::{Geocoder, Places};

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
