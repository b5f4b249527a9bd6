//! Waking idle workers when a job becomes waiting: one connection per process LISTENs on
//! `ferrotype_jobs` (the `jobs_notify` trigger NOTIFYs the queue's name at commit) and bumps that
//! queue's counter in the core's `JobWakeups`, on which the workers wait.

use std::time::Duration;

use ferrotype_core::jobs::{JobWakeups, QueueName};
use futures_util::future::poll_fn;
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::{AsyncMessage, NoTls};

const CHANNEL: &str = "ferrotype_jobs";

/// The wake-ups and the task that listens for them, stopped when the last handle goes.
pub(crate) struct Listener {
    pub(crate) wakeups: std::sync::Arc<JobWakeups>,
    _stop: oneshot::Sender<()>,
}

impl Listener {
    pub(crate) fn start(config: tokio_postgres::Config) -> Self {
        let wakeups = std::sync::Arc::new(JobWakeups::new(false));
        let (stop_tx, stop_rx) = oneshot::channel();
        let bumped = wakeups.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = stop_rx => {}
                _ = listen_forever(config, &bumped) => {}
            }
        });
        Listener {
            wakeups,
            _stop: stop_tx,
        }
    }
}

async fn listen_forever(config: tokio_postgres::Config, wakeups: &JobWakeups) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match listen_once(&config, wakeups).await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(e) => tracing::warn!(error = %e, "job notifications: connection lost"),
        }
        wakeups.set_listening(false);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

async fn listen_once(
    config: &tokio_postgres::Config,
    wakeups: &JobWakeups,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    // The connection's messages arrive only while it is polled: drive it on its own task.
    let driver = tokio::spawn(async move {
        while let Some(message) = poll_fn(|cx| connection.poll_message(cx)).await {
            if let AsyncMessage::Notification(n) = message? {
                let _ = tx.send(n.payload().to_string());
            }
        }
        Ok::<(), tokio_postgres::Error>(())
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    wakeups.set_listening(true);
    // Whatever was enqueued while nobody listened: every worker looks once.
    wakeups.wake_all();
    while let Some(payload) = rx.recv().await {
        if let Some(queue) = QueueName::parse(&payload) {
            wakeups.wake(queue);
        }
    }
    drop(client);
    driver.await.unwrap_or(Ok(()))
}
