//! `/api/people`: the people a user names (Immich's persons). A person is made by hand
//! (`POST /people`) and filled with the faces its owner draws (`routes/faces.rs`; Immich's
//! machine learning is not run): its face thumbnail (`GET /people/{id}/thumbnail`, made by
//! `PersonGenerateThumbnail` from the feature face), its statistics, merging people and
//! reassigning their faces. A person is its owner's alone: anyone else's id answers Immich's 400
//! "Not found or no person.<action> access", as a missing one does.
//!
//! As Immich, `GET /people` lists only the people with a visible face on an asset of the
//! timeline (and a name, or `minimumFaces` faces), and counts those with such a face.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use ferrotype_core::access::{self, AssetAccess};
use ferrotype_core::blob::{BlobError, ByteRange};
use ferrotype_core::catalog::{NewPerson, Person, PersonChange};
use ferrotype_core::faces::choose_feature_faces;
use ferrotype_core::jobs::NewJob;
use ferrotype_core::jobs::payloads::PersonThumbnailJob;
use ferrotype_core::media_types::mime_type_for;
use ferrotype_core::permissions::Permission;
use ferrotype_core::storage::extension_of;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;
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
pub(crate) async fn own_person(
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

/// The person (Immich's `findOrFail`: 400 "Person not found" when gone).
pub(crate) async fn find_person(state: &AppState, id: Uuid) -> ApiResult<Person> {
    state
        .catalog
        .person(id)
        .await?
        .ok_or_else(|| messages::PERSON_NOT_FOUND_BAD_REQUEST.into())
}

/// `PersonSearchDto` (the contract has checked each parameter's form and bounds). Its
/// `closestAssetId` is left unread: Immich orders by the distance between face embeddings,
/// which only machine learning makes; with every distance unknown the order is the usual one.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    with_hidden: Option<bool>,
    closest_person_id: Option<Uuid>,
    page: Option<u64>,
    size: Option<u64>,
}

