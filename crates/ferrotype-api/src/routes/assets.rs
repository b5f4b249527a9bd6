//! `/api/assets/*` except the upload itself (see `upload.rs`).

use ferrotype_core::permissions::Permission;
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use base64::Engine;
use ferrotype_core::access::{self, AssetAccess};
use ferrotype_core::model::{Asset, AssetStatsFilter, Visibility};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::{AssetExtras, AssetResponse, AssetStackResponse};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;
use crate::routes::query::bool_param;

/// Accepts a SHA-1 as 40 hex characters or 28 base64 characters, as Immich does.
pub fn parse_checksum(s: &str) -> Option<Vec<u8>> {
    let bytes = match s.len() {
        40 => hex::decode(s).ok()?,
        28 => base64::engine::general_purpose::STANDARD.decode(s).ok()?,
        _ => return None,
    };
    (bytes.len() == 20).then_some(bytes)
}

pub async fn statistics(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    auth.require(Permission::AssetStatistics)?;
    let visibility = match query.get("visibility") {
        None => None,
        Some(v) => {
            Some(Visibility::parse(v).ok_or_else(|| ApiError::from(messages::VISIBILITY_UNKNOWN))?)
        }
    };
    if visibility == Some(Visibility::Locked) && !auth.is_elevated() {
        return Err(ApiError::from(messages::ELEVATED_PERMISSION_IS_REQUIRED));
    }
    let filter = AssetStatsFilter {
        is_favorite: bool_param(&query, "isFavorite")?,
        is_trashed: bool_param(&query, "isTrashed")?,
        visibility,
    };
    let stats = state.catalog.asset_stats(auth.user.id, &filter).await?;
    Ok(Json(json!({
        "images": stats.images,
        "videos": stats.videos,
        "total": stats.images + stats.videos,
    })))
}

#[derive(Deserialize)]
pub struct BulkUploadCheckDto {
    assets: Vec<BulkUploadCheckItem>,
}

#[derive(Deserialize)]
pub struct BulkUploadCheckItem {
    id: String,
    checksum: String,
}

pub async fn bulk_upload_check(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<BulkUploadCheckDto>,
) -> ApiResult<Json<Value>> {
    auth.require(Permission::AssetUpload)?;
    let mut checksums = Vec::with_capacity(dto.assets.len());
    for item in &dto.assets {
        let checksum = parse_checksum(&item.checksum).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid checksum for {}: expected SHA-1 as hex or base64",
                item.id
            ))
        })?;
        checksums.push(checksum);
    }
    let found: HashMap<Vec<u8>, (Uuid, bool)> = state
        .catalog
        .assets_by_checksums(auth.user.id, &checksums)
        .await?
        .into_iter()
        .map(|m| (m.checksum, (m.asset_id, m.is_trashed)))
        .collect();
    let results: Vec<Value> = dto
        .assets
        .iter()
        .zip(&checksums)
        .map(|(item, checksum)| match found.get(checksum) {
            Some((asset_id, is_trashed)) => json!({
                "id": item.id,
                "action": "reject",
                "reason": "duplicate",
                "assetId": asset_id,
                "isTrashed": is_trashed,
            }),
            None => json!({ "id": item.id, "action": "accept" }),
        })
        .collect();
    Ok(Json(json!({ "results": results })))
}

/// The asset, if `auth` may use it with `permission` (`ferrotype_core::access::asset`); Immich's
/// 400 otherwise. API keys must also hold the permission.
pub async fn accessible_asset(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    permission: Permission,
) -> ApiResult<Asset> {
    if auth.shared_link().is_none() {
        auth.require(permission)?;
    }
    let access = AssetAccess::of(permission);
    Ok(access::asset(state.catalog.as_ref(), auth.actor(), id, access).await?)
}

pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<AssetResponse>> {
    let asset = accessible_asset(&state, &auth, id, Permission::AssetRead).await?;
    let exif = state.catalog.asset_exif(id).await?;
    let tags = state.catalog.asset_tags(id).await?;
    let owner = if asset.owner_id == auth.user.id {
        Some(auth.user.clone())
    } else {
        state.catalog.user_by_id(asset.owner_id).await?
    };
    // A link that hides metadata shows no EXIF (camera, place, dates as taken).
    let hide = auth.shared_link().is_some_and(|l| !l.show_exif);
    let exif = exif.filter(|_| !hide);
    let tags = if hide { Vec::new() } else { tags };
    let stack = match asset.stack_id {
        Some(stack) => state.catalog.stack_summary(stack).await?,
        None => None,
    };
    let mut response = AssetResponse::new(
        &asset,
        AssetExtras {
            owner: owner.as_ref(),
            exif: exif.as_ref(),
            tags: &tags,
        },
    );
    response.stack = Some(stack.map(AssetStackResponse::from));
    // Immich shows an asset's people to its owner only, never through a link.
    if asset.owner_id == auth.user.id && auth.shared_link().is_none() {
        response.people = crate::routes::faces::asset_people(&state, id).await?;
    }
    Ok(Json(response))
}

/// `GET /assets/{id}/metadata`: what clients attached (the iOS app's `mobile-app` entry).
pub async fn metadata(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<serde_json::Value>>> {
    accessible_asset(&state, &auth, id, Permission::AssetRead).await?;
    let items = state.catalog.asset_metadata(id).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|(key, value, updated_at)| {
                serde_json::json!({
                    "key": key,
                    // Stored as validated JSON objects; an unreadable one shows as empty.
                    "value": serde_json::from_str::<serde_json::Value>(&value)
                        .unwrap_or_else(|_| serde_json::json!({})),
                    "updatedAt": crate::dto::iso(&updated_at),
                })
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_in_hex_or_base64() {
        let hex = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
        let b64 = "2jmj7l5rSw0yVb/vlWAYkK/YBwk=";
        assert_eq!(parse_checksum(hex), parse_checksum(b64));
        assert!(parse_checksum(hex).is_some());
        assert!(parse_checksum("xyz").is_none());
        assert!(parse_checksum(&"z".repeat(40)).is_none());
    }
}
