//! `/api/sessions*`: the devices logged in to an account, and logging them out.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::iso;
use crate::error::{ApiError, ApiResult};

pub async fn list(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<Value>>> {
    auth.require("session.read")?;
    let current = auth.session().map(|s| s.id);
    let sessions = state.catalog.sessions_of(auth.user.id).await?;
    Ok(Json(
        sessions
            .iter()
            .map(|s| {
                json!({
                    "id": s.id,
                    "createdAt": iso(&s.created_at),
                    "updatedAt": iso(&s.updated_at),
                    "current": Some(s.id) == current,
                    "deviceType": s.device_type,
                    "deviceOS": s.device_os,
                    "appVersion": s.app_version,
                    "isPendingSyncReset": false,
                })
            })
            .collect(),
    ))
}

/// Logs out every other device (the one asking stays logged in).
pub async fn delete_all(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    auth.require("session.delete")?;
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
    auth.require("session.delete")?;
    if state.catalog.delete_session_of(auth.user.id, id).await? {
        state.events.session_delete(id);
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::no_access("session.delete"))
    }
}
