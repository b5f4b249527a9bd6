//! Tags (`tags`, `asset_tags`; the tree and colours since migration 0018). A tag's children
//! hang from it by `parent_id` (deleted with it by the foreign key); whatever needs a whole
//! subtree walks it with a recursive query.

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{CatalogError, CatalogResult, TagRepo};
use ferrotype_core::jobs::JobEnd;
use ferrotype_core::model::{Tag, tag_path_levels};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::{SqliteCatalog, jobs, parse_ts, parse_uuid, ts};

/// The columns `tag_at` reads, in its order, of `tags t`.
pub(crate) const TAG_COLUMNS: &str =
    "t.id, t.user_id, t.value, t.parent_id, t.color, t.created_at, t.updated_at";
/// The same for `RETURNING`, which SQLite wants unqualified.
const RETURNED_COLUMNS: &str = "id, user_id, value, parent_id, color, created_at, updated_at";

pub(crate) fn tag_at(r: &Row<'_>) -> rusqlite::Result<Tag> {
    Ok(Tag {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        user_id: parse_uuid(&r.get::<_, String>(1)?)?,
        value: r.get(2)?,
        parent_id: r
            .get::<_, Option<String>>(3)?
            .as_deref()
            .map(parse_uuid)
            .transpose()?,
        color: r.get(4)?,
        created_at: parse_ts(&r.get::<_, String>(5)?)?,
        updated_at: parse_ts(&r.get::<_, String>(6)?)?,
    })
}

fn one(conn: &Connection, id: Uuid) -> rusqlite::Result<Option<Tag>> {
    conn.prepare_cached(&format!("SELECT {TAG_COLUMNS} FROM tags t WHERE t.id = ?1"))?
        .query_row([id.to_string()], tag_at)
        .optional()
}

/// The tag of `path` and of every level above it, made where missing (an existing level gets
/// the parent its path gives it); the path's own tag, `None` for a path without a level.
pub(crate) fn upsert_path(
    conn: &Connection,
    user_id: Uuid,
    path: &str,
    now: &str,
) -> rusqlite::Result<Option<Tag>> {
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT INTO tags (id, user_id, value, parent_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (user_id, value) DO UPDATE SET parent_id = excluded.parent_id
         RETURNING {RETURNED_COLUMNS}"
    ))?;
    let mut parent: Option<Tag> = None;
    for value in tag_path_levels(path) {
        let tag = stmt.query_row(
            params![
                Uuid::new_v4().to_string(),
                user_id.to_string(),
                value,
                parent.as_ref().map(|p| p.id.to_string()),
                now,
            ],
            tag_at,
        )?;
        parent = Some(tag);
    }
    Ok(parent)
}

/// Marks the asset's tags as the user's choice (Immich's lockedProperties `tags`), making its
/// EXIF row if extraction has not yet.
pub(crate) fn lock_tags(conn: &Connection, asset_id: &str, now: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO asset_exif (asset_id, updated_at) VALUES (?1, ?2)",
        params![asset_id, now],
    )?;
    conn.execute(
        "UPDATE asset_exif SET updated_at = ?2,
            locked_properties = (SELECT json_group_array(value) FROM (
                SELECT value FROM json_each(locked_properties) UNION SELECT 'tags'))
         WHERE asset_id = ?1
           AND NOT EXISTS (SELECT 1 FROM json_each(locked_properties) WHERE value = 'tags')",
        params![asset_id, now],
    )?;
    Ok(())
}

enum Created {
    Made(Box<Tag>),
    Exists,
    NoParent,
}

