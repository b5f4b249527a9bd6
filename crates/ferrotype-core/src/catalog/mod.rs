//! The Catalog port: everything Ferrotype keeps about users, assets and albums, split by area
//! into one trait each (`UserRepo`, `AssetRepo`, ...). A backend implements every area trait;
//! `Catalog` is then implemented for it by the blanket impl below, so the rest of the server
//! holds one `Arc<dyn Catalog>`. Callers bring the area traits into scope with
//! `use ferrotype_core::catalog::prelude::*;`.
//! Implemented by `ferrotype-catalog` (SQLite today, PostgreSQL next).

mod activities;
mod albums;
mod api_keys;
mod asset_edits;
mod asset_metadata;
mod assets;
mod bus;
pub mod faces;
mod instances;
mod jobs;
pub mod memories;
mod notifications;
mod partners;
pub mod people;
mod search;
mod sessions;
mod shared_links;
mod stacks;
mod sync;
mod system;
mod tags;
mod timeline;
mod users;

pub use activities::{
    Activity, ActivityCreated, ActivityFilter, ActivityPlace, ActivityRepo, ActivityStatistics,
    NewActivity, Reaction,
};
pub use albums::AlbumRepo;
pub use api_keys::ApiKeyRepo;
pub use asset_edits::AssetEditRepo;
pub use asset_metadata::{AssetCopy, AssetMetadataEntry, AssetMetadataRepo};
pub use assets::AssetRepo;
pub use bus::{BUS_BACKLOG, BusMessage, BusRepo};
pub use faces::{Face, FaceBox, FaceRepo, FaceSource, NewFace};
pub use instances::{HEARTBEAT, INSTANCE_TIMEOUT, InstanceRepo};
pub use jobs::JobRepo;
pub use memories::{
    Memory, MemoryChange, MemoryOrder, MemoryRepo, MemorySearch, NewMemory, ON_THIS_DAY,
    ON_THIS_DAY_ASSETS,
};
pub use notifications::NotificationRepo;
pub use partners::PartnerRepo;
pub use people::{NewPerson, PeopleCount, PeoplePage, Person, PersonChange, PersonRepo};
pub use search::SearchRepo;
pub use sessions::SessionRepo;
pub use shared_links::SharedLinkRepo;
pub use stacks::{Shot, Stack, StackRepo, StackSummary};
pub use sync::{SyncRepo, SyncStream};
pub use system::SystemRepo;
pub use tags::TagRepo;
pub use timeline::TimelineRepo;
pub use users::UserRepo;

/// What went wrong, in kinds a caller can act on whatever the backend: most methods answer a
/// missing row with `None` or `false`, so `NotFound` means a row vanished under an operation
/// that needed it.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A row the operation needed does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A uniqueness rule was broken (e.g. an email already in use).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The backend cannot answer now but may soon: busy or locked, connection lost, no pooled
    /// connection in time. Retrying later may succeed (the API answers 503, the job runner puts
    /// the job back without counting the attempt).
    #[error("catalog unavailable: {0}")]
    Unavailable(String),
    /// Anything else (a bug, corrupt data, a full disk).
    #[error("catalog backend: {0}")]
    Backend(String),
}

impl CatalogError {
    /// Whether trying again later may succeed.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, CatalogError::Unavailable(_))
    }
}

pub type CatalogResult<T> = Result<T, CatalogError>;

/// The refusal of `complete_job`, `fail_job` and `release_job` by a worker that no longer holds
/// the job (its lease expired and another worker took it over).
pub fn job_not_held(id: i64, worker: &str) -> CatalogError {
    CatalogError::Conflict(format!("job {id} is not held by {worker}"))
}

/// The whole catalog: every area. Implemented for any type implementing all the area traits.
pub trait Catalog:
    UserRepo
    + SystemRepo
    + SessionRepo
    + ApiKeyRepo
    + AssetRepo
    + AlbumRepo
    + SharedLinkRepo
    + NotificationRepo
    + PartnerRepo
    + SearchRepo
    + TimelineRepo
    + SyncRepo
    + JobRepo
    + BusRepo
    + InstanceRepo
    + ActivityRepo
    + TagRepo
    + AssetMetadataRepo
    + StackRepo
    + MemoryRepo
    + AssetEditRepo
    + PersonRepo
    + FaceRepo
    + Send
    + Sync
    + 'static
{
}

impl<T> Catalog for T where
    T: UserRepo
        + SystemRepo
        + SessionRepo
        + ApiKeyRepo
        + AssetRepo
        + AlbumRepo
        + SharedLinkRepo
        + NotificationRepo
        + PartnerRepo
        + SearchRepo
        + TimelineRepo
        + SyncRepo
        + JobRepo
        + BusRepo
        + InstanceRepo
        + ActivityRepo
        + TagRepo
        + AssetMetadataRepo
        + StackRepo
        + MemoryRepo
        + AssetEditRepo
        + PersonRepo
        + FaceRepo
        + Send
        + Sync
        + 'static
{
}

/// The port and its area traits, for `use ferrotype_core::catalog::prelude::*;`: calling an
/// area's method on an `Arc<dyn Catalog>` needs that area's trait in scope.
pub mod prelude {
    pub use super::ActivityRepo;
    pub use super::AssetEditRepo;
    pub use super::AssetMetadataRepo;
    pub use super::FaceRepo;
    pub use super::MemoryRepo;
    pub use super::PersonRepo;
    pub use super::StackRepo;
    pub use super::TagRepo;
    pub use super::{
        AlbumRepo, ApiKeyRepo, AssetRepo, BusRepo, Catalog, CatalogError, CatalogResult,
        InstanceRepo, JobRepo, NotificationRepo, PartnerRepo, SearchRepo, SessionRepo,
        SharedLinkRepo, SyncRepo, SyncStream, SystemRepo, TimelineRepo, UserRepo,
    };
}
