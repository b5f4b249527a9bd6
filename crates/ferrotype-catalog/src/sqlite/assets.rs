//! Assets: `AssetRepo` for SQLite. Uploads and moves are here; the SQL of edits and the trash
//! is in `edits`, of metadata in `metadata`.

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use ferrotype_core::catalog::{AssetRepo, CatalogResult};
use ferrotype_core::jobs::{JobEnd, NewJob, names};
use ferrotype_core::model::*;
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::{
    SqliteCatalog, edits, instances, jobs, metadata, opt_parse_ts, opt_parse_uuid, opt_ts,
    parse_ts, parse_uuid, ts,
};

pub(crate) const ASSET_COLUMNS: &str = "a.id, a.owner_id, a.type, a.original_path, a.original_file_name, \
    a.checksum, a.file_size, a.file_created_at, a.file_modified_at, a.local_date_time, \
    a.created_at, a.updated_at, a.deleted_at, a.visibility, a.is_favorite, a.duration_ms, \
    a.live_photo_video_id, a.sidecar_path, a.device_asset_id, a.device_id, a.width, a.height, \
    a.thumbhash, a.stack_id, a.is_edited";

/// How many columns `ASSET_COLUMNS` selects: what a query adds after them starts here.
pub(crate) const ASSET_COLUMN_COUNT: usize = 25;

pub(crate) fn conversion_error(at: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        at,
        rusqlite::types::Type::Text,
        format!("unknown {what}").into(),
    )
}

pub(crate) fn asset_at(r: &Row<'_>) -> rusqlite::Result<Asset> {
    let asset_type: String = r.get(2)?;
    let visibility: String = r.get(13)?;
    Ok(Asset {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        owner_id: parse_uuid(&r.get::<_, String>(1)?)?,
        asset_type: AssetType::parse(&asset_type).ok_or_else(|| conversion_error(2, "type"))?,
        original_path: r.get(3)?,
        original_file_name: r.get(4)?,
        checksum: r.get(5)?,
        file_size: r.get(6)?,
        file_created_at: parse_ts(&r.get::<_, String>(7)?)?,
        file_modified_at: parse_ts(&r.get::<_, String>(8)?)?,
        local_date_time: parse_ts(&r.get::<_, String>(9)?)?,
        created_at: parse_ts(&r.get::<_, String>(10)?)?,
        updated_at: parse_ts(&r.get::<_, String>(11)?)?,
        deleted_at: opt_parse_ts(r.get(12)?)?,
        visibility: Visibility::parse(&visibility)
            .ok_or_else(|| conversion_error(13, "visibility"))?,
        is_favorite: r.get(14)?,
        duration_ms: r.get(15)?,
        live_photo_video_id: opt_parse_uuid(r.get(16)?)?,
        sidecar_path: r.get(17)?,
        device_asset_id: r.get(18)?,
        device_id: r.get(19)?,
        width: r.get(20)?,
        height: r.get(21)?,
        thumbhash: r.get(22)?,
        stack_id: opt_parse_uuid(r.get(23)?)?,
        is_edited: r.get(24)?,
    })
}

