//! `/api/jobs`, `/api/queues*` and `POST /api/assets/jobs`: the admin's view of the job queue,
//! and re-running work for chosen assets.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use ferrotype_core::access;
use ferrotype_core::jobs::payloads::{
    ExtractMetadataJob, GenerateThumbnailsJob, MemoryCleanupJob, MemoryGenerateJob,
};
use ferrotype_core::jobs::{AssetSelection, JobState, NewJob, QueueName, QueueStatus, names};
use ferrotype_core::permissions::Permission;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;

fn queue_from(name: &str) -> ApiResult<QueueName> {
    QueueName::parse(name)
        .ok_or_else(|| ApiError::bad_request(format!("Invalid queue name: {name}")))
}

fn statistics(status: &QueueStatus) -> Value {
    let c = status.counts;
    json!({
        "active": c.active,
        "completed": c.completed,
        "failed": c.failed,
        "delayed": c.delayed,
        "waiting": c.waiting,
        "paused": c.paused,
    })
}

fn legacy(status: &QueueStatus) -> Value {
    json!({
        "jobCounts": statistics(status),
        "queueStatus": { "isActive": status.counts.active > 0, "isPaused": status.is_paused },
    })
}

fn queue_response(queue: QueueName, status: &QueueStatus) -> Value {
    json!({ "name": queue.as_str(), "isPaused": status.is_paused, "statistics": statistics(status) })
}

pub async fn list_legacy(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::JobRead)?;
    let mut all = Map::new();
    for queue in QueueName::ALL {
        let status = state.catalog.queue_status(queue).await?;
        all.insert(queue.as_str().to_string(), legacy(&status));
    }
    Ok(Json(Value::Object(all)))
}

#[derive(Deserialize)]
pub struct QueueCommandDto {
    command: String,
    #[serde(default)]
    force: bool,
}

/// The job that "start" queues per asset for a queue, if the queue has one here.
fn start_job(queue: QueueName, force: bool) -> Option<(&'static str, AssetSelection)> {
    let pick = |missing| if force { AssetSelection::All } else { missing };
    match queue {
        QueueName::MetadataExtraction => Some((
            names::EXTRACT_METADATA,
            pick(AssetSelection::MissingMetadata),
        )),
        QueueName::ThumbnailGeneration => Some((
            names::GENERATE_THUMBNAILS,
            pick(AssetSelection::MissingThumbnails),
        )),
        // Every asset: those already in place are left as they are.
        QueueName::StorageTemplateMigration => Some((
            names::STORAGE_TEMPLATE_MIGRATION_SINGLE,
            AssetSelection::All,
        )),
        _ => None,
    }
}

pub async fn command(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
    ApiJson(dto): ApiJson<QueueCommandDto>,
) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::JobCreate)?;
    let queue = queue_from(&name)?;
    match dto.command.as_str() {
        "start" => {
            let (job, selection) = start_job(queue, dto.force)
                .ok_or_else(|| ApiError::bad_request(format!("Invalid job name: {name}")))?;
            let mut queued = state
                .catalog
                .enqueue_asset_jobs(queue, job, selection)
                .await?;
            if queue == QueueName::ThumbnailGeneration {
                // People's face thumbnails too, as Immich's queue-all does.
                queued += ferrotype_core::faces::queue_person_thumbnails(
                    state.catalog.as_ref(),
                    dto.force,
                )
                .await?;
            }
            tracing::info!(
                queue = queue.as_str(),
                queued,
                force = dto.force,
                "queue started"
            );
        }
        "pause" => state.catalog.set_queue_paused(queue, true).await?,
        "resume" => state.catalog.set_queue_paused(queue, false).await?,
        "empty" => {
            state.catalog.empty_queue(queue).await?;
        }
        "clear-failed" => {
            state.catalog.clear_failed_jobs(queue).await?;
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "command must be one of start, pause, resume, empty, clear-failed (got {other})"
            )));
        }
    }
    let status = state.catalog.queue_status(queue).await?;
    Ok(Json(legacy(&status)))
}

#[derive(Deserialize)]
pub struct JobCreateDto {
    name: String,
}

