//! `/api/users/me*`: the caller's own account and preferences.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ferrotype_core::accounts;
use ferrotype_core::catalog::CatalogError;
use ferrotype_core::media_types::mime_type_for;
use ferrotype_core::model::UserChange;
use ferrotype_core::permissions::Permission;
use ferrotype_core::preferences;
use ferrotype_core::storage::{extension_of, profile_image_key};
use serde::Deserialize;
use serde_json::Value;
use serde_json::json;
use tokio::io::AsyncReadExt;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::{UserAdminResponse, UserResponse, iso};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;
use crate::routes::server::{LicenseKeyDto, check_license};

pub async fn me(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<UserAdminResponse>> {
    auth.require(Permission::UserRead)?;
    with_license(&state, UserAdminResponse::from(&auth.user)).await
}

/// The user's product key, which Immich shows on the admin view of a user.
pub async fn with_license(
    state: &AppState,
    mut user: UserAdminResponse,
) -> ApiResult<Json<UserAdminResponse>> {
    user.license = state.catalog.user_metadata(user.id, LICENSE_KEY).await?;
    Ok(Json(user))
}

/// User metadata keys (Immich's `UserMetadataKey`).
const LICENSE_KEY: &str = "license";
const ONBOARDING_KEY: &str = "onboarding";

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
    // Types, the email's form and the colour were checked against the contract.
    let email = dto.email.map(|e| e.trim().to_lowercase());
    if let Some(password) = &dto.password {
        if password.is_empty() {
            return Err(ApiError::from(messages::PASSWORD_EMPTY));
        }
        let hash = accounts::hash_password(password)?;
        state.catalog.set_password(auth.user.id, &hash).await?;
    }
    let change = UserChange {
        name: dto.name,
        email,
        avatar_color: dto.avatar_color,
        // A password set by its owner is no longer the one an admin gave.
        should_change_password: dto.password.is_some().then_some(false),
        ..UserChange::default()
    };
    match state.catalog.update_user(auth.user.id, &change).await {
        Ok(()) => {}
        Err(CatalogError::Conflict(_)) => {
            return Err(ApiError::from(messages::EMAIL_IS_NOT_AVAILABLE));
        }
        Err(e) => return Err(e.into()),
    }
    let user = state
        .catalog
        .user_by_id(auth.user.id)
        .await?
        .ok_or_else(|| ApiError::internal("user vanished"))?;
    with_license(&state, UserAdminResponse::from(&user)).await
}

pub async fn preferences(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(Permission::UserPreferenceRead)?;
    Ok(Json(read_preferences(&state, auth.user.id).await?))
}

/// `PUT` and `PATCH /api/users/me/preferences`: only what is given changes.
pub async fn update_preferences(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(update): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    auth.require(Permission::UserPreferenceUpdate)?;
    Ok(Json(
        write_preferences(&state, auth.user.id, &update).await?,
    ))
}

/// A user's preferences: Immich's defaults with what they changed on top.
pub async fn read_preferences(state: &AppState, user_id: Uuid) -> ApiResult<Value> {
    let stored = state
        .catalog
        .user_metadata(user_id, preferences::KEY)
        .await?;
    Ok(preferences::effective(stored.as_ref()))
}

/// Applies a partial update to a user's preferences (the avatar colour goes to the user itself);
/// answers the preferences as they are now.
pub async fn write_preferences(
    state: &AppState,
    user_id: Uuid,
    update: &Value,
) -> ApiResult<Value> {
    preferences::validate_update(update).map_err(ApiError::bad_request)?;
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
        state.catalog.update_user(user_id, &change).await?;
    }
    let stored = state
        .catalog
        .user_metadata(user_id, preferences::KEY)
        .await?;
    let merged = preferences::merge(
        &stored.unwrap_or_else(|| Value::Object(Default::default())),
        update,
    );
    state
        .catalog
        .set_user_metadata(user_id, preferences::KEY, &merged)
        .await?;
    Ok(preferences::effective(Some(&merged)))
}

pub async fn onboarding(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(Permission::UserOnboardingRead)?;
    Ok(Json(
        json!({ "isOnboarded": is_onboarded(&state, auth.user.id).await? }),
    ))
}

