//! `GET /timeline/buckets` and `/timeline/bucket`: the web timeline's months and, per month, its
//! assets as parallel arrays (Immich's columnar `TimeBucketAssetResponseDto`).

use ferrotype_core::permissions::Permission;
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use ferrotype_core::model::{TimelineAsset, TimelineQuery, TimelineScope, Visibility};
use serde::Serialize;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::b64;
use crate::error::{ApiError, ApiResult};
use crate::messages;
use crate::routes::albums::readable_album;
use crate::routes::partners;
use crate::routes::query::{bool_param, uuid_param};

/// The query behind both endpoints, with its access checks: another user's timeline (but a
/// partner's), or an album the user is not in, is refused as Immich does; `withPartners` adds
/// the partners shown in the user's timeline; `None` when nothing can match (a
/// person, as faces are not recognised yet).
async fn timeline_query(
    state: &AppState,
    auth: &Auth,
    params: &HashMap<String, String>,
) -> ApiResult<Option<TimelineQuery>> {
    auth.require_shareable(Permission::AssetRead)?;
    // A link to an album shows that album's timeline and nothing else.
    if let Some(link) = auth.shared_link()
        && (link.album_id.is_none() || uuid_param(params, "albumId")? != link.album_id)
    {
        return Err(ApiError::no_access(Permission::AlbumRead));
    }
    let visibility = params
        .get("visibility")
        .map(|v| Visibility::parse(v).ok_or_else(|| ApiError::from(messages::VISIBILITY_UNKNOWN)))
        .transpose()?;
    if visibility == Some(Visibility::Locked) && !auth.is_elevated() {
        return Err(ApiError::from(messages::ELEVATED_PERMISSION_IS_REQUIRED));
    }
    let descending = match params.get("order").map(String::as_str) {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => {
            return Err(ApiError::from(messages::ORDER_NOT_ASC_OR_DESC));
        }
    };
    let album = uuid_param(params, "albumId")?;
    if let Some(album) = album {
        readable_album(state, auth, album).await?;
    }
    // Whose timeline: one's own, or (Immich's `timeline.read`) that of someone who shares their
    // library with the caller; their archive and locked folder stay theirs.
    let user = uuid_param(params, "userId")?.unwrap_or(auth.user.id);
    let requested = visibility;
    let mut visibility = visibility;
    if user != auth.user.id {
        if auth.shared_link().is_some()
            || state.catalog.partner(user, auth.user.id).await?.is_none()
        {
            return Err(ApiError::no_access(Permission::TimelineRead));
        }
        if visibility == Some(Visibility::Archive) {
            return Err(ApiError::no_access(Permission::ArchiveRead));
        }
        if visibility == Some(Visibility::Locked) {
            return Err(ApiError::from(messages::ANOTHER_USERS_LOCKED_TIMELINE));
        }
        // Without a visibility Immich lists the partner's archive too, whose assets its own
        // access rules then refuse; we list what the partner may open.
        if visibility.is_none() {
            visibility = Some(Visibility::Timeline);
        }
    }
    let is_favorite = bool_param(params, "isFavorite")?;
    let trashed = bool_param(params, "isTrashed")?.unwrap_or(false);
    let with_partners = bool_param(params, "withPartners")?.unwrap_or(false);
    // Partners' assets only on the plain timeline, as Immich allows them.
    if with_partners
        && (matches!(
            requested,
            None | Some(Visibility::Archive | Visibility::Locked)
        ) || is_favorite.is_some()
            || trashed)
    {
        return Err(ApiError::from(messages::WITH_PARTNERS_UNSUPPORTED));
    }
    let within = match album {
        Some(album) => Some(TimelineScope::Album(album)),
        None => uuid_param(params, "tagId")?.map(TimelineScope::Tag),
    };
    // A tag's timeline is its owner's (Immich's `tag.read` access).
    if let Some(TimelineScope::Tag(tag)) = within
        && !state
            .catalog
            .tag(tag)
            .await?
            .is_some_and(|t| t.user_id == auth.user.id && auth.shared_link().is_none())
    {
        return Err(ApiError::no_access(Permission::TagRead));
    }
    if uuid_param(params, "personId")?.is_some() {
        return Ok(None);
    }
    let mut owner_ids = vec![user];
    if with_partners && auth.shared_link().is_none() {
        owner_ids.extend(partners::sharing_with(state, auth.user.id, true).await?);
    }
    Ok(Some(TimelineQuery {
        owner_ids,
        within,
        visibility,
        is_favorite,
        trashed,
        descending,
        with_stacked: bool_param(params, "withStacked")?.unwrap_or(false),
    }))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketCount {
    time_bucket: String,
    count: i64,
}

/// `GET /timeline/buckets`: `[{timeBucket: "2024-05-01", count}]`.
pub async fn buckets(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<BucketCount>>> {
    let Some(query) = timeline_query(&state, &auth, &params).await? else {
        return Ok(Json(Vec::new()));
    };
    let months = state.catalog.timeline_buckets(&query).await?;
    Ok(Json(
        months
            .into_iter()
            .map(|(month, count)| BucketCount {
                time_bucket: format!("{month}-01"),
                count,
            })
            .collect(),
    ))
}

/// The month a `timeBucket` names: `2024-05-01`, `2024-05-01T00:00:00.000Z` or `2024-05`.
fn month_of(time_bucket: &str) -> Option<&str> {
    let month = time_bucket.get(..7)?;
    let ok = month.as_bytes()[4] == b'-'
        && month[..4].bytes().all(|b| b.is_ascii_digit())
        && month[5..].bytes().all(|b| b.is_ascii_digit());
    ok.then_some(month)
}

/// `TimeBucketAssetResponseDto`: one array per field, one entry per asset.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Columns {
    id: Vec<String>,
    owner_id: Vec<String>,
    ratio: Vec<f64>,
    is_image: Vec<bool>,
    is_favorite: Vec<bool>,
    is_trashed: Vec<bool>,
    visibility: Vec<String>,
    file_created_at: Vec<String>,
    local_offset_hours: Vec<f64>,
    thumbhash: Vec<Option<String>>,
    duration: Vec<Option<i64>>,
    live_photo_video_id: Vec<Option<String>>,
    projection_type: Vec<Option<String>>,
    created_at: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<Vec<Option<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<Vec<Option<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latitude: Option<Vec<Option<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    longitude: Option<Vec<Option<f64>>>,
    /// With `withStacked`: `[stackId, assetCount]` of a stack's primary, null for the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    stack: Option<Vec<Option<[String; 2]>>>,
}

impl Columns {
    fn new(assets: Vec<TimelineAsset>, with_coordinates: bool, with_stacked: bool) -> Self {
        let mut c = Columns::default();
        if with_stacked {
            c.stack = Some(
                assets
                    .iter()
                    .map(|t| {
                        t.stack
                            .as_ref()
                            .map(|(id, count)| [id.clone(), count.to_string()])
                    })
                    .collect(),
            );
        }
        let mut places = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for t in assets {
            c.ratio.push(match (t.width, t.height) {
                (Some(w), Some(h)) if w > 0 && h > 0 => w as f64 / h as f64,
                _ => 1.0,
            });
            c.id.push(t.id);
            c.owner_id.push(t.owner_id);
            c.is_image.push(t.is_image);
            c.is_favorite.push(t.is_favorite);
            c.is_trashed.push(t.is_trashed);
            c.visibility.push(t.visibility);
            c.file_created_at.push(t.file_created_at);
            c.local_offset_hours.push(t.local_offset_hours);
            c.thumbhash.push(t.thumbhash.as_deref().map(b64));
            c.duration.push(t.duration_ms);
            c.live_photo_video_id.push(t.live_photo_video_id);
            c.projection_type.push(t.projection_type);
            c.created_at.push(t.created_at);
            if with_coordinates {
                places.0.push(t.city);
                places.1.push(t.country);
                places.2.push(t.latitude);
                places.3.push(t.longitude);
            }
        }
        if with_coordinates {
            c.city = Some(places.0);
            c.country = Some(places.1);
            c.latitude = Some(places.2);
            c.longitude = Some(places.3);
        }
        c
    }
}

/// `GET /timeline/bucket?timeBucket=2024-05-01`.
pub async fn bucket(
    State(state): State<AppState>,
    auth: Auth,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<Columns>> {
    let month = params
        .get("timeBucket")
        .ok_or_else(|| ApiError::from(messages::TIME_BUCKET_NOT_STRING))?;
    let month = month_of(month)
        .ok_or_else(|| ApiError::from(messages::TIME_BUCKET_NOT_DATE))?
        .to_string();
    let with_coordinates = bool_param(&params, "withCoordinates")?.unwrap_or(false);
    let query = timeline_query(&state, &auth, &params).await?;
    let with_stacked = query.as_ref().is_some_and(|q| q.with_stacked);
    let assets = match query {
        Some(query) => state.catalog.timeline_bucket(&query, &month).await?,
        None => Vec::new(),
    };
    Ok(Json(Columns::new(assets, with_coordinates, with_stacked)))
}

#[cfg(test)]
mod tests {
    use super::month_of;

    #[test]
    fn time_buckets_name_months() {
        assert_eq!(month_of("2024-05-01"), Some("2024-05"));
        assert_eq!(month_of("2024-05-01T00:00:00.000Z"), Some("2024-05"));
        assert_eq!(month_of("2024-05"), Some("2024-05"));
        assert_eq!(month_of("May 2024"), None);
        assert_eq!(month_of("2024"), None);
    }
}
