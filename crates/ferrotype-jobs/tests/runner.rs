//! The queue and its workers over a real SQLite catalog in a temporary folder.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use ferrotype_catalog::SqliteCatalog;
use ferrotype_core::catalog::Catalog;
use ferrotype_core::jobs::payloads::SendMailJob;
use ferrotype_core::jobs::{Job, JobState, NewJob, QueueCounts, QueueName};
use ferrotype_jobs::{
    Completion, JobError, JobHandler, JobHandlers, JobRunner, TypedJobHandler, retry_delay,
};

const Q: QueueName = QueueName::MetadataExtraction;

fn catalog() -> (tempfile::TempDir, Arc<dyn Catalog>) {
    let dir = tempfile::tempdir().unwrap();
    let catalog = SqliteCatalog::open(&dir.path().join("t.db")).unwrap();
    (dir, Arc::new(catalog))
}

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

/// Behaves as the payload's `key` says: `ok`, `slow`, `fatal`, `panic`, or `flaky` (fails its
/// first attempt), counting runs and the most that ran at once.
#[derive(Default)]
struct Scripted {
    runs: AtomicUsize,
    now: AtomicUsize,
    max: AtomicUsize,
    max_attempts_seen: AtomicUsize,
}

#[async_trait]
impl JobHandler for Scripted {
    async fn run(&self, job: &Job) -> Result<Completion, JobError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
        let key = job.payload["key"].as_str().unwrap_or("").to_string();
        let result = if key.starts_with("slow") {
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok(Completion::Done)
        } else if key.starts_with("fatal") {
            Err(JobError::Fatal("the file is corrupt".into()))
        } else if key.starts_with("panic") {
            panic!("handler bug");
        } else if key.starts_with("flaky") && job.attempts == 1 {
            Err(JobError::Retry("disk busy".into()))
        } else if key.starts_with("unavailable") && self.runs.load(Ordering::SeqCst) <= 4 {
            self.max_attempts_seen
                .fetch_max(job.attempts as usize, Ordering::SeqCst);
            Err(JobError::Unavailable("database is locked".into()))
        } else if key.starts_with("always-retry") {
            Err(JobError::Retry("still busy".into()))
        } else {
            Ok(Completion::Done)
        };
        self.now.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

async fn counts(catalog: &Arc<dyn Catalog>) -> QueueCounts {
    catalog.queue_status(Q).await.unwrap().counts
}

async fn wait_for(catalog: &Arc<dyn Catalog>, check: impl Fn(QueueCounts) -> bool) -> QueueCounts {
    for _ in 0..200 {
        let c = counts(catalog).await;
        if check(c) {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "queue never reached the expected state: {:?}",
        counts(catalog).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_run_once_each_within_the_concurrency_limit() {
    let (_dir, catalog) = catalog();
    // Dedupe: the same key twice is one job.
    let added = catalog
        .enqueue_jobs(&[
            job("slow-1"),
            job("slow-1"),
            job("slow-2"),
            job("slow-3"),
            job("slow-4"),
            job("ok"),
        ])
        .await
        .unwrap();
    assert_eq!(added, 5);
    assert_eq!(counts(&catalog).await.waiting, 5);
    let handler = Arc::new(Scripted::default());
    let running = JobRunner::new(catalog.clone(), "w1")
        .handle(Q, "Test", handler.clone())
        .concurrency(Q, 2)
        .start();
    let c = wait_for(&catalog, |c| c.completed == 5).await;
    assert_eq!((c.waiting, c.active, c.failed), (0, 0, 0));
    assert_eq!(handler.runs.load(Ordering::SeqCst), 5);
    assert_eq!(
        handler.max.load(Ordering::SeqCst),
        2,
        "concurrency limit not used or exceeded"
    );
    running.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wanted_concurrency_applies_to_the_next_claim_within_the_bound() {
    let (_dir, catalog) = catalog();
    let keys: Vec<String> = (0..6).map(|i| format!("slow-{i}")).collect();
    let jobs: Vec<NewJob> = keys.iter().map(|k| job(k)).collect();
    catalog.enqueue_jobs(&jobs).await.unwrap();
    let handler = Arc::new(Scripted::default());
    // The admin wants 1 at first; the bound is 3.
    let wanted = Arc::new(AtomicUsize::new(1));
    let read = wanted.clone();
    let running = JobRunner::new(catalog.clone(), "w1")
        .handle(Q, "Test", handler.clone())
        .concurrency(Q, 3)
        .wanted_concurrency(Arc::new(move |_| Some(read.load(Ordering::SeqCst))))
        .start();
    wait_for(&catalog, |c| c.completed == 2).await;
    assert_eq!(handler.max.load(Ordering::SeqCst), 1, "one at a time");
    // Raised to 10: the bound of 3 holds.
    wanted.store(10, Ordering::SeqCst);
    wait_for(&catalog, |c| c.completed == 6).await;
    assert_eq!(
        handler.max.load(Ordering::SeqCst),
        3,
        "raised, within the bound"
    );
    running.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_retry_with_backoff_or_fail_with_their_reason() {
    let (_dir, catalog) = catalog();
    catalog
        .enqueue_jobs(&[
            job("flaky"),
            job("fatal"),
            job("panic"),
            job("always-retry"),
        ])
        .await
        .unwrap();
    let handler = Arc::new(Scripted::default());
    let running = JobRunner::new(catalog.clone(), "w1")
        .handle(Q, "Test", handler.clone())
        .retry_base(Duration::from_millis(50))
        .start();
    let c = wait_for(&catalog, |c| c.completed == 1 && c.failed == 3).await;
    assert_eq!((c.waiting, c.delayed, c.active), (0, 0, 0));
    let failed = catalog.list_jobs(Q, &[JobState::Failed], 10).await.unwrap();
    let mut reasons: Vec<(String, String, u32)> = failed
        .iter()
        .map(|(j, _)| {
            (
                j.payload["key"].as_str().unwrap().to_string(),
                j.last_error.clone().unwrap(),
                j.attempts,
            )
        })
        .collect();
    reasons.sort();
    assert_eq!(reasons[0], ("always-retry".into(), "still busy".into(), 3));
    assert_eq!(
        reasons[1],
        ("fatal".into(), "the file is corrupt".into(), 1)
    );
    assert_eq!(reasons[2].0, "panic");
    assert!(reasons[2].1.contains("panicked"), "{:?}", reasons[2]);
    // flaky ran twice, always-retry three times, the rest once.
    assert_eq!(handler.runs.load(Ordering::SeqCst), 2 + 3 + 1 + 1);
    // Clearing failed jobs empties the failed count.
    assert_eq!(catalog.clear_failed_jobs(Q).await.unwrap(), 3);
    assert_eq!(counts(&catalog).await.failed, 0);
    running.shutdown(Duration::from_secs(5)).await;
}

/// A typed handler: keeps the mails it was given.
struct Mails(Arc<std::sync::Mutex<Vec<SendMailJob>>>);

#[async_trait]
impl TypedJobHandler for Mails {
    type Payload = SendMailJob;

    async fn run(&self, _job: &Job, mail: SendMailJob) -> Result<Completion, JobError> {
        self.0.lock().unwrap().push(mail);
        Ok(Completion::Done)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_handlers_get_their_payload_and_one_that_does_not_decode_fails_at_once() {
    let (_dir, catalog) = catalog();
    let mail = SendMailJob {
        to: "a@example.com".into(),
        subject: "Hi".into(),
        html: "<p>Hi</p>".into(),
        text: "Hi".into(),
    };
    // A row whose payload lacks a field (as no version wrote it): not retried.
    let broken = NewJob {
        payload: serde_json::json!({ "to": "b@example.com" }),
        ..NewJob::of(&mail)
    };
    catalog
        .enqueue_jobs(&[NewJob::of(&mail), broken])
        .await
        .unwrap();
    let sent = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut handlers = JobHandlers::new();
    handlers.add(Mails(sent.clone()));
    let running = JobRunner::new(catalog.clone(), "w1")
        .handlers(handlers)
        .retry_base(Duration::from_millis(50))
        .start();
    let q = QueueName::Notifications;
    for _ in 0..200 {
        let c = catalog.queue_status(q).await.unwrap().counts;
        if c.completed == 1 && c.failed == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(*sent.lock().unwrap(), vec![mail]);
    let failed = catalog.list_jobs(q, &[JobState::Failed], 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    let (job, _) = &failed[0];
    assert_eq!(job.attempts, 1);
    let reason = job.last_error.as_deref().unwrap();
    assert!(
        reason.starts_with(&format!(
            "the payload of job {} (SendMail) does not decode: missing field `subject`",
            job.id
        )),
        "{reason}"
    );
    running.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unavailable_catalog_puts_the_job_back_without_counting_the_attempt() {
    let (_dir, catalog) = catalog();
    catalog.enqueue_jobs(&[job("unavailable")]).await.unwrap();
    let handler = Arc::new(Scripted::default());
    let running = JobRunner::new(catalog.clone(), "w1")
        .handle(Q, "Test", handler.clone())
        .retry_base(Duration::from_millis(20))
        .start();
    // Four unavailable runs, more than its 3 attempts, and still it completes.
    let c = wait_for(&catalog, |c| c.completed == 1).await;
    assert_eq!(c.failed, 0);
    assert_eq!(handler.runs.load(Ordering::SeqCst), 5);
    assert_eq!(handler.max_attempts_seen.load(Ordering::SeqCst), 1);
    running.shutdown(Duration::from_secs(5)).await;
}

#[test]
fn retry_delays_grow_and_are_capped() {
    let base = Duration::from_secs(10);
    assert_eq!(retry_delay(base, 1), Duration::from_secs(10));
    assert_eq!(retry_delay(base, 2), Duration::from_secs(40));
    assert_eq!(retry_delay(base, 3), Duration::from_secs(160));
    assert_eq!(retry_delay(base, 40), Duration::from_secs(3600));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delayed_retry_counts_as_delayed() {
    let (_dir, catalog) = catalog();
    catalog.enqueue_jobs(&[job("flaky")]).await.unwrap();
    let running = JobRunner::new(catalog.clone(), "w1")
        .handle(Q, "Test", Arc::new(Scripted::default()))
        .retry_base(Duration::from_secs(600))
        .start();
    let c = wait_for(&catalog, |c| c.delayed == 1).await;
    assert_eq!((c.waiting, c.active, c.completed), (0, 0, 0));
    let listed = catalog
        .list_jobs(Q, &[JobState::Delayed], 10)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].0.last_error.as_deref(), Some("disk busy"));
    running.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_queues_hold_their_jobs_until_resumed() {
    let (_dir, catalog) = catalog();
    catalog.set_queue_paused(Q, true).await.unwrap();
    catalog
        .enqueue_jobs(&[job("ok-1"), job("ok-2")])
        .await
        .unwrap();
    let status = catalog.queue_status(Q).await.unwrap();
    assert!(status.is_paused);
    assert_eq!((status.counts.waiting, status.counts.paused), (0, 2));
    let running = JobRunner::new(catalog.clone(), "w1")
        .handle(Q, "Test", Arc::new(Scripted::default()))
        .start();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(counts(&catalog).await.completed, 0);
    catalog.set_queue_paused(Q, false).await.unwrap();
    wait_for(&catalog, |c| c.completed == 2).await;
    // Emptying removes what waits.
    catalog.set_queue_paused(Q, true).await.unwrap();
    catalog.enqueue_jobs(&[job("ok-3")]).await.unwrap();
    assert_eq!(catalog.empty_queue(Q).await.unwrap(), 1);
    assert_eq!(counts(&catalog).await.paused, 0);
    running.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_returns_unfinished_jobs_to_the_queue() {
    let (_dir, catalog) = catalog();
    catalog.enqueue_jobs(&[job("slow-a")]).await.unwrap();
    let running = JobRunner::new(catalog.clone(), "w1")
        .handle(Q, "Test", Arc::new(Scripted::default()))
        .start();
    wait_for(&catalog, |c| c.active == 1).await;
    running.shutdown(Duration::from_millis(50)).await;
    let c = counts(&catalog).await;
    assert_eq!((c.active, c.waiting, c.completed), (0, 1, 0));
    // The attempt was not counted: it was cut short, not failed.
    let waiting = catalog
        .list_jobs(Q, &[JobState::Waiting], 10)
        .await
        .unwrap();
    assert_eq!(waiting[0].0.attempts, 0);

    // With enough grace, a running job finishes instead.
    let running = JobRunner::new(catalog.clone(), "w2")
        .handle(Q, "Test", Arc::new(Scripted::default()))
        .start();
    wait_for(&catalog, |c| c.active == 1).await;
    running.shutdown(Duration::from_secs(5)).await;
    let c = counts(&catalog).await;
    assert_eq!((c.active, c.waiting, c.completed), (0, 0, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn active_jobs_left_by_a_crash_run_again() {
    let (dir, catalog) = catalog();
    catalog
        .enqueue_jobs(&[job("ok-a"), job("ok-b")])
        .await
        .unwrap();
    // A worker claims both and "dies" without finishing them.
    assert!(
        catalog
            .claim_job(Q, "dead", Duration::from_secs(30))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        catalog
            .claim_job(Q, "dead", Duration::from_secs(30))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(counts(&catalog).await.active, 2);
    drop(catalog);

    let catalog: Arc<dyn Catalog> =
        Arc::new(SqliteCatalog::open(&dir.path().join("t.db")).unwrap());
    assert_eq!(catalog.requeue_active_jobs().await.unwrap(), 2);
    let handler = Arc::new(Scripted::default());
    let running = JobRunner::new(catalog.clone(), "w1")
        .handle(Q, "Test", handler.clone())
        .start();
    wait_for(&catalog, |c| c.completed == 2).await;
    assert_eq!(handler.runs.load(Ordering::SeqCst), 2);
    running.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_delayed_job_waits_and_enqueuing_it_again_restarts_its_wait() {
    let (_dir, catalog) = catalog();
    let later = NewJob {
        delay: Some(Duration::from_secs(3600)),
        ..job("notify")
    };
    assert_eq!(
        catalog
            .enqueue_jobs(std::slice::from_ref(&later))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        catalog
            .claim_job(Q, "w", Duration::from_secs(30))
            .await
            .unwrap(),
        None,
        "not before its time"
    );
    assert_eq!(catalog.queue_status(Q).await.unwrap().counts.delayed, 1);
    // Enqueued again (with a shorter wait here): still one job, due from the new enqueue.
    let now = NewJob {
        delay: Some(Duration::ZERO),
        payload: serde_json::json!({ "key": "notify", "again": true }),
        ..job("notify")
    };
    catalog.enqueue_jobs(&[now]).await.unwrap();
    let claimed = catalog
        .claim_job(Q, "w", Duration::from_secs(30))
        .await
        .unwrap()
        .expect("due now");
    assert_eq!(claimed.payload["again"], true);
    assert_eq!(
        catalog
            .claim_job(Q, "w", Duration::from_secs(30))
            .await
            .unwrap(),
        None,
        "only one"
    );
    // A job without delay whose key already waits is still left alone.
    catalog.enqueue_jobs(&[later]).await.unwrap();
    assert_eq!(catalog.enqueue_jobs(&[job("notify")]).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_claimed_while_held_and_the_queue_resumes_when_released() {
    let (_dir, catalog) = catalog();
    catalog
        .enqueue_jobs(&[job("ok-1"), job("ok-2")])
        .await
        .unwrap();
    let held = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let handler = Arc::new(Scripted::default());
    let hold = held.clone();
    let running = JobRunner::new(catalog.clone(), "w1")
        .handle(Q, "Test", handler.clone())
        .hold_while(Arc::new(move || hold.load(Ordering::SeqCst)))
        .poll(Duration::from_millis(20))
        .start();
    // Several claim rounds pass (each waits half a second while held): nothing starts.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(handler.runs.load(Ordering::SeqCst), 0);
    assert_eq!(counts(&catalog).await.waiting, 2);
    held.store(false, Ordering::SeqCst);
    let c = wait_for(&catalog, |c| c.completed == 2).await;
    assert_eq!((c.waiting, c.active), (0, 0));
    running.shutdown(Duration::from_secs(1)).await;
}
