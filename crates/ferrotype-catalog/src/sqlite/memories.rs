//! Memories (`memories`, `memory_assets`, migration 0022), each read with the assets it shows.

use async_trait::async_trait;
use chrono::{Datelike, NaiveDate, Utc};
use ferrotype_core::catalog::memories::{day_end, day_start, on_this_day_in};
use ferrotype_core::catalog::{
    CatalogResult, Memory, MemoryChange, MemoryOrder, MemoryRepo, MemorySearch, NewMemory,
    ON_THIS_DAY, ON_THIS_DAY_ASSETS,
};
use ferrotype_core::model::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::assets::{ASSET_COLUMNS, asset_at};
use super::{SqliteCatalog, opt_parse_ts, opt_ts, parse_ts, parse_uuid, ts};

/// A memory's own columns (`m`), in the order `memory_at` reads them.
pub(crate) const MEMORY_COLUMNS: &str = "m.id, m.owner_id, m.type, m.data, m.is_saved, \
    m.memory_at, m.seen_at, m.show_at, m.hide_at, m.created_at, m.updated_at, m.deleted_at";

/// The memory of a row that starts with `MEMORY_COLUMNS`, without its assets.
pub(crate) fn memory_at(r: &Row<'_>) -> rusqlite::Result<Memory> {
    let data: String = r.get(3)?;
    Ok(Memory {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        owner_id: parse_uuid(&r.get::<_, String>(1)?)?,
        kind: r.get(2)?,
        data: serde_json::from_str(&data).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e))
        })?,
        is_saved: r.get(4)?,
        memory_at: parse_ts(&r.get::<_, String>(5)?)?,
        seen_at: opt_parse_ts(r.get(6)?)?,
        show_at: opt_parse_ts(r.get(7)?)?,
        hide_at: opt_parse_ts(r.get(8)?)?,
        created_at: parse_ts(&r.get::<_, String>(9)?)?,
        updated_at: parse_ts(&r.get::<_, String>(10)?)?,
        deleted_at: opt_parse_ts(r.get(11)?)?,
        assets: Vec::new(),
    })
}

/// The memory's assets that are on the timeline and not in the trash, oldest first.
fn with_assets(conn: &Connection, mut memory: Memory) -> rusqlite::Result<Memory> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ASSET_COLUMNS} FROM memory_assets ma JOIN assets a ON a.id = ma.asset_id
         WHERE ma.memory_id = ?1 AND a.visibility = 'timeline' AND a.deleted_at IS NULL
         ORDER BY a.file_created_at, a.id"
    ))?;
    memory.assets = stmt
        .query_map([memory.id.to_string()], asset_at)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(memory)
}

fn one(conn: &Connection, id: Uuid) -> rusqlite::Result<Option<Memory>> {
    let memory = conn
        .prepare_cached(&format!(
            "SELECT {MEMORY_COLUMNS} FROM memories m WHERE m.id = ?1 AND m.deleted_at IS NULL"
        ))?
        .query_row([id.to_string()], memory_at)
        .optional()?;
    memory.map(|m| with_assets(conn, m)).transpose()
}

/// The search's filters as a WHERE clause over `m`, with its parameters (?1 to ?5).
const SEARCH_WHERE: &str = "m.owner_id = ?1
    AND (?2 IS NULL OR ((m.show_at IS NULL OR m.show_at <= ?2)
                        AND (m.hide_at IS NULL OR m.hide_at >= ?2)))
    AND (?3 IS NULL OR m.is_saved = ?3)
    AND (?4 IS NULL OR m.type = ?4)
    AND (CASE WHEN ?5 THEN m.deleted_at IS NOT NULL ELSE m.deleted_at IS NULL END)";

fn search_params(
    search: &MemorySearch,
) -> (String, Option<String>, Option<bool>, Option<String>, bool) {
    (
        search.owner_id.to_string(),
        search.shown_at.as_ref().map(ts),
        search.is_saved,
        search.kind.clone(),
        search.trashed,
    )
}

