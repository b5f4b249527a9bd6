//! The workers of the durable job queue. Jobs live in the catalog (`Catalog::claim_job` and
//! friends); this crate claims them, runs their handlers with a per-queue concurrency limit,
//! retries failures with backoff, and on shutdown lets running jobs finish or returns them to the
//! queue. Nothing is held only in memory: a claim is a lease that the runner renews while the job
//! runs, so a crash at any moment leaves every unfinished job in the table, and once its lease
//! runs out any runner (`requeue_expired_jobs`, swept periodically) puts it back to run again.
//! Many runners, in any number of processes, can share one catalog.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use ferrotype_core::catalog::{Catalog, CatalogError};
// The handlers' side, in core so that the crates owning the work implement it without this one.
pub use ferrotype_core::jobs::{Completion, JobError, JobHandler, JobHandlers, TypedJobHandler};
use ferrotype_core::jobs::{Job, QueueName};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

/// Observes job outcomes (metrics, live events); any number, called in the order added.
pub trait JobObserver: Send + Sync + 'static {
    /// Called once per run, after the outcome is recorded in the catalog.
    fn finished(&self, job: &Job, outcome: Outcome, elapsed: Duration);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Completed,
    Retried,
    Failed,
}

/// How often an idle queue looks for runnable jobs it was not woken for: delayed jobs (retries,
/// album notifications) coming due. Jobs enqueued anywhere wake it through the catalog's
/// `job_wakeups`.
const POLL: Duration = Duration::from_secs(2);

/// How often a queue at its concurrency limit looks whether the admin raised it.
const LIMIT_POLL: Duration = Duration::from_millis(500);

/// How long a claim holds a job unless renewed, and how often a running job's lease is renewed
/// (three renewals per lease: a slow catalog round trip does not lose the job).
const LEASE: Duration = Duration::from_secs(30);
const HEARTBEAT: Duration = Duration::from_secs(10);

/// Reads how many jobs of a queue should run at once (e.g. from the live system config).
pub type WantedConcurrency = Arc<dyn Fn(QueueName) -> Option<usize> + Send + Sync>;

/// Says whether no job may start now (maintenance mode); read before each claim.
pub type Hold = Arc<dyn Fn() -> bool + Send + Sync>;

/// A running job's place in its queue's count, given back when dropped (a panicking job too).
struct Slot {
    active: Arc<AtomicUsize>,
    ended: Arc<Notify>,
}

impl Slot {
    fn take(active: &Arc<AtomicUsize>, ended: &Arc<Notify>) -> Slot {
        active.fetch_add(1, Ordering::SeqCst);
        Slot {
            active: active.clone(),
            ended: ended.clone(),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.active.fetch_sub(1, Ordering::SeqCst);
        self.ended.notify_one();
    }
}

pub struct JobRunner {
    catalog: Arc<dyn Catalog>,
    handlers: JobHandlers,
    /// The most jobs of a queue that run at once (the operator's bound on memory).
    concurrency: HashMap<QueueName, usize>,
    /// How many the admin wants now, read before each claim; within the bound.
    wanted: Option<WantedConcurrency>,
    /// While it says so, nothing is claimed (the jobs running go on to their end).
    hold: Option<Hold>,
    worker_id: String,
    observers: Vec<Arc<dyn JobObserver>>,
    retry_base: Duration,
    lease: Duration,
    heartbeat: Duration,
    poll: Duration,
}

/// The delay before retry number `attempts` (1-based): `base`, then 4x more each time, at most
/// an hour.
pub fn retry_delay(base: Duration, attempts: u32) -> Duration {
    let factor = 4u32.saturating_pow(attempts.saturating_sub(1).min(10));
    base.saturating_mul(factor).min(Duration::from_secs(3600))
}

impl JobRunner {
    pub fn new(catalog: Arc<dyn Catalog>, worker_id: impl Into<String>) -> Self {
        JobRunner {
            catalog,
            handlers: JobHandlers::new(),
            concurrency: HashMap::new(),
            wanted: None,
            hold: None,
            worker_id: worker_id.into(),
            observers: Vec::new(),
            retry_base: Duration::from_secs(10),
            lease: LEASE,
            heartbeat: HEARTBEAT,
            poll: POLL,
        }
    }

