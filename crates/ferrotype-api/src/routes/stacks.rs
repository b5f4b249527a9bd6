//! `/api/stacks`: a user's assets shown as one under a primary (Immich's stacks). A stack is
//! its owner's alone: anyone else's id answers Immich's 400 "Not found or no stack.<action>
//! access", as a missing one does; making one needs `asset.update` on every asset. The catalog
//! keeps a stack at two assets or more (`StackRepo`). Every change is announced to the owner's
//! sockets with `on_asset_stack_update`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use ferrotype_core::access;
use ferrotype_core::catalog::Stack;
use ferrotype_core::permissions::Permission;
use ferrotype_core::stacking::{self, AutoStackSetting};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::{AssetExtras, AssetResponse, BulkIdsDto};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;

/// Immich's `StackResponseDto`: the primary first, then the others.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StackResponse {
    id: Uuid,
    primary_asset_id: Uuid,
    assets: Vec<AssetResponse>,
}

async fn stack_response(state: &AppState, stack: &Stack) -> ApiResult<StackResponse> {
    let mut assets = Vec::with_capacity(stack.asset_ids.len());
    for id in &stack.asset_ids {
        let Some(asset) = state.catalog.asset(*id).await? else {
            continue;
        };
        let exif = state.catalog.asset_exif(*id).await?;
        let tags = state.catalog.asset_tags(*id).await?;
        assets.push(AssetResponse::new(
            &asset,
            AssetExtras {
                owner: None,
                exif: exif.as_ref(),
                tags: &tags,
            },
        ));
    }
    Ok(StackResponse {
        id: stack.id,
        primary_asset_id: stack.primary_asset_id,
        assets,
    })
}

/// The stack, if it is the caller's (Immich's stack access: the owner's only).
async fn own_stack(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    permission: Permission,
) -> ApiResult<Stack> {
    match state.catalog.stack(id).await? {
        Some(stack) if stack.owner_id == auth.user.id => Ok(stack),
        _ => Err(ApiError::no_access(permission)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    primary_asset_id: Option<Uuid>,
}

/// `GET /stacks?primaryAssetId=`: the caller's stacks.
pub async fn search(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<Vec<StackResponse>>> {
    auth.require(Permission::StackRead)?;
    let stacks = state
        .catalog
        .stacks(auth.user.id, query.primary_asset_id)
        .await?;
    let mut out = Vec::with_capacity(stacks.len());
    for stack in &stacks {
        out.push(stack_response(&state, stack).await?);
    }
    Ok(Json(out))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDto {
    asset_ids: Vec<Uuid>,
}

/// `POST /stacks`: a stack of the assets under the first; stacks headed by any of them are
/// merged into it.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<CreateDto>,
) -> ApiResult<(StatusCode, Json<StackResponse>)> {
    auth.require(Permission::StackCreate)?;
    access::owned_assets(
        state.catalog.as_ref(),
        auth.actor(),
        &dto.asset_ids,
        Permission::AssetUpdate,
    )
    .await?;
    let stack = state
        .catalog
        .create_stack(auth.user.id, &dto.asset_ids)
        .await?;
    state.events.asset_stack_update(auth.user.id).await;
    Ok((
        StatusCode::CREATED,
        Json(stack_response(&state, &stack).await?),
    ))
}

/// `DELETE /stacks`: all the stacks or none (one that is not the caller's refuses all).
pub async fn delete_all(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<BulkIdsDto>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::StackDelete)?;
    for id in &dto.ids {
        own_stack(&state, &auth, *id, Permission::StackDelete).await?;
    }
    state.catalog.delete_stacks(&dto.ids).await?;
    state.events.asset_stack_update(auth.user.id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /stacks/{id}`.
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<StackResponse>> {
    auth.require(Permission::StackRead)?;
    let stack = own_stack(&state, &auth, id, Permission::StackRead).await?;
    Ok(Json(stack_response(&state, &stack).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDto {
    primary_asset_id: Option<Uuid>,
}

/// `PUT /stacks/{id}`: another primary, one of the stack's assets.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<UpdateDto>,
) -> ApiResult<Json<StackResponse>> {
    auth.require(Permission::StackUpdate)?;
    let mut stack = own_stack(&state, &auth, id, Permission::StackUpdate).await?;
    if let Some(primary) = dto.primary_asset_id {
        if !stack.asset_ids.contains(&primary) {
            return Err(messages::PRIMARY_ASSET_NOT_IN_STACK.into());
        }
        stack = state
            .catalog
            .set_stack_primary(id, primary)
            .await?
            .ok_or_else(|| ApiError::no_access(Permission::StackUpdate))?;
    }
    state.events.asset_stack_update(auth.user.id).await;
    Ok(Json(stack_response(&state, &stack).await?))
}

/// `DELETE /stacks/{id}`: the stack goes, its assets stay.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::StackDelete)?;
    own_stack(&state, &auth, id, Permission::StackDelete).await?;
    state.catalog.delete_stacks(&[id]).await?;
    state.events.asset_stack_update(auth.user.id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /stacks/{id}/assets/{assetId}`: the asset leaves the stack (not its primary); a
/// stack left with one asset is removed (Immich keeps it).
pub async fn remove_asset(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, asset_id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::StackUpdate)?;
    let stack = own_stack(&state, &auth, id, Permission::StackUpdate).await?;
    let in_stack = state
        .catalog
        .asset(asset_id)
        .await?
        .is_some_and(|a| a.stack_id == Some(id));
    if !in_stack {
        return Err(messages::ASSET_NOT_IN_STACK.into());
    }
    if stack.primary_asset_id == asset_id {
        return Err(messages::CANNOT_REMOVE_STACK_PRIMARY.into());
    }
    state.catalog.leave_stack(asset_id).await?;
    state.events.asset_stack_update(auth.user.id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/ferrotype/auto-stack` (ours, not Immich's): whether the caller's new images are
/// stacked automatically (`ferrotype_core::stacking`).
pub async fn auto_stack_setting(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<AutoStackSetting>> {
    auth.require(Permission::UserPreferenceRead)?;
    let enabled = stacking::enabled(state.catalog.as_ref(), auth.user.id).await?;
    Ok(Json(AutoStackSetting { enabled }))
}

/// `PUT /api/ferrotype/auto-stack {enabled}`: turns automatic stacking on or off for the
/// caller's images to come.
pub async fn set_auto_stack_setting(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(setting): ApiJson<AutoStackSetting>,
) -> ApiResult<Json<AutoStackSetting>> {
    auth.require(Permission::UserPreferenceUpdate)?;
    let value = serde_json::to_value(setting).map_err(ApiError::internal)?;
    state
        .catalog
        .set_user_metadata(auth.user.id, stacking::SETTING_KEY, &value)
        .await?;
    Ok(Json(setting))
}
