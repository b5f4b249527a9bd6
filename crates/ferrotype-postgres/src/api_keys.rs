//! API keys.

use async_trait::async_trait;
use ferrotype_core::catalog::ApiKeyRepo;
use ferrotype_core::catalog::{CatalogError, CatalogResult};
use ferrotype_core::model::{ApiKey, User};
use ferrotype_core::permissions::Permission;
use tokio_postgres::Row;
use tokio_postgres::types::Json;
use uuid::Uuid;

use crate::users::{USER_COLUMNS, user_at};
use crate::{PgCatalog, map_error, ms};

const API_KEY_COLUMNS: &str = "k.id, k.name, k.user_id, k.permissions, k.created_at, k.updated_at";
const API_KEY_COLUMN_COUNT: usize = 6;

/// A stored permission this build does not know is an error, not a panic.
fn api_key_at(r: &Row, at: usize) -> CatalogResult<ApiKey> {
    let Json(permissions): Json<Vec<Permission>> = r
        .try_get(at + 3)
        .map_err(|e| CatalogError::Backend(format!("API key permissions: {e}")))?;
    Ok(ApiKey {
        id: r.get(at),
        name: r.get(at + 1),
        user_id: r.get(at + 2),
        permissions,
        created_at: r.get(at + 4),
        updated_at: r.get(at + 5),
    })
}

#[async_trait]
impl ApiKeyRepo for PgCatalog {
    async fn create_api_key(&self, k: &ApiKey, secret_hash: &[u8]) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "INSERT INTO api_keys (id, secret_hash, name, user_id, permissions, created_at,
                updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &k.id,
                &secret_hash,
                &k.name,
                &k.user_id,
                &Json(&k.permissions),
                &ms(&k.created_at),
                &ms(&k.updated_at),
            ],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    async fn api_key_by_secret_hash(
        &self,
        secret_hash: &[u8],
    ) -> CatalogResult<Option<(ApiKey, User)>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!(
                    "SELECT {API_KEY_COLUMNS}, {USER_COLUMNS} FROM api_keys k
                     JOIN users u ON u.id = k.user_id
                     WHERE k.secret_hash = $1 AND u.deleted_at IS NULL"
                ),
                &[&secret_hash],
            )
            .await
            .map_err(map_error)?;
        row.map(|r| Ok((api_key_at(&r, 0)?, user_at(&r, API_KEY_COLUMN_COUNT)?)))
            .transpose()
    }

    async fn api_keys_of(&self, user_id: Uuid) -> CatalogResult<Vec<ApiKey>> {
        let conn = self.conn().await?;
        let rows = conn
            .query(
                &format!(
                    "SELECT {API_KEY_COLUMNS} FROM api_keys k WHERE k.user_id = $1
                     ORDER BY k.created_at"
                ),
                &[&user_id],
            )
            .await
            .map_err(map_error)?;
        rows.iter().map(|r| api_key_at(r, 0)).collect()
    }

    async fn api_key(&self, user_id: Uuid, id: Uuid) -> CatalogResult<Option<ApiKey>> {
        let conn = self.conn().await?;
        let row = conn
            .query_opt(
                &format!(
                    "SELECT {API_KEY_COLUMNS} FROM api_keys k WHERE k.id = $1 AND k.user_id = $2"
                ),
                &[&id, &user_id],
            )
            .await
            .map_err(map_error)?;
        row.map(|r| api_key_at(&r, 0)).transpose()
    }

    async fn update_api_key(&self, k: &ApiKey) -> CatalogResult<()> {
        let conn = self.conn().await?;
        conn.execute(
            "UPDATE api_keys SET name = $3, permissions = $4, updated_at = $5
             WHERE id = $1 AND user_id = $2",
            &[
                &k.id,
                &k.user_id,
                &k.name,
                &Json(&k.permissions),
                &ms(&k.updated_at),
            ],
        )
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// Returns false if the user had no such key.
    async fn delete_api_key(&self, user_id: Uuid, id: Uuid) -> CatalogResult<bool> {
        let conn = self.conn().await?;
        let n = conn
            .execute(
                "DELETE FROM api_keys WHERE id = $1 AND user_id = $2",
                &[&id, &user_id],
            )
            .await
            .map_err(map_error)?;
        Ok(n > 0)
    }
}
