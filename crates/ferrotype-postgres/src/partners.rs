//! Partners (`partners`, migration 0002): each row with both users read in the same query.

use async_trait::async_trait;
use ferrotype_core::catalog::{CatalogError, CatalogResult, PartnerRepo};
use ferrotype_core::model::Partner;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::users::{USER_COLUMNS, user_at};
use crate::{PgCatalog, map_error, now};

/// `USER_COLUMNS` of the sharer (`u`) and of the partner (`w`), then the partnership's own.
fn select(condition: &str) -> String {
    let with = USER_COLUMNS.replace("u.", "w.");
    format!(
        "SELECT {USER_COLUMNS}, {with}, p.in_timeline, p.created_at
         FROM partners p
         JOIN users u ON u.id = p.shared_by_id AND u.deleted_at IS NULL
         JOIN users w ON w.id = p.shared_with_id AND w.deleted_at IS NULL
         WHERE {condition}"
    )
}

fn partner_at(r: &Row) -> CatalogResult<Partner> {
    Ok(Partner {
        shared_by: user_at(r, 0)?,
        shared_with: user_at(r, 17)?,
        in_timeline: r.get(34),
        created_at: r.get(35),
    })
}

impl PgCatalog {
    async fn one_partner(&self, by: Uuid, with: Uuid) -> CatalogResult<Option<Partner>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &select("p.shared_by_id = $1 AND p.shared_with_id = $2"),
                &[&by, &with],
            )
            .await
            .map_err(map_error)?;
        row.map(|r| partner_at(&r)).transpose()
    }
}

#[async_trait]
impl PartnerRepo for PgCatalog {
    async fn partners_of(&self, user_id: Uuid) -> CatalogResult<Vec<Partner>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "{} ORDER BY p.created_at, p.create_id",
                    select("p.shared_by_id = $1 OR p.shared_with_id = $1")
                ),
                &[&user_id],
            )
            .await
            .map_err(map_error)?;
        rows.iter().map(partner_at).collect()
    }

    async fn partner(&self, shared_by: Uuid, shared_with: Uuid) -> CatalogResult<Option<Partner>> {
        self.one_partner(shared_by, shared_with).await
    }

    async fn create_partner(&self, shared_by: Uuid, shared_with: Uuid) -> CatalogResult<Partner> {
        let conn = self.conn().await?;
        let users: i64 = conn
            .query_one(
                "SELECT count(*) FROM users WHERE id = $1 OR id = $2",
                &[&shared_by, &shared_with],
            )
            .await
            .map_err(map_error)?
            .get(0);
        let wanted = if shared_by == shared_with { 1 } else { 2 };
        if users < wanted {
            return Err(CatalogError::NotFound("user".into()));
        }
        let now = now();
        let params: [&(dyn ToSql + Sync); 3] = [&shared_by, &shared_with, &now];
        let inserted = match conn
            .execute(
                "INSERT INTO partners (shared_by_id, shared_with_id, created_at, updated_at)
                 VALUES ($1, $2, $3, $3)
                 ON CONFLICT (shared_by_id, shared_with_id) DO NOTHING",
                &params,
            )
            .await
        {
            Ok(n) => n,
            // A user deleted for good meanwhile.
            Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION) => {
                return Err(CatalogError::NotFound("user".into()));
            }
            Err(e) => return Err(map_error(e)),
        };
        if inserted == 0 {
            return Err(CatalogError::Conflict("partner already exists".into()));
        }
        drop(conn);
        self.one_partner(shared_by, shared_with)
            .await?
            .ok_or_else(|| CatalogError::NotFound("user".into()))
    }

    async fn update_partner(
        &self,
        shared_by: Uuid,
        shared_with: Uuid,
        in_timeline: bool,
    ) -> CatalogResult<Option<Partner>> {
        let conn = self.conn().await?;
        let changed = conn
            .execute(
                "UPDATE partners SET in_timeline = $3, updated_at = $4
                 WHERE shared_by_id = $1 AND shared_with_id = $2",
                &[&shared_by, &shared_with, &in_timeline, &now()],
            )
            .await
            .map_err(map_error)?;
        drop(conn);
        if changed == 0 {
            return Ok(None);
        }
        self.one_partner(shared_by, shared_with).await
    }

    async fn remove_partner(&self, shared_by: Uuid, shared_with: Uuid) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let removed = conn
            .execute(
                "DELETE FROM partners WHERE shared_by_id = $1 AND shared_with_id = $2",
                &[&shared_by, &shared_with],
            )
            .await
            .map_err(map_error)?;
        Ok(removed > 0)
    }
}
