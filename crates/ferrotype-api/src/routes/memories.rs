//! `/api/memories`: a user's memories ("on this day" N years ago, made by the daily
//! `MemoryGenerate` job, or made by hand), as Immich serves them. A memory is its owner's alone:
//! anyone else's id (or a missing one) answers Immich's 400 "Not found or no memory.<action>
//! access". Assets are put in a memory only where the caller may share them (`asset.share`:
//! their own, or a partner's they see); listed are only those on the timeline and not in the
//! trash.

use std::collections::HashSet;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use ferrotype_core::access::{self, AssetAccess, Refused};
use ferrotype_core::catalog::memories::day_start;
use ferrotype_core::catalog::{Memory, MemoryChange, MemoryOrder, MemorySearch, NewMemory};
use ferrotype_core::permissions::Permission;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::{BulkIdResponse, BulkIdsDto, iso, sort_additions, sort_removals};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::routes::notifications::parse_instant;
use crate::routes::search;

/// `MemoryResponseDto`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryResponse {
    id: Uuid,
    created_at: String,
    updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_at: Option<String>,
    memory_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    seen_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    show_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hide_at: Option<String>,
    owner_id: Uuid,
    #[serde(rename = "type")]
    kind: String,
    data: Value,
    is_saved: bool,
    /// `AssetResponseDto`s without EXIF (Immich reads a memory's assets without it).
    assets: Vec<Value>,
}

async fn respond(state: &AppState, m: &Memory) -> ApiResult<MemoryResponse> {
    Ok(MemoryResponse {
        id: m.id,
        created_at: iso(&m.created_at),
        updated_at: iso(&m.updated_at),
        deleted_at: m.deleted_at.as_ref().map(iso),
        memory_at: iso(&m.memory_at),
        seen_at: m.seen_at.as_ref().map(iso),
        show_at: m.show_at.as_ref().map(iso),
        hide_at: m.hide_at.as_ref().map(iso),
        owner_id: m.owner_id,
        kind: m.kind.clone(),
        data: m.data.clone(),
        is_saved: m.is_saved,
        assets: search::respond(state, &m.assets, false).await?,
    })
}

/// The memory, if it is the caller's (Immich's memory access: the owner's, not deleted).
async fn own_memory(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    permission: Permission,
) -> ApiResult<Memory> {
    match state.catalog.memory(id).await? {
        Some(memory) if memory.owner_id == auth.user.id => Ok(memory),
        _ => Err(ApiError::no_access(permission)),
    }
}

/// Whether the caller may share `asset` (a refused, missing or hidden one is simply `false`).
async fn may_share(state: &AppState, auth: &Auth, asset: Uuid) -> ApiResult<bool> {
    let access = AssetAccess::Change(Permission::AssetShare);
    match access::asset(state.catalog.as_ref(), auth.actor(), asset, access).await {
        Ok(_) => Ok(true),
        Err(Refused::Catalog(e)) => Err(e.into()),
        Err(Refused::NoAccess(_) | Refused::Forbidden) => Ok(false),
    }
}

/// `MemorySearchDto` (the contract has checked each parameter's form).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    #[serde(rename = "for")]
    for_date: Option<String>,
    is_saved: Option<bool>,
    is_trashed: Option<bool>,
    #[serde(rename = "type")]
    kind: Option<String>,
    order: Option<String>,
    size: Option<u64>,
}

impl SearchQuery {
    fn search(&self, owner_id: Uuid) -> ApiResult<MemorySearch> {
        // Immich's `for` is a date, read as its midnight UTC.
        let shown_at = self
            .for_date
            .as_deref()
            .map(|d| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map(day_start)
                    .map_err(|_| ApiError::bad_request("for must be a valid ISO 8601 date"))
            })
            .transpose()?;
        Ok(MemorySearch {
            owner_id,
            shown_at,
            is_saved: self.is_saved,
            trashed: self.is_trashed.unwrap_or(false),
            kind: self.kind.clone(),
            order: match self.order.as_deref() {
                Some("asc") => MemoryOrder::Asc,
                Some("random") => MemoryOrder::Random,
                _ => MemoryOrder::Desc,
            },
            size: self.size,
        })
    }
}

