//! `POST /api/assets`: the upload. The file streams to a staging file while its SHA-1 is
//! computed, so memory does not grow with its size. Only when it is complete and synced does it
//! move into place, and its row is committed right after; an upload intent recorded before the
//! move lets the start-up repair remove a file whose row never came (see `ferrotype_core::repair`).

use ferrotype_core::permissions::Permission;
use std::io::Write;
use std::path::{Path, PathBuf};

use axum::Json;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::multipart::Field;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request, State};
use axum::http::{StatusCode, header};
use chrono::{DateTime, NaiveDateTime, Utc};
use ferrotype_core::jobs::payloads::ExtractMetadataJob;
use ferrotype_core::jobs::{JobSource, NewJob};
use ferrotype_core::media_types::asset_type_for;
use ferrotype_core::model::{Asset, AssetType, InsertOutcome, Visibility};
use ferrotype_core::storage::{extension_of, original_key, sanitize_file_name, sidecar_key};
use futures_util::StreamExt;
use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::events::album_users;
use crate::messages;
use crate::routes::assets::parse_checksum;

/// Text fields are small; a larger one is refused rather than held in memory.
const MAX_TEXT_FIELD: usize = 64 * 1024;
/// Room for the multipart framing and text fields when judging `Content-Length` against the limit.
const MULTIPART_OVERHEAD: u64 = 1024 * 1024;

/// A staging file that is removed when dropped, unless it was moved into the store. Dropping
/// happens on every early return and when a dropped connection cancels the request.
struct StagedFile {
    path: PathBuf,
    moved: bool,
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if !self.moved {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

struct ReceivedFile {
    staged: StagedFile,
    part_name: Option<String>,
    sha1: Vec<u8>,
    size: u64,
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("File is too large: the limit is {limit} bytes"),
    )
}

fn multipart_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("Invalid multipart body: {e}"))
}

/// Received chunks are gathered up to this many bytes, then written by one blocking call.
const WRITE_BATCH: usize = 1024 * 1024;

/// Writes a batch of received chunks on a blocking thread straight from the buffers they arrived
/// in (no copy in user space), syncing the file after the last batch.
fn write_batch(
    mut file: std::fs::File,
    batch: Vec<Bytes>,
    last: bool,
) -> JoinHandle<std::io::Result<std::fs::File>> {
    tokio::task::spawn_blocking(move || {
        for chunk in &batch {
            file.write_all(chunk)?;
        }
        if last {
            file.sync_all()?;
        }
        Ok(file)
    })
}

async fn written(write: JoinHandle<std::io::Result<std::fs::File>>) -> ApiResult<std::fs::File> {
    write
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// Streams one file part to a new staging file, hashing as it goes, then syncs it. One batch is
/// written while the next is received, so an upload holds about two batches. If the request
/// ends early, a batch still being written goes to the staging file `StagedFile` has already
/// unlinked, which is harmless.
async fn receive_file(
    field: &mut Field<'_>,
    staging_dir: &Path,
    limit: u64,
) -> ApiResult<ReceivedFile> {
    let part_name = field.file_name().map(str::to_string);
    let path = staging_dir.join(format!("{}.part", Uuid::new_v4()));
    let file = tokio::fs::File::create(&path)
        .await
        .map_err(ApiError::internal)?
        .into_std()
        .await;
    let staged = StagedFile { path, moved: false };
    // Nothing to write yet: an empty batch stands for the one in flight.
    let mut in_flight = write_batch(file, Vec::new(), false);
    let mut batch = Vec::new();
    let mut batched = 0;
    let mut hasher = Sha1::new();
    let mut size: u64 = 0;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        size += chunk.len() as u64;
        if size > limit {
            return Err(too_large(limit));
        }
        hasher.update(&chunk);
        batched += chunk.len();
        batch.push(chunk);
        if batched >= WRITE_BATCH {
            let file = written(in_flight).await?;
            in_flight = write_batch(file, std::mem::take(&mut batch), false);
            batched = 0;
        }
    }
    let file = written(in_flight).await?;
    written(write_batch(file, batch, true)).await?;
    Ok(ReceivedFile {
        staged,
        part_name,
        sha1: hasher.finalize().to_vec(),
        size,
    })
}

