//! `/api/view/folder*`, Immich's folder view: the folders of the user's originals, and the
//! photos directly in one. Paths are the originals' store keys (`upload/<user>/ab/cd/…` at upload,
//! `library/<label>/<year>/…` once the storage template has moved them), as `originalPath` shows
//! them.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use ferrotype_core::permissions::Permission;
use serde_json::Value;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::routes::search::respond;

/// `GET /view/folder/unique-paths`: every folder holding a timeline photo of the user, sorted.
pub async fn unique_paths(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<String>>> {
    auth.require(Permission::FolderRead)?;
    Ok(Json(state.catalog.folders(auth.user.id).await?))
}

/// `GET /view/folder?path=…`: the user's timeline photos directly in the folder (not in folders
/// below it), by file name, with their EXIF.
pub async fn folder(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<Value>>> {
    auth.require(Permission::FolderRead)?;
    // The contract layer requires `path`.
    let path = query.get("path").map(String::as_str).unwrap_or_default();
    let assets = state.catalog.folder_assets(auth.user.id, path).await?;
    Ok(Json(respond(&state, &assets, true).await?))
}
