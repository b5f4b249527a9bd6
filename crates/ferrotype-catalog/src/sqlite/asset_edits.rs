//! Non-destructive asset edits (`asset_edits`, migration 0023): the list replaced as a whole,
//! the asset's `is_edited` and the thumbnail job in the same transaction.

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{AssetEditRepo, CatalogError, CatalogResult};
use ferrotype_core::edits::{AssetEdit, EditAction};
use ferrotype_core::jobs::NewJob;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::assets::conversion_error;
use super::{SqliteCatalog, jobs, parse_uuid, ts};

/// Columns 0-4: id, asset_id, action, parameters, sequence.
pub(crate) const EDIT_COLUMNS: &str = "e.id, e.asset_id, e.action, e.parameters, e.sequence";

pub(crate) fn edit_at(r: &Row<'_>) -> rusqlite::Result<AssetEdit> {
    let action: String = r.get(2)?;
    let parameters: String = r.get(3)?;
    let parameters: serde_json::Value =
        serde_json::from_str(&parameters).map_err(|_| conversion_error(3, "edit parameters"))?;
    Ok(AssetEdit {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        asset_id: parse_uuid(&r.get::<_, String>(1)?)?,
        action: EditAction::from_parts(&action, &parameters)
            .ok_or_else(|| conversion_error(2, "edit action"))?,
        sequence: r.get(4)?,
    })
}

fn edits_of(conn: &Connection, asset_id: Uuid) -> rusqlite::Result<Vec<AssetEdit>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EDIT_COLUMNS} FROM asset_edits e WHERE e.asset_id = ?1 ORDER BY e.sequence"
    ))?;
    let rows = stmt.query_map([asset_id.to_string()], edit_at)?;
    rows.collect()
}

#[async_trait]
impl AssetEditRepo for SqliteCatalog {
    async fn asset_edits(&self, asset_id: Uuid) -> CatalogResult<Vec<AssetEdit>> {
        self.read(move |conn| edits_of(conn, asset_id)).await
    }

    async fn replace_asset_edits(
        &self,
        asset_id: Uuid,
        edits: &[EditAction],
        jobs: &[NewJob],
    ) -> CatalogResult<Vec<AssetEdit>> {
        let edits = edits.to_vec();
        let jobs = jobs.to_vec();
        let replaced = self
            .write(move |conn| {
                let tx = conn.transaction()?;
                let id = asset_id.to_string();
                let exists = tx
                    .query_row("SELECT 1 FROM assets WHERE id = ?1", [&id], |_| Ok(()))
                    .optional()?
                    .is_some();
                if !exists {
                    return Ok(None);
                }
                let now = ts(&Utc::now());
                tx.execute("DELETE FROM asset_edits WHERE asset_id = ?1", [&id])?;
                let mut made = Vec::with_capacity(edits.len());
                {
                    let mut insert = tx.prepare_cached(
                        "INSERT INTO asset_edits (id, asset_id, action, parameters, sequence,
                            updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?;
                    for (sequence, action) in edits.iter().enumerate() {
                        let edit = AssetEdit {
                            id: Uuid::new_v4(),
                            asset_id,
                            sequence: sequence as i32,
                            action: *action,
                        };
                        insert.execute(params![
                            edit.id.to_string(),
                            id,
                            action.name(),
                            action.parameters().to_string(),
                            edit.sequence,
                            now,
                        ])?;
                        made.push(edit);
                    }
                }
                // The asset changes too (`isEdited`): its sync cursor moves with it.
                tx.execute(
                    "UPDATE assets SET is_edited = ?2, updated_at = ?3
                     WHERE id = ?1 AND is_edited != ?2",
                    params![id, !made.is_empty(), now],
                )?;
                jobs::insert(&tx, &jobs)?;
                tx.commit()?;
                Ok(Some(made))
            })
            .await?;
        replaced.ok_or_else(|| CatalogError::NotFound(format!("asset {asset_id}")))
    }
}
