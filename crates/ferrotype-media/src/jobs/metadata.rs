//! `AssetExtractMetadata`: exiftool (and ffprobe for videos) over the original and its XMP
//! sidecar, Immich's rules for dates and fields, the place from the GPS position (offline
//! reverse geocoding), then the thumbnails job.

use std::sync::Arc;

use async_trait::async_trait;
use ferrotype_core::blob::BlobStore;
use ferrotype_core::catalog::prelude::*;
use ferrotype_core::jobs::payloads::{ExtractMetadataJob, GenerateThumbnailsJob};
use ferrotype_core::jobs::{Completion, Job, JobEnd, JobError, NewJob, TypedJobHandler};
use ferrotype_core::model::{AssetType, ExifInfo};
use ferrotype_core::stacking;
use ferrotype_core::system_config::SystemConfigStore;
use serde_json::Value;

use super::retry;
use crate::exiftool::ExifTool;
use crate::geocode::Geocoder;
use crate::metadata::{exif_info, gps, merge_sidecar, parse_exif_date};
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
