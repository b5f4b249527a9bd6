//! Assets: checksums, upload intents, inserting an upload with its first jobs, moves, and the
//! counts the statistics endpoints show.

use async_trait::async_trait;
use chrono::NaiveDate;
use ferrotype_core::catalog::{AssetRepo, CatalogError, CatalogResult};
use ferrotype_core::jobs::{JobEnd, NewJob};
use ferrotype_core::model::{
    Asset, AssetChange, AssetStats, AssetStatsFilter, AssetType, ChecksumMatch, ExifInfo,
    InsertOutcome, PendingMove, PurgeSelection, PurgedAsset, Tag, Timestamp, UserUsage, Visibility,
};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::{PgCatalog, edits, instances, jobs, map_error, metadata, ms, now, opt_ms};

pub(crate) const ASSET_COLUMNS: &str = "a.id, a.owner_id, a.type, a.original_path, \
    a.original_file_name, a.checksum, a.file_size, a.file_created_at, a.file_modified_at, \
    a.local_date_time, a.created_at, a.updated_at, a.deleted_at, a.visibility, a.is_favorite, \
    a.duration_ms, a.live_photo_video_id, a.sidecar_path, a.device_asset_id, a.device_id, \
    a.width, a.height, a.thumbhash, a.stack_id, a.is_edited";

/// How many columns `ASSET_COLUMNS` selects: what a query adds after them starts here.
pub(crate) const ASSET_COLUMN_COUNT: usize = 25;

pub(crate) fn asset_at(r: &Row) -> CatalogResult<Asset> {
    let asset_type: String = r.get(2);
    let visibility: String = r.get(13);
    Ok(Asset {
        id: r.get(0),
        owner_id: r.get(1),
        asset_type: AssetType::parse(&asset_type)
            .ok_or_else(|| CatalogError::Backend(format!("unknown asset type {asset_type}")))?,
        original_path: r.get(3),
        original_file_name: r.get(4),
        checksum: r.get(5),
        file_size: r.get(6),
        file_created_at: r.get(7),
        file_modified_at: r.get(8),
        local_date_time: r.get(9),
        created_at: r.get(10),
        updated_at: r.get(11),
        deleted_at: r.get(12),
        visibility: Visibility::parse(&visibility)
            .ok_or_else(|| CatalogError::Backend(format!("unknown visibility {visibility}")))?,
        is_favorite: r.get(14),
        duration_ms: r.get(15),
        live_photo_video_id: r.get(16),
        sidecar_path: r.get(17),
        device_asset_id: r.get(18),
        device_id: r.get(19),
        width: r.get(20),
        height: r.get(21),
        thumbhash: r.get(22),
        stack_id: r.get(23),
        is_edited: r.get(24),
    })
}

#[async_trait]
impl AssetRepo for PgCatalog {
    async fn assets_by_checksums(
        &self,
        owner_id: Uuid,
        checksums: &[Vec<u8>],
    ) -> CatalogResult<Vec<ChecksumMatch>> {
        let conn = self.conn().await?;
        // One round trip; the answer keeps the order asked in.
        let rows = conn
            .query(
                "SELECT c.checksum, a.id, a.deleted_at IS NOT NULL
                 FROM unnest($2::bytea[]) WITH ORDINALITY AS c(checksum, n)
                 JOIN assets a ON a.owner_id = $1 AND a.checksum = c.checksum
                 ORDER BY c.n",
                &[&owner_id, &checksums],
            )
            .await
            .map_err(map_error)?;
        Ok(rows
            .iter()
            .map(|r| ChecksumMatch {
                checksum: r.get(0),
                asset_id: r.get(1),
                is_trashed: r.get(2),
            })
            .collect())
    }