    /// How long a claim holds a job (30 s), renewed every `heartbeat` (10 s) while it runs; also
    /// how often this runner puts back the jobs whose lease ran out (their runner died).
    pub fn leases(mut self, lease: Duration, heartbeat: Duration) -> Self {
        self.lease = lease;
        self.heartbeat = heartbeat;
        self
    }

    /// How often an idle queue looks for delayed jobs that came due (2 s).
    pub fn poll(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// The first retry's delay (10 s by default); later ones grow, see `retry_delay`.
    pub fn retry_base(mut self, base: Duration) -> Self {
        self.retry_base = base;
        self
    }

    /// Registers the handler of a job name, run by the given queue's workers.
    pub fn handle(mut self, queue: QueueName, name: &str, handler: Arc<dyn JobHandler>) -> Self {
        self.handlers.add_untyped(queue, name, handler);
        self
    }

    /// Registers these handlers (each crate that owns some work fills them in).
    pub fn handlers(mut self, handlers: JobHandlers) -> Self {
        self.handlers.extend(handlers);
        self
    }

    /// The most jobs of `queue` that ever run at once.
    pub fn concurrency(mut self, queue: QueueName, n: usize) -> Self {
        self.concurrency.insert(queue, n.max(1));
        self
    }

    /// Where the wanted concurrency comes from, read before every claim so that a change applies
    /// to the next job (the bound of `concurrency` still holds).
    pub fn wanted_concurrency(mut self, wanted: WantedConcurrency) -> Self {
        self.wanted = Some(wanted);
        self
    }

    /// Claims nothing while `hold` says so (checked before every claim, so it applies within
    /// half a second); the jobs already running finish.
    pub fn hold_while(mut self, hold: Hold) -> Self {
        self.hold = Some(hold);
        self
    }

    fn held(&self) -> bool {
        self.hold.as_ref().is_some_and(|h| h())
    }

    /// How many jobs of `queue` may run now.
    fn limit(&self, queue: QueueName) -> usize {
        let bound = self
            .concurrency
            .get(&queue)
            .copied()
            .unwrap_or_else(|| queue.default_concurrency());
        let wanted = self.wanted.as_ref().and_then(|w| w(queue)).unwrap_or(bound);
        wanted.clamp(1, bound)
    }

    /// Runs the jobs of these queues only (a worker process given `--queues`); the others are
    /// left to other processes. Empty: every queue with a handler.
    pub fn only_queues(mut self, queues: &[QueueName]) -> Self {
        if !queues.is_empty() {
            self.handlers.retain_queues(queues);
        }
        self
    }

    pub fn observer(mut self, observer: Arc<dyn JobObserver>) -> Self {
        self.observers.push(observer);
        self
    }

    /// Starts one worker loop per queue that has handlers.
    pub fn start(self) -> RunningJobs {
        let (stop_tx, stop_rx) = watch::channel(false);
        let running: Arc<Mutex<HashMap<i64, tokio::task::AbortHandle>>> = Default::default();
        let shared = Arc::new(self);
        let queues = shared.handlers.queues();
        let mut loops = JoinSet::new();
        for queue in queues {
            let runner = shared.clone();
            let stop = stop_rx.clone();
            let running = running.clone();
            loops.spawn(async move { runner.queue_loop(queue, stop, running).await });
        }
        loops.spawn(shared.clone().sweep_expired_leases(stop_rx));
        RunningJobs {
            stop: stop_tx,
            loops,
            running,
            catalog: shared.catalog.clone(),
            worker_id: shared.worker_id.clone(),
        }
    }

    /// Puts back the jobs whose lease ran out, every `heartbeat`: a runner anywhere that died
    /// (or hung) without ending its jobs. Any number of runners may sweep at once.
    async fn sweep_expired_leases(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut every = tokio::time::interval(self.heartbeat);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = stop.changed() => return,
            }
            match self.catalog.requeue_expired_jobs().await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(n, "jobs whose runner stopped renewing are queued again"),
                Err(e) => tracing::warn!("cannot requeue jobs with expired leases: {e}"),
            }
        }
    }

    async fn queue_loop(
        self: Arc<Self>,
        queue: QueueName,
        mut stop: watch::Receiver<bool>,
        running: Arc<Mutex<HashMap<i64, tokio::task::AbortHandle>>>,
    ) {
        // Jobs of this queue running now, and a signal each time one ends.
        let active = Arc::new(AtomicUsize::new(0));
        let ended = Arc::new(Notify::new());
        let mut jobs = JoinSet::new();
        // Subscribed before the first claim: a job enqueued after it is not missed.
        let mut woken = self.catalog.job_wakeups().subscribe(queue);
        loop {
            if *stop.borrow() {
                break;
            }
            if self.held() || active.load(Ordering::SeqCst) >= self.limit(queue) {
                tokio::select! {
                    _ = ended.notified() => {}
                    // The limit may have been raised, or the hold lifted, meanwhile.
                    _ = tokio::time::sleep(LIMIT_POLL) => {}
                    _ = stop.changed() => break,
                }
                continue;
            }
            let claimed = match self
                .catalog
                .claim_job(queue, &self.worker_id, self.lease)
                .await
            {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::error!(queue = queue.as_str(), "cannot claim a job: {e}");
                    None
                }
            };
            let Some(job) = claimed else {
                // Reap finished tasks so the set does not grow while idle.
                while jobs.try_join_next().is_some() {}
                tokio::select! {
                    _ = woken.wait(self.poll) => {}
                    _ = stop.changed() => break,
                }
                continue;
            };
            let runner = self.clone();
            let running_map = running.clone();
            let id = job.id;
            let slot = Slot::take(&active, &ended);
            let handle = jobs.spawn(async move {
                runner.run_one(job).await;
                running_map
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&id);
                drop(slot);
            });
            running
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id, handle);
            while jobs.try_join_next().is_some() {}
        }
        // Let the jobs of this queue finish; `RunningJobs::shutdown` aborts them after its grace.
        while jobs.join_next().await.is_some() {}
    }

    async fn run_one(&self, job: Job) {
        let worker = self.worker_id.as_str();
        let Some((_, handler)) = self.handlers.get(&job.name) else {
            let reason = format!("no handler for job {}", job.name);
            let _ = self.catalog.fail_job(job.id, worker, &reason, None).await;
            return;
        };
        let started = Instant::now();
        let span = tracing::info_span!("job", queue = job.queue.as_str(), name = %job.name, id = job.id, asset = ?job.asset_id);
        tracing::debug!(parent: &span, attempt = job.attempts, "started");
        // A panicking handler fails its job instead of taking the worker down; aborted with
        // this task (shutdown, or the lease lost).
        let mut task = AbortOnDrop({
            let handler = handler.clone();
            let job = job.clone();
            tokio::spawn(async move { handler.run(&job).await })
        });
        let mut beat =
            tokio::time::interval_at(tokio::time::Instant::now() + self.heartbeat, self.heartbeat);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let ended = loop {
            tokio::select! {
                ended = &mut task.0 => break ended,
                _ = beat.tick() => {
                    match self.catalog.renew_job_lease(job.id, worker, self.lease).await {
                        Ok(true) => {}
                        Ok(false) => {
                            // Our lease ran out and another runner took the job over (or it was
                            // removed): its outcome is not ours to record any more.
                            tracing::warn!(parent: &span, "lease lost to another runner; stopping this run");
                            return;
                        }
                        Err(e) => tracing::warn!(parent: &span, "cannot renew the lease: {e}"),
                    }
                }
            }
        };
        let result = match ended {
            Ok(result) => result,
            Err(e) if e.is_panic() => Err(JobError::Fatal(format!("job panicked: {e}"))),
            Err(e) => Err(JobError::Retry(format!("job task ended: {e}"))),
        };
        let elapsed = started.elapsed();
        let (outcome, recorded) = match result {
            Ok(Completion::Done) => (
                Outcome::Completed,
                self.catalog.complete_job(job.id, worker).await,
            ),
            Ok(Completion::Recorded) => (Outcome::Completed, Ok(())),
            Err(JobError::LeaseLost(reason)) => {
                tracing::warn!(parent: &span, "lease lost to another runner; outcome not recorded: {reason}");
                return;
            }
            Err(JobError::Retry(reason)) if job.attempts < job.max_attempts => {
                let delay = retry_delay(self.retry_base, job.attempts);
                tracing::warn!(parent: &span, attempt = job.attempts, "failed, retrying in {delay:?}: {reason}");
                let at = Utc::now()
                    + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1));
                (
                    Outcome::Retried,
                    self.catalog
                        .fail_job(job.id, worker, &reason, Some(at))
                        .await,
                )
            }
            Err(JobError::Unavailable(reason)) => {
                tracing::warn!(parent: &span, "unavailable, putting back in {:?}: {reason}", self.retry_base);
                // Held in its slot meanwhile: while the catalog is down, fewer claims fail.
                tokio::time::sleep(self.retry_base).await;
                (
                    Outcome::Retried,
                    self.catalog.release_job(job.id, worker).await,
                )
            }
            Err(JobError::Retry(reason)) | Err(JobError::Fatal(reason)) => {
                tracing::warn!(parent: &span, attempt = job.attempts, "failed: {reason}");
                (
                    Outcome::Failed,
                    self.catalog.fail_job(job.id, worker, &reason, None).await,
                )
            }
        };
        match recorded {
            Ok(()) => {}
            Err(CatalogError::Conflict(e)) => {
                // Taken over after our lease ran out: the new holder's run decides; the row is
                // left alone.
                tracing::warn!(parent: &span, ?outcome, "outcome not recorded: {e}");
                return;
            }
            Err(e) => tracing::error!(parent: &span, ?outcome, "cannot record the outcome: {e}"),
        }
        tracing::debug!(parent: &span, ms = elapsed.as_millis() as u64, ?outcome, "finished");
        for observer in &self.observers {
            observer.finished(&job, outcome, elapsed);
        }
    }
}

