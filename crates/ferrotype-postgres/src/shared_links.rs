//! Shared links and the assets they show.

use async_trait::async_trait;
use ferrotype_core::catalog::SharedLinkRepo;
use ferrotype_core::catalog::{CatalogError, CatalogResult};
use ferrotype_core::model::{Asset, LinkAssetResult, SharedLink, SharedLinkType};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::assets::{ASSET_COLUMNS, asset_at};
use crate::{PgCatalog, map_error, ms, now, opt_ms};

const COLUMNS: &str = "id, user_id, key, slug, type, album_id, description, password, \
    expires_at, allow_upload, allow_download, show_exif, created_at";

fn link_at(r: &Row) -> CatalogResult<SharedLink> {
    let kind: String = r.get(4);
    Ok(SharedLink {
        id: r.get(0),
        user_id: r.get(1),
        key: r.get(2),
        slug: r.get(3),
        link_type: SharedLinkType::parse(&kind)
            .ok_or_else(|| CatalogError::Backend(format!("unknown shared link type {kind}")))?,
        album_id: r.get(5),
        description: r.get(6),
        password: r.get(7),
        expires_at: r.get(8),
        allow_upload: r.get(9),
        allow_download: r.get(10),
        show_exif: r.get(11),
        created_at: r.get(12),
    })
}

#[async_trait]
impl SharedLinkRepo for PgCatalog {
    /// Stores the link with its assets (for individual links); a taken slug is a Conflict.
    async fn create_shared_link(&self, link: &SharedLink, asset_ids: &[Uuid]) -> CatalogResult<()> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let created_at = ms(&link.created_at);
        tx.execute(
            &format!(
                "INSERT INTO shared_links ({COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            ),
            &[
                &link.id,
                &link.user_id,
                &link.key,
                &link.slug,
                &link.link_type.as_str(),
                &link.album_id,
                &link.description,
                &link.password,
                &opt_ms(&link.expires_at),
                &link.allow_upload,
                &link.allow_download,
                &link.show_exif,
                &created_at,
            ],
        )
        .await
        .map_err(map_error)?;
        tx.execute(
            "INSERT INTO shared_link_assets (link_id, asset_id, created_at)
             SELECT $1, unnest($2::uuid[]), $3 ON CONFLICT DO NOTHING",
            &[&link.id, &asset_ids, &created_at],
        )
        .await
        .map_err(map_error)?;
        tx.commit().await.map_err(map_error)
    }

    async fn shared_link(&self, id: Uuid) -> CatalogResult<Option<SharedLink>> {
        self.find_link("id", &id).await
    }

    async fn shared_link_by_key(&self, key: &[u8]) -> CatalogResult<Option<SharedLink>> {
        self.find_link("key", &key).await
    }

    async fn shared_link_by_slug(&self, slug: &str) -> CatalogResult<Option<SharedLink>> {
        self.find_link("slug", &slug).await
    }

    /// The user's links, newest first; only those of `album_id` when given.
    async fn shared_links_of(
        &self,
        user_id: Uuid,
        album_id: Option<Uuid>,
    ) -> CatalogResult<Vec<SharedLink>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM shared_links
                     WHERE user_id = $1 AND ($2::uuid IS NULL OR album_id = $2)
                     ORDER BY created_at DESC"
                ),
                &[&user_id, &album_id],
            )
            .await
            .map_err(map_error)?;
        rows.iter().map(link_at).collect()
    }

    /// Saves the link's settings; a taken slug is a Conflict.
    async fn update_shared_link(&self, link: &SharedLink) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE shared_links SET slug = $2, description = $3, password = $4, expires_at = $5,
                allow_upload = $6, allow_download = $7, show_exif = $8
             WHERE id = $1",
            &[
                &link.id,
                &link.slug,
                &link.description,
                &link.password,
                &opt_ms(&link.expires_at),
                &link.allow_upload,
                &link.allow_download,
                &link.show_exif,
            ],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn delete_shared_link(&self, id: Uuid) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute("DELETE FROM shared_links WHERE id = $1", &[&id])
            .await
            .map_err(map_error)?;
        Ok(())
    }

    /// The assets an individual link shows, oldest first.
    async fn shared_link_assets(&self, id: Uuid) -> CatalogResult<Vec<Asset>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT {ASSET_COLUMNS} FROM shared_link_assets l
                     JOIN assets a ON a.id = l.asset_id
                     WHERE l.link_id = $1 AND a.deleted_at IS NULL AND a.visibility <> 'locked'
                     ORDER BY l.created_at, a.id"
                ),
                &[&id],
            )
            .await
            .map_err(map_error)?;
        rows.iter().map(asset_at).collect()
    }

    /// Whether the link reaches the asset: one of its assets, or an asset of its album.
    async fn shared_link_reaches(&self, link: &SharedLink, asset_id: Uuid) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let row = match (link.link_type, link.album_id) {
            (SharedLinkType::Album, Some(album)) => {
                conn.query_one(
                    "SELECT EXISTS(SELECT 1 FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
                     WHERE aa.album_id = $1 AND aa.asset_id = $2 AND a.deleted_at IS NULL)",
                    &[&album, &asset_id],
                )
                .await
            }
            _ => {
                conn.query_one(
                    "SELECT EXISTS(SELECT 1 FROM shared_link_assets l JOIN assets a ON a.id = l.asset_id
                     WHERE l.link_id = $1 AND l.asset_id = $2 AND a.deleted_at IS NULL)",
                    &[&link.id, &asset_id],
                )
                .await
            }
        }
        .map_err(map_error)?;
        Ok(row.get(0))
    }

    /// Adds (the link owner's own) assets to an individual link, or removes them.
    async fn change_shared_link_assets(
        &self,
        link: &SharedLink,
        asset_ids: &[Uuid],
        add: bool,
    ) -> CatalogResult<Vec<(Uuid, LinkAssetResult)>> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await.map_err(map_error)?;
        let now = now();
        let owned: Vec<Uuid> = tx
            .query(
                "SELECT id FROM assets WHERE id = ANY($1) AND owner_id = $2",
                &[&asset_ids, &link.user_id],
            )
            .await
            .map_err(map_error)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut results = Vec::with_capacity(asset_ids.len());
        for id in asset_ids {
            let result = if add {
                if !owned.contains(id) {
                    LinkAssetResult::NotFound
                } else if tx
                    .execute(
                        "INSERT INTO shared_link_assets (link_id, asset_id, created_at)
                         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                        &[&link.id, id, &now],
                    )
                    .await
                    .map_err(map_error)?
                    == 0
                {
                    LinkAssetResult::Duplicate
                } else {
                    LinkAssetResult::Done
                }
            } else if tx
                .execute(
                    "DELETE FROM shared_link_assets WHERE link_id = $1 AND asset_id = $2",
                    &[&link.id, id],
                )
                .await
                .map_err(map_error)?
                == 0
            {
                LinkAssetResult::NotFound
            } else {
                LinkAssetResult::Done
            };
            results.push((*id, result));
        }
        tx.commit().await.map_err(map_error)?;
        Ok(results)
    }
}

impl PgCatalog {
    async fn find_link(
        &self,
        column: &str,
        value: &(dyn ToSql + Sync),
    ) -> CatalogResult<Option<SharedLink>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!("SELECT {COLUMNS} FROM shared_links WHERE {column} = $1"),
                &[value],
            )
            .await
            .map_err(map_error)?;
        row.map(|r| link_at(&r)).transpose()
    }
}
