//! `/api/users/me*`: the caller's own account and preferences.

use axum::Json;
use axum::extract::State;
use ferrotype_core::accounts;
use ferrotype_core::catalog::CatalogError;
use ferrotype_core::model::UserChange;
use ferrotype_core::preferences;
use serde::Deserialize;
use serde_json::Value;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::UserAdminResponse;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;

pub async fn me(auth: Auth) -> ApiResult<Json<UserAdminResponse>> {
    auth.require("user.read")?;
    Ok(Json(UserAdminResponse::from(&auth.user)))
}

pub const AVATAR_COLORS: &[&str] = &[
    "primary", "pink", "red", "yellow", "blue", "green", "purple", "orange", "gray", "amber",
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMeDto {
    name: Option<String>,
    email: Option<String>,
    password: Option<String>,
    avatar_color: Option<String>,
}

/// `PUT` and `PATCH /api/users/me`: name, email, password, avatar colour.
pub async fn update_me(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<UpdateMeDto>,
) -> ApiResult<Json<UserAdminResponse>> {
    auth.require("user.update")?;
    if let Some(color) = &dto.avatar_color
        && !AVATAR_COLORS.contains(&color.as_str())
    {
        return Err(ApiError::bad_request(format!(
            "avatarColor must be one of {}",
            AVATAR_COLORS.join(", ")
        )));
    }
    let email = match dto.email {
        Some(e) if !e.contains('@') || e.trim().len() < 3 => {
            return Err(ApiError::bad_request("email must be an email"));
        }
        Some(e) => Some(e.trim().to_lowercase()),
        None => None,
    };
    if let Some(password) = &dto.password {
        if password.is_empty() {
            return Err(ApiError::bad_request("password should not be empty"));
        }
        let hash = accounts::hash_password(password)?;
        state.catalog.set_password(auth.user.id, &hash).await?;
    }
    let change = UserChange {
        name: dto.name,
        email,
        avatar_color: dto.avatar_color,
        ..UserChange::default()
    };
    match state.catalog.update_user(auth.user.id, &change).await {
        Ok(()) => {}
        Err(CatalogError::Conflict(_)) => {
            return Err(ApiError::bad_request(
                "Email already in use by another account",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let user = state
        .catalog
        .user_by_id(auth.user.id)
        .await?
        .ok_or_else(|| ApiError::internal("user vanished"))?;
    Ok(Json(UserAdminResponse::from(&user)))
}

pub async fn preferences(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require("userPreference.read")?;
    let stored = state
        .catalog
        .user_metadata(auth.user.id, preferences::KEY)
        .await?;
    Ok(Json(preferences::effective(stored.as_ref())))
}

/// `PUT` and `PATCH /api/users/me/preferences`: only what is given changes.
pub async fn update_preferences(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(update): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    auth.require("userPreference.update")?;
    preferences::validate_update(&update).map_err(ApiError::bad_request)?;
    // The avatar lives on the user, not among the preferences.
    if let Some(color) = update
        .get("avatar")
        .and_then(|a| a.get("color"))
        .and_then(Value::as_str)
    {
        if !AVATAR_COLORS.contains(&color) {
            return Err(ApiError::bad_request(format!(
                "avatar.color must be one of {}",
                AVATAR_COLORS.join(", ")
            )));
        }
        let change = UserChange {
            avatar_color: Some(color.to_string()),
            ..UserChange::default()
        };
        state.catalog.update_user(auth.user.id, &change).await?;
    }
    let stored = state
        .catalog
        .user_metadata(auth.user.id, preferences::KEY)
        .await?;
    let merged = preferences::merge(
        &stored.unwrap_or_else(|| Value::Object(Default::default())),
        &update,
    );
    state
        .catalog
        .set_user_metadata(auth.user.id, preferences::KEY, &merged)
        .await?;
    Ok(Json(preferences::effective(Some(&merged))))
}
