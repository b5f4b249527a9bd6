//! Deleting assets for good: rows first (with their files recorded as pending deletion, in the
//! same transaction), then the files, then the records. A crash in between leaves records that
//! the start-up repair finishes (`repair::repair_interrupted_uploads`).

use crate::blob::BlobStore;
use crate::catalog::Catalog;
use crate::model::{PurgeSelection, PurgedAsset};
use crate::repair::RepairError;

/// Deletes the selected assets and their files; returns the assets that went.
pub async fn purge(
    catalog: &dyn Catalog,
    blobs: &dyn BlobStore,
    selection: &PurgeSelection,
) -> Result<Vec<PurgedAsset>, RepairError> {
    let purged = catalog.purge_assets(selection).await?;
    for key in purged.iter().flat_map(|a| &a.files) {
        blobs.delete(key).await?;
        catalog.clear_upload_intent(key).await?;
    }
    Ok(purged)
}
