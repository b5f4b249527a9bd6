//! Metadata extraction's and thumbnail generation's writes, and the reads that show them.

use ferrotype_core::catalog::{CatalogError, CatalogResult};
use ferrotype_core::jobs::{JobEnd, names};
use ferrotype_core::model::{ExifInfo, Tag};
use tokio_postgres::Row;
use tokio_postgres::types::{Json, ToSql};
use uuid::Uuid;

use crate::tags::{self, TAG_COLUMNS, tag_at};
use crate::{PgCatalog, jobs, map_error, now, opt_ms};

/// The columns `exif_at` reads, in its order.
pub(crate) const EXIF_COLUMNS: &str = "make, model, lens_model, exif_image_width, \
    exif_image_height, orientation, date_time_original, time_zone, modify_date, f_number, \
    focal_length, iso, exposure_time, latitude, longitude, city, state, country, description, \
    rating, file_size_in_byte, projection_type, profile_description, colorspace, \
    bits_per_sample, fps, live_photo_cid";

pub(crate) fn exif_at(r: &Row) -> ExifInfo {
    ExifInfo {
        make: r.get(0),
        model: r.get(1),
        lens_model: r.get(2),
        exif_image_width: r.get(3),
        exif_image_height: r.get(4),
        orientation: r.get(5),
        date_time_original: r.get(6),
        local_date_time: None,
        time_zone: r.get(7),
        modify_date: r.get(8),
        f_number: r.get(9),
        focal_length: r.get(10),
        iso: r.get(11),
        exposure_time: r.get(12),
        latitude: r.get(13),
        longitude: r.get(14),
        city: r.get(15),
        state: r.get(16),
        country: r.get(17),
        description: r.get(18),
        rating: r.get(19),
        keywords: Vec::new(),
        file_size_in_byte: r.get(20),
        projection_type: r.get(21),
        profile_description: r.get(22),
        colorspace: r.get(23),
        bits_per_sample: r.get(24),
        fps: r.get(25),
        duration_ms: None,
        live_photo_cid: r.get(26),
    }
}

async fn exif_of(
    client: &impl deadpool_postgres::GenericClient,
    asset_id: Uuid,
) -> Result<Option<ExifInfo>, tokio_postgres::Error> {
    Ok(client
        .query_opt(
            &format!("SELECT {EXIF_COLUMNS} FROM asset_exif WHERE asset_id = $1"),
            &[&asset_id],
        )
        .await?
        .map(|r| exif_at(&r)))
}

async fn mark_done(
    client: &impl deadpool_postgres::GenericClient,
    asset_id: Uuid,
    job: &str,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "INSERT INTO asset_job_status (asset_id, job, done_at) VALUES ($1, $2, $3)
             ON CONFLICT (asset_id, job) DO UPDATE SET done_at = excluded.done_at",
            &[&asset_id, &job, &now()],
        )
        .await?;
    Ok(())
}

/// The asset was deleted meanwhile: a broken reference, as SQLite's foreign key reports it.
fn gone(asset_id: Uuid) -> CatalogError {
    CatalogError::Conflict(format!("asset {asset_id} does not exist"))
}