/// Whether the user went through the app's first-run steps (also in the login response).
pub async fn is_onboarded(state: &AppState, user_id: Uuid) -> ApiResult<bool> {
    let stored = state.catalog.user_metadata(user_id, ONBOARDING_KEY).await?;
    Ok(stored
        .and_then(|v| v.get("isOnboarded").and_then(Value::as_bool))
        .unwrap_or(false))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnboardingDto {
    is_onboarded: bool,
}

pub async fn set_onboarding(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<OnboardingDto>,
) -> ApiResult<Json<Value>> {
    auth.require(Permission::UserOnboardingUpdate)?;
    let value = json!({ "isOnboarded": dto.is_onboarded });
    state
        .catalog
        .set_user_metadata(auth.user.id, ONBOARDING_KEY, &value)
        .await?;
    Ok(Json(value))
}

pub async fn delete_onboarding(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    auth.require(Permission::UserOnboardingDelete)?;
    state
        .catalog
        .delete_user_metadata(auth.user.id, ONBOARDING_KEY)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn license(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(Permission::UserLicenseRead)?;
    match state
        .catalog
        .user_metadata(auth.user.id, LICENSE_KEY)
        .await?
    {
        Some(license) => Ok(Json(license)),
        None => Err(ApiError::from(messages::NOT_FOUND)),
    }
}

/// A client key (`IMCL-`), or a server key, signed by either of Immich's keys, as Immich accepts.
pub async fn set_license(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<LicenseKeyDto>,
) -> ApiResult<Json<Value>> {
    auth.require(Permission::UserLicenseUpdate)?;
    let keys = state.config.license_keys;
    let license = check_license(&dto, &["IMCL-", "IMSV-"], &[keys.client, keys.server])?;
    state
        .catalog
        .set_user_metadata(auth.user.id, LICENSE_KEY, &license)
        .await?;
    Ok(Json(license))
}

pub async fn delete_license(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    auth.require(Permission::UserLicenseDelete)?;
    state
        .catalog
        .delete_user_metadata(auth.user.id, LICENSE_KEY)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every user (the server's users see each other, as Immich's `publicUsers` default).
pub async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<UserResponse>>> {
    auth.require(Permission::UserRead)?;
    let users = state.catalog.users(false).await?;
    Ok(Json(users.iter().map(UserResponse::from).collect()))
}

pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<UserResponse>> {
    auth.require(Permission::UserRead)?;
    match state.catalog.user_by_id(id).await? {
        Some(user) if user.deleted_at.is_none() => Ok(Json(UserResponse::from(&user))),
        _ => Err(ApiError::from(messages::USER_NOT_FOUND)),
    }
}

/// Profile pictures are small: larger ones are refused rather than stored.
const MAX_PROFILE_IMAGE: usize = 20 * 1024 * 1024;

pub async fn upload_profile_image(
    State(state): State<AppState>,
    auth: Auth,
    mut multipart: Multipart,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    auth.require(Permission::UserProfileImageUpdate)?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::bad_request(format!("Invalid multipart body: {e}"))
    };
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        let extension = extension_of(&name)
            .filter(|e| {
                matches!(
                    e.as_str(),
                    ".jpg" | ".jpeg" | ".png" | ".webp" | ".heic" | ".heif"
                )
            })
            .ok_or_else(|| ApiError::bad_request(format!("Unsupported file type {name}")))?;
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            if bytes.len() + chunk.len() > MAX_PROFILE_IMAGE {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "File is too large",
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        let key = profile_image_key(auth.user.id, Uuid::new_v4(), &extension);
        state.blobs.put_bytes(&key, &bytes).await?;
        let change = UserChange {
            profile_image_path: Some(key.clone()),
            ..UserChange::default()
        };
        state.catalog.update_user(auth.user.id, &change).await?;
        if !auth.user.profile_image_path.is_empty() {
            let _ = state.blobs.delete(&auth.user.profile_image_path).await;
        }
        let user = state
            .catalog
            .user_by_id(auth.user.id)
            .await?
            .ok_or_else(|| ApiError::internal("user vanished"))?;
        return Ok((
            StatusCode::CREATED,
            Json(json!({
                "userId": user.id,
                "profileImagePath": user.profile_image_path,
                "profileChangedAt": iso(&user.profile_changed_at),
            })),
        ));
    }
    Err(ApiError::from(messages::FILE_IS_REQUIRED))
}

pub async fn delete_profile_image(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<StatusCode> {
    auth.require(Permission::UserProfileImageDelete)?;
    if auth.user.profile_image_path.is_empty() {
        return Err(ApiError::from(messages::PROFILE_IMAGE_NOT_FOUND));
    }
    let change = UserChange {
        profile_image_path: Some(String::new()),
        ..UserChange::default()
    };
    state.catalog.update_user(auth.user.id, &change).await?;
    let _ = state.blobs.delete(&auth.user.profile_image_path).await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn profile_image(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    auth.require(Permission::UserProfileImageRead)?;
    let user = state
        .catalog
        .user_by_id(id)
        .await?
        .ok_or_else(|| ApiError::from(messages::USER_NOT_FOUND))?;
    if user.profile_image_path.is_empty() {
        return Err(ApiError::from(messages::NO_PROFILE_IMAGE));
    }
    let mut blob = state.blobs.open(&user.profile_image_path, 0).await?;
    let mut bytes = Vec::with_capacity(blob.len as usize);
    blob.reader
        .read_to_end(&mut bytes)
        .await
        .map_err(ApiError::internal)?;
    let content_type = mime_type_for(&extension_of(&user.profile_image_path).unwrap_or_default());
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                "private, max-age=86400, no-transform",
            ),
        ],
        bytes,
    )
        .into_response())
}
