//! `AssetGenerateThumbnails`: the WebP thumbnail, the JPEG preview and the thumbhash, from the
//! original, a camera RAW's embedded preview, or a video's frame; for an image with edits
//! (`ferrotype_core::edits`) also their edited copies and an edited full-size JPEG, whose
//! thumbhash and size become the asset's (as Immich's, which keeps both sets of files).

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use ferrotype_core::blob::BlobStore;
use ferrotype_core::catalog::{BusMessage, Catalog};
use ferrotype_core::edits::{EditAction, output_size};
use ferrotype_core::jobs::payloads::{GenerateThumbnailsJob, StorageTemplateJob};
use ferrotype_core::jobs::{Completion, Job, JobEnd, JobError, NewJob, TypedJobHandler};
use ferrotype_core::model::{AssetType, ExifInfo};
use ferrotype_core::storage::{Generated, extension_of, generated_key};
use ferrotype_core::system_config::SystemConfigStore;

use super::metadata::displayed_size;
use super::{TempFile, retry};
use crate::exiftool::ExifTool;
use crate::thumbnail::{SourceKind, ThumbnailError, ThumbnailSettings, generate, generate_edited};
use crate::{raw, video};

pub struct GenerateThumbnails {
    pub catalog: Arc<dyn Catalog>,
    pub blobs: Arc<dyn BlobStore>,
    pub exiftool: Arc<ExifTool>,
    /// The operator's part (the pixel budget); sizes and qualities come from `system_config`.
    pub settings: ThumbnailSettings,
    /// Read per job: the admin's image settings apply to the next thumbnails made.
    pub system_config: Arc<SystemConfigStore>,
}

impl GenerateThumbnails {
    /// The settings for a job now: the admin's sizes and qualities (system config `image`).
    fn settings(&self) -> ThumbnailSettings {
        let image = &self.system_config.get().image;
        let size = |v: i64| v.clamp(1, 16_384) as u32;
        let quality = |v: i64| v.clamp(1, 100) as u8;
        ThumbnailSettings {
            thumbnail_size: size(image.thumbnail.size),
            preview_size: size(image.preview.size),
            thumbnail_quality: quality(image.thumbnail.quality),
            preview_quality: quality(image.preview.quality),
            fullsize_quality: quality(image.fullsize.quality),
            ..self.settings
        }
    }
}

/// Camera RAW formats: their thumbnails come from the JPEG the camera embedded.
const RAW_EXTENSIONS: &[&str] = &[
    ".3fr", ".ari", ".arw", ".cap", ".cin", ".cr2", ".cr3", ".crw", ".dcr", ".dng", ".erf", ".fff",
    ".iiq", ".k25", ".kdc", ".mrw", ".nef", ".nrw", ".orf", ".ori", ".pef", ".raf", ".raw", ".rw2",
    ".rwl", ".sr2", ".srf", ".srw", ".x3f",
];

/// Where a RAW-named file's thumbnails come from.
enum RawSource {
    /// An embedded preview or the developed sensor data, and whether it is already upright.
    Extracted(TempFile, bool),
    /// The file is an ordinary image with a RAW extension: decoded as one.
    ItselfAnImage,
}

/// A temporary file removed when dropped.
impl GenerateThumbnails {
    fn temp(&self, ext: &str) -> TempFile {
        TempFile::in_staging(self.blobs.as_ref(), ext)
    }

    /// The largest JPEG the camera embedded in a RAW file, with its pixel size.
    async fn largest_embedded_preview(
        &self,
        path: &Path,
    ) -> Result<Option<(TempFile, u32, u32)>, JobError> {
        let mut best: Option<(TempFile, u32, u32)> = None;
        for tag in ["JpgFromRaw", "PreviewImage", "OtherImage"] {
            let out = self.temp(".jpg");
            let written = self
                .exiftool
                .extract_binary(path, tag, &out.0)
                .await
                .map_err(retry)?;
            // A header that does not parse is not a preview we could use.
            let Some((w, h)) = written.then(|| raw::header_size(&out.0)).flatten() else {
                continue;
            };
            if best.as_ref().is_none_or(|(_, bw, bh)| {
                u64::from(w) * u64::from(h) > u64::from(*bw) * u64::from(*bh)
            }) {
                best = Some((out, w, h));
            }
        }
        Ok(best)
    }

