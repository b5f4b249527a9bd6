//! Stacks (`stacks`, migration 0021): the merge of `create_stack` in one transaction; the
//! triggers of the migration keep a stack at two assets or more and its primary a member.

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{CatalogResult, Shot, Stack, StackRepo, StackSummary};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::assets::{ASSET_COLUMN_COUNT, ASSET_COLUMNS, asset_at};
use super::{SqliteCatalog, parse_ts, parse_uuid, ts};

const STACK_COLUMNS: &str = "s.id, s.owner_id, s.primary_asset_id, s.created_at, s.updated_at";

/// The stack's row, its members still to read.
fn stack_at(r: &Row<'_>) -> rusqlite::Result<Stack> {
    Ok(Stack {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        owner_id: parse_uuid(&r.get::<_, String>(1)?)?,
        primary_asset_id: parse_uuid(&r.get::<_, String>(2)?)?,
        created_at: parse_ts(&r.get::<_, String>(3)?)?,
        updated_at: parse_ts(&r.get::<_, String>(4)?)?,
        asset_ids: Vec::new(),
    })
}

/// Fills in the members Immich lists: outside the trash, on the timeline or archived.
fn with_members(conn: &Connection, mut stack: Stack) -> rusqlite::Result<Stack> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM assets
         WHERE stack_id = ?1 AND deleted_at IS NULL AND visibility IN ('timeline', 'archive')
         ORDER BY id = ?2 DESC, local_date_time, id",
    )?;
    let ids = stmt.query_map(
        params![stack.id.to_string(), stack.primary_asset_id.to_string()],
        |r| parse_uuid(&r.get::<_, String>(0)?),
    )?;
    stack.asset_ids = ids.collect::<rusqlite::Result<_>>()?;
    Ok(stack)
}

fn one(conn: &Connection, id: Uuid) -> rusqlite::Result<Option<Stack>> {
    let stack = conn
        .prepare_cached(&format!(
            "SELECT {STACK_COLUMNS} FROM stacks s WHERE s.id = ?1"
        ))?
        .query_row([id.to_string()], stack_at)
        .optional()?;
    stack.map(|s| with_members(conn, s)).transpose()
}

