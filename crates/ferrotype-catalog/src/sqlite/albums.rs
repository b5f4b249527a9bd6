//! Album edits: settings, deletion, removing assets (with the cover kept valid), and the map.

use chrono::Utc;
use ferrotype_core::model::{AlbumChange, AlbumRemoveResult, MapMarker};
use rusqlite::{Connection, params};
use uuid::Uuid;

use super::{parse_uuid, ts};

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
