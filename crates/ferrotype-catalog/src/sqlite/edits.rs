//! Everyday edits to assets: favourites, visibility, dates, places, ratings, descriptions, the
//! trash, and deleting for good.

use chrono::Utc;
use ferrotype_core::model::{AssetChange, PurgeSelection, PurgedAsset, Visibility};
use ferrotype_core::storage::{Generated, generated_key};
use ferrotype_core::time::zone_offset;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::{parse_uuid, ts};

fn owned(conn: &Connection, owner: &str, id: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM assets WHERE id = ?1 AND owner_id = ?2)",
        [id, owner],
        |r| r.get(0),
    )
}

pub(crate) fn update(
    conn: &mut Connection,
    owner: Uuid,
    ids: &[Uuid],
    c: &AssetChange,
) -> rusqlite::Result<u64> {
    let tx = conn.transaction()?;
    let now = ts(&Utc::now());
    let owner = owner.to_string();
    let mut changed = 0;
    let touches_asset = c.touches_asset();
    let touches_exif = c.touches_exif();
    let locked = c.locked_properties();
    let locked_json = serde_json::to_string(&locked).unwrap_or_else(|_| "[]".into());
    let names = c.place_names.as_ref();
    let fixed_offset = c.time_zone.as_deref().and_then(zone_offset);
    for id in ids {
        let id = id.to_string();
        if !owned(&tx, &owner, &id)? {
            continue;
        }
        // A locked asset leaves every album (as in Immich: the locked folder is private).
        if c.visibility == Some(Visibility::Locked) {
            tx.execute("DELETE FROM album_assets WHERE asset_id = ?1", [&id])?;
        }
        // Only a change to the asset's own fields touches its row (and so its sync cursor).
        if touches_asset {
            tx.execute(
                "UPDATE assets SET is_favorite = COALESCE(?2, is_favorite),
                    visibility = COALESCE(?3, visibility),
                    file_created_at = COALESCE(?4, file_created_at),
                    local_date_time = COALESCE(?5, local_date_time),
                    live_photo_video_id = CASE WHEN ?7 THEN ?8 ELSE live_photo_video_id END,
                    updated_at = ?6
                 WHERE id = ?1",
                params![
                    id,
                    c.is_favorite,
                    c.visibility.map(|v| v.as_str()),
                    c.taken.as_ref().map(|t| ts(&t.0)),
                    c.taken.as_ref().map(|t| ts(&t.1)),
                    now,
                    c.live_photo_video_id.is_some(),
                    c.live_photo_video_id.flatten().map(|m| m.to_string()),
                ],
            )?;
            // Immich's `dateTimeRelative`; a fixed offset (`timeZone`) sets the wall clock.
            tx.execute(
                "UPDATE assets SET
                    file_created_at = strftime('%Y-%m-%dT%H:%M:%fZ', file_created_at, ?2),
                    local_date_time = strftime('%Y-%m-%dT%H:%M:%fZ',
                        CASE WHEN ?3 IS NULL THEN local_date_time ELSE file_created_at END,
                        ?2, ifnull(?3, '+0 minutes'))
                 WHERE id = ?1 AND (?2 <> '+0 minutes' OR ?3 IS NOT NULL)",
                params![
                    id,
                    format!("{:+} minutes", c.shift_minutes.unwrap_or(0)),
                    fixed_offset.map(|o| format!("{:+} minutes", o.local_minus_utc() / 60)),
                ],
            )?;
        }
        if touches_exif {
            tx.execute(
                "INSERT OR IGNORE INTO asset_exif (asset_id, updated_at) VALUES (?1, ?2)",
                params![id, now],
            )?;
            // A new place brings its own names (the API looks them up), or none.
            tx.execute(
                "UPDATE asset_exif SET
                    date_time_original = CASE WHEN ?16 = '+0 minutes'
                        THEN CASE WHEN ?2 AND ?3 IS NOT NULL THEN ?3 ELSE date_time_original END
                        ELSE strftime('%Y-%m-%dT%H:%M:%fZ',
                            CASE WHEN ?2 AND ?3 IS NOT NULL THEN ?3 ELSE date_time_original END,
                            ?16) END,
                    time_zone = CASE WHEN ?2 THEN ?4 ELSE time_zone END,
                    latitude = CASE WHEN ?5 THEN ?6 ELSE latitude END,
                    longitude = CASE WHEN ?5 THEN ?7 ELSE longitude END,
                    city = CASE WHEN ?5 THEN ?13 ELSE city END,
                    state = CASE WHEN ?5 THEN ?14 ELSE state END,
                    country = CASE WHEN ?5 THEN ?15 ELSE country END,
                    rating = CASE WHEN ?8 THEN ?9 ELSE rating END,
                    description = COALESCE(?10, description),
                    updated_at = ?11,
                    locked_properties = (SELECT json_group_array(value) FROM (
                        SELECT value FROM json_each(locked_properties)
                        UNION SELECT value FROM json_each(?12)))
                 WHERE asset_id = ?1",
                params![
                    id,
                    c.taken.is_some() || c.time_zone.is_some(),
                    c.taken.as_ref().map(|t| ts(&t.0)),
                    c.time_zone
                        .clone()
                        .or_else(|| c.taken.as_ref().and_then(|t| t.2.clone())),
                    c.location.is_some(),
                    c.location.map(|l| l.0),
                    c.location.map(|l| l.1),
                    c.rating.is_some(),
                    c.rating.flatten(),
                    c.description,
                    now,
                    locked_json,
                    names.and_then(|n| n.city.clone()),
                    names.and_then(|n| n.state.clone()),
                    names.and_then(|n| n.country.clone()),
                    format!("{:+} minutes", c.shift_minutes.unwrap_or(0)),
                ],
            )?;
        }
        changed += 1;
    }
    tx.commit()?;
    Ok(changed)
}

