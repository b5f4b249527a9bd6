//! Messages between the processes of one install: live events for the sockets connected to
//! another API process, "the system config changed" for every process to reload it. The catalog
//! carries them because it is the one thing every process shares (PostgreSQL's NOTIFY; within
//! the one SQLite process, a channel).

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::CatalogResult;

/// What crosses the bus, as JSON (`to_text`, `parse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum BusMessage {
    /// A socket.io event for a room (a user's or a session's id), or for everyone; `data` is
    /// its one argument (none when absent); `disconnect` then disconnects the room's sockets.
    Emit {
        room: Option<String>,
        event: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<Value>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        disconnect: bool,
    },
    /// The system config changed: every process reads it again, every socket hears
    /// `on_config_update`.
    ConfigChanged,
    /// An uploaded asset is ready to show (its thumbnails exist): each process tells its own
    /// sockets of the owner, with the asset as it reads it then. Sent by the thumbnail job's
    /// last write, from its transaction (`JobEnd::announce`), so that it goes out exactly when
    /// the job is done, even if the worker dies right after.
    UploadReady { asset: Uuid },
    /// Maintenance mode was turned on or off (`ferrotype_core::maintenance`): every process
    /// reads the stored state again.
    MaintenanceChanged,
}

impl BusMessage {
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("a bus message is plain JSON")
    }

    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

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
