//! `/api/faces`: faces drawn by hand on an asset, for a person of its owner (Immich's face
//! routes, without machine learning). Who may do what is Immich's: making a face needs the
//! asset's `asset.update` access and the person's `person.read` (both the caller's own);
//! reading an asset's faces, its `asset.read` (an album or a partner may show it; a face's
//! person is shown only to its owner); reassigning and deleting a face, that the face is on an
//! asset of the caller's not in the trash. A person's first face becomes their feature face,
//! and makes their thumbnail (`PersonGenerateThumbnail`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use ferrotype_core::access::{self, AssetAccess};
use ferrotype_core::catalog::{Face, FaceBox, FaceSource, NewFace};
use ferrotype_core::edits::EditAction;
use ferrotype_core::faces::{
    choose_feature_faces, displayed_size, face_from_edited, face_on_edited,
};
use ferrotype_core::permissions::Permission;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;
use crate::routes::people::{PersonResponse, find_person, own_person};

/// `AssetFaceResponseDto`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaceResponse {
    id: Uuid,
    image_height: i32,
    image_width: i32,
    bounding_box_x1: i32,
    bounding_box_x2: i32,
    bounding_box_y1: i32,
    bounding_box_y2: i32,
    source_type: &'static str,
    person: Option<PersonResponse>,
}

/// The face, if it is on an asset of the caller's that is not in the trash (Immich's face
/// owner access, for `permission`). A soft-deleted face passes Immich's check, so it may be
/// deleted again; to be reassigned it is refused here (Immich then cannot find it: an
/// internal error).
pub(crate) async fn own_face(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    permission: Permission,
    deleted_too: bool,
) -> ApiResult<Face> {
    let refused = || ApiError::no_access(permission);
    let face = state
        .catalog
        .face(id)
        .await?
        .filter(|f| deleted_too || f.deleted_at.is_none())
        .ok_or_else(refused)?;
    match state.catalog.asset(face.asset_id).await? {
        Some(asset) if asset.owner_id == auth.user.id && asset.deleted_at.is_none() => Ok(face),
        _ => Err(refused()),
    }
}

/// The asset's edits and the size of its displayed original (0 x 0 without metadata, as
/// Immich's `getDimensions`).
async fn edits_and_size(
    state: &AppState,
    asset_id: Uuid,
) -> ApiResult<(Vec<EditAction>, (i64, i64))> {
    let edits = state
        .catalog
        .asset_edits(asset_id)
        .await?
        .into_iter()
        .map(|e| e.action)
        .collect();
    let displayed = state
        .catalog
        .asset_exif(asset_id)
        .await?
        .as_ref()
        .and_then(displayed_size);
    Ok((edits, displayed.unwrap_or((0, 0))))
}

/// `FaceDto` as a query (`GET /faces?id=`): the asset's id, whatever the schema calls it.
#[derive(Deserialize)]
pub struct AssetQuery {
    id: Uuid,
}

/// `GET /faces?id=<asset>`: the asset's faces from left to right, as its edited picture shows
/// them (Immich's `transformFaceBoundingBox`), each with its person when the caller owns it.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<AssetQuery>,
) -> ApiResult<Json<Vec<FaceResponse>>> {
    auth.require(Permission::FaceRead)?;
    access::asset(
        state.catalog.as_ref(),
        auth.actor(),
        query.id,
        AssetAccess::Read,
    )
    .await?;
    let faces = state.catalog.asset_faces(query.id).await?;
    let (edits, displayed) = if faces.is_empty() {
        (Vec::new(), (0, 0))
    } else {
        edits_and_size(&state, query.id).await?
    };
    let mut out = Vec::with_capacity(faces.len());
    for face in faces {
        let person = match face.person_id {
            Some(id) => state
                .catalog
                .person(id)
                .await?
                .filter(|p| p.owner_id == auth.user.id)
                .map(|p| PersonResponse::new(&p)),
            None => None,
        };
        let b = face_on_edited(&face.bounds, &edits, displayed);
        out.push(FaceResponse {
            id: face.id,
            image_height: b.image_height,
            image_width: b.image_width,
            bounding_box_x1: b.x1,
            bounding_box_x2: b.x2,
            bounding_box_y1: b.y1,
            bounding_box_y2: b.y2,
            source_type: face.source.as_str(),
            person,
        });
    }
    Ok(Json(out))
}

/// `AssetFaceCreateDto` (the contract checked that each number is an integer).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDto {
    asset_id: Uuid,
    person_id: Uuid,
    image_width: i64,
    image_height: i64,
    x: i64,
    y: i64,
    width: i64,
    height: i64,
}

