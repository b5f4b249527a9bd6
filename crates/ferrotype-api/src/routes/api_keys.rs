//! `/api/api-keys*`: keys for scripts and the CLI, each with a list of permissions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use ferrotype_core::accounts;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::ApiKeyResponse;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;
use ferrotype_core::permissions::Permission;

#[derive(Deserialize)]
pub struct CreateDto {
    name: Option<String>,
    permissions: Vec<Permission>,
}

#[derive(Deserialize)]
pub struct UpdateDto {
    name: Option<String>,
    permissions: Option<Vec<Permission>>,
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<CreateDto>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    auth.require(Permission::ApiKeyCreate)?;
    let granter = auth.api_key().map(|k| k.permissions.as_slice());
    let name = dto.name.unwrap_or_else(|| "API Key".to_string());
    let (key, secret) = accounts::create_api_key(
        state.catalog.as_ref(),
        auth.user.id,
        &name,
        dto.permissions,
        granter,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "secret": secret, "apiKey": ApiKeyResponse::from(&key) })),
    ))
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<ApiKeyResponse>>> {
    auth.require(Permission::ApiKeyRead)?;
    let keys = state.catalog.api_keys_of(auth.user.id).await?;
    Ok(Json(keys.iter().map(ApiKeyResponse::from).collect()))
}

/// The key the request came with. Any valid key may ask, whatever its permissions.
pub async fn me(auth: Auth) -> ApiResult<Json<ApiKeyResponse>> {
    match auth.api_key() {
        Some(key) => Ok(Json(ApiKeyResponse::from(key))),
        None => Err(ApiError::from(messages::NOT_AUTHENTICATED_WITH_AN_API_KEY)),
    }
}

fn not_found() -> ApiError {
    ApiError::from(messages::API_KEY_NOT_FOUND)
}

pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ApiKeyResponse>> {
    auth.require(Permission::ApiKeyRead)?;
    let key = state
        .catalog
        .api_key(auth.user.id, id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(ApiKeyResponse::from(&key)))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<UpdateDto>,
) -> ApiResult<Json<ApiKeyResponse>> {
    auth.require(Permission::ApiKeyUpdate)?;
    let mut key = state
        .catalog
        .api_key(auth.user.id, id)
        .await?
        .ok_or_else(not_found)?;
    if let Some(name) = dto.name {
        key.name = name;
    }
    if let Some(permissions) = dto.permissions {
        if let Some(held) = auth.api_key().map(|k| &k.permissions)
            && !ferrotype_core::permissions::can_grant(held, &permissions)
        {
            return Err(accounts::AccountError::CannotGrant.into());
        }
        key.permissions = permissions;
    }
    key.updated_at = Utc::now();
    state.catalog.update_api_key(&key).await?;
    Ok(Json(ApiKeyResponse::from(&key)))
}

pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::ApiKeyDelete)?;
    if state.catalog.delete_api_key(auth.user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found())
    }
}
