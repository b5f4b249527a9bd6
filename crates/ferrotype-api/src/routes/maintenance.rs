//! `/api/admin/maintenance/*`: Immich's maintenance mode, switched in place (Immich restarts
//! into a separate maintenance worker; we keep one process and change what the API answers).
//!
//! Starting it stores the state with a new secret (`ferrotype_core::maintenance`), tells the
//! other processes (the bus), answers with the maintenance token (`immich_maintenance_token`,
//! an HS256 JWT of `{username}` signed with the secret, valid 4 hours, as Immich's) and sends
//! `AppRestartV1 {isMaintenanceMode: true}` to every socket. While it is on, `gate` lets through
//! only what Immich's maintenance worker serves; the token, from the body or the cookie, is the
//! credential of the maintenance routes. Ending it (the token's cookie and `{action: "end"}`)
//! clears the state and sends `AppRestartV1 {isMaintenanceMode: false}`.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ferrotype_core::blob::BlobStore;
use ferrotype_core::maintenance::MaintenanceState;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::{Auth, cookie};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;
use crate::routes::auth::set_cookie;

/// Immich's cookie for the maintenance token.
pub const TOKEN_COOKIE: &str = "immich_maintenance_token";
/// Immich keeps the cookie a day.
const TOKEN_COOKIE_MAX_AGE: u64 = 24 * 60 * 60;
/// Immich's tokens expire 4 hours after they are signed.
const TOKEN_LIFETIME_SECONDS: u64 = 4 * 60 * 60;

/// What Immich's maintenance worker serves (method, path under `/api`); everything else waits.
const SERVED_IN_MAINTENANCE: &[(&str, &str)] = &[
    ("GET", "/server/config"),
    ("GET", "/server/ping"),
    ("GET", "/server/version"),
    ("GET", "/admin/maintenance/status"),
    ("GET", "/admin/maintenance/detect-install"),
    ("POST", "/admin/maintenance/login"),
    ("POST", "/admin/maintenance"),
];

/// Operations that the maintenance token, not an account, authorizes while maintenance is on
/// (the contract's check of the account is skipped for them then: `contract::check`).
pub(crate) const TOKEN_AUTHENTICATED: &[&str] = &["setMaintenanceMode", "detectPriorInstall"];

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn hmac(secret: &str, data: &[u8]) -> ring::hmac::Tag {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    ring::hmac::sign(&key, data)
}

/// An HS256 JWT of `{username, iat, exp}`, as Immich's `signMaintenanceJwt`.
pub fn sign_token(secret: &str, username: &str) -> String {
    let issued = now_seconds();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
    let claims = json!({
        "username": username,
        "iat": issued,
        "exp": issued + TOKEN_LIFETIME_SECONDS,
    });
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signed = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(hmac(secret, signed.as_bytes()).as_ref());
    format!("{signed}.{signature}")
}

/// The username of a token signed with `secret` and not expired; `None` for anything else.
pub fn verify_token(secret: &str, token: &str) -> Option<String> {
    let (signed, signature) = token.rsplit_once('.')?;
    let (header, payload) = signed.split_once('.')?;
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    if header["alg"] != "HS256" {
        return None;
    }
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    ring::hmac::verify(&key, signed.as_bytes(), &signature).ok()?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    if claims["exp"]
        .as_u64()
        .is_some_and(|exp| exp <= now_seconds())
    {
        return None;
    }
    claims["username"].as_str().map(str::to_string)
}

/// Immich's maintenance login URL, logged when maintenance starts (and at start-up while on).
pub fn login_url(external_domain: &str, secret: &str) -> String {
    let base = if external_domain.is_empty() {
        // Immich's default when no external domain is set.
        "https://my.immich.app"
    } else {
        external_domain
    };
    format!(
        "{base}/maintenance?token={}",
        sign_token(secret, "immich-admin")
    )
}

