//! `/api/server/*` and `/.well-known/immich`: what clients ask before they log in.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ferrotype_core::license;
use ferrotype_core::media_types::{IMAGE_EXTENSIONS, SIDECAR_EXTENSIONS, VIDEO_EXTENSIONS};
use ferrotype_core::permissions::Permission;
use ferrotype_core::system_config::keys;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Auth;
use crate::dto::iso;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;

pub async fn well_known() -> Json<Value> {
    Json(json!({ "api": { "endpoint": "/api" } }))
}

pub async fn ping() -> Json<Value> {
    Json(json!({ "res": "pong" }))
}

pub async fn version() -> Json<Value> {
    Json(crate::events::server_version())
}

/// What this server can do, from the live configuration. Features Ferrotype lacks (machine
/// learning, OAuth, email, real-time transcoding) are off whatever the configuration says.
pub async fn features(State(state): State<AppState>) -> Json<Value> {
    let config = state.system_config.get();
    Json(json!({
        "configFile": state.system_config.file().is_some(),
        "duplicateDetection": false,
        "email": false,
        "facialRecognition": false,
        "importFaces": config.metadata.faces.import,
        "map": config.map.enabled,
        "oauth": false,
        "oauthAutoLaunch": false,
        "ocr": false,
        "passwordLogin": config.password_login.enabled,
        "realtimeTranscoding": false,
        "reverseGeocoding": config.reverse_geocoding.enabled,
        "search": true,
        "sidecar": true,
        "smartSearch": false,
        "trash": config.trash.enabled,
    }))
}

pub async fn config(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let initialized = state.catalog.admin_exists().await?;
    let onboarded = crate::routes::system::is_admin_onboarded(&state).await?;
    let config = state.system_config.get();
    Ok(Json(json!({
        "externalDomain": config.server.external_domain,
        "isInitialized": initialized,
        "isOnboarded": onboarded,
        "loginPageMessage": config.server.login_page_message,
        "maintenanceMode": state.maintenance.is_active(),
        "mapDarkStyleUrl": config.map.dark_style,
        "mapLightStyleUrl": config.map.light_style,
        "minFaces": config.machine_learning.facial_recognition.min_faces,
        "oauthButtonText": config.oauth.button_text,
        "publicUsers": config.server.public_users,
        "trashDays": config.trash.days,
        "userDeleteDelay": config.user.delete_delay,
    })))
}

pub async fn media_types() -> Json<Value> {
    Json(json!({
        "image": IMAGE_EXTENSIONS,
        "video": VIDEO_EXTENSIONS,
        "sidecar": SIDECAR_EXTENSIONS,
    }))
}

fn version_tag() -> String {
    let (major, minor, patch) = ferrotype_core::IMMICH_VERSION;
    format!("v{major}.{minor}.{patch}")
}

/// The first line a program prints for its version, as Immich reports its helpers; empty when
/// the program is missing, as Immich reports a missing one.
async fn program_version(program: &str, args: &[&str], prefix: &str) -> String {
    let run = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(std::time::Duration::from_secs(5), run).await {
        Ok(Ok(out)) if out.status.success() => String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .trim_start_matches(prefix)
            .to_string(),
        _ => String::new(),
    }
}

/// The helper programs' versions, found once.
async fn helper_versions() -> &'static (String, String) {
    static VERSIONS: tokio::sync::OnceCell<(String, String)> = tokio::sync::OnceCell::const_new();
    VERSIONS
        .get_or_init(|| async {
            tokio::join!(
                program_version("ffmpeg", &["-version"], "ffmpeg version "),
                program_version("exiftool", &["-ver"], ""),
            )
        })
        .await
}

/// Immich's about box. Ferrotype runs no Node.js, ImageMagick or libvips: those are empty, as
/// Immich answers for a program it cannot find. The build facts come from Immich's variables
/// (`IMMICH_BUILD`, `IMMICH_REPOSITORY_URL`, ...) and are left out when unset, as Immich does.
pub async fn about(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(Permission::ServerAbout)?;
    let version = version_tag();
    let licensed = state
        .catalog
        .system_metadata(keys::LICENSE)
        .await?
        .is_some();
    let (ffmpeg, exiftool) = helper_versions().await;
    let mut about = json!({
        "version": version,
        "versionUrl": format!("https://github.com/immich-app/immich/releases/tag/{version}"),
        "licensed": licensed,
        "nodejs": "",
        "ffmpeg": ffmpeg,
        "imagemagick": "",
        "libvips": "",
        "exiftool": exiftool,
    });
    for (field, value) in &state.config.build_metadata {
        about[*field] = json!(value);
    }
    Ok(Json(about))
}

pub async fn apk_links(auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(Permission::ServerApkLinks)?;
    let base = format!(
        "https://github.com/immich-app/immich/releases/download/{}",
        version_tag()
    );
    Ok(Json(json!({
        "arm64v8a": format!("{base}/app-arm64-v8a-release.apk"),
        "armeabiv7a": format!("{base}/app-armeabi-v7a-release.apk"),
        "universal": format!("{base}/app-release.apk"),
        "x86_64": format!("{base}/app-x86_64-release.apk"),
    })))
}

/// The versions this server has run, newest first (recorded at each start with a new version).
pub async fn version_history(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let history = state.catalog.version_history().await?;
    Ok(Json(Value::Array(
        history
            .iter()
            .map(|v| json!({ "id": v.id, "createdAt": iso(&v.created_at), "version": v.version }))
            .collect(),
    )))
}

/// Ferrotype never asks the internet for the newest release: this answers the stored state,
/// empty unless something put one there.
pub async fn version_check(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(Permission::ServerVersionCheck)?;
    Ok(Json(
        crate::routes::system::version_check_state_value(&state).await?,
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseKeyDto {
    pub license_key: String,
    pub activation_key: String,
}

/// Checks a product key against Immich's public keys: the key's signature by one of `moduli`.
pub fn check_license(dto: &LicenseKeyDto, prefixes: &[&str], moduli: &[&str]) -> ApiResult<Value> {
    let invalid = || ApiError::from(messages::INVALID_LICENSE_KEY);
    if !license::well_formed(&dto.license_key)
        || !prefixes.iter().any(|p| dto.license_key.starts_with(p))
    {
        return Err(invalid());
    }
    if !moduli
        .iter()
        .any(|m| license::verify(&dto.license_key, &dto.activation_key, m))
    {
        return Err(invalid());
    }
    Ok(json!({
        "licenseKey": dto.license_key,
        "activationKey": dto.activation_key,
        "activatedAt": iso(&chrono::Utc::now()),
    }))
}

pub async fn license(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::ServerLicenseRead)?;
    match state.catalog.system_metadata(keys::LICENSE).await? {
        Some(license) => Ok(Json(license)),
        None => Err(ApiError::from(messages::NOT_FOUND)),
    }
}

pub async fn set_license(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<LicenseKeyDto>,
) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::ServerLicenseUpdate)?;
    let keys_in_use = state.config.license_keys;
    let license = check_license(&dto, &["IMSV-"], &[keys_in_use.server])?;
    state
        .catalog
        .set_system_metadata(keys::LICENSE, &license)
        .await?;
    Ok(Json(license))
}

pub async fn delete_license(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    auth.require_admin(Permission::ServerLicenseDelete)?;
    state.catalog.delete_system_metadata(keys::LICENSE).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn statistics(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::ServerStatistics)?;
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
    auth.require(Permission::ServerStorage)?;
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
