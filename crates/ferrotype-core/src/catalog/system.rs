//! Server-wide state (Immich's `system_metadata`): JSON values by key, see
//! `system_config::keys`; and the versions this server has run.

use async_trait::async_trait;

use super::CatalogResult;
use crate::model::VersionRecord;

#[async_trait]
pub trait SystemRepo: Send + Sync {
    async fn system_metadata(&self, key: &str) -> CatalogResult<Option<serde_json::Value>>;
    async fn set_system_metadata(&self, key: &str, value: &serde_json::Value) -> CatalogResult<()>;
    async fn delete_system_metadata(&self, key: &str) -> CatalogResult<()>;
    /// Adds `version` to the version history unless it is already the latest entry; returns
    /// whether it was added.
    async fn record_version(&self, version: &str) -> CatalogResult<bool>;
    /// The versions this server has run, newest first.
    async fn version_history(&self) -> CatalogResult<Vec<VersionRecord>>;
}
