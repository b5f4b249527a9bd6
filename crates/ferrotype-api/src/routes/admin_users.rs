//! `/api/admin/users*`: the admin manages the accounts of a family's server: create, list,
//! change (including quotas), delete (restorable) and restore.

use ferrotype_core::permissions::Permission;
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::Utc;
use ferrotype_core::accounts::{self, NewUser};
use ferrotype_core::catalog::CatalogError;
use ferrotype_core::jobs::NewJob;
use ferrotype_core::jobs::payloads::UserDeleteJob;
use ferrotype_core::model::{User, UserChange, UserStatus};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::UserAdminResponse;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;
use crate::routes::auth::validate_email;
use crate::routes::users::AVATAR_COLORS;

/// A JSON field that may be absent (keep), null (clear) or a value.
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDto {
    email: String,
    name: String,
    password: String,
    #[serde(default)]
    is_admin: bool,
    avatar_color: Option<String>,
    quota_size_in_bytes: Option<i64>,
    /// A new account must change its password unless told otherwise (Immich's column default).
    #[serde(default = "yes")]
    should_change_password: bool,
    storage_label: Option<String>,
    /// Send the new user Immich's welcome email (with their password).
    #[serde(default)]
    notify: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDto {
    email: Option<String>,
    name: Option<String>,
    password: Option<String>,
    is_admin: Option<bool>,
    avatar_color: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    quota_size_in_bytes: Option<Option<i64>>,
    should_change_password: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    storage_label: Option<Option<String>>,
}

fn check_color(color: &Option<String>) -> ApiResult<()> {
    match color {
        Some(c) if !AVATAR_COLORS.contains(&c.as_str()) => Err(ApiError::bad_request(format!(
            "avatarColor must be one of {}",
            AVATAR_COLORS.join(", ")
        ))),
        _ => Ok(()),
    }
}

fn check_quota(quota: Option<i64>) -> ApiResult<()> {
    match quota {
        Some(q) if q < 0 => Err(ApiError::from(messages::QUOTA_NEGATIVE)),
        _ => Ok(()),
    }
}

async fn any_user(state: &AppState, id: Uuid) -> ApiResult<User> {
    state
        .catalog
        .user_by_id(id)
        .await?
        .ok_or_else(|| ApiError::from(messages::USER_NOT_FOUND))
}

async fn apply(state: &AppState, id: Uuid, change: UserChange) -> ApiResult<User> {
    match state.catalog.update_user(id, &change).await {
        Ok(()) => any_user(state, id).await,
        Err(CatalogError::Conflict(_)) => Err(ApiError::from(messages::EMAIL_IS_NOT_AVAILABLE)),
        Err(e) => Err(e.into()),
    }
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<UserAdminResponse>>> {
    auth.require_admin(Permission::AdminUserRead)?;
    let with_deleted = query.get("withDeleted").is_some_and(|v| v == "true");
    let users = state.catalog.users(with_deleted).await?;
    let wanted = query.get("id");
    Ok(Json(
        users
            .iter()
            .filter(|u| wanted.is_none_or(|id| u.id.to_string() == *id))
            .map(UserAdminResponse::from)
            .collect(),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<CreateDto>,
) -> ApiResult<(StatusCode, Json<UserAdminResponse>)> {
    auth.require_admin(Permission::AdminUserCreate)?;
    validate_email(&dto.email)?;
    check_color(&dto.avatar_color)?;
    check_quota(dto.quota_size_in_bytes)?;
    if dto.password.is_empty() {
        return Err(ApiError::from(messages::PASSWORD_EMPTY));
    }
    let user = accounts::create_user(
        state.catalog.as_ref(),
        NewUser {
            email: &dto.email,
            name: &dto.name,
            password: &dto.password,
            is_admin: dto.is_admin,
        },
    )
    .await?;
    let change = UserChange {
        avatar_color: dto.avatar_color,
        quota_size_in_bytes: Some(dto.quota_size_in_bytes),
        storage_label: dto.storage_label.map(Some),
        should_change_password: Some(dto.should_change_password),
        ..UserChange::default()
    };
    let user = apply(&state, user.id, change).await?;
    if dto.notify {
        crate::routes::notifications::welcome(&state, &user, &dto.password).await;
    }
    Ok((StatusCode::CREATED, Json(UserAdminResponse::from(&user))))
}

pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<UserAdminResponse>> {
    auth.require_admin(Permission::AdminUserRead)?;
    crate::routes::users::with_license(
        &state,
        UserAdminResponse::from(&any_user(&state, id).await?),
    )
    .await
}

/// `GET /api/admin/users/{id}/preferences`: any user's preferences, as they see them.
pub async fn preferences(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<serde_json::Value>> {
    auth.require_admin(Permission::AdminUserRead)?;
    any_user(&state, id).await?;
    Ok(Json(
        crate::routes::users::read_preferences(&state, id).await?,
    ))
}

/// `PUT /api/admin/users/{id}/preferences`: as the user's own update, for any user.
pub async fn update_preferences(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(update): ApiJson<serde_json::Value>,
) -> ApiResult<Json<serde_json::Value>> {
    auth.require_admin(Permission::AdminUserUpdate)?;
    any_user(&state, id).await?;
    Ok(Json(
        crate::routes::users::write_preferences(&state, id, &update).await?,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<UpdateDto>,
) -> ApiResult<Json<UserAdminResponse>> {
    auth.require_admin(Permission::AdminUserUpdate)?;
    any_user(&state, id).await?;
    check_color(&dto.avatar_color)?;
    check_quota(dto.quota_size_in_bytes.flatten())?;
    if let Some(email) = &dto.email {
        validate_email(email)?;
    }
    // An admin cannot take away their own admin rights (the server would be left without one).
    if id == auth.user.id && dto.is_admin == Some(false) {
        return Err(ApiError::from(messages::ADMIN_STATUS_BY_ANOTHER_ADMIN));
    }
    if let Some(password) = &dto.password {
        if password.is_empty() {
            return Err(ApiError::from(messages::PASSWORD_EMPTY));
        }
        state
            .catalog
            .set_password(id, &accounts::hash_password(password)?)
            .await?;
    }
    let change = UserChange {
        name: dto.name,
        email: dto.email.map(|e| e.trim().to_lowercase()),
        avatar_color: dto.avatar_color,
        is_admin: dto.is_admin,
        quota_size_in_bytes: dto.quota_size_in_bytes,
        storage_label: dto.storage_label,
        should_change_password: dto.should_change_password,
        ..UserChange::default()
    };
    Ok(Json(UserAdminResponse::from(
        &apply(&state, id, change).await?,
    )))
}

/// Soft deletion: the account stops working at once and can be restored; its assets stay.
#[derive(Deserialize, Default)]
pub struct DeleteDto {
    #[serde(default)]
    force: bool,
}

/// Deletes an account: at once it can no longer sign in and its albums disappear for their
/// members; its data goes for good after the system config's `user.deleteDelay` days (the hourly
/// check in `serve`), or now with `force`, in a `UserDelete` job, announced to everyone by
/// `on_user_delete` once done. Until then it can be restored.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<DeleteDto>,
) -> ApiResult<Json<UserAdminResponse>> {
    any_user(&state, id).await?;
    if id == auth.user.id {
        return Err(ApiError::from(messages::CANNOT_DELETE_YOUR_OWN_ACCOUNT));
    }
    let change = UserChange {
        deleted_at: Some(Some(Utc::now())),
        // As Immich: only a forced delete starts removing the account's data at once.
        status: Some(if dto.force {
            UserStatus::Removing
        } else {
            UserStatus::Deleted
        }),
        ..UserChange::default()
    };
    let user = apply(&state, id, change).await?;
    if dto.force {
        state
            .catalog
            .enqueue_jobs(&[NewJob::of(&UserDeleteJob { id })])
            .await?;
    }
    Ok(Json(UserAdminResponse::from(&user)))
}

pub async fn restore(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<UserAdminResponse>> {
    auth.require_admin(Permission::AdminUserDelete)?;
    any_user(&state, id).await?;
    let change = UserChange {
        deleted_at: Some(None),
        status: Some(UserStatus::Active),
        ..UserChange::default()
    };
    Ok(Json(UserAdminResponse::from(
        &apply(&state, id, change).await?,
    )))
}
