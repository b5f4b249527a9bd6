//! Who is calling: the credential resolution of Immich (API-NOTES §4) and the permission checks.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Query};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ferrotype_core::accounts::secret_hash;
use ferrotype_core::catalog::Catalog;
use ferrotype_core::model::{ApiKey, Session, SharedLink, User};
use ferrotype_core::permissions::{self, Permission};

use crate::AppState;
use crate::error::ApiError;
use crate::messages;

pub const ACCESS_TOKEN_COOKIE: &str = "immich_access_token";

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    Session(Session),
    ApiKey(ApiKey),
    /// A shared link's key or slug: the caller acts as the link's owner, only on the routes
    /// that accept links (`Auth::require_shareable`) and only on what the link shows.
    SharedLink(SharedLink),
}

pub const SHARED_LINK_TOKEN_COOKIE: &str = "immich_shared_link_token";

/// What proves a link's password was given: base64 of SHA-256 of `<link id>-<password>`, as
/// Immich computes it (the `immich_shared_link_token` cookie holds a comma-separated list).
pub fn shared_link_token(link: &SharedLink) -> Option<String> {
    let password = link.password.as_deref()?;
    Some(ferrotype_core::accounts::shared_link_token(
        link.id, password,
    ))
}

/// A link key as clients send it: base64url (what the API hands out) or 100 hex digits.
pub fn decode_link_key(key: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    if key.len() == 100 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hex::decode(key).ok();
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(key.trim_end_matches('='))
        .ok()
}

/// An authenticated caller. Extracting it answers 401 when no valid credential came.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: User,
    pub credential: Credential,
}

impl Auth {
    /// Routes declare one permission; API keys must hold it (or `all`). Sessions hold them all.
    /// Shared links are refused here (403 `Forbidden`): see `require_shareable`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        match &self.credential {
            Credential::Session(_) => Ok(()),
            Credential::SharedLink(_) => Err(ApiError::from(messages::FORBIDDEN)),
            Credential::ApiKey(key) if permissions::grants(&key.permissions, permission) => Ok(()),
            Credential::ApiKey(_) => Err(ApiError::forbidden(format!(
                "Missing required permission: {permission}"
            ))),
        }
    }

    /// Admin-only routes: the permission, and an admin behind the credential (403 `Forbidden`).
    pub fn require_admin(&self, permission: Permission) -> Result<(), ApiError> {
        self.require(permission)?;
        if self.user.is_admin {
            Ok(())
        } else {
            Err(ApiError::from(messages::FORBIDDEN))
        }
    }

    /// Routes that declare no permission need `all` from an API key.
    pub fn require_all(&self) -> Result<(), ApiError> {
        self.require(Permission::All)
    }

    /// For the routes a shared link may reach: a link passes (the route then limits it to what
    /// the link shows); other credentials as `require`.
    pub fn require_shareable(&self, permission: Permission) -> Result<(), ApiError> {
        match &self.credential {
            Credential::SharedLink(_) => Ok(()),
            _ => self.require(permission),
        }
    }

    /// A session unlocked with the PIN code: may see and change locked assets.
    pub fn is_elevated(&self) -> bool {
        self.session()
            .is_some_and(|s| s.is_elevated(chrono::Utc::now()))
    }

    pub fn api_key(&self) -> Option<&ApiKey> {
        match &self.credential {
            Credential::ApiKey(k) => Some(k),
            _ => None,
        }
    }

    pub fn session(&self) -> Option<&Session> {
        match &self.credential {
            Credential::Session(s) => Some(s),
            _ => None,
        }
    }

    /// Who this is to the access rules (`ferrotype_core::access`).
    pub fn actor(&self) -> ferrotype_core::access::Actor<'_> {
        use ferrotype_core::access::Actor;
        match self.shared_link() {
            Some(link) => Actor::Link(link),
            None => Actor::User {
                id: self.user.id,
                elevated: self.is_elevated(),
            },
        }
    }

    pub fn shared_link(&self) -> Option<&SharedLink> {
        match &self.credential {
            Credential::SharedLink(l) => Some(l),
            _ => None,
        }
    }
}

/// A cookie's value from the `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

/// The session token, in Immich's order of precedence.
fn session_token<'a>(
    headers: &'a HeaderMap,
    query: &'a HashMap<String, String>,
) -> Option<&'a str> {
    header(headers, "x-immich-user-token")
        .or_else(|| header(headers, "x-immich-session-token"))
        .or_else(|| query.get("sessionKey").map(String::as_str))
        .or_else(|| {
            header(headers, "authorization").and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
                    .map(str::trim)
            })
        })
        .or_else(|| cookie(headers, ACCESS_TOKEN_COOKIE))
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    /// The caller the contract layer resolved (`contract::enforce`), else resolved here (routes
    /// of our own that the contract does not list).
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(auth) = parts.extensions.get::<Auth>() {
            return Ok(auth.clone());
        }
        Auth::resolve(parts, state).await
    }
}

