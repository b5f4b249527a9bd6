//! `/api/albums*`: albums, shared with other users as editors (who add and remove assets) or
//! viewers. The owner alone shares, changes roles and removes others; a member may leave.

use ferrotype_core::permissions::Permission;
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::Utc;
use ferrotype_core::access::{self, Standing};
use ferrotype_core::model::{
    Album, AlbumAddResult, AlbumChange, AlbumRemoveResult, AlbumRole, AlbumSummary,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::{AlbumResponse, BulkIdResponse, BulkIdsDto};
use crate::error::{ApiError, ApiResult};
use crate::events::album_users;
use crate::json::ApiJson;
use crate::messages;
use crate::routes::notifications;
use crate::routes::query::{bool_param, uuid_param};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAlbumDto {
    album_name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    asset_ids: Vec<Uuid>,
    #[serde(default)]
    album_users: Vec<AlbumUserDto>,
}

/// `AlbumUserAddDto` and `AlbumUserCreateDto`: a user and their role (editor by default).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbumUserDto {
    user_id: Uuid,
    #[serde(default)]
    role: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddUsersDto {
    album_users: Vec<AlbumUserDto>,
}

#[derive(Deserialize)]
pub struct UpdateAlbumUserDto {
    role: String,
}

fn parse_role(role: Option<&str>) -> ApiResult<AlbumRole> {
    match role {
        None => Ok(AlbumRole::Editor),
        Some(r) => {
            AlbumRole::parse(r).ok_or_else(|| ApiError::from(messages::ROLE_NOT_EDITOR_OR_VIEWER))
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<AlbumResponse>>> {
    auth.require(Permission::AlbumRead)?;
    let respond = |albums: Vec<AlbumSummary>, keep: &dyn Fn(&AlbumSummary) -> bool| {
        Json(
            albums
                .iter()
                .filter(|s| keep(s))
                .map(AlbumResponse::new)
                .collect(),
        )
    };
    // `assetId` narrows to the albums holding that asset; the spec says other filters are then
    // ignored.
    if let Some(asset) = uuid_param(&query, "assetId")? {
        let albums = state.catalog.albums_of(auth.user.id, Some(asset)).await?;
        return Ok(respond(albums, &|_| true));
    }
    let (owned, shared) = (
        bool_param(&query, "isOwned")?,
        bool_param(&query, "isShared")?,
    );
    let albums = state.catalog.albums_of(auth.user.id, None).await?;
    let wanted_name = query.get("name");
    let wanted_id = query.get("id");
    let me = auth.user.id;
    Ok(respond(albums, &|s| {
        wanted_name.is_none_or(|n| &s.album.name == n)
            && wanted_id.is_none_or(|id| s.album.id.to_string() == *id)
            && owned.is_none_or(|o| (s.album.owner_id == me) == o)
            && shared.is_none_or(|sh| s.is_shared() == sh)
    }))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<CreateAlbumDto>,
) -> ApiResult<(StatusCode, Json<AlbumResponse>)> {
    auth.require(Permission::AlbumCreate)?;
    let members = members_to_add(&state, auth.user.id, &dto.album_users, &[]).await?;
    let now = Utc::now();
    let album = Album {
        id: Uuid::new_v4(),
        owner_id: auth.user.id,
        name: dto.album_name,
        description: dto.description,
        thumbnail_asset_id: None,
        is_activity_enabled: true,
        order: "desc".to_string(),
        created_at: now,
        updated_at: now,
    };
    state.catalog.create_album(&album).await?;
    if !members.is_empty() && !state.catalog.add_album_members(album.id, &members).await? {
        return Err(ApiError::from(messages::USER_ALREADY_ADDED));
    }
    for (member, _) in &members {
        notifications::album_invite(&state, &album, *member, &auth.user.name).await;
    }
    if !dto.asset_ids.is_empty() {
        // As in Immich, ids the user may not add are left out silently.
        state
            .catalog
            .add_album_assets(album.id, auth.user.id, &dto.asset_ids)
            .await?;
    }
    let summary = state
        .catalog
        .album(album.id)
        .await?
        .ok_or_else(|| ApiError::internal("album vanished after creation"))?;
    Ok((StatusCode::CREATED, Json(AlbumResponse::new(&summary))))
}

/// The album and `auth`'s standing in it, if `allowed` accepts that standing
/// (`ferrotype_core::access::album`); Immich's 400 ("Not found or no <access> access") otherwise,
/// the same for an album that does not exist. `access` is Immich's access check (owners and
/// editors may `album.share`), not the API key's permission, which the contract layer checked.
async fn album_for(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    permission: Permission,
    allowed: fn(Standing) -> bool,
) -> ApiResult<(AlbumSummary, Standing)> {
    Ok(access::album(
        state.catalog.as_ref(),
        auth.actor(),
        id,
        permission,
        allowed,
    )
    .await?)
}

/// The album, if `auth` may read it (owner, member, or a link to it).
pub async fn readable_album(state: &AppState, auth: &Auth, id: Uuid) -> ApiResult<AlbumSummary> {
    Ok(album_for(state, auth, id, Permission::AlbumRead, anyone)
        .await?
        .0)
}

fn anyone(_: Standing) -> bool {
    true
}

fn owner_only(standing: Standing) -> bool {
    standing == Standing::Owner
}

fn owner_or_editor(standing: Standing) -> bool {
    standing.edits()
}

/// The users an album is to be shared with, less the owner and those `already` in it (both
/// skipped, as Immich does); each must exist.
async fn members_to_add(
    state: &AppState,
    owner: Uuid,
    users: &[AlbumUserDto],
    already: &[Uuid],
) -> ApiResult<Vec<(Uuid, AlbumRole)>> {
    let mut members: Vec<(Uuid, AlbumRole)> = Vec::new();
    for u in users {
        if u.role.as_deref() == Some("owner") {
            return Err(ApiError::from(messages::CANNOT_ADD_ANOTHER_OWNER));
        }
        if u.user_id == owner
            || already.contains(&u.user_id)
            || members.iter().any(|(id, _)| *id == u.user_id)
        {
            continue;
        }
        match state.catalog.user_by_id(u.user_id).await? {
            Some(user) if user.deleted_at.is_none() => {}
            _ => return Err(ApiError::from(messages::INVALID_USER)),
        }
        members.push((u.user_id, parse_role(u.role.as_deref())?));
    }
    Ok(members)
}

pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<AlbumResponse>> {
    let (summary, _) = album_for(&state, &auth, id, Permission::AlbumRead, anyone).await?;
    let mut response = AlbumResponse::new(&summary);
    if summary.is_shared() {
        let counts = state.catalog.album_contributor_counts(id).await?;
        response.contributor_counts = Some(
            counts
                .into_iter()
                .map(|(user, n)| serde_json::json!({ "userId": user, "assetCount": n }))
                .collect(),
        );
    }
    Ok(Json(response))
}

/// `PUT /albums/{id}/users`: the owner or an editor shares the album.
pub async fn add_users(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<AddUsersDto>,
) -> ApiResult<Json<AlbumResponse>> {
    let (summary, _) =
        album_for(&state, &auth, id, Permission::AlbumShare, owner_or_editor).await?;
    let already: Vec<Uuid> = summary.members.iter().map(|m| m.user.id).collect();
    let members =
        members_to_add(&state, summary.album.owner_id, &dto.album_users, &already).await?;
    if !members.is_empty() && !state.catalog.add_album_members(id, &members).await? {
        return Err(ApiError::from(messages::USER_ALREADY_ADDED));
    }
    for (member, _) in &members {
        notifications::album_invite(&state, &summary.album, *member, &auth.user.name).await;
    }
    let summary = state
        .catalog
        .album(id)
        .await?
        .ok_or_else(|| ApiError::no_access(Permission::AlbumUserCreate))?;
    Ok(Json(AlbumResponse::new(&summary)))
}

/// The `userId` path segment: a UUID, or `me`.
fn member_id(auth: &Auth, user_id: &str) -> ApiResult<Uuid> {
    if user_id == "me" {
        return Ok(auth.user.id);
    }
    Uuid::parse_str(user_id).map_err(|_| ApiError::from(messages::USER_ID_NOT_UUID_OR_ME))
}

/// `DELETE /albums/{id}/user/{userId}`: the owner removes a member, or a member leaves.
pub async fn remove_user(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, user_id)): Path<(Uuid, String)>,
) -> ApiResult<StatusCode> {
    let user_id = member_id(&auth, &user_id)?;
    let (summary, standing) =
        album_for(&state, &auth, id, Permission::AlbumUserDelete, anyone).await?;
    if user_id == summary.album.owner_id {
        return Err(ApiError::from(messages::CANNOT_REMOVE_ALBUM_OWNER));
    }
    if !owner_or_editor(standing) && user_id != auth.user.id {
        return Err(ApiError::no_access(Permission::AlbumShare));
    }
    if !state.catalog.remove_album_member(id, user_id).await? {
        return Err(ApiError::from(messages::ALBUM_NOT_SHARED_WITH_USER));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /albums/{id}/user/{userId}`: the owner or an editor changes a member's role.
pub async fn update_user(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, user_id)): Path<(Uuid, String)>,
    ApiJson(dto): ApiJson<UpdateAlbumUserDto>,
) -> ApiResult<StatusCode> {
    let user_id = member_id(&auth, &user_id)?;
    let (summary, _) =
        album_for(&state, &auth, id, Permission::AlbumShare, owner_or_editor).await?;
    if user_id == summary.album.owner_id {
        return Err(ApiError::from(messages::USER_IS_OWNER));
    }
    let role = parse_role(Some(&dto.role))?;
    if !state
        .catalog
        .set_album_member_role(id, user_id, role)
        .await?
    {
        return Err(ApiError::from(messages::ALBUM_NOT_SHARED_WITH_USER));
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn add_assets(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<BulkIdsDto>,
) -> ApiResult<Json<Vec<BulkIdResponse>>> {
    let (album, _) = album_for(
        &state,
        &auth,
        id,
        Permission::AlbumAssetCreate,
        owner_or_editor,
    )
    .await?;
    let results = state
        .catalog
        .add_album_assets(id, auth.user.id, &dto.ids)
        .await?;
    if results
        .iter()
        .any(|(_, r)| matches!(r, AlbumAddResult::Added))
    {
        state.events.album_update(id, album_users(&album)).await;
        let others = album_users(&album)
            .into_iter()
            .filter(|u| *u != auth.user.id);
        notifications::album_updated(&state, id, others).await;
    }
    Ok(Json(
        results
            .into_iter()
            .map(|(id, result)| {
                BulkIdResponse::of(
                    id,
                    match result {
                        AlbumAddResult::Added => None,
                        AlbumAddResult::AlreadyThere => Some("duplicate"),
                        AlbumAddResult::NoPermission => Some("no_permission"),
                    },
                )
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAlbumDto {
    album_name: Option<String>,
    description: Option<String>,
    album_thumbnail_asset_id: Option<Uuid>,
    is_activity_enabled: Option<bool>,
    order: Option<String>,
}

/// `PATCH /albums/{id}`: the owner or an editor renames, describes, picks the cover and the order.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<UpdateAlbumDto>,
) -> ApiResult<Json<AlbumResponse>> {
    album_for(&state, &auth, id, Permission::AlbumUpdate, owner_or_editor).await?;
    if let Some(order) = &dto.order
        && order != "asc"
        && order != "desc"
    {
        return Err(ApiError::from(messages::ORDER_NOT_ASC_OR_DESC));
    }
    if let Some(cover) = dto.album_thumbnail_asset_id
        && !state.catalog.album_contains(id, cover).await?
    {
        return Err(ApiError::from(messages::INVALID_ALBUM_THUMBNAIL));
    }
    let change = AlbumChange {
        name: dto.album_name,
        description: dto.description,
        thumbnail_asset_id: dto.album_thumbnail_asset_id,
        is_activity_enabled: dto.is_activity_enabled,
        order: dto.order,
    };
    state.catalog.update_album(id, &change).await?;
    let summary = state
        .catalog
        .album(id)
        .await?
        .ok_or_else(|| ApiError::no_access(Permission::AlbumUpdate))?;
    Ok(Json(AlbumResponse::new(&summary)))
}

/// `DELETE /albums/{id}`: the owner deletes the album; its assets stay.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    album_for(&state, &auth, id, Permission::AlbumDelete, owner_only).await?;
    state.catalog.delete_album(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /albums/{id}/assets`: the owner removes anything; an editor only their own assets.
pub async fn remove_assets(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<BulkIdsDto>,
) -> ApiResult<Json<Vec<BulkIdResponse>>> {
    let (album, standing) = album_for(
        &state,
        &auth,
        id,
        Permission::AlbumAssetDelete,
        owner_or_editor,
    )
    .await?;
    let results = state
        .catalog
        .remove_album_assets(id, auth.user.id, standing == Standing::Owner, &dto.ids)
        .await?;
    if results
        .iter()
        .any(|(_, r)| matches!(r, AlbumRemoveResult::Removed))
    {
        state.events.album_update(id, album_users(&album)).await;
    }
    Ok(Json(
        results
            .into_iter()
            .map(|(id, result)| {
                BulkIdResponse::of(
                    id,
                    match result {
                        AlbumRemoveResult::Removed => None,
                        AlbumRemoveResult::NotInAlbum => Some("not_found"),
                        AlbumRemoveResult::NoPermission => Some("no_permission"),
                    },
                )
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbumsAddAssetsDto {
    album_ids: Vec<Uuid>,
    asset_ids: Vec<Uuid>,
}

/// `PUT /albums/assets`: the same assets into several albums; success when at least one asset
/// went into at least one album (Immich's `AlbumsAddAssetsResponseDto`).
pub async fn add_assets_to_albums(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<AlbumsAddAssetsDto>,
) -> ApiResult<Json<serde_json::Value>> {
    let mut added = false;
    let mut error = None;
    for album in &dto.album_ids {
        let Ok((summary, _)) = album_for(
            &state,
            &auth,
            *album,
            Permission::AlbumAssetCreate,
            owner_or_editor,
        )
        .await
        else {
            error = Some("no_permission");
            continue;
        };
        let results = state
            .catalog
            .add_album_assets(*album, auth.user.id, &dto.asset_ids)
            .await?;
        if results
            .iter()
            .any(|(_, r)| matches!(r, AlbumAddResult::Added))
        {
            state
                .events
                .album_update(*album, album_users(&summary))
                .await;
            let others = album_users(&summary)
                .into_iter()
                .filter(|u| *u != auth.user.id);
            notifications::album_updated(&state, *album, others).await;
        }
        for (_, result) in results {
            match result {
                AlbumAddResult::Added => added = true,
                AlbumAddResult::AlreadyThere => {
                    error.get_or_insert("duplicate");
                }
                AlbumAddResult::NoPermission => error = Some("no_permission"),
            }
        }
    }
    Ok(Json(if added {
        serde_json::json!({ "success": true })
    } else {
        serde_json::json!({ "success": false, "error": error.unwrap_or("unknown") })
    }))
}

/// `GET /albums/statistics`: owned, shared (owned or not) and not shared albums.
pub async fn statistics(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<serde_json::Value>> {
    auth.require(Permission::AlbumStatistics)?;
    let albums = state.catalog.albums_of(auth.user.id, None).await?;
    let owned = albums
        .iter()
        .filter(|s| s.album.owner_id == auth.user.id)
        .count();
    let shared = albums.iter().filter(|s| s.is_shared()).count();
    let not_shared = albums
        .iter()
        .filter(|s| s.album.owner_id == auth.user.id && !s.is_shared())
        .count();
    Ok(Json(serde_json::json!({
        "owned": owned,
        "shared": shared,
        "notShared": not_shared,
    })))
}

/// `GET /albums/{id}/map-markers`.
pub async fn map_markers(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<serde_json::Value>>> {
    album_for(&state, &auth, id, Permission::AlbumRead, anyone).await?;
    let markers = state.catalog.album_map_markers(id).await?;
    Ok(Json(
        markers
            .into_iter()
            .map(|m| {
                serde_json::json!({
                    "id": m.id,
                    "lat": m.latitude,
                    "lon": m.longitude,
                    "city": m.city,
                    "state": m.state,
                    "country": m.country,
                })
            })
            .collect(),
    ))
}
