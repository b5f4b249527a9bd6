//! Stacks (Immich's `stack`): a user's assets shown as one, under a primary asset (a RAW and
//! its JPEG, a burst). An asset is in at most one stack (`Asset::stack_id`). The catalog keeps
//! the rule that a stack holds at least two assets: whenever an asset leaves (taken out, moved
//! into another stack, deleted for good), a stack left with fewer is removed, and a primary that
//! left hands its place to another member. Deleted stacks are recorded for the sync.

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use crate::model::{Asset, Timestamp};

/// A stack with the assets Immich lists in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub primary_asset_id: Uuid,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Its assets outside the trash, on the timeline or archived (Immich's listing), the
    /// primary first, then by capture time.
    pub asset_ids: Vec<Uuid>,
}

/// What an asset's response says of its stack (Immich's `AssetStackResponseDto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StackSummary {
    pub id: Uuid,
    pub primary_asset_id: Uuid,
    /// The primary and the other members on the timeline and outside the trash, as Immich
    /// counts them.
    pub asset_count: i64,
}

/// An image and the camera that took it: a candidate of automatic stacking.
#[derive(Debug, Clone, PartialEq)]
pub struct Shot {
    pub asset: Asset,
    pub make: Option<String>,
    pub model: Option<String>,
}

#[async_trait]
pub trait StackRepo: Send + Sync {
    /// The owner's stacks, or the one whose primary is `primary_asset_id`.
    async fn stacks(
        &self,
        owner_id: Uuid,
        primary_asset_id: Option<Uuid>,
    ) -> CatalogResult<Vec<Stack>>;
    async fn stack(&self, id: Uuid) -> CatalogResult<Option<Stack>>;
    /// A new stack of `asset_ids` (the owner's, at least two) under the first, in one
    /// transaction, as Immich merges: a stack whose primary is among them is removed and all
    /// its assets join the new one; any other asset leaves the stack it was in.
    async fn create_stack(&self, owner_id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<Stack>;
    /// Makes `primary_asset_id` (a member) the primary; `None` when the stack is gone.
    async fn set_stack_primary(
        &self,
        id: Uuid,
        primary_asset_id: Uuid,
    ) -> CatalogResult<Option<Stack>>;
    /// Removes the stacks; their assets stay, outside any stack.
    async fn delete_stacks(&self, ids: &[Uuid]) -> CatalogResult<()>;
    /// Takes the asset out of its stack (which is removed if fewer than two remain).
    async fn leave_stack(&self, asset_id: Uuid) -> CatalogResult<()>;
    /// The summary of a stack for an asset's response.
    async fn stack_summary(&self, id: Uuid) -> CatalogResult<Option<StackSummary>>;
    /// The owner's images outside the trash whose EXIF capture time (`date_time_original`)
    /// falls in the same second as this asset's, the asset itself included; empty when it has
    /// no capture time.
    async fn shots_in_same_second(&self, asset_id: Uuid) -> CatalogResult<Vec<Shot>>;
}
