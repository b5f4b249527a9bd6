//! `/api/albums*`: a user's own albums. Sharing with other users comes with the web UI work.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::Utc;
use ferrotype_core::model::{Album, AlbumAddResult, AlbumSummary};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::{AlbumResponse, BulkIdResponse};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAlbumDto {
    album_name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    asset_ids: Vec<Uuid>,
    #[serde(default)]
    album_users: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
pub struct BulkIdsDto {
    ids: Vec<Uuid>,
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<AlbumResponse>>> {
    auth.require("album.read")?;
    let respond = |albums: Vec<AlbumSummary>, keep: &dyn Fn(&AlbumSummary) -> bool| {
        Json(
            albums
                .iter()
                .filter(|s| keep(s))
                .map(|s| AlbumResponse::new(s, &auth.user))
                .collect(),
        )
    };
    // `assetId` narrows to the albums holding that asset; the spec says other filters are then
    // ignored.
    if let Some(id) = query.get("assetId") {
        let asset =
            Uuid::parse_str(id).map_err(|_| ApiError::bad_request("assetId must be a UUID"))?;
        let albums = state.catalog.albums_of(auth.user.id, Some(asset)).await?;
        return Ok(respond(albums, &|_| true));
    }
    // Until albums can be shared, every album a user sees is their own and none is shared.
    if query.get("isShared").is_some_and(|v| v == "true")
        || query.get("isOwned").is_some_and(|v| v == "false")
    {
        return Ok(Json(Vec::new()));
    }
    let albums = state.catalog.albums_of(auth.user.id, None).await?;
    let wanted_name = query.get("name");
    let wanted_id = query.get("id");
    Ok(respond(albums, &|s| {
        wanted_name.is_none_or(|n| &s.album.name == n)
            && wanted_id.is_none_or(|id| s.album.id.to_string() == *id)
    }))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<CreateAlbumDto>,
) -> ApiResult<(StatusCode, Json<AlbumResponse>)> {
    auth.require("album.create")?;
    if !dto.album_users.is_empty() {
        return Err(ApiError::bad_request(
            "Sharing albums with other users is not supported yet",
        ));
    }
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
    Ok((
        StatusCode::CREATED,
        Json(AlbumResponse::new(&summary, &auth.user)),
    ))
}

/// The album, if `auth` owns it; Immich's 400 otherwise.
async fn owned_album(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    permission: &str,
) -> ApiResult<AlbumSummary> {
    auth.require(permission)?;
    match state.catalog.album(id).await? {
        Some(s) if s.album.owner_id == auth.user.id => Ok(s),
        _ => Err(ApiError::no_access(permission)),
    }
}

pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<AlbumResponse>> {
    let summary = owned_album(&state, &auth, id, "album.read").await?;
    Ok(Json(AlbumResponse::new(&summary, &auth.user)))
}

pub async fn add_assets(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<BulkIdsDto>,
) -> ApiResult<Json<Vec<BulkIdResponse>>> {
    owned_album(&state, &auth, id, "albumAsset.create").await?;
    let results = state
        .catalog
        .add_album_assets(id, auth.user.id, &dto.ids)
        .await?;
    Ok(Json(
        results
            .into_iter()
            .map(|(id, result)| BulkIdResponse {
                id,
                success: result == AlbumAddResult::Added,
                error: match result {
                    AlbumAddResult::Added => None,
                    AlbumAddResult::AlreadyThere => Some("duplicate"),
                    AlbumAddResult::NoPermission => Some("no_permission"),
                },
            })
            .collect(),
    ))
}
