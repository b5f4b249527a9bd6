//! The Catalog port: everything Ferrotype keeps about users, assets and albums.
//! Implemented by `ferrotype-catalog` (SQLite today, PostgreSQL later).

use async_trait::async_trait;
use uuid::Uuid;

use crate::model::*;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A uniqueness rule was broken (e.g. an email already in use).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("catalog backend: {0}")]
    Backend(String),
}

pub type CatalogResult<T> = Result<T, CatalogError>;

#[async_trait]
pub trait Catalog: Send + Sync + 'static {
    // Users
    /// Creates `user` as the first admin, atomically refusing if an admin exists. Returns false if one did.
    async fn create_first_admin(&self, user: &User) -> CatalogResult<bool>;
    async fn create_user(&self, user: &User) -> CatalogResult<()>;
    async fn admin_exists(&self) -> CatalogResult<bool>;
    async fn user_by_id(&self, id: Uuid) -> CatalogResult<Option<User>>;
    /// Case-insensitive.
    async fn user_by_email(&self, email: &str) -> CatalogResult<Option<User>>;
    async fn set_password(&self, user_id: Uuid, password_hash: &str) -> CatalogResult<()>;

    // Sessions
    async fn create_session(&self, session: &Session, token_hash: &[u8]) -> CatalogResult<()>;
    async fn session_by_token_hash(
        &self,
        token_hash: &[u8],
    ) -> CatalogResult<Option<(Session, User)>>;
    async fn delete_session(&self, id: Uuid) -> CatalogResult<()>;

    // API keys
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

    // Assets
    async fn assets_by_checksums(
        &self,
        owner_id: Uuid,
        checksums: &[Vec<u8>],
    ) -> CatalogResult<Vec<ChecksumMatch>>;
    /// Records that a file is about to be moved to `path`, so a crash before its row is committed
    /// can be repaired at start (see `pending_upload_intents`).
    async fn record_upload_intent(&self, path: &str) -> CatalogResult<()>;
    /// Inserts the asset row, clears its upload intent and adds its size to the owner's usage, in
    /// one transaction. A concurrent upload of the same checksum yields `Duplicate`.
    async fn insert_asset(&self, asset: &Asset) -> CatalogResult<InsertOutcome>;
    /// Paths whose upload was interrupted: intents with no committed asset row.
    async fn pending_upload_intents(&self) -> CatalogResult<Vec<String>>;
    async fn clear_upload_intent(&self, path: &str) -> CatalogResult<()>;
    async fn asset(&self, id: Uuid) -> CatalogResult<Option<Asset>>;
    async fn asset_stats(
        &self,
        owner_id: Uuid,
        filter: &AssetStatsFilter,
    ) -> CatalogResult<AssetStats>;

    // Albums
    async fn create_album(&self, album: &Album) -> CatalogResult<()>;
    async fn album(&self, id: Uuid) -> CatalogResult<Option<AlbumSummary>>;
    /// The owner's albums, newest first; only those holding `containing` when it is given.
    async fn albums_of(
        &self,
        owner_id: Uuid,
        containing: Option<Uuid>,
    ) -> CatalogResult<Vec<AlbumSummary>>;
    /// Adds each asset the album owner may add (their own, not trashed) and reports per id.
    async fn add_album_assets(
        &self,
        album_id: Uuid,
        owner_id: Uuid,
        asset_ids: &[Uuid],
    ) -> CatalogResult<Vec<(Uuid, AlbumAddResult)>>;
}
