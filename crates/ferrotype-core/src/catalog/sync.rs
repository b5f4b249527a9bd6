//! The mobile app's sync stream and the per-session checkpoints it acknowledges.

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use crate::sync::{SyncEvent, SyncQuery};

/// A sync stream: `SyncEvent::Row`s, then one `SyncEvent::Complete` as the last item when every
/// row was read. An error item ends it (no `Complete` follows, so the client asks again).
/// Dropping it stops the backend's read.
pub type SyncStream =
    std::pin::Pin<Box<dyn futures_core::Stream<Item = CatalogResult<SyncEvent>> + Send>>;

#[async_trait]
pub trait SyncRepo: Send + Sync {
    /// Streams, from one snapshot, every row of the requested types changed after the query's
    /// checkpoints: per type deletes first, then upserts, each in `update_id` order; last, the
    /// cursor that stands for "now" (`SyncEvent::Complete`, the `SyncCompleteV1` ack). The read
    /// runs as the consumer pulls (bounded buffering), so memory stays flat.
    fn stream_sync(&self, query: SyncQuery) -> SyncStream;
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
