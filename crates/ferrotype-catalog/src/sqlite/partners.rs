//! Partners (`partners` table, migration 0015): each row with both users read in the same query.

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{CatalogError, CatalogResult, PartnerRepo};
use ferrotype_core::model::Partner;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::users::{USER_COLUMNS, user_at};
use super::{SqliteCatalog, parse_ts, ts};

/// `USER_COLUMNS` of the sharer (`u`) and of the partner (`w`), then the partnership's own.
fn select() -> String {
    let with = USER_COLUMNS.replace("u.", "w.");
    format!(
        "SELECT {USER_COLUMNS}, {with}, p.in_timeline, p.created_at
         FROM partners p
         JOIN users u ON u.id = p.shared_by_id AND u.deleted_at IS NULL
         JOIN users w ON w.id = p.shared_with_id AND w.deleted_at IS NULL"
    )
}

fn partner_at(r: &Row<'_>) -> rusqlite::Result<Partner> {
    Ok(Partner {
        shared_by: user_at(r, 0)?,
        shared_with: user_at(r, 17)?,
        in_timeline: r.get(34)?,
        created_at: parse_ts(&r.get::<_, String>(35)?)?,
    })
}

fn one(conn: &Connection, by: Uuid, with: Uuid) -> rusqlite::Result<Option<Partner>> {
    conn.prepare_cached(&format!(
        "{} WHERE p.shared_by_id = ?1 AND p.shared_with_id = ?2",
        select()
    ))?
    .query_row(params![by.to_string(), with.to_string()], partner_at)
    .optional()
}

enum Created {
    Made(Box<Partner>),
    Exists,
    NoUser,
}

#[async_trait]
impl PartnerRepo for SqliteCatalog {
    async fn partners_of(&self, user_id: Uuid) -> CatalogResult<Vec<Partner>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{} WHERE p.shared_by_id = ?1 OR p.shared_with_id = ?1
                 ORDER BY p.created_at, p.create_id",
                select()
            ))?;
            let rows = stmt.query_map([user_id.to_string()], partner_at)?;
            rows.collect()
        })
        .await
    }

    async fn partner(&self, shared_by: Uuid, shared_with: Uuid) -> CatalogResult<Option<Partner>> {
        self.read(move |conn| one(conn, shared_by, shared_with))
            .await
    }

    async fn create_partner(&self, shared_by: Uuid, shared_with: Uuid) -> CatalogResult<Partner> {
        let created = self
            .write(move |conn| {
                let tx = conn.transaction()?;
                let users: i64 = tx.query_row(
                    "SELECT COUNT(*) FROM users WHERE id IN (?1, ?2)",
                    params![shared_by.to_string(), shared_with.to_string()],
                    |r| r.get(0),
                )?;
                let wanted = if shared_by == shared_with { 1 } else { 2 };
                if users < wanted {
                    return Ok(Created::NoUser);
                }
                let now = ts(&Utc::now());
                let inserted = tx.execute(
                    "INSERT INTO partners
                        (shared_by_id, shared_with_id, in_timeline, created_at, updated_at, create_id)
                     VALUES (?1, ?2, 0, ?3, ?3, uuid7())
                     ON CONFLICT (shared_by_id, shared_with_id) DO NOTHING",
                    params![shared_by.to_string(), shared_with.to_string(), now],
                )?;
                if inserted == 0 {
                    return Ok(Created::Exists);
                }
                let partner = one(&tx, shared_by, shared_with)?;
                tx.commit()?;
                Ok(partner.map_or(Created::NoUser, |p| Created::Made(Box::new(p))))
            })
            .await?;
        match created {
            Created::Made(partner) => Ok(*partner),
            Created::Exists => Err(CatalogError::Conflict("partner already exists".into())),
            Created::NoUser => Err(CatalogError::NotFound("user".into())),
        }
    }

    async fn update_partner(
        &self,
        shared_by: Uuid,
        shared_with: Uuid,
        in_timeline: bool,
    ) -> CatalogResult<Option<Partner>> {
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE partners SET in_timeline = ?3, updated_at = ?4
                 WHERE shared_by_id = ?1 AND shared_with_id = ?2",
                params![
                    shared_by.to_string(),
                    shared_with.to_string(),
                    in_timeline,
                    ts(&Utc::now())
                ],
            )?;
            if changed == 0 {
                return Ok(None);
            }
            one(conn, shared_by, shared_with)
        })
        .await
    }

    async fn remove_partner(&self, shared_by: Uuid, shared_with: Uuid) -> CatalogResult<bool> {
        self.write(move |conn| {
            Ok(conn.execute(
                "DELETE FROM partners WHERE shared_by_id = ?1 AND shared_with_id = ?2",
                params![shared_by.to_string(), shared_with.to_string()],
            )? > 0)
        })
        .await
    }
}
