//! Client metadata on assets (`asset_metadata`; synced since migration 0008) and copying an
//! asset's places to another.

use async_trait::async_trait;
use ferrotype_core::catalog::{AssetCopy, AssetMetadataEntry, AssetMetadataRepo, CatalogResult};
use tokio_postgres::Row;
use uuid::Uuid;

use crate::{PgCatalog, jobs, map_error, now};

fn entry_at(r: &Row) -> AssetMetadataEntry {
    AssetMetadataEntry {
        asset_id: r.get(0),
        key: r.get(1),
        value: r.get(2),
        updated_at: r.get(3),
    }
}

#[async_trait]
impl AssetMetadataRepo for PgCatalog {
    async fn asset_metadata_entry(
        &self,
        asset_id: Uuid,
        key: &str,
    ) -> CatalogResult<Option<AssetMetadataEntry>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                "SELECT asset_id, key, value, updated_at FROM asset_metadata
                 WHERE asset_id = $1 AND key = $2",
                &[&asset_id, &key],
            )
            .await
            .map_err(map_error)?;
        Ok(row.as_ref().map(entry_at))
    }

    async fn upsert_asset_metadata(
        &self,
        items: &[(Uuid, String, String)],
    ) -> CatalogResult<Vec<AssetMetadataEntry>> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let now = now();
        let upsert = tx
            .prepare(
                "INSERT INTO asset_metadata (asset_id, key, value, updated_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (asset_id, key) DO UPDATE SET value = $3, updated_at = $4
                 RETURNING asset_id, key, value, updated_at",
            )
            .await
            .map_err(map_error)?;
        let mut stored = Vec::with_capacity(items.len());
        for (asset_id, key, value) in items {
            let row = tx
                .query_one(&upsert, &[asset_id, key, value, &now])
                .await
                .map_err(map_error)?;
            stored.push(entry_at(&row));
        }
        tx.commit().await.map_err(map_error)?;
        Ok(stored)
    }

    async fn delete_asset_metadata(&self, items: &[(Uuid, String)]) -> CatalogResult<()> {
        let (assets, keys): (Vec<Uuid>, Vec<String>) = items.iter().cloned().unzip();
        let conn = self.conn().await?;
        conn.execute(
            "DELETE FROM asset_metadata m USING unnest($1::uuid[], $2::text[]) AS d(asset_id, key)
             WHERE m.asset_id = d.asset_id AND m.key = d.key",
            &[&assets, &keys],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn copy_asset(&self, copy: &AssetCopy) -> CatalogResult<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let now = now();
        let (source, target) = (&copy.source, &copy.target);
        if copy.albums {
            tx.execute(
                "INSERT INTO album_assets (album_id, asset_id, created_at)
                 SELECT album_id, $2, $3 FROM album_assets WHERE asset_id = $1
                 ON CONFLICT DO NOTHING",
                &[source, target, &now],
            )
            .await
            .map_err(map_error)?;
        }
        if copy.shared_links {
            tx.execute(
                "INSERT INTO shared_link_assets (link_id, asset_id, created_at)
                 SELECT link_id, $2, $3 FROM shared_link_assets WHERE asset_id = $1
                 ON CONFLICT DO NOTHING",
                &[source, target, &now],
            )
            .await
            .map_err(map_error)?;
        }
        if copy.favorite {
            tx.execute(
                "UPDATE assets t SET updated_at = $3, is_favorite = s.is_favorite
                 FROM assets s WHERE s.id = $1 AND t.id = $2
                   AND t.is_favorite IS DISTINCT FROM s.is_favorite",
                &[source, target, &now],
            )
            .await
            .map_err(map_error)?;
        }
        if let Some(sidecar) = &copy.sidecar {
            tx.execute(
                "UPDATE assets SET sidecar_path = $2, updated_at = $3 WHERE id = $1",
                &[target, sidecar, &now],
            )
            .await
            .map_err(map_error)?;
            tx.execute("DELETE FROM upload_intents WHERE path = $1", &[sidecar])
                .await
                .map_err(map_error)?;
        }
        jobs::insert(&tx, &copy.jobs).await.map_err(map_error)?;
        tx.commit().await.map_err(map_error)
    }
}
