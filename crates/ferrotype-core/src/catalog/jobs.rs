//! The durable job queue. See `ferrotype-jobs` for the workers that use it.

use std::time::Duration;

use async_trait::async_trait;

use super::CatalogResult;
use crate::jobs::{AssetSelection, Job, JobState, JobWakeups, NewJob, QueueName, QueueStatus};
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
    /// Takes the oldest runnable job of an unpaused queue and marks it active for `worker`, its
    /// lease running `lease` from now (see `renew_job_lease`).
    async fn claim_job(
        &self,
        queue: QueueName,
        worker: &str,
        lease: Duration,
    ) -> CatalogResult<Option<Job>> {
        Ok(self.claim_batch(queue, worker, 1, lease).await?.pop())
    }
    /// Takes up to `n` runnable jobs of an unpaused queue at once, oldest first, for `worker`
    /// (each with its own lease): the batch a model runs in one inference. Workers anywhere never
    /// get the same job.
    async fn claim_batch(
        &self,
        queue: QueueName,
        worker: &str,
        n: u32,
        lease: Duration,
    ) -> CatalogResult<Vec<Job>>;
    /// Extends the lease of a job `worker` holds to `lease` from now; false when it no longer
    /// holds it (its lease expired and the job was taken over, or it ended).
    async fn renew_job_lease(&self, id: i64, worker: &str, lease: Duration) -> CatalogResult<bool>;
    /// Puts back to waiting the active jobs whose lease expired (their worker died or hung
    /// without renewing), without counting the attempt; returns how many. Safe while other
    /// workers run, in any number of processes.
    async fn requeue_expired_jobs(&self) -> CatalogResult<u64>;
    /// The job ran to its end: removed and counted. Only by the worker that holds it
    /// (`CatalogError::Conflict` otherwise: it was taken over, and the new holder decides).
    async fn complete_job(&self, id: i64, worker: &str) -> CatalogResult<()>;
    /// A failed attempt: back to waiting until `retry_at`, or, with `None`, failed for good with
    /// its reason kept. Only by the holder, as `complete_job`.
    async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> CatalogResult<()>;
    /// Puts an active job back to waiting without counting the attempt (on shutdown). Only by
    /// the holder, as `complete_job`.
    async fn release_job(&self, id: i64, worker: &str) -> CatalogResult<()>;
    /// Puts every active job back to waiting: at start, when this process is the only worker
    /// (SQLite: one process per data folder), whatever is active was interrupted by a crash.
    /// With many worker processes, leases (`requeue_expired_jobs`) do this instead.
    async fn requeue_active_jobs(&self) -> CatalogResult<u64>;
    /// Wake-ups for idle workers: bumped when a job of a queue becomes waiting. A worker that
    /// found nothing to claim waits on them (and a slow poll, for delayed jobs).
    fn job_wakeups(&self) -> &JobWakeups;
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
