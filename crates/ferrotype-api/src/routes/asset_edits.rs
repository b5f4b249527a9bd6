//! `/api/assets/{id}/edits`: non-destructive edits (crop, rotate, mirror), as Immich's
//! `AssetService` has them. The list is replaced as a whole (PUT) or removed (DELETE), each
//! time with the thumbnail job enqueued in the same transaction; the job makes the edited
//! thumbnail, preview and full-size copy (`ferrotype-media`), and the original never changes.
//! The body's shape, the angle, the parameters of each action and duplicates are refused by
//! the contract's validator (`contract/validate.rs`, with Immich's zod texts); what needs the
//! asset is checked here.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ferrotype_core::access::{self, AssetAccess};
use ferrotype_core::catalog::CatalogError;
use ferrotype_core::edits::{AssetEdit, EditAction, check_edits};
use ferrotype_core::jobs::NewJob;
use ferrotype_core::jobs::payloads::GenerateThumbnailsJob;
use ferrotype_core::model::{Asset, AssetType};
use ferrotype_core::permissions::Permission;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;

/// `AssetEditActionItemResponseDto`.
#[derive(Serialize)]
struct EditResponse {
    id: Uuid,
    action: &'static str,
    parameters: Value,
}

/// `AssetEditsResponseDto`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EditsResponse {
    asset_id: Uuid,
    edits: Vec<EditResponse>,
}

impl EditsResponse {
    fn new(asset_id: Uuid, edits: &[AssetEdit]) -> Self {
        EditsResponse {
            asset_id,
            edits: edits
                .iter()
                .map(|e| EditResponse {
                    id: e.id,
                    action: e.action.name(),
                    parameters: e.action.parameters(),
                })
                .collect(),
        }
    }
}

#[derive(Deserialize)]
pub struct EditItem {
    action: String,
    parameters: Value,
}

/// `AssetEditsCreateDto`, already checked against the contract.
#[derive(Deserialize)]
pub struct EditsCreate {
    edits: Vec<EditItem>,
}

/// The asset, if the caller (never a shared link) may do `permission` with it: Immich's
/// `requireAccess`, 400 `Not found or no <permission> access` otherwise.
async fn asset_for(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    permission: Permission,
    access: AssetAccess,
) -> ApiResult<Asset> {
    auth.require(permission)?;
    Ok(access::asset(state.catalog.as_ref(), auth.actor(), id, access).await?)
}

/// The job that makes the thumbnails again, edited or not.
fn thumbnails_job(id: Uuid) -> NewJob {
    NewJob::of(&GenerateThumbnailsJob::new(id))
}

/// `GET /assets/{id}/edits`: whoever may read the asset (partners and album members too).
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<EditsResponse>> {
    asset_for(
        &state,
        &auth,
        id,
        Permission::AssetEditGet,
        AssetAccess::Read,
    )
    .await?;
    let edits = state.catalog.asset_edits(id).await?;
    Ok(Json(EditsResponse::new(id, &edits)))
}

/// `PUT /assets/{id}/edits`: the owner's still images only, as Immich decides.
pub async fn replace(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<EditsCreate>,
) -> ApiResult<Json<EditsResponse>> {
    let permission = Permission::AssetEditCreate;
    let asset = asset_for(
        &state,
        &auth,
        id,
        permission,
        AssetAccess::Change(permission),
    )
    .await?;
    // Immich reads the asset joined to its EXIF: without metadata yet, it is "not found".
    let Some(exif) = state.catalog.asset_exif(id).await? else {
        return Err(messages::ASSET_NOT_FOUND.into());
    };
    if asset.asset_type != AssetType::Image {
        return Err(messages::EDIT_ONLY_IMAGES.into());
    }
    if asset.live_photo_video_id.is_some() {
        return Err(messages::EDIT_LIVE_PHOTO.into());
    }
    if exif.projection_type.as_deref() == Some("EQUIRECTANGULAR")
        || asset.original_file_name.to_lowercase().ends_with(".insp")
    {
        return Err(messages::EDIT_PANORAMA.into());
    }
    let path = asset.original_path.to_lowercase();
    if path.ends_with(".gif") {
        return Err(messages::EDIT_GIF.into());
    }
    if path.ends_with(".svg") {
        return Err(messages::EDIT_SVG.into());
    }
    let edits = body
        .edits
        .iter()
        .map(|e| EditAction::from_parts(&e.action, &e.parameters))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| ApiError::bad_request("Invalid edit action"))?;
    // Coordinates are the displayed picture's (EXIF size, turned by the orientation).
    let displayed = exif
        .exif_image_width
        .zip(exif.exif_image_height)
        .map(|(w, h)| {
            let (w, h) = (w.max(0) as u64, h.max(0) as u64);
            if matches!(exif.orientation, Some(5..=8)) {
                (h, w)
            } else {
                (w, h)
            }
        });
    check_edits(&edits, displayed).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let made = match state
        .catalog
        .replace_asset_edits(id, &edits, &[thumbnails_job(id)])
        .await
    {
        Err(CatalogError::NotFound(_)) => return Err(messages::ASSET_NOT_FOUND.into()),
        other => other?,
    };
    Ok(Json(EditsResponse::new(id, &made)))
}

/// `DELETE /assets/{id}/edits`: back to the original's thumbnails (the owner's).
pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let permission = Permission::AssetEditDelete;
    asset_for(
        &state,
        &auth,
        id,
        permission,
        AssetAccess::Change(permission),
    )
    .await?;
    match state
        .catalog
        .replace_asset_edits(id, &[], &[thumbnails_job(id)])
        .await
    {
        Err(CatalogError::NotFound(_)) => Err(messages::ASSET_NOT_FOUND.into()),
        other => other.map(|_| StatusCode::NO_CONTENT).map_err(Into::into),
    }
}