/// Reads a text field, refusing one larger than `MAX_TEXT_FIELD`.
async fn read_text(field: &mut Field<'_>, name: &str) -> ApiResult<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if bytes.len() + chunk.len() > MAX_TEXT_FIELD {
            return Err(ApiError::bad_request(format!("{name} is too long")));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request(format!("{name} must be UTF-8 text")))
}

/// Accepts RFC 3339, or a date-time without offset taken as UTC.
fn parse_time(name: &str, value: &str) -> ApiResult<DateTime<Utc>> {
    let value = value.trim();
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc())
        })
        .map_err(|_| ApiError::bad_request(format!("{name} must be a valid ISO 8601 date string")))
}

#[derive(Default)]
struct UploadFields {
    file: Option<ReceivedFile>,
    sidecar: Option<ReceivedFile>,
    file_created_at: Option<DateTime<Utc>>,
    file_modified_at: Option<DateTime<Utc>>,
    filename: Option<String>,
    is_favorite: bool,
    visibility: Option<Visibility>,
    duration_ms: Option<i64>,
    live_photo_video_id: Option<Uuid>,
    device_asset_id: Option<String>,
    device_id: Option<String>,
    /// The iOS app's `metadata`: (key, JSON object) pairs.
    metadata: Vec<(String, String)>,
}

/// The `metadata` field: a JSON array of `{key, value}` with an object as each value.
fn parse_metadata(text: &str) -> ApiResult<Vec<(String, String)>> {
    let invalid = || ApiError::from(messages::METADATA_NOT_KEY_VALUE_LIST);
    let items: Vec<Value> = serde_json::from_str(text).map_err(|_| invalid())?;
    items
        .iter()
        .map(|item| match (item["key"].as_str(), &item["value"]) {
            (Some(key), value @ Value::Object(_)) if !key.is_empty() => {
                Ok((key.to_string(), value.to_string()))
            }
            _ => Err(invalid()),
        })
        .collect()
}

/// Immich sends durations as milliseconds, and older clients as `H:MM:SS.ffffff`.
fn parse_duration(value: &str) -> Option<i64> {
    let value = value.trim();
    if let Ok(ms) = value.parse::<f64>() {
        return Some(ms.round() as i64);
    }
    let parts: Vec<&str> = value.split(':').collect();
    if let [h, m, s] = parts.as_slice() {
        let (h, m, s) = (
            h.parse::<f64>().ok()?,
            m.parse::<f64>().ok()?,
            s.parse::<f64>().ok()?,
        );
        return Some(((h * 3600.0 + m * 60.0 + s) * 1000.0).round() as i64);
    }
    None
}

