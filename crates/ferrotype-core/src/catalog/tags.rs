//! Tags: a user's keywords, as a tree (Immich's `tag`, `tag_asset` and `tag_closure`; here a
//! `parent_id` and recursive queries instead of a closure table).

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use crate::jobs::JobEnd;
use crate::model::Tag;

#[async_trait]
pub trait TagRepo: Send + Sync {
    /// The user's tags, by value.
    async fn tags_of(&self, user_id: Uuid) -> CatalogResult<Vec<Tag>>;
    /// One tag, whoever's it is.
    async fn tag(&self, id: Uuid) -> CatalogResult<Option<Tag>>;
    /// A new tag of `user_id` named `name`, under `parent_id` (its value then the parent's, `/`,
    /// the name). `Conflict` when the user has a tag of that value already, `NotFound` when the
    /// parent is not one of the user's tags.
    async fn create_tag(
        &self,
        user_id: Uuid,
        name: &str,
        parent_id: Option<Uuid>,
        color: Option<&str>,
    ) -> CatalogResult<Tag>;
    /// The tag of each path with every level above it (`a/b/c`: `a`, `a/b`, `a/b/c`), made
    /// where missing, as Immich's upsert does (`ferrotype_core::model::tag_path_levels`); an
    /// existing level gets the parent its path gives it. Answers the paths' own tags in the
    /// paths' order, a path given twice once, nothing for a path without a level. Safe to run
    /// concurrently for the same paths: everyone gets the same tags.
    async fn upsert_tag_paths(&self, user_id: Uuid, paths: &[String]) -> CatalogResult<Vec<Tag>>;
    /// Sets (or, with `None`, clears) the tag's colour; `None` when there is no such tag.
    async fn set_tag_color(&self, id: Uuid, color: Option<&str>) -> CatalogResult<Option<Tag>>;
    /// Deletes the tag and every tag below it, with their places on assets; false when there
    /// was no such tag.
    async fn delete_tag(&self, id: Uuid) -> CatalogResult<bool>;
    /// Of `asset_ids`, those the tag is on.
    async fn tagged_assets(&self, tag_id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<Vec<Uuid>>;
    /// Puts each tag on its asset, `(tag, asset)` pairs; answers the pairs that were not there
    /// yet. The changed assets' tags are then the user's choice: their `tags` property is locked
    /// (Immich's lockedProperties), so reading the file's keywords again leaves them.
    async fn tag_assets(&self, pairs: &[(Uuid, Uuid)]) -> CatalogResult<Vec<(Uuid, Uuid)>>;
    /// Takes the tag off the assets (locking their tags, as `tag_assets`); answers the assets it
    /// was on.
    async fn untag_assets(&self, tag_id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<Vec<Uuid>>;
    /// Deletes every tag that is on no asset, neither itself nor any tag below it (Immich's
    /// `TagCleanup`); answers how many went.
    async fn delete_empty_tags(&self) -> CatalogResult<u64>;
    /// The `SidecarWrite` job wrote the asset's tags into the sidecar at `sidecar_path`, which
    /// becomes the asset's sidecar if it had none; `end` recorded in the same transaction, a
    /// `Conflict` with nothing written when its job is no longer held. The asset's tags stay
    /// locked: they are the user's choice, which the sidecar now carries for other programs.
    async fn sidecar_tags_written(
        &self,
        asset_id: Uuid,
        sidecar_path: &str,
        end: &JobEnd,
    ) -> CatalogResult<()>;
}
