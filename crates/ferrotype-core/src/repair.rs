//! Start-up repair: what a crash can leave half-done, put right before the server answers.

use crate::blob::{BlobError, BlobStore};
use crate::catalog::{Catalog, CatalogError};

#[derive(Debug, thiserror::Error)]
pub enum RepairError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Blob(#[from] BlobError),
}

/// Removes the files of uploads that were moved into place but whose rows were never committed,
/// so that a file and its row are both there or neither. Returns how many were removed.
pub async fn repair_interrupted_uploads(
    catalog: &dyn Catalog,
    blobs: &dyn BlobStore,
) -> Result<usize, RepairError> {
    let pending = catalog.pending_upload_intents().await?;
    for path in &pending {
        blobs.delete(path).await?;
        catalog.clear_upload_intent(path).await?;
        tracing::warn!(%path, "removed the file of an upload interrupted before its commit");
    }
    Ok(pending.len())
}
