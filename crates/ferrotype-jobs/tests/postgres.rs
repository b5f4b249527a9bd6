//! Runners in "different processes" (each its own catalog handle, pool and LISTEN connection)
//! sharing one PostgreSQL database of a throwaway cluster.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use ferrotype_core::catalog::prelude::*;
use ferrotype_core::jobs::{Job, NewJob, QueueCounts, QueueName};
use ferrotype_jobs::{Completion, JobError, JobHandler, JobRunner};
use ferrotype_postgres::PgCatalog;
use ferrotype_postgres::testing::TestCluster;

const Q: QueueName = QueueName::BackgroundTask;

fn job(key: &str) -> NewJob {
    NewJob {
        queue: Q,
        name: "Test",
        asset_id: None,
        payload: serde_json::json!({ "key": key }),
        dedupe_key: Some(key.to_string()),
        max_attempts: 3,
        delay: None,
    }
}

async fn process(url: &str) -> Arc<dyn Catalog> {
    let catalog = PgCatalog::connect(url).await.unwrap();
    catalog.job_wakeups().listening().await;
    Arc::new(catalog)
}

/// Counts its runs; hangs forever when `hang` is set (a runner that will be killed mid-job).
#[derive(Default)]
struct Counting {
    started: AtomicUsize,
    finished: AtomicUsize,
    hang: bool,
}

#[async_trait]
impl JobHandler for Counting {
    async fn run(&self, _job: &Job) -> Result<Completion, JobError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        if self.hang {
            std::future::pending::<()>().await;
        }
        self.finished.fetch_add(1, Ordering::SeqCst);
        Ok(Completion::Done)
    }
}

async fn wait_for(catalog: &Arc<dyn Catalog>, check: impl Fn(QueueCounts) -> bool) -> QueueCounts {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let counts = catalog.queue_status(Q).await.unwrap().counts;
        if check(counts) {
            return counts;
        }
        assert!(Instant::now() < deadline, "never reached: {counts:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_abandoned_by_a_dead_runner_is_run_once_by_another() {
    let url = TestCluster::shared().database_url().await;
    let (first, second) = (process(&url).await, process(&url).await);
    let short = (Duration::from_millis(600), Duration::from_millis(150));
    let dying = Arc::new(Counting {
        hang: true,
        ..Default::default()
    });
    let running = JobRunner::new(first.clone(), "dies")
        .handle(Q, "Test", dying.clone())
        .leases(short.0, short.1)
        .start();
    first.enqueue_jobs(&[job("orphan")]).await.unwrap();
    wait_for(&first, |c| c.active == 1).await;
    // While its runner lives, the lease is renewed: nobody else takes the job.
    let survivor = Arc::new(Counting::default());
    let other = JobRunner::new(second.clone(), "lives")
        .handle(Q, "Test", survivor.clone())
        .leases(short.0, short.1)
        .start();
    tokio::time::sleep(short.0 * 2).await;
    assert_eq!(
        survivor.started.load(Ordering::SeqCst),
        0,
        "held by its lease"
    );
    assert_eq!(second.queue_status(Q).await.unwrap().counts.active, 1);

    // Killed: no release, no more renewals. Once the lease runs out, the other runner's sweep
    // puts it back and the other runner runs it, once.
    running.abandon();
    let c = wait_for(&second, |c| c.completed == 1).await;
    assert_eq!((c.active, c.waiting, c.failed), (0, 0, 0));
    tokio::time::sleep(short.0 * 2).await;
    assert_eq!(survivor.started.load(Ordering::SeqCst), 1);
    assert_eq!(survivor.finished.load(Ordering::SeqCst), 1);
    assert_eq!(dying.started.load(Ordering::SeqCst), 1);
    assert_eq!(dying.finished.load(Ordering::SeqCst), 0);
    assert_eq!(second.queue_status(Q).await.unwrap().counts.completed, 1);
    other.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_enqueued_anywhere_wakes_an_idle_runner_at_once() {
    let url = TestCluster::shared().database_url().await;
    let (worker, api) = (process(&url).await, process(&url).await);
    let handler = Arc::new(Counting::default());
    let poll = Duration::from_secs(30);
    let running = JobRunner::new(worker.clone(), "idle")
        .handle(Q, "Test", handler.clone())
        .poll(poll)
        .start();
    // Idle: its first claim found nothing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for round in 1..=3 {
        let started = Instant::now();
        api.enqueue_jobs(&[job(&format!("wake-{round}"))])
            .await
            .unwrap();
        wait_for(&api, |c| c.completed == round).await;
        let latency = started.elapsed();
        assert!(
            latency < Duration::from_secs(2),
            "{latency:?}, poll {poll:?}"
        );
    }
    assert_eq!(handler.finished.load(Ordering::SeqCst), 3);
    running.shutdown(Duration::from_secs(5)).await;
}
