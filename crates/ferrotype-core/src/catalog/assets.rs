//! Assets: uploads (with the intents that make them crash-safe), moves of their files, what
//! metadata extraction and thumbnailing found, edits, the trash, deleting for good, and usage.

use async_trait::async_trait;
use chrono::NaiveDate;
use uuid::Uuid;

use super::CatalogResult;
use crate::jobs::{JobEnd, NewJob};
use crate::model::*;

#[async_trait]
pub trait AssetRepo: Send + Sync {
    async fn assets_by_checksums(
        &self,
        owner_id: Uuid,
        checksums: &[Vec<u8>],
    ) -> CatalogResult<Vec<ChecksumMatch>>;
    /// Records that a file is about to be moved to `path` by this instance, so a crash before its
    /// row is committed can be repaired (see `pending_upload_intents`).
    async fn record_upload_intent(&self, path: &str) -> CatalogResult<()>;
    /// Inserts the asset row and its client metadata (key, JSON object), clears its upload
    /// intent, adds its size to the owner's usage, hides the motion part it names as a live
    /// photo, and enqueues its first jobs, in one transaction. A concurrent upload of the same
    /// checksum yields `Duplicate` and changes nothing.
    async fn insert_asset(
        &self,
        asset: &Asset,
        metadata: &[(String, String)],
        jobs: &[NewJob],
    ) -> CatalogResult<InsertOutcome>;
    /// An asset's client metadata: (key, JSON object, updated at), by key.
    async fn asset_metadata(
        &self,
        asset_id: Uuid,
    ) -> CatalogResult<Vec<(String, String, Timestamp)>>;
    /// Paths whose upload was interrupted: intents with no committed asset row, of instances
    /// gone (no heartbeat for `INSTANCE_TIMEOUT`; see `InstanceRepo`) or of no instance (files a
    /// deletion left).
    async fn pending_upload_intents(&self) -> CatalogResult<Vec<String>>;
    async fn clear_upload_intent(&self, path: &str) -> CatalogResult<()>;
    /// Records that an original (and its sidecar) is about to be moved by this instance.
    async fn begin_move(&self, mv: &PendingMove) -> CatalogResult<()>;
    /// Records the moved paths of `mv` on its asset and forgets the move, in one transaction.
    async fn finish_move(&self, mv: &PendingMove) -> CatalogResult<()>;
    /// Forgets a move that did not happen.
    async fn cancel_move(&self, asset_id: Uuid) -> CatalogResult<()>;
    /// Moves begun and neither finished nor cancelled by instances now gone (a crash came
    /// between).
    async fn pending_moves(&self) -> CatalogResult<Vec<PendingMove>>;
    async fn asset(&self, id: Uuid) -> CatalogResult<Option<Asset>>;
    /// Stores what metadata extraction found, moves the asset to its capture time, sets its
    /// displayed size, links its keyword tags and records `end`, in one transaction; a
    /// `Conflict`, with nothing written, when `end`'s job is no longer held by its worker.
    async fn save_metadata(
        &self,
        asset_id: Uuid,
        info: &ExifInfo,
        displayed_size: Option<(i64, i64)>,
        end: &JobEnd,
    ) -> CatalogResult<()>;
    async fn asset_exif(&self, asset_id: Uuid) -> CatalogResult<Option<ExifInfo>>;
    /// Records that the thumbnails exist: the thumbhash, and the size the decoder found when it
    /// is the original's own (not an embedded preview's); records `end` in the same transaction
    /// (a `Conflict`, with nothing written, when its job is no longer held by its worker).
    async fn save_thumbnails(
        &self,
        asset_id: Uuid,
        thumbhash: &[u8],
        size: Option<(i64, i64)>,
        end: &JobEnd,
    ) -> CatalogResult<()>;
    async fn asset_tags(&self, asset_id: Uuid) -> CatalogResult<Vec<Tag>>;
    /// Assets not in the trash per UTC day in `[from, to)`, by upload time or, with `by_taken`,
    /// by the local time they were taken; days without any are left out.
    async fn daily_asset_counts(
        &self,
        owner_id: Uuid,
        from: NaiveDate,
        to: NaiveDate,
        by_taken: bool,
    ) -> CatalogResult<Vec<(NaiveDate, i64)>>;
    async fn asset_stats(
        &self,
        owner_id: Uuid,
        filter: &AssetStatsFilter,
    ) -> CatalogResult<AssetStats>;
    /// Applies an edit to the owner's assets among `ids` (others are left alone); returns how
    /// many changed.
    async fn update_assets(
        &self,
        owner_id: Uuid,
        ids: &[Uuid],
        change: &AssetChange,
    ) -> CatalogResult<u64>;
    /// Moves the owner's assets among `ids` to the trash; returns how many moved.
    async fn trash_assets(&self, owner_id: Uuid, ids: &[Uuid]) -> CatalogResult<u64>;
    /// Brings the owner's trashed assets back: those among `ids`, or all with `None`.
    async fn restore_assets(&self, owner_id: Uuid, ids: Option<&[Uuid]>) -> CatalogResult<u64>;
    /// Deletes assets for good (see `PurgeSelection`). The rows go in one transaction that also
    /// records their files as pending deletion, so a crash before the files are gone is repaired
    /// at start (`pending_upload_intents`). Returns the deleted assets, each with the file keys
    /// to delete and then clear with `clear_upload_intent`.
    async fn purge_assets(&self, selection: &PurgeSelection) -> CatalogResult<Vec<PurgedAsset>>;

    /// Per user, in order of creation: counts and bytes of their (non-trashed) photos and videos.
    async fn usage_by_user(&self) -> CatalogResult<Vec<UserUsage>>;
}
