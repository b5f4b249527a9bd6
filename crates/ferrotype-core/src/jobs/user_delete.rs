//! `UserDelete`: an account deleted for good, by an admin's `force` or when the system config's
//! delete delay has passed. Its assets are purged as the trash purges them (files first
//! recorded as pending, so a crash midway is repaired at start), then its profile picture, then
//! its row, which takes sessions, API keys, albums and metadata with it. Running it again after
//! a crash continues where it stopped.

use std::sync::Arc;

use async_trait::async_trait;

use super::payloads::UserDeleteJob;
use super::{Completion, Job, JobError, TypedJobHandler};
use crate::blob::BlobStore;
use crate::catalog::Catalog;
use crate::model::PurgeSelection;

pub struct DeleteUser {
    pub catalog: Arc<dyn Catalog>,
    pub blobs: Arc<dyn BlobStore>,
}

#[async_trait]
impl TypedJobHandler for DeleteUser {
    type Payload = UserDeleteJob;

    async fn run(&self, _job: &Job, payload: UserDeleteJob) -> Result<Completion, JobError> {
        let retry = |e: &dyn std::fmt::Display| JobError::Retry(e.to_string());
        let user_id = payload.id;
        let Some(user) = self.catalog.user_by_id(user_id).await? else {
            return Ok(Completion::Done); // already gone
        };
        // Only an account that was deleted (and not restored since) goes.
        if user.deleted_at.is_none() {
            return Ok(Completion::Done);
        }
        let selection = PurgeSelection::Owner { owner_id: user_id };
        crate::assets::purge(self.catalog.as_ref(), self.blobs.as_ref(), &selection)
            .await
            .map_err(|e| retry(&e))?;
        if !user.profile_image_path.is_empty() {
            self.blobs
                .delete(&user.profile_image_path)
                .await
                .map_err(|e| retry(&e))?;
        }
        self.catalog.delete_user(user_id).await?;
        tracing::warn!(%user_id, email = %user.email, "user deleted for good");
        Ok(Completion::Done)
    }
}
