//! `/api/tags`: a user's tags, a tree of keywords (`a/b/c`), with colours, and the assets they
//! are on. A tag is its owner's alone: anyone else's id answers Immich's 400 "Not found or no
//! tag.<action> access", as a missing one does. Tags put on or taken off assets lock the
//! assets' tags (the catalog's `tag_assets`), so reading the file's keywords again keeps them,
//! and queue the writing of their XMP sidecars (`SidecarWrite`), as Immich does.

use std::collections::HashSet;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ferrotype_core::access::{self, AssetAccess, Refused};
use ferrotype_core::catalog::CatalogError;
use ferrotype_core::jobs::NewJob;
use ferrotype_core::jobs::payloads::SidecarWriteJob;
use ferrotype_core::model::Tag;
use ferrotype_core::permissions::Permission;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::{BulkIdResponse, BulkIdsDto, TagResponse, sort_additions, sort_removals};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;

/// A colour as Immich stores it: `#` first (the contract has checked the hex digits).
fn hex_color(color: Option<String>) -> Option<String> {
    color.map(|c| {
        if c.starts_with('#') {
            c
        } else {
            format!("#{c}")
        }
    })
}

/// The tag, if it is the caller's (Immich's tag access: the owner's only).
async fn own_tag(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    permission: Permission,
) -> ApiResult<Tag> {
    match state.catalog.tag(id).await? {
        Some(tag) if tag.user_id == auth.user.id => Ok(tag),
        _ => Err(ApiError::no_access(permission)),
    }
}

/// Whether the caller may change `asset` with `permission` (an asset refused, missing or not
/// theirs is simply `false`; the API key's scope is the tag route's, checked already).
async fn may_change_asset(
    state: &AppState,
    auth: &Auth,
    asset: Uuid,
    permission: Permission,
) -> ApiResult<bool> {
    let access = AssetAccess::Change(permission);
    match access::asset(state.catalog.as_ref(), auth.actor(), asset, access).await {
        Ok(_) => Ok(true),
        Err(Refused::Catalog(e)) => Err(e.into()),
        Err(Refused::NoAccess(_) | Refused::Forbidden) => Ok(false),
    }
}

/// Queues the writing of the assets' tags into their sidecars (once per asset while waiting).
async fn write_sidecars(state: &AppState, assets: impl IntoIterator<Item = Uuid>) -> ApiResult<()> {
    let mut seen = HashSet::new();
    let jobs: Vec<NewJob> = assets
        .into_iter()
        .filter(|a| seen.insert(*a))
        .map(|a| NewJob::of(&SidecarWriteJob::new(a)))
        .collect();
    if !jobs.is_empty() {
        state.catalog.enqueue_jobs(&jobs).await?;
    }
    Ok(())
}

