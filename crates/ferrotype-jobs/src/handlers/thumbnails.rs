//! `AssetGenerateThumbnails`: the WebP thumbnail, the JPEG preview and the thumbhash, from the
//! original, a camera RAW's embedded preview, or a video's frame.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use ferrotype_core::blob::BlobStore;
use ferrotype_core::catalog::Catalog;
use ferrotype_core::jobs::Job;
use ferrotype_core::model::AssetType;
use ferrotype_core::storage::{Generated, extension_of, generated_key};
use ferrotype_media::exiftool::ExifTool;
use ferrotype_media::thumbnail::{SourceKind, ThumbnailError, ThumbnailSettings, generate};
use ferrotype_media::video;

use crate::{JobError, JobHandler};

pub struct GenerateThumbnails {
    pub catalog: Arc<dyn Catalog>,
    pub blobs: Arc<dyn BlobStore>,
    pub exiftool: Arc<ExifTool>,
    pub settings: ThumbnailSettings,
}

fn retry(e: impl std::fmt::Display) -> JobError {
    JobError::Retry(e.to_string())
}

/// Camera RAW formats: their thumbnails come from the JPEG the camera embedded.
const RAW_EXTENSIONS: &[&str] = &[
    ".3fr", ".ari", ".arw", ".cap", ".cin", ".cr2", ".cr3", ".crw", ".dcr", ".dng", ".erf", ".fff",
    ".iiq", ".k25", ".kdc", ".mrw", ".nef", ".nrw", ".orf", ".ori", ".pef", ".raf", ".raw", ".rw2",
    ".rwl", ".sr2", ".srf", ".srw", ".x3f",
];

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

    /// The largest embedded JPEG of a RAW file.
    async fn raw_preview(&self, path: &Path) -> Result<TempFile, JobError> {
        for tag in ["JpgFromRaw", "PreviewImage", "OtherImage"] {
            let out = self.temp(".jpg");
            if self
                .exiftool
                .extract_binary(path, tag, &out.0)
                .await
                .map_err(retry)?
            {
                return Ok(out);
            }
        }
        Err(JobError::Fatal(
            "the RAW file has no embedded preview".into(),
        ))
    }
}

#[async_trait]
impl JobHandler for GenerateThumbnails {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let Some(asset_id) = job.asset_id else {
            return Err(JobError::Fatal("job has no asset".into()));
        };
        let Some(asset) = self.catalog.asset(asset_id).await.map_err(retry)? else {
            return Ok(());
        };
        let original = self.blobs.local_path(&asset.original_path).map_err(retry)?;
        if !tokio::fs::try_exists(&original).await.map_err(retry)? {
            return Err(JobError::Fatal(format!(
                "the original is missing: {}",
                asset.original_path
            )));
        }
        let ext = extension_of(&asset.original_path).unwrap_or_default();
        let orientation = self
            .catalog
            .asset_exif(asset_id)
            .await
            .map_err(retry)?
            .and_then(|e| e.orientation)
            .and_then(|o| u8::try_from(o).ok());
        // Keep the temporary source alive until the thumbnails are made.
        let (_temp, source, kind, own_size) = if asset.asset_type == AssetType::Video {
            let frame = self.temp(".ppm");
            video::poster_frame(&original, &frame.0)
                .await
                .map_err(|e| JobError::Fatal(e.to_string()))?;
            let path = frame.0.clone();
            (Some(frame), path, SourceKind::Common, false)
        } else if RAW_EXTENSIONS.contains(&ext.as_str()) {
            let preview = self.raw_preview(&original).await?;
            let path = preview.0.clone();
            (Some(preview), path, SourceKind::Common, false)
        } else {
            (None, original, SourceKind::for_extension(&ext), true)
        };
        // A video frame is already upright; so is a RAW preview whose file says nothing.
        let orientation = if asset.asset_type == AssetType::Video {
            None
        } else {
            orientation
        };
        let settings = self.settings;
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
        self.catalog
            .save_thumbnails(asset_id, &made.thumbhash, size)
            .await
            .map_err(retry)?;
        Ok(())
    }
}
