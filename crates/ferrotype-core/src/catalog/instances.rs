//! The processes working on one catalog. Work a process leaves half-done when it dies (an
//! upload whose file is in the store but whose row is not, a move of an original) is put
//! right by another process, but only once the first is gone: it may still be finishing it.
//! Each catalog handle is one instance, named when it is opened; it proves it is alive with
//! `heartbeat` every `HEARTBEAT`, and counts as gone `INSTANCE_TIMEOUT` after the last one
//! (or at once after `forget_instance`, a clean stop).

use std::time::Duration;

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;

/// How often a running process says it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// How long after its last heartbeat a process counts as gone.
pub const INSTANCE_TIMEOUT: Duration = Duration::from_secs(60);

#[async_trait]
pub trait InstanceRepo: Send + Sync {
    /// This handle's instance: what its upload intents and moves are recorded under.
    fn instance_id(&self) -> Uuid;
    /// Records this instance as alive now, doing `role` (`api`, `worker`, `all`); forgets
    /// instances gone for a day.
    async fn heartbeat(&self, role: &str) -> CatalogResult<()>;
    /// This instance stopped cleanly: it counts as gone from now on.
    async fn forget_instance(&self) -> CatalogResult<()>;
    /// Every other instance is gone: called by a process that knows it is the catalog's only
    /// one (SQLite's data folder lock), so that a crashed predecessor's work is repaired at
    /// once rather than after its heartbeat runs out.
    async fn forget_other_instances(&self) -> CatalogResult<()>;
    /// The roles of the instances alive now (seen within `INSTANCE_TIMEOUT`), by instance.
    async fn live_instances(&self) -> CatalogResult<Vec<(Uuid, String)>>;
}
