//! `StorageTemplateMigrationSingle`: moves an original (and its XMP sidecar) to where the system
//! config's storage template puts it, `library/<label or user>/<rendered>.<ext>`, as Immich does
//! after an upload's metadata is read, and for every asset when the admin starts the
//! storageTemplateMigration queue. Nothing happens while the template is disabled. The move is
//! recorded before the file is renamed and the new path committed with the record's removal, so
//! a crash in between is finished at start (`crate::repair`).

use std::sync::Arc;

use async_trait::async_trait;

use super::payloads::StorageTemplateJob;
use super::{Completion, Job, JobError, TypedJobHandler};
use crate::blob::BlobStore;
use crate::catalog::Catalog;
use crate::model::{AssetType, PendingMove};
use crate::storage_template::{
    AlbumFacts, Subject, Template, destination, library_folder, template_extension,
    template_filename,
};
use crate::system_config::SystemConfigStore;

/// How many `+N` names are tried before giving up on a destination.
const MAX_DUPLICATES: u32 = 10_000;

pub struct ApplyStorageTemplate {
    pub catalog: Arc<dyn Catalog>,
    pub blobs: Arc<dyn BlobStore>,
    /// Read per job: the template can be turned on, off or changed at run time.
    pub system_config: Arc<SystemConfigStore>,
    /// One move at a time in this process, so two never pick the same free name.
    pub moving: tokio::sync::Mutex<()>,
}

fn retry(e: impl std::fmt::Display) -> JobError {
    JobError::Retry(e.to_string())
}

#[async_trait]
impl TypedJobHandler for ApplyStorageTemplate {
    type Payload = StorageTemplateJob;

    async fn run(&self, _job: &Job, payload: StorageTemplateJob) -> Result<Completion, JobError> {
        let asset_id = payload.asset_id;
        let config = self.system_config.get();
        if !config.storage_template.enabled {
            return Ok(Completion::Done);
        }
        // Validated when the config was saved; a stored one that no longer compiles moves nothing.
        let template = Template::compile(&config.storage_template.template).map_err(|e| {
            JobError::Fatal(format!(
                "storage template {:?}: {e}",
                config.storage_template.template
            ))
        })?;
        let Some(asset) = self.catalog.asset(asset_id).await.map_err(retry)? else {
            return Ok(Completion::Done); // deleted since
        };
        let owner = self
            .catalog
            .user_by_id(asset.owner_id)
            .await
            .map_err(retry)?;
        let exif = self.catalog.asset_exif(asset_id).await.map_err(retry)?;
        let album = if template.needs_album() {
            let albums = self
                .catalog
                .albums_of(asset.owner_id, Some(asset_id))
                .await
                .map_err(retry)?;
            albums.into_iter().next().map(|a| AlbumFacts {
                name: a.album.name,
                start: a.start_date,
                end: a.end_date,
            })
        } else {
            None
        };
        let subject = Subject {
            asset_id,
            is_image: asset.asset_type == AssetType::Image,
            file_created_at: asset.file_created_at,
            filename: template_filename(&asset.original_file_name, &asset.original_path),
            extension: template_extension(&asset.original_path),
            album,
            make: exif.as_ref().and_then(|e| e.make.clone()),
            model: exif.as_ref().and_then(|e| e.model.clone()),
            lens_model: exif.as_ref().and_then(|e| e.lens_model.clone()),
        };
        let folder = library_folder(
            asset.owner_id,
            owner.as_ref().and_then(|u| u.storage_label.as_deref()),
        );
        let place = match destination(&template, &folder, &asset.original_path, &subject) {
            Ok(Some(place)) => place,
            Ok(None) => {
                tracing::warn!(%asset_id, "the storage template leads out of {folder}; the file stays");
                return Ok(Completion::Done);
            }
            Err(e) => {
                tracing::warn!(%asset_id, "the storage template cannot be rendered ({e}); the file stays");
                return Ok(Completion::Done);
            }
        };
        let _moving = self.moving.lock().await;
        if place.holds(&asset.original_path) {
            return Ok(Completion::Done);
        }
        let mut n = 0;
        let new_path = loop {
            let candidate = place.candidate(n);
            if !self.blobs.exists(&candidate).await.map_err(retry)? {
                break candidate;
            }
            n += 1;
            if n > MAX_DUPLICATES {
                return Err(JobError::Fatal(format!(
                    "no free name for {} after {MAX_DUPLICATES} tries",
                    place.candidate(0)
                )));
            }
        };
        let mut mv = PendingMove {
            asset_id,
            old_sidecar_path: asset.sidecar_path.clone(),
            new_sidecar_path: asset
                .sidecar_path
                .as_ref()
                .map(|_| format!("{new_path}.xmp")),
            old_path: asset.original_path.clone(),
            new_path,
        };
        self.catalog.begin_move(&mv).await.map_err(retry)?;
        if let Err(e) = self.blobs.rename(&mv.old_path, &mv.new_path).await {
            self.catalog.cancel_move(asset_id).await.map_err(retry)?;
            return Err(retry(format!(
                "moving {} to {}: {e}",
                mv.old_path, mv.new_path
            )));
        }
        if let (Some(old), Some(new)) = (&mv.old_sidecar_path, &mv.new_sidecar_path)
            && let Err(e) = self.blobs.rename(old, new).await
        {
            // The original moved; its sidecar stays where it is, and is still found there.
            tracing::warn!(%asset_id, "the sidecar stays at {old}: {e}");
            mv.new_sidecar_path = None;
        }
        self.catalog.finish_move(&mv).await.map_err(retry)?;
        tracing::info!(%asset_id, from = %mv.old_path, to = %mv.new_path, "moved by the storage template");
        Ok(Completion::Done)
    }
}