#[async_trait]
impl TagRepo for SqliteCatalog {
    async fn tags_of(&self, user_id: Uuid) -> CatalogResult<Vec<Tag>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {TAG_COLUMNS} FROM tags t WHERE t.user_id = ?1 ORDER BY t.value"
            ))?;
            let rows = stmt.query_map([user_id.to_string()], tag_at)?;
            rows.collect()
        })
        .await
    }

    async fn tag(&self, id: Uuid) -> CatalogResult<Option<Tag>> {
        self.read(move |conn| one(conn, id)).await
    }

    async fn create_tag(
        &self,
        user_id: Uuid,
        name: &str,
        parent_id: Option<Uuid>,
        color: Option<&str>,
    ) -> CatalogResult<Tag> {
        let name = name.to_string();
        let color = color.map(str::to_string);
        let created = self
            .write(move |conn| {
                let tx = conn.transaction()?;
                let value = match parent_id {
                    Some(parent_id) => match one(&tx, parent_id)? {
                        Some(parent) if parent.user_id == user_id => {
                            format!("{}/{name}", parent.value)
                        }
                        _ => return Ok(Created::NoParent),
                    },
                    None => name,
                };
                let id = Uuid::new_v4();
                let inserted = tx.execute(
                    "INSERT INTO tags (id, user_id, value, parent_id, color, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
                     ON CONFLICT (user_id, value) DO NOTHING",
                    params![
                        id.to_string(),
                        user_id.to_string(),
                        value,
                        parent_id.map(|p| p.to_string()),
                        color,
                        ts(&Utc::now()),
                    ],
                )?;
                if inserted == 0 {
                    return Ok(Created::Exists);
                }
                let tag = one(&tx, id)?;
                tx.commit()?;
                Ok(tag.map_or(Created::NoParent, |t| Created::Made(Box::new(t))))
            })
            .await?;
        match created {
            Created::Made(tag) => Ok(*tag),
            Created::Exists => Err(CatalogError::Conflict("tag already exists".into())),
            Created::NoParent => Err(CatalogError::NotFound("parent tag".into())),
        }
    }

    async fn upsert_tag_paths(&self, user_id: Uuid, paths: &[String]) -> CatalogResult<Vec<Tag>> {
        let paths = paths.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let now = ts(&Utc::now());
            let mut seen = std::collections::HashSet::new();
            let mut tags = Vec::new();
            for path in paths.iter().filter(|p| seen.insert(p.as_str())) {
                if let Some(tag) = upsert_path(&tx, user_id, path, &now)? {
                    tags.push(tag);
                }
            }
            tx.commit()?;
            Ok(tags)
        })
        .await
    }

    async fn set_tag_color(&self, id: Uuid, color: Option<&str>) -> CatalogResult<Option<Tag>> {
        let color = color.map(str::to_string);
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let changed = tx.execute(
                "UPDATE tags SET color = ?2, updated_at = ?3 WHERE id = ?1",
                params![id.to_string(), color, ts(&Utc::now())],
            )?;
            if changed == 0 {
                return Ok(None);
            }
            let tag = one(&tx, id)?;
            tx.commit()?;
            Ok(tag)
        })
        .await
    }

    async fn delete_tag(&self, id: Uuid) -> CatalogResult<bool> {
        self.write(move |conn| {
            Ok(conn.execute("DELETE FROM tags WHERE id = ?1", [id.to_string()])? > 0)
        })
        .await
    }

    async fn tagged_assets(&self, tag_id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<Vec<Uuid>> {
        let ids = serde_json::to_string(&asset_ids).unwrap_or_else(|_| "[]".into());
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT asset_id FROM asset_tags
                 WHERE tag_id = ?1 AND asset_id IN (SELECT value FROM json_each(?2))",
            )?;
            let rows = stmt.query_map(params![tag_id.to_string(), ids], |r| {
                parse_uuid(&r.get::<_, String>(0)?)
            })?;
            rows.collect()
        })
        .await
    }

    async fn tag_assets(&self, pairs: &[(Uuid, Uuid)]) -> CatalogResult<Vec<(Uuid, Uuid)>> {
        let pairs = pairs.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let now = ts(&Utc::now());
            let mut made = Vec::new();
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO asset_tags (asset_id, tag_id) VALUES (?1, ?2)
                     ON CONFLICT DO NOTHING",
                )?;
                for (tag, asset) in pairs {
                    if insert.execute(params![asset.to_string(), tag.to_string()])? > 0 {
                        made.push((tag, asset));
                    }
                }
            }
            let mut locked = std::collections::HashSet::new();
            for (_, asset) in &made {
                if locked.insert(*asset) {
                    lock_tags(&tx, &asset.to_string(), &now)?;
                }
            }
            tx.commit()?;
            Ok(made)
        })
        .await
    }

    async fn untag_assets(&self, tag_id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<Vec<Uuid>> {
        let asset_ids = asset_ids.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let now = ts(&Utc::now());
            let mut removed = Vec::new();
            for asset in asset_ids {
                let asset_text = asset.to_string();
                if tx.execute(
                    "DELETE FROM asset_tags WHERE tag_id = ?1 AND asset_id = ?2",
                    params![tag_id.to_string(), asset_text],
                )? > 0
                {
                    lock_tags(&tx, &asset_text, &now)?;
                    removed.push(asset);
                }
            }
            tx.commit()?;
            Ok(removed)
        })
        .await
    }

    async fn delete_empty_tags(&self) -> CatalogResult<u64> {
        // Tags in use: those on an asset, and every tag above one.
        const USED: &str = "WITH RECURSIVE used(id) AS (
                SELECT DISTINCT tag_id FROM asset_tags
                UNION
                SELECT t.parent_id FROM tags t JOIN used ON t.id = used.id
                WHERE t.parent_id IS NOT NULL
            )";
        self.write(move |conn| {
            let tx = conn.transaction()?;
            // Counted first: SQLite's count of deleted rows leaves out those its foreign keys
            // delete (the unused children of an unused tag).
            let unused: i64 = tx.query_row(
                &format!("{USED} SELECT count(*) FROM tags WHERE id NOT IN (SELECT id FROM used)"),
                [],
                |r| r.get(0),
            )?;
            tx.execute(
                &format!("{USED} DELETE FROM tags WHERE id NOT IN (SELECT id FROM used)"),
                [],
            )?;
            tx.commit()?;
            Ok(unused as u64)
        })
        .await
    }

    async fn sidecar_tags_written(
        &self,
        asset_id: Uuid,
        sidecar_path: &str,
        end: &JobEnd,
    ) -> CatalogResult<()> {
        let path = sidecar_path.to_string();
        let owned = end.clone();
        let held = self
            .write(move |conn| {
                let tx = conn.transaction()?;
                let id = asset_id.to_string();
                tx.execute(
                    "UPDATE assets SET sidecar_path = ?2 WHERE id = ?1 AND sidecar_path IS NULL",
                    params![id, path],
                )?;
                if !jobs::end_in(&tx, &owned)? {
                    return Ok(false);
                }
                tx.commit()?;
                Ok(true)
            })
            .await?;
        jobs::end_held(self, held, end)
    }
}
