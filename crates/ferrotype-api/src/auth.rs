//! Who is calling: the credential resolution of Immich (API-NOTES §4) and the permission checks.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Query};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ferrotype_core::accounts::secret_hash;
use ferrotype_core::model::{ApiKey, Session, User};
use ferrotype_core::permissions;

use crate::AppState;
use crate::error::ApiError;

pub const ACCESS_TOKEN_COOKIE: &str = "immich_access_token";

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    Session(Session),
    ApiKey(ApiKey),
}

/// An authenticated caller. Extracting it answers 401 when no valid credential came.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: User,
    pub credential: Credential,
}

impl Auth {
    /// Routes declare one permission; API keys must hold it (or `all`). Sessions hold them all.
    pub fn require(&self, permission: &str) -> Result<(), ApiError> {
        match &self.credential {
            Credential::Session(_) => Ok(()),
            Credential::ApiKey(key) if permissions::grants(&key.permissions, permission) => Ok(()),
            Credential::ApiKey(_) => Err(ApiError::forbidden(format!(
                "Missing required permission: {permission}"
            ))),
        }
    }

    /// Admin-only routes: the permission, and an admin behind the credential (403 `Forbidden`).
    pub fn require_admin(&self, permission: &str) -> Result<(), ApiError> {
        self.require(permission)?;
        if self.user.is_admin {
            Ok(())
        } else {
            Err(ApiError::forbidden("Forbidden"))
        }
    }

    /// Routes that declare no permission need `all` from an API key.
    pub fn require_all(&self) -> Result<(), ApiError> {
        self.require(permissions::ALL)
    }

    pub fn api_key(&self) -> Option<&ApiKey> {
        match &self.credential {
            Credential::ApiKey(k) => Some(k),
            Credential::Session(_) => None,
        }
    }

    pub fn session(&self) -> Option<&Session> {
        match &self.credential {
            Credential::Session(s) => Some(s),
            Credential::ApiKey(_) => None,
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

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let query: HashMap<String, String> = Query::try_from_uri(&parts.uri)
            .map(|Query(q)| q)
            .unwrap_or_default();
        if let Some(token) = session_token(&parts.headers, &query) {
            return match state
                .catalog
                .session_by_token_hash(&secret_hash(token))
                .await?
            {
                Some((session, user)) => Ok(Auth {
                    user,
                    credential: Credential::Session(session),
                }),
                None => Err(ApiError::unauthorized("Invalid user token")),
            };
        }
        let api_key =
            header(&parts.headers, "x-api-key").or_else(|| query.get("apiKey").map(String::as_str));
        if let Some(secret) = api_key {
            return match state
                .catalog
                .api_key_by_secret_hash(&secret_hash(secret))
                .await?
            {
                Some((key, user)) => Ok(Auth {
                    user,
                    credential: Credential::ApiKey(key),
                }),
                None => Err(ApiError::unauthorized("Invalid API key")),
            };
        }
        Err(ApiError::unauthorized("Authentication required"))
    }
}
