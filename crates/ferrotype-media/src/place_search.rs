//! Places by name (`/search/places`), from the same GeoNames data as reverse geocoding: a place
//! matches when its name, its state (admin1) or its county (admin2) contains the words asked,
//! case and accents aside. Immich ranks by trigram similarity of the same three names (and of
//! alternate names, which we do not keep); we rank by how each name matches (equal, start, a
//! word, anywhere), then by population. The index is separate from `geocode::Places` and loaded
//! on the first search (`Geocoder::index`), so a server whose users never search places keeps
//! reverse geocoding's memory.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use ferrotype_core::places::PlaceMatch;

use crate::geocode::{
    ADMIN1_FILE, ADMIN2_FILE, CITIES_FILE, CityLine, GeodataError, city_line, open_cities,
    parse_codes, read_file,
};

/// No division known.
const NONE: u32 = u32::MAX;

struct Entry {
    name_start: u32,
    name_len: u16,
    /// The name as compared (`fold`), in `PlaceIndex::folded`.
    folded_len: u16,
    folded_start: u32,
    state: u32,
    county: u32,
    population: u32,
    latitude: f32,
    longitude: f32,
}

/// Every place's name, divisions, position and population.
pub struct PlaceIndex {
    entries: Vec<Entry>,
    /// Every place name, one after the other.
    names: String,
    folded: String,
    states: Vec<String>,
    counties: Vec<String>,
}

/// A name as search compares it: lower case, without accents.
pub fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// How far a folded name is from the folded query: 0 equal, then starting with it, then with a
/// word starting with it, then containing it; 1 not at all.
fn distance(name: &str, query: &str) -> f32 {
    if name == query {
        0.0
    } else if name.starts_with(query) {
        0.3
    } else if name
        .match_indices(query)
        .any(|(i, _)| !name[..i].ends_with(char::is_alphanumeric))
    {
        0.5
    } else if name.contains(query) {
        0.7
    } else {
        1.0
    }
}

/// Interns `name` under `code` in `list`, once.
fn intern(
    list: &mut Vec<String>,
    ids: &mut HashMap<String, u32>,
    code: String,
    name: Option<&str>,
) -> u32 {
    if let Some(&id) = ids.get(&code) {
        return id;
    }
    let id = match name {
        Some(name) => {
            list.push(name.to_string());
            (list.len() - 1) as u32
        }
        None => NONE,
    };
    ids.insert(code, id);
    id
}

impl PlaceIndex {
    /// Reads the cities and the two division files from the data folder (admin2 optional).
    pub fn load(dir: &Path) -> Result<PlaceIndex, GeodataError> {
        let admin1 = read_file(dir, ADMIN1_FILE)?;
        let admin2 = match read_file(dir, ADMIN2_FILE) {
            Err(GeodataError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                b"[]".to_vec()
            }
            other => other?,
        };
        let (cities, _) = open_cities(dir)?;
        PlaceIndex::parse(cities, &admin1, &admin2)
    }

