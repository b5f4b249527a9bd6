//! `AssetExtractMetadata`: exiftool (and ffprobe for videos) over the original and its XMP
//! sidecar, Immich's rules for dates and fields, the place from the GPS position (offline
//! reverse geocoding), then the thumbnails job.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::blob::BlobStore;
use ferrotype_core::catalog::prelude::*;
use ferrotype_core::jobs::payloads::{ExtractMetadataJob, GenerateThumbnailsJob};
use ferrotype_core::jobs::{Completion, Job, JobEnd, JobError, NewJob, TypedJobHandler};
use ferrotype_core::model::{Asset, AssetChange, AssetType, ExifInfo, InsertOutcome, Visibility};
use ferrotype_core::stacking;
use ferrotype_core::storage::original_key;
use ferrotype_core::system_config::SystemConfigStore;
use serde_json::Value;
use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use uuid::Uuid;

use super::{TempFile, retry};
use crate::exiftool::ExifTool;
use crate::geocode::Geocoder;
use crate::metadata::{exif_info, gps, merge_sidecar, parse_exif_date};
use crate::motion::{self, EmbeddedVideo};
use crate::video;

pub struct ExtractMetadata {
    pub catalog: Arc<dyn Catalog>,
    pub blobs: Arc<dyn BlobStore>,
    pub exiftool: Arc<ExifTool>,
    pub geocoder: Arc<Geocoder>,
    /// Read per job: reverse geocoding can be turned off at run time.
    pub system_config: Arc<SystemConfigStore>,
}

/// The size shown to users: orientations 5 to 8 turn the picture a quarter.
pub fn displayed_size(info: &ExifInfo) -> Option<(i64, i64)> {
    let (w, h) = (info.exif_image_width?, info.exif_image_height?);
    Some(if matches!(info.orientation, Some(5..=8)) {
        (h, w)
    } else {
        (w, h)
    })
}

#[async_trait]
impl TypedJobHandler for ExtractMetadata {
    type Payload = ExtractMetadataJob;

