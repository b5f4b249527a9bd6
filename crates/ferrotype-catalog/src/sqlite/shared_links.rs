//! Shared links and the assets they show.

use async_trait::async_trait;
use chrono::Utc;
use ferrotype_core::catalog::{CatalogResult, SharedLinkRepo};
use ferrotype_core::model::{Asset, LinkAssetResult, SharedLink, SharedLinkType};
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::assets::{ASSET_COLUMNS, asset_at};
use super::{SqliteCatalog, opt_parse_ts, opt_parse_uuid, opt_ts, parse_ts, parse_uuid, ts};

const COLUMNS: &str = "id, user_id, key, slug, type, album_id, description, password, \
    expires_at, allow_upload, allow_download, show_exif, created_at";

fn link_at(r: &Row<'_>) -> rusqlite::Result<SharedLink> {
    let kind: String = r.get(4)?;
    Ok(SharedLink {
        id: parse_uuid(&r.get::<_, String>(0)?)?,
        user_id: parse_uuid(&r.get::<_, String>(1)?)?,
        key: r.get(2)?,
        slug: r.get(3)?,
        link_type: SharedLinkType::parse(&kind).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                4,
                rusqlite::types::Type::Text,
                "unknown shared link type".into(),
            )
        })?,
        album_id: opt_parse_uuid(r.get(5)?)?,
        description: r.get(6)?,
        password: r.get(7)?,
        expires_at: opt_parse_ts(r.get(8)?)?,
        allow_upload: r.get(9)?,
        allow_download: r.get(10)?,
        show_exif: r.get(11)?,
        created_at: parse_ts(&r.get::<_, String>(12)?)?,
    })
}

pub(crate) fn create(
    conn: &mut Connection,
    link: &SharedLink,
    asset_ids: &[Uuid],
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute(
        &format!(
            "INSERT INTO shared_links ({COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        ),
        params![
            link.id.to_string(),
            link.user_id.to_string(),
            link.key,
            link.slug,
            link.link_type.as_str(),
            link.album_id.map(|u| u.to_string()),
            link.description,
            link.password,
            opt_ts(&link.expires_at),
            link.allow_upload,
            link.allow_download,
            link.show_exif,
            ts(&link.created_at),
        ],
    )?;
    for id in asset_ids {
        tx.execute(
            "INSERT OR IGNORE INTO shared_link_assets (link_id, asset_id, created_at)
             VALUES (?1, ?2, ?3)",
            params![link.id.to_string(), id.to_string(), ts(&link.created_at)],
        )?;
    }
    tx.commit()
}

pub(crate) fn find(
    conn: &Connection,
    column: &str,
    value: &dyn rusqlite::ToSql,
) -> rusqlite::Result<Option<SharedLink>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM shared_links WHERE {column} = ?1"),
        [value],
        link_at,
    )
    .optional()
}

pub(crate) fn of_user(
    conn: &Connection,
    user_id: Uuid,
    album_id: Option<Uuid>,
) -> rusqlite::Result<Vec<SharedLink>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM shared_links WHERE user_id = ?1 AND (?2 IS NULL OR album_id = ?2)
         ORDER BY created_at DESC"
    ))?;
    let rows = stmt.query_map(
        params![user_id.to_string(), album_id.map(|u| u.to_string())],
        link_at,
    )?;
    rows.collect()
}

pub(crate) fn update(conn: &Connection, link: &SharedLink) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE shared_links SET slug = ?2, description = ?3, password = ?4, expires_at = ?5,
            allow_upload = ?6, allow_download = ?7, show_exif = ?8
         WHERE id = ?1",
        params![
            link.id.to_string(),
            link.slug,
            link.description,
            link.password,
            opt_ts(&link.expires_at),
            link.allow_upload,
            link.allow_download,
            link.show_exif,
        ],
    )?;
    Ok(())
}

pub(crate) fn assets(conn: &Connection, link_id: Uuid) -> rusqlite::Result<Vec<Asset>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ASSET_COLUMNS} FROM shared_link_assets l JOIN assets a ON a.id = l.asset_id
         WHERE l.link_id = ?1 AND a.deleted_at IS NULL AND a.visibility != 'locked' ORDER BY l.created_at, a.id"
    ))?;
    let rows = stmt.query_map([link_id.to_string()], asset_at)?;
    rows.collect()
}

