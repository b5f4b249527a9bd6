//! Notifications shown to a user in the web app.

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use crate::model::Timestamp;
use crate::notifications::{Notification, NotificationFilter};

#[async_trait]
pub trait NotificationRepo: Send + Sync {
    async fn create_notification(&self, notification: &Notification) -> CatalogResult<()>;
    /// The user's notifications that match and are not deleted, newest first.
    async fn notifications_of(
        &self,
        user_id: Uuid,
        filter: &NotificationFilter,
    ) -> CatalogResult<Vec<Notification>>;
    /// One notification, deleted or not.
    async fn notification(&self, id: Uuid) -> CatalogResult<Option<Notification>>;
    /// Those of `ids` that belong to the user (deleted ones too): Immich's access check.
    async fn notifications_owned(&self, user_id: Uuid, ids: &[Uuid]) -> CatalogResult<Vec<Uuid>>;
    /// Sets (or, with `None`, clears) when these notifications were read; deleted ones are left
    /// alone. Returns how many changed.
    async fn set_notifications_read(
        &self,
        ids: &[Uuid],
        read_at: Option<Timestamp>,
    ) -> CatalogResult<u64>;
    /// Marks these notifications deleted (they leave every listing at once).
    async fn delete_notifications(&self, ids: &[Uuid]) -> CatalogResult<u64>;
    /// Deletes for good what `notifications::retention` no longer keeps; returns how many.
    async fn purge_notifications(&self, now: Timestamp) -> CatalogResult<u64>;
}
