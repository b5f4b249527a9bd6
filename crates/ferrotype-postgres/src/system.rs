//! Server-wide state (Immich's system_metadata) and the version history.

use async_trait::async_trait;
use ferrotype_core::catalog::CatalogResult;
use ferrotype_core::catalog::SystemRepo;
use ferrotype_core::model::VersionRecord;
use uuid::Uuid;

use crate::{PgCatalog, map_error, now};

/// Serialises `record_version`'s read-then-insert across processes.
const VERSION_LOCK: i64 = 0x6665_7272_0000_0002;

#[async_trait]
impl SystemRepo for PgCatalog {
    async fn system_metadata(&self, key: &str) -> CatalogResult<Option<serde_json::Value>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt("SELECT value FROM system_metadata WHERE key = $1", &[&key])
            .await
            .map_err(map_error)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn set_system_metadata(&self, key: &str, value: &serde_json::Value) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "INSERT INTO system_metadata (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = $2, updated_at = $3",
            &[&key, value, &now()],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn delete_system_metadata(&self, key: &str) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute("DELETE FROM system_metadata WHERE key = $1", &[&key])
            .await
            .map_err(map_error)?;
        Ok(())
    }

    /// Adds `version` to the version history unless it is already the latest entry; returns
    /// whether it was added. Processes starting at once add it once.
    async fn record_version(&self, version: &str) -> CatalogResult<bool> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&VERSION_LOCK])
            .await
            .map_err(map_error)?;
        let latest: Option<String> = tx
            .query_opt(
                "SELECT version FROM version_history ORDER BY created_at DESC LIMIT 1",
                &[],
            )
            .await
            .map_err(map_error)?
            .map(|r| r.get(0));
        if latest.as_deref() == Some(version) {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO version_history (id, created_at, version) VALUES ($1, $2, $3)",
            &[&Uuid::new_v4(), &now(), &version],
        )
        .await
        .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(true)
    }

    /// The versions this server has run, newest first.
    async fn version_history(&self) -> CatalogResult<Vec<VersionRecord>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT id, created_at, version FROM version_history ORDER BY created_at DESC",
                &[],
            )
            .await
            .map_err(map_error)?;
        Ok(rows
            .iter()
            .map(|r| VersionRecord {
                id: r.get(0),
                created_at: r.get(1),
                version: r.get(2),
            })
            .collect())
    }
}
