//! Tags (`tags`, `asset_tags`; the tree and colours since migration 0006). A tag's children
//! hang from it by `parent_id` (deleted with it by the foreign key); whatever needs a whole
//! subtree walks it with a recursive query.

use std::collections::HashSet;

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use ferrotype_core::catalog::{CatalogError, CatalogResult, TagRepo};
use ferrotype_core::jobs::JobEnd;
use ferrotype_core::model::{Tag, tag_path_levels};
use tokio_postgres::Row;
use uuid::Uuid;

use crate::{PgCatalog, is_unique_violation, jobs, map_error, now};

/// The columns `tag_at` reads, in its order, of `tags t`.
pub(crate) const TAG_COLUMNS: &str =
    "t.id, t.user_id, t.value, t.parent_id, t.color, t.created_at, t.updated_at";

pub(crate) fn tag_at(r: &Row) -> Tag {
    Tag {
        id: r.get(0),
        user_id: r.get(1),
        value: r.get(2),
        parent_id: r.get(3),
        color: r.get(4),
        created_at: r.get(5),
        updated_at: r.get(6),
    }
}

async fn one(client: &impl GenericClient, id: Uuid) -> Result<Option<Tag>, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            &format!("SELECT {TAG_COLUMNS} FROM tags t WHERE t.id = $1"),
            &[&id],
        )
        .await?
        .map(|r| tag_at(&r)))
}

/// The tag of `path` and of every level above it, made where missing (an existing level gets
/// the parent its path gives it); the path's own tag, `None` for a path without a level. A
/// concurrent transaction making the same level waits for ours and then finds it.
pub(crate) async fn upsert_path(
    client: &impl GenericClient,
    user_id: Uuid,
    path: &str,
) -> Result<Option<Tag>, tokio_postgres::Error> {
    let now = now();
    let mut parent: Option<Tag> = None;
    for value in tag_path_levels(path) {
        let parent_id = parent.as_ref().map(|p| p.id);
        let row = client
            .query_one(
                &format!(
                    "INSERT INTO tags AS t (id, user_id, value, parent_id, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $5)
                     ON CONFLICT (user_id, value) DO UPDATE SET parent_id = excluded.parent_id
                     RETURNING {TAG_COLUMNS}"
                ),
                &[&Uuid::new_v4(), &user_id, &value, &parent_id, &now],
            )
            .await?;
        parent = Some(tag_at(&row));
    }
    Ok(parent)
}

/// Marks the assets' tags as the user's choice (Immich's lockedProperties `tags`), making their
/// EXIF rows if extraction has not yet.
pub(crate) async fn lock_tags(
    client: &impl GenericClient,
    asset_ids: &[Uuid],
) -> Result<(), tokio_postgres::Error> {
    if asset_ids.is_empty() {
        return Ok(());
    }
    let now = now();
    client
        .execute(
            "INSERT INTO asset_exif (asset_id, updated_at) SELECT unnest($1::uuid[]), $2
             ON CONFLICT (asset_id) DO NOTHING",
            &[&asset_ids, &now],
        )
        .await?;
    client
        .execute(
            "UPDATE asset_exif SET updated_at = $2,
                locked_properties = locked_properties || '[\"tags\"]'::jsonb
             WHERE asset_id = ANY($1) AND NOT locked_properties @> '[\"tags\"]'::jsonb",
            &[&asset_ids, &now],
        )
        .await?;
    Ok(())
}

