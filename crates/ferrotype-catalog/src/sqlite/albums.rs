//! Album edits: settings, deletion, removing assets (with the cover kept valid), and the map.

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{AlbumRepo, CatalogResult};
use ferrotype_core::model::*;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::assets::{ASSET_COLUMNS, asset_at, conversion_error};
use super::users::{USER_COLUMNS, user_at};
use super::{SqliteCatalog, opt_parse_ts, opt_parse_uuid, parse_ts, parse_uuid, ts};

pub(crate) fn update(conn: &Connection, album_id: Uuid, c: &AlbumChange) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE albums SET name = COALESCE(?2, name), description = COALESCE(?3, description),
            thumbnail_asset_id = COALESCE(?4, thumbnail_asset_id),
            is_activity_enabled = COALESCE(?5, is_activity_enabled),
            sort_order = COALESCE(?6, sort_order), updated_at = ?7
         WHERE id = ?1",
        params![
            album_id.to_string(),
            c.name,
            c.description,
            c.thumbnail_asset_id.map(|u| u.to_string()),
            c.is_activity_enabled,
            c.order,
            ts(&Utc::now()),
        ],
    )?;
    Ok(())
}

pub(crate) fn remove_assets(
    conn: &mut Connection,
    album_id: Uuid,
    actor_id: Uuid,
    any: bool,
    ids: &[Uuid],
) -> rusqlite::Result<Vec<(Uuid, AlbumRemoveResult)>> {
    let tx = conn.transaction()?;
    let album = album_id.to_string();
    let mut results = Vec::with_capacity(ids.len());
    let mut removed_any = false;
    {
        let mut owner_of = tx.prepare_cached(
            "SELECT a.owner_id FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
             WHERE aa.album_id = ?1 AND aa.asset_id = ?2",
        )?;
        let mut delete =
            tx.prepare_cached("DELETE FROM album_assets WHERE album_id = ?1 AND asset_id = ?2")?;
        for id in ids {
            let id_text = id.to_string();
            let owner: Option<String> = owner_of
                .query_row(params![album, id_text], |r| r.get(0))
                .ok();
            let result = match owner {
                None => AlbumRemoveResult::NotInAlbum,
                Some(owner) if !any && parse_uuid(&owner)? != actor_id => {
                    AlbumRemoveResult::NoPermission
                }
                Some(_) => {
                    delete.execute(params![album, id_text])?;
                    removed_any = true;
                    AlbumRemoveResult::Removed
                }
            };
            results.push((*id, result));
        }
    }
    if removed_any {
        // A cover that left the album is replaced by the oldest asset still in it.
        tx.execute(
            "UPDATE albums SET updated_at = ?2,
                thumbnail_asset_id = CASE
                    WHEN thumbnail_asset_id IN (SELECT asset_id FROM album_assets WHERE album_id = ?1)
                    THEN thumbnail_asset_id
                    ELSE (SELECT asset_id FROM album_assets WHERE album_id = ?1
                          ORDER BY created_at, asset_id LIMIT 1) END
             WHERE id = ?1",
            params![album, ts(&Utc::now())],
        )?;
    }
    tx.commit()?;
    Ok(results)
}

