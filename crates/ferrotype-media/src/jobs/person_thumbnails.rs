//! `PersonGenerateThumbnail`: a person's face thumbnail, cut from the preview of the asset their
//! feature face is on, stored beside the asset thumbnails (`thumbs/<owner>/..../<person>.jpeg`),
//! recorded as the person's `thumbnailPath`, then announced to the owner (`on_person_thumbnail`,
//! as Immich sends when the job succeeds). Immich cuts the face from the original, decoded
//! upright; the preview is that picture already decoded, upright and smaller, and the crop is
//! the same part of it, scaled (the thumbnail is 250 px at most, the preview 1440 px short side
//! by default).

use std::sync::Arc;

use async_trait::async_trait;
use ferrotype_core::blob::{BlobError, BlobStore, ByteRange};
use ferrotype_core::catalog::Catalog;
use ferrotype_core::faces::person_thumbnail_event;
use ferrotype_core::jobs::payloads::PersonThumbnailJob;
use ferrotype_core::jobs::{Completion, Job, JobError, TypedJobHandler};
use ferrotype_core::storage::{Generated, generated_key, person_thumbnail_key};
use ferrotype_core::system_config::SystemConfigStore;
use tokio::io::AsyncReadExt;

use super::retry;
use crate::thumbnail::{ThumbnailError, face_thumbnail};

pub struct GeneratePersonThumbnail {
    pub catalog: Arc<dyn Catalog>,
    pub blobs: Arc<dyn BlobStore>,
    /// The thumbnail quality (`image.thumbnail.quality`) is read per job.
    pub system_config: Arc<SystemConfigStore>,
}

#[async_trait]
impl TypedJobHandler for GeneratePersonThumbnail {
    type Payload = PersonThumbnailJob;

    async fn run(&self, _job: &Job, payload: PersonThumbnailJob) -> Result<Completion, JobError> {
        let person_id = payload.id;
        // What Immich's job reads: the person, their feature face (not deleted) and its asset;
        // without any of them the job fails ("missing data").
        let missing = |what: &str| JobError::Fatal(format!("person {person_id}: {what}"));
        let person = self
            .catalog
            .person(person_id)
            .await
            .map_err(retry)?
            .ok_or_else(|| missing("no such person"))?;
        let face_id = person
            .face_asset_id
            .ok_or_else(|| missing("no feature face"))?;
        let face = self
            .catalog
            .face(face_id)
            .await
            .map_err(retry)?
            .filter(|f| f.deleted_at.is_none())
            .ok_or_else(|| missing("the feature face is gone"))?;
        let asset = self
            .catalog
            .asset(face.asset_id)
            .await
            .map_err(retry)?
            .ok_or_else(|| missing("the face's asset is gone"))?;
        let preview_key = generated_key(asset.owner_id, asset.id, Generated::Preview);
        let mut preview = Vec::new();
        match self.blobs.open(&preview_key, ByteRange::ALL).await {
            Ok(mut blob) => {
                blob.reader.read_to_end(&mut preview).await.map_err(retry)?;
            }
            // The asset's preview is not made yet: its thumbnail job queues this one again
            // once it is (`faces::queue_thumbnails_waiting_on`).
            Err(BlobError::NotFound(_)) => {
                tracing::debug!(%person_id, asset = %asset.id, "waits for the asset's preview");
                return Ok(Completion::Done);
            }
            Err(e) => return Err(retry(e)),
        }
        let quality = self
            .system_config
            .get()
            .image
            .thumbnail
            .quality
            .clamp(1, 100) as u8;
        let bounds = face.bounds;
        let (jpeg, _) =
            tokio::task::spawn_blocking(move || face_thumbnail(&preview, &bounds, quality))
                .await
                .map_err(|e| JobError::Fatal(format!("the decoder crashed: {e}")))?
                .map_err(|e| match e {
                    ThumbnailError::Io(io) => JobError::Retry(io.to_string()),
                    other => JobError::Fatal(format!("person {person_id}: {other}")),
                })?;
        let key = person_thumbnail_key(person.owner_id, person_id);
        self.blobs.put_bytes(&key, &jpeg).await.map_err(retry)?;
        if self
            .catalog
            .set_person_thumbnail(person_id, &key)
            .await
            .map_err(retry)?
            .is_none()
        {
            // Deleted while its thumbnail was made: the file goes too.
            let _ = self.blobs.delete(&key).await;
            return Ok(Completion::Done);
        }
        let message = person_thumbnail_event(person.owner_id, person_id).to_text();
        if let Err(e) = self.catalog.publish(&message).await {
            tracing::warn!(%person_id, "person thumbnail not announced: {e}");
        }
        Ok(Completion::Done)
    }
}