#[async_trait]
impl TagRepo for PgCatalog {
    async fn tags_of(&self, user_id: Uuid) -> CatalogResult<Vec<Tag>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!("SELECT {TAG_COLUMNS} FROM tags t WHERE t.user_id = $1 ORDER BY t.value"),
                &[&user_id],
            )
            .await
            .map_err(map_error)?;
        Ok(rows.iter().map(tag_at).collect())
    }

    async fn tag(&self, id: Uuid) -> CatalogResult<Option<Tag>> {
        let conn = self.conn().await?;
        one(&conn, id).await.map_err(map_error)
    }

    async fn create_tag(
        &self,
        user_id: Uuid,
        name: &str,
        parent_id: Option<Uuid>,
        color: Option<&str>,
    ) -> CatalogResult<Tag> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let value = match parent_id {
            Some(parent_id) => {
                // Locked, so that it cannot go before our child is in.
                let parent = tx
                    .query_opt(
                        "SELECT value FROM tags WHERE id = $1 AND user_id = $2 FOR SHARE",
                        &[&parent_id, &user_id],
                    )
                    .await
                    .map_err(map_error)?;
                match parent {
                    Some(row) => format!("{}/{name}", row.get::<_, String>(0)),
                    None => return Err(CatalogError::NotFound("parent tag".into())),
                }
            }
            None => name.to_string(),
        };
        let now = now();
        let row = tx
            .query_opt(
                &format!(
                    "INSERT INTO tags AS t (id, user_id, value, parent_id, color, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $6)
                     ON CONFLICT (user_id, value) DO NOTHING
                     RETURNING {TAG_COLUMNS}"
                ),
                &[&Uuid::new_v4(), &user_id, &value, &parent_id, &color, &now],
            )
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    CatalogError::Conflict("tag already exists".into())
                } else {
                    map_error(e)
                }
            })?;
        let Some(row) = row else {
            return Err(CatalogError::Conflict("tag already exists".into()));
        };
        tx.commit().await.map_err(map_error)?;
        Ok(tag_at(&row))
    }

    async fn upsert_tag_paths(&self, user_id: Uuid, paths: &[String]) -> CatalogResult<Vec<Tag>> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let mut seen = HashSet::new();
        let mut tags = Vec::new();
        for path in paths.iter().filter(|p| seen.insert(p.as_str())) {
            if let Some(tag) = upsert_path(&tx, user_id, path).await.map_err(map_error)? {
                tags.push(tag);
            }
        }
        tx.commit().await.map_err(map_error)?;
        Ok(tags)
    }

    async fn set_tag_color(&self, id: Uuid, color: Option<&str>) -> CatalogResult<Option<Tag>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!(
                    "UPDATE tags AS t SET color = $2, updated_at = $3 WHERE t.id = $1
                     RETURNING {TAG_COLUMNS}"
                ),
                &[&id, &color, &now()],
            )
            .await
            .map_err(map_error)?;
        Ok(row.map(|r| tag_at(&r)))
    }

    async fn delete_tag(&self, id: Uuid) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let deleted = conn
            .execute("DELETE FROM tags WHERE id = $1", &[&id])
            .await
            .map_err(map_error)?;
        Ok(deleted > 0)
    }

    async fn tagged_assets(&self, tag_id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<Vec<Uuid>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT asset_id FROM asset_tags WHERE tag_id = $1 AND asset_id = ANY($2)",
                &[&tag_id, &asset_ids],
            )
            .await
            .map_err(map_error)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn tag_assets(&self, pairs: &[(Uuid, Uuid)]) -> CatalogResult<Vec<(Uuid, Uuid)>> {
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let tags: Vec<Uuid> = pairs.iter().map(|p| p.0).collect();
        let assets: Vec<Uuid> = pairs.iter().map(|p| p.1).collect();
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let rows = tx
            .query(
                "INSERT INTO asset_tags (tag_id, asset_id)
                 SELECT * FROM unnest($1::uuid[], $2::uuid[])
                 ON CONFLICT DO NOTHING
                 RETURNING tag_id, asset_id",
                &[&tags, &assets],
            )
            .await
            .map_err(map_error)?;
        let made: HashSet<(Uuid, Uuid)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        let changed: Vec<Uuid> = made
            .iter()
            .map(|p| p.1)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        lock_tags(&tx, &changed).await.map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        // In the order asked, each once, as the SQLite catalog answers.
        let mut seen = HashSet::new();
        Ok(pairs
            .iter()
            .filter(|p| made.contains(p) && seen.insert(**p))
            .copied()
            .collect())
    }

    async fn untag_assets(&self, tag_id: Uuid, asset_ids: &[Uuid]) -> CatalogResult<Vec<Uuid>> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let rows = tx
            .query(
                "DELETE FROM asset_tags WHERE tag_id = $1 AND asset_id = ANY($2)
                 RETURNING asset_id",
                &[&tag_id, &asset_ids],
            )
            .await
            .map_err(map_error)?;
        let removed: HashSet<Uuid> = rows.iter().map(|r| r.get(0)).collect();
        let removed_list: Vec<Uuid> = removed.iter().copied().collect();
        lock_tags(&tx, &removed_list).await.map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        let mut seen = HashSet::new();
        Ok(asset_ids
            .iter()
            .filter(|a| removed.contains(a) && seen.insert(**a))
            .copied()
            .collect())
    }

    async fn delete_empty_tags(&self) -> CatalogResult<u64> {
        let conn = self.conn().await?;
        // Tags in use: those on an asset, and every tag above one.
        let deleted = conn
            .execute(
                "WITH RECURSIVE used(id) AS (
                    SELECT DISTINCT tag_id FROM asset_tags
                    UNION
                    SELECT t.parent_id FROM tags t JOIN used ON t.id = used.id
                    WHERE t.parent_id IS NOT NULL
                 )
                 DELETE FROM tags WHERE id NOT IN (SELECT id FROM used)",
                &[],
            )
            .await
            .map_err(map_error)?;
        Ok(deleted)
    }

    async fn sidecar_tags_written(
        &self,
        asset_id: Uuid,
        sidecar_path: &str,
        end: &JobEnd,
    ) -> CatalogResult<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        tx.execute(
            "UPDATE assets SET sidecar_path = $2 WHERE id = $1 AND sidecar_path IS NULL",
            &[&asset_id, &sidecar_path],
        )
        .await
        .map_err(map_error)?;
        jobs::end_in(&tx, end).await?;
        tx.commit().await.map_err(map_error)
    }
}
