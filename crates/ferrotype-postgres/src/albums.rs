//! Albums: their settings, assets (with the cover kept valid), members, and what is read from
//! them (summaries, contributors, downloads, the map).

use async_trait::async_trait;
use ferrotype_core::catalog::AlbumRepo;
use ferrotype_core::catalog::{CatalogError, CatalogResult};
use ferrotype_core::model::{
    Album, AlbumAddResult, AlbumChange, AlbumMember, AlbumRemoveResult, AlbumRole, AlbumSummary,
    Asset, MapMarker,
};
use tokio_postgres::Row;
use uuid::Uuid;

use crate::assets::{ASSET_COLUMNS, asset_at};
use crate::users::{USER_COLUMNS, user_at};
use crate::{PgCatalog, map_error, ms, now};

/// Album columns followed by the figures of its (non-trashed) assets and its owner.
fn album_summary_select() -> String {
    format!(
        "SELECT al.id, al.owner_id, al.name, al.description, al.thumbnail_asset_id,
            al.is_activity_enabled, al.sort_order, al.created_at, al.updated_at,
            f.count, f.start_date, f.end_date, f.last_modified,
            EXISTS(SELECT 1 FROM shared_links sl WHERE sl.album_id = al.id),
            {USER_COLUMNS}
         FROM albums al JOIN users u ON u.id = al.owner_id
         CROSS JOIN LATERAL (
            SELECT count(*) AS count, min(a.local_date_time) AS start_date,
                   max(a.local_date_time) AS end_date, max(a.updated_at) AS last_modified
            FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
            WHERE aa.album_id = al.id AND a.deleted_at IS NULL) f"
    )
}

fn album_summary_at(r: &Row) -> CatalogResult<AlbumSummary> {
    Ok(AlbumSummary {
        album: Album {
            id: r.get(0),
            owner_id: r.get(1),
            name: r.get(2),
            description: r.get(3),
            thumbnail_asset_id: r.get(4),
            is_activity_enabled: r.get(5),
            order: r.get(6),
            created_at: r.get(7),
            updated_at: r.get(8),
        },
        asset_count: r.get(9),
        start_date: r.get(10),
        end_date: r.get(11),
        last_modified_asset_timestamp: r.get(12),
        has_shared_link: r.get(13),
        owner: user_at(r, 14)?,
        // Filled in by `with_members`.
        members: Vec::new(),
    })
}

