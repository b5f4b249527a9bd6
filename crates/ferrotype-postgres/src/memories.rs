//! Memories (`memories`, `memory_assets`, migration 0010), each read with the assets it shows.

use async_trait::async_trait;
use chrono::{Datelike, NaiveDate};
use deadpool_postgres::GenericClient;
use ferrotype_core::catalog::memories::{day_end, day_start, on_this_day_in};
use ferrotype_core::catalog::{
    CatalogResult, Memory, MemoryChange, MemoryOrder, MemoryRepo, MemorySearch, NewMemory,
    ON_THIS_DAY, ON_THIS_DAY_ASSETS,
};
use ferrotype_core::model::Timestamp;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::assets::{ASSET_COLUMNS, asset_at};
use crate::{PgCatalog, map_error, ms, now, opt_ms};

/// A memory's own columns (`m`), in the order `memory_at` reads them.
pub(crate) const MEMORY_COLUMNS: &str = "m.id, m.owner_id, m.type, m.data, m.is_saved, \
    m.memory_at, m.seen_at, m.show_at, m.hide_at, m.created_at, m.updated_at, m.deleted_at";

/// The memory of a row that starts with `MEMORY_COLUMNS`, without its assets.
pub(crate) fn memory_at(r: &Row) -> Memory {
    Memory {
        id: r.get(0),
        owner_id: r.get(1),
        kind: r.get(2),
        data: r.get(3),
        is_saved: r.get(4),
        memory_at: r.get(5),
        seen_at: r.get(6),
        show_at: r.get(7),
        hide_at: r.get(8),
        created_at: r.get(9),
        updated_at: r.get(10),
        deleted_at: r.get(11),
        assets: Vec::new(),
    }
}

/// The memory's assets that are on the timeline and not in the trash, oldest first.
async fn with_assets(client: &impl GenericClient, mut memory: Memory) -> CatalogResult<Memory> {
    let rows = client
        .query(
            &format!(
                "SELECT {ASSET_COLUMNS} FROM memory_assets ma JOIN assets a ON a.id = ma.asset_id
                 WHERE ma.memory_id = $1 AND a.visibility = 'timeline' AND a.deleted_at IS NULL
                 ORDER BY a.file_created_at, a.id"
            ),
            &[&memory.id],
        )
        .await
        .map_err(map_error)?;
    memory.assets = rows.iter().map(asset_at).collect::<CatalogResult<_>>()?;
    Ok(memory)
}

async fn one(client: &impl GenericClient, id: Uuid) -> CatalogResult<Option<Memory>> {
    let row = client
        .query_opt(
            &format!(
                "SELECT {MEMORY_COLUMNS} FROM memories m WHERE m.id = $1 AND m.deleted_at IS NULL"
            ),
            &[&id],
        )
        .await
        .map_err(map_error)?;
    match row {
        Some(r) => Ok(Some(with_assets(client, memory_at(&r)).await?)),
        None => Ok(None),
    }
}

/// The search's filters as a WHERE clause over `m`, with its parameters ($1 to $5).
const SEARCH_WHERE: &str = "m.owner_id = $1
    AND ($2::timestamptz IS NULL OR ((m.show_at IS NULL OR m.show_at <= $2)
                                     AND (m.hide_at IS NULL OR m.hide_at >= $2)))
    AND ($3::boolean IS NULL OR m.is_saved = $3)
    AND ($4::text IS NULL OR m.type = $4)
    AND (CASE WHEN $5 THEN m.deleted_at IS NOT NULL ELSE m.deleted_at IS NULL END)";

/// Inserts a memory and its assets (each once), in the caller's transaction.
async fn insert(
    client: &impl GenericClient,
    memory: &NewMemory,
    asset_ids: &[Uuid],
) -> CatalogResult<Uuid> {
    let id = Uuid::new_v4();
    let at = now();
    let params: [&(dyn ToSql + Sync); 10] = [
        &id,
        &memory.owner_id,
        &memory.kind,
        &memory.data,
        &memory.is_saved,
        &ms(&memory.memory_at),
        &opt_ms(&memory.seen_at),
        &opt_ms(&memory.show_at),
        &opt_ms(&memory.hide_at),
        &at,
    ];
    client
        .execute(
            "INSERT INTO memories (id, owner_id, type, data, is_saved, memory_at, seen_at, show_at,
                hide_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
            &params,
        )
        .await
        .map_err(map_error)?;
    client
        .execute(
            "INSERT INTO memory_assets (memory_id, asset_id, created_at)
             SELECT $1, a, $3 FROM unnest($2::uuid[]) AS a ON CONFLICT DO NOTHING",
            &[&id, &asset_ids, &at],
        )
        .await
        .map_err(map_error)?;
    Ok(id)
}

