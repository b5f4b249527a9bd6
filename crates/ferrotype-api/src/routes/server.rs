//! `/api/server/*` and `/.well-known/immich`: what clients ask before they log in.

use axum::Json;
use axum::extract::State;
use ferrotype_core::media_types::{IMAGE_EXTENSIONS, SIDECAR_EXTENSIONS, VIDEO_EXTENSIONS};
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;

pub async fn well_known() -> Json<Value> {
    Json(json!({ "api": { "endpoint": "/api" } }))
}

pub async fn ping() -> Json<Value> {
    Json(json!({ "res": "pong" }))
}

pub async fn version() -> Json<Value> {
    let (major, minor, patch) = ferrotype_core::IMMICH_VERSION;
    Json(json!({ "major": major, "minor": minor, "patch": patch, "prerelease": null }))
}

pub async fn features() -> Json<Value> {
    Json(json!({
        "configFile": false,
        "duplicateDetection": false,
        "email": false,
        "facialRecognition": false,
        "importFaces": false,
        "map": false,
        "oauth": false,
        "oauthAutoLaunch": false,
        "ocr": false,
        "passwordLogin": true,
        "realtimeTranscoding": false,
        "reverseGeocoding": false,
        "search": false,
        "sidecar": true,
        "smartSearch": false,
        "trash": true,
    }))
}

pub async fn config(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let initialized = state.catalog.admin_exists().await?;
    Ok(Json(json!({
        "externalDomain": "",
        "isInitialized": initialized,
        "isOnboarded": initialized,
        "loginPageMessage": "",
        "maintenanceMode": false,
        "mapDarkStyleUrl": "",
        "mapLightStyleUrl": "",
        "minFaces": 3,
        "oauthButtonText": "Login with OAuth",
        "publicUsers": true,
        "trashDays": 30,
        "userDeleteDelay": 7,
    })))
}

pub async fn media_types() -> Json<Value> {
    Json(json!({
        "image": IMAGE_EXTENSIONS,
        "video": VIDEO_EXTENSIONS,
        "sidecar": SIDECAR_EXTENSIONS,
    }))
}

pub async fn about(auth: Auth) -> ApiResult<Json<Value>> {
    auth.require("server.about")?;
    let (major, minor, patch) = ferrotype_core::IMMICH_VERSION;
    Ok(Json(json!({
        "version": format!("v{major}.{minor}.{patch}"),
        "versionUrl": "https://github.com/immich-app/immich/releases",
        "licensed": false,
        "build": concat!("ferrotype ", env!("CARGO_PKG_VERSION")),
        "repository": "ferrotype",
    })))
}
