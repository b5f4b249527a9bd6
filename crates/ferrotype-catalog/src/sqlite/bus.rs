//! The bus within the one process a SQLite catalog allows (the data folder's lock): a channel.

use std::sync::Arc;

use async_trait::async_trait;
use ferrotype_core::catalog::{BusRepo, CatalogResult};
use tokio::sync::broadcast;

use super::SqliteCatalog;

#[async_trait]
impl BusRepo for SqliteCatalog {
    async fn publish(&self, message: &str) -> CatalogResult<()> {
        // No subscriber is not an error: nobody is listening.
        let _ = self.inner.bus.send(Arc::from(message));
        Ok(())
    }

    async fn subscribe(&self) -> CatalogResult<broadcast::Receiver<Arc<str>>> {
        Ok(self.inner.bus.subscribe())
    }
}
