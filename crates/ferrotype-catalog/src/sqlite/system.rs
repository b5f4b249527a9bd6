//! Server-wide state and the version history: `SystemRepo` for SQLite.

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{CatalogResult, SystemRepo};
use ferrotype_core::model::*;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::{SqliteCatalog, parse_ts, parse_uuid, ts};

#[async_trait]
impl SystemRepo for SqliteCatalog {
    async fn system_metadata(&self, key: &str) -> CatalogResult<Option<serde_json::Value>> {
        let key = key.to_string();
        self.read(move |conn| {
            let raw: Option<String> = conn
                .query_row(
                    "SELECT value FROM system_metadata WHERE key = ?1",
                    [key],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
        })
        .await
    }

    async fn set_system_metadata(&self, key: &str, value: &serde_json::Value) -> CatalogResult<()> {
        let key = key.to_string();
        let value = value.to_string();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO system_metadata (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET value = ?2, updated_at = ?3",
                params![key, value, ts(&Utc::now())],
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_system_metadata(&self, key: &str) -> CatalogResult<()> {
        let key = key.to_string();
        self.write(move |conn| {
            conn.execute("DELETE FROM system_metadata WHERE key = ?1", [key])?;
            Ok(())
        })
        .await
    }

    async fn record_version(&self, version: &str) -> CatalogResult<bool> {
        let version = version.to_string();
        self.write(move |conn| {
            let latest: Option<String> = conn
                .query_row(
                    "SELECT version FROM version_history ORDER BY created_at DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            if latest.as_deref() == Some(version.as_str()) {
                return Ok(false);
            }
            conn.execute(
                "INSERT INTO version_history (id, created_at, version) VALUES (?1, ?2, ?3)",
                params![Uuid::new_v4().to_string(), ts(&Utc::now()), version],
            )?;
            Ok(true)
        })
        .await
    }

    async fn version_history(&self) -> CatalogResult<Vec<VersionRecord>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, created_at, version FROM version_history ORDER BY created_at DESC",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(VersionRecord {
                    id: parse_uuid(&r.get::<_, String>(0)?)?,
                    created_at: parse_ts(&r.get::<_, String>(1)?)?,
                    version: r.get(2)?,
                })
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await
    }
}
