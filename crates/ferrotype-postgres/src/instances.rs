//! The processes working on the database (`server_instances`, migration 0004).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ferrotype_core::catalog::{CatalogResult, INSTANCE_TIMEOUT, InstanceRepo};
use uuid::Uuid;

use crate::{PgCatalog, map_error, now};

/// The condition "the instance `column` names is alive": seen since `$1`.
pub(crate) fn alive(column: &str) -> String {
    format!("EXISTS (SELECT 1 FROM server_instances s WHERE s.id = {column} AND s.seen_at > $1)")
}

/// The time before which an instance not seen since is gone.
pub(crate) fn gone_before() -> DateTime<Utc> {
    now() - chrono::Duration::from_std(INSTANCE_TIMEOUT).unwrap_or_default()
}

#[async_trait]
impl InstanceRepo for PgCatalog {
    fn instance_id(&self) -> Uuid {
        self.instance
    }

    async fn heartbeat(&self, role: &str) -> CatalogResult<()> {
        let conn = self.conn().await?;
        let now = now();
        conn.execute(
            "INSERT INTO server_instances (id, role, started_at, seen_at) VALUES ($1, $2, $3, $3)
             ON CONFLICT (id) DO UPDATE SET role = excluded.role, seen_at = excluded.seen_at",
            &[&self.instance, &role, &now],
        )
        .await
        .map_err(map_error)?;
        conn.execute(
            "DELETE FROM server_instances WHERE seen_at < $1",
            &[&(now - chrono::Duration::days(1))],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn forget_instance(&self) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "DELETE FROM server_instances WHERE id = $1",
            &[&self.instance],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn forget_other_instances(&self) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "DELETE FROM server_instances WHERE id <> $1",
            &[&self.instance],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn live_instances(&self) -> CatalogResult<Vec<(Uuid, String)>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT id, role FROM server_instances WHERE seen_at > $1 ORDER BY started_at",
                &[&gone_before()],
            )
            .await
            .map_err(map_error)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }
}
