//! `/api/people`: the people a user names (Immich's persons), without faces. Immich fills a
//! person with the faces machine learning finds; Ferrotype keeps no faces yet, so a person is
//! what its owner made (`POST /people`) and changed by hand. A person is its owner's alone:
//! anyone else's id answers Immich's 400 "Not found or no person.<action> access", as a missing
//! one does. What needs faces is left unrouted: a person's statistics, thumbnail, merging and
//! reassigning faces.
//!
//! One difference from Immich, until faces exist: Immich lists (`GET /people`) and counts only
//! the people with at least one visible face on an asset of the timeline (and a name, or
//! `minimumFaces` faces), so a person made by hand is never listed there; here every person of
//! the owner is listed and counted.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use ferrotype_core::access::{self, AssetAccess};
use ferrotype_core::catalog::{NewPerson, Person, PersonChange};
use ferrotype_core::permissions::Permission;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::{BulkIdResponse, BulkIdsDto, iso};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;
use crate::routes::edits::nullable;

/// A birth date as Immich takes it: a date (`1990-01-01`), or a date and time, of which the
/// date is kept (as PostgreSQL casts it); with the instant JavaScript's `new Date` reads in it
/// (a date alone is its midnight UTC), which must not be in the future.
pub(crate) fn birth_date(s: &str) -> Option<(NaiveDate, DateTime<Utc>)> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        && s.len() == 10
    {
        return Some((d, d.and_time(chrono::NaiveTime::MIN).and_utc()));
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| (t.date_naive(), t.with_timezone(&Utc)))
}

/// Whether a birth date passes Immich's refinement ("Birth date cannot be in the future"); one
/// that does not read as a date fails it too, as `new Date` gives NaN there.
pub(crate) fn birth_date_allowed(s: &str) -> bool {
    birth_date(s).is_some_and(|(_, at)| at <= Utc::now())
}

/// Immich's `hexColor`: the `#` is added when missing (the contract checked the form).
fn hex_color(c: String) -> String {
    if c.starts_with('#') {
        c
    } else {
        format!("#{c}")
    }
}

/// `PersonResponseDto`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonResponse {
    id: Uuid,
    name: String,
    birth_date: Option<String>,
    thumbnail_path: String,
    is_hidden: bool,
    is_favorite: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<String>,
    updated_at: String,
}

impl PersonResponse {
    pub fn new(p: &Person) -> Self {
        PersonResponse {
            id: p.id,
            name: p.name.clone(),
            birth_date: p.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
            thumbnail_path: p.thumbnail_path.clone(),
            is_hidden: p.is_hidden,
            is_favorite: p.is_favorite,
            color: p.color.clone(),
            updated_at: iso(&p.updated_at),
        }
    }
}

/// `PeopleResponseDto`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeopleResponse {
    total: u64,
    hidden: u64,
    people: Vec<PersonResponse>,
    has_next_page: bool,
}

/// The person, if it is the caller's (Immich's person access: the owner's only).
async fn own_person(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    permission: Permission,
) -> ApiResult<Person> {
    match state.catalog.person(id).await? {
        Some(person) if person.owner_id == auth.user.id => Ok(person),
        _ => Err(ApiError::no_access(permission)),
    }
}

/// `PersonSearchDto` (the contract has checked each parameter's form and bounds). Its
/// `closestAssetId` is left unread: Immich orders by the distance of each person's face to that
/// face; without faces every distance is unknown, which leaves Immich's order to its other
/// keys, as here.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    with_hidden: Option<bool>,
    closest_person_id: Option<Uuid>,
    page: Option<u64>,
    size: Option<u64>,
}

/// `GET /people`: a page of the caller's people (500 a page unless `size` says otherwise),
/// the hidden ones only `withHidden`, with how many they are in all and hidden.
pub async fn search(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<PeopleResponse>> {
    auth.require(Permission::PersonRead)?;
    if let Some(id) = query.closest_person_id {
        // Immich needs the person's face to compare the others' with, and says so whoever's
        // the person is; no person has a face yet.
        let face = state
            .catalog
            .person(id)
            .await?
            .and_then(|p| p.face_asset_id);
        if face.is_none() {
            return Err(messages::PERSON_NOT_FOUND.into());
        }
    }
    let size = query.size.unwrap_or(500);
    let skip = query
        .page
        .unwrap_or(1)
        .saturating_sub(1)
        .saturating_mul(size);
    let page = state
        .catalog
        .people(auth.user.id, query.with_hidden.unwrap_or(false), skip, size)
        .await?;
    let count = state.catalog.people_count(auth.user.id).await?;
    Ok(Json(PeopleResponse {
        total: count.total,
        hidden: count.hidden,
        people: page.people.iter().map(PersonResponse::new).collect(),
        has_next_page: page.has_next_page,
    }))
}

/// `PersonCreateDto`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDto {
    name: Option<String>,
    birth_date: Option<String>,
    is_hidden: Option<bool>,
    is_favorite: Option<bool>,
    color: Option<String>,
}