    pub fn parse(
        cities: impl BufRead,
        admin1_json: &[u8],
        admin2_json: &[u8],
    ) -> Result<PlaceIndex, GeodataError> {
        let admin1 = parse_codes(admin1_json, ADMIN1_FILE)?;
        let admin2 = parse_codes(admin2_json, ADMIN2_FILE)?;
        let mut index = PlaceIndex {
            entries: Vec::new(),
            names: String::new(),
            folded: String::new(),
            states: Vec::new(),
            counties: Vec::new(),
        };
        let mut state_ids = HashMap::new();
        let mut county_ids = HashMap::new();
        let too_large = || GeodataError::Format {
            what: CITIES_FILE,
            reason: "place names exceed 4 GiB, or one exceeds 64 KiB".into(),
        };
        for line in cities.lines() {
            let line = line.map_err(|source| GeodataError::Io {
                path: PathBuf::from(CITIES_FILE),
                source,
            })?;
            let Some(CityLine {
                name,
                country,
                admin1: a1,
                admin2: a2,
                lat,
                lon,
                population,
                ..
            }) = city_line(&line)
            else {
                continue;
            };
            let state_code = format!("{country}.{a1}");
            let state_name = admin1.get(state_code.as_str()).map(|n| n.as_ref());
            let state = intern(&mut index.states, &mut state_ids, state_code, state_name);
            let county = if a2.is_empty() {
                NONE
            } else {
                let county_code = format!("{country}.{a1}.{a2}");
                let county_name = admin2.get(county_code.as_str()).map(|n| n.as_ref());
                intern(
                    &mut index.counties,
                    &mut county_ids,
                    county_code,
                    county_name,
                )
            };
            let folded = fold(name);
            index.entries.push(Entry {
                name_start: u32::try_from(index.names.len()).map_err(|_| too_large())?,
                name_len: u16::try_from(name.len()).map_err(|_| too_large())?,
                folded_start: u32::try_from(index.folded.len()).map_err(|_| too_large())?,
                folded_len: u16::try_from(folded.len()).map_err(|_| too_large())?,
                state,
                county,
                population,
                latitude: lat as f32,
                longitude: lon as f32,
            });
            index.names.push_str(name);
            index.folded.push_str(&folded);
        }
        index.entries.shrink_to_fit();
        index.names.shrink_to_fit();
        index.folded.shrink_to_fit();
        Ok(index)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// At most `limit` places whose name, state or county contains `query`, best first: by the
    /// sum of the three names' distances, then the most populous.
    pub fn search(&self, query: &str, limit: usize) -> Vec<PlaceMatch> {
        let query = fold(query.trim());
        if query.is_empty() {
            return Vec::new();
        }
        let division_distances = |names: &[String]| -> Vec<f32> {
            names.iter().map(|n| distance(&fold(n), &query)).collect()
        };
        let states = division_distances(&self.states);
        let counties = division_distances(&self.counties);
        let of = |list: &[f32], id: u32| list.get(id as usize).copied().unwrap_or(1.0);
        let mut found: Vec<(f32, u32, usize)> = Vec::new();
        for (i, entry) in self.entries.iter().enumerate() {
            let start = entry.folded_start as usize;
            let name = &self.folded[start..start + entry.folded_len as usize];
            let (name, state, county) = (
                distance(name, &query),
                of(&states, entry.state),
                of(&counties, entry.county),
            );
            if name < 1.0 || state < 1.0 || county < 1.0 {
                found.push((name + state + county, entry.population, i));
            }
        }
        found.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        found
            .into_iter()
            .take(limit)
            .map(|(_, _, i)| {
                let entry = &self.entries[i];
                let start = entry.name_start as usize;
                PlaceMatch {
                    name: self.names[start..start + entry.name_len as usize].to_string(),
                    state: self.states.get(entry.state as usize).cloned(),
                    county: self.counties.get(entry.county as usize).cloned(),
                    latitude: entry.latitude as f64,
                    longitude: entry.longitude as f64,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: u32, name: &str, cc: &str, a1: &str, a2: &str, population: u32) -> String {
        format!(
            "{id}\t{name}\t{name}\t\t1.0\t2.0\tP\tPPL\t{cc}\t\t{a1}\t{a2}\t\t\t{population}\t\t100\tEurope/Paris\t2023-01-01\n"
        )
    }

    fn sample() -> PlaceIndex {
        let cities = [
            line(1, "Paris", "US", "UT", "", 25_000),
            line(2, "Paris", "FR", "11", "75", 2_100_000),
            line(3, "Villeparisis", "FR", "11", "77", 26_000),
            line(4, "Évry", "FR", "11", "91", 50_000),
            line(5, "Lyon", "FR", "84", "69", 500_000),
            "broken\n".to_string(),
        ]
        .concat();
        let admin1 = r#"[{"code":"FR.11","name":"Île-de-France"},{"code":"US.UT","name":"Utah"},
            {"code":"FR.84","name":"Auvergne-Rhône-Alpes"}]"#;
        let admin2 = r#"[{"code":"FR.11.75","name":"Paris"},{"code":"FR.11.77","name":"Seine-et-Marne"},
            {"code":"FR.11.91","name":"Essonne"}]"#;
        PlaceIndex::parse(cities.as_bytes(), admin1.as_bytes(), admin2.as_bytes()).unwrap()
    }

    #[test]
    fn places_are_found_by_name_and_division_best_first() {
        let index = sample();
        assert_eq!(index.len(), 5);
        let found = index.search("paris", 10);
        let names: Vec<(&str, Option<&str>)> = found
            .iter()
            .map(|p| (p.name.as_str(), p.county.as_deref()))
            .collect();
        // The capital (name and county), then Paris, Utah, then a name containing it.
        assert_eq!(
            names,
            vec![
                ("Paris", Some("Paris")),
                ("Paris", None),
                ("Villeparisis", Some("Seine-et-Marne"))
            ]
        );
        assert_eq!(found[0].state.as_deref(), Some("Île-de-France"));
        assert_eq!((found[0].latitude, found[0].longitude), (1.0, 2.0));
        assert_eq!(found[1].state.as_deref(), Some("Utah"));
        // Accents and case aside; by a division's name too; a limit; nothing for nothing.
        assert_eq!(index.search("EVRY", 10)[0].name, "Évry");
        assert_eq!(index.search("ile-de", 10).len(), 3);
        assert_eq!(index.search("rhone", 10)[0].name, "Lyon");
        assert_eq!(index.search("paris", 1).len(), 1);
        assert!(index.search("   ", 10).is_empty());
        assert!(index.search("atlantis", 10).is_empty());
    }

    #[test]
    fn without_counties_places_are_still_found() {
        let cities = line(1, "Paris", "FR", "11", "75", 1);
        let index = PlaceIndex::parse(cities.as_bytes(), b"[]", b"[]").unwrap();
        let found = index.search("Paris", 5);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].state.clone(), found[0].county.clone()),
            (None, None)
        );
        assert!(PlaceIndex::parse(cities.as_bytes(), b"{}", b"[]").is_err());
    }
}
