//! `POST /download/info` (which assets, in archives of at most `archiveSize` bytes) and
//! `POST /download/archive` (one of them as a zip, streamed as it is built, `zip_stream.rs`).
//! Live photos bring their motion part. Shared links download only with `allowDownload`.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ferrotype_core::model::Asset;
use ferrotype_core::permissions::Permission;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;
use crate::routes::albums::readable_album;
use crate::routes::assets::accessible_asset;
use crate::routes::media;
use crate::zip_stream::{self, ZipEntry};

/// Immich's default archive size: 4 GiB.
const DEFAULT_ARCHIVE_SIZE: u64 = 4 << 30;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InfoDto {
    asset_ids: Option<Vec<Uuid>>,
    album_id: Option<Uuid>,
    user_id: Option<Uuid>,
    archive_size: Option<u64>,
}

fn require_download(auth: &Auth) -> ApiResult<()> {
    auth.require_shareable(Permission::AssetDownload)?;
    match auth.shared_link() {
        Some(link) if !link.allow_download => Err(ApiError::no_access(Permission::AssetDownload)),
        _ => Ok(()),
    }
}

/// The motion parts of the live photos among `assets`, when the caller may download them.
async fn with_motion_parts(
    state: &AppState,
    auth: &Auth,
    assets: Vec<Asset>,
) -> ApiResult<Vec<Asset>> {
    let mut out = Vec::with_capacity(assets.len());
    for asset in assets {
        let motion = asset.live_photo_video_id;
        out.push(asset);
        if let Some(motion) = motion
            && !out.iter().any(|a| a.id == motion)
            && let Ok(part) = accessible_asset(state, auth, motion, Permission::AssetDownload).await
        {
            out.push(part);
        }
    }
    Ok(out)
}

/// `POST /download/info`.
pub async fn info(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<InfoDto>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require_download(&auth)?;
    let assets = if let Some(ids) = dto.asset_ids {
        let mut assets = Vec::with_capacity(ids.len());
        for id in ids {
            assets.push(accessible_asset(&state, &auth, id, Permission::AssetDownload).await?);
        }
        assets
    } else if let Some(album) = dto.album_id {
        readable_album(&state, &auth, album).await?;
        state.catalog.assets_for_download(None, Some(album)).await?
    } else if let Some(user) = dto.user_id {
        if user != auth.user.id || auth.shared_link().is_some() {
            return Err(ApiError::no_access(Permission::TimelineDownload));
        }
        state.catalog.assets_for_download(Some(user), None).await?
    } else {
        return Err(ApiError::from(
            messages::DOWNLOAD_NEEDS_ASSETS_ALBUM_OR_USER,
        ));
    };
    let assets = with_motion_parts(&state, &auth, assets).await?;
    let limit = dto.archive_size.unwrap_or(DEFAULT_ARCHIVE_SIZE).max(1);
    let mut archives: Vec<(Vec<Uuid>, u64)> = Vec::new();
    let mut total = 0u64;
    for asset in &assets {
        let size = asset.file_size.max(0) as u64;
        total += size;
        match archives.last_mut() {
            Some((ids, bytes)) if *bytes + size <= limit || ids.is_empty() => {
                ids.push(asset.id);
                *bytes += size;
            }
            _ => archives.push((vec![asset.id], size)),
        }
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "totalSize": total,
            "archives": archives
                .into_iter()
                .map(|(ids, size)| json!({ "assetIds": ids, "size": size }))
                .collect::<Vec<_>>(),
        })),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveDto {
    asset_ids: Vec<Uuid>,
    /// The edited full-size image of edited assets, under the original's name (Immich's web
    /// app asks for it).
    #[serde(default)]
    edited: bool,
}

/// `POST /download/archive`: every asset checked before the first byte is sent.
pub async fn archive(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<ArchiveDto>,
) -> ApiResult<Response> {
    require_download(&auth)?;
    let mut assets = Vec::with_capacity(dto.asset_ids.len());
    for id in dto.asset_ids {
        assets.push(accessible_asset(&state, &auth, id, Permission::AssetDownload).await?);
    }
    let names = zip_stream::unique_names(assets.iter().map(|a| a.original_file_name.clone()));
    let mut entries = Vec::with_capacity(assets.len());
    for (asset, name) in assets.iter().zip(names) {
        let (key, size) = match media::edited_fullsize(&state, asset, dto.edited).await? {
            Some(key) => {
                let size = state.blobs.len(&key).await?;
                (key, size)
            }
            None => (asset.original_path.clone(), asset.file_size.max(0) as u64),
        };
        entries.push(ZipEntry {
            name,
            key,
            size,
            modified: asset.local_date_time.naive_utc(),
        });
    }
    let chunks = zip_stream::stream(state.blobs.clone(), entries);
    let body = Body::from_stream(futures_util::stream::unfold(chunks, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    Ok((
        StatusCode::OK,
        [
            // What Immich sends (Nest's default for a stream), and what its clients read.
            (header::CONTENT_TYPE, "application/octet-stream"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"immich.zip\"",
            ),
        ],
        body,
    )
        .into_response())
}
