//! Users and what they keep about themselves (Immich's `users` and `user_metadata`).

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use crate::model::{Timestamp, User, UserChange};

#[async_trait]
pub trait UserRepo: Send + Sync {
    /// Creates `user` as the first admin, atomically refusing if an admin exists. Returns false if one did.
    async fn create_first_admin(&self, user: &User) -> CatalogResult<bool>;
    async fn create_user(&self, user: &User) -> CatalogResult<()>;
    async fn admin_exists(&self) -> CatalogResult<bool>;
    /// Every user in order of creation; soft-deleted ones only when asked.
    async fn users(&self, with_deleted: bool) -> CatalogResult<Vec<User>>;
    async fn user_by_id(&self, id: Uuid) -> CatalogResult<Option<User>>;
    /// Case-insensitive.
    async fn user_by_email(&self, email: &str) -> CatalogResult<Option<User>>;
    async fn set_password(&self, user_id: Uuid, password_hash: &str) -> CatalogResult<()>;
    /// Deletes the user's row for good (their sessions, keys, albums and metadata go with it);
    /// their assets must have been purged first.
    async fn delete_user(&self, user_id: Uuid) -> CatalogResult<()>;
    /// Users deleted (softly) before `before`: due to be deleted for good.
    async fn users_deleted_before(&self, before: Timestamp) -> CatalogResult<Vec<Uuid>>;
    /// Changes what the change gives; a taken email is a `Conflict`.
    async fn update_user(&self, user_id: Uuid, change: &UserChange) -> CatalogResult<()>;
    async fn user_metadata(
        &self,
        user_id: Uuid,
        key: &str,
    ) -> CatalogResult<Option<serde_json::Value>>;
    async fn set_user_metadata(
        &self,
        user_id: Uuid,
        key: &str,
        value: &serde_json::Value,
    ) -> CatalogResult<()>;
    async fn delete_user_metadata(&self, user_id: Uuid, key: &str) -> CatalogResult<()>;
}
