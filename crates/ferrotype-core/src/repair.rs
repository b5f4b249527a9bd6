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

/// Finishes the storage template's moves a crash interrupted, from what is on disk: a file at
/// its new path (renamed, perhaps with the old name not yet removed) takes the new path; one
/// still only at its old path stays there (the next migration moves it). Returns how many.
pub async fn repair_interrupted_moves(
    catalog: &dyn Catalog,
    blobs: &dyn BlobStore,
) -> Result<usize, RepairError> {
    let pending = catalog.pending_moves().await?;
    for mv in &pending {
        if !blobs.exists(&mv.new_path).await? {
            catalog.cancel_move(mv.asset_id).await?;
            tracing::warn!(asset_id = %mv.asset_id, path = %mv.old_path, "an interrupted move left the original where it was");
            continue;
        }
        // The new name is a link to the same file (or a complete copy): the old one can go.
        blobs.delete(&mv.old_path).await?;
        let mut done = mv.clone();
        match (&mv.old_sidecar_path, &mv.new_sidecar_path) {
            (Some(old), Some(new)) if blobs.exists(new).await? => blobs.delete(old).await?,
            _ => done.new_sidecar_path = None,
        }
        catalog.finish_move(&done).await?;
        tracing::warn!(asset_id = %mv.asset_id, path = %mv.new_path, "finished a move interrupted by a crash");
    }
    Ok(pending.len())
}
