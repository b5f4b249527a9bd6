//! Search: assets by any combination of Immich's filters, distinct values for suggestions, one
//! photo per city, and the folders of originals (Immich's folder view).

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use crate::model::Asset;
use crate::search::{AssetSearch, SearchOrder, SearchPage, SuggestionField, SuggestionFilter};

#[async_trait]
pub trait SearchRepo: Send + Sync {
    /// The assets the search selects, in `order`, one page of them.
    async fn search_assets(
        &self,
        search: &AssetSearch,
        order: SearchOrder,
        page: SearchPage,
    ) -> CatalogResult<Vec<Asset>>;
    /// How many assets the search selects.
    async fn count_search(&self, search: &AssetSearch) -> CatalogResult<i64>;
    /// The distinct non-empty values of `field` among the owners' timeline assets (not
    /// archived, hidden, locked or trashed), narrowed by `filter`, sorted.
    async fn suggestions(
        &self,
        owners: &[Uuid],
        field: SuggestionField,
        filter: &SuggestionFilter,
    ) -> CatalogResult<Vec<String>>;
    /// One timeline photo per city among the owners', by city name, for cities with at least
    /// `min_assets` of them; at most `limit` cities.
    async fn assets_by_city(
        &self,
        owners: &[Uuid],
        min_assets: i64,
        limit: u64,
    ) -> CatalogResult<Vec<(String, Asset)>>;
    /// The folders holding the owner's timeline originals (not archived, hidden, locked or
    /// trashed): each original's path without its file name, distinct, sorted.
    async fn folders(&self, owner: Uuid) -> CatalogResult<Vec<String>>;
    /// The owner's timeline assets whose original lies directly in `folder`, by file name.
    async fn folder_assets(&self, owner: Uuid, folder: &str) -> CatalogResult<Vec<Asset>>;
}