/// `POST /people`: a person of the caller's, unnamed unless `name` says otherwise.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<CreateDto>,
) -> ApiResult<(StatusCode, Json<PersonResponse>)> {
    auth.require(Permission::PersonCreate)?;
    let person = state
        .catalog
        .create_person(&NewPerson {
            owner_id: auth.user.id,
            name: dto.name.unwrap_or_default(),
            birth_date: dto
                .birth_date
                .as_deref()
                .and_then(birth_date)
                .map(|(d, _)| d),
            is_hidden: dto.is_hidden.unwrap_or(false),
            is_favorite: dto.is_favorite.unwrap_or(false),
            color: dto.color.map(hex_color),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(PersonResponse::new(&person))))
}

/// `PersonUpdateDto`: an absent field is kept; a null birth date or colour is cleared.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDto {
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    birth_date: Option<Option<String>>,
    is_hidden: Option<bool>,
    is_favorite: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    color: Option<Option<String>>,
    feature_face_asset_id: Option<Uuid>,
}

/// Immich's `PersonService.update`: the caller's person, changed as the DTO says.
async fn update_person(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    dto: UpdateDto,
) -> ApiResult<Person> {
    own_person(state, auth, id, Permission::PersonUpdate).await?;
    if let Some(asset_id) = dto.feature_face_asset_id {
        access::asset(
            state.catalog.as_ref(),
            auth.actor(),
            asset_id,
            AssetAccess::Read,
        )
        .await?;
        // The feature face is one of the person's faces on that asset: there are none yet.
        return Err(messages::INVALID_FEATURE_FACE.into());
    }
    let change = PersonChange {
        name: dto.name,
        birth_date: dto
            .birth_date
            .map(|d| d.as_deref().and_then(birth_date).map(|(d, _)| d)),
        is_hidden: dto.is_hidden,
        is_favorite: dto.is_favorite,
        color: dto.color.map(|c| c.map(hex_color)),
    };
    state
        .catalog
        .update_person(id, &change)
        .await?
        .ok_or_else(|| messages::PERSON_NOT_FOUND.into())
}

/// `GET /people/{id}`.
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<PersonResponse>> {
    auth.require(Permission::PersonRead)?;
    let person = own_person(&state, &auth, id, Permission::PersonRead).await?;
    Ok(Json(PersonResponse::new(&person)))
}

/// `PUT /people/{id}` (and Immich 3's `PATCH`).
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<UpdateDto>,
) -> ApiResult<Json<PersonResponse>> {
    auth.require(Permission::PersonUpdate)?;
    let person = update_person(&state, &auth, id, dto).await?;
    Ok(Json(PersonResponse::new(&person)))
}

/// `PeopleUpdateItem`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateItem {
    id: Uuid,
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    birth_date: Option<Option<String>>,
    is_hidden: Option<bool>,
    is_favorite: Option<bool>,
    feature_face_asset_id: Option<Uuid>,
}

/// `PeopleUpdateDto`.
#[derive(Deserialize)]
pub struct UpdateAllDto {
    people: Vec<UpdateItem>,
}

/// `PUT /people`: each person changed as `PUT /people/{id}` would, one by one; a refusal is
/// that person's `unknown` error. Immich leaves the colour out here (its bulk update does not
/// pass it on), so it is ignored.
pub async fn update_all(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<UpdateAllDto>,
) -> ApiResult<Json<Vec<BulkIdResponse>>> {
    auth.require(Permission::PersonUpdate)?;
    let mut results = Vec::with_capacity(dto.people.len());
    for item in dto.people {
        let id = item.id;
        let change = UpdateDto {
            name: item.name,
            birth_date: item.birth_date,
            is_hidden: item.is_hidden,
            is_favorite: item.is_favorite,
            color: None,
            feature_face_asset_id: item.feature_face_asset_id,
        };
        let error = match update_person(&state, &auth, id, change).await {
            Ok(_) => None,
            Err(e) => {
                tracing::debug!("cannot update person {id}: {}", e.message);
                Some("unknown")
            }
        };
        results.push(BulkIdResponse::of(id, error));
    }
    Ok(Json(results))
}

/// Deletes the people if every one is the caller's (Immich's access check refuses all
/// otherwise). Their thumbnails would go with them; a person has none until faces make one.
async fn delete_people(state: &AppState, auth: &Auth, ids: &[Uuid]) -> ApiResult<StatusCode> {
    for id in ids {
        own_person(state, auth, *id, Permission::PersonDelete).await?;
    }
    state.catalog.delete_people(ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /people`.
pub async fn delete_all(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<BulkIdsDto>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::PersonDelete)?;
    delete_people(&state, &auth, &dto.ids).await
}

/// `DELETE /people/{id}`.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::PersonDelete)?;
    delete_people(&state, &auth, &[id]).await
}
