//! `AssetGenerateThumbnails`: the WebP thumbnail, the JPEG preview and the thumbhash, from the
//! original, a camera RAW's embedded preview, or a video's frame.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use ferrotype_core::blob::BlobStore;
use ferrotype_core::catalog::{BusMessage, Catalog};
use ferrotype_core::jobs::payloads::{GenerateThumbnailsJob, StorageTemplateJob};
use ferrotype_core::jobs::{Completion, Job, JobEnd, JobError, NewJob, TypedJobHandler};
use ferrotype_core::model::{AssetType, ExifInfo};
use ferrotype_core::storage::{Generated, extension_of, generated_key};
use ferrotype_core::system_config::SystemConfigStore;

use super::retry;
use crate::exiftool::ExifTool;
use crate::thumbnail::{SourceKind, ThumbnailError, ThumbnailSettings, generate};
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
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl GenerateThumbnails {
    fn temp(&self, ext: &str) -> TempFile {
        TempFile(
            self.blobs
                .staging_dir()
                .join(format!("{}{ext}", uuid::Uuid::new_v4())),
        )
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
        let made =
            tokio::task::spawn_blocking(move || generate(&source, kind, orientation, &settings))
                .await
                .map_err(|e| JobError::Fatal(format!("the decoder crashed: {e}")))?
                .map_err(|e| match e {
                    ThumbnailError::Io(io) => JobError::Retry(io.to_string()),
                    other => JobError::Fatal(other.to_string()),
                })?;
        for (kind, bytes) in [
            (Generated::Thumbnail, &made.thumbnail_webp),
            (Generated::Preview, &made.preview_jpeg),
        ] {
            let key = generated_key(asset.owner_id, asset_id, kind);
            self.blobs.put_bytes(&key, bytes).await.map_err(retry)?;
        }
        let size = own_size.then_some((made.width as i64, made.height as i64));
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
            .save_thumbnails(asset_id, &made.thumbhash, size, &end)
            .await
            .map_err(JobError::from_end)?;
        Ok(Completion::Recorded)
    }
}
