//! `/api/auth/*`: the first admin, password login with Immich's cookies, logout.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ferrotype_core::accounts::{self, SessionInfo};
use ferrotype_core::permissions::Permission;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::auth::{ACCESS_TOKEN_COOKIE, Auth};
use crate::dto::{UserAdminResponse, iso};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;

/// Immich's cookies live 400 days.
const COOKIE_MAX_AGE: u64 = 400 * 24 * 3600;

#[derive(Deserialize)]
pub struct SignUpDto {
    email: String,
    password: String,
    name: String,
}

#[derive(Deserialize)]
pub struct LoginDto {
    email: String,
    password: String,
}

/// A minimal email check: one `@` with something on each side and no spaces.
pub fn validate_email(email: &str) -> ApiResult<()> {
    let email = email.trim();
    let valid = email
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'))
        && !email.contains(char::is_whitespace);
    if valid {
        Ok(())
    } else {
        Err(ApiError::from(messages::EMAIL_INVALID))
    }
}

pub async fn admin_sign_up(
    State(state): State<AppState>,
    ApiJson(dto): ApiJson<SignUpDto>,
) -> ApiResult<(StatusCode, Json<UserAdminResponse>)> {
    validate_email(&dto.email)?;
    if dto.password.is_empty() {
        return Err(ApiError::from(messages::PASSWORD_EMPTY));
    }
    let user =
        accounts::sign_up_admin(state.catalog.as_ref(), &dto.email, &dto.name, &dto.password)
            .await?;
    Ok((StatusCode::CREATED, Json(UserAdminResponse::from(&user))))
}

/// Device details for the session list: the app's `deviceModel` header (`Pixel 8`) when it
/// sends one, else what the User-Agent says.
fn session_info(headers: &HeaderMap) -> SessionInfo {
    let mut info = agent_info(headers);
    if let Some(model) = headers
        .get("devicemodel")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        info.device_type = model.chars().take(100).collect();
    }
    info
}

fn agent_info(headers: &HeaderMap) -> SessionInfo {
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let app = |prefix: &str| {
        agent
            .strip_prefix(prefix)
            .map(|v| v.split(' ').next().unwrap_or(v).to_string())
    };
    if let Some(version) = app("immich-android/") {
        SessionInfo {
            device_type: "Android".into(),
            device_os: "Android".into(),
            app_version: Some(version),
        }
    } else if let Some(version) = app("immich-ios/") {
        SessionInfo {
            device_type: "iOS".into(),
            device_os: "iOS".into(),
            app_version: Some(version),
        }
    } else {
        // Browsers and systems a User-Agent parser names; anything else (`node`, `curl`) is
        // empty, as in Immich, else the headers the caller sent.
        let os = [
            ("Windows", "Windows"),
            ("Android", "Android"),
            ("iPhone", "iOS"),
            ("iPad", "iOS"),
            ("Mac OS", "macOS"),
            ("Linux", "Linux"),
        ]
        .into_iter()
        .find(|(marker, _)| agent.contains(marker))
        .map(|(_, name)| name.to_string());
        let browser = [
            ("Edg/", "Edge"),
            ("Firefox/", "Firefox"),
            ("Chromium/", "Chromium"),
            ("Chrome/", "Chrome"),
            ("Safari/", "Safari"),
        ]
        .into_iter()
        .find(|(marker, _)| agent.contains(marker))
        .map(|(_, name)| name.to_string());
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        SessionInfo {
            device_type: browser
                .or_else(|| header("devicemodel"))
                .unwrap_or_default(),
            device_os: os.or_else(|| header("devicetype")).unwrap_or_default(),
            app_version: None,
        }
    }
}

