//! What a search asks of the catalog (`SearchRepo`): the filters of Immich's search DTOs in
//! backend-neutral form, their order and paging. The API turns a request into an `AssetSearch`
//! (deciding whose assets are searched and what a shared link may see); each catalog turns it
//! into one query.

use uuid::Uuid;

use crate::model::{AssetType, Timestamp, Visibility};

/// Which visibilities a search includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VisibilitySearch {
    /// Every visibility (a session unlocked with the PIN code, not asking for one).
    Any,
    /// Every visibility but the locked folder's (the default).
    #[default]
    NotLocked,
    /// Only this one.
    Only(Visibility),
}

/// A time range; either end open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    /// At or after.
    pub after: Option<Timestamp>,
    /// At or before.
    pub before: Option<Timestamp>,
}

impl TimeRange {
    pub fn is_open(&self) -> bool {
        self.after.is_none() && self.before.is_none()
    }
}

/// A filter on a field that may be empty: `None` in an `Option<FieldIs<T>>` means "not
/// filtered"; `Empty` asks for assets without a value (Immich's `city: null`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldIs<T> {
    Empty,
    Equal(T),
}

/// One search: every condition must hold. `Default` is "every asset of nobody": fill `owners`
/// (or `album_ids`) and what the request asks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssetSearch {
    /// Whose assets: the user and the partners who share with them in their timeline. Empty
    /// means anyone's (then `album_ids` says which, as for a shared link's visitor).
    pub owners: Vec<Uuid>,
    /// In every one of these albums.
    pub album_ids: Vec<Uuid>,
    /// In no album at all.
    pub not_in_album: bool,
    pub visibility: VisibilitySearch,
    /// Trashed assets too (only they have `trashed` times, so a trashed range implies it).
    pub with_deleted: bool,
    pub id: Option<Uuid>,
    pub checksum: Option<Vec<u8>>,
    pub asset_type: Option<AssetType>,
    pub is_favorite: Option<bool>,
    /// A live photo (with a motion part) or not.
    pub is_motion: Option<bool>,
    /// When the photo was taken (`file_created_at`).
    pub taken: TimeRange,
    /// When it was uploaded.
    pub created: TimeRange,
    pub updated: TimeRange,
    pub trashed: TimeRange,
    /// Text within the original file name, the original's path or the description, ignoring
    /// case and accents (Immich's `ilike '%…%'` over `f_unaccent`).
    pub file_name: Option<String>,
    pub original_path: Option<String>,
    pub description: Option<String>,
    pub make: Option<FieldIs<String>>,
    pub model: Option<FieldIs<String>>,
    pub lens_model: Option<FieldIs<String>>,
    pub city: Option<FieldIs<String>>,
    pub state: Option<FieldIs<String>>,
    pub country: Option<FieldIs<String>>,
    pub rating: Option<FieldIs<i64>>,
    /// Tagged with every one of these tags, or one of its descendants (`Empty`: untagged).
    pub tag_ids: Option<FieldIs<Vec<Uuid>>>,
    /// Showing every one of these people: a visible face of each, not deleted (Immich's
    /// `hasPeople`).
    pub person_ids: Vec<Uuid>,
    /// Larger than this many bytes (the large-assets search).
    pub min_file_size: Option<i64>,
    /// A condition no asset can meet here (offline files without
    /// external libraries, another library): the search finds nothing.
    pub unsatisfiable: bool,
}

/// The order of a search's results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchOrder {
    /// By when taken, newest first (then by id), as Immich's default.
    #[default]
    NewestFirst,
    OldestFirst,
    /// By upload time, newest first (explore's "recently added").
    RecentlyAdded,
    /// By original size, largest first (the large-assets search).
    LargestFirst,
    Random,
}

/// A page of a search: `offset` results skipped, at most `limit` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchPage {
    pub offset: u64,
    pub limit: u64,
}

/// The asset fields whose distinct values are suggested while searching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionField {
    Country,
    State,
    City,
    Make,
    Model,
    LensModel,
}

/// Values of other fields that narrow suggestions (Immich's: states of a country, cities of a
/// country and state, models of a make, ...). Only those meaningful for the field are used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SuggestionFilter {
    pub country: Option<String>,
    pub state: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub lens_model: Option<String>,
}

impl SuggestionFilter {
    /// The values that narrow suggestions of `field`, by Immich's rules: states by country,
    /// cities by country and state, each camera field by the other two.
    pub fn narrowing(&self, field: SuggestionField) -> Vec<(SuggestionField, String)> {
        use SuggestionField::*;
        let by: &[SuggestionField] = match field {
            Country => &[],
            State => &[Country],
            City => &[Country, State],
            Make => &[Model, LensModel],
            Model => &[Make, LensModel],
            LensModel => &[Make, Model],
        };
        by.iter()
            .filter_map(|&f| {
                let value = match f {
                    Country => &self.country,
                    State => &self.state,
                    City => &None,
                    Make => &self.make,
                    Model => &self.model,
                    LensModel => &self.lens_model,
                };
                value
                    .as_ref()
                    .filter(|v| !v.is_empty())
                    .map(|v| (f, v.clone()))
            })
            .collect()
    }
}

/// How people expect a list of names sorted, as a database with a language collation sorts
/// them (Immich's suggestions come from PostgreSQL so): letters before case and accents
/// (`Île-de-France` among the I's, `iPhone` among the I's, `samsung` before `SONY`), and
/// punctuation and spaces only when all else is equal (`State of Berlin` before
/// `St.-Petersburg`). Ties are broken by the plain text, so the order is total.
pub fn collation_order(mut values: Vec<String>) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization;
    fn primary(value: &str) -> String {
        value
            .nfd()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    }
    values.sort_by_cached_key(|v| (primary(v), v.clone()));
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_letters_before_case_accents_and_punctuation() {
        let sorted = collation_order(
            [
                "SONY",
                "samsung",
                "Apple",
                "iPhone 7",
                "NIKON D700",
                "FinePix S3Pro",
                "St.-Petersburg",
                "State of Berlin",
                "Île-de-France",
                "Havana",
                "Marrakesh-Safi",
            ]
            .map(String::from)
            .to_vec(),
        );
        assert_eq!(
            sorted,
            [
                "Apple",
                "FinePix S3Pro",
                "Havana",
                "Île-de-France",
                "iPhone 7",
                "Marrakesh-Safi",
                "NIKON D700",
                "samsung",
                "SONY",
                "State of Berlin",
                "St.-Petersburg",
            ]
        );
    }
}
