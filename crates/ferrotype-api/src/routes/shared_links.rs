//! `/api/shared-links*`: links to chosen assets or to an album, for people without an account;
//! with an expiry, a slug, a password (the `/shared-links/login` flow and its cookie) and
//! permissions to upload, download and see metadata. The owner manages them; a visitor reaches
//! `/shared-links/me` and the media routes with the key or slug (see `auth.rs`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, Utc};
use ferrotype_core::access;
use ferrotype_core::accounts;
use ferrotype_core::catalog::CatalogError;
use ferrotype_core::model::{LinkAssetResult, SharedLink, SharedLinkType};
use ferrotype_core::permissions::Permission;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Auth, SHARED_LINK_TOKEN_COOKIE, cookie, open_shared_link, shared_link_token};
use crate::dto::{AlbumResponse, AssetExtras, AssetResponse, iso};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;
use crate::routes::auth::set_cookie;
use crate::routes::query::uuid_param;

fn not_found() -> ApiError {
    ApiError::from(messages::SHARED_LINK_NOT_FOUND)
}

/// `SharedLinkResponseDto`: with the link's assets (individual links) or its album.
/// What a visitor of a link without `showMetadata` sees of an asset (Immich's sanitized asset):
/// enough to show it, nothing about where, when or from which file it came.
fn sanitized(asset: Value) -> Value {
    const SHOWN: [&str; 9] = [
        "id",
        "type",
        "originalMimeType",
        "thumbhash",
        "localDateTime",
        "duration",
        "livePhotoVideoId",
        "width",
        "height",
    ];
    let mut out = serde_json::Map::new();
    for key in SHOWN {
        if let Some(v) = asset.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    out.insert("hasMetadata".to_string(), Value::Bool(false));
    Value::Object(out)
}

/// The link as a visitor gets it (`/shared-links/me`, the login): its assets sanitized when the
/// link hides metadata.
async fn respond_to_visitor(
    state: &AppState,
    link: &SharedLink,
    token: Option<String>,
) -> ApiResult<Value> {
    let mut body = respond(state, link, token).await?;
    if !link.show_exif
        && let Some(Value::Array(assets)) = body.get_mut("assets")
    {
        for a in assets.iter_mut() {
            *a = sanitized(a.take());
        }
    }
    Ok(body)
}

async fn respond(state: &AppState, link: &SharedLink, token: Option<String>) -> ApiResult<Value> {
    let owner = state.catalog.user_by_id(link.user_id).await?;
    let assets: Vec<AssetResponse> = match link.link_type {
        SharedLinkType::Individual => state
            .catalog
            .shared_link_assets(link.id)
            .await?
            .iter()
            .map(|a| {
                AssetResponse::new(
                    a,
                    AssetExtras {
                        owner: owner.as_ref(),
                        ..AssetExtras::default()
                    },
                )
            })
            .collect(),
        SharedLinkType::Album => Vec::new(),
    };
    let album = match link.album_id {
        Some(id) => state
            .catalog
            .album(id)
            .await?
            .map(|s| AlbumResponse::new(&s)),
        None => None,
    };
    let mut body = json!({
        "id": link.id,
        "userId": link.user_id,
        "key": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&link.key),
        "slug": link.slug,
        "type": link.link_type.as_str(),
        "description": link.description,
        "password": link.password,
        "expiresAt": link.expires_at.as_ref().map(iso),
        "createdAt": iso(&link.created_at),
        "allowUpload": link.allow_upload,
        "allowDownload": link.allow_download,
        "showMetadata": link.show_exif,
        "assets": assets,
    });
    if let Some(album) = album {
        body["album"] = serde_json::to_value(album).map_err(ApiError::internal)?;
    }
    if let Some(token) = token {
        body["token"] = token.into();
    }
    Ok(body)
}

/// The link, if `auth` owns it.
async fn own_link(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    permission: Permission,
) -> ApiResult<SharedLink> {
    auth.require(permission)?;
    match state.catalog.shared_link(id).await? {
        Some(link) if link.user_id == auth.user.id => Ok(link),
        _ => Err(not_found()),
    }
}