#[async_trait]
impl AlbumRepo for PgCatalog {
    async fn create_album(&self, al: &Album) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "INSERT INTO albums (id, owner_id, name, description, thumbnail_asset_id,
                is_activity_enabled, sort_order, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &al.id,
                &al.owner_id,
                &al.name,
                &al.description,
                &al.thumbnail_asset_id,
                &al.is_activity_enabled,
                &al.order,
                &ms(&al.created_at),
                &ms(&al.updated_at),
            ],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn album(&self, id: Uuid) -> CatalogResult<Option<AlbumSummary>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!("{} WHERE al.id = $1", album_summary_select()),
                &[&id],
            )
            .await
            .map_err(map_error)?;
        let found = row
            .iter()
            .map(album_summary_at)
            .collect::<CatalogResult<_>>()?;
        Ok(self.with_members(&conn, found).await?.pop())
    }

    /// The albums a user owns or is a member of, newest first; only those holding
    /// `containing` when it is given.
    async fn albums_of(
        &self,
        user_id: Uuid,
        containing: Option<Uuid>,
    ) -> CatalogResult<Vec<AlbumSummary>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "{}
                     WHERE (al.owner_id = $1 OR EXISTS (SELECT 1 FROM album_users m
                                                        WHERE m.album_id = al.id AND m.user_id = $1))
                       -- A deleted owner's albums are gone for their members too.
                       AND u.deleted_at IS NULL
                       AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM album_assets c
                                                  WHERE c.album_id = al.id AND c.asset_id = $2))
                     ORDER BY al.created_at DESC",
                    album_summary_select()
                ),
                &[&user_id, &containing],
            )
            .await
            .map_err(map_error)?;
        let summaries = rows
            .iter()
            .map(album_summary_at)
            .collect::<CatalogResult<_>>()?;
        self.with_members(&conn, summaries).await
    }

    /// Adds each asset `actor` may add (their own) and reports per id.
    async fn add_album_assets(
        &self,
        album_id: Uuid,
        actor_id: Uuid,
        asset_ids: &[Uuid],
    ) -> CatalogResult<Vec<(Uuid, AlbumAddResult)>> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let now = now();
        let owned: Vec<Uuid> = tx
            .query(
                "SELECT id FROM assets WHERE id = ANY($1) AND owner_id = $2",
                &[&asset_ids, &actor_id],
            )
            .await
            .map_err(map_error)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let insert = tx
            .prepare(
                "INSERT INTO album_assets (album_id, asset_id, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
            )
            .await
            .map_err(map_error)?;
        let mut results = Vec::with_capacity(asset_ids.len());
        let mut first_added = None;
        for id in asset_ids {
            let result = if !owned.contains(id) {
                AlbumAddResult::NoPermission
            } else if tx
                .execute(&insert, &[&album_id, id, &now])
                .await
                .map_err(map_error)?
                == 0
            {
                AlbumAddResult::AlreadyThere
            } else {
                first_added.get_or_insert(*id);
                AlbumAddResult::Added
            };
            results.push((*id, result));
        }
        if let Some(first) = first_added {
            // The first asset added becomes the cover when the album has none, as in Immich.
            tx.execute(
                "UPDATE albums SET updated_at = $2,
                    thumbnail_asset_id = COALESCE(thumbnail_asset_id, $3)
                 WHERE id = $1",
                &[&album_id, &now, &first],
            )
            .await
            .map_err(map_error)?;
        }
        tx.commit().await.map_err(map_error)?;
        Ok(results)
    }

    /// Applies a change to the album's settings.
    async fn update_album(&self, album_id: Uuid, c: &AlbumChange) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE albums SET name = COALESCE($2, name), description = COALESCE($3, description),
                thumbnail_asset_id = COALESCE($4, thumbnail_asset_id),
                is_activity_enabled = COALESCE($5, is_activity_enabled),
                sort_order = COALESCE($6, sort_order), updated_at = $7
             WHERE id = $1",
            &[
                &album_id,
                &c.name,
                &c.description,
                &c.thumbnail_asset_id,
                &c.is_activity_enabled,
                &c.order,
                &now(),
            ],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// Deletes the album (its assets stay).
    async fn delete_album(&self, album_id: Uuid) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute("DELETE FROM albums WHERE id = $1", &[&album_id])
            .await
            .map_err(map_error)?;
        Ok(())
    }

    /// Who contributed the album's assets not in the trash: (owner, count), most first.
    async fn album_contributor_counts(&self, album_id: Uuid) -> CatalogResult<Vec<(Uuid, i64)>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT a.owner_id, count(*) AS n
                 FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
                 WHERE aa.album_id = $1 AND a.deleted_at IS NULL
                 GROUP BY a.owner_id ORDER BY n DESC, a.owner_id",
                &[&album_id],
            )
            .await
            .map_err(map_error)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Whether the asset is in the album.
    async fn album_contains(&self, album_id: Uuid, asset_id: Uuid) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let row = conn
            .query_one(
                "SELECT EXISTS(SELECT 1 FROM album_assets WHERE album_id = $1 AND asset_id = $2)",
                &[&album_id, &asset_id],
            )
            .await
            .map_err(map_error)?;
        Ok(row.get(0))
    }

    /// Removes assets from the album and reports per id: anything when `any`, else only the
    /// assets `actor` owns. A removed cover is replaced by the oldest remaining asset.
    async fn remove_album_assets(
        &self,
        album_id: Uuid,
        actor_id: Uuid,
        any: bool,
        asset_ids: &[Uuid],
    ) -> CatalogResult<Vec<(Uuid, AlbumRemoveResult)>> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let owner_of = tx
            .prepare(
                "SELECT a.owner_id FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
                 WHERE aa.album_id = $1 AND aa.asset_id = $2",
            )
            .await
            .map_err(map_error)?;
        let delete = tx
            .prepare("DELETE FROM album_assets WHERE album_id = $1 AND asset_id = $2")
            .await
            .map_err(map_error)?;
        let mut results = Vec::with_capacity(asset_ids.len());
        let mut removed_any = false;
        for id in asset_ids {
            let owner: Option<Uuid> = tx
                .query_opt(&owner_of, &[&album_id, id])
                .await
                .map_err(map_error)?
                .map(|r| r.get(0));
            let result = match owner {
                None => AlbumRemoveResult::NotInAlbum,
                Some(owner) if !any && owner != actor_id => AlbumRemoveResult::NoPermission,
                Some(_) => {
                    tx.execute(&delete, &[&album_id, id])
                        .await
                        .map_err(map_error)?;
                    removed_any = true;
                    AlbumRemoveResult::Removed
                }
            };
            results.push((*id, result));
        }
        if removed_any {
            // A cover that left the album is replaced by the oldest asset still in it.
            tx.execute(
                "UPDATE albums SET updated_at = $2,
                    thumbnail_asset_id = CASE
                        WHEN thumbnail_asset_id IN (SELECT asset_id FROM album_assets
                                                    WHERE album_id = $1)
                        THEN thumbnail_asset_id
                        ELSE (SELECT asset_id FROM album_assets WHERE album_id = $1
                              ORDER BY created_at, asset_id LIMIT 1) END
                 WHERE id = $1",
                &[&album_id, &now()],
            )
            .await
            .map_err(map_error)?;
        }
        tx.commit().await.map_err(map_error)?;
        Ok(results)
    }

    /// Assets not in the trash, oldest first: the owner's, or an album's when `album_id` is given.
    async fn assets_for_download(
        &self,
        owner_id: Option<Uuid>,
        album_id: Option<Uuid>,
    ) -> CatalogResult<Vec<Asset>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT {ASSET_COLUMNS} FROM assets a
                     WHERE a.deleted_at IS NULL
                       AND ($1::uuid IS NULL OR a.owner_id = $1)
                       AND ($2::uuid IS NULL OR a.id IN (SELECT asset_id FROM album_assets
                                                         WHERE album_id = $2))
                     ORDER BY a.local_date_time, a.id"
                ),
                &[&owner_id, &album_id],
            )
            .await
            .map_err(map_error)?;
        rows.iter().map(asset_at).collect()
    }

    /// The album's (non-trashed) assets that have a place.
    async fn album_map_markers(&self, album_id: Uuid) -> CatalogResult<Vec<MapMarker>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT a.id, e.latitude, e.longitude, e.city, e.state, e.country
                 FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
                 JOIN asset_exif e ON e.asset_id = a.id
                 WHERE aa.album_id = $1 AND a.deleted_at IS NULL
                   AND e.latitude IS NOT NULL AND e.longitude IS NOT NULL
                 ORDER BY a.local_date_time",
                &[&album_id],
            )
            .await
            .map_err(map_error)?;
        Ok(rows
            .iter()
            .map(|r| MapMarker {
                id: r.get(0),
                latitude: r.get(1),
                longitude: r.get(2),
                city: r.get(3),
                state: r.get(4),
                country: r.get(5),
            })
            .collect())
    }

    /// Shares the album with these users; false (and nothing changed) when one of them is
    /// already a member.
    async fn add_album_members(
        &self,
        album_id: Uuid,
        members: &[(Uuid, AlbumRole)],
    ) -> CatalogResult<bool> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let now = now();
        for (user, role) in members {
            let added = tx
                .execute(
                    "INSERT INTO album_users (album_id, user_id, role, created_at)
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    &[&album_id, user, &role.as_str(), &now],
                )
                .await
                .map_err(map_error)?;
            if added == 0 {
                // Rolled back as the transaction drops.
                return Ok(false);
            }
        }
        tx.execute(
            "UPDATE albums SET updated_at = $2 WHERE id = $1",
            &[&album_id, &now],
        )
        .await
        .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(true)
    }

    /// Whether the asset is in an album the user owns or is a member of (so they may see it).
    async fn asset_in_shared_album(&self, user_id: Uuid, asset_id: Uuid) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let row = conn
            .query_one(
                "SELECT EXISTS(SELECT 1 FROM album_assets aa JOIN albums al ON al.id = aa.album_id
                 WHERE aa.asset_id = $2 AND (al.owner_id = $1 OR EXISTS (
                     SELECT 1 FROM album_users m WHERE m.album_id = al.id AND m.user_id = $1)))",
                &[&user_id, &asset_id],
            )
            .await
            .map_err(map_error)?;
        Ok(row.get(0))
    }

    /// Whether the user was a member.
    async fn remove_album_member(&self, album_id: Uuid, user_id: Uuid) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let n = conn
            .execute(
                "DELETE FROM album_users WHERE album_id = $1 AND user_id = $2",
                &[&album_id, &user_id],
            )
            .await
            .map_err(map_error)?;
        Ok(n > 0)
    }

    /// Whether the user is a member.
    async fn set_album_member_role(
        &self,
        album_id: Uuid,
        user_id: Uuid,
        role: AlbumRole,
    ) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let n = conn
            .execute(
                "UPDATE album_users SET role = $3 WHERE album_id = $1 AND user_id = $2",
                &[&album_id, &user_id, &role.as_str()],
            )
            .await
            .map_err(map_error)?;
        Ok(n > 0)
    }
}

impl PgCatalog {
    /// Reads the people each album is shared with, in one query.
    async fn with_members(
        &self,
        conn: &deadpool_postgres::Object,
        mut summaries: Vec<AlbumSummary>,
    ) -> CatalogResult<Vec<AlbumSummary>> {
        if summaries.is_empty() {
            return Ok(summaries);
        }
        let ids: Vec<Uuid> = summaries.iter().map(|s| s.album.id).collect();
        let rows = conn
            .query(
                &format!(
                    "SELECT {USER_COLUMNS}, m.role, m.album_id
                     FROM album_users m JOIN users u ON u.id = m.user_id
                     WHERE m.album_id = ANY($1) ORDER BY m.created_at, u.email"
                ),
                &[&ids],
            )
            .await
            .map_err(map_error)?;
        for r in &rows {
            let role: String = r.get(17);
            let album: Uuid = r.get(18);
            let role = AlbumRole::parse(&role)
                .ok_or_else(|| CatalogError::Backend(format!("unknown album role {role}")))?;
            if let Some(s) = summaries.iter_mut().find(|s| s.album.id == album) {
                s.members.push(AlbumMember {
                    user: user_at(r, 0)?,
                    role,
                });
            }
        }
        Ok(summaries)
    }
}