impl Auth {
    /// The caller, from the credentials in the request: 401 when none is valid.
    pub async fn resolve(parts: &Parts, state: &AppState) -> Result<Self, ApiError> {
        let query: HashMap<String, String> = Query::try_from_uri(&parts.uri)
            .map(|Query(q)| q)
            .unwrap_or_default();
        if let Some(auth) = shared_link_auth(&parts.headers, &query, state.catalog.as_ref()).await?
        {
            return Ok(auth);
        }
        account_auth(state.catalog.as_ref(), &parts.headers, &query).await
    }
}

/// A user's own credential (not a shared link): a session token, else an API key, each in
/// Immich's order of places. 401 when none is given or the one given is unknown.
pub async fn account_auth(
    catalog: &dyn Catalog,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<Auth, ApiError> {
    if let Some(token) = session_token(headers, query) {
        let Some((mut session, user)) = catalog.session_by_token_hash(&secret_hash(token)).await?
        else {
            return Err(ApiError::from(messages::INVALID_USER_TOKEN));
        };
        // A session unlocked with the PIN code stays unlocked while it is used.
        ferrotype_core::pin::keep_unlocked(catalog, &mut session, chrono::Utc::now()).await?;
        return Ok(Auth {
            user,
            credential: Credential::Session(session),
        });
    }
    let api_key = header(headers, "x-api-key").or_else(|| query.get("apiKey").map(String::as_str));
    if let Some(secret) = api_key {
        return match catalog.api_key_by_secret_hash(&secret_hash(secret)).await? {
            Some((key, user)) => Ok(Auth {
                user,
                credential: Credential::ApiKey(key),
            }),
            None => Err(ApiError::from(messages::INVALID_API_KEY)),
        };
    }
    Err(ApiError::from(messages::AUTHENTICATION_REQUIRED))
}

/// Whether a request names a shared link (key or slug, header or query), whatever its validity.
pub fn names_shared_link(headers: &HeaderMap, query: &HashMap<String, String>) -> bool {
    header(headers, "x-immich-share-key").is_some()
        || header(headers, "x-immich-share-slug").is_some()
        || query.contains_key("key")
        || query.contains_key("slug")
}

/// The live link a key (preferred) or slug names; `None` when neither is given, 401 `Invalid
/// share key` when it names no link or an expired one.
pub async fn open_shared_link(
    state: &AppState,
    key: Option<&str>,
    slug: Option<&str>,
) -> Result<Option<SharedLink>, ApiError> {
    open_link(state.catalog.as_ref(), key, slug).await
}

async fn open_link(
    catalog: &dyn Catalog,
    key: Option<&str>,
    slug: Option<&str>,
) -> Result<Option<SharedLink>, ApiError> {
    let invalid = || ApiError::from(messages::INVALID_SHARE_KEY);
    let link = match (key, slug) {
        (Some(key), _) => {
            let key = decode_link_key(key).ok_or_else(invalid)?;
            catalog.shared_link_by_key(&key).await?
        }
        (None, Some(slug)) => catalog.shared_link_by_slug(slug).await?,
        (None, None) => return Ok(None),
    };
    link.filter(|l| !l.expired(chrono::Utc::now()))
        .map(Some)
        .ok_or_else(invalid)
}

/// A shared link's credential, first in Immich's order: the key (`x-immich-share-key` or
/// `?key=`), else the slug (`x-immich-share-slug` or `?slug=`). An unknown or expired link is
/// 401 `Invalid share key`; a password-protected one needs the token from
/// `POST /shared-links/login` in its cookie (on every route, media included).
async fn shared_link_auth(
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    catalog: &dyn Catalog,
) -> Result<Option<Auth>, ApiError> {
    let key =
        header(headers, "x-immich-share-key").or_else(|| query.get("key").map(String::as_str));
    let slug =
        header(headers, "x-immich-share-slug").or_else(|| query.get("slug").map(String::as_str));
    let Some(link) = open_link(catalog, key, slug).await? else {
        return Ok(None);
    };
    if let Some(token) = shared_link_token(&link) {
        let given = cookie(headers, SHARED_LINK_TOKEN_COOKIE).unwrap_or("");
        if !given.split(',').any(|t| t.trim() == token) {
            return Err(ApiError::from(messages::PASSWORD_REQUIRED));
        }
    }
    let user = catalog
        .user_by_id(link.user_id)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or_else(|| ApiError::from(messages::INVALID_SHARE_KEY))?;
    Ok(Some(Auth {
        user,
        credential: Credential::SharedLink(link),
    }))
}