pub(crate) fn reaches(
    conn: &Connection,
    link: &SharedLink,
    asset_id: Uuid,
) -> rusqlite::Result<bool> {
    let asset = asset_id.to_string();
    match (link.link_type, link.album_id) {
        (SharedLinkType::Album, Some(album)) => conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM album_assets aa JOIN assets a ON a.id = aa.asset_id
             WHERE aa.album_id = ?1 AND aa.asset_id = ?2 AND a.deleted_at IS NULL)",
            params![album.to_string(), asset],
            |r| r.get(0),
        ),
        _ => conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM shared_link_assets l JOIN assets a ON a.id = l.asset_id
             WHERE l.link_id = ?1 AND l.asset_id = ?2 AND a.deleted_at IS NULL)",
            params![link.id.to_string(), asset],
            |r| r.get(0),
        ),
    }
}

pub(crate) fn change_assets(
    conn: &mut Connection,
    link: &SharedLink,
    ids: &[Uuid],
    add: bool,
) -> rusqlite::Result<Vec<(Uuid, LinkAssetResult)>> {
    let tx = conn.transaction()?;
    let now = ts(&Utc::now());
    let link_id = link.id.to_string();
    let owner = link.user_id.to_string();
    let mut results = Vec::with_capacity(ids.len());
    for id in ids {
        let asset = id.to_string();
        let result = if add {
            let owned: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM assets WHERE id = ?1 AND owner_id = ?2)",
                params![asset, owner],
                |r| r.get(0),
            )?;
            if !owned {
                LinkAssetResult::NotFound
            } else if tx.execute(
                "INSERT OR IGNORE INTO shared_link_assets (link_id, asset_id, created_at)
                 VALUES (?1, ?2, ?3)",
                params![link_id, asset, now],
            )? == 0
            {
                LinkAssetResult::Duplicate
            } else {
                LinkAssetResult::Done
            }
        } else if tx.execute(
            "DELETE FROM shared_link_assets WHERE link_id = ?1 AND asset_id = ?2",
            params![link_id, asset],
        )? == 0
        {
            LinkAssetResult::NotFound
        } else {
            LinkAssetResult::Done
        };
        results.push((*id, result));
    }
    tx.commit()?;
    Ok(results)
}

#[async_trait]
impl SharedLinkRepo for SqliteCatalog {
    async fn create_shared_link(&self, link: &SharedLink, asset_ids: &[Uuid]) -> CatalogResult<()> {
        let (link, ids) = (link.clone(), asset_ids.to_vec());
        self.write(move |conn| create(conn, &link, &ids)).await
    }

    async fn shared_link(&self, id: Uuid) -> CatalogResult<Option<SharedLink>> {
        self.read(move |conn| find(conn, "id", &id.to_string()))
            .await
    }

    async fn shared_link_by_key(&self, key: &[u8]) -> CatalogResult<Option<SharedLink>> {
        let key = key.to_vec();
        self.read(move |conn| find(conn, "key", &key)).await
    }

    async fn shared_link_by_slug(&self, slug: &str) -> CatalogResult<Option<SharedLink>> {
        let slug = slug.to_string();
        self.read(move |conn| find(conn, "slug", &slug)).await
    }

    async fn shared_links_of(
        &self,
        user_id: Uuid,
        album_id: Option<Uuid>,
    ) -> CatalogResult<Vec<SharedLink>> {
        self.read(move |conn| of_user(conn, user_id, album_id))
            .await
    }

    async fn update_shared_link(&self, link: &SharedLink) -> CatalogResult<()> {
        let link = link.clone();
        self.write(move |conn| update(conn, &link)).await
    }

    async fn delete_shared_link(&self, id: Uuid) -> CatalogResult<()> {
        self.write(move |conn| {
            conn.execute("DELETE FROM shared_links WHERE id = ?1", [id.to_string()])?;
            Ok(())
        })
        .await
    }

    async fn shared_link_assets(&self, id: Uuid) -> CatalogResult<Vec<Asset>> {
        self.read(move |conn| assets(conn, id)).await
    }

    async fn shared_link_reaches(&self, link: &SharedLink, asset_id: Uuid) -> CatalogResult<bool> {
        let link = link.clone();
        self.read(move |conn| reaches(conn, &link, asset_id)).await
    }

    async fn change_shared_link_assets(
        &self,
        link: &SharedLink,
        asset_ids: &[Uuid],
        add: bool,
    ) -> CatalogResult<Vec<(Uuid, LinkAssetResult)>> {
        let (link, ids) = (link.clone(), asset_ids.to_vec());
        self.write(move |conn| change_assets(conn, &link, &ids, add))
            .await
    }
}
