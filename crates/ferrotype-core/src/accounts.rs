//! Accounts: users, password hashes, session tokens and API keys. Used by the HTTP API and by the
//! `ferrotype admin` commands alike, so both follow the same rules.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use chrono::Utc;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::catalog::{Catalog, CatalogError};
use crate::model::{ApiKey, Session, User, UserStatus};
use crate::permissions::{self, Permission};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("The server already has an admin")]
    AdminExists,
    #[error("User exists")]
    EmailTaken,
    #[error(transparent)]
    UnknownPermission(#[from] permissions::UnknownPermission),
    #[error("Cannot grant permissions you do not have")]
    CannotGrant,
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// Hashes a password with argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hashing(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hashing(e.to_string()))
}

/// Checks a password against a stored PHC string; a malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A new secret for a session or API key: 32 random bytes, base64 without `+`, `/` and `=`
/// (about 43 characters), as Immich makes them.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD
        .encode(bytes)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// A new shared link key: 50 random bytes, as Immich makes them.
pub fn new_link_key() -> Vec<u8> {
    let mut bytes = vec![0u8; 50];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// What proves a shared link's password was given: base64 of SHA-256 of `<link id>-<password>`,
/// as Immich computes it.
pub fn shared_link_token(link_id: uuid::Uuid, password: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(Sha256::digest(format!("{link_id}-{password}").as_bytes()))
}

/// What is stored in place of a secret.
pub fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    pub is_admin: bool,
}

fn build_user(new: &NewUser<'_>) -> Result<User, AccountError> {
    let now = Utc::now();
    let id = Uuid::new_v4();
    Ok(User {
        id,
        email: new.email.trim().to_lowercase(),
        name: new.name.to_string(),
        password_hash: Some(hash_password(new.password)?),
        is_admin: new.is_admin,
        avatar_color: avatar_color_for(id).to_string(),
        profile_image_path: String::new(),
        profile_changed_at: now,
        should_change_password: false,
        storage_label: if new.is_admin {
            Some("admin".to_string())
        } else {
            None
        },
        oauth_id: String::new(),
        quota_size_in_bytes: None,
        quota_usage_in_bytes: 0,
        status: UserStatus::Active,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    })
}

/// One of Immich's avatar colours, chosen from the id so it stays the same.
fn avatar_color_for(id: Uuid) -> &'static str {
    const COLORS: [&str; 10] = [
        "primary", "pink", "red", "yellow", "blue", "green", "purple", "orange", "gray", "amber",
    ];
    COLORS[(id.as_bytes()[0] as usize) % COLORS.len()]
}

/// `POST /auth/admin-sign-up`: creates the first admin, only while none exists.
pub async fn sign_up_admin(
    catalog: &dyn Catalog,
    email: &str,
    name: &str,
    password: &str,
) -> Result<User, AccountError> {
    let user = build_user(&NewUser {
        email,
        name,
        password,
        is_admin: true,
    })?;
    match catalog.create_first_admin(&user).await {
        Ok(true) => Ok(user),
        Ok(false) => Err(AccountError::AdminExists),
        Err(CatalogError::Conflict(_)) => Err(AccountError::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

pub async fn create_user(catalog: &dyn Catalog, new: NewUser<'_>) -> Result<User, AccountError> {
    let user = build_user(&new)?;
    match catalog.create_user(&user).await {
        Ok(()) => Ok(user),
        Err(CatalogError::Conflict(_)) => Err(AccountError::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

/// Checks email and password; `None` for an unknown email or a wrong password alike.
pub async fn authenticate(
    catalog: &dyn Catalog,
    email: &str,
    password: &str,
) -> Result<Option<User>, AccountError> {
    let Some(user) = catalog.user_by_email(email.trim()).await? else {
        // Spend the same time as a real check, so timing does not reveal which emails exist.
        let _ = verify_password(password, &DUMMY_HASH);
        return Ok(None);
    };
    if user.deleted_at.is_some() {
        return Ok(None);
    }
    let ok = user
        .password_hash
        .as_deref()
        .is_some_and(|h| verify_password(password, h));
    Ok(ok.then_some(user))
}

static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("not a real password").unwrap_or_default());

pub struct SessionInfo {
    pub device_type: String,
    pub device_os: String,
    pub app_version: Option<String>,
}

/// Starts a session; returns it with its token (shown to the client once).
pub async fn create_session(
    catalog: &dyn Catalog,
    user_id: Uuid,
    info: SessionInfo,
) -> Result<(Session, String), AccountError> {
    start_session(catalog, user_id, info, None, None).await
}

/// A session made by a logged-in one (`POST /sessions`), ending with it or at `expires_at`.
pub async fn create_child_session(
    catalog: &dyn Catalog,
    parent: &Session,
    info: SessionInfo,
    expires_at: Option<chrono::DateTime<Utc>>,
) -> Result<(Session, String), AccountError> {
    start_session(catalog, parent.user_id, info, Some(parent.id), expires_at).await
}

async fn start_session(
    catalog: &dyn Catalog,
    user_id: Uuid,
    info: SessionInfo,
    parent_id: Option<Uuid>,
    expires_at: Option<chrono::DateTime<Utc>>,
) -> Result<(Session, String), AccountError> {
    let token = new_secret();
    let now = Utc::now();
    let session = Session {
        id: Uuid::new_v4(),
        user_id,
        device_type: info.device_type,
        device_os: info.device_os,
        app_version: info.app_version,
        created_at: now,
        updated_at: now,
        parent_id,
        expires_at,
        pin_expires_at: None,
        is_pending_sync_reset: false,
    };
    catalog
        .create_session(&session, &secret_hash(&token))
        .await?;
    Ok((session, token))
}

/// Creates an API key; returns it with its secret (shown once). `granter` is the permission list
/// of the API key making the request, if the request came with one.
pub async fn create_api_key(
    catalog: &dyn Catalog,
    user_id: Uuid,
    name: &str,
    permissions: Vec<Permission>,
    granter: Option<&[Permission]>,
) -> Result<(ApiKey, String), AccountError> {
    if let Some(held) = granter
        && !permissions::can_grant(held, &permissions)
    {
        return Err(AccountError::CannotGrant);
    }
    let secret = new_secret();
    let now = Utc::now();
    let key = ApiKey {
        id: Uuid::new_v4(),
        name: name.to_string(),
        user_id,
        permissions,
        created_at: now,
        updated_at: now,
    };
    catalog.create_api_key(&key, &secret_hash(&secret)).await?;
    Ok((key, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn secrets_are_long_and_distinct() {
        let a = new_secret();
        let b = new_secret();
        // 43 base64 characters less the `+` and `/` dropped: 4 or more go about once in 20.
        assert!(a.len() >= 32, "{a}");
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
        assert_eq!(secret_hash(&a).len(), 32);
    }
}
