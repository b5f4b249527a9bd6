//! The mobile app's sync: `POST /sync/stream` answers JSON lines as the catalog reads them (rows
//! cross a bounded channel and are written in batches, so memory does not grow with the
//! catalog), and `/sync/ack` keeps one checkpoint per session and entity type.

use ferrotype_core::permissions::Permission;
use std::collections::HashMap;
use std::convert::Infallible;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ferrotype_core::model::{Asset, User};
use ferrotype_core::sync::{
    DEPRECATED, ENTITY_TYPES, REQUEST_TYPES_IN_ORDER, RESET_AFTER_DAYS, SyncEvent, SyncQuery,
    SyncRow, parse_ack, v7_millis,
};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Auth, Credential};
use crate::dto::{b64, iso};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;

/// Rows taken from the channel per write: one wake-up and one chunk for up to this many lines.
const BATCH: usize = 512;

/// Sync state belongs to a logged-in device; API keys have none.
fn session_of(auth: &Auth) -> ApiResult<Uuid> {
    match &auth.credential {
        Credential::Session(s) => Ok(s.id),
        Credential::ApiKey(_) => Err(ApiError::from(messages::SYNC_WITH_API_KEY)),
        Credential::SharedLink(_) => Err(ApiError::from(messages::FORBIDDEN)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamDto {
    types: Vec<String>,
    #[serde(default)]
    reset: Option<bool>,
}

fn check_types(types: &[String]) -> ApiResult<()> {
    for (i, t) in types.iter().enumerate() {
        if let Some((_, instead)) = DEPRECATED.iter().find(|(old, _)| old == t) {
            return Err(ApiError::bad_request(format!(
                "{t} is deprecated, use {instead} instead"
            )));
        }
        if !REQUEST_TYPES_IN_ORDER.contains(&t.as_str()) {
            return Err(ApiError::bad_request(format!(
                "types.{i} must be one of the following values: {}",
                REQUEST_TYPES_IN_ORDER.join(", ")
            )));
        }
    }
    Ok(())
}

fn user_json(u: &User) -> Value {
    json!({
        "id": u.id,
        "name": u.name,
        "email": u.email,
        "avatarColor": u.avatar_color,
        "deletedAt": u.deleted_at.as_ref().map(iso),
        "profileChangedAt": iso(&u.profile_changed_at),
        "hasProfileImage": !u.profile_image_path.is_empty(),
    })
}

fn asset_json(a: &Asset) -> Value {
    json!({
        "id": a.id,
        "ownerId": a.owner_id,
        "originalFileName": a.original_file_name,
        "thumbhash": a.thumbhash.as_deref().map(b64),
        "checksum": b64(&a.checksum),
        "fileCreatedAt": iso(&a.file_created_at),
        "fileModifiedAt": iso(&a.file_modified_at),
        "createdAt": iso(&a.created_at),
        "localDateTime": iso(&a.local_date_time),
        "type": a.asset_type.as_str(),
        "deletedAt": a.deleted_at.as_ref().map(iso),
        "isFavorite": a.is_favorite,
        "visibility": a.visibility.as_str(),
        "duration": a.duration_ms,
        "livePhotoVideoId": a.live_photo_video_id,
        "stackId": a.stack_id,
        "libraryId": null,
        "width": a.width,
        "height": a.height,
        "isEdited": a.is_edited,
    })
}

/// A row's `data`, shaped as the spec's `Sync*` schema of its type.
pub(crate) fn data_of(row: &SyncRow) -> Value {
    match row {
        SyncRow::AuthUser(u) => {
            let mut v = user_json(u);
            let extra = json!({
                "isAdmin": u.is_admin,
                "oauthId": u.oauth_id,
                "pinCode": null,
                "quotaSizeInBytes": u.quota_size_in_bytes,
                "quotaUsageInBytes": u.quota_usage_in_bytes,
                "storageLabel": u.storage_label,
            });
            if let (Some(v), Value::Object(extra)) = (v.as_object_mut(), extra) {
                v.extend(extra);
            }
            v
        }
        SyncRow::User(u) => user_json(u),
        SyncRow::UserDelete(id) => json!({ "userId": id }),
        SyncRow::Asset(a) | SyncRow::AlbumAsset(a) => asset_json(a),
        SyncRow::PartnerAsset(a) => {
            let mut v = asset_json(a);
            // A favourite is the owner's own mark; Immich sends partners false.
            v["isFavorite"] = json!(false);
            v
        }
        SyncRow::AssetDelete(id) | SyncRow::PartnerAssetDelete(id) => json!({ "assetId": id }),
        SyncRow::Stack(s) | SyncRow::PartnerStack(s) => json!({
            "id": s.id,
            "ownerId": s.owner_id,
            "primaryAssetId": s.primary_asset_id,
            "createdAt": iso(&s.created_at),
            "updatedAt": iso(&s.updated_at),
        }),
        SyncRow::StackDelete(id) | SyncRow::PartnerStackDelete(id) => json!({ "stackId": id }),
        SyncRow::Partner {
            shared_by_id,
            shared_with_id,
            in_timeline,
        } => json!({
            "sharedById": shared_by_id,
            "sharedWithId": shared_with_id,
            "inTimeline": in_timeline,
        }),
        SyncRow::PartnerDelete {
            shared_by_id,
            shared_with_id,
        } => json!({ "sharedById": shared_by_id, "sharedWithId": shared_with_id }),
        SyncRow::AssetExif(id, e)
        | SyncRow::AlbumAssetExif(id, e)
        | SyncRow::PartnerAssetExif(id, e) => json!({
            "assetId": id,
            "make": e.make,
            "model": e.model,
            "exifImageWidth": e.exif_image_width,
            "exifImageHeight": e.exif_image_height,
            "fileSizeInByte": e.file_size_in_byte,
            "orientation": e.orientation.map(|o| o.to_string()),
            "dateTimeOriginal": e.date_time_original.as_ref().map(iso),
            "modifyDate": e.modify_date.as_ref().map(iso),
            "timeZone": e.time_zone,
            "lensModel": e.lens_model,
            "fNumber": e.f_number,
            "focalLength": e.focal_length,
            "iso": e.iso,
            "exposureTime": e.exposure_time,
            "latitude": e.latitude,
            "longitude": e.longitude,
            "city": e.city,
            "state": e.state,
            "country": e.country,
            "description": e.description,
            "projectionType": e.projection_type,
            "rating": e.rating,
            "profileDescription": e.profile_description,
            "fps": e.fps,
        }),
        SyncRow::Album(a) => json!({
            "id": a.id,
            "name": a.name,
            "description": a.description,
            "createdAt": iso(&a.created_at),
            "updatedAt": iso(&a.updated_at),
            "thumbnailAssetId": a.thumbnail_asset_id,
            "isActivityEnabled": a.is_activity_enabled,
            "order": a.order,
        }),
        SyncRow::AlbumDelete(id) => json!({ "albumId": id }),
        SyncRow::AlbumUser {
            album_id,
            user_id,
            role,
        } => json!({ "albumId": album_id, "userId": user_id, "role": role.as_str() }),
        SyncRow::AlbumUserDelete { album_id, user_id } => {
            json!({ "albumId": album_id, "userId": user_id })
        }
        SyncRow::AlbumToAsset { album_id, asset_id }
        | SyncRow::AlbumToAssetDelete { album_id, asset_id } => {
            json!({ "albumId": album_id, "assetId": asset_id })
        }
        SyncRow::AssetMetadata {
            asset_id,
            key,
            value,
        } => json!({
            "assetId": asset_id,
            "key": key,
            // Stored as validated JSON objects; an unreadable one shows as empty.
            "value": serde_json::from_str::<Value>(value).unwrap_or_else(|_| json!({})),
        }),
        SyncRow::AssetMetadataDelete { asset_id, key } => {
            json!({ "assetId": asset_id, "key": key })
        }
        SyncRow::Memory(m) => json!({
            "id": m.id,
            "createdAt": iso(&m.created_at),
            "updatedAt": iso(&m.updated_at),
            "deletedAt": m.deleted_at.as_ref().map(iso),
            "ownerId": m.owner_id,
            "type": m.kind,
            "data": m.data,
            "isSaved": m.is_saved,
            "memoryAt": iso(&m.memory_at),
            "seenAt": m.seen_at.as_ref().map(iso),
            "showAt": m.show_at.as_ref().map(iso),
            "hideAt": m.hide_at.as_ref().map(iso),
        }),
        SyncRow::MemoryDelete(id) => json!({ "memoryId": id }),
        SyncRow::MemoryToAsset {
            memory_id,
            asset_id,
        }
        | SyncRow::MemoryToAssetDelete {
            memory_id,
            asset_id,
        } => json!({ "memoryId": memory_id, "assetId": asset_id }),
        SyncRow::AssetEdit(e) => json!({
            "id": e.id,
            "assetId": e.asset_id,
            "action": e.action.name(),
            "parameters": e.action.parameters(),
            "sequence": e.sequence,
        }),
        SyncRow::AssetEditDelete(id) => json!({ "editId": id }),
        // The birth date as Immich's sync sends a date: its midnight UTC.
        SyncRow::Person(p) => json!({
            "id": p.id,
            "createdAt": iso(&p.created_at),
            "updatedAt": iso(&p.updated_at),
            "ownerId": p.owner_id,
            "name": p.name,
            "birthDate": p.birth_date.map(|d| iso(&d.and_time(chrono::NaiveTime::MIN).and_utc())),
            "isHidden": p.is_hidden,
            "isFavorite": p.is_favorite,
            "color": p.color,
            "faceAssetId": p.face_asset_id,
        }),
        SyncRow::PersonDelete(id) => json!({ "personId": id }),
        SyncRow::AssetFace(f) => json!({
            "id": f.id,
            "assetId": f.asset_id,
            "personId": f.person_id,
            "imageWidth": f.bounds.image_width,
            "imageHeight": f.bounds.image_height,
            "boundingBoxX1": f.bounds.x1,
            "boundingBoxY1": f.bounds.y1,
            "boundingBoxX2": f.bounds.x2,
            "boundingBoxY2": f.bounds.y2,
            "sourceType": f.source.as_str(),
            "isVisible": f.is_visible,
            "deletedAt": f.deleted_at.as_ref().map(iso),
        }),
        SyncRow::AssetFaceDelete(id) => json!({ "assetFaceId": id }),
    }
}

#[derive(Serialize)]
struct Line<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    data: Value,
    ack: String,
}

fn write_line(out: &mut Vec<u8>, kind: &str, data: Value, cursor: &str) {
    let line = Line {
        kind,
        data,
        ack: format!("{kind}|{cursor}"),
    };
    // Serializing a Value into memory cannot fail.
    let _ = serde_json::to_writer(&mut *out, &line);
    out.push(b'\n');
}

fn jsonlines(body: Body) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/jsonlines+json")],
        body,
    )
        .into_response()
}