/// Aborts the task when dropped, so that a handler stops with the run that waits for it.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The started workers.
pub struct RunningJobs {
    stop: watch::Sender<bool>,
    loops: JoinSet<()>,
    running: Arc<Mutex<HashMap<i64, tokio::task::AbortHandle>>>,
    catalog: Arc<dyn Catalog>,
    worker_id: String,
}

impl RunningJobs {
    /// Stops claiming, lets running jobs finish for up to `grace`, then aborts the rest and puts
    /// them back in the queue (their work is redone at the next start: jobs are idempotent).
    pub async fn shutdown(mut self, grace: Duration) {
        let _ = self.stop.send(true);
        let finished = tokio::time::timeout(grace, async {
            while self.loops.join_next().await.is_some() {}
        })
        .await
        .is_ok();
        if finished {
            return;
        }
        let unfinished: Vec<(i64, tokio::task::AbortHandle)> = self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
            .collect();
        for (id, handle) in unfinished {
            handle.abort();
            match self.catalog.release_job(id, &self.worker_id).await {
                Ok(()) => tracing::info!(id, "returned an unfinished job to the queue"),
                // Its lease ran out and another runner has it now.
                Err(CatalogError::Conflict(_)) => {}
                Err(e) => tracing::error!(id, "cannot return an unfinished job to the queue: {e}"),
            }
        }
        self.loops.abort_all();
    }

    /// Stops everything at once and tells the catalog nothing, as a killed process would: the
    /// jobs it held stay active until their leases run out and another runner takes them over.
    pub fn abandon(mut self) {
        self.loops.abort_all();
        for (_, handle) in self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
        {
            handle.abort();
        }
    }
}
