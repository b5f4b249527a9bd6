//! Offline reverse geocoding, as Immich does it: the nearest GeoNames populated place within
//! 25 km gives the city, its first-level division's name (the state) and the country's English
//! name. Farther than that, nothing (Immich then tries country polygons, which we do not have).
//!
//! The data folder (`scripts/setup-geodata` fills `.cache/geodata`) holds three files:
//! - `cities500.txt`: GeoNames' tab-separated cities500 dump. Like Immich we skip sections of
//!   places (`PPLX`, except in Australia) and historical places (`PPLH`).
//! - `admin1.json`: `[{"code": "US.UT", "name": "Utah"}, ...]`, GeoNames' admin1 codes.
//! - `countries-en.json`: i18n-iso-countries' English names (`{"countries": {"US": [...]}}`);
//!   the first name is the one Immich shows.
//!
//! Points are kept on the unit sphere (x, y, z) in a k-d tree, so the nearest by straight-line
//! distance is also the nearest along the surface, with no trouble at the poles or at 180°.

use ferrotype_core::places::{PlaceMatch, PlaceNames};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use chrono_tz::Tz;
use kiddo::{ImmutableKdTree, SquaredEuclidean};

use crate::place_search::PlaceIndex;
use serde_json::Value;

/// Immich's search radius (`earth_box(..., 25000)`), in km.
pub const MAX_DISTANCE_KM: f64 = 25.0;
/// How far from the nearest place a time zone is still taken from it.
const MAX_ZONE_DISTANCE_KM: f64 = 150.0;
/// The earth's radius in PostgreSQL's `earthdistance`, which Immich's distances use, in km.
const EARTH_RADIUS_KM: f64 = 6378.168;

pub const CITIES_FILE: &str = "cities500.txt";
pub const ADMIN1_FILE: &str = "admin1.json";
/// Second-level divisions, for place search only; optional (older installs lack it).
pub const ADMIN2_FILE: &str = "admin2.json";
pub const COUNTRIES_FILE: &str = "countries-en.json";

#[derive(Debug, thiserror::Error)]
pub enum GeodataError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{what}: {reason}")]
    Format { what: &'static str, reason: String },
}

/// What a point resolves to.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub city: String,
    pub state: Option<String>,
    pub country: Option<String>,
    /// Great-circle distance from the point to the place.
    pub distance_km: f64,
}

/// No division or country name known.
const NONE: u16 = u16::MAX;

struct Entry {
    name_start: u32,
    name_len: u32,
    state: u16,
    country: u16,
    /// Index in `Places::zones`, or `NONE`.
    zone: u16,
}

/// The places, loaded into memory once.
pub struct Places {
    tree: ImmutableKdTree<f64, 3>,
    /// Every place name, one after the other (`Entry::name_start`..+`name_len`).
    names: String,
    entries: Vec<Entry>,
    states: Vec<String>,
    countries: Vec<String>,
    /// The places' IANA time zones, each once.
    zones: Vec<Tz>,
}

impl std::fmt::Debug for Places {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Places")
            .field("places", &self.entries.len())
            .finish()
    }
}

fn unit_vector(lat: f64, lon: f64) -> [f64; 3] {
    let (lat, lon) = (lat.to_radians(), lon.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// Latitude and longitude that can be looked up: Immich skips a zero latitude or longitude
/// (`!latitude || !longitude`), the value cameras write when they have no fix.
fn usable(lat: f64, lon: f64) -> bool {
    lat.is_finite()
        && lon.is_finite()
        && lat != 0.0
        && lon != 0.0
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
}

/// A whole file of the data folder.
pub(crate) fn read_file(dir: &Path, name: &str) -> Result<Vec<u8>, GeodataError> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|source| GeodataError::Io { path, source })
}

/// The cities file of the data folder, to read line by line; and its path.
pub(crate) fn open_cities(
    dir: &Path,
) -> Result<(std::io::BufReader<std::fs::File>, PathBuf), GeodataError> {
    let path = dir.join(CITIES_FILE);
    let cities = std::fs::File::open(&path).map_err(|source| GeodataError::Io {
        path: path.clone(),
        source,
    })?;
    Ok((std::io::BufReader::with_capacity(1 << 16, cities), path))
}