/// A number of the request as a stored coordinate (Immich's columns are 32-bit integers:
/// anything larger fails there too).
fn coordinate(v: i64) -> ApiResult<i32> {
    i32::try_from(v).map_err(|_| ApiError::internal(format!("{v} does not fit a coordinate")))
}

/// `POST /faces`: a face on the caller's asset for the caller's person, drawn on a picture of
/// `imageWidth` x `imageHeight` (the edited preview when the asset has edits: then taken back
/// to the original, as Immich keeps faces). Answers 201 without a body, as Immich.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<CreateDto>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::FaceCreate)?;
    let asset = access::asset(
        state.catalog.as_ref(),
        auth.actor(),
        dto.asset_id,
        AssetAccess::Change(Permission::AssetUpdate),
    )
    .await?;
    own_person(&state, &auth, dto.person_id, Permission::PersonRead).await?;
    let person = find_person(&state, dto.person_id).await?;
    let drawn = FaceBox {
        image_width: coordinate(dto.image_width)?,
        image_height: coordinate(dto.image_height)?,
        x1: coordinate(dto.x)?,
        y1: coordinate(dto.y)?,
        x2: coordinate(dto.x.saturating_add(dto.width))?,
        y2: coordinate(dto.y.saturating_add(dto.height))?,
    };
    let (edits, displayed) = edits_and_size(&state, asset.id).await?;
    let bounds = if edits.is_empty() {
        drawn
    } else {
        let edited = asset
            .width
            .zip(asset.height)
            .filter(|&(w, h)| w > 0 && h > 0);
        match edited {
            Some(edited) if displayed.0 > 0 && displayed.1 > 0 && drawn.image_width != 0 => {
                face_from_edited(&drawn, &edits, edited, displayed)
            }
            _ => return Err(messages::ASSET_DIMENSIONS_INVALID.into()),
        }
    };
    state
        .catalog
        .create_face(&NewFace {
            asset_id: asset.id,
            person_id: Some(person.id),
            bounds,
            source: FaceSource::Manual,
        })
        .await?;
    if person.face_asset_id.is_none() {
        choose_feature_faces(state.catalog.as_ref(), &[person.id]).await?;
    }
    Ok(StatusCode::CREATED)
}

/// `FaceDto`.
#[derive(Deserialize)]
pub struct FaceDto {
    id: Uuid,
}

/// `PUT /faces/{person}`: the face given in the body goes to the person of the path (Immich's
/// `reassignFacesById`). A person without a feature face gets one; the face's former person,
/// if it was theirs, gets another.
pub async fn reassign(
    State(state): State<AppState>,
    auth: Auth,
    Path(person_id): Path<Uuid>,
    ApiJson(dto): ApiJson<FaceDto>,
) -> ApiResult<Json<PersonResponse>> {
    auth.require(Permission::FaceUpdate)?;
    own_person(&state, &auth, person_id, Permission::PersonUpdate).await?;
    let face = own_face(&state, &auth, dto.id, Permission::PersonCreate, false).await?;
    let person = find_person(&state, person_id).await?;
    state.catalog.reassign_face(face.id, person_id).await?;
    let mut again = Vec::new();
    if person.face_asset_id.is_none() {
        again.push(person_id);
    }
    if let Some(former) = face.person_id
        && let Some(former) = state.catalog.person(former).await?
        && former.face_asset_id == Some(face.id)
    {
        again.push(former.id);
    }
    choose_feature_faces(state.catalog.as_ref(), &again).await?;
    let person = find_person(&state, person_id).await?;
    Ok(Json(PersonResponse::new(&person)))
}

/// `AssetFaceDeleteDto`.
#[derive(Deserialize)]
pub struct DeleteDto {
    force: bool,
}

/// `DELETE /faces/{id}`: for good with `force`, else marked deleted (kept for the sync).
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<DeleteDto>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::FaceDelete)?;
    own_face(&state, &auth, id, Permission::FaceDelete, true).await?;
    if dto.force {
        state.catalog.delete_face(id).await?;
    } else {
        state.catalog.soft_delete_face(id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The people of the asset's faces (Immich's `peopleFromFaces`: its visible faces that are not
/// deleted, from left to right, each person once), for `AssetResponseDto.people`.
pub(crate) async fn asset_people(
    state: &AppState,
    asset_id: Uuid,
) -> ApiResult<Vec<PersonResponse>> {
    let mut people = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for face in state.catalog.asset_faces(asset_id).await? {
        if let Some(id) = face.person_id
            && seen.insert(id)
            && let Some(person) = state.catalog.person(id).await?
        {
            people.push(PersonResponse::new(&person));
        }
    }
    Ok(people)
}