/// Manual jobs. The clean-ups of things Ferrotype does not keep yet (people, deleted users)
/// have nothing to do and succeed; the others are not available yet.
pub async fn create_manual(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<JobCreateDto>,
) -> ApiResult<StatusCode> {
    auth.require_admin(Permission::JobCreate)?;
    match dto.name.as_str() {
        // Immich's TagCleanup: one statement, so done at once rather than queued.
        "tag-cleanup" => {
            let deleted = state.catalog.delete_empty_tags().await?;
            tracing::info!(deleted, "deleted empty tags");
            Ok(StatusCode::NO_CONTENT)
        }
        // Immich's MemoryGenerate and MemoryCleanup, queued as its nightly run queues them.
        "memory-create" => {
            state
                .catalog
                .enqueue_jobs(&[NewJob::of(&MemoryGenerateJob {})])
                .await?;
            Ok(StatusCode::NO_CONTENT)
        }
        "memory-cleanup" => {
            state
                .catalog
                .enqueue_jobs(&[NewJob::of(&MemoryCleanupJob {})])
                .await?;
            Ok(StatusCode::NO_CONTENT)
        }
        "person-cleanup" | "user-cleanup" => Ok(StatusCode::NO_CONTENT),
        other => Err(ApiError::bad_request(format!(
            "Job {other} is not available on this server yet"
        ))),
    }
}

pub async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<Value>>> {
    auth.require_admin(Permission::QueueRead)?;
    let mut out = Vec::new();
    for queue in QueueName::ALL {
        out.push(queue_response(
            queue,
            &state.catalog.queue_status(queue).await?,
        ));
    }
    Ok(Json(out))
}

pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::QueueRead)?;
    let queue = queue_from(&name)?;
    Ok(Json(queue_response(
        queue,
        &state.catalog.queue_status(queue).await?,
    )))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueUpdateDto {
    is_paused: Option<bool>,
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
    ApiJson(dto): ApiJson<QueueUpdateDto>,
) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::QueueUpdate)?;
    let queue = queue_from(&name)?;
    if let Some(paused) = dto.is_paused {
        state.catalog.set_queue_paused(queue, paused).await?;
    }
    Ok(Json(queue_response(
        queue,
        &state.catalog.queue_status(queue).await?,
    )))
}

/// At most this many jobs are listed.
const JOB_LIST_LIMIT: u32 = 1000;

pub async fn list_jobs(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Vec<Value>>> {
    auth.require_admin(Permission::QueueJobRead)?;
    let queue = queue_from(&name)?;
    let mut states = Vec::new();
    // `status` repeats, as the SDK sends an array (`?status=waiting&status=paused`).
    let given: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "status")
        .map(|(_, v)| v.as_str())
        .collect();
    if !given.is_empty() {
        for s in given {
            match s {
                // Completed jobs are counted, not kept: there is nothing to list.
                "completed" => {}
                other => states.push(JobState::parse(other).ok_or_else(|| {
                    ApiError::bad_request(format!("Invalid job status: {other}"))
                })?),
            }
        }
        if states.is_empty() {
            return Ok(Json(Vec::new()));
        }
    }
    let jobs = state
        .catalog
        .list_jobs(queue, &states, JOB_LIST_LIMIT)
        .await?;
    Ok(Json(
        jobs.into_iter()
            .map(|(job, _)| {
                let mut data = match job.payload {
                    Value::Object(map) => map,
                    _ => Map::new(),
                };
                if let Some(asset) = job.asset_id {
                    data.insert("id".into(), json!(asset));
                }
                if let Some(error) = job.last_error {
                    data.insert("error".into(), json!(error));
                }
                json!({
                    "id": job.id.to_string(),
                    "name": job.name,
                    "data": data,
                    "timestamp": job.created_at.timestamp_millis(),
                })
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct QueueDeleteDto {
    #[serde(default)]
    failed: bool,
}

pub async fn delete_jobs(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<StatusCode> {
    auth.require_admin(Permission::QueueJobDelete)?;
    let queue = queue_from(&name)?;
    // The body is optional.
    let dto: QueueDeleteDto = if body.is_empty() {
        QueueDeleteDto { failed: false }
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(e.to_string()))?
    };
    state.catalog.empty_queue(queue).await?;
    if dto.failed {
        state.catalog.clear_failed_jobs(queue).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetJobsDto {
    asset_ids: Vec<Uuid>,
    name: String,
}

pub async fn asset_jobs(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<AssetJobsDto>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::JobCreate)?;
    let make: fn(Uuid) -> NewJob = match dto.name.as_str() {
        "refresh-metadata" => |id| NewJob::of(&ExtractMetadataJob::new(id)),
        "regenerate-thumbnail" => |id| NewJob::of(&GenerateThumbnailsJob::new(id)),
        other => {
            return Err(ApiError::bad_request(format!(
                "Asset job {other} is not available on this server yet"
            )));
        }
    };
    access::owned_assets(
        state.catalog.as_ref(),
        auth.actor(),
        &dto.asset_ids,
        Permission::AssetUpdate,
    )
    .await?;
    let jobs: Vec<NewJob> = dto.asset_ids.iter().map(|id| make(*id)).collect();
    state.catalog.enqueue_jobs(&jobs).await?;
    Ok(StatusCode::NO_CONTENT)
}
