//! The Catalog port: everything Ferrotype keeps about users, assets and albums, split by area
//! into one trait each (`UserRepo`, `AssetRepo`, ...). A backend implements every area trait;
//! `Catalog` is then implemented for it by the blanket impl below, so the rest of the server
//! holds one `Arc<dyn Catalog>`. Callers bring the area traits into scope with
//! `use ferrotype_core::catalog::prelude::*;`.
//! Implemented by `ferrotype-catalog` (SQLite today, PostgreSQL next).

mod albums;
mod api_keys;
mod assets;
mod jobs;
mod notifications;
mod sessions;
mod shared_links;
mod sync;
mod system;
mod timeline;
mod users;

pub use albums::AlbumRepo;
pub use api_keys::ApiKeyRepo;
pub use assets::AssetRepo;
pub use jobs::JobRepo;
pub use notifications::NotificationRepo;
pub use sessions::SessionRepo;
pub use shared_links::SharedLinkRepo;
pub use sync::SyncRepo;
pub use system::SystemRepo;
pub use timeline::TimelineRepo;
pub use users::UserRepo;

use crate::sync::SyncItem;

/// Receives streamed sync rows, on a blocking thread; returns false to stop (the client left).
pub type SyncSink = Box<dyn FnMut(SyncItem) -> bool + Send>;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A uniqueness rule was broken (e.g. an email already in use).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("catalog backend: {0}")]
    Backend(String),
}

pub type CatalogResult<T> = Result<T, CatalogError>;

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
    + TimelineRepo
    + SyncRepo
    + JobRepo
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
        + TimelineRepo
        + SyncRepo
        + JobRepo
        + Send
        + Sync
        + 'static
{
}

/// The port and its area traits, for `use ferrotype_core::catalog::prelude::*;`: calling an
/// area's method on an `Arc<dyn Catalog>` needs that area's trait in scope.
pub mod prelude {
    pub use super::{
        AlbumRepo, ApiKeyRepo, AssetRepo, Catalog, CatalogError, CatalogResult, JobRepo,
        NotificationRepo, SessionRepo, SharedLinkRepo, SyncRepo, SystemRepo, TimelineRepo,
        UserRepo,
    };
}