impl Places {
    /// Reads the three files from the data folder.
    pub fn load(dir: &Path) -> Result<Places, GeodataError> {
        let admin1 = read_file(dir, ADMIN1_FILE)?;
        let countries = read_file(dir, COUNTRIES_FILE)?;
        let (cities, path) = open_cities(dir)?;
        Places::parse(cities, &admin1, &countries).map_err(|e| match e {
            GeodataError::Io { source, .. } => GeodataError::Io { path, source },
            other => other,
        })
    }

    /// Builds the places from the contents of the three files.
    pub fn parse(
        cities: impl BufRead,
        admin1_json: &[u8],
        countries_json: &[u8],
    ) -> Result<Places, GeodataError> {
        let admin1 = parse_admin1(admin1_json)?;
        let country_names = parse_countries(countries_json)?;

        let mut names = String::new();
        let mut entries = Vec::new();
        let mut points = Vec::new();
        let mut states: Vec<String> = Vec::new();
        let mut state_ids: HashMap<String, u16> = HashMap::new();
        let mut countries: Vec<String> = Vec::new();
        let mut country_ids: HashMap<String, u16> = HashMap::new();
        let mut zones: Vec<Tz> = Vec::new();
        let mut zone_ids: HashMap<String, u16> = HashMap::new();

        for line in cities.lines() {
            let line = line.map_err(|source| GeodataError::Io {
                path: PathBuf::from(CITIES_FILE),
                source,
            })?;
            let Some(CityLine {
                name,
                country,
                admin1: state_code,
                lat,
                lon,
                time_zone,
                ..
            }) = city_line(&line)
            else {
                continue;
            };
            let admin1_code = format!("{country}.{state_code}");
            let state = match state_ids.get(&admin1_code) {
                Some(&id) => id,
                None => match admin1.get(admin1_code.as_str()) {
                    Some(state_name) => {
                        let id = intern_id(states.len())?;
                        states.push(state_name.to_string());
                        state_ids.insert(admin1_code, id);
                        id
                    }
                    None => NONE,
                },
            };
            let country = match country_ids.get(country) {
                Some(&id) => id,
                None => match country_names.get(country) {
                    Some(country_name) => {
                        let id = intern_id(countries.len())?;
                        countries.push(country_name.clone());
                        country_ids.insert(country.to_string(), id);
                        id
                    }
                    None => NONE,
                },
            };
            let zone = match zone_ids.get(time_zone) {
                Some(&id) => id,
                // A name chrono-tz does not know (none in GeoNames today) leaves the place
                // without a zone.
                None => match time_zone.parse::<Tz>() {
                    Ok(tz) => {
                        let id = intern_id(zones.len())?;
                        zones.push(tz);
                        zone_ids.insert(time_zone.to_string(), id);
                        id
                    }
                    Err(_) => NONE,
                },
            };
            let name_start = u32::try_from(names.len()).map_err(|_| GeodataError::Format {
                what: CITIES_FILE,
                reason: "place names exceed 4 GiB".into(),
            })?;
            names.push_str(name);
            entries.push(Entry {
                name_start,
                name_len: name.len() as u32,
                state,
                country,
                zone,
            });
            points.push(unit_vector(lat, lon));
        }
        if entries.is_empty() {
            return Err(GeodataError::Format {
                what: CITIES_FILE,
                reason: "no places in the file".into(),
            });
        }
        names.shrink_to_fit();
        entries.shrink_to_fit();
        let tree = ImmutableKdTree::new_from_slice(&points).map_err(|e| GeodataError::Format {
            what: CITIES_FILE,
            reason: format!("cannot build the k-d tree: {e:?}"),
        })?;
        Ok(Places {
            tree,
            names,
            entries,
            states,
            countries,
            zones,
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The nearest place and how far it is, if the point can be looked up.
    fn nearest_entry(&self, lat: f64, lon: f64) -> Option<(&Entry, f64)> {
        if !usable(lat, lon) {
            return None;
        }
        let found = self
            .tree
            .query(&unit_vector(lat, lon))
            .nearest_one::<SquaredEuclidean<f64>>()
            .execute();
        // Chord length on the unit sphere -> angle -> distance along the surface.
        let chord = found.distance.max(0.0).sqrt();
        let distance_km = 2.0 * (chord / 2.0).min(1.0).asin() * EARTH_RADIUS_KM;
        Some((self.entries.get(found.item as usize)?, distance_km))
    }

    /// The time zone where a photo was taken: the nearest place's, within 150 km (past that,
    /// at sea or in an empty land, none is guessed). Immich asks geo-tz, which knows the
    /// zones' borders; the nearest place's zone differs from it only near a border.
    pub fn time_zone(&self, lat: f64, lon: f64) -> Option<Tz> {
        let (entry, distance_km) = self.nearest_entry(lat, lon)?;
        if distance_km > MAX_ZONE_DISTANCE_KM || entry.zone == NONE {
            return None;
        }
        self.zones.get(entry.zone as usize).copied()
    }

    /// The nearest place within 25 km, or `None`.
    pub fn nearest(&self, lat: f64, lon: f64) -> Option<Place> {
        let (entry, distance_km) = self.nearest_entry(lat, lon)?;
        if distance_km > MAX_DISTANCE_KM {
            return None;
        }
        let start = entry.name_start as usize;
        let name = &self.names[start..start + entry.name_len as usize];
        let lookup = |list: &[String], id: u16| {
            (id != NONE)
                .then(|| list.get(id as usize).cloned())
                .flatten()
        };
        Some(Place {
            city: name.to_string(),
            state: lookup(&self.states, entry.state),
            country: lookup(&self.countries, entry.country),
            distance_km,
        })
    }
}

/// One place of `cities500.txt`.
pub(crate) struct CityLine<'a> {
    pub name: &'a str,
    /// ISO 3166 code.
    pub country: &'a str,
    /// GeoNames admin1 and admin2 codes, within the country.
    pub admin1: &'a str,
    pub admin2: &'a str,
    pub lat: f64,
    pub lon: f64,
    pub population: u32,
    /// Its IANA time zone (`Europe/Zurich`).
    pub time_zone: &'a str,
}

/// The place of one line of `cities500.txt`, unless Immich skips it (sections of places outside
/// Australia, historical places) or the line is malformed.
pub(crate) fn city_line(line: &str) -> Option<CityLine<'_>> {
    let fields: Vec<&str> = line.split('\t').collect();
    if fields.len() < 11 {
        return None;
    }
    let (name, feature, country) = (fields[1], fields[7], fields[8]);
    if (feature == "PPLX" && country != "AU") || feature == "PPLH" || name.is_empty() {
        return None;
    }
    let (Ok(lat), Ok(lon)) = (fields[4].parse::<f64>(), fields[5].parse::<f64>()) else {
        return None;
    };
    if !lat.is_finite() || !lon.is_finite() {
        return None;
    }
    Some(CityLine {
        name,
        country,
        admin1: fields[10],
        admin2: fields.get(11).copied().unwrap_or_default(),
        lat,
        lon,
        population: fields.get(14).and_then(|p| p.parse().ok()).unwrap_or(0),
        time_zone: fields.get(17).copied().unwrap_or_default(),
    })
}

fn intern_id(len: usize) -> Result<u16, GeodataError> {
    u16::try_from(len)
        .ok()
        .filter(|&id| id != NONE)
        .ok_or_else(|| GeodataError::Format {
            what: ADMIN1_FILE,
            reason: "more than 65534 distinct names".into(),
        })
}

/// `[{"code": "US.UT", "name": "Utah"}, ...]` -> code -> name.
fn parse_admin1(json: &[u8]) -> Result<HashMap<Cow<'_, str>, Cow<'_, str>>, GeodataError> {
    parse_codes(json, ADMIN1_FILE)
}

/// One entry of a file of GeoNames division codes.
#[derive(serde::Deserialize)]
struct CodeName<'a> {
    #[serde(borrow)]
    code: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
}

