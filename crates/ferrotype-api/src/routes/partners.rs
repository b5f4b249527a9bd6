//! `/api/partners`: sharing one's whole library with another user (Immich's partner sharing).
//! The sharer adds and removes partners; the partner chooses whether the sharer's assets show in
//! their timeline (`inTimeline`). What a partner may then see is decided in
//! `ferrotype_core::access` (assets) and `routes/timeline.rs` (`userId`, `withPartners`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use ferrotype_core::catalog::CatalogError;
use ferrotype_core::model::Partner;
use ferrotype_core::permissions::Permission;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::UserResponse;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;

/// `PartnerResponseDto`: the other user of the partnership, and whether the partner shows the
/// sharer's assets in their timeline.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerResponse {
    #[serde(flatten)]
    user: UserResponse,
    in_timeline: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Those the caller shares with.
    SharedBy,
    /// Those who share with the caller.
    SharedWith,
}

impl PartnerResponse {
    /// As Immich maps it: the user on the other side of `direction`.
    fn new(partner: &Partner, direction: Direction) -> Self {
        let other = match direction {
            Direction::SharedBy => &partner.shared_with,
            Direction::SharedWith => &partner.shared_by,
        };
        PartnerResponse {
            user: UserResponse::from(other),
            in_timeline: partner.in_timeline,
        }
    }
}

#[derive(Deserialize)]
pub struct SearchQuery {
    direction: Direction,
}

/// `GET /partners?direction=shared-by|shared-with`.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<Vec<PartnerResponse>>> {
    auth.require(Permission::PartnerRead)?;
    let me = auth.user.id;
    let partners = state.catalog.partners_of(me).await?;
    Ok(Json(
        partners
            .iter()
            .filter(|p| match query.direction {
                Direction::SharedBy => p.shared_by.id == me,
                Direction::SharedWith => p.shared_with.id == me,
            })
            .map(|p| PartnerResponse::new(p, query.direction))
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDto {
    shared_with_id: Uuid,
}

async fn create_with(
    state: &AppState,
    auth: &Auth,
    shared_with: Uuid,
) -> ApiResult<(StatusCode, Json<PartnerResponse>)> {
    auth.require(Permission::PartnerCreate)?;
    if shared_with == auth.user.id {
        return Err(ApiError::from(messages::PARTNER_NOT_YOURSELF));
    }
    // A deleted account cannot be chosen (Immich's web lists only active users).
    let active = state
        .catalog
        .user_by_id(shared_with)
        .await?
        .is_some_and(|u| u.deleted_at.is_none());
    if !active {
        return Err(ApiError::from(messages::USER_NOT_FOUND));
    }
    let partner = match state
        .catalog
        .create_partner(auth.user.id, shared_with)
        .await
    {
        Ok(partner) => partner,
        Err(CatalogError::Conflict(_)) => {
            return Err(ApiError::from(messages::PARTNER_ALREADY_EXISTS));
        }
        Err(CatalogError::NotFound(_)) => return Err(ApiError::from(messages::USER_NOT_FOUND)),
        Err(e) => return Err(e.into()),
    };
    Ok((
        StatusCode::CREATED,
        Json(PartnerResponse::new(&partner, Direction::SharedBy)),
    ))
}

/// `POST /partners` `{sharedWithId}`.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<CreateDto>,
) -> ApiResult<(StatusCode, Json<PartnerResponse>)> {
    create_with(&state, &auth, dto.shared_with_id).await
}

/// `POST /partners/{id}`: Immich 3's deprecated form of the same.
pub async fn create_deprecated(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<(StatusCode, Json<PartnerResponse>)> {
    create_with(&state, &auth, id).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDto {
    in_timeline: bool,
}

/// `PUT /partners/{id}`: the partner (the caller) shows the sharer `id`'s assets in their
/// timeline or not. Only someone who shares with the caller: Immich's `partner.update` access.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<UpdateDto>,
) -> ApiResult<Json<PartnerResponse>> {
    auth.require(Permission::PartnerUpdate)?;
    let partner = state
        .catalog
        .update_partner(id, auth.user.id, dto.in_timeline)
        .await?
        .ok_or_else(|| ApiError::no_access(Permission::PartnerUpdate))?;
    Ok(Json(PartnerResponse::new(&partner, Direction::SharedWith)))
}

/// `DELETE /partners/{id}`: the caller stops sharing with `id`.
pub async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::PartnerDelete)?;
    if state.catalog.remove_partner(auth.user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::from(messages::PARTNER_NOT_FOUND))
    }
}

/// Those who share their library with `user` (Immich's `getMyPartnerIds`): all of them for the
/// map, only those the user shows in their timeline for the timeline.
pub async fn sharing_with(
    state: &AppState,
    user: Uuid,
    in_timeline_only: bool,
) -> ApiResult<Vec<Uuid>> {
    Ok(state
        .catalog
        .partners_of(user)
        .await?
        .into_iter()
        .filter(|p| p.shared_with.id == user && (p.in_timeline || !in_timeline_only))
        .map(|p| p.shared_by.id)
        .collect())
}
