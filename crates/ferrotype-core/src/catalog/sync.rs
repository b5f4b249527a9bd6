//! The mobile app's sync stream and the per-session checkpoints it acknowledges.

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use super::SyncSink;
use crate::sync::SyncQuery;

#[async_trait]
pub trait SyncRepo: Send + Sync {
    /// Streams, from one snapshot, every row of the requested types changed after the query's
    /// checkpoints: per type deletes first, then upserts, each in `update_id` order. Returns the
    /// cursor that stands for "now" (the `SyncCompleteV1` ack).
    async fn stream_sync(&self, query: SyncQuery, sink: SyncSink) -> CatalogResult<String>;
    /// The session's checkpoints: (entity type, ack).
    async fn sync_checkpoints(&self, session_id: Uuid) -> CatalogResult<Vec<(String, String)>>;
    /// Stores acks (entity type, ack), replacing the previous one of each type.
    async fn set_sync_checkpoints(
        &self,
        session_id: Uuid,
        acks: &[(String, String)],
    ) -> CatalogResult<()>;
    /// Deletes the session's checkpoints of these types (all when `None`); deleting all also
    /// clears a pending reset.
    async fn delete_sync_checkpoints(
        &self,
        session_id: Uuid,
        types: Option<&[String]>,
    ) -> CatalogResult<()>;
    /// Whether the session must start its sync over (`SyncResetV1`).
    async fn sync_reset_pending(&self, session_id: Uuid) -> CatalogResult<bool>;
}
