//! What a job's handler is, for the crates that own the work (media, mail, the binary...) to
//! implement without depending on the runner (`ferrotype-jobs`), which only calls them.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::{Job, JobPayload, QueueName};
use crate::catalog::CatalogError;

/// Why a job failed, and whether trying again can help.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Transient (I/O, a busy resource): retried with backoff until attempts run out.
    #[error("{0}")]
    Retry(String),
    /// The input itself is bad (a corrupt file): failed at once, reason kept.
    #[error("{0}")]
    Fatal(String),
    /// The catalog (or another shared service) cannot answer now: the job goes back to the
    /// queue after a pause, without counting the attempt.
    #[error("{0}")]
    Unavailable(String),
    /// The job's lease ran out and another runner holds it now (its end was refused): this
    /// run's outcome is not recorded.
    #[error("{0}")]
    LeaseLost(String),
}

impl JobError {
    /// For a write that records the job's end (`JobEnd`): its `Conflict` means the lease was
    /// lost; anything else as usual.
    pub fn from_end(e: CatalogError) -> Self {
        match e {
            CatalogError::Conflict(cause) => JobError::LeaseLost(cause),
            e => e.into(),
        }
    }
}

impl From<CatalogError> for JobError {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::Unavailable(cause) => JobError::Unavailable(cause),
            e => JobError::Retry(e.to_string()),
        }
    }
}

/// How a handler's run ended well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// The runner records the job's completion.
    Done,
    /// The handler's last write recorded it, with the jobs that follow, in its own transaction
    /// (`JobEnd`).
    Recorded,
}

/// What the runner calls for a claimed job: the job as stored.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    async fn run(&self, job: &Job) -> Result<Completion, JobError>;
}

/// The handler of one job kind, given the job's payload decoded (`JobPayload::decode`).
/// Registered with `JobHandlers::add`, under its payload's name and queue.
#[async_trait]
pub trait TypedJobHandler: Send + Sync + 'static {
    type Payload: JobPayload;

    async fn run(&self, job: &Job, payload: Self::Payload) -> Result<Completion, JobError>;
}

/// A typed handler as the runner calls it: a payload that does not decode fails the job at
/// once (running it again would not decode it either).
struct Decoding<H>(H);

#[async_trait]
impl<H: TypedJobHandler> JobHandler for Decoding<H> {
    async fn run(&self, job: &Job) -> Result<Completion, JobError> {
        let payload = H::Payload::decode(job).map_err(|e| {
            JobError::Fatal(format!(
                "the payload of job {} ({}) does not decode: {e}",
                job.id, job.name
            ))
        })?;
        self.0.run(job, payload).await
    }
}

/// The handlers of a process's jobs, by job name, each with the queue whose workers run it.
/// Each crate that owns some work adds its handlers (its `register` function); the binary hands
/// the whole to the runner.
#[derive(Default, Clone)]
pub struct JobHandlers {
    by_name: HashMap<String, (QueueName, Arc<dyn JobHandler>)>,
}

impl JobHandlers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `handler` for its payload's job name, run by that payload's queue.
    pub fn add<H: TypedJobHandler>(&mut self, handler: H) -> &mut Self {
        let (queue, name) = (H::Payload::QUEUE, H::Payload::NAME);
        self.add_untyped(queue, name, Arc::new(Decoding(handler)))
    }

    /// Registers a handler that reads the stored job itself.
    pub fn add_untyped(
        &mut self,
        queue: QueueName,
        name: &str,
        handler: Arc<dyn JobHandler>,
    ) -> &mut Self {
        self.by_name.insert(name.to_string(), (queue, handler));
        self
    }

    pub fn get(&self, name: &str) -> Option<&(QueueName, Arc<dyn JobHandler>)> {
        self.by_name.get(name)
    }

    /// The queues that have handlers, each once, in `QueueName` order.
    pub fn queues(&self) -> Vec<QueueName> {
        let mut queues: Vec<QueueName> = self.by_name.values().map(|(q, _)| *q).collect();
        queues.sort();
        queues.dedup();
        queues
    }

    /// Keeps only the handlers run by these queues.
    pub fn retain_queues(&mut self, queues: &[QueueName]) {
        self.by_name.retain(|_, (queue, _)| queues.contains(queue));
    }

    /// Adds every handler of `other` (replacing those of the same names).
    pub fn extend(&mut self, other: JobHandlers) {
        self.by_name.extend(other.by_name);
    }
}
