//! Album activity (Immich's `activity`): comments and likes by an album's owner and members, on
//! the album itself or on one of its assets. The records live here, beside their port, as the
//! area is self-contained.

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use crate::model::{Timestamp, User};

/// What an activity says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reaction {
    /// A comment, never empty (the API refuses blank ones).
    Comment(String),
    /// A like: at most one per user on the album, and one per user on each of its assets.
    Like,
}

impl Reaction {
    pub fn is_like(&self) -> bool {
        matches!(self, Reaction::Like)
    }

    pub fn comment(&self) -> Option<&str> {
        match self {
            Reaction::Comment(text) => Some(text),
            Reaction::Like => None,
        }
    }
}

/// A comment or a like, with its author.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub id: Uuid,
    pub album_id: Uuid,
    /// `None` for an activity on the album itself.
    pub asset_id: Option<Uuid>,
    pub user: User,
    pub reaction: Reaction,
    pub created_at: Timestamp,
}

/// An activity to record, by `user_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewActivity {
    pub album_id: Uuid,
    pub asset_id: Option<Uuid>,
    pub user_id: Uuid,
    pub reaction: Reaction,
}

/// What `create_activity` did.
#[derive(Debug, Clone, PartialEq)]
pub enum ActivityCreated {
    /// A new activity.
    New(Activity),
    /// The user's like was already there: that one (Immich answers it with 200, not 201).
    ExistingLike(Activity),
}

/// Which activities of an album, by where they were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityPlace {
    /// On the album and on any of its assets.
    Anywhere,
    /// On the album itself (Immich's `level=album`).
    Album,
    /// On this asset.
    Asset(Uuid),
}

/// A listing of an album's activities (Immich's `ActivitySearch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityFilter {
    pub album_id: Uuid,
    pub place: ActivityPlace,
    /// Only this author's.
    pub user_id: Option<Uuid>,
    /// Only likes (`Some(true)`) or only comments (`Some(false)`).
    pub likes: Option<bool>,
}

impl ActivityFilter {
    /// Everything on the album.
    pub fn album(album_id: Uuid) -> Self {
        ActivityFilter {
            album_id,
            place: ActivityPlace::Anywhere,
            user_id: None,
            likes: None,
        }
    }
}

/// How many comments and likes (Immich's `ActivityStatisticsResponseDto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ActivityStatistics {
    pub comments: i64,
    pub likes: i64,
}

#[async_trait]
pub trait ActivityRepo: Send + Sync {
    /// The album's activities that match, oldest first; those of deleted users and of assets in
    /// the trash are left out (as Immich lists them).
    async fn activities(&self, filter: ActivityFilter) -> CatalogResult<Vec<Activity>>;
    /// One activity, whoever wrote it (deleted or not): for the access check of a delete.
    async fn activity(&self, id: Uuid) -> CatalogResult<Option<Activity>>;
    /// Records an activity; a like the user already gave there is answered with that like, in
    /// the same transaction, so two likes at once make one. `NotFound` when the album does not
    /// exist, or the asset is not in it.
    async fn create_activity(&self, activity: &NewActivity) -> CatalogResult<ActivityCreated>;
    /// Whether there was such an activity.
    async fn delete_activity(&self, id: Uuid) -> CatalogResult<bool>;
    /// Comments and likes on the album (and its assets), or on one of its assets, leaving out
    /// those of deleted users and of assets in the trash or the locked folder (as Immich counts).
    async fn activity_statistics(
        &self,
        album_id: Uuid,
        asset_id: Option<Uuid>,
    ) -> CatalogResult<ActivityStatistics>;
}
