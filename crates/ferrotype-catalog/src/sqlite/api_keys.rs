//! API keys: `ApiKeyRepo` for SQLite.

use async_trait::async_trait;
use ferrotype_core::catalog::{ApiKeyRepo, CatalogResult};
use ferrotype_core::model::*;
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::users::{USER_COLUMNS, user_at};
use super::{SqliteCatalog, parse_ts, parse_uuid, ts};

const API_KEY_COLUMNS: &str = "k.id, k.name, k.user_id, k.permissions, k.created_at, k.updated_at";
const API_KEY_COLUMN_COUNT: usize = 6;

fn api_key_at(r: &Row<'_>, at: usize) -> rusqlite::Result<ApiKey> {
    let permissions: String = r.get(at + 3)?;
    Ok(ApiKey {
        id: parse_uuid(&r.get::<_, String>(at)?)?,
        name: r.get(at + 1)?,
        user_id: parse_uuid(&r.get::<_, String>(at + 2)?)?,
        permissions: serde_json::from_str(&permissions).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(at + 3, rusqlite::types::Type::Text, e.into())
        })?,
        created_at: parse_ts(&r.get::<_, String>(at + 4)?)?,
        updated_at: parse_ts(&r.get::<_, String>(at + 5)?)?,
    })
}

#[async_trait]
impl ApiKeyRepo for SqliteCatalog {
    async fn create_api_key(&self, key: &ApiKey, secret_hash: &[u8]) -> CatalogResult<()> {
        let k = key.clone();
        let hash = secret_hash.to_vec();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO api_keys (id, secret_hash, name, user_id, permissions, created_at,
                    updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    k.id.to_string(),
                    hash,
                    k.name,
                    k.user_id.to_string(),
                    serde_json::to_string(&k.permissions).unwrap_or_else(|_| "[]".into()),
                    ts(&k.created_at),
                    ts(&k.updated_at),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn api_key_by_secret_hash(
        &self,
        secret_hash: &[u8],
    ) -> CatalogResult<Option<(ApiKey, User)>> {
        let hash = secret_hash.to_vec();
        self.read(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {API_KEY_COLUMNS}, {USER_COLUMNS} FROM api_keys k
                     JOIN users u ON u.id = k.user_id
                     WHERE k.secret_hash = ?1 AND u.deleted_at IS NULL"
                ),
                [hash],
                |r| Ok((api_key_at(r, 0)?, user_at(r, API_KEY_COLUMN_COUNT)?)),
            )
            .optional()
        })
        .await
    }

    async fn api_keys_of(&self, user_id: Uuid) -> CatalogResult<Vec<ApiKey>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {API_KEY_COLUMNS} FROM api_keys k WHERE k.user_id = ?1
                 ORDER BY k.created_at"
            ))?;
            let rows = stmt.query_map([user_id.to_string()], |r| api_key_at(r, 0))?;
            rows.collect()
        })
        .await
    }

    async fn api_key(&self, user_id: Uuid, id: Uuid) -> CatalogResult<Option<ApiKey>> {
        self.read(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {API_KEY_COLUMNS} FROM api_keys k WHERE k.id = ?1 AND k.user_id = ?2"
                ),
                [id.to_string(), user_id.to_string()],
                |r| api_key_at(r, 0),
            )
            .optional()
        })
        .await
    }

    async fn update_api_key(&self, key: &ApiKey) -> CatalogResult<()> {
        let k = key.clone();
        self.write(move |conn| {
            conn.execute(
                "UPDATE api_keys SET name = ?3, permissions = ?4, updated_at = ?5
                 WHERE id = ?1 AND user_id = ?2",
                params![
                    k.id.to_string(),
                    k.user_id.to_string(),
                    k.name,
                    serde_json::to_string(&k.permissions).unwrap_or_else(|_| "[]".into()),
                    ts(&k.updated_at),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_api_key(&self, user_id: Uuid, id: Uuid) -> CatalogResult<bool> {
        self.write(move |conn| {
            let n = conn.execute(
                "DELETE FROM api_keys WHERE id = ?1 AND user_id = ?2",
                [id.to_string(), user_id.to_string()],
            )?;
            Ok(n > 0)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_count_matches() {
        assert_eq!(API_KEY_COLUMNS.split(',').count(), API_KEY_COLUMN_COUNT);
    }
}