async fn touch(client: &impl GenericClient, id: Uuid) -> CatalogResult<()> {
    client
        .execute(
            "UPDATE memories SET updated_at = $2 WHERE id = $1",
            &[&id, &now()],
        )
        .await
        .map_err(map_error)?;
    Ok(())
}

/// Serialises the "on this day" generation of one user (with the user's id as the second key),
/// so that two runs at once make each memory once.
const ON_THIS_DAY_LOCK: i32 = 0x6d65_6d6f; // "memo"

#[async_trait]
impl MemoryRepo for PgCatalog {
    async fn memories(&self, search: &MemorySearch) -> CatalogResult<Vec<Memory>> {
        let order = match search.order {
            MemoryOrder::Asc => "m.memory_at ASC",
            MemoryOrder::Desc => "m.memory_at DESC",
            MemoryOrder::Random => "random()",
        };
        let limit = search.size.map(|s| s.min(i64::MAX as u64) as i64);
        let shown = opt_ms(&search.shown_at);
        let params: [&(dyn ToSql + Sync); 6] = [
            &search.owner_id,
            &shown,
            &search.is_saved,
            &search.kind,
            &search.trashed,
            &limit,
        ];
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT {MEMORY_COLUMNS} FROM memories m WHERE {SEARCH_WHERE}
                     ORDER BY {order} LIMIT $6"
                ),
                &params,
            )
            .await
            .map_err(map_error)?;
        let mut memories = Vec::with_capacity(rows.len());
        for row in &rows {
            memories.push(with_assets(&conn, memory_at(row)).await?);
        }
        Ok(memories)
    }

    async fn memory_count(&self, search: &MemorySearch) -> CatalogResult<u64> {
        let shown = opt_ms(&search.shown_at);
        let params: [&(dyn ToSql + Sync); 5] = [
            &search.owner_id,
            &shown,
            &search.is_saved,
            &search.kind,
            &search.trashed,
        ];
        let conn = self.conn().await?;
        let n: i64 = conn
            .query_one(
                &format!("SELECT count(*) FROM memories m WHERE {SEARCH_WHERE}"),
                &params,
            )
            .await
            .map_err(map_error)?
            .get(0);
        Ok(n as u64)
    }

    async fn memory(&self, id: Uuid) -> CatalogResult<Option<Memory>> {
        let conn = self.conn().await?;
        one(&conn, id).await
    }

    async fn create_memory(&self, memory: &NewMemory, asset_ids: &[Uuid]) -> CatalogResult<Memory> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let id = insert(&tx, memory, asset_ids).await?;
        let made = one(&tx, id).await?;
        tx.commit().await.map_err(map_error)?;
        made.ok_or_else(|| ferrotype_core::catalog::CatalogError::NotFound(format!("memory {id}")))
    }

    async fn update_memory(
        &self,
        id: Uuid,
        change: &MemoryChange,
    ) -> CatalogResult<Option<Memory>> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let seen = opt_ms(&change.seen_at);
        let at = opt_ms(&change.memory_at);
        let params: [&(dyn ToSql + Sync); 5] = [&id, &change.is_saved, &seen, &at, &now()];
        let changed = tx
            .execute(
                "UPDATE memories SET is_saved = COALESCE($2, is_saved),
                    seen_at = COALESCE($3, seen_at), memory_at = COALESCE($4, memory_at),
                    updated_at = $5
                 WHERE id = $1",
                &params,
            )
            .await
            .map_err(map_error)?;
        let memory = if changed > 0 {
            one(&tx, id).await?
        } else {
            None
        };
        tx.commit().await.map_err(map_error)?;
        Ok(memory)
    }

    async fn delete_memory(&self, id: Uuid) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let deleted = conn
            .execute("DELETE FROM memories WHERE id = $1", &[&id])
            .await
            .map_err(map_error)?;
        Ok(deleted > 0)
    }

    async fn memory_asset_ids(&self, id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<Vec<Uuid>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT asset_id FROM memory_assets WHERE memory_id = $1 AND asset_id = ANY($2)",
                &[&id, &asset_ids],
            )
            .await
            .map_err(map_error)?;
        let present: std::collections::HashSet<Uuid> = rows.iter().map(|r| r.get(0)).collect();
        Ok(asset_ids
            .iter()
            .filter(|a| present.contains(a))
            .copied()
            .collect())
    }

    async fn add_memory_assets(&self, id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let added = tx
            .execute(
                "INSERT INTO memory_assets (memory_id, asset_id, created_at)
                 SELECT m.id, a, $3 FROM memories m, unnest($2::uuid[]) AS a WHERE m.id = $1
                 ON CONFLICT DO NOTHING",
                &[&id, &asset_ids, &now()],
            )
            .await
            .map_err(map_error)?;
        if added > 0 {
            touch(&tx, id).await?;
        }
        tx.commit().await.map_err(map_error)
    }

    async fn remove_memory_assets(&self, id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let removed = tx
            .execute(
                "DELETE FROM memory_assets WHERE memory_id = $1 AND asset_id = ANY($2)",
                &[&id, &asset_ids],
            )
            .await
            .map_err(map_error)?;
        if removed > 0 {
            touch(&tx, id).await?;
        }
        tx.commit().await.map_err(map_error)
    }

    async fn create_on_this_day_memories(
        &self,
        owner_id: Uuid,
        day: NaiveDate,
    ) -> CatalogResult<Vec<Uuid>> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        // The user's id folded to the lock's second key: a collision only makes two users wait.
        let user_key = (owner_id.as_u128() as u32) as i32;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, $2)",
            &[&ON_THIS_DAY_LOCK, &user_key],
        )
        .await
        .map_err(map_error)?;
        let oldest: Option<Timestamp> = tx
            .query_one(
                "SELECT min(local_date_time) FROM assets WHERE owner_id = $1",
                &[&owner_id],
            )
            .await
            .map_err(map_error)?
            .get(0);
        let Some(oldest) = oldest else {
            return Ok(Vec::new());
        };
        let (show_at, hide_at) = (day_start(day), day_end(day));
        let mut made = Vec::new();
        for year in oldest.year()..day.year() {
            let Some(date) = on_this_day_in(year, day) else {
                continue;
            };
            let exists: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM memories WHERE owner_id = $1 AND type = $2
                        AND show_at = $3 AND (data->>'year')::int = $4)",
                    &[&owner_id, &ON_THIS_DAY, &show_at, &year],
                )
                .await
                .map_err(map_error)?
                .get(0);
            if exists {
                continue;
            }
            let from = day_start(date);
            let to = from + chrono::Duration::days(1);
            let rows = tx
                .query(
                    "SELECT id FROM assets
                     WHERE owner_id = $1 AND local_date_time >= $2 AND local_date_time < $3
                       AND visibility = 'timeline' AND deleted_at IS NULL
                       AND thumbhash IS NOT NULL
                     ORDER BY local_date_time, id LIMIT $4",
                    &[&owner_id, &from, &to, &(ON_THIS_DAY_ASSETS as i64)],
                )
                .await
                .map_err(map_error)?;
            let assets: Vec<Uuid> = rows.iter().map(|r| r.get(0)).collect();
            if assets.is_empty() {
                continue;
            }
            let memory = NewMemory {
                owner_id,
                kind: ON_THIS_DAY.to_string(),
                data: serde_json::json!({ "year": year }),
                is_saved: false,
                memory_at: from,
                seen_at: None,
                show_at: Some(show_at),
                hide_at: Some(hide_at),
            };
            made.push(insert(&tx, &memory, &assets).await?);
        }
        tx.commit().await.map_err(map_error)?;
        Ok(made)
    }

    async fn clean_up_memories(&self, before: Timestamp) -> CatalogResult<u64> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        tx.execute(
            "DELETE FROM memory_assets ma USING assets a
             WHERE a.id = ma.asset_id AND a.visibility != 'timeline'",
            &[],
        )
        .await
        .map_err(map_error)?;
        let deleted = tx
            .execute(
                "DELETE FROM memories WHERE created_at < $1 AND NOT is_saved",
                &[&before],
            )
            .await
            .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(deleted)
    }
}