async fn read_fields(state: &AppState, multipart: &mut Multipart) -> ApiResult<UploadFields> {
    let staging = state.blobs.staging_dir();
    let limit = state.config.max_upload_bytes;
    let mut f = UploadFields::default();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        // Only a file part is file data: a text field of the same name (Immich's e2e helpers
        // send one) is an ordinary field to Immich's multipart parser, and dropped.
        let is_file = field.file_name().is_some();
        match name.as_str() {
            "assetData" if is_file => {
                f.file = Some(receive_file(&mut field, &staging, limit).await?)
            }
            "sidecarData" if is_file => {
                f.sidecar = Some(receive_file(&mut field, &staging, limit).await?)
            }
            "fileCreatedAt" => {
                f.file_created_at = Some(parse_time(&name, &read_text(&mut field, &name).await?)?)
            }
            "fileModifiedAt" => {
                f.file_modified_at = Some(parse_time(&name, &read_text(&mut field, &name).await?)?)
            }
            "filename" => f.filename = Some(read_text(&mut field, &name).await?),
            "isFavorite" => f.is_favorite = read_text(&mut field, &name).await?.trim() == "true",
            "visibility" => {
                let v = read_text(&mut field, &name).await?;
                f.visibility = Some(
                    Visibility::parse(v.trim())
                        .ok_or_else(|| ApiError::from(messages::VISIBILITY_UNKNOWN))?,
                );
            }
            "duration" => f.duration_ms = parse_duration(&read_text(&mut field, &name).await?),
            "livePhotoVideoId" => {
                let v = read_text(&mut field, &name).await?;
                if !v.trim().is_empty() {
                    f.live_photo_video_id = Some(
                        Uuid::parse_str(v.trim())
                            .map_err(|_| ApiError::from(messages::LIVE_PHOTO_VIDEO_ID_NOT_UUID))?,
                    );
                }
            }
            "deviceAssetId" => f.device_asset_id = Some(read_text(&mut field, &name).await?),
            "deviceId" => f.device_id = Some(read_text(&mut field, &name).await?),
            "metadata" => f.metadata = parse_metadata(&read_text(&mut field, &name).await?)?,
            // Unknown fields (`fileSize`) are read and dropped, with the same size cap.
            _ => {
                read_text(&mut field, &name).await?;
            }
        }
    }
    Ok(f)
}

/// How much of a refused request's remaining body is read and dropped before answering.
const DRAIN_LIMIT: u64 = 16 * 1024 * 1024;

/// Reads and drops what is left of a refused request (up to `DRAIN_LIMIT`), so that a client
/// that sends its whole body before reading gets the error instead of a reset connection.
async fn drain(multipart: &mut Multipart) {
    let mut drained = 0u64;
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(chunk)) = field.chunk().await {
            drained += chunk.len() as u64;
            if drained > DRAIN_LIMIT {
                return;
            }
        }
    }
}

fn duplicate(id: Uuid) -> (StatusCode, Json<Value>) {
    (
        StatusCode::OK,
        Json(json!({ "id": id, "status": "duplicate" })),
    )
}

/// Reads and drops up to 1 MiB of a body answered before it was read (for at most `patience`),
/// so that a client that sends its whole body before reading gets the answer rather than a reset
/// connection. Larger bodies are cut off: not transferring them is the point of answering early.
async fn drain_body(body: Body, patience: Duration) {
    let mut stream = body.into_data_stream();
    let mut drained = 0usize;
    let _ = tokio::time::timeout(patience, async {
        while let Some(Ok(chunk)) = stream.next().await {
            drained += chunk.len();
            if drained > 1024 * 1024 {
                break;
            }
        }
    })
    .await;
}

