//! Albums, their assets and the people they are shared with.

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use crate::model::*;

#[async_trait]
pub trait AlbumRepo: Send + Sync {
    async fn create_album(&self, album: &Album) -> CatalogResult<()>;
    async fn album(&self, id: Uuid) -> CatalogResult<Option<AlbumSummary>>;
    /// The albums a user owns or is a member of, newest first; only those holding
    /// `containing` when it is given.
    async fn albums_of(
        &self,
        user_id: Uuid,
        containing: Option<Uuid>,
    ) -> CatalogResult<Vec<AlbumSummary>>;
    /// Adds each asset `actor` may add (their own) and reports per id.
    async fn add_album_assets(
        &self,
        album_id: Uuid,
        actor_id: Uuid,
        asset_ids: &[Uuid],
    ) -> CatalogResult<Vec<(Uuid, AlbumAddResult)>>;
    /// Applies a change to the album's settings.
    async fn update_album(&self, album_id: Uuid, change: &AlbumChange) -> CatalogResult<()>;
    /// Deletes the album (its assets stay).
    async fn delete_album(&self, album_id: Uuid) -> CatalogResult<()>;
    /// Who contributed the album's assets not in the trash: (owner, count), most first.
    async fn album_contributor_counts(&self, album_id: Uuid) -> CatalogResult<Vec<(Uuid, i64)>>;
    /// Whether the asset is in the album.
    async fn album_contains(&self, album_id: Uuid, asset_id: Uuid) -> CatalogResult<bool>;
    /// Removes assets from the album and reports per id: anything when `any`, else only the
    /// assets `actor` owns. A removed cover is replaced by the oldest remaining asset.
    async fn remove_album_assets(
        &self,
        album_id: Uuid,
        actor_id: Uuid,
        any: bool,
        asset_ids: &[Uuid],
    ) -> CatalogResult<Vec<(Uuid, AlbumRemoveResult)>>;
    /// Assets not in the trash, oldest first: the owner's, or an album's when `album_id` is given.
    async fn assets_for_download(
        &self,
        owner_id: Option<Uuid>,
        album_id: Option<Uuid>,
    ) -> CatalogResult<Vec<Asset>>;
    /// The album's (non-trashed) assets that have a place.
    async fn album_map_markers(&self, album_id: Uuid) -> CatalogResult<Vec<MapMarker>>;
    /// Shares the album with these users; false (and nothing changed) when one of them is
    /// already a member.
    async fn add_album_members(
        &self,
        album_id: Uuid,
        members: &[(Uuid, AlbumRole)],
    ) -> CatalogResult<bool>;
    /// Whether the asset is in an album the user owns or is a member of (so they may see it).
    async fn asset_in_shared_album(&self, user_id: Uuid, asset_id: Uuid) -> CatalogResult<bool>;
    /// Whether the user was a member.
    async fn remove_album_member(&self, album_id: Uuid, user_id: Uuid) -> CatalogResult<bool>;
    /// Whether the user is a member.
    async fn set_album_member_role(
        &self,
        album_id: Uuid,
        user_id: Uuid,
        role: AlbumRole,
    ) -> CatalogResult<bool>;
}
