//! The bus between the processes on one database: `NOTIFY ferrotype_bus` to publish, and one
//! connection per process (opened by the first `subscribe`) that LISTENs and hands each message
//! to the process's subscribers.
//!
//! A NOTIFY payload must stay under 8000 bytes, and a live event (an asset with its EXIF) may
//! not: a longer message is cut into parts sent in one transaction, which PostgreSQL delivers
//! together and in order, and put together again by the listener. Wire form: `.` + the message
//! whole, or `<message id>:<part>:<parts>:` + a part.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ferrotype_core::catalog::{BUS_BACKLOG, BusRepo, CatalogError, CatalogResult};
use futures_util::future::poll_fn;
use tokio::sync::{OnceCell, broadcast, mpsc, oneshot};
use tokio_postgres::{AsyncMessage, NoTls};

use crate::{PgCatalog, map_error};

const CHANNEL: &str = "ferrotype_bus";
/// The most bytes of a message one notification carries (PostgreSQL's limit is 8000 with the
/// header).
const PART: usize = 7000;
/// Parts of messages not yet complete kept at most (a listener that reconnected mid-message
/// never sees the rest).
const INCOMPLETE: usize = 64;

pub(crate) struct PgBus {
    config: tokio_postgres::Config,
    listening: OnceCell<Listening>,
}

struct Listening {
    tx: broadcast::Sender<Arc<str>>,
    _stop: oneshot::Sender<()>,
}

impl PgBus {
    pub(crate) fn new(config: tokio_postgres::Config) -> Arc<Self> {
        Arc::new(PgBus {
            config,
            listening: OnceCell::new(),
        })
    }

    /// Opens the LISTEN connection, returning once it listens; then keeps it open (reconnecting
    /// with backoff) until the bus is dropped.
    async fn listen(&self) -> CatalogResult<Listening> {
        let (tx, _) = broadcast::channel(BUS_BACKLOG);
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop_tx, stop_rx) = oneshot::channel();
        let config = self.config.clone();
        let sender = tx.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = stop_rx => {}
                _ = listen_forever(config, sender, ready_tx) => {}
            }
        });
        match ready_rx.await {
            Ok(Ok(())) => Ok(Listening { tx, _stop: stop_tx }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(CatalogError::Unavailable(
                "database: the bus listener stopped".into(),
            )),
        }
    }
}

#[async_trait]
impl BusRepo for PgCatalog {
    async fn publish(&self, message: &str) -> CatalogResult<()> {
        let mut conn = self.conn().await?;
        if message.len() <= PART {
            // One notification: no transaction needed around it.
            return publish_in(&conn, message).await;
        }
        let tx = conn.transaction().await.map_err(map_error)?;
        publish_in(&tx, message).await?;
        tx.commit().await.map_err(map_error)
    }

    async fn subscribe(&self) -> CatalogResult<broadcast::Receiver<Arc<str>>> {
        let listening = self
            .bus
            .listening
            .get_or_try_init(|| self.bus.listen())
            .await?;
        Ok(listening.tx.subscribe())
    }
}

/// Publishes `message` from the caller's transaction: it goes out when that commits, all its
/// parts together, and never if it rolls back.
pub(crate) async fn publish_in(
    client: &impl deadpool_postgres::GenericClient,
    message: &str,
) -> CatalogResult<()> {
    if message.len() <= PART {
        client
            .execute(
                "SELECT pg_notify($1, $2)",
                &[&CHANNEL, &format!(".{message}")],
            )
            .await
            .map_err(map_error)?;
        return Ok(());
    }
    let parts = split(message, PART);
    let id = uuid::Uuid::new_v4().simple().to_string();
    for (index, part) in parts.iter().enumerate() {
        let payload = format!("{id}:{index}:{}:{part}", parts.len());
        client
            .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])
            .await
            .map_err(map_error)?;
    }
    Ok(())
}

/// `text` cut into pieces of at most `max` bytes, on character boundaries.
fn split(text: &str, max: usize) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut end = rest.len().min(max);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (part, tail) = rest.split_at(end);
        parts.push(part);
        rest = tail;
    }
    parts
}

/// Puts messages cut into parts together again.
#[derive(Default)]
struct Assembler {
    incomplete: HashMap<String, Vec<Option<String>>>,
}

impl Assembler {
    /// The whole message once `payload` completes one.
    fn take(&mut self, payload: &str) -> Option<String> {
        if let Some(whole) = payload.strip_prefix('.') {
            return Some(whole.to_string());
        }
        let mut fields = payload.splitn(4, ':');
        let (Some(id), Some(index), Some(count), Some(part)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return None;
        };
        let (Ok(index), Ok(count)) = (index.parse::<usize>(), count.parse::<usize>()) else {
            return None;
        };
        if index >= count {
            return None;
        }
        if !self.incomplete.contains_key(id) && self.incomplete.len() >= INCOMPLETE {
            self.incomplete.clear();
        }
        let parts = self
            .incomplete
            .entry(id.to_string())
            .or_insert_with(|| vec![None; count]);
        if parts.len() != count {
            return None;
        }
        parts[index] = Some(part.to_string());
        if parts.iter().all(Option::is_some) {
            let parts = self.incomplete.remove(id)?;
            return Some(parts.into_iter().flatten().collect());
        }
        None
    }
}

async fn listen_forever(
    config: tokio_postgres::Config,
    tx: broadcast::Sender<Arc<str>>,
    ready: oneshot::Sender<CatalogResult<()>>,
) {
    let mut ready = Some(ready);
    let mut backoff = Duration::from_millis(100);
    loop {
        match listen_once(&config, &tx, &mut ready).await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(e) => {
                if let Some(ready) = ready.take() {
                    // The first connection failed: the subscriber hears why.
                    let _ = ready.send(Err(map_error(e)));
                    return;
                }
                tracing::warn!(error = %e, "bus: connection lost; messages until it is back are missed");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

async fn listen_once(
    config: &tokio_postgres::Config,
    tx: &broadcast::Sender<Arc<str>>,
    ready: &mut Option<oneshot::Sender<CatalogResult<()>>>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (payloads_tx, mut payloads) = mpsc::unbounded_channel::<String>();
    // The connection's messages arrive only while it is polled: drive it on its own task.
    let driver = tokio::spawn(async move {
        while let Some(message) = poll_fn(|cx| connection.poll_message(cx)).await {
            if let AsyncMessage::Notification(n) = message? {
                let _ = payloads_tx.send(n.payload().to_string());
            }
        }
        Ok::<(), tokio_postgres::Error>(())
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    if let Some(ready) = ready.take() {
        let _ = ready.send(Ok(()));
    }
    let mut assembler = Assembler::default();
    while let Some(payload) = payloads.recv().await {
        if let Some(message) = assembler.take(&payload) {
            let _ = tx.send(Arc::from(message));
        }
    }
    drop(client);
    driver.await.unwrap_or(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut_on_character_boundaries_and_put_together() {
        let message = "é".repeat(10_000);
        let parts = split(&message, PART);
        assert!(parts.len() > 2);
        assert!(parts.iter().all(|p| p.len() <= PART));
        let mut assembler = Assembler::default();
        let mut whole = None;
        for (i, part) in parts.iter().enumerate() {
            assert!(whole.is_none());
            whole = assembler.take(&format!("abc:{i}:{}:{part}", parts.len()));
        }
        assert_eq!(whole.as_deref(), Some(message.as_str()));
        assert_eq!(assembler.take(".short").as_deref(), Some("short"));
        assert_eq!(assembler.take("garbage"), None);
        assert!(assembler.incomplete.is_empty());
    }
}