/// `GET /memories`: the caller's memories that match and show at least one asset, newest
/// `memoryAt` first unless `order` says otherwise.
pub async fn search(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<Vec<MemoryResponse>>> {
    auth.require(Permission::MemoryRead)?;
    let memories = state.catalog.memories(&query.search(auth.user.id)?).await?;
    let mut out = Vec::with_capacity(memories.len());
    // As Immich: `size` counts before the empty ones are left out.
    for memory in memories.iter().filter(|m| !m.assets.is_empty()) {
        out.push(respond(&state, memory).await?);
    }
    Ok(Json(out))
}

#[derive(Serialize)]
pub struct StatisticsResponse {
    total: u64,
}

/// `GET /memories/statistics`: how many of the caller's memories match (empty ones too).
pub async fn statistics(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<StatisticsResponse>> {
    auth.require(Permission::MemoryStatistics)?;
    let total = state
        .catalog
        .memory_count(&query.search(auth.user.id)?)
        .await?;
    Ok(Json(StatisticsResponse { total }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDto {
    #[serde(rename = "type")]
    kind: String,
    data: Value,
    memory_at: String,
    asset_ids: Option<Vec<Uuid>>,
    is_saved: Option<bool>,
    seen_at: Option<String>,
    show_at: Option<String>,
    hide_at: Option<String>,
}

fn instant(name: &str, value: Option<&str>) -> ApiResult<Option<ferrotype_core::model::Timestamp>> {
    value.map(|v| parse_instant(name, v)).transpose()
}

/// `POST /memories`: 201 with the memory. Assets the caller may not share are left out
/// silently, as Immich does.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<CreateDto>,
) -> ApiResult<(StatusCode, Json<MemoryResponse>)> {
    auth.require(Permission::MemoryCreate)?;
    let mut seen = HashSet::new();
    let mut allowed = Vec::new();
    for asset in dto.asset_ids.unwrap_or_default() {
        if seen.insert(asset) && may_share(&state, &auth, asset).await? {
            allowed.push(asset);
        }
    }
    let memory = NewMemory {
        owner_id: auth.user.id,
        kind: dto.kind,
        // The contract has checked `OnThisDayDto` ({year}); only its fields are kept.
        data: json!({ "year": dto.data["year"] }),
        is_saved: dto.is_saved.unwrap_or(false),
        memory_at: parse_instant("memoryAt", &dto.memory_at)?,
        seen_at: instant("seenAt", dto.seen_at.as_deref())?,
        show_at: instant("showAt", dto.show_at.as_deref())?,
        hide_at: instant("hideAt", dto.hide_at.as_deref())?,
    };
    let made = state.catalog.create_memory(&memory, &allowed).await?;
    Ok((StatusCode::CREATED, Json(respond(&state, &made).await?)))
}

/// `GET /memories/{id}`.
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<MemoryResponse>> {
    auth.require(Permission::MemoryRead)?;
    let memory = own_memory(&state, &auth, id, Permission::MemoryRead).await?;
    Ok(Json(respond(&state, &memory).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDto {
    is_saved: Option<bool>,
    seen_at: Option<String>,
    memory_at: Option<String>,
}

/// `PUT /memories/{id}`: saved, seen, or moved in time; at least one of them.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<UpdateDto>,
) -> ApiResult<Json<MemoryResponse>> {
    auth.require(Permission::MemoryUpdate)?;
    // zod's `nonEmptyPartial` refinement, which the schema cannot state.
    if dto.is_saved.is_none() && dto.seen_at.is_none() && dto.memory_at.is_none() {
        return Err(ApiError::validation(json!([{
            "code": "custom",
            "path": [],
            "message": "At least one of the following fields is required: isSaved, seenAt, memoryAt",
        }])));
    }
    own_memory(&state, &auth, id, Permission::MemoryUpdate).await?;
    let change = MemoryChange {
        is_saved: dto.is_saved,
        seen_at: instant("seenAt", dto.seen_at.as_deref())?,
        memory_at: instant("memoryAt", dto.memory_at.as_deref())?,
    };
    let memory = state
        .catalog
        .update_memory(id, &change)
        .await?
        .ok_or_else(|| ApiError::bad_request("Memory not found"))?;
    Ok(Json(respond(&state, &memory).await?))
}

/// `DELETE /memories/{id}`.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::MemoryDelete)?;
    own_memory(&state, &auth, id, Permission::MemoryDelete).await?;
    state.catalog.delete_memory(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /memories/{id}/assets`: one result per id given: `duplicate` when the asset is in the
/// memory already (or the id came earlier), `no_permission` for one the caller may not share.
/// Immich checks `memory.read` on the memory here.
pub async fn add_assets(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<BulkIdsDto>,
) -> ApiResult<Json<Vec<BulkIdResponse>>> {
    auth.require(Permission::MemoryAssetCreate)?;
    own_memory(&state, &auth, id, Permission::MemoryRead).await?;
    let present = state.catalog.memory_asset_ids(id, &dto.ids).await?;
    let (results, added) = sort_additions(dto.ids, present.into_iter().collect(), |asset| {
        may_share(&state, &auth, asset)
    })
    .await?;
    if !added.is_empty() {
        state.catalog.add_memory_assets(id, &added).await?;
    }
    Ok(Json(results))
}

/// `DELETE /memories/{id}/assets`: one result per id given: `not_found` when the asset is not
/// in the memory (or the id came earlier). The owner may take any asset out (Immich's
/// `memory.delete` access on the memory).
pub async fn remove_assets(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<BulkIdsDto>,
) -> ApiResult<Json<Vec<BulkIdResponse>>> {
    auth.require(Permission::MemoryAssetDelete)?;
    own_memory(&state, &auth, id, Permission::MemoryUpdate).await?;
    let present = state.catalog.memory_asset_ids(id, &dto.ids).await?;
    let (results, removed) = sort_removals(dto.ids, present.into_iter().collect());
    if !removed.is_empty() {
        state.catalog.remove_memory_assets(id, &removed).await?;
    }
    Ok(Json(results))
}