    /// What a RAW file's thumbnails are made from: the embedded preview when its short side
    /// reaches the preview size (as Immich does), else the sensor data developed by libraw, else
    /// whatever preview there is, else the file itself when it is in fact an ordinary image
    /// under a RAW name (a JPEG saved as `.nef`: libvips, and so Immich, goes by the content).
    async fn raw_source(
        &self,
        path: &Path,
        exif: Option<&ExifInfo>,
    ) -> Result<RawSource, JobError> {
        let preview = self.largest_embedded_preview(path).await?;
        if let Some((file, w, h)) = preview {
            if w.min(h) >= self.settings().preview_size {
                return Ok(RawSource::Extracted(file, false));
            }
            return Ok(match self.develop_raw(path, exif).await {
                Ok(developed) => RawSource::Extracted(developed, true),
                Err(reason) => {
                    tracing::info!(path = %path.display(), %reason, "using the small embedded preview");
                    RawSource::Extracted(file, false)
                }
            });
        }
        match self.develop_raw(path, exif).await {
            Ok(developed) => Ok(RawSource::Extracted(developed, true)),
            Err(_) if raw::is_ordinary_image(path) => Ok(RawSource::ItselfAnImage),
            Err(reason) => Err(JobError::Fatal(format!(
                "the RAW file has no embedded preview, and {reason}"
            ))),
        }
    }

    /// The sensor data developed to PPM, after the size the metadata gives is checked against
    /// the pixel budget (libraw would otherwise allocate whatever the file claims).
    async fn develop_raw(&self, path: &Path, exif: Option<&ExifInfo>) -> Result<TempFile, String> {
        let size = exif.and_then(|e| Some((e.exif_image_width?, e.exif_image_height?)));
        if let Some((w, h)) = size {
            let pixels = (w.max(0) as u64).saturating_mul(h.max(0) as u64);
            if pixels > self.settings.max_pixels {
                return Err(format!(
                    "image too large: {w} x {h} is over the limit of {} pixels",
                    self.settings.max_pixels
                ));
            }
        }
        let out = self.temp(".ppm");
        raw::develop(path, &out.0)
            .await
            .map_err(|e| e.to_string())?;
        Ok(out)
    }
}

#[async_trait]
impl TypedJobHandler for GenerateThumbnails {
    type Payload = GenerateThumbnailsJob;