#[async_trait]
impl AssetRepo for SqliteCatalog {
    async fn assets_by_checksums(
        &self,
        owner_id: Uuid,
        checksums: &[Vec<u8>],
    ) -> CatalogResult<Vec<ChecksumMatch>> {
        let checksums = checksums.to_vec();
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, deleted_at IS NOT NULL FROM assets WHERE owner_id = ?1 AND checksum = ?2",
            )?;
            let owner = owner_id.to_string();
            let mut found = Vec::new();
            for checksum in checksums {
                let hit = stmt
                    .query_row(params![owner, checksum], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
                    })
                    .optional()?;
                if let Some((id, is_trashed)) = hit {
                    found.push(ChecksumMatch {
                        checksum,
                        asset_id: parse_uuid(&id)?,
                        is_trashed,
                    });
                }
            }
            Ok(found)
        })
        .await
    }

    async fn record_upload_intent(&self, path: &str) -> CatalogResult<()> {
        let path = path.to_string();
        let instance = self.inner.instance.to_string();
        self.write(move |conn| {
            conn.execute(
                "INSERT OR REPLACE INTO upload_intents (path, created_at, instance_id)
                 VALUES (?1, ?2, ?3)",
                params![path, ts(&Utc::now()), instance],
            )?;
            Ok(())
        })
        .await
    }

    async fn insert_asset(
        &self,
        asset: &Asset,
        metadata: &[(String, String)],
        first_jobs: &[NewJob],
    ) -> CatalogResult<InsertOutcome> {
        let a = asset.clone();
        let metadata = metadata.to_vec();
        let first_jobs = first_jobs.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let existing: Option<String> = tx
                .query_row(
                    "SELECT id FROM assets WHERE owner_id = ?1 AND checksum = ?2",
                    params![a.owner_id.to_string(), a.checksum],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = existing {
                return Ok(InsertOutcome::Duplicate(parse_uuid(&id)?));
            }
            tx.execute(
                "INSERT INTO assets (id, owner_id, type, original_path, original_file_name,
                    checksum, file_size, file_created_at, file_modified_at, local_date_time,
                    created_at, updated_at, deleted_at, visibility, is_favorite, duration_ms,
                    live_photo_video_id, sidecar_path, device_asset_id, device_id, width, height,
                    thumbhash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                    ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
                params![
                    a.id.to_string(),
                    a.owner_id.to_string(),
                    a.asset_type.as_str(),
                    a.original_path,
                    a.original_file_name,
                    a.checksum,
                    a.file_size,
                    ts(&a.file_created_at),
                    ts(&a.file_modified_at),
                    ts(&a.local_date_time),
                    ts(&a.created_at),
                    ts(&a.updated_at),
                    opt_ts(&a.deleted_at),
                    a.visibility.as_str(),
                    a.is_favorite,
                    a.duration_ms,
                    a.live_photo_video_id.map(|u| u.to_string()),
                    a.sidecar_path,
                    a.device_asset_id,
                    a.device_id,
                    a.width,
                    a.height,
                    a.thumbhash,
                ],
            )?;
            tx.execute(
                "DELETE FROM upload_intents WHERE path = ?1 OR path = ?2",
                params![a.original_path, a.sidecar_path],
            )?;
            tx.execute(
                "UPDATE users SET quota_usage_in_bytes = quota_usage_in_bytes + ?2 WHERE id = ?1",
                params![a.owner_id.to_string(), a.file_size],
            )?;
            for (key, value) in &metadata {
                tx.execute(
                    "INSERT INTO asset_metadata (asset_id, key, value, updated_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (asset_id, key) DO UPDATE SET value = ?3, updated_at = ?4",
                    params![a.id.to_string(), key, value, ts(&a.created_at)],
                )?;
            }
            // The motion part of a live photo is shown only through its still.
            if let Some(motion) = a.live_photo_video_id {
                tx.execute(
                    "UPDATE assets SET visibility = 'hidden', updated_at = ?3
                     WHERE id = ?1 AND owner_id = ?2 AND visibility = 'timeline'",
                    params![
                        motion.to_string(),
                        a.owner_id.to_string(),
                        ts(&a.created_at)
                    ],
                )?;
            }
            jobs::insert(&tx, &first_jobs)?;
            tx.commit()?;
            Ok(InsertOutcome::Created)
        })
        .await
    }

    async fn asset_metadata(
        &self,
        asset_id: Uuid,
    ) -> CatalogResult<Vec<(String, String, Timestamp)>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT key, value, updated_at FROM asset_metadata WHERE asset_id = ?1
                 ORDER BY key",
            )?;
            let rows = stmt.query_map([asset_id.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?, parse_ts(&r.get::<_, String>(2)?)?))
            })?;
            rows.collect()
        })
        .await
    }

    async fn pending_upload_intents(&self) -> CatalogResult<Vec<String>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT i.path FROM upload_intents i
                     WHERE NOT EXISTS (SELECT 1 FROM assets a
                                       WHERE a.original_path = i.path OR a.sidecar_path = i.path)
                       AND NOT {}",
                instances::alive("i.instance_id")
            ))?;
            let rows = stmt.query_map([instances::gone_before()], |r| r.get(0))?;
            rows.collect()
        })
        .await
    }

    async fn clear_upload_intent(&self, path: &str) -> CatalogResult<()> {
        let path = path.to_string();
        self.write(move |conn| {
            conn.execute("DELETE FROM upload_intents WHERE path = ?1", [path])?;
            Ok(())
        })
        .await
    }

    async fn begin_move(&self, mv: &PendingMove) -> CatalogResult<()> {
        let mv = mv.clone();
        let instance = self.inner.instance.to_string();
        self.write(move |conn| {
            conn.execute(
                "INSERT OR REPLACE INTO pending_moves
                    (asset_id, old_path, new_path, old_sidecar_path, new_sidecar_path, instance_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    mv.asset_id.to_string(),
                    mv.old_path,
                    mv.new_path,
                    mv.old_sidecar_path,
                    mv.new_sidecar_path,
                    instance
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn finish_move(&self, mv: &PendingMove) -> CatalogResult<()> {
        let mv = mv.clone();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let id = mv.asset_id.to_string();
            tx.execute(
                "UPDATE assets SET original_path = ?2,
                    sidecar_path = CASE WHEN ?3 IS NULL THEN sidecar_path ELSE ?3 END,
                    updated_at = ?4
                 WHERE id = ?1",
                params![id, mv.new_path, mv.new_sidecar_path, ts(&Utc::now())],
            )?;
            tx.execute("DELETE FROM pending_moves WHERE asset_id = ?1", [&id])?;
            tx.commit()
        })
        .await
    }

    async fn cancel_move(&self, asset_id: Uuid) -> CatalogResult<()> {
        self.write(move |conn| {
            conn.execute(
                "DELETE FROM pending_moves WHERE asset_id = ?1",
                [asset_id.to_string()],
            )?;
            Ok(())
        })
        .await
    }

    async fn pending_moves(&self) -> CatalogResult<Vec<PendingMove>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT asset_id, old_path, new_path, old_sidecar_path, new_sidecar_path
                     FROM pending_moves m WHERE NOT {}",
                instances::alive("m.instance_id")
            ))?;
            let rows = stmt.query_map([instances::gone_before()], |r| {
                Ok(PendingMove {
                    asset_id: parse_uuid(&r.get::<_, String>(0)?)?,
                    old_path: r.get(1)?,
                    new_path: r.get(2)?,
                    old_sidecar_path: r.get(3)?,
                    new_sidecar_path: r.get(4)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn asset(&self, id: Uuid) -> CatalogResult<Option<Asset>> {
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT {ASSET_COLUMNS} FROM assets a WHERE a.id = ?1"),
                [id.to_string()],
                asset_at,
            )
            .optional()
        })
        .await
    }

    async fn save_metadata(
        &self,
        asset_id: Uuid,
        info: &ExifInfo,
        displayed_size: Option<(i64, i64)>,
        end: &JobEnd,
    ) -> CatalogResult<()> {
        let info = info.clone();
        let owned = end.clone();
        let held = self
            .write(move |conn| metadata::save(conn, asset_id, &info, displayed_size, &owned))
            .await?;
        jobs::end_held(self, held, end)
    }

    async fn asset_exif(&self, asset_id: Uuid) -> CatalogResult<Option<ExifInfo>> {
        self.read(move |conn| metadata::exif(conn, asset_id)).await
    }

    async fn save_thumbnails(
        &self,
        asset_id: Uuid,
        thumbhash: &[u8],
        size: Option<(i64, i64)>,
        end: &JobEnd,
    ) -> CatalogResult<()> {
        let thumbhash = thumbhash.to_vec();
        let owned = end.clone();
        let held = self
            .write(move |conn| {
                let tx = conn.transaction()?;
                let now = ts(&Utc::now());
                let id = asset_id.to_string();
                tx.execute(
                    "UPDATE assets SET thumbhash = ?2, width = COALESCE(?3, width),
                    height = COALESCE(?4, height), updated_at = ?5
                 WHERE id = ?1",
                    params![id, thumbhash, size.map(|s| s.0), size.map(|s| s.1), now],
                )?;
                tx.execute(
                    "INSERT INTO asset_job_status (asset_id, job, done_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (asset_id, job) DO UPDATE SET done_at = excluded.done_at",
                    params![id, names::GENERATE_THUMBNAILS, now],
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

    async fn asset_tags(&self, asset_id: Uuid) -> CatalogResult<Vec<Tag>> {
        self.read(move |conn| metadata::tags(conn, asset_id)).await
    }

    async fn daily_asset_counts(
        &self,
        owner_id: Uuid,
        from: NaiveDate,
        to: NaiveDate,
        by_taken: bool,
    ) -> CatalogResult<Vec<(NaiveDate, i64)>> {
        // Both columns are RFC 3339 text in UTC: the day is its first ten characters, and a
        // day's text sorts before every time of that day.
        let (from, to) = (from.to_string(), to.to_string());
        self.read(move |conn| {
            let column = if by_taken {
                "local_date_time"
            } else {
                "created_at"
            };
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT substr({column}, 1, 10) AS day, COUNT(*) FROM assets
                 WHERE owner_id = ?1 AND deleted_at IS NULL AND {column} >= ?2 AND {column} < ?3
                 GROUP BY day ORDER BY day"
            ))?;
            let rows = stmt.query_map(params![owner_id.to_string(), from, to], |r| {
                let day: String = r.get(0)?;
                let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        0,
                        rusqlite::types::Type::Text,
                        e.into(),
                    )
                })?;
                Ok((day, r.get(1)?))
            })?;
            rows.collect()
        })
        .await
    }

    async fn asset_stats(
        &self,
        owner_id: Uuid,
        filter: &AssetStatsFilter,
    ) -> CatalogResult<AssetStats> {
        let filter = filter.clone();
        self.read(move |conn| {
            let mut sql = String::from(
                "SELECT COALESCE(SUM(type = 'IMAGE'), 0), COALESCE(SUM(type = 'VIDEO'), 0)
                 FROM assets WHERE owner_id = ?1",
            );
            let mut args: Vec<Box<dyn rusqlite::ToSql>> = vec![Box::new(owner_id.to_string())];
            match filter.is_trashed {
                Some(true) => sql.push_str(" AND deleted_at IS NOT NULL"),
                // Immich counts only live assets unless asked for the trash.
                _ => sql.push_str(" AND deleted_at IS NULL"),
            }
            if let Some(fav) = filter.is_favorite {
                sql.push_str(" AND is_favorite = ?2");
                args.push(Box::new(fav));
            }
            match filter.visibility {
                Some(v) => {
                    sql.push_str(&format!(" AND visibility = ?{}", args.len() + 1));
                    args.push(Box::new(v.as_str()));
                }
                // Without a filter, hidden (live-photo motion parts) and locked assets are not counted.
                None => sql.push_str(" AND visibility IN ('timeline', 'archive')"),
            }
            conn.query_row(&sql, rusqlite::params_from_iter(args.iter()), |r| {
                Ok(AssetStats {
                    images: r.get(0)?,
                    videos: r.get(1)?,
                })
            })
        })
        .await
    }

    async fn update_assets(
        &self,
        owner_id: Uuid,
        ids: &[Uuid],
        change: &AssetChange,
    ) -> CatalogResult<u64> {
        let (ids, change) = (ids.to_vec(), change.clone());
        self.write(move |conn| edits::update(conn, owner_id, &ids, &change))
            .await
    }

    async fn trash_assets(&self, owner_id: Uuid, ids: &[Uuid]) -> CatalogResult<u64> {
        let ids = ids.to_vec();
        self.write(move |conn| edits::trash(conn, owner_id, &ids))
            .await
    }

    async fn restore_assets(&self, owner_id: Uuid, ids: Option<&[Uuid]>) -> CatalogResult<u64> {
        let ids = ids.map(<[Uuid]>::to_vec);
        self.write(move |conn| edits::restore(conn, owner_id, ids.as_deref()))
            .await
    }

    async fn purge_assets(&self, selection: &PurgeSelection) -> CatalogResult<Vec<PurgedAsset>> {
        let selection = selection.clone();
        self.write(move |conn| edits::purge(conn, &selection)).await
    }

    async fn usage_by_user(&self) -> CatalogResult<Vec<UserUsage>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT u.id, u.name, u.quota_size_in_bytes,
                    COALESCE(SUM(a.type = 'IMAGE'), 0), COALESCE(SUM(a.type = 'VIDEO'), 0),
                    COALESCE(SUM(CASE WHEN a.type = 'IMAGE' THEN a.file_size END), 0),
                    COALESCE(SUM(CASE WHEN a.type = 'VIDEO' THEN a.file_size END), 0)
                 FROM users u LEFT JOIN assets a ON a.owner_id = u.id AND a.deleted_at IS NULL
                 WHERE u.deleted_at IS NULL
                 GROUP BY u.id ORDER BY u.created_at",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(UserUsage {
                    user_id: parse_uuid(&r.get::<_, String>(0)?)?,
                    user_name: r.get(1)?,
                    quota_size_in_bytes: r.get(2)?,
                    photos: r.get(3)?,
                    videos: r.get(4)?,
                    usage_photos: r.get(5)?,
                    usage_videos: r.get(6)?,
                })
            })?;
            rows.collect()
        })
        .await
    }
}