/// `[{"code": ..., "name": ...}, ...]` (a file of GeoNames division codes) -> code -> name,
/// borrowing from the file's bytes (the admin2 file holds 45,000: no tree of JSON values).
pub(crate) fn parse_codes<'a>(
    json: &'a [u8],
    what: &'static str,
) -> Result<HashMap<Cow<'a, str>, Cow<'a, str>>, GeodataError> {
    let list: Vec<CodeName<'a>> =
        serde_json::from_slice(json).map_err(|e| GeodataError::Format {
            what,
            reason: format!("not a list of {{code, name}}: {e}"),
        })?;
    Ok(list
        .into_iter()
        .filter_map(|item| Some((item.code?, item.name.filter(|n| !n.is_empty())?)))
        .collect())
}

/// i18n-iso-countries' `{"countries": {"US": ["United States of America", ...], "FR": "France"}}`
/// -> code -> the first name (what its `getName(code, "en")` answers).
fn parse_countries(json: &[u8]) -> Result<HashMap<String, String>, GeodataError> {
    let bad = |reason: String| GeodataError::Format {
        what: COUNTRIES_FILE,
        reason,
    };
    let value: Value = serde_json::from_slice(json).map_err(|e| bad(e.to_string()))?;
    let map = value
        .get("countries")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("no \"countries\" object".into()))?;
    Ok(map
        .iter()
        .filter_map(|(code, names)| {
            let name = match names {
                Value::String(s) => s.as_str(),
                Value::Array(list) => list.first()?.as_str()?,
                _ => return None,
            };
            Some((code.clone(), name.to_string()))
        })
        .collect())
}