/// Stores what metadata extraction found, moves the asset to its capture time, sets its
/// displayed size, links its keyword tags and records `end`, in one transaction.
pub(crate) async fn save_metadata(
    c: &PgCatalog,
    asset_id: Uuid,
    info: &ExifInfo,
    size: Option<(i64, i64)>,
    end: &JobEnd,
) -> CatalogResult<()> {
    let mut conn = c.conn().await?;
    let tx = conn.transaction().await.map_err(map_error)?;
    let now = now();
    // The asset's row locked first: an edit made meanwhile waits, then applies on top.
    let Some(owner) = tx
        .query_opt(
            "SELECT owner_id FROM assets WHERE id = $1 FOR UPDATE",
            &[&asset_id],
        )
        .await
        .map_err(map_error)?
        .map(|r| r.get::<_, Uuid>(0))
    else {
        return Err(gone(asset_id));
    };
    // What the user edited by hand stays as they set it.
    let locked: Vec<String> = tx
        .query_opt(
            "SELECT locked_properties FROM asset_exif WHERE asset_id = $1",
            &[&asset_id],
        )
        .await
        .map_err(map_error)?
        .and_then(|r| r.try_get::<_, Json<Vec<String>>>(0).ok())
        .map(|Json(v)| v)
        .unwrap_or_default();
    let mut info = info.clone();
    let mut dates_locked = false;
    if !locked.is_empty()
        && let Some(edited) = exif_of(&tx, asset_id).await.map_err(map_error)?
    {
        let is = |name: &str| locked.iter().any(|l| l == name);
        if is("dateTimeOriginal") {
            info.date_time_original = edited.date_time_original;
            // The timeline position was set by the edit too.
            dates_locked = true;
        }
        if is("timeZone") {
            info.time_zone = edited.time_zone;
        }
        if is("latitude") || is("longitude") {
            info.latitude = edited.latitude;
            info.longitude = edited.longitude;
            info.city = edited.city;
            info.state = edited.state;
            info.country = edited.country;
        }
        if is("description") {
            info.description = edited.description;
        }
        if is("rating") {
            info.rating = edited.rating;
        }
    }
    let i = &info;
    let (taken, modified) = (opt_ms(&i.date_time_original), opt_ms(&i.modify_date));
    let locked = Json(&locked);
    let params: [&(dyn ToSql + Sync); 30] = [
        &asset_id,
        &i.make,
        &i.model,
        &i.lens_model,
        &i.exif_image_width,
        &i.exif_image_height,
        &i.orientation,
        &taken,
        &i.time_zone,
        &modified,
        &i.f_number,
        &i.focal_length,
        &i.iso,
        &i.exposure_time,
        &i.latitude,
        &i.longitude,
        &i.city,
        &i.state,
        &i.country,
        &i.description,
        &i.rating,
        &i.file_size_in_byte,
        &i.projection_type,
        &i.profile_description,
        &i.colorspace,
        &i.bits_per_sample,
        &i.fps,
        &i.live_photo_cid,
        &now,
        &locked,
    ];
    tx.execute(
        "INSERT INTO asset_exif (asset_id, make, model, lens_model, exif_image_width,
            exif_image_height, orientation, date_time_original, time_zone, modify_date,
            f_number, focal_length, iso, exposure_time, latitude, longitude, city, state,
            country, description, rating, file_size_in_byte, projection_type,
            profile_description, colorspace, bits_per_sample, fps, live_photo_cid,
            updated_at, locked_properties)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
            $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)
         ON CONFLICT (asset_id) DO UPDATE SET make = excluded.make, model = excluded.model,
            lens_model = excluded.lens_model, exif_image_width = excluded.exif_image_width,
            exif_image_height = excluded.exif_image_height,
            orientation = excluded.orientation,
            date_time_original = excluded.date_time_original,
            time_zone = excluded.time_zone, modify_date = excluded.modify_date,
            f_number = excluded.f_number, focal_length = excluded.focal_length,
            iso = excluded.iso, exposure_time = excluded.exposure_time,
            latitude = excluded.latitude, longitude = excluded.longitude,
            city = excluded.city, state = excluded.state, country = excluded.country,
            description = excluded.description, rating = excluded.rating,
            file_size_in_byte = excluded.file_size_in_byte,
            projection_type = excluded.projection_type,
            profile_description = excluded.profile_description,
            colorspace = excluded.colorspace, bits_per_sample = excluded.bits_per_sample,
            fps = excluded.fps, live_photo_cid = excluded.live_photo_cid,
            updated_at = excluded.updated_at, locked_properties = excluded.locked_properties",
        &params,
    )
    .await
    .map_err(map_error)?;
    // The capture time moves the asset on the timeline; without one, the upload's dates stay.
    let (created, local) = if dates_locked {
        (None, None)
    } else {
        (taken, opt_ms(&i.local_date_time))
    };
    tx.execute(
        "UPDATE assets SET
            file_created_at = COALESCE($2, file_created_at),
            local_date_time = COALESCE($3, local_date_time),
            width = COALESCE($4, width),
            height = COALESCE($5, height),
            duration_ms = COALESCE($6, duration_ms),
            updated_at = $7
         WHERE id = $1",
        &[
            &asset_id,
            &created,
            &local,
            &size.map(|s| s.0),
            &size.map(|s| s.1),
            &i.duration_ms,
            &now,
        ],
    )
    .await
    .map_err(map_error)?;
    // Keywords become the owner's tags, every level of a path (Immich's upsert), the asset on
    // each path's own tag; unless the user chose the asset's tags by hand since.
    if !locked.0.iter().any(|l| l == "tags") {
        tx.execute("DELETE FROM asset_tags WHERE asset_id = $1", &[&asset_id])
            .await
            .map_err(map_error)?;
        let mut seen = std::collections::HashSet::new();
        for path in i.keywords.iter().filter(|k| seen.insert(k.as_str())) {
            if let Some(tag) = tags::upsert_path(&tx, owner, path)
                .await
                .map_err(map_error)?
            {
                tx.execute(
                    "INSERT INTO asset_tags (asset_id, tag_id) VALUES ($1, $2)
                     ON CONFLICT DO NOTHING",
                    &[&asset_id, &tag.id],
                )
                .await
                .map_err(map_error)?;
            }
        }
    }
    mark_done(&tx, asset_id, names::EXTRACT_METADATA)
        .await
        .map_err(map_error)?;
    jobs::end_in(&tx, end).await?;
    tx.commit().await.map_err(map_error)
}

