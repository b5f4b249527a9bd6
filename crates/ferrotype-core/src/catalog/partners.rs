//! Partners: a user sharing their whole library with another (Immich's `partner` table).

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use crate::model::Partner;

#[async_trait]
pub trait PartnerRepo: Send + Sync {
    /// Every partnership the user is in, as sharer or as partner, oldest first; those with a
    /// deleted user are left out (they come back if the user is restored).
    async fn partners_of(&self, user_id: Uuid) -> CatalogResult<Vec<Partner>>;
    /// One partnership, if it exists and neither user is deleted.
    async fn partner(&self, shared_by: Uuid, shared_with: Uuid) -> CatalogResult<Option<Partner>>;
    /// Makes `shared_with` a partner of `shared_by` (not in their timeline). `Conflict` when it
    /// already exists, `NotFound` when either user does not.
    async fn create_partner(&self, shared_by: Uuid, shared_with: Uuid) -> CatalogResult<Partner>;
    /// Whether the partner shows the sharer's assets in their timeline; `None` when there is no
    /// such partnership.
    async fn update_partner(
        &self,
        shared_by: Uuid,
        shared_with: Uuid,
        in_timeline: bool,
    ) -> CatalogResult<Option<Partner>>;
    /// Ends a partnership (recorded for the sync stream's `PartnerDeleteV1`); false when there
    /// was none.
    async fn remove_partner(&self, shared_by: Uuid, shared_with: Uuid) -> CatalogResult<bool>;
}