/// Inserts a memory and its assets (each once), in the caller's transaction.
fn insert(conn: &Connection, memory: &NewMemory, asset_ids: &[Uuid]) -> rusqlite::Result<Uuid> {
    let id = Uuid::new_v4();
    let now = ts(&Utc::now());
    conn.execute(
        "INSERT INTO memories (id, owner_id, type, data, is_saved, memory_at, seen_at, show_at,
            hide_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        params![
            id.to_string(),
            memory.owner_id.to_string(),
            memory.kind,
            memory.data.to_string(),
            memory.is_saved,
            ts(&memory.memory_at),
            opt_ts(&memory.seen_at),
            opt_ts(&memory.show_at),
            opt_ts(&memory.hide_at),
            now
        ],
    )?;
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO memory_assets (memory_id, asset_id, created_at) VALUES (?1, ?2, ?3)",
    )?;
    for asset in asset_ids {
        stmt.execute(params![id.to_string(), asset.to_string(), now])?;
    }
    Ok(id)
}

fn touch(conn: &Connection, id: Uuid) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE memories SET updated_at = ?2 WHERE id = ?1",
        params![id.to_string(), ts(&Utc::now())],
    )?;
    Ok(())
}

#[async_trait]
impl MemoryRepo for SqliteCatalog {
    async fn memories(&self, search: &MemorySearch) -> CatalogResult<Vec<Memory>> {
        let search = search.clone();
        self.read(move |conn| {
            let order = match search.order {
                MemoryOrder::Asc => "m.memory_at ASC",
                MemoryOrder::Desc => "m.memory_at DESC",
                MemoryOrder::Random => "random()",
            };
            let limit = search.size.map_or(-1, |s| s.min(i64::MAX as u64) as i64);
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {MEMORY_COLUMNS} FROM memories m WHERE {SEARCH_WHERE}
                 ORDER BY {order} LIMIT ?6"
            ))?;
            let (owner, shown, saved, kind, trashed) = search_params(&search);
            let memories: Vec<Memory> = stmt
                .query_map(
                    params![owner, shown, saved, kind, trashed, limit],
                    memory_at,
                )?
                .collect::<rusqlite::Result<_>>()?;
            memories.into_iter().map(|m| with_assets(conn, m)).collect()
        })
        .await
    }

    async fn memory_count(&self, search: &MemorySearch) -> CatalogResult<u64> {
        let search = search.clone();
        self.read(move |conn| {
            let (owner, shown, saved, kind, trashed) = search_params(&search);
            conn.prepare_cached(&format!(
                "SELECT count(*) FROM memories m WHERE {SEARCH_WHERE}"
            ))?
            .query_row(params![owner, shown, saved, kind, trashed], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
        })
        .await
    }

    async fn memory(&self, id: Uuid) -> CatalogResult<Option<Memory>> {
        self.read(move |conn| one(conn, id)).await
    }

    async fn create_memory(&self, memory: &NewMemory, asset_ids: &[Uuid]) -> CatalogResult<Memory> {
        let (memory, asset_ids) = (memory.clone(), asset_ids.to_vec());
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let id = insert(&tx, &memory, &asset_ids)?;
            let made = one(&tx, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            tx.commit()?;
            Ok(made)
        })
        .await
    }

    async fn update_memory(
        &self,
        id: Uuid,
        change: &MemoryChange,
    ) -> CatalogResult<Option<Memory>> {
        let change = change.clone();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let changed = tx.execute(
                "UPDATE memories SET is_saved = COALESCE(?2, is_saved),
                    seen_at = COALESCE(?3, seen_at), memory_at = COALESCE(?4, memory_at),
                    updated_at = ?5
                 WHERE id = ?1",
                params![
                    id.to_string(),
                    change.is_saved,
                    opt_ts(&change.seen_at),
                    opt_ts(&change.memory_at),
                    ts(&Utc::now())
                ],
            )?;
            let memory = if changed > 0 { one(&tx, id)? } else { None };
            tx.commit()?;
            Ok(memory)
        })
        .await
    }

    async fn delete_memory(&self, id: Uuid) -> CatalogResult<bool> {
        self.write(move |conn| {
            Ok(conn.execute("DELETE FROM memories WHERE id = ?1", [id.to_string()])? > 0)
        })
        .await
    }

    async fn memory_asset_ids(&self, id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<Vec<Uuid>> {
        let asset_ids = asset_ids.to_vec();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT 1 FROM memory_assets WHERE memory_id = ?1 AND asset_id = ?2",
            )?;
            let mut present = Vec::new();
            for asset in asset_ids {
                if stmt.exists(params![id.to_string(), asset.to_string()])? {
                    present.push(asset);
                }
            }
            Ok(present)
        })
        .await
    }

    async fn add_memory_assets(&self, id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<()> {
        let asset_ids = asset_ids.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let now = ts(&Utc::now());
            let mut added = 0;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT OR IGNORE INTO memory_assets (memory_id, asset_id, created_at)
                     SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM memories WHERE id = ?1)",
                )?;
                for asset in asset_ids {
                    added += stmt.execute(params![id.to_string(), asset.to_string(), now])?;
                }
            }
            if added > 0 {
                touch(&tx, id)?;
            }
            tx.commit()
        })
        .await
    }

    async fn remove_memory_assets(&self, id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<()> {
        let asset_ids = asset_ids.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let mut removed = 0;
            {
                let mut stmt = tx.prepare_cached(
                    "DELETE FROM memory_assets WHERE memory_id = ?1 AND asset_id = ?2",
                )?;
                for asset in asset_ids {
                    removed += stmt.execute(params![id.to_string(), asset.to_string()])?;
                }
            }
            if removed > 0 {
                touch(&tx, id)?;
            }
            tx.commit()
        })
        .await
    }

    async fn create_on_this_day_memories(
        &self,
        owner_id: Uuid,
        day: NaiveDate,
    ) -> CatalogResult<Vec<Uuid>> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let owner = owner_id.to_string();
            let oldest: Option<String> = tx.query_row(
                "SELECT min(local_date_time) FROM assets WHERE owner_id = ?1",
                [&owner],
                |r| r.get(0),
            )?;
            let Some(oldest) = oldest.map(|t| parse_ts(&t)).transpose()? else {
                return Ok(Vec::new());
            };
            let (show_at, hide_at) = (day_start(day), day_end(day));
            let mut made = Vec::new();
            for year in oldest.year()..day.year() {
                let Some(date) = on_this_day_in(year, day) else {
                    continue;
                };
                let exists = tx
                    .prepare_cached(
                        "SELECT 1 FROM memories WHERE owner_id = ?1 AND type = ?2
                           AND show_at = ?3 AND json_extract(data, '$.year') = ?4",
                    )?
                    .exists(params![owner, ON_THIS_DAY, ts(&show_at), year])?;
                if exists {
                    continue;
                }
                let assets: Vec<Uuid> = tx
                    .prepare_cached(
                        "SELECT id FROM assets
                         WHERE owner_id = ?1 AND local_date_time >= ?2 AND local_date_time < ?3
                           AND visibility = 'timeline' AND deleted_at IS NULL
                           AND thumbhash IS NOT NULL
                         ORDER BY local_date_time, id LIMIT ?4",
                    )?
                    .query_map(
                        params![
                            owner,
                            ts(&day_start(date)),
                            ts(&(day_start(date) + chrono::Duration::days(1))),
                            ON_THIS_DAY_ASSETS as i64
                        ],
                        |r| parse_uuid(&r.get::<_, String>(0)?),
                    )?
                    .collect::<rusqlite::Result<_>>()?;
                if assets.is_empty() {
                    continue;
                }
                let memory = NewMemory {
                    owner_id,
                    kind: ON_THIS_DAY.to_string(),
                    data: serde_json::json!({ "year": year }),
                    is_saved: false,
                    memory_at: day_start(date),
                    seen_at: None,
                    show_at: Some(show_at),
                    hide_at: Some(hide_at),
                };
                made.push(insert(&tx, &memory, &assets)?);
            }
            tx.commit()?;
            Ok(made)
        })
        .await
    }

    async fn clean_up_memories(&self, before: Timestamp) -> CatalogResult<u64> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "DELETE FROM memory_assets WHERE asset_id IN
                    (SELECT id FROM assets WHERE visibility != 'timeline')",
                [],
            )?;
            let deleted = tx.execute(
                "DELETE FROM memories WHERE created_at < ?1 AND is_saved = 0",
                [ts(&before)],
            )?;
            tx.commit()?;
            Ok(deleted as u64)
        })
        .await
    }
}
