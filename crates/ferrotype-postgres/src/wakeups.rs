//! Waking idle workers when a job becomes waiting: one connection per process LISTENs on
//! `ferrotype_jobs` (the `jobs_notify` trigger NOTIFYs the queue's name at commit) and bumps that
//! queue's counter. A worker subscribes once, and after a claim that found nothing waits for the
//! counter to move (or a timeout, for delayed jobs): a notification that came between the claim
//! and the wait is not lost, since the counter moved past what the worker saw.

use std::collections::HashMap;
use std::time::Duration;

use ferrotype_core::jobs::QueueName;
use futures_util::future::poll_fn;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_postgres::{AsyncMessage, NoTls};

const CHANNEL: &str = "ferrotype_jobs";

pub struct JobWakeups {
    queues: HashMap<QueueName, watch::Sender<u64>>,
    listening: watch::Receiver<bool>,
    _stop: oneshot::Sender<()>,
}

/// One worker's view of a queue's wake-ups.
pub struct JobWakeup {
    rx: watch::Receiver<u64>,
}

impl JobWakeup {
    /// Waits until a job became waiting on the queue since the last wait (or the subscription),
    /// or `timeout` passed; returns whether it was woken.
    pub async fn wait(&mut self, timeout: Duration) -> bool {
        matches!(
            tokio::time::timeout(timeout, self.rx.changed()).await,
            Ok(Ok(()))
        )
    }
}

impl JobWakeups {
    pub(crate) fn start(config: tokio_postgres::Config) -> std::sync::Arc<Self> {
        let queues: HashMap<QueueName, watch::Sender<u64>> = QueueName::ALL
            .into_iter()
            .map(|q| (q, watch::channel(0).0))
            .collect();
        let (stop_tx, stop_rx) = oneshot::channel();
        let (listening_tx, listening_rx) = watch::channel(false);
        let senders = queues.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = stop_rx => {}
                _ = listen_forever(config, senders, listening_tx) => {}
            }
        });
        std::sync::Arc::new(JobWakeups {
            queues,
            listening: listening_rx,
            _stop: stop_tx,
        })
    }

    pub fn subscribe(&self, queue: QueueName) -> JobWakeup {
        JobWakeup {
            rx: self.queues[&queue].subscribe(),
        }
    }

    /// Resolves once the LISTEN connection is up (at once if it is).
    pub async fn listening(&self) {
        let mut rx = self.listening.clone();
        let _ = rx.wait_for(|up| *up).await;
    }
}

fn wake(queues: &HashMap<QueueName, watch::Sender<u64>>, queue: QueueName) {
    if let Some(tx) = queues.get(&queue) {
        tx.send_modify(|n| *n = n.wrapping_add(1));
    }
}

async fn listen_forever(
    config: tokio_postgres::Config,
    queues: HashMap<QueueName, watch::Sender<u64>>,
    listening: watch::Sender<bool>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match listen_once(&config, &queues, &listening).await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(e) => tracing::warn!(error = %e, "job notifications: connection lost"),
        }
        listening.send_replace(false);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

async fn listen_once(
    config: &tokio_postgres::Config,
    queues: &HashMap<QueueName, watch::Sender<u64>>,
    listening: &watch::Sender<bool>,
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
    listening.send_replace(true);
    // Whatever was enqueued while nobody listened: every worker looks once.
    for queue in QueueName::ALL {
        wake(queues, queue);
    }
    while let Some(payload) = rx.recv().await {
        if let Some(queue) = QueueName::parse(&payload) {
            wake(queues, queue);
        }
    }
    drop(client);
    driver.await.unwrap_or(Ok(()))
}