fn parse_time(name: &str, value: &str) -> ApiResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ApiError::bad_request(format!("{name} must be a valid ISO 8601 date string")))
}

/// An empty slug or password means none.
fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

fn slug_taken(e: CatalogError) -> ApiError {
    match e {
        CatalogError::Conflict(_) => ApiError::from(messages::SHARED_LINK_SLUG_TAKEN),
        other => other.into(),
    }
}

/// `GET /shared-links`.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<Value>>> {
    auth.require(Permission::SharedLinkRead)?;
    let album = uuid_param(&params, "albumId")?;
    let wanted = params.get("id");
    let mut out = Vec::new();
    for link in state.catalog.shared_links_of(auth.user.id, album).await? {
        if wanted.is_none_or(|id| *id == link.id.to_string()) {
            out.push(respond(&state, &link, None).await?);
        }
    }
    Ok(Json(out))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDto {
    #[serde(rename = "type")]
    link_type: String,
    #[serde(default)]
    asset_ids: Vec<Uuid>,
    album_id: Option<Uuid>,
    description: Option<String>,
    password: Option<String>,
    slug: Option<String>,
    expires_at: Option<String>,
    #[serde(default)]
    allow_upload: bool,
    allow_download: Option<bool>,
    show_metadata: Option<bool>,
}

/// `POST /shared-links`: to the owner's album, or to assets they own.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<CreateDto>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    auth.require(Permission::SharedLinkCreate)?;
    let link_type = SharedLinkType::parse(&dto.link_type)
        .ok_or_else(|| ApiError::from(messages::LINK_TYPE_UNKNOWN))?;
    let mut asset_ids = Vec::new();
    let mut album_id = None;
    match link_type {
        SharedLinkType::Album => {
            let id = dto
                .album_id
                .ok_or_else(|| ApiError::from(messages::INVALID_ALBUM_ID))?;
            // Only the owner shares an album by link.
            access::album(
                state.catalog.as_ref(),
                auth.actor(),
                id,
                Permission::AlbumShare,
                |s| s == access::Standing::Owner,
            )
            .await?;
            album_id = Some(id);
        }
        SharedLinkType::Individual => {
            if dto.asset_ids.is_empty() {
                return Err(ApiError::from(messages::INVALID_ASSET_IDS));
            }
            access::owned_assets(
                state.catalog.as_ref(),
                auth.actor(),
                &dto.asset_ids,
                Permission::AssetShare,
            )
            .await?;
            asset_ids.extend(&dto.asset_ids);
        }
    }
    let link = SharedLink {
        id: Uuid::new_v4(),
        user_id: auth.user.id,
        key: accounts::new_link_key(),
        slug: non_empty(dto.slug),
        link_type,
        album_id,
        description: dto.description,
        password: non_empty(dto.password),
        expires_at: dto
            .expires_at
            .as_deref()
            .map(|t| parse_time("expiresAt", t))
            .transpose()?,
        allow_upload: dto.allow_upload,
        allow_download: dto.allow_download.unwrap_or(true),
        show_exif: dto.show_metadata.unwrap_or(true),
        created_at: Utc::now(),
    };
    state
        .catalog
        .create_shared_link(&link, &asset_ids)
        .await
        .map_err(slug_taken)?;
    Ok((
        StatusCode::CREATED,
        Json(respond(&state, &link, None).await?),
    ))
}

