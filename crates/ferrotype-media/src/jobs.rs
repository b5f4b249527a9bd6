//! The media jobs, registered with `register`: `AssetExtractMetadata` (then the thumbnails),
//! `AssetGenerateThumbnails` (then the storage template), `SidecarWrite` and
//! `PersonGenerateThumbnail`. Each is idempotent: running it twice
//! leaves the same result as running it once, which is what makes re-running after a crash safe.

pub mod metadata;
pub mod person_thumbnails;
pub mod sidecar;
pub mod thumbnails;

use std::sync::Arc;

use ferrotype_core::blob::{BlobError, BlobStore, LocalFile};
use ferrotype_core::catalog::Catalog;
use ferrotype_core::jobs::{JobError, JobHandlers};
use ferrotype_core::model::Asset;
use ferrotype_core::system_config::SystemConfigStore;
use uuid::Uuid;

use crate::exiftool::ExifTool;
use crate::geocode::Geocoder;
use crate::thumbnail::ThumbnailSettings;
use metadata::ExtractMetadata;
use person_thumbnails::GeneratePersonThumbnail;
use sidecar::WriteSidecar;
use thumbnails::GenerateThumbnails;

/// A file of the blob store's staging folder that a job writes and reads, deleted when
/// dropped.
pub(crate) struct TempFile(pub(crate) std::path::PathBuf);

impl TempFile {
    /// A new name in the staging folder, ending in `ext` (`.jpg`).
    pub(crate) fn in_staging(blobs: &dyn BlobStore, ext: &str) -> TempFile {
        TempFile(blobs.staging_dir().join(format!("{}{ext}", Uuid::new_v4())))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// What the media jobs work with.
pub struct MediaJobs {
    pub catalog: Arc<dyn Catalog>,
    pub blobs: Arc<dyn BlobStore>,
    /// Shared by both jobs (thumbnails read RAW previews with it): one process per job that can
    /// run at once.
    pub exiftool: Arc<ExifTool>,
    pub geocoder: Arc<Geocoder>,
    /// The operator's part of the thumbnail settings (the pixel budget).
    pub thumbnail_settings: ThumbnailSettings,
    /// Read per job (reverse geocoding, image sizes and qualities change at run time).
    pub system_config: Arc<SystemConfigStore>,
}

/// Adds the media jobs' handlers.
pub fn register(handlers: &mut JobHandlers, jobs: MediaJobs) {
    handlers
        .add(ExtractMetadata {
            catalog: jobs.catalog.clone(),
            blobs: jobs.blobs.clone(),
            exiftool: jobs.exiftool.clone(),
            geocoder: jobs.geocoder,
            system_config: jobs.system_config.clone(),
        })
        .add(WriteSidecar {
            catalog: jobs.catalog.clone(),
            blobs: jobs.blobs.clone(),
            exiftool: jobs.exiftool.clone(),
        })
        .add(GeneratePersonThumbnail {
            catalog: jobs.catalog.clone(),
            blobs: jobs.blobs.clone(),
            system_config: jobs.system_config.clone(),
        })
        .add(GenerateThumbnails {
            catalog: jobs.catalog,
            blobs: jobs.blobs,
            exiftool: jobs.exiftool,
            settings: jobs.thumbnail_settings,
            system_config: jobs.system_config,
        });
}

fn retry(e: impl std::fmt::Display) -> JobError {
    JobError::Retry(e.to_string())
}

/// The asset a media job is about and its original as a file for exiftool, the decoders and
/// ffmpeg (the stored one, or a temporary copy when the store is not local); None when the
/// asset was deleted since the job was queued (nothing to do). A missing original fails the
/// job for good.
async fn stored_original(
    catalog: &dyn Catalog,
    blobs: &dyn BlobStore,
    asset_id: Uuid,
) -> Result<Option<(Asset, LocalFile)>, JobError> {
    let Some(asset) = catalog.asset(asset_id).await.map_err(retry)? else {
        return Ok(None);
    };
    match blobs.local_file(&asset.original_path).await {
        Ok(file) => Ok(Some((asset, file))),
        Err(BlobError::NotFound(_)) => Err(JobError::Fatal(format!(
            "the original is missing: {}",
            asset.original_path
        ))),
        Err(e) => Err(retry(e)),
    }
}