pub(crate) fn trash(conn: &mut Connection, owner: Uuid, ids: &[Uuid]) -> rusqlite::Result<u64> {
    let tx = conn.transaction()?;
    let now = ts(&Utc::now());
    let mut moved = 0;
    {
        let mut stmt = tx.prepare_cached(
            "UPDATE assets SET deleted_at = ?3, updated_at = ?3
             WHERE id = ?1 AND owner_id = ?2 AND deleted_at IS NULL",
        )?;
        for id in ids {
            moved += stmt.execute(params![id.to_string(), owner.to_string(), now])? as u64;
        }
    }
    tx.commit()?;
    Ok(moved)
}

pub(crate) fn restore(
    conn: &mut Connection,
    owner: Uuid,
    ids: Option<&[Uuid]>,
) -> rusqlite::Result<u64> {
    let now = ts(&Utc::now());
    match ids {
        None => Ok(conn.execute(
            "UPDATE assets SET deleted_at = NULL, updated_at = ?2
             WHERE owner_id = ?1 AND deleted_at IS NOT NULL",
            params![owner.to_string(), now],
        )? as u64),
        Some(ids) => {
            let tx = conn.transaction()?;
            let mut restored = 0;
            {
                let mut stmt = tx.prepare_cached(
                    "UPDATE assets SET deleted_at = NULL, updated_at = ?3
                     WHERE id = ?1 AND owner_id = ?2 AND deleted_at IS NOT NULL",
                )?;
                for id in ids {
                    restored +=
                        stmt.execute(params![id.to_string(), owner.to_string(), now])? as u64;
                }
            }
            tx.commit()?;
            Ok(restored)
        }
    }
}

