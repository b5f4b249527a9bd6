//! Login sessions and the PIN code that unlocks them.

use async_trait::async_trait;
use uuid::Uuid;

use super::CatalogResult;
use crate::model::{Session, SessionChange, User};

#[async_trait]
pub trait SessionRepo: Send + Sync {
    async fn create_session(&self, session: &Session, token_hash: &[u8]) -> CatalogResult<()>;
    async fn session_by_token_hash(
        &self,
        token_hash: &[u8],
    ) -> CatalogResult<Option<(Session, User)>>;
    async fn delete_session(&self, id: Uuid) -> CatalogResult<()>;
    /// The user's sessions, newest first.
    async fn sessions_of(&self, user_id: Uuid) -> CatalogResult<Vec<Session>>;
    /// Changes a session's PIN unlock time and sync reset flag (fields left `None` stay).
    async fn update_session(&self, id: Uuid, change: &SessionChange) -> CatalogResult<()>;
    /// Locks every session of the user (their PIN code was reset).
    async fn lock_sessions_of(&self, user_id: Uuid) -> CatalogResult<()>;
    /// The argon2 hash of the user's PIN code, if they set one.
    async fn pin_code_hash(&self, user_id: Uuid) -> CatalogResult<Option<String>>;
    async fn set_pin_code_hash(&self, user_id: Uuid, hash: Option<&str>) -> CatalogResult<()>;
    /// Deletes the user's sessions except `keep`; returns how many.
    async fn delete_sessions_of(&self, user_id: Uuid, keep: Option<Uuid>) -> CatalogResult<u64>;
    /// Deletes one of the user's sessions; false if they have no such session.
    async fn delete_session_of(&self, user_id: Uuid, id: Uuid) -> CatalogResult<bool>;
}