    async fn run(&self, job: &Job, payload: GenerateThumbnailsJob) -> Result<Completion, JobError> {
        let asset_id = payload.asset_id;
        // The original's file is kept until the thumbnails are made.
        let Some((asset, original_file)) =
            super::stored_original(self.catalog.as_ref(), self.blobs.as_ref(), asset_id).await?
        else {
            return Ok(Completion::Done);
        };
        let original = original_file.path().to_path_buf();
        let ext = extension_of(&asset.original_path).unwrap_or_default();
        let exif = self.catalog.asset_exif(asset_id).await.map_err(retry)?;
        let orientation = exif
            .as_ref()
            .and_then(|e| e.orientation)
            .and_then(|o| u8::try_from(o).ok());
        // Keep the temporary source alive until the thumbnails are made.
        let (_temp, source, kind, own_size, upright) = if asset.asset_type == AssetType::Video {
            let frame = self.temp(".ppm");
            video::poster_frame(&original, &frame.0)
                .await
                .map_err(|e| JobError::Fatal(e.to_string()))?;
            let path = frame.0.clone();
            // ffmpeg has applied the video's rotation.
            (Some(frame), path, SourceKind::Common, false, true)
        } else if RAW_EXTENSIONS.contains(&ext.as_str()) {
            match self.raw_source(&original, exif.as_ref()).await? {
                RawSource::Extracted(source, upright) => {
                    let path = source.0.clone();
                    (Some(source), path, SourceKind::Common, false, upright)
                }
                RawSource::ItselfAnImage => (None, original, SourceKind::Common, true, false),
            }
        } else {
            (None, original, SourceKind::for_extension(&ext), true, false)
        };
        let orientation = if upright { None } else { orientation };
        let settings = self.settings();
        let edits: Vec<EditAction> = if asset.asset_type == AssetType::Image {
            self.catalog
                .asset_edits(asset_id)
                .await
                .map_err(retry)?
                .into_iter()
                .map(|e| e.action)
                .collect()
        } else {
            Vec::new()
        };
        let displayed = exif
            .as_ref()
            .and_then(displayed_size)
            .map(|(w, h)| (w.max(0) as u64, h.max(0) as u64));
        let crashed =
            |e: tokio::task::JoinError| JobError::Fatal(format!("the decoder crashed: {e}"));
        let failed = |e: ThumbnailError| match e {
            ThumbnailError::Io(io) => JobError::Retry(io.to_string()),
            other => JobError::Fatal(other.to_string()),
        };
        let made = {
            let source = source.clone();
            tokio::task::spawn_blocking(move || generate(&source, kind, orientation, &settings))
                .await
                .map_err(crashed)?
                .map_err(failed)?
        };
        for (kind, bytes) in [
            (Generated::Thumbnail, &made.thumbnail_webp),
            (Generated::Preview, &made.preview_jpeg),
        ] {
            let key = generated_key(asset.owner_id, asset_id, kind);
            self.blobs.put_bytes(&key, bytes).await.map_err(retry)?;
        }
        let mut thumbhash = made.thumbhash;
        // The displayed size: the decoder's when it read the original itself, else the
        // metadata's (an image's is set again here, as an edit may have changed it).
        let mut size = if own_size {
            Some((made.width as i64, made.height as i64))
        } else if asset.asset_type == AssetType::Image {
            displayed.map(|(w, h)| (w as i64, h as i64))
        } else {
            None
        };
        if !edits.is_empty() {
            // The edits apply to the picture as shown; made from one more, whole, decode.
            let edited = {
                let edits = edits.clone();
                tokio::task::spawn_blocking(move || {
                    generate_edited(&source, kind, orientation, &edits, displayed, &settings)
                })
                .await
                .map_err(crashed)?
                .map_err(failed)?
            };
            for (kind, bytes) in [
                (Generated::EditedThumbnail, &edited.thumbnail_webp),
                (Generated::EditedPreview, &edited.preview_jpeg),
                (Generated::EditedFullsize, &edited.fullsize_jpeg),
            ] {
                let key = generated_key(asset.owner_id, asset_id, kind);
                self.blobs.put_bytes(&key, bytes).await.map_err(retry)?;
            }
            thumbhash = edited.thumbhash;
            let (w, h) = match displayed {
                Some(space) => output_size(&edits, space),
                None => (u64::from(edited.width), u64::from(edited.height)),
            };
            size = Some((w as i64, h as i64));
        } else if !job.is_from_upload() {
            // Edits removed (or never made: deleting a missing blob is no error). A new upload
            // has none to remove.
            for kind in Generated::EDITED {
                let key = generated_key(asset.owner_id, asset_id, kind);
                self.blobs.delete(&key).await.map_err(retry)?;
            }
        }
        let mut end = JobEnd::of(
            job,
            vec![NewJob::of(&StorageTemplateJob::with_source(
                asset_id,
                payload.source,
            ))],
        );
        if job.is_from_upload() {
            // The upload is ready to show: told when, and only when, this is recorded.
            end.announce
                .push(BusMessage::UploadReady { asset: asset_id });
        }
        self.catalog
            .save_thumbnails(asset_id, &thumbhash, size, &end)
            .await
            .map_err(JobError::from_end)?;
        // People drawn on the asset before its preview existed get their face thumbnails now.
        // The job is recorded already: a failure here costs those thumbnails (made again when
        // the queue is started), not the asset's.
        if let Err(e) =
            ferrotype_core::faces::queue_thumbnails_waiting_on(self.catalog.as_ref(), asset_id)
                .await
        {
            tracing::warn!(%asset_id, "people's thumbnails not queued: {e}");
        }
        Ok(Completion::Recorded)
    }
}