    /// Records that a file is about to be moved to `path` by this instance, so a crash before
    /// its row is committed can be repaired once this instance is gone.
    async fn record_upload_intent(&self, path: &str) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "INSERT INTO upload_intents (path, created_at, instance_id) VALUES ($1, $2, $3)
             ON CONFLICT (path) DO UPDATE SET created_at = excluded.created_at,
                instance_id = excluded.instance_id",
            &[&path, &now(), &self.instance],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// Inserts the asset row and its client metadata, clears its upload intent, adds its size
    /// to the owner's usage, hides the motion part it names as a live photo, and enqueues its
    /// first jobs, in one transaction. A concurrent upload of the same checksum yields
    /// `Duplicate` and changes nothing.
    async fn insert_asset(
        &self,
        a: &Asset,
        metadata: &[(String, String)],
        first_jobs: &[NewJob],
    ) -> CatalogResult<InsertOutcome> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let asset_type = a.asset_type.as_str();
        let visibility = a.visibility.as_str();
        let times = [
            ms(&a.file_created_at),
            ms(&a.file_modified_at),
            ms(&a.local_date_time),
            ms(&a.created_at),
            ms(&a.updated_at),
        ];
        let deleted_at = opt_ms(&a.deleted_at);
        let params: [&(dyn ToSql + Sync); 23] = [
            &a.id,
            &a.owner_id,
            &asset_type,
            &a.original_path,
            &a.original_file_name,
            &a.checksum,
            &a.file_size,
            &times[0],
            &times[1],
            &times[2],
            &times[3],
            &times[4],
            &deleted_at,
            &visibility,
            &a.is_favorite,
            &a.duration_ms,
            &a.live_photo_video_id,
            &a.sidecar_path,
            &a.device_asset_id,
            &a.device_id,
            &a.width,
            &a.height,
            &a.thumbhash,
        ];
        // A concurrent insert of the same checksum makes this one wait for its commit, then
        // do nothing: the other's row is the duplicate.
        let inserted = tx
            .query_opt(
                "INSERT INTO assets (id, owner_id, type, original_path, original_file_name,
                    checksum, file_size, file_created_at, file_modified_at, local_date_time,
                    created_at, updated_at, deleted_at, visibility, is_favorite, duration_ms,
                    live_photo_video_id, sidecar_path, device_asset_id, device_id, width, height,
                    thumbhash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                    $17, $18, $19, $20, $21, $22, $23)
                 ON CONFLICT (owner_id, checksum) DO NOTHING
                 RETURNING id",
                &params,
            )
            .await
            .map_err(map_error)?;
        if inserted.is_none() {
            let existing = tx
                .query_one(
                    "SELECT id FROM assets WHERE owner_id = $1 AND checksum = $2",
                    &[&a.owner_id, &a.checksum],
                )
                .await
                .map_err(map_error)?;
            return Ok(InsertOutcome::Duplicate(existing.get(0)));
        }
        tx.execute(
            "DELETE FROM upload_intents WHERE path = $1 OR path = $2",
            &[&a.original_path, &a.sidecar_path],
        )
        .await
        .map_err(map_error)?;
        tx.execute(
            "UPDATE users SET quota_usage_in_bytes = quota_usage_in_bytes + $2 WHERE id = $1",
            &[&a.owner_id, &a.file_size],
        )
        .await
        .map_err(map_error)?;
        for (key, value) in metadata {
            tx.execute(
                "INSERT INTO asset_metadata (asset_id, key, value, updated_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (asset_id, key) DO UPDATE SET value = $3, updated_at = $4",
                &[&a.id, key, value, &times[3]],
            )
            .await
            .map_err(map_error)?;
        }
        // The motion part of a live photo is shown only through its still.
        if let Some(motion) = a.live_photo_video_id {
            tx.execute(
                "UPDATE assets SET visibility = 'hidden', updated_at = $3
                 WHERE id = $1 AND owner_id = $2 AND visibility = 'timeline'",
                &[&motion, &a.owner_id, &times[3]],
            )
            .await
            .map_err(map_error)?;
        }
        jobs::insert(&tx, first_jobs).await.map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(InsertOutcome::Created)
    }

    /// An asset's client metadata: (key, JSON object, updated at), by key.
    async fn asset_metadata(
        &self,
        asset_id: Uuid,
    ) -> CatalogResult<Vec<(String, String, Timestamp)>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT key, value, updated_at FROM asset_metadata WHERE asset_id = $1
                 ORDER BY key",
                &[&asset_id],
            )
            .await
            .map_err(map_error)?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }

    /// Paths whose upload was interrupted: intents with no committed asset row, of instances
    /// gone or of none.
    async fn pending_upload_intents(&self) -> CatalogResult<Vec<String>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT i.path FROM upload_intents i
                     WHERE NOT EXISTS (SELECT 1 FROM assets a WHERE a.original_path = i.path)
                       AND NOT EXISTS (SELECT 1 FROM assets a WHERE a.sidecar_path = i.path)
                       AND NOT {}",
                    instances::alive("i.instance_id")
                ),
                &[&instances::gone_before()],
            )
            .await
            .map_err(map_error)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn clear_upload_intent(&self, path: &str) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute("DELETE FROM upload_intents WHERE path = $1", &[&path])
            .await
            .map_err(map_error)?;
        Ok(())
    }

    /// Records that an original (and its sidecar) is about to be moved.
    async fn begin_move(&self, mv: &PendingMove) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "INSERT INTO pending_moves
                (asset_id, old_path, new_path, old_sidecar_path, new_sidecar_path, instance_id)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (asset_id) DO UPDATE SET old_path = excluded.old_path,
                new_path = excluded.new_path, old_sidecar_path = excluded.old_sidecar_path,
                new_sidecar_path = excluded.new_sidecar_path, instance_id = excluded.instance_id",
            &[
                &mv.asset_id,
                &mv.old_path,
                &mv.new_path,
                &mv.old_sidecar_path,
                &mv.new_sidecar_path,
                &self.instance,
            ],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// Records the moved paths of `mv` on its asset and forgets the move, in one transaction.
    async fn finish_move(&self, mv: &PendingMove) -> CatalogResult<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        tx.execute(
            "UPDATE assets SET original_path = $2,
                sidecar_path = COALESCE($3, sidecar_path), updated_at = $4
             WHERE id = $1",
            &[&mv.asset_id, &mv.new_path, &mv.new_sidecar_path, &now()],
        )
        .await
        .map_err(map_error)?;
        tx.execute(
            "DELETE FROM pending_moves WHERE asset_id = $1",
            &[&mv.asset_id],
        )
        .await
        .map_err(map_error)?;
        tx.commit().await.map_err(map_error)
    }

    /// Forgets a move that did not happen.
    async fn cancel_move(&self, asset_id: Uuid) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "DELETE FROM pending_moves WHERE asset_id = $1",
            &[&asset_id],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// Moves begun and neither finished nor cancelled by instances now gone (a crash came
    /// between).
    async fn pending_moves(&self) -> CatalogResult<Vec<PendingMove>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT asset_id, old_path, new_path, old_sidecar_path, new_sidecar_path
                     FROM pending_moves m WHERE NOT {}",
                    instances::alive("m.instance_id")
                ),
                &[&instances::gone_before()],
            )
            .await
            .map_err(map_error)?;
        Ok(rows
            .iter()
            .map(|r| PendingMove {
                asset_id: r.get(0),
                old_path: r.get(1),
                new_path: r.get(2),
                old_sidecar_path: r.get(3),
                new_sidecar_path: r.get(4),
            })
            .collect())
    }

    async fn asset(&self, id: Uuid) -> CatalogResult<Option<Asset>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!("SELECT {ASSET_COLUMNS} FROM assets a WHERE a.id = $1"),
                &[&id],
            )
            .await
            .map_err(map_error)?;
        row.map(|r| asset_at(&r)).transpose()
    }

    /// Assets not in the trash per UTC day in `[from, to)`, by upload time or, with
    /// `by_taken`, by the local time they were taken; days without any are left out.
    async fn daily_asset_counts(
        &self,
        owner_id: Uuid,
        from: NaiveDate,
        to: NaiveDate,
        by_taken: bool,
    ) -> CatalogResult<Vec<(NaiveDate, i64)>> {
        let column = if by_taken {
            "local_date_time"
        } else {
            "created_at"
        };
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT ({column} AT TIME ZONE 'UTC')::date AS day, count(*)
                     FROM assets
                     WHERE owner_id = $1 AND deleted_at IS NULL
                       AND {column} >= $2::date::timestamp AT TIME ZONE 'UTC'
                       AND {column} < $3::date::timestamp AT TIME ZONE 'UTC'
                     GROUP BY day ORDER BY day"
                ),
                &[&owner_id, &from, &to],
            )
            .await
            .map_err(map_error)?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn asset_stats(
        &self,
        owner_id: Uuid,
        filter: &AssetStatsFilter,
    ) -> CatalogResult<AssetStats> {
        let visibility = filter.visibility.map(|v| v.as_str());
        let conn = self.conn().await?;
        let row = conn
            .query_one(
                "SELECT count(*) FILTER (WHERE type = 'IMAGE'), count(*) FILTER (WHERE type = 'VIDEO')
                 FROM assets
                 WHERE owner_id = $1
                   -- Immich counts only live assets unless asked for the trash.
                   AND (deleted_at IS NOT NULL) = COALESCE($2, false)
                   AND ($3::boolean IS NULL OR is_favorite = $3)
                   -- Without a filter, hidden (live-photo motion parts) and locked assets are
                   -- not counted.
                   AND CASE WHEN $4::text IS NULL THEN visibility IN ('timeline', 'archive')
                            ELSE visibility = $4 END",
                &[&owner_id, &filter.is_trashed, &filter.is_favorite, &visibility],
            )
            .await
            .map_err(map_error)?;
        Ok(AssetStats {
            images: row.get(0),
            videos: row.get(1),
        })
    }

    /// Per user, in order of creation: counts and bytes of their (non-trashed) photos and videos.
    async fn usage_by_user(&self) -> CatalogResult<Vec<UserUsage>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                "SELECT u.id, u.name, u.quota_size_in_bytes,
                    count(a.id) FILTER (WHERE a.type = 'IMAGE'),
                    count(a.id) FILTER (WHERE a.type = 'VIDEO'),
                    COALESCE(sum(a.file_size) FILTER (WHERE a.type = 'IMAGE'), 0)::bigint,
                    COALESCE(sum(a.file_size) FILTER (WHERE a.type = 'VIDEO'), 0)::bigint
                 FROM users u LEFT JOIN assets a ON a.owner_id = u.id AND a.deleted_at IS NULL
                 WHERE u.deleted_at IS NULL
                 GROUP BY u.id ORDER BY u.created_at",
                &[],
            )
            .await
            .map_err(map_error)?;
        Ok(rows
            .iter()
            .map(|r| UserUsage {
                user_id: r.get(0),
                user_name: r.get(1),
                quota_size_in_bytes: r.get(2),
                photos: r.get(3),
                videos: r.get(4),
                usage_photos: r.get(5),
                usage_videos: r.get(6),
            })
            .collect())
    }

    async fn save_metadata(
        &self,
        asset_id: Uuid,
        info: &ExifInfo,
        displayed_size: Option<(i64, i64)>,
        end: &JobEnd,
    ) -> CatalogResult<()> {
        metadata::save_metadata(self, asset_id, info, displayed_size, end).await
    }

    async fn asset_exif(&self, asset_id: Uuid) -> CatalogResult<Option<ExifInfo>> {
        metadata::asset_exif(self, asset_id).await
    }

    async fn save_thumbnails(
        &self,
        asset_id: Uuid,
        thumbhash: &[u8],
        size: Option<(i64, i64)>,
        end: &JobEnd,
    ) -> CatalogResult<()> {
        metadata::save_thumbnails(self, asset_id, thumbhash, size, end).await
    }

    async fn asset_tags(&self, asset_id: Uuid) -> CatalogResult<Vec<Tag>> {
        metadata::asset_tags(self, asset_id).await
    }

    async fn update_assets(
        &self,
        owner_id: Uuid,
        ids: &[Uuid],
        change: &AssetChange,
    ) -> CatalogResult<u64> {
        edits::update_assets(self, owner_id, ids, change).await
    }

    async fn trash_assets(&self, owner_id: Uuid, ids: &[Uuid]) -> CatalogResult<u64> {
        edits::trash_assets(self, owner_id, ids).await
    }

    async fn restore_assets(&self, owner_id: Uuid, ids: Option<&[Uuid]>) -> CatalogResult<u64> {
        edits::restore_assets(self, owner_id, ids).await
    }

    async fn purge_assets(&self, selection: &PurgeSelection) -> CatalogResult<Vec<PurgedAsset>> {
        edits::purge_assets(self, selection).await
    }
}