/// Logs how to log in while maintenance is on, as Immich does.
pub fn log_login_url(external_domain: &str, state: &MaintenanceState) {
    if let Some(secret) = state.secret.as_deref()
        && state.is_maintenance_mode
    {
        tracing::warn!(
            "the server is in maintenance mode; you can log in using the following URL:\n{}",
            login_url(external_domain, secret)
        );
    }
}

/// The maintenance token's username, checked as Immich's `login`: 401 without a token or with
/// one not signed with the current secret.
fn login(state: &MaintenanceState, token: Option<&str>) -> ApiResult<String> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(ApiError::from(messages::MISSING_JWT_TOKEN));
    };
    state
        .secret
        .as_deref()
        .and_then(|secret| verify_token(secret, token))
        .ok_or_else(|| ApiError::from(messages::INVALID_JWT_TOKEN))
}

fn token_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, TOKEN_COOKIE)
}

fn with_token_cookie(mut response: Response, token: &str) -> Response {
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(TOKEN_COOKIE, token, true, TOKEN_COOKIE_MAX_AGE),
    );
    response
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetMaintenanceModeDto {
    action: String,
}

/// `POST /admin/maintenance`. Outside maintenance, an admin (`maintenance` permission) starts
/// it; `end` then does nothing, as in Immich. In maintenance, the token's holder ends it; `start`
/// then changes nothing. The restore actions need database backups, which Ferrotype has not.
pub async fn set_mode(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    ApiJson(dto): ApiJson<SetMaintenanceModeDto>,
) -> ApiResult<Response> {
    let current = state.maintenance.get();
    if current.is_maintenance_mode {
        login(&current, token_cookie(&headers))?;
    }
    match dto.action.as_str() {
        "select_database_restore" | "restore_database" => {
            Err(ApiError::from(messages::NO_DATABASE_BACKUPS))
        }
        "end" if current.is_maintenance_mode => {
            state.maintenance.end(state.catalog.as_ref()).await?;
            tracing::info!("maintenance mode ended");
            state.events.maintenance_changed().await;
            state.events.app_restart(false).await;
            Ok(StatusCode::CREATED.into_response())
        }
        "start" if !current.is_maintenance_mode => {
            // The contract's check resolved the admin (outside maintenance it is required).
            let Some(auth) = extensions.get::<Auth>() else {
                return Err(ApiError::from(messages::AUTHENTICATION_REQUIRED));
            };
            let started = state
                .maintenance
                .start(state.catalog.as_ref(), json!({ "action": "start" }))
                .await?;
            let secret = started.secret.as_deref().unwrap_or_default();
            let token = sign_token(secret, &auth.user.name);
            log_login_url(&state.system_config.get().server.external_domain, &started);
            state.events.maintenance_changed().await;
            state.events.app_restart(true).await;
            Ok(with_token_cookie(
                StatusCode::CREATED.into_response(),
                &token,
            ))
        }
        // `end` outside maintenance, `start` inside: nothing to do (as Immich).
        _ => Ok(StatusCode::CREATED.into_response()),
    }
}

/// `GET /admin/maintenance/status`: `{active: false, action: "end"}` outside maintenance; inside,
/// the action under way. Immich hides a failed task's error from those without the token; no task
/// of ours can fail (there is no restore), so both see the same.
pub async fn status(State(state): State<AppState>) -> Json<Value> {
    let current = state.maintenance.get();
    Json(json!({
        "active": current.is_maintenance_mode,
        "action": current.action_name(),
    }))
}

#[derive(Deserialize)]
pub struct MaintenanceLoginDto {
    token: Option<String>,
}

/// `POST /admin/maintenance/login`: the token (the body's, else the cookie's) gives its
/// username, and is set as the cookie.
pub async fn login_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(dto): ApiJson<MaintenanceLoginDto>,
) -> ApiResult<Response> {
    let current = state.maintenance.get();
    if !current.is_maintenance_mode {
        return Err(ApiError::from(messages::NOT_IN_MAINTENANCE_MODE));
    }
    let token = dto
        .token
        .or_else(|| token_cookie(&headers).map(str::to_string));
    let username = login(&current, token.as_deref())?;
    let response = (StatusCode::CREATED, Json(json!({ "username": username }))).into_response();
    Ok(with_token_cookie(
        response,
        token.as_deref().unwrap_or_default(),
    ))
}