/// Records that the thumbnails exist: the thumbhash, and the size the decoder found when it
/// is the original's own; records `end` in the same transaction.
pub(crate) async fn save_thumbnails(
    c: &PgCatalog,
    asset_id: Uuid,
    thumbhash: &[u8],
    size: Option<(i64, i64)>,
    end: &JobEnd,
) -> CatalogResult<()> {
    let mut conn = c.conn().await?;
    let tx = conn.transaction().await.map_err(map_error)?;
    let updated = tx
        .execute(
            "UPDATE assets SET thumbhash = $2, width = COALESCE($3, width),
                height = COALESCE($4, height), updated_at = $5
             WHERE id = $1",
            &[
                &asset_id,
                &thumbhash,
                &size.map(|s| s.0),
                &size.map(|s| s.1),
                &now(),
            ],
        )
        .await
        .map_err(map_error)?;
    if updated == 0 {
        return Err(gone(asset_id));
    }
    mark_done(&tx, asset_id, names::GENERATE_THUMBNAILS)
        .await
        .map_err(map_error)?;
    jobs::end_in(&tx, end).await?;
    tx.commit().await.map_err(map_error)
}

pub(crate) async fn asset_exif(c: &PgCatalog, asset_id: Uuid) -> CatalogResult<Option<ExifInfo>> {
    let conn = c.conn().await?;
    exif_of(&conn, asset_id).await.map_err(map_error)
}

pub(crate) async fn asset_tags(c: &PgCatalog, asset_id: Uuid) -> CatalogResult<Vec<Tag>> {
    let conn = c.conn().await?;
    let rows = conn
        .query(
            &format!(
                "SELECT {TAG_COLUMNS}
                 FROM asset_tags at JOIN tags t ON t.id = at.tag_id
                 WHERE at.asset_id = $1 ORDER BY t.value"
            ),
            &[&asset_id],
        )
        .await
        .map_err(map_error)?;
    Ok(rows.iter().map(tag_at).collect())
}