/// The places of a data folder, loaded on first use (or ahead of it with
/// [`Geocoder::load_in_background`]) and kept for the life of the process. Without the data the
/// server still runs: a warning is logged once and every lookup answers `None`. An empty path
/// turns reverse geocoding off.
pub struct Geocoder {
    dir: PathBuf,
    places: OnceLock<Option<Places>>,
    /// Place search's index: loaded on the first search only, so that the reverse geocoding
    /// every server does keeps its memory (see `place_search`).
    index: OnceLock<Option<PlaceIndex>>,
}

impl Geocoder {
    pub fn new(dir: impl Into<PathBuf>) -> Geocoder {
        let dir: PathBuf = dir.into();
        // Absolute, so that the log says where it looked whatever the working directory was.
        let dir = if dir.as_os_str().is_empty() {
            dir
        } else {
            std::path::absolute(&dir).unwrap_or(dir)
        };
        Geocoder {
            dir,
            places: OnceLock::new(),
            index: OnceLock::new(),
        }
    }

    /// Starts loading on a thread of its own, so that start-up does not wait for it.
    pub fn load_in_background(self: &std::sync::Arc<Self>) {
        let me = self.clone();
        let spawned = std::thread::Builder::new()
            .name("geodata".into())
            .spawn(move || {
                me.places();
            });
        if let Err(e) = spawned {
            tracing::warn!("cannot start loading the geodata in the background: {e}");
        }
    }

    /// The loaded places; blocks while another thread is loading them.
    pub fn places(&self) -> Option<&Places> {
        self.places
            .get_or_init(|| {
                if self.dir.as_os_str().is_empty() {
                    tracing::info!("reverse geocoding is off (media.geodata_dir is empty)");
                    return None;
                }
                let started = Instant::now();
                match Places::load(&self.dir) {
                    Ok(places) => {
                        tracing::info!(
                            "reverse geocoding: {} places from {} in {} ms",
                            places.len(),
                            self.dir.display(),
                            started.elapsed().as_millis()
                        );
                        Some(places)
                    }
                    Err(e) => {
                        tracing::warn!(
                            "reverse geocoding is off, assets get no city, state or country: \
                             cannot load the geodata ({e}); run scripts/setup-geodata or set \
                             media.geodata_dir"
                        );
                        None
                    }
                }
            })
            .as_ref()
    }