/// `GET /people`: a page of the caller's people seen on their timeline (500 a page unless
/// `size` says otherwise), the hidden ones only `withHidden`, with how many they are in all
/// and hidden.
pub async fn search(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<SearchQuery>,
) -> ApiResult<Json<PeopleResponse>> {
    auth.require(Permission::PersonRead)?;
    if let Some(id) = query.closest_person_id {
        // Immich needs the person's feature face to compare the others' with, and says so
        // whoever's the person is.
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
    // The owner's `people.minimumFaces` preference (3 unless they changed it).
    let min_faces = crate::routes::users::read_preferences(&state, auth.user.id)
        .await?
        .pointer("/people/minimumFaces")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(3);
    let page = state
        .catalog
        .people(
            auth.user.id,
            query.with_hidden.unwrap_or(false),
            min_faces,
            skip,
            size,
        )
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
    let mut feature_face = None;
    if let Some(asset_id) = dto.feature_face_asset_id {
        access::asset(
            state.catalog.as_ref(),
            auth.actor(),
            asset_id,
            AssetAccess::Read,
        )
        .await?;
        // The feature face is one of the person's faces on that asset.
        let face = state.catalog.person_faces_on_asset(id, asset_id).await?;
        let face = face
            .first()
            .ok_or_else(|| ApiError::from(messages::INVALID_FEATURE_FACE))?;
        feature_face = Some(face.id);
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
    let mut person = state
        .catalog
        .update_person(id, &change)
        .await?
        .ok_or_else(|| ApiError::from(messages::PERSON_NOT_FOUND))?;
    if let Some(face) = feature_face {
        person = state
            .catalog
            .set_person_face(id, Some(face))
            .await?
            .ok_or_else(|| ApiError::from(messages::PERSON_NOT_FOUND))?;
        state
            .catalog
            .enqueue_jobs(&[NewJob::of(&PersonThumbnailJob { id })])
            .await?;
    }
    Ok(person)
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
/// otherwise), and their face thumbnails.
async fn delete_people(state: &AppState, auth: &Auth, ids: &[Uuid]) -> ApiResult<StatusCode> {
    let mut people = Vec::with_capacity(ids.len());
    for id in ids {
        people.push(own_person(state, auth, *id, Permission::PersonDelete).await?);
    }
    remove_people(state, &people).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Immich's `removeAllPeople`: the thumbnails, then the people.
async fn remove_people(state: &AppState, people: &[Person]) -> ApiResult<()> {
    for person in people {
        if !person.thumbnail_path.is_empty()
            && let Err(e) = state.blobs.delete(&person.thumbnail_path).await
        {
            tracing::warn!(person = %person.id, "cannot delete the face thumbnail: {e}");
        }
    }
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    state.catalog.delete_people(&ids).await?;
    Ok(())
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

/// `GET /people/{id}/thumbnail`: the person's face thumbnail (a JPEG), made when they got a
/// feature face; Immich's bare 404 while there is none.
pub async fn thumbnail(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    auth.require(Permission::PersonRead)?;
    let person = own_person(&state, &auth, id, Permission::PersonRead).await?;
    if person.thumbnail_path.is_empty() {
        return Err(messages::NOT_FOUND.into());
    }
    let mut blob = match state
        .blobs
        .open(&person.thumbnail_path, ByteRange::ALL)
        .await
    {
        Ok(blob) => blob,
        Err(BlobError::NotFound(_)) => return Err(messages::NOT_FOUND.into()),
        Err(e) => return Err(e.into()),
    };
    let mut bytes = Vec::with_capacity(blob.len as usize);
    blob.reader
        .read_to_end(&mut bytes)
        .await
        .map_err(ApiError::internal)?;
    let content_type = mime_type_for(&extension_of(&person.thumbnail_path).unwrap_or_default());
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            // Immich's `PrivateWithoutCache`: the thumbnail changes with the feature face.
            (header::CACHE_CONTROL, "private, no-cache, no-transform"),
        ],
        bytes,
    )
        .into_response())
}

/// `PersonStatisticsResponseDto`.
#[derive(Serialize)]
pub struct StatisticsResponse {
    assets: u64,
}

/// `GET /people/{id}/statistics`: how many assets of the timeline (not in the trash) show the
/// person.
pub async fn statistics(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<StatisticsResponse>> {
    auth.require(Permission::PersonStatistics)?;
    own_person(&state, &auth, id, Permission::PersonRead).await?;
    let assets = state.catalog.person_asset_count(id).await?;
    Ok(Json(StatisticsResponse { assets }))
}

/// `MergePersonDto`.
#[derive(Deserialize)]
pub struct MergeDto {
    ids: Vec<Uuid>,
}

/// `POST /people/{id}/merge`: each person of `ids` is merged into the one of the path, one by
/// one: their faces move to it, it takes their name and birth date if it has none, and they
/// are deleted. Another user's person is `no_permission`, one already gone `not_found`.
pub async fn merge(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<MergeDto>,
) -> ApiResult<Json<Vec<BulkIdResponse>>> {
    auth.require(Permission::PersonMerge)?;
    if dto.ids.contains(&id) {
        return Err(messages::MERGE_INTO_ITSELF.into());
    }
    own_person(&state, &auth, id, Permission::PersonUpdate).await?;
    let mut primary = find_person(&state, id).await?;
    // Immich checks every id's access first, then merges one by one.
    let mut allowed = std::collections::HashSet::new();
    for merge_id in &dto.ids {
        if let Some(p) = state.catalog.person(*merge_id).await?
            && p.owner_id == auth.user.id
        {
            allowed.insert(*merge_id);
        }
    }
    let mut results = Vec::with_capacity(dto.ids.len());
    for merge_id in dto.ids {
        if !allowed.contains(&merge_id) {
            results.push(BulkIdResponse::of(merge_id, Some("no_permission")));
            continue;
        }
        let Some(merged) = state.catalog.person(merge_id).await? else {
            results.push(BulkIdResponse::of(merge_id, Some("not_found")));
            continue;
        };
        let outcome: ApiResult<()> = async {
            let change = PersonChange {
                name: (primary.name.is_empty() && !merged.name.is_empty())
                    .then(|| merged.name.clone()),
                birth_date: (primary.birth_date.is_none() && merged.birth_date.is_some())
                    .then_some(merged.birth_date),
                ..Default::default()
            };
            if change != PersonChange::default()
                && let Some(updated) = state.catalog.update_person(id, &change).await?
            {
                primary = updated;
            }
            state.catalog.move_faces(merge_id, id).await?;
            remove_people(&state, std::slice::from_ref(&merged)).await
        }
        .await;
        let error = match outcome {
            Ok(()) => None,
            Err(e) => {
                tracing::warn!("cannot merge {merge_id} into {id}: {}", e.message);
                Some("unknown")
            }
        };
        results.push(BulkIdResponse::of(merge_id, error));
    }
    Ok(Json(results))
}

/// `AssetFaceUpdateItem`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReassignItem {
    person_id: Uuid,
    asset_id: Uuid,
}

/// `AssetFaceUpdateDto`.
#[derive(Deserialize)]
pub struct ReassignDto {
    data: Vec<ReassignItem>,
}

/// `PUT /people/{id}/reassign`: for each item, that person's faces on that asset go to the
/// person of the path; each face must be on an asset of the caller's (else Immich's 400, the
/// faces moved before it staying moved). Answers, as Immich, the person of the path once per
/// item, as it was before; feature faces are chosen again afterwards for it (if it had none)
/// and for those whose feature face moved.
pub async fn reassign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<ReassignDto>,
) -> ApiResult<Json<Vec<PersonResponse>>> {
    auth.require(Permission::PersonReassign)?;
    own_person(&state, &auth, id, Permission::PersonUpdate).await?;
    let person = find_person(&state, id).await?;
    let mut results = Vec::with_capacity(dto.data.len());
    let mut again = Vec::new();
    for item in dto.data {
        let faces = state
            .catalog
            .person_faces_on_asset(item.person_id, item.asset_id)
            .await?;
        for face in faces {
            crate::routes::faces::own_face(&state, &auth, face.id, Permission::PersonCreate, false)
                .await?;
            if person.face_asset_id.is_none() {
                again.push(id);
            }
            if let Some(former) = face.person_id
                && let Some(former) = state.catalog.person(former).await?
                && former.face_asset_id == Some(face.id)
            {
                again.push(former.id);
            }
            state.catalog.reassign_face(face.id, id).await?;
        }
        results.push(PersonResponse::new(&person));
    }
    choose_feature_faces(state.catalog.as_ref(), &again).await?;
    Ok(Json(results))
}
