//! `SidecarWrite`: the asset's tags into its XMP sidecar's `TagsList`, as Immich writes them
//! when tags are put on or taken off an asset, so that the choice lives beside the file for
//! other programs (and a server reading the library anew). The sidecar is made beside the
//! original (`<original>.xmp`) when the asset has none. Written in the staging folder with
//! exiftool and stored whole. Unlike Immich, the asset's tags stay locked afterwards and its
//! metadata is not read again: Immich's unlocking races with a metadata job already running,
//! which then stores the original's keywords over the user's choice (and an empty list would
//! bring the original's keywords back).

use std::sync::Arc;

use async_trait::async_trait;
use ferrotype_core::blob::{BlobError, BlobStore};
use ferrotype_core::catalog::Catalog;
use ferrotype_core::jobs::payloads::SidecarWriteJob;
use ferrotype_core::jobs::{Completion, Job, JobEnd, JobError, TypedJobHandler};

use super::retry;
use crate::exiftool::ExifTool;

pub struct WriteSidecar {
    pub catalog: Arc<dyn Catalog>,
    pub blobs: Arc<dyn BlobStore>,
    pub exiftool: Arc<ExifTool>,
}

/// A staging file removed when dropped, whatever happened.
struct Staged(std::path::PathBuf);

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[async_trait]
impl TypedJobHandler for WriteSidecar {
    type Payload = SidecarWriteJob;

    async fn run(&self, job: &Job, payload: SidecarWriteJob) -> Result<Completion, JobError> {
        let asset_id = payload.asset_id;
        let Some(asset) = self.catalog.asset(asset_id).await.map_err(retry)? else {
            return Ok(Completion::Done);
        };
        let tags: Vec<String> = self
            .catalog
            .asset_tags(asset_id)
            .await
            .map_err(retry)?
            .into_iter()
            .filter(|t| t.user_id == asset.owner_id)
            .map(|t| t.value)
            .collect();
        let staged = Staged(
            self.blobs
                .staging_dir()
                .join(format!("{}.xmp", uuid::Uuid::new_v4())),
        );
        let key = match &asset.sidecar_path {
            Some(key) => {
                match self.blobs.local_file(key).await {
                    Ok(existing) => {
                        tokio::fs::copy(existing.path(), &staged.0)
                            .await
                            .map_err(retry)?;
                    }
                    // Gone from the store: written anew.
                    Err(BlobError::NotFound(_)) => {}
                    Err(e) => return Err(retry(e)),
                }
                key.clone()
            }
            // Nothing to say and nowhere said yet: no sidecar is made for it.
            None if tags.is_empty() => return Ok(Completion::Done),
            None => format!("{}.xmp", asset.original_path),
        };
        self.exiftool
            .write_tags_list(&staged.0, &tags)
            .await
            .map_err(retry)?;
        // Stored durably: synced before the store takes it.
        tokio::fs::File::open(&staged.0)
            .await
            .map_err(retry)?
            .sync_all()
            .await
            .map_err(retry)?;
        self.blobs.put_file(&key, &staged.0).await.map_err(retry)?;
        let end = JobEnd::of(job, Vec::new());
        self.catalog
            .sidecar_tags_written(asset_id, &key, &end)
            .await
            .map_err(JobError::from_end)?;
        Ok(Completion::Recorded)
    }
}