    /// The nearest place within 25 km; `None` without data, too far from any place, or for a
    /// point Immich would not look up (a zero or out-of-range coordinate). May block while the
    /// data loads: call it from a blocking thread.
    pub fn lookup(&self, lat: f64, lon: f64) -> Option<Place> {
        if !usable(lat, lon) {
            return None;
        }
        self.places()?.nearest(lat, lon)
    }

    /// The time zone at a point (`Places::time_zone`); `None` without data. May block while
    /// the data loads: call it from a blocking thread.
    pub fn time_zone(&self, lat: f64, lon: f64) -> Option<Tz> {
        self.places()?.time_zone(lat, lon)
    }
}

impl Geocoder {
    /// Place search's index, loaded on first use; `None` without the data.
    pub fn index(&self) -> Option<&PlaceIndex> {
        self.index
            .get_or_init(|| {
                if self.dir.as_os_str().is_empty() {
                    return None;
                }
                let started = Instant::now();
                match PlaceIndex::load(&self.dir) {
                    Ok(index) => {
                        tracing::info!(
                            "place search: {} places indexed in {} ms",
                            index.len(),
                            started.elapsed().as_millis()
                        );
                        Some(index)
                    }
                    Err(e) => {
                        tracing::warn!("place search finds nothing: cannot load the geodata ({e})");
                        None
                    }
                }
            })
            .as_ref()
    }
}

impl ferrotype_core::places::ReverseGeocoder for Geocoder {
    fn search_places(&self, name: &str, limit: usize) -> Vec<PlaceMatch> {
        self.index()
            .map(|index| index.search(name, limit))
            .unwrap_or_default()
    }