/// `GET /shared-links/{id}`.
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Value>> {
    let link = own_link(&state, &auth, id, Permission::SharedLinkRead).await?;
    Ok(Json(respond(&state, &link, None).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EditDto {
    description: Option<String>,
    password: Option<String>,
    slug: Option<String>,
    /// `null` removes the expiry; absent leaves it.
    #[serde(default, with = "double_option")]
    expires_at: Option<Option<String>>,
    allow_upload: Option<bool>,
    allow_download: Option<bool>,
    show_metadata: Option<bool>,
    /// Immich's flag: only with it does a missing `expiresAt` clear the expiry.
    change_expiry_time: Option<bool>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// `PATCH /shared-links/{id}`.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<EditDto>,
) -> ApiResult<Json<Value>> {
    let mut link = own_link(&state, &auth, id, Permission::SharedLinkUpdate).await?;
    if let Some(d) = dto.description {
        link.description = Some(d);
    }
    if let Some(p) = dto.password {
        link.password = non_empty(Some(p));
    }
    if let Some(s) = dto.slug {
        link.slug = non_empty(Some(s));
    }
    match dto.expires_at {
        Some(Some(t)) => link.expires_at = Some(parse_time("expiresAt", &t)?),
        Some(None) => link.expires_at = None,
        None if dto.change_expiry_time == Some(true) => link.expires_at = None,
        None => {}
    }
    if let Some(v) = dto.allow_upload {
        link.allow_upload = v;
    }
    if let Some(v) = dto.allow_download {
        link.allow_download = v;
    }
    if let Some(v) = dto.show_metadata {
        link.show_exif = v;
    }
    state
        .catalog
        .update_shared_link(&link)
        .await
        .map_err(slug_taken)?;
    Ok(Json(respond(&state, &link, None).await?))
}

/// `DELETE /shared-links/{id}`: the link opens nothing from now on.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    own_link(&state, &auth, id, Permission::SharedLinkDelete).await?;
    state.catalog.delete_shared_link(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetIdsDto {
    asset_ids: Vec<Uuid>,
}

async fn change_assets(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    dto: AssetIdsDto,
    add: bool,
) -> ApiResult<Json<Vec<Value>>> {
    let link = own_link(state, auth, id, Permission::SharedLinkUpdate).await?;
    if link.link_type != SharedLinkType::Individual {
        return Err(ApiError::from(messages::INVALID_SHARED_LINK_TYPE));
    }
    let results = state
        .catalog
        .change_shared_link_assets(&link, &dto.asset_ids, add)
        .await?;
    Ok(Json(
        results
            .into_iter()
            .map(|(asset, result)| match result {
                LinkAssetResult::Done => json!({"assetId": asset, "success": true}),
                LinkAssetResult::Duplicate => {
                    json!({"assetId": asset, "success": false, "error": "duplicate"})
                }
                LinkAssetResult::NotFound => {
                    json!({"assetId": asset, "success": false, "error": "not_found"})
                }
            })
            .collect(),
    ))
}

/// `PUT /shared-links/{id}/assets`.
pub async fn add_assets(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<AssetIdsDto>,
) -> ApiResult<Json<Vec<Value>>> {
    change_assets(&state, &auth, id, dto, true).await
}

/// `DELETE /shared-links/{id}/assets`.
pub async fn remove_assets(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<AssetIdsDto>,
) -> ApiResult<Json<Vec<Value>>> {
    change_assets(&state, &auth, id, dto, false).await
}

/// `GET /shared-links/me`: what a visitor's key or slug opens.
pub async fn me(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    let Some(link) = auth.shared_link() else {
        return Err(ApiError::from(messages::FORBIDDEN));
    };
    Ok(Json(respond_to_visitor(&state, link, None).await?))
}

#[derive(Deserialize)]
pub struct LoginDto {
    password: String,
}

/// `POST /shared-links/login?key=|slug=`: the right password sets the token cookie (added to
/// the tokens of other links already opened) for a day; a wrong one is 401.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
    ApiJson(dto): ApiJson<LoginDto>,
) -> ApiResult<Response> {
    let link = open_shared_link(
        &state,
        params.get("key").map(String::as_str),
        params.get("slug").map(String::as_str),
    )
    .await?
    .ok_or_else(|| ApiError::from(messages::INVALID_SHARE_KEY))?;
    let Some(token) = shared_link_token(&link) else {
        return Err(ApiError::from(messages::SHARED_LINK_WITHOUT_PASSWORD));
    };
    if link.password.as_deref() != Some(dto.password.as_str()) {
        return Err(ApiError::from(messages::INVALID_PASSWORD));
    }
    let mut tokens: Vec<String> = cookie(&headers, SHARED_LINK_TOKEN_COOKIE)
        .unwrap_or("")
        .split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty() && *t != token)
        .collect();
    tokens.push(token.clone());
    let body = respond_to_visitor(&state, &link, Some(token)).await?;
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SHARED_LINK_TOKEN_COOKIE, &tokens.join(","), true, 24 * 3600),
    );
    Ok(response)
}