/// `GET /tags`: the caller's tags, by value.
pub async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<TagResponse>>> {
    auth.require(Permission::TagRead)?;
    let tags = state.catalog.tags_of(auth.user.id).await?;
    Ok(Json(tags.iter().map(TagResponse::from).collect()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDto {
    name: String,
    parent_id: Option<Uuid>,
    color: Option<String>,
}

/// `POST /tags`: a tag named `name`, under one of the caller's tags when `parentId` says.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<CreateDto>,
) -> ApiResult<(StatusCode, Json<TagResponse>)> {
    auth.require(Permission::TagCreate)?;
    if let Some(parent) = dto.parent_id {
        own_tag(&state, &auth, parent, Permission::TagRead).await?;
    }
    let color = hex_color(dto.color);
    let tag = match state
        .catalog
        .create_tag(auth.user.id, &dto.name, dto.parent_id, color.as_deref())
        .await
    {
        Ok(tag) => tag,
        Err(CatalogError::Conflict(_)) => return Err(messages::TAG_ALREADY_EXISTS.into()),
        // The parent went in the meantime.
        Err(CatalogError::NotFound(_)) => return Err(messages::TAG_NOT_FOUND.into()),
        Err(e) => return Err(e.into()),
    };
    Ok((StatusCode::CREATED, Json(TagResponse::from(&tag))))
}

#[derive(Deserialize)]
pub struct UpsertDto {
    tags: Vec<String>,
}

/// `PUT /tags`: each path's tag, with the levels above it, made where missing.
pub async fn upsert(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<UpsertDto>,
) -> ApiResult<Json<Vec<TagResponse>>> {
    auth.require(Permission::TagCreate)?;
    let tags = state
        .catalog
        .upsert_tag_paths(auth.user.id, &dto.tags)
        .await?;
    Ok(Json(tags.iter().map(TagResponse::from).collect()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkAssetsDto {
    tag_ids: Vec<Uuid>,
    asset_ids: Vec<Uuid>,
}

#[derive(Serialize)]
pub struct BulkAssetsResponse {
    count: usize,
}

/// `PUT /tags/assets`: every tag of the caller's among `tagIds` on every asset of theirs among
/// `assetIds`; the others are skipped. `count` is the pairs that were not there yet.
pub async fn bulk_tag_assets(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<BulkAssetsDto>,
) -> ApiResult<Json<BulkAssetsResponse>> {
    auth.require(Permission::TagAsset)?;
    let mut tags = Vec::new();
    for id in dto.tag_ids.iter().collect::<HashSet<_>>() {
        if state
            .catalog
            .tag(*id)
            .await?
            .is_some_and(|t| t.user_id == auth.user.id)
        {
            tags.push(*id);
        }
    }
    let mut assets = Vec::new();
    for id in dto.asset_ids.iter().collect::<HashSet<_>>() {
        if may_change_asset(&state, &auth, *id, Permission::AssetUpdate).await? {
            assets.push(*id);
        }
    }
    let pairs: Vec<(Uuid, Uuid)> = tags
        .iter()
        .flat_map(|tag| assets.iter().map(move |asset| (*tag, *asset)))
        .collect();
    let made = state.catalog.tag_assets(&pairs).await?;
    write_sidecars(&state, made.iter().map(|(_, asset)| *asset)).await?;
    Ok(Json(BulkAssetsResponse { count: made.len() }))
}

/// `GET /tags/{id}`.
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<TagResponse>> {
    auth.require(Permission::TagRead)?;
    let tag = own_tag(&state, &auth, id, Permission::TagRead).await?;
    Ok(Json(TagResponse::from(&tag)))
}

/// A JSON field that may be absent (keep), null (clear) or a value.
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
pub struct UpdateDto {
    #[serde(default, deserialize_with = "nullable")]
    color: Option<Option<String>>,
}

/// `PUT /tags/{id}` (and `PATCH`): the colour, set or cleared with `null`.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<UpdateDto>,
) -> ApiResult<Json<TagResponse>> {
    auth.require(Permission::TagUpdate)?;
    let tag = own_tag(&state, &auth, id, Permission::TagUpdate).await?;
    let tag = match dto.color {
        Some(color) => state
            .catalog
            .set_tag_color(id, hex_color(color).as_deref())
            .await?
            .ok_or_else(|| ApiError::no_access(Permission::TagUpdate))?,
        None => tag,
    };
    Ok(Json(TagResponse::from(&tag)))
}

/// `DELETE /tags/{id}`: the tag and every tag below it.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::TagDelete)?;
    own_tag(&state, &auth, id, Permission::TagDelete).await?;
    state.catalog.delete_tag(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /tags/{id}/assets`: the tag on each asset, one result per id given: `duplicate` when it
/// is there already (or the id came earlier), `no_permission` for an asset the caller may not
/// share (Immich's `asset.share`: their own, or a partner's they see).
pub async fn tag_assets(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<BulkIdsDto>,
) -> ApiResult<Json<Vec<BulkIdResponse>>> {
    auth.require(Permission::TagAsset)?;
    own_tag(&state, &auth, id, Permission::TagAsset).await?;
    let present = state.catalog.tagged_assets(id, &dto.ids).await?;
    let (results, added) = sort_additions(dto.ids, present.into_iter().collect(), |asset| {
        may_change_asset(&state, &auth, asset, Permission::AssetShare)
    })
    .await?;
    if !added.is_empty() {
        let pairs: Vec<(Uuid, Uuid)> = added.iter().map(|asset| (id, *asset)).collect();
        state.catalog.tag_assets(&pairs).await?;
        write_sidecars(&state, added).await?;
    }
    Ok(Json(results))
}

/// `DELETE /tags/{id}/assets`: the tag off each asset, one result per id given: `not_found`
/// when the tag is not on it (or the id came earlier). The tag's owner may take it off any
/// asset (Immich's `tag.delete` access on the tag).
pub async fn untag_assets(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<BulkIdsDto>,
) -> ApiResult<Json<Vec<BulkIdResponse>>> {
    auth.require(Permission::TagAsset)?;
    own_tag(&state, &auth, id, Permission::TagAsset).await?;
    let present = state.catalog.tagged_assets(id, &dto.ids).await?;
    let (results, removed) = sort_removals(dto.ids, present.into_iter().collect());
    if !removed.is_empty() {
        let untagged = state.catalog.untag_assets(id, &removed).await?;
        write_sidecars(&state, untagged).await?;
    }
    Ok(Json(results))
}
