//! Shared links: an album or a set of assets shown to whoever holds the key (or slug).

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use crate::model::{Asset, LinkAssetResult, SharedLink};

#[async_trait]
pub trait SharedLinkRepo: Send + Sync {
    /// Stores the link with its assets (for individual links); a taken slug is a Conflict.
    async fn create_shared_link(&self, link: &SharedLink, asset_ids: &[Uuid]) -> CatalogResult<()>;
    async fn shared_link(&self, id: Uuid) -> CatalogResult<Option<SharedLink>>;
    async fn shared_link_by_key(&self, key: &[u8]) -> CatalogResult<Option<SharedLink>>;
    async fn shared_link_by_slug(&self, slug: &str) -> CatalogResult<Option<SharedLink>>;
    /// The user's links, newest first; only those of `album_id` when given.
    async fn shared_links_of(
        &self,
        user_id: Uuid,
        album_id: Option<Uuid>,
    ) -> CatalogResult<Vec<SharedLink>>;
    /// Saves the link's settings (slug, description, password, expiry, permissions); a taken
    /// slug is a Conflict.
    async fn update_shared_link(&self, link: &SharedLink) -> CatalogResult<()>;
    async fn delete_shared_link(&self, id: Uuid) -> CatalogResult<()>;
    /// The assets an individual link shows, oldest first.
    async fn shared_link_assets(&self, id: Uuid) -> CatalogResult<Vec<Asset>>;
    /// Whether the link reaches the asset: one of its assets, or an asset of its album.
    async fn shared_link_reaches(&self, link: &SharedLink, asset_id: Uuid) -> CatalogResult<bool>;
    /// Adds (the link owner's own) assets to an individual link, or removes them.
    async fn change_shared_link_assets(
        &self,
        link: &SharedLink,
        asset_ids: &[Uuid],
        add: bool,
    ) -> CatalogResult<Vec<(Uuid, LinkAssetResult)>>;
}
