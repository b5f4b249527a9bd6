//! API keys: a secret (stored hashed) standing for a user with some permissions.

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use crate::model::{ApiKey, User};

#[async_trait]
pub trait ApiKeyRepo: Send + Sync {
    async fn create_api_key(&self, key: &ApiKey, secret_hash: &[u8]) -> CatalogResult<()>;
    async fn api_key_by_secret_hash(
        &self,
        secret_hash: &[u8],
    ) -> CatalogResult<Option<(ApiKey, User)>>;
    async fn api_keys_of(&self, user_id: Uuid) -> CatalogResult<Vec<ApiKey>>;
    async fn api_key(&self, user_id: Uuid, id: Uuid) -> CatalogResult<Option<ApiKey>>;
    async fn update_api_key(&self, key: &ApiKey) -> CatalogResult<()>;
    /// Returns false if the user had no such key.
    async fn delete_api_key(&self, user_id: Uuid, id: Uuid) -> CatalogResult<bool>;
}
