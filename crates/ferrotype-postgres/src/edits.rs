//! Everyday edits to assets: favourites, visibility, dates, places, ratings, descriptions, the
//! trash, and deleting for good.

use ferrotype_core::catalog::CatalogResult;
use ferrotype_core::model::{AssetChange, PurgeSelection, PurgedAsset, Visibility};
use ferrotype_core::storage::{Generated, generated_key};
use ferrotype_core::time::zone_offset;
use tokio_postgres::types::Json;
use uuid::Uuid;

use crate::{PgCatalog, map_error, ms, now};

/// Applies an edit to the owner's assets among `ids` (others are left alone); returns how
/// many changed.
pub(crate) async fn update_assets(
    catalog: &PgCatalog,
    owner_id: Uuid,
    ids: &[Uuid],
    c: &AssetChange,
) -> CatalogResult<u64> {
    let mut conn = catalog.conn().await?;
    let tx = conn.transaction().await.map_err(map_error)?;
    let now = now();
    let touches_asset = c.touches_asset();
    let touches_exif = c.touches_exif();
    let locked = c.locked_properties();
    let visibility = c.visibility.map(|v| v.as_str());
    let taken_at = c.taken.as_ref().map(|t| ms(&t.0));
    let taken_local = c.taken.as_ref().map(|t| ms(&t.1));
    let taken_zone = c.taken.as_ref().and_then(|t| t.2.clone());
    let has_taken = c.taken.is_some() || c.time_zone.is_some();
    let taken_zone = c.time_zone.clone().or(taken_zone);
    let shift = c.shift_minutes.unwrap_or(0);
    let offset_minutes = c
        .time_zone
        .as_deref()
        .and_then(zone_offset)
        .map(|o| o.local_minus_utc() / 60);
    let has_motion = c.live_photo_video_id.is_some();
    let motion = c.live_photo_video_id.flatten();
    let has_location = c.location.is_some();
    let (latitude, longitude) = (c.location.map(|l| l.0), c.location.map(|l| l.1));
    let names = c.place_names.clone().unwrap_or_default();
    let (city, state, country) = (names.city, names.state, names.country);
    let has_rating = c.rating.is_some();
    let rating = c.rating.flatten();
    // The owner's among `ids`, each once, locked against a concurrent edit.
    let owned: Vec<Uuid> = tx
        .query(
            "SELECT id FROM assets WHERE id = ANY($1) AND owner_id = $2 ORDER BY id FOR UPDATE",
            &[&ids, &owner_id],
        )
        .await
        .map_err(map_error)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    // SQLite counts each id asked for that the owner has, repeats included.
    let changed = ids.iter().filter(|id| owned.contains(id)).count() as u64;
    if owned.is_empty() {
        return Ok(0);
    }
    // A locked asset leaves every album (as in Immich: the locked folder is private).
    if c.visibility == Some(Visibility::Locked) {
        tx.execute(
            "DELETE FROM album_assets WHERE asset_id = ANY($1)",
            &[&owned],
        )
        .await
        .map_err(map_error)?;
    }
    // Only a change to the asset's own fields touches its row (and so its sync cursor).
    if touches_asset {
        tx.execute(
            "UPDATE assets SET is_favorite = COALESCE($2, is_favorite),
                visibility = COALESCE($3, visibility),
                file_created_at = COALESCE($4, file_created_at),
                local_date_time = COALESCE($5, local_date_time),
                live_photo_video_id = CASE WHEN $7 THEN $8 ELSE live_photo_video_id END,
                updated_at = $6
             WHERE id = ANY($1)",
            &[
                &owned,
                &c.is_favorite,
                &visibility,
                &taken_at,
                &taken_local,
                &now,
                &has_motion,
                &motion,
            ],
        )
        .await
        .map_err(map_error)?;
        // Immich's `dateTimeRelative`; a fixed offset (`timeZone`) sets the wall clock.
        if shift != 0 || offset_minutes.is_some() {
            tx.execute(
                "UPDATE assets SET
                    file_created_at = file_created_at + make_interval(mins => $2),
                    local_date_time = CASE WHEN $3::int IS NULL
                        THEN local_date_time + make_interval(mins => $2)
                        ELSE file_created_at + make_interval(mins => $2 + $3::int) END
                 WHERE id = ANY($1)",
                &[&owned, &shift, &offset_minutes],
            )
            .await
            .map_err(map_error)?;
        }
    }
    if touches_exif {
        tx.execute(
            "INSERT INTO asset_exif (asset_id, updated_at) SELECT unnest($1::uuid[]), $2
             ON CONFLICT (asset_id) DO NOTHING",
            &[&owned, &now],
        )
        .await
        .map_err(map_error)?;
        // A new place brings its own names (the API looks them up), or none.
        tx.execute(
            "UPDATE asset_exif SET
                date_time_original = (CASE WHEN $2 AND $3::timestamptz IS NOT NULL THEN $3
                    ELSE date_time_original END) + make_interval(mins => $16),
                time_zone = CASE WHEN $2 THEN $4 ELSE time_zone END,
                latitude = CASE WHEN $5 THEN $6 ELSE latitude END,
                longitude = CASE WHEN $5 THEN $7 ELSE longitude END,
                city = CASE WHEN $5 THEN $13 ELSE city END,
                state = CASE WHEN $5 THEN $14 ELSE state END,
                country = CASE WHEN $5 THEN $15 ELSE country END,
                rating = CASE WHEN $8 THEN $9 ELSE rating END,
                description = COALESCE($10, description),
                updated_at = $11,
                locked_properties = (
                    SELECT COALESCE(jsonb_agg(DISTINCT value ORDER BY value), '[]')
                    FROM (SELECT jsonb_array_elements(locked_properties) AS value
                          UNION SELECT jsonb_array_elements($12::jsonb)) AS names)
             WHERE asset_id = ANY($1)",
            &[
                &owned,
                &has_taken,
                &taken_at,
                &taken_zone,
                &has_location,
                &latitude,
                &longitude,
                &has_rating,
                &rating,
                &c.description,
                &now,
                &Json(&locked),
                &city,
                &state,
                &country,
                &shift,
            ],
        )
        .await
        .map_err(map_error)?;
    }
    tx.commit().await.map_err(map_error)?;
    Ok(changed)
}

