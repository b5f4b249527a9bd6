//! Messages between the processes of one install: live events for the sockets connected to
//! another API process, "the system config changed" for every process to reload it. The catalog
//! carries them because it is the one thing every process shares (PostgreSQL's NOTIFY; within
//! the one SQLite process, a channel).

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::broadcast;

use super::CatalogResult;

/// How many messages a subscriber may fall behind before it loses the oldest.
pub const BUS_BACKLOG: usize = 1024;

#[async_trait]
pub trait BusRepo: Send + Sync {
    /// Sends `message` to every subscriber of every process on this catalog, this process's
    /// included. At most once (a subscriber that was not listening, or lagged more than
    /// `BUS_BACKLOG` behind, misses it); in order for one publisher. Any length.
    async fn publish(&self, message: &str) -> CatalogResult<()>;
    /// The messages published from now on (once this returns, nothing published later is
    /// missed while the backend stays reachable).
    async fn subscribe(&self) -> CatalogResult<broadcast::Receiver<Arc<str>>>;
}
