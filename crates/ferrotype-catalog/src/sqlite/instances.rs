//! The processes working on the catalog (`server_instances`, migration 0016).

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{CatalogResult, INSTANCE_TIMEOUT, InstanceRepo};
use rusqlite::params;
use uuid::Uuid;

use super::{SqliteCatalog, parse_uuid, ts};

/// The condition "the instance `column` names is alive": seen since `?1`.
pub(super) fn alive(column: &str) -> String {
    format!("EXISTS (SELECT 1 FROM server_instances s WHERE s.id = {column} AND s.seen_at > ?1)")
}

/// The time before which an instance not seen since is gone.
pub(super) fn gone_before() -> String {
    ts(&(Utc::now() - chrono::Duration::from_std(INSTANCE_TIMEOUT).unwrap_or_default()))
}

#[async_trait]
impl InstanceRepo for SqliteCatalog {
    fn instance_id(&self) -> Uuid {
        self.inner.instance
    }

    async fn heartbeat(&self, role: &str) -> CatalogResult<()> {
        let (id, role) = (self.inner.instance.to_string(), role.to_string());
        let refresh = {
            let mut at = self.inner.statistics_at.lock().unwrap();
            let due = at.elapsed() >= super::STATISTICS_EVERY;
            if due {
                *at = std::time::Instant::now();
            }
            due
        };
        self.write(move |conn| {
            if refresh {
                super::refresh_statistics(conn, false)?;
            }
            let now = Utc::now();
            conn.execute(
                "INSERT INTO server_instances (id, role, started_at, seen_at)
                 VALUES (?1, ?2, ?3, ?3)
                 ON CONFLICT (id) DO UPDATE SET role = excluded.role, seen_at = excluded.seen_at",
                params![id, role, ts(&now)],
            )?;
            conn.execute(
                "DELETE FROM server_instances WHERE seen_at < ?1",
                [ts(&(now - chrono::Duration::days(1)))],
            )?;
            Ok(())
        })
        .await
    }

    async fn forget_instance(&self) -> CatalogResult<()> {
        let id = self.inner.instance.to_string();
        self.write(move |conn| {
            conn.execute("DELETE FROM server_instances WHERE id = ?1", [id])?;
            Ok(())
        })
        .await
    }

    async fn forget_other_instances(&self) -> CatalogResult<()> {
        let id = self.inner.instance.to_string();
        self.write(move |conn| {
            conn.execute("DELETE FROM server_instances WHERE id <> ?1", [id])?;
            Ok(())
        })
        .await
    }

    async fn live_instances(&self) -> CatalogResult<Vec<(Uuid, String)>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, role FROM server_instances WHERE seen_at > ?1 ORDER BY started_at",
            )?;
            let rows = stmt.query_map([gone_before()], |r| {
                Ok((parse_uuid(&r.get::<_, String>(0)?)?, r.get(1)?))
            })?;
            rows.collect()
        })
        .await
    }
}
