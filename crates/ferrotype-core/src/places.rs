//! Place names for a position (reverse geocoding), as a port: the data and its search live in
//! `ferrotype-media` (GeoNames, loaded once), and the API and the jobs ask through this trait.

/// The names Immich gives a position: the nearest city, its state (first-level division) and
/// country.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlaceNames {
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
}

/// A place found by name (`/search/places`): its name, first- and second-level divisions
/// (state and county) and position.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceMatch {
    pub name: String,
    pub state: Option<String>,
    pub county: Option<String>,
    pub latitude: f64,
    pub longitude: f64,
}

/// Places by position, and by name.
pub trait ReverseGeocoder: Send + Sync + 'static {
    /// The names of the place nearest the position, if one is near enough. May block while the
    /// data loads: call it from a blocking thread.
    fn place_names(&self, latitude: f64, longitude: f64) -> Option<PlaceNames>;
    /// At most `limit` places whose names match `name`, best first. May block while the data
    /// loads: call it from a blocking thread.
    fn search_places(&self, name: &str, limit: usize) -> Vec<PlaceMatch>;
}
