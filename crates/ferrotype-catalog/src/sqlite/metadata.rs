//! Metadata extraction's writes and the reads that show its results.

use chrono::Utc;
use ferrotype_core::jobs::{JobEnd, names};
use ferrotype_core::model::{ExifInfo, Tag};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::tags::{self, TAG_COLUMNS, tag_at};
use super::{jobs, opt_ts, parse_ts, parse_uuid, ts};

/// Everything extraction found, in one transaction: the exif row, the asset's dates, size and
/// duration, its keyword tags, the job status, and the job's end; false, with nothing written,
/// when the job is no longer held by its worker.
pub(crate) fn save(
    conn: &mut Connection,
    asset_id: Uuid,
    info: &ExifInfo,
    size: Option<(i64, i64)>,
    end: &JobEnd,
) -> rusqlite::Result<bool> {
    let tx = conn.transaction()?;
    let now = ts(&Utc::now());
    let id = asset_id.to_string();
    // What the user edited by hand stays as they set it.
    let locked: Vec<String> = tx
        .query_row(
            "SELECT locked_properties FROM asset_exif WHERE asset_id = ?1",
            [&id],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    let mut info = info.clone();
    let mut dates_locked = false;
    if !locked.is_empty()
        && let Some(edited) = exif(&tx, asset_id)?
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
    let locked_json = serde_json::to_string(&locked).unwrap_or_else(|_| "[]".into());
    let info = &info;
    tx.execute(
        "INSERT OR REPLACE INTO asset_exif (asset_id, make, model, lens_model, exif_image_width,
            exif_image_height, orientation, date_time_original, time_zone, modify_date, f_number,
            focal_length, iso, exposure_time, latitude, longitude, city, state, country,
            description, rating, file_size_in_byte, projection_type, profile_description,
            colorspace, bits_per_sample, fps, live_photo_cid, updated_at, locked_properties)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
            ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)",
        params![
            id,
            info.make,
            info.model,
            info.lens_model,
            info.exif_image_width,
            info.exif_image_height,
            info.orientation,
            opt_ts(&info.date_time_original),
            info.time_zone,
            opt_ts(&info.modify_date),
            info.f_number,
            info.focal_length,
            info.iso,
            info.exposure_time,
            info.latitude,
            info.longitude,
            info.city,
            info.state,
            info.country,
            info.description,
            info.rating,
            info.file_size_in_byte,
            info.projection_type,
            info.profile_description,
            info.colorspace,
            info.bits_per_sample,
            info.fps,
            info.live_photo_cid,
            now,
            locked_json,
        ],
    )?;
    // The capture time moves the asset on the timeline; without one, the upload's dates stay.
    tx.execute(
        "UPDATE assets SET
            file_created_at = COALESCE(?2, file_created_at),
            local_date_time = COALESCE(?3, local_date_time),
            width = COALESCE(?4, width),
            height = COALESCE(?5, height),
            duration_ms = COALESCE(?6, duration_ms),
            updated_at = ?7
         WHERE id = ?1",
        params![
            id,
            opt_ts(&info.date_time_original).filter(|_| !dates_locked),
            opt_ts(&info.local_date_time).filter(|_| !dates_locked),
            size.map(|s| s.0),
            size.map(|s| s.1),
            info.duration_ms,
            now,
        ],
    )?;
    let owner: String = tx.query_row("SELECT owner_id FROM assets WHERE id = ?1", [&id], |r| {
        r.get(0)
    })?;
    // Keywords become the owner's tags, every level of a path (Immich's upsert), the asset on
    // each path's own tag; unless the user chose the asset's tags by hand since.
    if !locked.iter().any(|l| l == "tags") {
        let owner = parse_uuid(&owner)?;
        tx.execute("DELETE FROM asset_tags WHERE asset_id = ?1", [&id])?;
        let mut seen = std::collections::HashSet::new();
        for path in info.keywords.iter().filter(|k| seen.insert(k.as_str())) {
            if let Some(tag) = tags::upsert_path(&tx, owner, path, &now)? {
                tx.execute(
                    "INSERT OR IGNORE INTO asset_tags (asset_id, tag_id) VALUES (?1, ?2)",
                    params![id, tag.id.to_string()],
                )?;
            }
        }
    }
    tx.execute(
        "INSERT INTO asset_job_status (asset_id, job, done_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (asset_id, job) DO UPDATE SET done_at = excluded.done_at",
        params![id, names::EXTRACT_METADATA, now],
    )?;
    if !jobs::end_in(&tx, end)? {
        return Ok(false);
    }
    tx.commit()?;
    Ok(true)
}

fn opt_parse_ts(s: Option<String>) -> rusqlite::Result<Option<chrono::DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

/// The columns `exif_at` reads, in its order.
pub(crate) const EXIF_COLUMNS: &str = "make, model, lens_model, exif_image_width, \
    exif_image_height, orientation, date_time_original, time_zone, modify_date, f_number, \
    focal_length, iso, exposure_time, latitude, longitude, city, state, country, description, \
    rating, file_size_in_byte, projection_type, profile_description, colorspace, \
    bits_per_sample, fps, live_photo_cid";

pub(crate) fn exif_at(r: &Row<'_>) -> rusqlite::Result<ExifInfo> {
    Ok(ExifInfo {
        make: r.get(0)?,
        model: r.get(1)?,
        lens_model: r.get(2)?,
        exif_image_width: r.get(3)?,
        exif_image_height: r.get(4)?,
        orientation: r.get(5)?,
        date_time_original: opt_parse_ts(r.get(6)?)?,
        local_date_time: None,
        time_zone: r.get(7)?,
        modify_date: opt_parse_ts(r.get(8)?)?,
        f_number: r.get(9)?,
        focal_length: r.get(10)?,
        iso: r.get(11)?,
        exposure_time: r.get(12)?,
        latitude: r.get(13)?,
        longitude: r.get(14)?,
        city: r.get(15)?,
        state: r.get(16)?,
        country: r.get(17)?,
        description: r.get(18)?,
        rating: r.get(19)?,
        keywords: Vec::new(),
        file_size_in_byte: r.get(20)?,
        projection_type: r.get(21)?,
        profile_description: r.get(22)?,
        colorspace: r.get(23)?,
        bits_per_sample: r.get(24)?,
        fps: r.get(25)?,
        duration_ms: None,
        live_photo_cid: r.get(26)?,
    })
}

pub(crate) fn exif(conn: &Connection, asset_id: Uuid) -> rusqlite::Result<Option<ExifInfo>> {
    conn.query_row(
        &format!("SELECT {EXIF_COLUMNS} FROM asset_exif WHERE asset_id = ?1"),
        [asset_id.to_string()],
        exif_at,
    )
    .optional()
}

pub(crate) fn tags(conn: &Connection, asset_id: Uuid) -> rusqlite::Result<Vec<Tag>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {TAG_COLUMNS}
         FROM asset_tags at JOIN tags t ON t.id = at.tag_id
         WHERE at.asset_id = ?1 ORDER BY t.value"
    ))?;
    let rows = stmt.query_map([asset_id.to_string()], tag_at)?;
    rows.collect()
}
