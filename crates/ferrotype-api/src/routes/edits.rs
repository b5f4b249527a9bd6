//! Everyday edits: `PUT/PATCH /api/assets` (many), `PUT/PATCH /api/assets/{id}` (one),
//! `DELETE /api/assets` (to the trash, or for good), and `/api/trash/*`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDateTime, Utc};
use ferrotype_core::access;
use ferrotype_core::catalog::BusMessage;
use ferrotype_core::model::{AssetChange, PurgeSelection, Visibility};
use ferrotype_core::permissions::Permission;
use ferrotype_core::time::zone_name;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::{AssetExtras, AssetResponse};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;
use crate::routes::assets::accessible_asset;
use crate::routes::upload;

/// A JSON field that may be absent (keep), null (clear) or a value.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct EditDto {
    #[serde(default)]
    ids: Vec<Uuid>,
    is_favorite: Option<bool>,
    visibility: Option<String>,
    date_time_original: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    #[serde(default, deserialize_with = "nullable")]
    rating: Option<Option<i64>>,
    description: Option<String>,
    /// Bulk only: minutes to move the capture times by.
    date_time_relative: Option<i32>,
    /// Bulk only: the capture's time zone.
    time_zone: Option<String>,
    /// One asset only: the motion part of a live photo, `null` to unlink it.
    #[serde(default, deserialize_with = "nullable")]
    live_photo_video_id: Option<Option<Uuid>>,
}

/// `2024-05-01T10:00:00+02:00` keeps its wall clock and zone; without an offset it is UTC.
fn parse_taken(s: &str) -> ApiResult<(DateTime<Utc>, DateTime<Utc>, Option<String>)> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Ok((
            t.with_timezone(&Utc),
            t.naive_local().and_utc(),
            Some(zone_name(*t.offset())),
        ));
    }
    let naive = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S%.f")
        .map_err(|_| ApiError::from(messages::DATE_TIME_ORIGINAL_NOT_ISO))?;
    Ok((naive.and_utc(), naive.and_utc(), None))
}

impl EditDto {
    /// The change asked for; a new position gets its place's names at once (while reverse
    /// geocoding is on), where Immich looks them up in a metadata job after answering.
    async fn change_named(&self, state: &AppState) -> ApiResult<AssetChange> {
        let mut change = self.change()?;
        if let Some((latitude, longitude)) = change.location
            && state.system_config.get().reverse_geocoding.enabled
        {
            let geocoder = state.geocoder.clone();
            change.place_names =
                tokio::task::spawn_blocking(move || geocoder.place_names(latitude, longitude))
                    .await
                    .map_err(ApiError::internal)?;
        }
        Ok(change)
    }

    fn change(&self) -> ApiResult<AssetChange> {
        let visibility = match &self.visibility {
            None => None,
            Some(v) => Some(
                Visibility::parse(v).ok_or_else(|| ApiError::from(messages::VISIBILITY_UNKNOWN))?,
            ),
        };
        let location = match (self.latitude, self.longitude) {
            (None, None) => None,
            (Some(lat), Some(lon))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
            {
                Some((lat, lon))
            }
            (Some(_), Some(_)) => {
                return Err(ApiError::from(messages::COORDINATES_OUT_OF_RANGE));
            }
            _ => return Err(ApiError::from(messages::LATITUDE_WITHOUT_LONGITUDE)),
        };
        if let Some(Some(r)) = self.rating
            && !(-1..=5).contains(&r)
        {
            return Err(ApiError::from(messages::RATING_OUT_OF_RANGE));
        }
        Ok(AssetChange {
            is_favorite: self.is_favorite,
            visibility,
            taken: self
                .date_time_original
                .as_deref()
                .map(parse_taken)
                .transpose()?,
            location,
            place_names: None,
            rating: self.rating,
            description: self.description.clone(),
            shift_minutes: self.date_time_relative.filter(|m| *m != 0),
            time_zone: self.time_zone.clone(),
            live_photo_video_id: self.live_photo_video_id,
        })
    }
}

/// Every id must be the caller's, else nothing is done (Immich's all-or-nothing access check).
async fn require_owned(
    state: &AppState,
    auth: &Auth,
    ids: &[Uuid],
    permission: Permission,
) -> ApiResult<()> {
    auth.require(permission)?;
    access::owned_assets(state.catalog.as_ref(), auth.actor(), ids, permission).await?;
    Ok(())
}

