//! `UserDelete`: an account deleted for good, by an admin's `force` or when the system config's
//! delete delay has passed. Its assets are purged as the trash purges them (files first
//! recorded as pending, so a crash midway is repaired at start), then its profile picture, then
//! its row, which takes sessions, API keys, albums and metadata with it. Running it again after
//! a crash continues where it stopped.

use std::sync::Arc;

use async_trait::async_trait;
use ferrotype_core::blob::BlobStore;
use ferrotype_core::catalog::Catalog;
use ferrotype_core::jobs::Job;
use ferrotype_core::model::PurgeSelection;
use uuid::Uuid;

use crate::{Completion, JobError, JobHandler};

pub struct DeleteUser {
    pub catalog: Arc<dyn Catalog>,
    pub blobs: Arc<dyn BlobStore>,
}

/// The user a `UserDelete` job is about.
pub fn user_of(job: &Job) -> Option<Uuid> {
    job.payload["id"].as_str().and_then(|s| s.parse().ok())
}

#[async_trait]
impl JobHandler for DeleteUser {
    async fn run(&self, job: &Job) -> Result<Completion, JobError> {
        let retry = |e: &dyn std::fmt::Display| JobError::Retry(e.to_string());
        let user_id = user_of(job).ok_or_else(|| JobError::Fatal("job has no user id".into()))?;
        let Some(user) = self.catalog.user_by_id(user_id).await? else {
            return Ok(Completion::Done); // already gone
        };
        // Only an account that was deleted (and not restored since) goes.
        if user.deleted_at.is_none() {
            return Ok(Completion::Done);
        }
        let selection = PurgeSelection::Owner { owner_id: user_id };
        ferrotype_core::assets::purge(self.catalog.as_ref(), self.blobs.as_ref(), &selection)
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