    async fn run(&self, job: &Job, payload: ExtractMetadataJob) -> Result<Completion, JobError> {
        let asset_id = payload.asset_id;
        let Some((asset, original)) =
            super::stored_original(self.catalog.as_ref(), self.blobs.as_ref(), asset_id).await?
        else {
            return Ok(Completion::Done);
        };
        let path = original.path();
        let mut tags = self.exiftool.read(path).await.map_err(retry)?;
        // exiftool reports files it cannot parse (empty, truncated, not what the name says).
        if let Some(Value::String(error)) = tags.get("Error") {
            return Err(JobError::Fatal(format!("unreadable file: {error}")));
        }
        if let Some(sidecar) = &asset.sidecar_path {
            let sidecar_file = self.blobs.local_file(sidecar).await.map_err(retry)?;
            match self.exiftool.read(sidecar_file.path()).await {
                Ok(side) => tags = merge_sidecar(tags, side),
                // A broken sidecar must not cost the file's own metadata.
                Err(e) => tracing::warn!(%asset_id, "sidecar unreadable: {e}"),
            }
        }
        // The zone where it was taken dates a photo whose tags name no offset (as Immich's
        // exiftool-vendored does with geo-tz), whether or not places are named.
        let gps_zone = match gps(&tags) {
            (Some(lat), Some(lon)) => {
                let geocoder = self.geocoder.clone();
                tokio::task::spawn_blocking(move || geocoder.time_zone(lat, lon))
                    .await
                    .ok()
                    .flatten()
            }
            _ => None,
        };
        let mut info = exif_info(&tags, asset.file_size, gps_zone);
        let mut size = displayed_size(&info);
        if asset.asset_type == AssetType::Video {
            match video::probe(path).await {
                Ok(probe) => {
                    info.duration_ms = probe.duration_ms.or(info.duration_ms);
                    info.fps = probe.fps.or(info.fps);
                    if let (Some(w), Some(h)) = (probe.width, probe.height) {
                        size = Some((w, h));
                        info.exif_image_width.get_or_insert(w);
                        info.exif_image_height.get_or_insert(h);
                    }
                    if info.latitude.is_none()
                        && let Some((lat, lon)) = probe.location
                    {
                        info.latitude = Some(lat);
                        info.longitude = Some(lon);
                    }
                    if info.date_time_original.is_none()
                        && let Some(created) =
                            probe.creation_time.as_deref().and_then(parse_exif_date)
                    {
                        // QuickTime creation times are UTC.
                        let instant = created.local.and_utc();
                        info.date_time_original = Some(instant);
                        info.local_date_time = Some(instant);
                    }
                }
                Err(e) => return Err(JobError::Fatal(format!("unreadable video: {e}"))),
            }
        }
        let geocoding = self.system_config.get().reverse_geocoding.enabled;
        if let (true, Some(lat), Some(lon)) = (geocoding, info.latitude, info.longitude) {
            // The first lookup may wait for the data to load.
            let geocoder = self.geocoder.clone();
            if let Ok(Some(place)) =
                tokio::task::spawn_blocking(move || geocoder.lookup(lat, lon)).await
            {
                info.city = Some(place.city);
                info.state = place.state;
                info.country = place.country;
            }
        }
        // A motion photo's video becomes the still's hidden motion part, before the job is
        // recorded: a run cut short finds it again by its checksum and links it. A video that
        // cannot be taken out costs only itself (as in Immich).
        if asset.asset_type == AssetType::Image
            && let Some(video) = motion::embedded_video(&tags)
            && let Err(e) = self.extract_motion(&asset, path, video, &info).await
        {
            tracing::warn!(%asset_id, "motion photo video not extracted: {e}");
        }
        // Completed with its writes: a run that stored them never runs again to enqueue the
        // thumbnails twice.
        let end = JobEnd::of(
            job,
            vec![NewJob::of(&GenerateThumbnailsJob::with_source(
                asset_id,
                payload.source,
            ))],
        );
        self.catalog
            .save_metadata(asset_id, &info, size, &end)
            .await
            .map_err(JobError::from_end)?;
        // After the save, so that of two shots read at once the later sees the earlier. The
        // job is recorded already: a failure here costs the stack, not the metadata.
        match stacking::auto_stack(self.catalog.as_ref(), asset_id).await {
            Ok(Some(stack)) => {
                tracing::debug!(%asset_id, stack = %stack.id, "stacked automatically");
                let message = stacking::stack_update_event(stack.owner_id).to_text();
                if let Err(e) = self.catalog.publish(&message).await {
                    tracing::warn!(%asset_id, "stack update not announced: {e}");
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(%asset_id, "automatic stacking failed: {e}"),
        }
        Ok(Completion::Recorded)
    }
}

impl ExtractMetadata {
    /// Takes a motion photo's video out of `path` and makes it the still's motion part: an
    /// asset of the owner's with the same checksum if there is one, else a new hidden video
    /// (named after the still, `.mp4`, dated as the still, its own metadata job enqueued in
    /// its insert), then hidden and linked as Immich does.
    async fn extract_motion(
        &self,
        still: &Asset,
        path: &Path,
        video: EmbeddedVideo,
        info: &ExifInfo,
    ) -> Result<(), String> {
        let bytes = match video {
            EmbeddedVideo::Tag(tag) => {
                let out = TempFile::in_staging(self.blobs.as_ref(), ".mp4");
                let found = self
                    .exiftool
                    .extract_binary(path, tag, &out.0)
                    .await
                    .map_err(|e| e.to_string())?;
                if !found {
                    return Err(format!("exiftool found no {tag}"));
                }
                tokio::fs::read(&out.0).await.map_err(|e| e.to_string())?
            }
            EmbeddedVideo::Tail { length, padding } => {
                let size = tokio::fs::metadata(path)
                    .await
                    .map_err(|e| e.to_string())?
                    .len();
                let range = motion::tail_range(size, length, padding)
                    .ok_or_else(|| format!("{length} bytes do not fit in a file of {size}"))?;
                let mut file = tokio::fs::File::open(path)
                    .await
                    .map_err(|e| e.to_string())?;
                file.seek(std::io::SeekFrom::Start(range.start))
                    .await
                    .map_err(|e| e.to_string())?;
                let mut bytes = vec![0; (range.end - range.start) as usize];
                file.read_exact(&mut bytes)
                    .await
                    .map_err(|e| e.to_string())?;
                bytes
            }
        };
        let checksum = Sha1::digest(&bytes).to_vec();
        let existing = self
            .catalog
            .assets_by_checksums(still.owner_id, std::slice::from_ref(&checksum))
            .await
            .map_err(|e| e.to_string())?;
        let motion_id = match existing.first() {
            Some(found) => found.asset_id,
            None => self.store_motion(still, bytes, checksum, info).await?,
        };
        let owner = still.owner_id;
        if let Some(motion) = self
            .catalog
            .asset(motion_id)
            .await
            .map_err(|e| e.to_string())?
            && motion.visibility == Visibility::Timeline
        {
            let hidden = AssetChange {
                visibility: Some(Visibility::Hidden),
                ..AssetChange::default()
            };
            self.catalog
                .update_assets(owner, &[motion_id], &hidden)
                .await
                .map_err(|e| e.to_string())?;
        }
        if still.live_photo_video_id != Some(motion_id) {
            let linked = AssetChange {
                live_photo_video_id: Some(Some(motion_id)),
                ..AssetChange::default()
            };
            self.catalog
                .update_assets(owner, &[still.id], &linked)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// A new hidden video of the still's owner holding `bytes`; its id.
    async fn store_motion(
        &self,
        still: &Asset,
        bytes: Vec<u8>,
        checksum: Vec<u8>,
        info: &ExifInfo,
    ) -> Result<Uuid, String> {
        let id = Uuid::new_v4();
        let key = original_key(still.owner_id, id, ".mp4");
        let stem = std::path::Path::new(&still.original_file_name)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("motion");
        let now = Utc::now();
        let taken = info.date_time_original.unwrap_or(still.file_created_at);
        let motion = Asset {
            id,
            owner_id: still.owner_id,
            asset_type: AssetType::Video,
            original_path: key.clone(),
            original_file_name: format!("{stem}.mp4"),
            checksum,
            file_size: bytes.len() as i64,
            file_created_at: taken,
            file_modified_at: still.file_modified_at,
            local_date_time: info.local_date_time.unwrap_or(still.local_date_time),
            created_at: now,
            updated_at: now,
            deleted_at: None,
            visibility: Visibility::Hidden,
            is_favorite: false,
            duration_ms: None,
            live_photo_video_id: None,
            sidecar_path: None,
            device_asset_id: Some("NONE".to_string()),
            device_id: Some("NONE".to_string()),
            width: None,
            height: None,
            thumbhash: None,
            stack_id: None,
            is_edited: false,
        };
        // As an upload: the file behind an intent, then the row with its metadata job.
        self.catalog
            .record_upload_intent(&key)
            .await
            .map_err(|e| e.to_string())?;
        self.blobs
            .put_bytes(&key, &bytes)
            .await
            .map_err(|e| e.to_string())?;
        let job = NewJob::of(&ExtractMetadataJob::with_source(id, None));
        match self.catalog.insert_asset(&motion, &[], &[job]).await {
            Ok(InsertOutcome::Created) => Ok(id),
            // Another run stored the same video meanwhile: that one is the motion part.
            Ok(InsertOutcome::Duplicate(existing)) => {
                self.discard(&key).await;
                Ok(existing)
            }
            Err(e) => {
                self.discard(&key).await;
                Err(e.to_string())
            }
        }
    }

    async fn discard(&self, key: &str) {
        if self.blobs.delete(key).await.is_ok() {
            let _ = self.catalog.clear_upload_intent(key).await;
        }
    }
}