pub async fn update_many(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<EditDto>,
) -> ApiResult<StatusCode> {
    let mut change = dto.change_named(&state).await?;
    // Not a field of the bulk edit (Immich's AssetBulkUpdateDto): a live photo is one asset's.
    change.live_photo_video_id = None;
    require_owned(&state, &auth, &dto.ids, Permission::AssetUpdate).await?;
    state
        .catalog
        .update_assets(auth.user.id, &dto.ids, &change)
        .await?;
    state
        .events
        .assets_updated(state.catalog.as_ref(), &dto.ids)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn update_one(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<EditDto>,
) -> ApiResult<Json<AssetResponse>> {
    let mut change = dto.change_named(&state).await?;
    // Fields of the bulk edit only (Immich's UpdateAssetDto has neither).
    change.shift_minutes = None;
    change.time_zone = None;
    accessible_asset(&state, &auth, id, Permission::AssetUpdate).await?;
    // Immich's live-photo hooks: a motion part linked leaves the timeline; one unlinked comes
    // back with the still's visibility.
    let mut hide = None;
    let mut unlinked = None;
    match change.live_photo_video_id {
        Some(Some(motion_id)) => {
            let motion = upload::live_photo_motion(&state, auth.user.id, motion_id).await?;
            hide = (motion.visibility == Visibility::Timeline).then_some(motion.id);
        }
        Some(None) => {
            unlinked = state
                .catalog
                .asset(id)
                .await?
                .and_then(|a| a.live_photo_video_id);
        }
        None => {}
    }
    state
        .catalog
        .update_assets(auth.user.id, &[id], &change)
        .await?;
    // Read back directly: an asset just moved to the locked folder is the caller's still.
    let asset = state
        .catalog
        .asset(id)
        .await?
        .ok_or_else(|| ApiError::no_access(Permission::AssetUpdate))?;
    if let Some(motion) = hide {
        let hidden = AssetChange {
            visibility: Some(Visibility::Hidden),
            ..AssetChange::default()
        };
        state
            .catalog
            .update_assets(auth.user.id, &[motion], &hidden)
            .await?;
        state.events.asset_hidden(auth.user.id, motion).await;
    }
    if let Some(motion) = unlinked {
        let shown = AssetChange {
            visibility: Some(asset.visibility),
            ..AssetChange::default()
        };
        state
            .catalog
            .update_assets(auth.user.id, &[motion], &shown)
            .await?;
        // Immich regenerates its thumbnails and then announces it as uploaded.
        state
            .catalog
            .publish(&BusMessage::UploadReady { asset: motion }.to_text())
            .await?;
    }
    let exif = state.catalog.asset_exif(id).await?;
    let tags = state.catalog.asset_tags(id).await?;
    let mut response = AssetResponse::new(
        &asset,
        AssetExtras {
            owner: Some(&auth.user),
            exif: exif.as_ref(),
            tags: &tags,
        },
    );
    response.people = crate::routes::faces::asset_people(&state, id).await?;
    state.events.asset_update(asset.owner_id, &response).await;
    Ok(Json(response))
}

#[derive(Deserialize)]
pub struct DeleteDto {
    ids: Vec<Uuid>,
    #[serde(default)]
    force: bool,
}

fn purge_error(e: ferrotype_core::repair::RepairError) -> ApiError {
    ApiError::internal(e)
}

/// Deletes for good, then tells each owner, one `on_asset_delete` per asset (Immich's delete
/// job sends one per asset it removes).
async fn purge(state: &AppState, selection: &PurgeSelection) -> ApiResult<usize> {
    let purged =
        ferrotype_core::assets::purge(state.catalog.as_ref(), state.blobs.as_ref(), selection)
            .await
            .map_err(purge_error)?;
    for asset in &purged {
        state.events.asset_delete(asset.owner_id, asset.id).await;
    }
    Ok(purged.len())
}

pub async fn delete_many(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<DeleteDto>,
) -> ApiResult<StatusCode> {
    require_owned(&state, &auth, &dto.ids, Permission::AssetDelete).await?;
    if dto.force {
        let selection = PurgeSelection::Ids {
            owner_id: auth.user.id,
            ids: dto.ids,
        };
        purge(&state, &selection).await?;
    } else {
        state.catalog.trash_assets(auth.user.id, &dto.ids).await?;
        state.events.asset_trash(auth.user.id, &dto.ids).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct IdsDto {
    ids: Vec<Uuid>,
}

fn count(n: u64) -> Json<Value> {
    Json(json!({ "count": n }))
}

pub async fn restore_assets(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<IdsDto>,
) -> ApiResult<Json<Value>> {
    require_owned(&state, &auth, &dto.ids, Permission::AssetDelete).await?;
    let restored = state
        .catalog
        .restore_assets(auth.user.id, Some(&dto.ids))
        .await?;
    state.events.asset_restore(auth.user.id, &dto.ids).await;
    Ok(count(restored))
}

pub async fn restore_all(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(Permission::AssetDelete)?;
    Ok(count(
        state.catalog.restore_assets(auth.user.id, None).await?,
    ))
}

pub async fn empty(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(Permission::AssetDelete)?;
    let selection = PurgeSelection::Trash {
        owner_id: auth.user.id,
    };
    Ok(count(purge(&state, &selection).await? as u64))
}
