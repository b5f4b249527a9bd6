//! `/api/sessions*`: the devices logged in to an account, and logging them out.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ferrotype_core::permissions::Permission;
use serde_json::{Value, json};
use uuid::Uuid;

use ferrotype_core::accounts::{self, SessionInfo};
use ferrotype_core::model::{Session, SessionChange};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::iso;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;

/// A session as Immich lists it.
fn session_json(s: &Session, current: Option<Uuid>) -> Value {
    let mut v = json!({
        "id": s.id,
        "createdAt": iso(&s.created_at),
        "updatedAt": iso(&s.updated_at),
        "current": Some(s.id) == current,
        "deviceType": s.device_type,
        "deviceOS": s.device_os,
        "appVersion": s.app_version,
        "isPendingSyncReset": s.is_pending_sync_reset,
    });
    if let Some(t) = &s.expires_at {
        v["expiresAt"] = json!(iso(t));
    }
    v
}

pub async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<Value>>> {
    let current = auth.session().map(|s| s.id);
    let sessions = state.catalog.sessions_of(auth.user.id).await?;
    Ok(Json(
        sessions.iter().map(|s| session_json(s, current)).collect(),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDto {
    #[serde(rename = "deviceOS")]
    device_os: Option<String>,
    device_type: Option<String>,
    /// Seconds until the new session expires; never when absent.
    duration: Option<i64>,
}

/// `POST /sessions`: a logged-in device makes a child session (to hand to a cast receiver);
/// it ends with its parent.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<CreateDto>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let parent = auth
        .session()
        .ok_or_else(|| ApiError::from(messages::SESSION_TOKEN_ONLY))?;
    let info = SessionInfo {
        device_type: dto.device_type.unwrap_or_default(),
        device_os: dto.device_os.unwrap_or_default(),
        app_version: None,
    };
    let expires_at = dto
        .duration
        .map(|s| chrono::Utc::now() + chrono::Duration::seconds(s));
    let (session, token) =
        accounts::create_child_session(state.catalog.as_ref(), parent, info, expires_at).await?;
    let mut body = session_json(&session, Some(parent.id));
    body["current"] = json!(false);
    body["token"] = json!(token);
    Ok((StatusCode::CREATED, Json(body)))
}

/// The user's own session, or Immich's 400 for anyone else's.
async fn own_session(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    access: Permission,
) -> ApiResult<Session> {
    state
        .catalog
        .sessions_of(auth.user.id)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::no_access(access))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDto {
    is_pending_sync_reset: Option<bool>,
}

/// `PUT /sessions/{id}`: flags a session's next sync to start over.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<UpdateDto>,
) -> ApiResult<Json<Value>> {
    own_session(&state, &auth, id, Permission::SessionUpdate).await?;
    if dto.is_pending_sync_reset.is_none() {
        return Err(ApiError::from(messages::NO_FIELDS_TO_UPDATE));
    }
    let change = SessionChange {
        is_pending_sync_reset: dto.is_pending_sync_reset,
        ..SessionChange::default()
    };
    state.catalog.update_session(id, &change).await?;
    let session = own_session(&state, &auth, id, Permission::SessionUpdate).await?;
    Ok(Json(session_json(&session, auth.session().map(|s| s.id))))
}

/// `POST /sessions/{id}/lock`: locks one of the user's sessions out of the locked folder.
pub async fn lock(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    own_session(&state, &auth, id, Permission::SessionLock).await?;
    ferrotype_core::pin::lock(state.catalog.as_ref(), id)
        .await
        .map_err(ApiError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Logs out every other device (the one asking stays logged in).
pub async fn delete_all(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    let keep = auth.session().map(|s| s.id);
    let others: Vec<Uuid> = state
        .catalog
        .sessions_of(auth.user.id)
        .await?
        .into_iter()
        .map(|s| s.id)
        .filter(|id| Some(*id) != keep)
        .collect();
    state.catalog.delete_sessions_of(auth.user.id, keep).await?;
    // Their sockets hear that they are logged out and are closed.
    for id in others {
        state.events.session_delete(id);
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::SessionDelete)?;
    if state.catalog.delete_session_of(auth.user.id, id).await? {
        state.events.session_delete(id);
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::no_access(Permission::AuthDeviceDelete))
    }
}