pub(crate) fn purge(
    conn: &mut Connection,
    selection: &PurgeSelection,
) -> rusqlite::Result<Vec<PurgedAsset>> {
    let tx = conn.transaction()?;
    let victims: Vec<(String, String, String, Option<String>, i64)> = {
        let (sql, args): (&str, Vec<String>) = match selection {
            PurgeSelection::Ids { owner_id, ids } => {
                let mut found = Vec::new();
                let mut stmt = tx.prepare_cached(
                    "SELECT id, owner_id, original_path, sidecar_path, file_size FROM assets
                     WHERE id = ?1 AND owner_id = ?2",
                )?;
                for id in ids {
                    if let Some(row) = stmt
                        .query_row([id.to_string(), owner_id.to_string()], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                        })
                        .optional()?
                    {
                        found.push(row);
                    }
                }
                drop(stmt);
                return finish(tx, found);
            }
            PurgeSelection::Trash { owner_id } => (
                "SELECT id, owner_id, original_path, sidecar_path, file_size FROM assets
                 WHERE owner_id = ?1 AND deleted_at IS NOT NULL",
                vec![owner_id.to_string()],
            ),
            PurgeSelection::Owner { owner_id } => (
                "SELECT id, owner_id, original_path, sidecar_path, file_size FROM assets
                 WHERE owner_id = ?1",
                vec![owner_id.to_string()],
            ),
            PurgeSelection::TrashedBefore(before) => (
                "SELECT id, owner_id, original_path, sidecar_path, file_size FROM assets
                 WHERE deleted_at IS NOT NULL AND deleted_at < ?1",
                vec![ts(before)],
            ),
        };
        let mut stmt = tx.prepare(sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    finish(tx, victims)
}

/// Deletes the rows, records their files as pending deletion, and returns the files. A live
/// photo's motion part goes with its still once no other still names it (as Immich's delete
/// job does).
fn finish(
    tx: rusqlite::Transaction<'_>,
    mut victims: Vec<(String, String, String, Option<String>, i64)>,
) -> rusqlite::Result<Vec<PurgedAsset>> {
    let mut motions: Vec<String> = Vec::new();
    for (id, ..) in &victims {
        let motion: Option<String> = tx.query_row(
            "SELECT live_photo_video_id FROM assets WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        motions.extend(motion.filter(|m| !victims.iter().any(|v| &v.0 == m)));
    }
    let mut purged = delete_rows(&tx, std::mem::take(&mut victims))?;
    motions.sort();
    motions.dedup();
    for motion in motions {
        let orphan = tx
            .query_row(
                "SELECT id, owner_id, original_path, sidecar_path, file_size FROM assets m
                 WHERE id = ?1
                   AND NOT EXISTS (SELECT 1 FROM assets s WHERE s.live_photo_video_id = m.id)",
                [&motion],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        victims.extend(orphan);
    }
    purged.extend(delete_rows(&tx, victims)?);
    tx.commit()?;
    Ok(purged)
}

fn delete_rows(
    tx: &rusqlite::Transaction<'_>,
    victims: Vec<(String, String, String, Option<String>, i64)>,
) -> rusqlite::Result<Vec<PurgedAsset>> {
    let now = ts(&Utc::now());
    let mut purged = Vec::new();
    for (id, owner, original, sidecar, size) in victims {
        let (asset, owner_id) = (parse_uuid(&id)?, parse_uuid(&owner)?);
        let mut files = vec![
            original,
            generated_key(owner_id, asset, Generated::Thumbnail),
            generated_key(owner_id, asset, Generated::Preview),
        ];
        files.extend(
            Generated::EDITED
                .iter()
                .map(|kind| generated_key(owner_id, asset, *kind)),
        );
        files.extend(sidecar);
        for key in &files {
            tx.execute(
                "INSERT OR REPLACE INTO upload_intents (path, created_at) VALUES (?1, ?2)",
                params![key, now],
            )?;
        }
        tx.execute("DELETE FROM assets WHERE id = ?1", [&id])?;
        tx.execute(
            "UPDATE users SET quota_usage_in_bytes = MAX(quota_usage_in_bytes - ?2, 0) WHERE id = ?1",
            params![owner, size],
        )?;
        purged.push(PurgedAsset {
            id: asset,
            owner_id,
            files,
        });
    }
    Ok(purged)
}
