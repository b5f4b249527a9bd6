//! `/api/activities`: comments and likes in an album, on the album itself or on one of its
//! assets (Immich's album activity). Who may do what, as Immich decides it:
//! - list and count: whoever may read the album (its owner and members);
//! - comment and like: the owner and the members (viewers too) of an album whose activity is
//!   on (`isActivityEnabled`), on the album or on an asset in it;
//! - delete: the author, or the album's owner.
//!
//! Immich sends no event nor notification for activity; neither do we.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use ferrotype_core::access::{self, Refused};
use ferrotype_core::catalog::{
    Activity, ActivityCreated, ActivityFilter, ActivityPlace, CatalogError, NewActivity, Reaction,
};
use ferrotype_core::permissions::Permission;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::{UserResponse, iso};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;

/// `ReactionType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReactionType {
    Comment,
    Like,
}

/// `ReactionLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReactionLevel {
    Album,
    Asset,
}

/// `ActivityResponseDto`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityResponse {
    id: Uuid,
    created_at: String,
    user: UserResponse,
    asset_id: Option<Uuid>,
    #[serde(rename = "type")]
    kind: ReactionType,
    comment: Option<String>,
}

impl From<&Activity> for ActivityResponse {
    fn from(a: &Activity) -> Self {
        let (kind, comment) = match &a.reaction {
            Reaction::Comment(text) => (ReactionType::Comment, Some(text.clone())),
            Reaction::Like => (ReactionType::Like, None),
        };
        ActivityResponse {
            id: a.id,
            created_at: iso(&a.created_at),
            user: UserResponse::from(&a.user),
            asset_id: a.asset_id,
            kind,
            comment,
        }
    }
}

/// `ActivityStatisticsResponseDto`.
#[derive(Serialize)]
pub struct ActivityStatisticsResponse {
    comments: i64,
    likes: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    album_id: Uuid,
    asset_id: Option<Uuid>,
    level: Option<ReactionLevel>,
    #[serde(rename = "type")]
    kind: Option<ReactionType>,
    user_id: Option<Uuid>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatisticsQuery {
    album_id: Uuid,
    asset_id: Option<Uuid>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDto {
    album_id: Uuid,
    asset_id: Option<Uuid>,
    #[serde(rename = "type")]
    kind: ReactionType,
    comment: Option<String>,
}

/// Immich's 400 "Not found or no album.read access" unless the caller may read the album.
async fn require_album_read(state: &AppState, auth: &Auth, album_id: Uuid) -> ApiResult<()> {
    access::album(
        state.catalog.as_ref(),
        auth.actor(),
        album_id,
        Permission::AlbumRead,
        |_| true,
    )
    .await?;
    Ok(())
}

/// `GET /activities?albumId=&assetId=&level=&type=&userId=`: oldest first.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<Vec<ActivityResponse>>> {
    auth.require(Permission::ActivityRead)?;
    require_album_read(&state, &auth, query.album_id).await?;
    // `level=album` wins over an asset id, as in Immich; `level=asset` alone filters nothing.
    let place = match (query.level, query.asset_id) {
        (Some(ReactionLevel::Album), _) => ActivityPlace::Album,
        (_, Some(asset)) => ActivityPlace::Asset(asset),
        (_, None) => ActivityPlace::Anywhere,
    };
    let activities = state
        .catalog
        .activities(ActivityFilter {
            album_id: query.album_id,
            place,
            user_id: query.user_id,
            likes: query.kind.map(|k| k == ReactionType::Like),
        })
        .await?;
    Ok(Json(
        activities.iter().map(ActivityResponse::from).collect(),
    ))
}

/// `GET /activities/statistics?albumId=&assetId=`.
pub async fn statistics(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<StatisticsQuery>,
) -> ApiResult<Json<ActivityStatisticsResponse>> {
    auth.require(Permission::ActivityStatistics)?;
    require_album_read(&state, &auth, query.album_id).await?;
    let stats = state
        .catalog
        .activity_statistics(query.album_id, query.asset_id)
        .await?;
    Ok(Json(ActivityStatisticsResponse {
        comments: stats.comments,
        likes: stats.likes,
    }))
}

/// zod's refinements of `ActivityCreateDto`, which its schema cannot state: Immich's
/// `Validation failed` with a `custom` issue on `comment`.
fn check_comment(dto: &CreateDto) -> ApiResult<()> {
    let message = match (dto.kind, dto.comment.as_deref()) {
        (ReactionType::Comment, None) => Some("Comment is required when type is COMMENT"),
        (ReactionType::Comment, Some(text)) if text.trim().is_empty() => {
            Some("Comment is required when type is COMMENT")
        }
        (ReactionType::Like, Some(text)) if !text.is_empty() => {
            Some("Comment must not be provided when type is not COMMENT")
        }
        _ => None,
    };
    match message {
        Some(message) => Err(ApiError::validation(json!([{
            "code": "custom",
            "path": ["comment"],
            "message": message,
        }]))),
        None => Ok(()),
    }
}

/// `POST /activities`: 201 with the new activity, or 200 with the like the caller already gave
/// there.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<CreateDto>,
) -> ApiResult<(StatusCode, Json<ActivityResponse>)> {
    auth.require(Permission::ActivityCreate)?;
    check_comment(&dto)?;
    let refused = || ApiError::no_access(Permission::ActivityCreate);
    // Immich's `activity.create` access: the owner or a member, of an album with activity on.
    match access::album(
        state.catalog.as_ref(),
        auth.actor(),
        dto.album_id,
        Permission::ActivityCreate,
        |_| true,
    )
    .await
    {
        Ok((summary, _)) if summary.album.is_activity_enabled => {}
        Ok(_) => return Err(refused()),
        Err(e) => return Err(e.into()),
    }
    let reaction = match dto.kind {
        ReactionType::Comment => Reaction::Comment(dto.comment.unwrap_or_default()),
        ReactionType::Like => Reaction::Like,
    };
    let new = NewActivity {
        album_id: dto.album_id,
        asset_id: dto.asset_id,
        user_id: auth.user.id,
        reaction,
    };
    // An asset not in the album (Immich fails on its foreign key, a 500) gets the access
    // refusal: the caller may not act on it there.
    match state.catalog.create_activity(&new).await {
        Ok(ActivityCreated::New(activity)) => {
            Ok((StatusCode::CREATED, Json(ActivityResponse::from(&activity))))
        }
        Ok(ActivityCreated::ExistingLike(activity)) => {
            Ok((StatusCode::OK, Json(ActivityResponse::from(&activity))))
        }
        Err(CatalogError::NotFound(_)) => Err(refused()),
        Err(e) => Err(e.into()),
    }
}

/// `DELETE /activities/{id}`: by its author or the album's owner.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::ActivityDelete)?;
    let refused = || ApiError::from(Refused::NoAccess(Permission::ActivityDelete));
    let activity = state.catalog.activity(id).await?.ok_or_else(refused)?;
    let allowed = activity.user.id == auth.user.id
        || state
            .catalog
            .album(activity.album_id)
            .await?
            .is_some_and(|a| a.album.owner_id == auth.user.id);
    if !allowed {
        return Err(refused());
    }
    state.catalog.delete_activity(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
