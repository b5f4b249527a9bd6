//! Client metadata on assets (Immich's `asset_metadata`: a JSON object per (asset, key), such as
//! the iOS app's `mobile-app` entry), written through `/assets/{id}/metadata` and
//! `/assets/metadata` and streamed to the owner's phones as `AssetMetadataV1`; and copying an
//! asset's places (albums, shared links, favourite, sidecar) to another (`PUT /assets/copy`).

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use crate::jobs::NewJob;
use crate::model::Timestamp;

/// One key's value on one asset.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetMetadataEntry {
    pub asset_id: Uuid,
    pub key: String,
    /// A JSON object, as the client sent it (validated by the API).
    pub value: String,
    pub updated_at: Timestamp,
}

/// What `PUT /assets/copy` carries over from one asset to another.
#[derive(Debug, Clone, Default)]
pub struct AssetCopy {
    pub source: Uuid,
    pub target: Uuid,
    /// The target joins every album the source is in.
    pub albums: bool,
    /// The target joins every shared link the source is in.
    pub shared_links: bool,
    /// The target's favourite flag becomes the source's.
    pub favorite: bool,
    /// The target's new sidecar, already written to the store: recorded on the target, with
    /// `jobs` (reading it) enqueued in the same transaction.
    pub sidecar: Option<String>,
    pub jobs: Vec<NewJob>,
}

#[async_trait]
pub trait AssetMetadataRepo: Send + Sync {
    /// One key of an asset.
    async fn asset_metadata_entry(
        &self,
        asset_id: Uuid,
        key: &str,
    ) -> CatalogResult<Option<AssetMetadataEntry>>;
    /// Sets each (asset, key) to its JSON object, in one transaction; answers the entries as
    /// stored, in the order given.
    async fn upsert_asset_metadata(
        &self,
        items: &[(Uuid, String, String)],
    ) -> CatalogResult<Vec<AssetMetadataEntry>>;
    /// Removes each (asset, key) there is, in one transaction (each removal streamed to the
    /// owner's phones as `AssetMetadataDeleteV1`).
    async fn delete_asset_metadata(&self, items: &[(Uuid, String)]) -> CatalogResult<()>;
    /// Carries `copy`'s parts over from its source to its target, in one transaction.
    async fn copy_asset(&self, copy: &AssetCopy) -> CatalogResult<()>;
}