pub async fn upload(
    State(state): State<AppState>,
    request: Request,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (mut parts, body) = request.into_parts();
    let auth = match Auth::from_request_parts(&mut parts, &state).await {
        Ok(auth) => auth,
        Err(e) => {
            drain_body(body, Duration::from_secs(2)).await;
            return Err(e);
        }
    };
    // A shared link uploads for its owner only when it allows uploads.
    let permitted = match auth.shared_link() {
        Some(link) if !link.allow_upload => Err(ApiError::no_access(Permission::AssetUpload)),
        _ => auth.require_shareable(Permission::AssetUpload),
    };
    if let Err(e) = permitted {
        drain_body(body, Duration::from_secs(2)).await;
        return Err(e);
    }
    let owner = auth.user.id;
    // The message the mobile app matches to stop its backup.
    let quota_exceeded = || ApiError::from(messages::QUOTA_EXCEEDED);
    let quota = auth.user.quota_size_in_bytes;
    let used = auth.user.quota_usage_in_bytes;
    if quota.is_some_and(|q| used >= q) {
        drain_body(body, Duration::from_secs(2)).await;
        return Err(quota_exceeded());
    }
    let headers = &parts.headers;

    // A client that sends the checksum first learns of a duplicate before sending the body.
    if let Some(checksum) = headers
        .get("x-immich-checksum")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_checksum)
        && let Some(found) = state
            .catalog
            .assets_by_checksums(owner, &[checksum])
            .await?
            .into_iter()
            .next()
    {
        drain_body(body, Duration::from_millis(500)).await;
        return Ok(duplicate(found.asset_id));
    }

    let limit = state.config.max_upload_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit.saturating_add(MULTIPART_OVERHEAD)) {
        return Err(too_large(limit));
    }

    let mut multipart = Multipart::from_request(Request::from_parts(parts, body), &state)
        .await
        .map_err(|e| ApiError::bad_request(e.body_text()))?;
    let fields = match read_fields(&state, &mut multipart).await {
        Ok(fields) => fields,
        Err(e) => {
            drain(&mut multipart).await;
            return Err(e);
        }
    };
    let file = fields
        .file
        .ok_or_else(|| ApiError::from(messages::ASSET_DATA_REQUIRED))?;
    if quota.is_some_and(|q| used.saturating_add(file.size as i64) > q) {
        return Err(quota_exceeded());
    }
    let file_created_at = fields
        .file_created_at
        .ok_or_else(|| ApiError::from(messages::FILE_CREATED_AT_NOT_ISO))?;
    let file_modified_at = fields
        .file_modified_at
        .ok_or_else(|| ApiError::from(messages::FILE_MODIFIED_AT_NOT_ISO))?;

    let raw_name = fields
        .filename
        .filter(|n| !n.trim().is_empty())
        .or_else(|| file.part_name.clone())
        .unwrap_or_default();
    let file_name = sanitize_file_name(&raw_name);
    let extension = extension_of(&file_name);
    let asset_type = extension
        .as_deref()
        .and_then(asset_type_for)
        .ok_or_else(|| ApiError::bad_request(format!("Unsupported file type {file_name}")))?;
    let extension = extension.unwrap_or_default();

    // One still on the timeline hides its motion part from there.
    let mut hides_motion = None;
    if let Some(motion_id) = fields.live_photo_video_id {
        let motion = live_photo_motion(&state, owner, motion_id).await?;
        hides_motion = (motion.visibility == Visibility::Timeline).then_some(motion.id);
    }

    if let Some(found) = state
        .catalog
        .assets_by_checksums(owner, std::slice::from_ref(&file.sha1))
        .await?
        .into_iter()
        .next()
    {
        return Ok(duplicate(found.asset_id));
    }

    let now = Utc::now();
    let id = Uuid::new_v4();
    let original_path = original_key(owner, id, &extension);
    let asset = Asset {
        id,
        owner_id: owner,
        asset_type,
        sidecar_path: fields.sidecar.as_ref().map(|_| sidecar_key(&original_path)),
        original_path,
        original_file_name: file_name,
        checksum: file.sha1.clone(),
        file_size: file.size as i64,
        file_created_at,
        file_modified_at,
        local_date_time: file_created_at,
        created_at: now,
        updated_at: now,
        deleted_at: None,
        visibility: fields.visibility.unwrap_or(Visibility::Timeline),
        is_favorite: fields.is_favorite,
        duration_ms: fields.duration_ms,
        live_photo_video_id: fields.live_photo_video_id,
        device_asset_id: fields.device_asset_id,
        device_id: fields.device_id,
        width: None,
        height: None,
        thumbhash: None,
        stack_id: None,
        is_edited: false,
    };

    // From here the upload is complete: finish it in its own task, so that a client hanging up
    // now cannot cancel it between the move and the commit.
    let task = tokio::spawn(commit(
        state.clone(),
        asset,
        fields.metadata,
        file,
        fields.sidecar,
    ));
    let outcome = task
        .await
        .map_err(|e| ApiError::internal(format!("upload commit task failed: {e}")))??;
    if outcome == InsertOutcome::Created
        && let Some(motion) = hides_motion
    {
        state.events.asset_hidden(owner, motion).await;
    }
    // What a visitor uploads through a link lands in what the link shows.
    if let Some(link) = auth.shared_link() {
        let stored = match outcome {
            InsertOutcome::Created => id,
            InsertOutcome::Duplicate(existing) => existing,
        };
        match link.album_id {
            Some(album) => {
                state
                    .catalog
                    .add_album_assets(album, link.user_id, &[stored])
                    .await?;
                // Immich tells every user of the album, and notifies them all (the visitor
                // is none of them).
                if let Some(summary) = state.catalog.album(album).await? {
                    state
                        .events
                        .album_update(album, album_users(&summary))
                        .await;
                    crate::routes::notifications::album_updated(
                        &state,
                        album,
                        album_users(&summary),
                    )
                    .await;
                }
            }
            None => {
                state
                    .catalog
                    .change_shared_link_assets(link, &[stored], true)
                    .await?;
            }
        }
    }
    Ok(match outcome {
        InsertOutcome::Created => (
            StatusCode::CREATED,
            Json(json!({ "id": id, "status": "created" })),
        ),
        InsertOutcome::Duplicate(existing) => duplicate(existing),
    })
}

