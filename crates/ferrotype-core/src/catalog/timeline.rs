//! The timeline: months with their counts, one month's assets, and the map's markers.

use async_trait::async_trait;

use super::CatalogResult;
use crate::model::{MapMarker, MapMarkerQuery, TimelineAsset, TimelineQuery};

#[async_trait]
pub trait TimelineRepo: Send + Sync {
    /// Months (`2024-05`) with how many assets each holds, in the query's order; empty months
    /// are left out.
    async fn timeline_buckets(&self, query: &TimelineQuery) -> CatalogResult<Vec<(String, i64)>>;
    /// The assets of one month (`2024-05`), in the query's order.
    async fn timeline_bucket(
        &self,
        query: &TimelineQuery,
        month: &str,
    ) -> CatalogResult<Vec<TimelineAsset>>;
    /// The positions of the assets the query selects that have one, newest first.
    async fn map_markers(&self, query: &MapMarkerQuery) -> CatalogResult<Vec<MapMarker>>;
}