/// Moves the owner's assets among `ids` to the trash; returns how many moved.
pub(crate) async fn trash_assets(
    c: &PgCatalog,
    owner_id: Uuid,
    ids: &[Uuid],
) -> CatalogResult<u64> {
    let conn = c.conn().await?;
    conn.execute(
        "UPDATE assets SET deleted_at = $3, updated_at = $3
         WHERE id = ANY($1) AND owner_id = $2 AND deleted_at IS NULL",
        &[&ids, &owner_id, &now()],
    )
    .await
    .map_err(map_error)
}

/// Brings the owner's trashed assets back: those among `ids`, or all with `None`.
pub(crate) async fn restore_assets(
    c: &PgCatalog,
    owner_id: Uuid,
    ids: Option<&[Uuid]>,
) -> CatalogResult<u64> {
    let conn = c.conn().await?;
    conn.execute(
        "UPDATE assets SET deleted_at = NULL, updated_at = $3
         WHERE owner_id = $1 AND deleted_at IS NOT NULL
           AND ($2::uuid[] IS NULL OR id = ANY($2))",
        &[&owner_id, &ids, &now()],
    )
    .await
    .map_err(map_error)
}

/// Deletes assets for good. The rows go in one transaction that also records their files
/// as pending deletion (upload intents), so a crash before the files are gone is repaired
/// at start. Returns the deleted assets with the file keys to delete.
pub(crate) async fn purge_assets(
    c: &PgCatalog,
    selection: &PurgeSelection,
) -> CatalogResult<Vec<PurgedAsset>> {
    let mut conn = c.conn().await?;
    let tx = conn.transaction().await.map_err(map_error)?;
    const DELETE: &str = "DELETE FROM assets a WHERE a.id IN (SELECT id FROM assets";
    const RETURNING: &str = "FOR UPDATE) RETURNING a.id, a.owner_id, a.original_path, \
        a.sidecar_path, a.file_size, a.live_photo_video_id";
    let mut rows = match selection {
        PurgeSelection::Ids { owner_id, ids } => {
            tx.query(
                &format!("{DELETE} WHERE id = ANY($1) AND owner_id = $2 {RETURNING}"),
                &[ids, owner_id],
            )
            .await
        }
        PurgeSelection::Trash { owner_id } => {
            tx.query(
                &format!("{DELETE} WHERE owner_id = $1 AND deleted_at IS NOT NULL {RETURNING}"),
                &[owner_id],
            )
            .await
        }
        PurgeSelection::Owner { owner_id } => {
            tx.query(
                &format!("{DELETE} WHERE owner_id = $1 {RETURNING}"),
                &[owner_id],
            )
            .await
        }
        PurgeSelection::TrashedBefore(before) => {
            tx.query(
                &format!("{DELETE} WHERE deleted_at IS NOT NULL AND deleted_at < $1 {RETURNING}"),
                &[before],
            )
            .await
        }
    }
    .map_err(map_error)?;
    // A live photo's motion part goes with its still once no other still names it (as
    // Immich's delete job does).
    let motions: Vec<Uuid> = rows
        .iter()
        .filter_map(|r| r.get::<_, Option<Uuid>>(5))
        .collect();
    if !motions.is_empty() {
        let orphans = tx
            .query(
                &format!(
                    "{DELETE} m WHERE m.id = ANY($1) AND NOT EXISTS
                        (SELECT 1 FROM assets s WHERE s.live_photo_video_id = m.id) {RETURNING}"
                ),
                &[&motions],
            )
            .await
            .map_err(map_error)?;
        rows.extend(orphans);
    }
    let now = now();
    let mut purged = Vec::new();
    let mut files_all: Vec<String> = Vec::new();
    for r in &rows {
        let (id, owner_id): (Uuid, Uuid) = (r.get(0), r.get(1));
        let mut files = vec![
            r.get::<_, String>(2),
            generated_key(owner_id, id, Generated::Thumbnail),
            generated_key(owner_id, id, Generated::Preview),
        ];
        files.extend(
            Generated::EDITED
                .iter()
                .map(|kind| generated_key(owner_id, id, *kind)),
        );
        files.extend(r.get::<_, Option<String>>(3));
        files_all.extend(files.iter().cloned());
        purged.push(PurgedAsset {
            id,
            owner_id,
            files,
        });
    }
    tx.execute(
        "INSERT INTO upload_intents (path, created_at) SELECT unnest($1::text[]), $2
         ON CONFLICT (path) DO UPDATE SET created_at = excluded.created_at",
        &[&files_all, &now],
    )
    .await
    .map_err(map_error)?;
    // Each owner's usage goes down by what they lost, never below zero.
    let owners: Vec<Uuid> = rows.iter().map(|r| r.get(1)).collect();
    let sizes: Vec<i64> = rows.iter().map(|r| r.get(4)).collect();
    tx.execute(
        "UPDATE users u SET quota_usage_in_bytes = GREATEST(u.quota_usage_in_bytes - s.size, 0)
         FROM (SELECT owner, sum(size)::bigint AS size
               FROM unnest($1::uuid[], $2::bigint[]) AS t(owner, size) GROUP BY owner) s
         WHERE u.id = s.owner",
        &[&owners, &sizes],
    )
    .await
    .map_err(map_error)?;
    tx.commit().await.map_err(map_error)?;
    // As asked: by the order of the ids given (motion parts after them).
    if let PurgeSelection::Ids { ids, .. } = selection {
        purged.sort_by_key(|p| ids.iter().position(|id| *id == p.id).unwrap_or(usize::MAX));
    }
    Ok(purged)
}
