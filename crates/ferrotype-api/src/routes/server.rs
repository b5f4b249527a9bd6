//! `/api/server/*` and `/.well-known/immich`: what clients ask before they log in.

use axum::Json;
use axum::extract::State;
use ferrotype_core::media_types::{IMAGE_EXTENSIONS, SIDECAR_EXTENSIONS, VIDEO_EXTENSIONS};
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;

pub async fn well_known() -> Json<Value> {
    Json(json!({ "api": { "endpoint": "/api" } }))
}

pub async fn ping() -> Json<Value> {
    Json(json!({ "res": "pong" }))
}

pub async fn version() -> Json<Value> {
    Json(crate::events::server_version())
}

pub async fn features() -> Json<Value> {
    Json(json!({
        "configFile": false,
        "duplicateDetection": false,
        "email": false,
        "facialRecognition": false,
        "importFaces": false,
        "map": false,
        "oauth": false,
        "oauthAutoLaunch": false,
        "ocr": false,
        "passwordLogin": true,
        "realtimeTranscoding": false,
        "reverseGeocoding": false,
        "search": false,
        "sidecar": true,
        "smartSearch": false,
        "trash": true,
    }))
}

pub async fn config(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let initialized = state.catalog.admin_exists().await?;
    Ok(Json(json!({
        "externalDomain": "",
        "isInitialized": initialized,
        "isOnboarded": initialized,
        "loginPageMessage": "",
        "maintenanceMode": false,
        "mapDarkStyleUrl": "",
        "mapLightStyleUrl": "",
        "minFaces": 3,
        "oauthButtonText": "Login with OAuth",
        "publicUsers": true,
        "trashDays": state.config.trash_days,
        "userDeleteDelay": 7,
    })))
}

pub async fn media_types() -> Json<Value> {
    Json(json!({
        "image": IMAGE_EXTENSIONS,
        "video": VIDEO_EXTENSIONS,
        "sidecar": SIDECAR_EXTENSIONS,
    }))
}

pub async fn about(auth: Auth) -> ApiResult<Json<Value>> {
    auth.require("server.about")?;
    let (major, minor, patch) = ferrotype_core::IMMICH_VERSION;
    Ok(Json(json!({
        "version": format!("v{major}.{minor}.{patch}"),
        "versionUrl": "https://github.com/immich-app/immich/releases",
        "licensed": false,
        "build": concat!("ferrotype ", env!("CARGO_PKG_VERSION")),
        "repository": "ferrotype",
    })))
}

pub async fn statistics(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require_admin("server.statistics")?;
    let users = state.catalog.usage_by_user().await?;
    let sum = |f: fn(&ferrotype_core::model::UserUsage) -> i64| users.iter().map(f).sum::<i64>();
    let by_user: Vec<Value> = users
        .iter()
        .map(|u| {
            json!({
                "userId": u.user_id,
                "userName": u.user_name,
                "quotaSizeInBytes": u.quota_size_in_bytes,
                "photos": u.photos,
                "videos": u.videos,
                "usage": u.usage_photos + u.usage_videos,
                "usagePhotos": u.usage_photos,
                "usageVideos": u.usage_videos,
            })
        })
        .collect();
    Ok(Json(json!({
        "photos": sum(|u| u.photos),
        "videos": sum(|u| u.videos),
        "usage": sum(|u| u.usage_photos + u.usage_videos),
        "usagePhotos": sum(|u| u.usage_photos),
        "usageVideos": sum(|u| u.usage_videos),
        "usageByUser": by_user,
    })))
}

/// Size, use and free space of the filesystem holding `path`.
fn disk(path: &std::path::Path) -> std::io::Result<(u64, u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::other("path contains NUL"))?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c_path` is a valid NUL-terminated string and `stat` a valid out-parameter.
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let block = stat.f_frsize as u64;
    let size = stat.f_blocks as u64 * block;
    let available = stat.f_bavail as u64 * block;
    let used = size.saturating_sub(stat.f_bfree as u64 * block);
    Ok((size, used, available))
}

/// Bytes as Immich shows them: `12.3 GiB`.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

pub async fn storage(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require("server.storage")?;
    let (size, used, available) =
        disk(&state.config.data_dir).map_err(crate::error::ApiError::internal)?;
    let percentage = if size == 0 {
        0.0
    } else {
        (used as f64 / size as f64 * 10000.0).round() / 100.0
    };
    Ok(Json(json!({
        "diskSize": human(size),
        "diskUse": human(used),
        "diskAvailable": human(available),
        "diskSizeRaw": size,
        "diskUseRaw": used,
        "diskAvailableRaw": available,
        "diskUsagePercentage": percentage,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(human(512), "512 B");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(5 * 1024 * 1024 * 1024), "5.0 GiB");
    }
}