fn create(conn: &mut Connection, owner: Uuid, asset_ids: &[Uuid]) -> rusqlite::Result<Stack> {
    let tx = conn.transaction()?;
    let mut members: Vec<String> = Vec::new();
    for id in asset_ids.iter().map(Uuid::to_string) {
        if !members.contains(&id) {
            members.push(id);
        }
    }
    let primary = members.first().cloned().unwrap_or_default();
    // Stacks headed by one of the assets are merged: all their assets join.
    let merged: Vec<String> = {
        let mut stmt = tx.prepare_cached(
            "SELECT id FROM stacks WHERE owner_id = ?1 AND primary_asset_id = ?2",
        )?;
        let mut merged = Vec::new();
        for id in &members {
            if let Some(stack) = stmt
                .query_row(params![owner.to_string(), id], |r| r.get::<_, String>(0))
                .optional()?
            {
                merged.push(stack);
            }
        }
        merged
    };
    for stack in &merged {
        let mut stmt = tx.prepare_cached("SELECT id FROM assets WHERE stack_id = ?1")?;
        let ids = stmt
            .query_map([stack], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for id in ids {
            if !members.contains(&id) {
                members.push(id);
            }
        }
        tx.execute("DELETE FROM stacks WHERE id = ?1", [stack])?;
    }
    let id = Uuid::new_v4();
    let now = ts(&Utc::now());
    tx.execute(
        "INSERT INTO stacks (id, owner_id, primary_asset_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![id.to_string(), owner.to_string(), primary, now],
    )?;
    {
        let mut stmt = tx.prepare_cached(
            "UPDATE assets SET stack_id = ?1, updated_at = ?2 WHERE id = ?3 AND owner_id = ?4",
        )?;
        for member in &members {
            stmt.execute(params![id.to_string(), now, member, owner.to_string()])?;
        }
    }
    let stack = one(&tx, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    tx.commit()?;
    Ok(stack)
}

#[async_trait]
impl StackRepo for SqliteCatalog {
    async fn stacks(
        &self,
        owner_id: Uuid,
        primary_asset_id: Option<Uuid>,
    ) -> CatalogResult<Vec<Stack>> {
        self.read(move |conn| {
            let stacks = conn
                .prepare_cached(&format!(
                    "SELECT {STACK_COLUMNS} FROM stacks s
                     WHERE s.owner_id = ?1 AND (?2 IS NULL OR s.primary_asset_id = ?2)
                     ORDER BY s.created_at, s.id"
                ))?
                .query_map(
                    params![
                        owner_id.to_string(),
                        primary_asset_id.map(|a| a.to_string())
                    ],
                    stack_at,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            stacks.into_iter().map(|s| with_members(conn, s)).collect()
        })
        .await
    }

    async fn stack(&self, id: Uuid) -> CatalogResult<Option<Stack>> {
        self.read(move |conn| one(conn, id)).await
    }

    async fn create_stack(&self, owner_id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<Stack> {
        let asset_ids = asset_ids.to_vec();
        self.write(move |conn| create(conn, owner_id, &asset_ids))
            .await
    }

    async fn set_stack_primary(
        &self,
        id: Uuid,
        primary_asset_id: Uuid,
    ) -> CatalogResult<Option<Stack>> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "UPDATE stacks SET primary_asset_id = ?2, updated_at = ?3
                 WHERE id = ?1 AND primary_asset_id != ?2
                   AND EXISTS (SELECT 1 FROM assets WHERE id = ?2 AND stack_id = ?1)",
                params![
                    id.to_string(),
                    primary_asset_id.to_string(),
                    ts(&Utc::now())
                ],
            )?;
            let stack = one(&tx, id)?;
            tx.commit()?;
            Ok(stack)
        })
        .await
    }

    async fn delete_stacks(&self, ids: &[Uuid]) -> CatalogResult<()> {
        let ids = ids.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            for id in &ids {
                tx.execute("DELETE FROM stacks WHERE id = ?1", [id.to_string()])?;
            }
            tx.commit()
        })
        .await
    }

    async fn leave_stack(&self, asset_id: Uuid) -> CatalogResult<()> {
        self.write(move |conn| {
            conn.execute(
                "UPDATE assets SET stack_id = NULL, updated_at = ?2
                 WHERE id = ?1 AND stack_id IS NOT NULL",
                params![asset_id.to_string(), ts(&Utc::now())],
            )?;
            Ok(())
        })
        .await
    }

    async fn stack_summary(&self, id: Uuid) -> CatalogResult<Option<StackSummary>> {
        self.read(move |conn| {
            conn.prepare_cached(
                "SELECT s.id, s.primary_asset_id, 1 + (SELECT count(*) FROM assets m
                    WHERE m.stack_id = s.id AND m.id != s.primary_asset_id
                      AND m.deleted_at IS NULL AND m.visibility = 'timeline')
                 FROM stacks s WHERE s.id = ?1",
            )?
            .query_row([id.to_string()], |r| {
                Ok(StackSummary {
                    id: parse_uuid(&r.get::<_, String>(0)?)?,
                    primary_asset_id: parse_uuid(&r.get::<_, String>(1)?)?,
                    asset_count: r.get(2)?,
                })
            })
            .optional()
        })
        .await
    }

    async fn shots_in_same_second(&self, asset_id: Uuid) -> CatalogResult<Vec<Shot>> {
        self.read(move |conn| {
            // Capture times are stored as UTC text (`...T10:11:12.345Z`): the second's range is
            // its first 19 characters up to anything after them, through the capture time's index.
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ASSET_COLUMNS}, e.make, e.model
                 FROM asset_exif me JOIN assets mine ON mine.id = me.asset_id
                 JOIN asset_exif e
                   ON e.date_time_original >= substr(me.date_time_original, 1, 19)
                  AND e.date_time_original < substr(me.date_time_original, 1, 19) || '~'
                 JOIN assets a ON a.id = e.asset_id AND a.owner_id = mine.owner_id
                 WHERE me.asset_id = ?1 AND a.type = 'IMAGE' AND a.deleted_at IS NULL
                 ORDER BY a.original_file_name, a.id"
            ))?;
            let rows = stmt.query_map([asset_id.to_string()], |r| {
                Ok(Shot {
                    asset: asset_at(r)?,
                    make: r.get(ASSET_COLUMN_COUNT)?,
                    model: r.get(ASSET_COLUMN_COUNT + 1)?,
                })
            })?;
            rows.collect()
        })
        .await
    }
}