pub(crate) fn map_markers(conn: &Connection, album_id: Uuid) -> rusqlite::Result<Vec<MapMarker>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, e.latitude, e.longitude, e.city, e.state, e.country
         FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
         JOIN asset_exif e ON e.asset_id = a.id
         WHERE aa.album_id = ?1 AND a.deleted_at IS NULL
           AND e.latitude IS NOT NULL AND e.longitude IS NOT NULL
         ORDER BY a.local_date_time",
    )?;
    let rows = stmt.query_map([album_id.to_string()], |r| {
        Ok(MapMarker {
            id: parse_uuid(&r.get::<_, String>(0)?)?,
            latitude: r.get(1)?,
            longitude: r.get(2)?,
            city: r.get(3)?,
            state: r.get(4)?,
            country: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// Album columns followed by the figures of its (non-trashed) assets.
const ALBUM_SUMMARY_SELECT: &str = "SELECT al.id, al.owner_id, al.name, al.description,
        al.thumbnail_asset_id, al.is_activity_enabled, al.sort_order, al.created_at,
        al.updated_at,
        (SELECT COUNT(*) FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
          WHERE aa.album_id = al.id AND a.deleted_at IS NULL),
        (SELECT MIN(a.local_date_time) FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
          WHERE aa.album_id = al.id AND a.deleted_at IS NULL),
        (SELECT MAX(a.local_date_time) FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
          WHERE aa.album_id = al.id AND a.deleted_at IS NULL),
        (SELECT MAX(a.updated_at) FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
          WHERE aa.album_id = al.id AND a.deleted_at IS NULL),
        EXISTS(SELECT 1 FROM shared_links sl WHERE sl.album_id = al.id),
        u.id, u.email, u.name, u.password_hash, u.is_admin, u.avatar_color,
        u.profile_image_path, u.profile_changed_at, u.should_change_password, u.storage_label,
        u.oauth_id, u.quota_size_in_bytes, u.quota_usage_in_bytes, u.status, u.created_at,
        u.updated_at, u.deleted_at
    FROM albums al JOIN users u ON u.id = al.owner_id";

fn album_summary_at(r: &Row<'_>) -> rusqlite::Result<AlbumSummary> {
    Ok(AlbumSummary {
        album: Album {
            id: parse_uuid(&r.get::<_, String>(0)?)?,
            owner_id: parse_uuid(&r.get::<_, String>(1)?)?,
            name: r.get(2)?,
            description: r.get(3)?,
            thumbnail_asset_id: opt_parse_uuid(r.get(4)?)?,
            is_activity_enabled: r.get(5)?,
            order: r.get(6)?,
            created_at: parse_ts(&r.get::<_, String>(7)?)?,
            updated_at: parse_ts(&r.get::<_, String>(8)?)?,
        },
        asset_count: r.get(9)?,
        start_date: opt_parse_ts(r.get(10)?)?,
        end_date: opt_parse_ts(r.get(11)?)?,
        last_modified_asset_timestamp: opt_parse_ts(r.get(12)?)?,
        has_shared_link: r.get(13)?,
        owner: user_at(r, 14)?,
        // Filled in by `with_members`.
        members: Vec::new(),
    })
}

/// Reads the people an album is shared with into each summary.
fn with_members(
    conn: &Connection,
    mut summaries: Vec<AlbumSummary>,
) -> rusqlite::Result<Vec<AlbumSummary>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {USER_COLUMNS}, m.role FROM album_users m JOIN users u ON u.id = m.user_id
         WHERE m.album_id = ?1 ORDER BY m.created_at, u.email"
    ))?;
    for summary in &mut summaries {
        let rows = stmt.query_map([summary.album.id.to_string()], |r| {
            let role: String = r.get(17)?;
            Ok(AlbumMember {
                user: user_at(r, 0)?,
                role: AlbumRole::parse(&role).ok_or_else(|| conversion_error(17, "album role"))?,
            })
        })?;
        summary.members = rows.collect::<rusqlite::Result<_>>()?;
    }
    Ok(summaries)
}

#[async_trait]
impl AlbumRepo for SqliteCatalog {
    async fn create_album(&self, album: &Album) -> CatalogResult<()> {
        let al = album.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO albums (id, owner_id, name, description, thumbnail_asset_id,
                    is_activity_enabled, sort_order, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    al.id.to_string(),
                    al.owner_id.to_string(),
                    al.name,
                    al.description,
                    al.thumbnail_asset_id.map(|u| u.to_string()),
                    al.is_activity_enabled,
                    al.order,
                    ts(&al.created_at),
                    ts(&al.updated_at),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn album(&self, id: Uuid) -> CatalogResult<Option<AlbumSummary>> {
        self.read(move |conn| {
            let found = conn
                .query_row(
                    &format!("{ALBUM_SUMMARY_SELECT} WHERE al.id = ?1"),
                    [id.to_string()],
                    album_summary_at,
                )
                .optional()?;
            Ok(with_members(conn, found.into_iter().collect())?.pop())
        })
        .await
    }

    async fn albums_of(
        &self,
        owner_id: Uuid,
        containing: Option<Uuid>,
    ) -> CatalogResult<Vec<AlbumSummary>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "{ALBUM_SUMMARY_SELECT}
                 WHERE (al.owner_id = ?1 OR EXISTS (SELECT 1 FROM album_users m
                                                    WHERE m.album_id = al.id AND m.user_id = ?1))
                   -- A deleted owner's albums are gone for their members too (Immich
                   -- deletes them with the owner).
                   AND u.deleted_at IS NULL
                   AND (?2 IS NULL OR EXISTS (SELECT 1 FROM album_assets c
                                              WHERE c.album_id = al.id AND c.asset_id = ?2))
                 ORDER BY al.created_at DESC"
            ))?;
            let rows = stmt.query_map(
                params![owner_id.to_string(), containing.map(|u| u.to_string())],
                album_summary_at,
            )?;
            let summaries = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            with_members(conn, summaries)
        })
        .await
    }

    async fn add_album_assets(
        &self,
        album_id: Uuid,
        owner_id: Uuid,
        asset_ids: &[Uuid],
    ) -> CatalogResult<Vec<(Uuid, AlbumAddResult)>> {
        let ids = asset_ids.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let now = ts(&Utc::now());
            let album = album_id.to_string();
            let owner = owner_id.to_string();
            let mut results = Vec::with_capacity(ids.len());
            let mut first_added: Option<String> = None;
            {
                let mut owned = tx.prepare_cached(
                    "SELECT EXISTS(SELECT 1 FROM assets WHERE id = ?1 AND owner_id = ?2)",
                )?;
                let mut insert = tx.prepare_cached(
                    "INSERT OR IGNORE INTO album_assets (album_id, asset_id, created_at)
                     VALUES (?1, ?2, ?3)",
                )?;
                for id in ids {
                    let id_text = id.to_string();
                    let result = if !owned.query_row(params![id_text, owner], |r| r.get(0))? {
                        AlbumAddResult::NoPermission
                    } else if insert.execute(params![album, id_text, now])? == 0 {
                        AlbumAddResult::AlreadyThere
                    } else {
                        first_added.get_or_insert_with(|| id_text.clone());
                        AlbumAddResult::Added
                    };
                    results.push((id, result));
                }
            }
            if let Some(first) = first_added {
                // The first asset added becomes the cover when the album has none, as in Immich.
                tx.execute(
                    "UPDATE albums SET updated_at = ?2,
                        thumbnail_asset_id = COALESCE(thumbnail_asset_id, ?3)
                     WHERE id = ?1",
                    params![album, now, first],
                )?;
            }
            tx.commit()?;
            Ok(results)
        })
        .await
    }

    async fn update_album(&self, album_id: Uuid, change: &AlbumChange) -> CatalogResult<()> {
        let change = change.clone();
        self.write(move |conn| update(conn, album_id, &change))
            .await
    }

    async fn delete_album(&self, album_id: Uuid) -> CatalogResult<()> {
        self.write(move |conn| {
            conn.execute("DELETE FROM albums WHERE id = ?1", [album_id.to_string()])?;
            Ok(())
        })
        .await
    }

    async fn album_contributor_counts(&self, album_id: Uuid) -> CatalogResult<Vec<(Uuid, i64)>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT a.owner_id, COUNT(*) AS n FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
                 WHERE aa.album_id = ?1 AND a.deleted_at IS NULL
                 GROUP BY a.owner_id ORDER BY n DESC, a.owner_id",
            )?;
            let rows = stmt.query_map([album_id.to_string()], |r| {
                Ok((parse_uuid(&r.get::<_, String>(0)?)?, r.get(1)?))
            })?;
            rows.collect()
        })
        .await
    }

    async fn album_contains(&self, album_id: Uuid, asset_id: Uuid) -> CatalogResult<bool> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM album_assets WHERE album_id = ?1 AND asset_id = ?2)",
                params![album_id.to_string(), asset_id.to_string()],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn remove_album_assets(
        &self,
        album_id: Uuid,
        actor_id: Uuid,
        any: bool,
        asset_ids: &[Uuid],
    ) -> CatalogResult<Vec<(Uuid, AlbumRemoveResult)>> {
        let ids = asset_ids.to_vec();
        self.write(move |conn| remove_assets(conn, album_id, actor_id, any, &ids))
            .await
    }

    async fn assets_for_download(
        &self,
        owner_id: Option<Uuid>,
        album_id: Option<Uuid>,
    ) -> CatalogResult<Vec<Asset>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ASSET_COLUMNS} FROM assets a
                 WHERE a.deleted_at IS NULL
                   AND (?1 IS NULL OR a.owner_id = ?1)
                   AND (?2 IS NULL OR a.id IN (SELECT asset_id FROM album_assets WHERE album_id = ?2))
                 ORDER BY a.local_date_time, a.id"
            ))?;
            let rows = stmt.query_map(
                params![owner_id.map(|u| u.to_string()), album_id.map(|u| u.to_string())],
                asset_at,
            )?;
            rows.collect()
        })
        .await
    }

    async fn album_map_markers(&self, album_id: Uuid) -> CatalogResult<Vec<MapMarker>> {
        self.read(move |conn| map_markers(conn, album_id)).await
    }

    async fn add_album_members(
        &self,
        album_id: Uuid,
        members: &[(Uuid, AlbumRole)],
    ) -> CatalogResult<bool> {
        let members = members.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let now = ts(&Utc::now());
            for (user, role) in &members {
                let added = tx.execute(
                    "INSERT OR IGNORE INTO album_users (album_id, user_id, role, created_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![album_id.to_string(), user.to_string(), role.as_str(), now],
                )?;
                if added == 0 {
                    return Ok(false);
                }
            }
            tx.execute(
                "UPDATE albums SET updated_at = ?2 WHERE id = ?1",
                params![album_id.to_string(), now],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn asset_in_shared_album(&self, user_id: Uuid, asset_id: Uuid) -> CatalogResult<bool> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM album_assets aa JOIN albums al ON al.id = aa.album_id
                 WHERE aa.asset_id = ?2 AND (al.owner_id = ?1 OR EXISTS (
                     SELECT 1 FROM album_users m WHERE m.album_id = al.id AND m.user_id = ?1)))",
                params![user_id.to_string(), asset_id.to_string()],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn remove_album_member(&self, album_id: Uuid, user_id: Uuid) -> CatalogResult<bool> {
        self.write(move |conn| {
            let removed = conn.execute(
                "DELETE FROM album_users WHERE album_id = ?1 AND user_id = ?2",
                params![album_id.to_string(), user_id.to_string()],
            )?;
            Ok(removed > 0)
        })
        .await
    }

    async fn set_album_member_role(
        &self,
        album_id: Uuid,
        user_id: Uuid,
        role: AlbumRole,
    ) -> CatalogResult<bool> {
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE album_users SET role = ?3 WHERE album_id = ?1 AND user_id = ?2",
                params![album_id.to_string(), user_id.to_string(), role.as_str()],
            )?;
            Ok(changed > 0)
        })
        .await
    }
}