pub(crate) fn set_cookie(name: &str, value: &str, http_only: bool, max_age: u64) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path=/; Max-Age={max_age}; SameSite=Lax");
    if http_only {
        cookie.push_str("; HttpOnly");
    }
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(dto): ApiJson<LoginDto>,
) -> ApiResult<Response> {
    if !state.system_config.get().password_login.enabled {
        return Err(ApiError::from(messages::PASSWORD_LOGIN_HAS_BEEN_DISABLED));
    }
    validate_email(&dto.email)?;
    let user = accounts::authenticate(state.catalog.as_ref(), &dto.email, &dto.password)
        .await?
        .ok_or_else(|| ApiError::from(messages::INCORRECT_EMAIL_OR_PASSWORD))?;
    let (_, token) =
        accounts::create_session(state.catalog.as_ref(), user.id, session_info(&headers)).await?;
    let body = json!({
        "accessToken": token,
        "userId": user.id,
        "userEmail": user.email,
        "name": user.name,
        "isAdmin": user.is_admin,
        "isOnboarded": crate::routes::users::is_onboarded(&state, user.id).await?,
        "profileImagePath": user.profile_image_path,
        "shouldChangePassword": user.should_change_password,
    });
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    let cookies = response.headers_mut();
    cookies.append(
        header::SET_COOKIE,
        set_cookie(ACCESS_TOKEN_COOKIE, &token, true, COOKIE_MAX_AGE),
    );
    cookies.append(
        header::SET_COOKIE,
        set_cookie("immich_auth_type", "password", true, COOKIE_MAX_AGE),
    );
    cookies.append(
        header::SET_COOKIE,
        set_cookie("immich_is_authenticated", "true", false, COOKIE_MAX_AGE),
    );
    Ok(response)
}

pub async fn logout(State(state): State<AppState>, auth: Auth) -> ApiResult<Response> {
    auth.require_all()?;
    if let Some(session) = auth.session() {
        state.catalog.delete_session(session.id).await?;
        state.events.session_delete(session.id);
    }
    let body = json!({ "successful": true, "redirectUri": "/auth/login?autoLaunch=0" });
    let mut response = Json(body).into_response();
    let cookies = response.headers_mut();
    for (name, http_only) in [
        (ACCESS_TOKEN_COOKIE, true),
        ("immich_auth_type", true),
        ("immich_is_authenticated", false),
    ] {
        cookies.append(header::SET_COOKIE, set_cookie(name, "", http_only, 0));
    }
    Ok(response)
}

pub async fn validate_token(_auth: Auth) -> Json<serde_json::Value> {
    Json(json!({ "authStatus": true }))
}

/// Whether the account has a password and a PIN code, and whether this session is unlocked for
/// the locked folder (and until when).
pub async fn status(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<serde_json::Value>> {
    let pin_code = state.catalog.pin_code_hash(auth.user.id).await?.is_some();
    let session = auth.session();
    let mut status = json!({
        "password": auth.user.password_hash.is_some(),
        "pinCode": pin_code,
        "isElevated": auth.is_elevated(),
    });
    if let Some(t) = session.and_then(|s| s.expires_at.as_ref()) {
        status["expiresAt"] = json!(iso(t));
    }
    if let Some(t) = session.and_then(|s| s.pin_expires_at.as_ref()) {
        status["pinExpiresAt"] = json!(iso(t));
    }
    Ok(Json(status))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordDto {
    password: String,
    new_password: String,
    #[serde(default)]
    invalidate_sessions: bool,
}

/// The current password must be right; optionally every other session ends.
pub async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<ChangePasswordDto>,
) -> ApiResult<Json<UserAdminResponse>> {
    auth.require(Permission::AuthChangePassword)?;
    let current_ok = auth
        .user
        .password_hash
        .as_deref()
        .is_some_and(|h| accounts::verify_password(&dto.password, h));
    if !current_ok {
        return Err(ApiError::from(messages::WRONG_PASSWORD));
    }
    if dto.new_password.is_empty() {
        return Err(ApiError::from(messages::NEW_PASSWORD_EMPTY));
    }
    state
        .catalog
        .set_password(auth.user.id, &accounts::hash_password(&dto.new_password)?)
        .await?;
    if dto.invalidate_sessions {
        let keep = auth.session().map(|s| s.id);
        state.catalog.delete_sessions_of(auth.user.id, keep).await?;
    }
    let user = state
        .catalog
        .user_by_id(auth.user.id)
        .await?
        .ok_or_else(|| ApiError::internal("user vanished"))?;
    Ok(Json(UserAdminResponse::from(&user)))
}
