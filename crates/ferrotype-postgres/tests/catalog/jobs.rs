//! The job queue: dedupe, claims, retries, pauses, and what many workers need (SKIP LOCKED
//! claims, wake-ups by NOTIFY). Leases are told in the behaviour suite (`job_leases`).

use ferrotype_core::catalog::prelude::*;
use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::Utc;
use ferrotype_core::jobs::{JobState, NewJob, QueueName};
use ferrotype_postgres::PgCatalog;
use ferrotype_postgres::testing::TestCluster;
use serde_json::json;

use super::catalog;

fn job(key: &str) -> NewJob {
    NewJob {
        queue: QueueName::BackgroundTask,
        name: "Test",
        asset_id: None,
        payload: json!({ "key": key }),
        dedupe_key: Some(key.to_string()),
        max_attempts: 3,
        delay: None,
    }
}

const Q: QueueName = QueueName::BackgroundTask;
const LEASE: Duration = Duration::from_secs(30);

#[tokio::test]
async fn jobs_are_deduplicated_while_waiting_claimed_oldest_first_and_completed() {
    let c = catalog().await;
    assert_eq!(
        c.enqueue_jobs(&[job("a"), job("b"), job("a")])
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        c.enqueue_jobs(&[job("a")]).await.unwrap(),
        0,
        "a waits already"
    );
    let mut free = job("free");
    free.dedupe_key = None;
    assert_eq!(c.enqueue_jobs(&[free.clone(), free]).await.unwrap(), 2);

    let first = c.claim_job(Q, "w1", LEASE).await.unwrap().unwrap();
    assert_eq!(
        (first.name.as_str(), first.payload.clone(), first.attempts),
        ("Test", json!({"key": "a"}), 1)
    );
    // An active job does not block a new waiting one.
    assert_eq!(c.enqueue_jobs(&[job("a")]).await.unwrap(), 1);
    let status = c.queue_status(Q).await.unwrap();
    assert_eq!((status.counts.active, status.counts.waiting), (1, 4));

    c.complete_job(first.id, "w1").await.unwrap();
    assert!(
        c.complete_job(first.id, "w1").await.is_err(),
        "twice is refused: it is no longer held"
    );
    let status = c.queue_status(Q).await.unwrap();
    assert_eq!((status.counts.active, status.counts.completed), (0, 1));

    let mut keys = Vec::new();
    while let Some(j) = c.claim_job(Q, "w1", LEASE).await.unwrap() {
        keys.push(j.payload["key"].as_str().unwrap().to_string());
        c.complete_job(j.id, "w1").await.unwrap();
    }
    assert_eq!(keys, vec!["b", "free", "free", "a"]);
    assert_eq!(c.queue_status(Q).await.unwrap().counts.completed, 5);
    assert!(
        c.claim_job(QueueName::MetadataExtraction, "w1", LEASE)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_delayed_job_waits_and_enqueuing_it_again_restarts_its_wait() {
    let c = catalog().await;
    let mut later = job("later");
    later.delay = Some(Duration::from_secs(3600));
    assert_eq!(c.enqueue_jobs(&[later.clone()]).await.unwrap(), 1);
    assert!(c.claim_job(Q, "w", LEASE).await.unwrap().is_none());
    let status = c.queue_status(Q).await.unwrap();
    assert_eq!((status.counts.delayed, status.counts.waiting), (1, 0));
    let listed = c.list_jobs(Q, &[JobState::Delayed], 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(
        c.list_jobs(Q, &[JobState::Waiting], 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Enqueued again with a short delay: the one row, its wait restarted.
    later.delay = Some(Duration::from_millis(1));
    later.payload = json!({"key": "later", "again": true});
    assert_eq!(c.enqueue_jobs(&[later]).await.unwrap(), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let claimed = c.claim_job(Q, "w", LEASE).await.unwrap().unwrap();
    assert_eq!(claimed.payload["again"], json!(true));
    assert!(c.claim_job(Q, "w", LEASE).await.unwrap().is_none());
}

#[tokio::test]
async fn failed_jobs_retry_or_fail_for_good_and_released_ones_keep_their_attempts() {
    let c = catalog().await;
    c.enqueue_jobs(&[job("x")]).await.unwrap();
    let x = c.claim_job(Q, "w", LEASE).await.unwrap().unwrap();
    c.fail_job(x.id, "w", "boom", Some(Utc::now()))
        .await
        .unwrap();
    let again = c.claim_job(Q, "w", LEASE).await.unwrap().unwrap();
    assert_eq!(
        (again.id, again.attempts, again.last_error.as_deref()),
        (x.id, 2, Some("boom"))
    );
    c.fail_job(again.id, "w", "boom twice", None).await.unwrap();
    c.enqueue_jobs(&[job("y")]).await.unwrap();
    let status = c.queue_status(Q).await.unwrap();
    assert_eq!((status.counts.failed, status.counts.waiting), (1, 1));
    let failed = c.list_jobs(Q, &[JobState::Failed], 10).await.unwrap();
    assert_eq!(failed[0].0.last_error.as_deref(), Some("boom twice"));

    // Released (shutdown): back to waiting, the attempt not counted.
    let y = c.claim_job(Q, "w", LEASE).await.unwrap().unwrap();
    c.release_job(y.id, "w").await.unwrap();
    let y2 = c.claim_job(Q, "w", LEASE).await.unwrap().unwrap();
    assert_eq!((y2.id, y2.attempts), (y.id, 1));

    // A retry while an identical job waits: this one goes, the waiting one stays.
    c.enqueue_jobs(&[job("y")]).await.unwrap();
    c.fail_job(y2.id, "w", "later", Some(Utc::now()))
        .await
        .unwrap();
    let status = c.queue_status(Q).await.unwrap();
    assert_eq!((status.counts.active, status.counts.waiting), (0, 1));

    assert_eq!(c.clear_failed_jobs(Q).await.unwrap(), 1);
    assert_eq!(c.empty_queue(Q).await.unwrap(), 1);
    assert_eq!(c.queue_status(Q).await.unwrap().counts, Default::default());
}

#[tokio::test]
async fn active_jobs_are_requeued_at_start_and_a_twin_that_waits_wins() {
    let c = catalog().await;
    c.enqueue_jobs(&[job("p"), job("q")]).await.unwrap();
    let p = c.claim_job(Q, "w", LEASE).await.unwrap().unwrap();
    let _q = c.claim_job(Q, "w", LEASE).await.unwrap().unwrap();
    c.enqueue_jobs(&[job("p")]).await.unwrap();
    assert_eq!(c.requeue_active_jobs().await.unwrap(), 2);
    let status = c.queue_status(Q).await.unwrap();
    assert_eq!((status.counts.active, status.counts.waiting), (0, 2));
    let ids: HashSet<i64> = c
        .list_jobs(Q, &[], 10)
        .await
        .unwrap()
        .iter()
        .map(|(j, _)| j.id)
        .collect();
    assert!(
        !ids.contains(&p.id),
        "the twin that waited stays, the interrupted one goes"
    );
}

#[tokio::test]
async fn a_paused_queue_hands_out_nothing_and_counts_its_jobs_as_paused() {
    let c = catalog().await;
    c.enqueue_jobs(&[job("a")]).await.unwrap();
    c.set_queue_paused(Q, true).await.unwrap();
    assert!(c.claim_job(Q, "w", LEASE).await.unwrap().is_none());
    let status = c.queue_status(Q).await.unwrap();
    assert!(status.is_paused);
    assert_eq!((status.counts.waiting, status.counts.paused), (0, 1));
    c.set_queue_paused(Q, false).await.unwrap();
    assert!(c.claim_job(Q, "w", LEASE).await.unwrap().is_some());
}

#[tokio::test]
async fn a_claim_skips_a_job_another_transaction_holds_instead_of_waiting() {
    let url = TestCluster::shared().database_url().await;
    let c = PgCatalog::connect(&url).await.unwrap();
    c.enqueue_jobs(&[job("held"), job("free")]).await.unwrap();
    let (mut client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let tx = client.transaction().await.unwrap();
    tx.query(
        "SELECT id FROM jobs WHERE dedupe_key = 'held' FOR UPDATE",
        &[],
    )
    .await
    .unwrap();
    let started = Instant::now();
    let claimed = c.claim_job(Q, "w", LEASE).await.unwrap().unwrap();
    assert_eq!(claimed.payload["key"], json!("free"));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(c.claim_job(Q, "w", LEASE).await.unwrap().is_none());
    tx.rollback().await.unwrap();
    assert_eq!(
        c.claim_job(Q, "w", LEASE).await.unwrap().unwrap().payload["key"],
        json!("held")
    );
}

#[tokio::test]
async fn many_workers_in_many_processes_run_every_job_exactly_once() {
    let url = TestCluster::shared().database_url().await;
    let producer = PgCatalog::connect(&url).await.unwrap();
    let jobs: Vec<NewJob> = (0..300).map(|i| job(&format!("job-{i}"))).collect();
    assert_eq!(producer.enqueue_jobs(&jobs).await.unwrap(), 300);
    // Three "processes" (a pool each), four workers each.
    let mut workers = Vec::new();
    for process in 0..3 {
        let c = PgCatalog::connect(&url).await.unwrap();
        for w in 0..4 {
            let c = c.clone();
            let name = format!("p{process}w{w}");
            workers.push(tokio::spawn(async move {
                let mut done = Vec::new();
                while let Some(j) = c.claim_job(Q, &name, LEASE).await.unwrap() {
                    done.push(j.payload["key"].as_str().unwrap().to_string());
                    c.complete_job(j.id, &name).await.unwrap();
                }
                done
            }));
        }
    }
    let mut seen = HashSet::new();
    let mut busy = 0;
    for w in workers {
        let done = w.await.unwrap();
        busy += !done.is_empty() as usize;
        for key in done {
            assert!(seen.insert(key.clone()), "{key} ran twice");
        }
    }
    assert_eq!(seen.len(), 300);
    assert!(busy > 1, "the work was shared");
    let status = producer.queue_status(Q).await.unwrap();
    assert_eq!(
        (
            status.counts.completed,
            status.counts.waiting,
            status.counts.active
        ),
        (300, 0, 0)
    );
}

#[tokio::test]
async fn an_idle_worker_wakes_when_a_job_is_enqueued_by_another_process() {
    let url = TestCluster::shared().database_url().await;
    let worker = PgCatalog::connect(&url).await.unwrap();
    let api = PgCatalog::connect(&url).await.unwrap();
    worker.job_wakeups().listening().await;
    let mut wakeup = worker.job_wakeups().subscribe(Q);
    let mut other = worker
        .job_wakeups()
        .subscribe(QueueName::MetadataExtraction);
    assert!(worker.claim_job(Q, "w", LEASE).await.unwrap().is_none());
    assert!(
        !wakeup.wait(Duration::from_millis(100)).await,
        "nothing to wake for"
    );

    let started = Instant::now();
    api.enqueue_jobs(&[job("wake")]).await.unwrap();
    assert!(wakeup.wait(Duration::from_secs(5)).await);
    let latency = started.elapsed();
    assert!(latency < Duration::from_secs(1), "{latency:?}");
    assert!(worker.claim_job(Q, "w", LEASE).await.unwrap().is_some());
    assert!(
        !other.wait(Duration::from_millis(50)).await,
        "another queue's workers sleep on"
    );

    // A notification that comes between a claim and the wait is not lost.
    api.enqueue_jobs(&[job("between")]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(wakeup.wait(Duration::from_millis(10)).await);

    // Resuming a paused queue wakes its workers too.
    api.set_queue_paused(Q, true).await.unwrap();
    api.set_queue_paused(Q, false).await.unwrap();
    assert!(wakeup.wait(Duration::from_secs(5)).await);
}
