//! Non-destructive edits of an asset (Immich's `asset_edit`): the list of actions applied to its
//! thumbnails and edited copies, replaced as a whole.

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use crate::edits::{AssetEdit, EditAction};
use crate::jobs::NewJob;

#[async_trait]
pub trait AssetEditRepo: Send + Sync {
    /// The asset's edits, in the order they apply.
    async fn asset_edits(&self, asset_id: Uuid) -> CatalogResult<Vec<AssetEdit>>;
    /// Replaces the asset's edits with `edits` (none: removes them all), in that order, with
    /// new ids; sets the asset's `is_edited`; enqueues `jobs` (the thumbnails made again); one
    /// transaction. The removed edits are recorded for the sync's AssetEditDeleteV1. Answers
    /// the new edits; `NotFound` when the asset does not exist.
    async fn replace_asset_edits(
        &self,
        asset_id: Uuid,
        edits: &[EditAction],
        jobs: &[NewJob],
    ) -> CatalogResult<Vec<AssetEdit>>;
}