/// Moves the staged files into the store and commits the row. If the row cannot be committed
/// (a concurrent upload of the same file won, or the catalog failed) the moved files are removed.
async fn commit(
    state: AppState,
    asset: Asset,
    metadata: Vec<(String, String)>,
    mut file: ReceivedFile,
    mut sidecar: Option<ReceivedFile>,
) -> ApiResult<InsertOutcome> {
    let mut moves = vec![(asset.original_path.clone(), &mut file)];
    if let (Some(key), Some(side)) = (asset.sidecar_path.clone(), sidecar.as_mut()) {
        moves.push((key, side));
    }
    let mut placed = Vec::new();
    let mut result = Ok(());
    for (key, received) in moves {
        result = async {
            state.catalog.record_upload_intent(&key).await?;
            state.blobs.put_file(&key, &received.staged.path).await?;
            received.staged.moved = true;
            Ok::<_, ApiError>(())
        }
        .await;
        placed.push(key);
        if result.is_err() {
            break;
        }
    }
    let outcome = match result {
        Ok(()) => state
            .catalog
            .insert_asset(
                &asset,
                &metadata,
                &[NewJob::of(&ExtractMetadataJob::with_source(
                    asset.id,
                    Some(JobSource::Upload),
                ))],
            )
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    if !matches!(outcome, Ok(InsertOutcome::Created)) {
        for key in placed {
            if let Err(e) = state.blobs.delete(&key).await {
                tracing::warn!(%key, "could not remove the file of an upload that was not committed: {e}");
                continue;
            }
            let _ = state.catalog.clear_upload_intent(&key).await;
        }
    }
    outcome
}

/// The motion part a live photo's still names, which must be one of the owner's videos
/// (Immich's checks and messages).
pub(crate) async fn live_photo_motion(
    state: &AppState,
    owner: Uuid,
    motion_id: Uuid,
) -> ApiResult<Asset> {
    match state.catalog.asset(motion_id).await? {
        None => Err(ApiError::from(messages::LIVE_PHOTO_VIDEO_NOT_FOUND)),
        Some(m) if m.asset_type != AssetType::Video => {
            Err(ApiError::from(messages::LIVE_PHOTO_VIDEO_MUST_BE_A_VIDEO))
        }
        Some(m) if m.owner_id != owner => Err(ApiError::from(messages::LIVE_PHOTO_VIDEO_NOT_OWNED)),
        Some(m) => Ok(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0"), Some(0));
        assert_eq!(parse_duration("1500"), Some(1500));
        assert_eq!(parse_duration("0:00:01.500000"), Some(1500));
        assert_eq!(parse_duration("x"), None);
    }

    #[test]
    fn times() {
        assert!(parse_time("t", "2026-11-21T22:40:41.789Z").is_ok());
        assert!(parse_time("t", "2026-11-21T22:40:41+02:00").is_ok());
        assert!(parse_time("t", "2026-11-21T22:40:41").is_ok());
        assert!(parse_time("t", "yesterday").is_err());
    }
}