/// `POST /sync/stream`.
pub async fn stream(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<StreamDto>,
) -> ApiResult<Response> {
    auth.require(Permission::SyncStream)?;
    let session = session_of(&auth)?;
    check_types(&dto.types)?;
    if dto.reset == Some(true) {
        state.catalog.delete_sync_checkpoints(session, None).await?;
    }
    let stored = state.catalog.sync_checkpoints(session).await?;
    let checkpoints: HashMap<String, String> = stored
        .iter()
        .filter_map(|(kind, ack)| parse_ack(ack).map(|(_, c)| (kind.clone(), c.to_string())))
        .collect();
    // A client whose last complete sync is older than the audit trail starts over.
    let stale = checkpoints
        .get("SyncCompleteV1")
        .and_then(|c| v7_millis(c))
        .is_some_and(|millis| {
            let age_ms = chrono::Utc::now().timestamp_millis() - millis as i64;
            age_ms > RESET_AFTER_DAYS * 24 * 3600 * 1000
        });
    if stale || state.catalog.sync_reset_pending(session).await? {
        let mut out = Vec::new();
        write_line(&mut out, "SyncResetV1", json!({}), "reset");
        return Ok(jsonlines(Body::from(out)));
    }

    let query = SyncQuery {
        user_id: auth.user.id,
        types: dto.types,
        checkpoints,
    };
    // Up to BATCH rows already read go out as one chunk of the body.
    let events = state.catalog.stream_sync(query).ready_chunks(BATCH);
    let body = futures_util::stream::unfold(Some(events), |events| async move {
        let mut events = events?;
        let chunk = events.next().await?;
        let mut out = Vec::with_capacity(chunk.len() * 512);
        let mut more = true;
        for event in chunk {
            match event {
                Ok(SyncEvent::Row(item)) => write_line(
                    &mut out,
                    item.row.entity_type(),
                    data_of(&item.row),
                    &item.update_id,
                ),
                Ok(SyncEvent::Complete(now)) => {
                    write_line(&mut out, "SyncCompleteV1", json!({}), &now)
                }
                // Without SyncCompleteV1 the client knows the stream broke and asks again.
                Err(e) => {
                    tracing::error!(error = %e, "sync stream failed");
                    more = false;
                    break;
                }
            }
        }
        Some((
            Ok::<_, Infallible>(Bytes::from(out)),
            more.then_some(events),
        ))
    });
    Ok(jsonlines(Body::from_stream(body)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AckSetDto {
    acks: Vec<String>,
}

/// `POST /sync/ack`: one checkpoint per entity type; acking `SyncResetV1` starts over.
pub async fn set_acks(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<AckSetDto>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::SyncCheckpointUpdate)?;
    let session = session_of(&auth)?;
    let mut latest: HashMap<String, String> = HashMap::new();
    for ack in &dto.acks {
        let kind = ack.split('|').next().unwrap_or_default();
        if kind == "SyncResetV1" {
            state.catalog.delete_sync_checkpoints(session, None).await?;
            return Ok(StatusCode::NO_CONTENT);
        }
        if parse_ack(ack).is_none() {
            return Err(ApiError::bad_request(format!("Invalid ack type: {kind}")));
        }
        latest.insert(kind.to_string(), ack.clone());
    }
    let acks: Vec<(String, String)> = latest.into_iter().collect();
    state.catalog.set_sync_checkpoints(session, &acks).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct AckResponse {
    #[serde(rename = "type")]
    kind: String,
    ack: String,
}

/// `GET /sync/ack`.
pub async fn get_acks(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<AckResponse>>> {
    auth.require(Permission::SyncCheckpointRead)?;
    let session = session_of(&auth)?;
    let acks = state.catalog.sync_checkpoints(session).await?;
    Ok(Json(
        acks.into_iter()
            .map(|(kind, ack)| AckResponse { kind, ack })
            .collect(),
    ))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AckDeleteDto {
    #[serde(default)]
    types: Option<Vec<String>>,
}

/// `DELETE /sync/ack`: forgets the checkpoints of these types (all without a list).
pub async fn delete_acks(
    State(state): State<AppState>,
    auth: Auth,
    body: Bytes,
) -> ApiResult<StatusCode> {
    auth.require(Permission::SyncCheckpointDelete)?;
    let session = session_of(&auth)?;
    // The body is optional: none means every type.
    let dto: AckDeleteDto = if body.iter().all(u8::is_ascii_whitespace) {
        AckDeleteDto::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(e.to_string()))?
    };
    let types = dto.types;
    if let Some(types) = &types
        && let Some(bad) = types.iter().find(|t| !ENTITY_TYPES.contains(&t.as_str()))
    {
        return Err(ApiError::bad_request(format!("Invalid ack type: {bad}")));
    }
    state
        .catalog
        .delete_sync_checkpoints(session, types.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
