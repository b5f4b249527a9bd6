//! Client metadata on assets (`asset_metadata`; synced since migration 0020) and copying an
//! asset's places to another.

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{AssetCopy, AssetMetadataEntry, AssetMetadataRepo, CatalogResult};
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::{SqliteCatalog, jobs, parse_ts, parse_uuid, ts};

fn entry_at(r: &Row<'_>) -> rusqlite::Result<AssetMetadataEntry> {
    Ok(AssetMetadataEntry {
        asset_id: parse_uuid(&r.get::<_, String>(0)?)?,
        key: r.get(1)?,
        value: r.get(2)?,
        updated_at: parse_ts(&r.get::<_, String>(3)?)?,
    })
}

#[async_trait]
impl AssetMetadataRepo for SqliteCatalog {
    async fn asset_metadata_entry(
        &self,
        asset_id: Uuid,
        key: &str,
    ) -> CatalogResult<Option<AssetMetadataEntry>> {
        let key = key.to_string();
        self.read(move |conn| {
            conn.prepare_cached(
                "SELECT asset_id, key, value, updated_at FROM asset_metadata
                 WHERE asset_id = ?1 AND key = ?2",
            )?
            .query_row(params![asset_id.to_string(), key], entry_at)
            .optional()
        })
        .await
    }

    async fn upsert_asset_metadata(
        &self,
        items: &[(Uuid, String, String)],
    ) -> CatalogResult<Vec<AssetMetadataEntry>> {
        let items = items.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let now = ts(&Utc::now());
            let mut stored = Vec::with_capacity(items.len());
            {
                let mut upsert = tx.prepare_cached(
                    "INSERT INTO asset_metadata (asset_id, key, value, updated_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (asset_id, key) DO UPDATE SET value = ?3, updated_at = ?4
                     RETURNING asset_id, key, value, updated_at",
                )?;
                for (asset_id, key, value) in &items {
                    stored.push(
                        upsert
                            .query_row(params![asset_id.to_string(), key, value, now], entry_at)?,
                    );
                }
            }
            tx.commit()?;
            Ok(stored)
        })
        .await
    }

    async fn delete_asset_metadata(&self, items: &[(Uuid, String)]) -> CatalogResult<()> {
        let items = items.to_vec();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            {
                let mut delete = tx.prepare_cached(
                    "DELETE FROM asset_metadata WHERE asset_id = ?1 AND key = ?2",
                )?;
                for (asset_id, key) in &items {
                    delete.execute(params![asset_id.to_string(), key])?;
                }
            }
            tx.commit()
        })
        .await
    }

    async fn copy_asset(&self, copy: &AssetCopy) -> CatalogResult<()> {
        let copy = copy.clone();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let now = ts(&Utc::now());
            let (source, target) = (copy.source.to_string(), copy.target.to_string());
            if copy.albums {
                tx.execute(
                    "INSERT OR IGNORE INTO album_assets (album_id, asset_id, created_at)
                     SELECT album_id, ?2, ?3 FROM album_assets WHERE asset_id = ?1",
                    params![source, target, now],
                )?;
            }
            if copy.shared_links {
                tx.execute(
                    "INSERT OR IGNORE INTO shared_link_assets (link_id, asset_id, created_at)
                     SELECT link_id, ?2, ?3 FROM shared_link_assets WHERE asset_id = ?1",
                    params![source, target, now],
                )?;
            }
            if copy.favorite {
                tx.execute(
                    "UPDATE assets SET updated_at = ?3,
                        is_favorite = (SELECT is_favorite FROM assets WHERE id = ?1)
                     WHERE id = ?2
                       AND is_favorite IS NOT (SELECT is_favorite FROM assets WHERE id = ?1)",
                    params![source, target, now],
                )?;
            }
            if let Some(sidecar) = &copy.sidecar {
                tx.execute(
                    "UPDATE assets SET sidecar_path = ?2, updated_at = ?3 WHERE id = ?1",
                    params![target, sidecar, now],
                )?;
                tx.execute("DELETE FROM upload_intents WHERE path = ?1", [sidecar])?;
            }
            jobs::insert(&tx, &copy.jobs)?;
            tx.commit()
        })
        .await
    }
}