/// Immich's storage folders, in its order.
const STORAGE_FOLDERS: &[&str] = &[
    "encoded-video",
    "library",
    "upload",
    "profile",
    "thumbs",
    "backups",
];

/// `GET /admin/maintenance/detect-install`: per storage folder, whether it can be read and
/// written, and how many entries it holds (Immich counts the folder's entries, its `.immich`
/// marker left out). Read: listing the folder works; written: a `.immich` marker can be stored
/// (and is removed again: nothing else of ours uses it).
pub async fn detect_install(State(state): State<AppState>) -> Json<Value> {
    let mut storage = Vec::new();
    for folder in STORAGE_FOLDERS {
        storage.push(inspect(state.blobs.as_ref(), folder).await);
    }
    Json(json!({ "storage": storage }))
}

async fn inspect(blobs: &dyn BlobStore, folder: &str) -> Value {
    let prefix = format!("{folder}/");
    let mut entries = std::collections::HashSet::new();
    let mut readable = true;
    let mut keys = blobs.list(&prefix);
    while let Some(key) = keys.next().await {
        match key {
            Ok(key) => {
                let rest = key.strip_prefix(&prefix).unwrap_or(&key);
                let entry = rest.split('/').next().unwrap_or(rest);
                if entry != ".immich" {
                    entries.insert(entry.to_string());
                }
            }
            Err(e) => {
                tracing::warn!(folder, "cannot list a storage folder: {e}");
                readable = false;
                break;
            }
        }
    }
    drop(keys);
    let marker = format!("{prefix}.immich");
    let writable = match blobs
        .put_bytes(&marker, now_seconds().to_string().as_bytes())
        .await
    {
        Ok(()) => {
            if let Err(e) = blobs.delete(&marker).await {
                tracing::warn!(folder, "cannot remove the write probe: {e}");
            }
            true
        }
        Err(e) => {
            tracing::warn!(folder, "cannot write to a storage folder: {e}");
            false
        }
    };
    json!({
        "folder": folder,
        "readable": readable,
        "writable": writable,
        "files": entries.len(),
    })
}

/// While maintenance is on, every API request but those Immich's maintenance worker serves is
/// refused with 503 and a message naming maintenance mode. (Immich's worker has no other
/// routes, so they get its 404; 503 says what is true: the route exists and will answer once
/// maintenance ends, which clients already wait for after `AppRestartV1`.)
pub async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.maintenance.is_active() {
        let method = request.method().as_str();
        let path = request.uri().path();
        let path = path.strip_prefix("/api").unwrap_or(path);
        if !SERVED_IN_MAINTENANCE.contains(&(method, path)) {
            return ApiError::from(messages::IN_MAINTENANCE_MODE).into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_valid_only_with_its_secret_and_unchanged() {
        let token = sign_token("secret-one", "Admin");
        assert_eq!(verify_token("secret-one", &token).as_deref(), Some("Admin"));
        assert_eq!(verify_token("secret-two", &token), None);
        let mut tampered = token.clone();
        tampered.push('x');
        assert_eq!(verify_token("secret-one", &tampered), None);
        assert_eq!(verify_token("secret-one", "a.b"), None);
        assert_eq!(verify_token("secret-one", "not a token"), None);
    }

    #[test]
    fn an_expired_token_is_refused() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
        let payload = URL_SAFE_NO_PAD.encode(br#"{"username":"a","iat":1,"exp":2}"#);
        let signed = format!("{header}.{payload}");
        let signature = URL_SAFE_NO_PAD.encode(hmac("s", signed.as_bytes()).as_ref());
        assert_eq!(verify_token("s", &format!("{signed}.{signature}")), None);
    }
}
