//! Non-destructive asset edits (`asset_edits`, migration 0011): the list replaced as a whole,
//! the asset's `is_edited` and the thumbnail job in the same transaction.

use async_trait::async_trait;
use ferrotype_core::catalog::{AssetEditRepo, CatalogError, CatalogResult};
use ferrotype_core::edits::{AssetEdit, EditAction};
use ferrotype_core::jobs::NewJob;
use tokio_postgres::Row;
use tokio_postgres::types::Json;
use uuid::Uuid;

use crate::{PgCatalog, jobs, map_error, now};

/// Columns 0-4: id, asset_id, action, parameters, sequence.
pub(crate) const EDIT_COLUMNS: &str = "e.id, e.asset_id, e.action, e.parameters, e.sequence";

pub(crate) fn edit_at(r: &Row) -> CatalogResult<AssetEdit> {
    let action: String = r.get(2);
    let Json(parameters): Json<serde_json::Value> = r.get(3);
    Ok(AssetEdit {
        id: r.get(0),
        asset_id: r.get(1),
        action: EditAction::from_parts(&action, &parameters)
            .ok_or_else(|| CatalogError::Backend(format!("unknown edit {action} {parameters}")))?,
        sequence: r.get(4),
    })
}

#[async_trait]
impl AssetEditRepo for PgCatalog {
    async fn asset_edits(&self, asset_id: Uuid) -> CatalogResult<Vec<AssetEdit>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT {EDIT_COLUMNS} FROM asset_edits e WHERE e.asset_id = $1
                     ORDER BY e.sequence"
                ),
                &[&asset_id],
            )
            .await
            .map_err(map_error)?;
        rows.iter().map(edit_at).collect()
    }

    async fn replace_asset_edits(
        &self,
        asset_id: Uuid,
        edits: &[EditAction],
        jobs: &[NewJob],
    ) -> CatalogResult<Vec<AssetEdit>> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        // Locks the asset: two replacements of one asset's edits run one after the other.
        let exists = tx
            .query_opt(
                "SELECT 1 FROM assets WHERE id = $1 FOR UPDATE",
                &[&asset_id],
            )
            .await
            .map_err(map_error)?
            .is_some();
        if !exists {
            return Err(CatalogError::NotFound(format!("asset {asset_id}")));
        }
        let now = now();
        tx.execute("DELETE FROM asset_edits WHERE asset_id = $1", &[&asset_id])
            .await
            .map_err(map_error)?;
        let insert = tx
            .prepare_cached(
                "INSERT INTO asset_edits (id, asset_id, action, parameters, sequence, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .await
            .map_err(map_error)?;
        let mut made = Vec::with_capacity(edits.len());
        for (sequence, action) in edits.iter().enumerate() {
            let edit = AssetEdit {
                id: Uuid::new_v4(),
                asset_id,
                sequence: sequence as i32,
                action: *action,
            };
            tx.execute(
                &insert,
                &[
                    &edit.id,
                    &asset_id,
                    &action.name(),
                    &Json(action.parameters()),
                    &edit.sequence,
                    &now,
                ],
            )
            .await
            .map_err(map_error)?;
            made.push(edit);
        }
        // The asset changes too (`isEdited`): its sync cursor moves with it.
        tx.execute(
            "UPDATE assets SET is_edited = $2, updated_at = $3
             WHERE id = $1 AND is_edited <> $2",
            &[&asset_id, &!made.is_empty(), &now],
        )
        .await
        .map_err(map_error)?;
        jobs::insert(&tx, jobs).await.map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(made)
    }
}
