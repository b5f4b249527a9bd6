//! Memories (Immich's `memory` and `memory_asset`): a user's collections of photos to look back
//! on, "on this day" N years ago made by the daily `MemoryGenerate` job, others by hand. The
//! records live here, beside their port, as the area is self-contained.

use async_trait::async_trait;
use chrono::NaiveDate;
use uuid::Uuid;

use super::CatalogResult;
use crate::model::{Asset, Timestamp};

/// Immich's only `MemoryType`: photos taken on this day some years ago.
pub const ON_THIS_DAY: &str = "on_this_day";

/// At most this many photos of one year in an "on this day" memory (Immich's limit).
pub const ON_THIS_DAY_ASSETS: usize = 20;

/// A memory and the assets it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Memory {
    pub id: Uuid,
    pub owner_id: Uuid,
    /// Immich's `MemoryType` (`on_this_day`).
    pub kind: String,
    /// The type's data (`{"year": 2021}`).
    pub data: serde_json::Value,
    /// A saved memory is kept; the others go 30 days after they were made (`MemoryCleanup`).
    pub is_saved: bool,
    pub memory_at: Timestamp,
    pub seen_at: Option<Timestamp>,
    /// Shown only from `show_at` until `hide_at` (`GET /memories?for=`).
    pub show_at: Option<Timestamp>,
    pub hide_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    /// The memory's assets that are on the timeline and not in the trash, oldest first (by
    /// `file_created_at`), as Immich lists them. Empty where only the memory is read (sync).
    pub assets: Vec<Asset>,
}

/// A memory to make (`POST /memories`, the generation job).
#[derive(Debug, Clone, PartialEq)]
pub struct NewMemory {
    pub owner_id: Uuid,
    pub kind: String,
    pub data: serde_json::Value,
    pub is_saved: bool,
    pub memory_at: Timestamp,
    pub seen_at: Option<Timestamp>,
    pub show_at: Option<Timestamp>,
    pub hide_at: Option<Timestamp>,
}

/// What `PUT /memories/{id}` changes; `None` keeps the field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemoryChange {
    pub is_saved: Option<bool>,
    pub seen_at: Option<Timestamp>,
    pub memory_at: Option<Timestamp>,
}

/// Immich's `MemorySearchOrder` (by `memory_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MemoryOrder {
    Asc,
    #[default]
    Desc,
    Random,
}

/// A user's memories that match (Immich's `MemorySearchDto`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MemorySearch {
    pub owner_id: Uuid,
    /// Only those shown at this time: `show_at` (if any) at or before it, `hide_at` (if any) at or
    /// after it.
    pub shown_at: Option<Timestamp>,
    pub is_saved: Option<bool>,
    /// The deleted ones (`deleted_at` set) instead of the others.
    pub trashed: bool,
    pub kind: Option<String>,
    pub order: MemoryOrder,
    pub size: Option<u64>,
}

#[async_trait]
pub trait MemoryRepo: Send + Sync {
    /// The memories that match, each with its assets, in the order asked for.
    async fn memories(&self, search: &MemorySearch) -> CatalogResult<Vec<Memory>>;
    /// How many memories match (`size` and `order` aside).
    async fn memory_count(&self, search: &MemorySearch) -> CatalogResult<u64>;
    /// One memory that is not deleted, with its assets, whoever's it is.
    async fn memory(&self, id: Uuid) -> CatalogResult<Option<Memory>>;
    /// Makes a memory with the given assets (each once), in one transaction.
    async fn create_memory(&self, memory: &NewMemory, asset_ids: &[Uuid]) -> CatalogResult<Memory>;
    /// Changes the memory (and its `updated_at`); `None` when there is no such memory.
    async fn update_memory(&self, id: Uuid, change: &MemoryChange)
    -> CatalogResult<Option<Memory>>;
    /// Deletes the memory and its places of assets; false when there was none.
    async fn delete_memory(&self, id: Uuid) -> CatalogResult<bool>;
    /// Of `asset_ids`, those in the memory.
    async fn memory_asset_ids(&self, id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<Vec<Uuid>>;
    /// Puts the assets in the memory (those there already are left) and touches its
    /// `updated_at` when any was new.
    async fn add_memory_assets(&self, id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<()>;
    /// Takes the assets out of the memory and touches its `updated_at` when any was in it.
    async fn remove_memory_assets(&self, id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<()>;
    /// Immich's "on this day" for one user and one day: for every year from the user's oldest
    /// photo's to the year before `day`, the photos taken (local time) on `day`'s month and day
    /// that are on the timeline, not in the trash and have their preview (at most
    /// `ON_THIS_DAY_ASSETS` a year, oldest first), made into an `on_this_day` memory of that
    /// year shown during `day` (UTC) with `memory_at` that date at midnight. Idempotent in one
    /// transaction: a year that has its memory for that day already gets none. Answers the
    /// memories made.
    async fn create_on_this_day_memories(
        &self,
        owner_id: Uuid,
        day: NaiveDate,
    ) -> CatalogResult<Vec<Uuid>>;
    /// Immich's `MemoryCleanup`: takes the assets no longer on the timeline (archived, locked,
    /// hidden) out of every memory, and deletes the unsaved memories made before `before`.
    /// Answers how many memories went.
    async fn clean_up_memories(&self, before: Timestamp) -> CatalogResult<u64>;
}

/// Midnight (UTC) at the start of `day`.
pub fn day_start(day: NaiveDate) -> Timestamp {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The last millisecond of `day` (UTC), as Luxon's `endOf('day')` gives it.
pub fn day_end(day: NaiveDate) -> Timestamp {
    day_start(day) + chrono::Duration::days(1) - chrono::Duration::milliseconds(1)
}

/// The "on this day" memory of `year` for `day`: the same month and day in `year`, if that date
/// exists (no 29 February outside leap years).
pub fn on_this_day_in(year: i32, day: NaiveDate) -> Option<NaiveDate> {
    use chrono::Datelike;
    NaiveDate::from_ymd_opt(year, day.month(), day.day())
}
