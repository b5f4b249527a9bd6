//! The durable job queue. See `ferrotype-jobs` for the workers that use it.

use async_trait::async_trait;

use super::CatalogResult;
use crate::jobs::{AssetSelection, Job, JobState, NewJob, QueueName, QueueStatus};
use crate::model::Timestamp;

#[async_trait]
pub trait JobRepo: Send + Sync {
    /// Returns how many were added (a job whose dedupe key already waits is skipped).
    async fn enqueue_jobs(&self, jobs: &[NewJob]) -> CatalogResult<u64>;
    /// Enqueues one job per selected asset (deduplicated as usual).
    async fn enqueue_asset_jobs(
        &self,
        queue: QueueName,
        name: &'static str,
        selection: AssetSelection,
    ) -> CatalogResult<u64>;
    /// Takes the oldest runnable job of an unpaused queue and marks it active for `worker`.
    async fn claim_job(&self, queue: QueueName, worker: &str) -> CatalogResult<Option<Job>>;
    async fn complete_job(&self, id: i64) -> CatalogResult<()>;
    /// A failed attempt: back to waiting until `retry_at`, or, with `None`, failed for good with
    /// its reason kept.
    async fn fail_job(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> CatalogResult<()>;
    /// Puts an active job back to waiting without counting the attempt (on shutdown).
    async fn release_job(&self, id: i64) -> CatalogResult<()>;
    /// Puts every active job back to waiting: at start, when this process is the only worker,
    /// whatever is active was interrupted by a crash.
    async fn requeue_active_jobs(&self) -> CatalogResult<u64>;
    async fn queue_status(&self, queue: QueueName) -> CatalogResult<QueueStatus>;
    async fn set_queue_paused(&self, queue: QueueName, paused: bool) -> CatalogResult<()>;
    /// Removes waiting and delayed jobs; returns how many.
    async fn empty_queue(&self, queue: QueueName) -> CatalogResult<u64>;
    /// Removes failed jobs; returns how many.
    async fn clear_failed_jobs(&self, queue: QueueName) -> CatalogResult<u64>;
    async fn list_jobs(
        &self,
        queue: QueueName,
        states: &[JobState],
        limit: u32,
    ) -> CatalogResult<Vec<(Job, JobState)>>;
}