    fn place_names(&self, latitude: f64, longitude: f64) -> Option<PlaceNames> {
        self.lookup(latitude, longitude).map(|p| PlaceNames {
            city: Some(p.city),
            state: p.state,
            country: p.country,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u32, name: &str, lat: f64, lon: f64, feature: &str, cc: &str, a1: &str) -> String {
        format!(
            "{id}\t{name}\t{name}\t\t{lat}\t{lon}\tP\t{feature}\t{cc}\t\t{a1}\t\t\t\t1000\t\t100\tEurope/Paris\t2023-01-01\n"
        )
    }

    const ADMIN1: &str = r#"[{"code":"FR.11","name":"Île-de-France"},{"code":"US.UT","name":"Utah"},
        {"code":"AU.02","name":"New South Wales"},{"code":"FJ.01","name":"Central"}]"#;
    const COUNTRIES: &str = r#"{"locale":"en","countries":{"FR":"France",
        "US":["United States of America","United States","USA"],
        "AU":"Australia","FJ":"Fiji"}}"#;

    fn sample() -> Places {
        let cities = [
            row(1, "Paris", 48.85341, 2.3488, "PPLC", "FR", "11"),
            // A section of a place (skipped outside Australia) and a historical place (skipped).
            row(2, "Quartier Latin", 48.85, 2.345, "PPLX", "FR", "11"),
            row(3, "Old Paris", 48.8534, 2.3489, "PPLH", "FR", "11"),
            row(4, "Thompson Springs", 38.97443, -109.71, "PPL", "US", "UT"),
            row(5, "The Rocks", -33.8599, 151.2090, "PPLX", "AU", "02"),
            // Admin1 code with no name, and a country code with no name.
            row(6, "Nowhere", 10.0, 10.0, "PPL", "FR", "99"),
            row(7, "Elsewhere", 20.0, 20.0, "PPL", "ZZ", "01"),
            // Either side of 180°.
            row(8, "Levuka", -17.68, 179.99, "PPL", "FJ", "01"),
            "a broken line\n".to_string(),
        ]
        .concat();
        Places::parse(cities.as_bytes(), ADMIN1.as_bytes(), COUNTRIES.as_bytes()).unwrap()
    }

    #[test]
    fn time_zone_of_the_nearest_place_within_150_km() {
        let places = sample();
        // 100 km from Paris: its zone, though no place is within 25 km.
        assert!(places.nearest(48.0, 2.35).is_none());
        assert_eq!(places.time_zone(48.0, 2.35), Some(Tz::Europe__Paris));
        // Mid-ocean, and a point Immich would not look up.
        assert_eq!(places.time_zone(30.0, -40.0), None);
        assert_eq!(places.time_zone(0.0, 0.0), None);
    }

    #[test]
    fn nearest_place_with_state_and_country_names() {
        let places = sample();
        assert_eq!(places.len(), 6);
        let p = places.nearest(48.8566, 2.3522).unwrap();
        assert_eq!(p.city, "Paris");
        assert_eq!(p.state.as_deref(), Some("Île-de-France"));
        assert_eq!(p.country.as_deref(), Some("France"));
        assert!(p.distance_km < 1.0, "{p:?}");
        let p = places.nearest(38.97, -109.7).unwrap();
        assert_eq!(
            (p.city.as_str(), p.state.as_deref(), p.country.as_deref()),
            (
                "Thompson Springs",
                Some("Utah"),
                Some("United States of America")
            )
        );
    }

    #[test]
    fn sections_count_only_in_australia() {
        let places = sample();
        // Beside "Quartier Latin" (PPLX, skipped): Paris, 0.5 km away, answers.
        assert_eq!(places.nearest(48.85, 2.345).unwrap().city, "Paris");
        assert_eq!(places.nearest(-33.86, 151.21).unwrap().city, "The Rocks");
    }

    #[test]
    fn missing_names_are_none() {
        let places = sample();
        let p = places.nearest(10.0, 10.01).unwrap();
        assert_eq!((p.state, p.country.as_deref()), (None, Some("France")));
        let p = places.nearest(20.0, 20.01).unwrap();
        assert_eq!(
            (p.city.as_str(), p.state, p.country),
            ("Elsewhere", None, None)
        );
    }

    #[test]
    fn cut_off_at_25_km() {
        let places = sample();
        // One degree of latitude is 111.3 km on Immich's sphere.
        let km = |k: f64| k / (EARTH_RADIUS_KM * std::f64::consts::PI / 180.0);
        let p = places.nearest(48.85341 + km(24.9), 2.3488).unwrap();
        assert!((p.distance_km - 24.9).abs() < 0.01, "{p:?}");
        assert_eq!(places.nearest(48.85341 + km(25.1), 2.3488), None);
        assert_eq!(places.nearest(-30.0, -140.0), None);
    }

    #[test]
    fn across_the_antimeridian() {
        let places = sample();
        let p = places.nearest(-17.68, -179.99).unwrap();
        assert_eq!(p.city, "Levuka");
        assert!(p.distance_km < 2.5, "{p:?}");
    }

    #[test]
    fn zero_and_invalid_coordinates_are_not_looked_up() {
        let places = Places::parse(
            row(1, "Null Island", 0.001, 0.001, "PPL", "FR", "11").as_bytes(),
            ADMIN1.as_bytes(),
            COUNTRIES.as_bytes(),
        )
        .unwrap();
        assert_eq!(places.nearest(0.0, 0.0), None);
        assert_eq!(places.nearest(0.001, 0.0), None);
        assert!(places.nearest(0.001, 0.001).is_some());
        assert_eq!(places.nearest(f64::NAN, 0.001), None);
        assert_eq!(places.nearest(91.0, 0.001), None);
    }

    #[test]
    fn bad_files_are_errors() {
        let cities = row(1, "Paris", 48.85, 2.35, "PPLC", "FR", "11");
        assert!(Places::parse(cities.as_bytes(), b"{}", COUNTRIES.as_bytes()).is_err());
        assert!(Places::parse(cities.as_bytes(), ADMIN1.as_bytes(), b"[]").is_err());
        assert!(Places::parse(&b""[..], ADMIN1.as_bytes(), COUNTRIES.as_bytes()).is_err());
    }

    #[test]
    fn missing_folder_means_no_places() {
        let geocoder = Geocoder::new("/nonexistent/geodata");
        assert_eq!(geocoder.lookup(48.8566, 2.3522), None);
        assert!(geocoder.places().is_none());
    }
}
