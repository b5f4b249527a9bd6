//! `/api/system-config*` and `/api/system-metadata/*`: the admin's settings and the server-wide
//! state Immich keeps beside them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ferrotype_core::jobs::NewJob;
use ferrotype_core::jobs::payloads::VersionCheckJob;
use ferrotype_core::permissions::Permission;
use ferrotype_core::storage_template::{STORAGE_PRESETS, STORAGE_TOKENS};
use ferrotype_core::system_config::{ConfigUpdateError, SystemConfig, keys};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;

pub async fn config(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::SystemConfigRead)?;
    Ok(Json(state.system_config.get().to_json()))
}

pub async fn defaults(auth: Auth) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::SystemConfigRead)?;
    Ok(Json(SystemConfig::default().to_json()))
}

/// `PUT /api/system-config`: the whole configuration; answers it as it is now in effect.
pub async fn update_config(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::SystemConfigUpdate)?;
    let new: SystemConfig = serde_json::from_value(body)
        .map_err(|e| ApiError::bad_request(format!("Invalid system config: {e}")))?;
    // As Immich, SMTP settings are tried when they are turned on or changed while on, after
    // every other check.
    let smtp = &new.notifications.smtp;
    if smtp.enabled
        && state.system_config.file().is_none()
        && *smtp != state.system_config.get().notifications.smtp
        && ferrotype_core::system_config::validate(&new).is_ok()
        && let Err(e) = ferrotype_mail::verify(&smtp.transport).await
    {
        tracing::warn!("Failed to validate SMTP configuration: {e}");
        return Err(ApiError::from(messages::SMTP_INVALID));
    }
    let before = state.system_config.get();
    match state
        .system_config
        .update(state.catalog.as_ref(), new)
        .await
    {
        Ok(live) => {
            state.events.config_update().await;
            // As Immich, turning the version check on checks at once.
            if !before.new_version_check.enabled && live.new_version_check.enabled {
                state
                    .catalog
                    .enqueue_jobs(&[NewJob::of(&VersionCheckJob {})])
                    .await?;
            }
            Ok(Json(live.to_json()))
        }
        Err(ConfigUpdateError::Catalog(e)) => Err(e.into()),
        Err(e) => Err(ApiError::bad_request(e.to_string())),
    }
}

pub async fn storage_template_options(auth: Auth) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::SystemConfigRead)?;
    let mut options: Map<String, Value> = STORAGE_TOKENS
        .iter()
        .map(|(kind, tokens)| (kind.to_string(), json!(tokens)))
        .collect();
    options.insert("presetOptions".into(), json!(STORAGE_PRESETS));
    Ok(Json(Value::Object(options)))
}

/// A stored object laid over the fields Immich always answers (nulls or defaults).
async fn stored_over(state: &AppState, key: &str, base: Value) -> ApiResult<Value> {
    let mut out = base;
    if let (Some(Value::Object(stored)), Value::Object(out)) =
        (state.catalog.system_metadata(key).await?, &mut out)
    {
        for (k, v) in stored {
            out.insert(k, v);
        }
    }
    Ok(out)
}

/// Whether the admin finished the web app's first-run steps (also in `/api/server/config`).
pub async fn is_admin_onboarded(state: &AppState) -> ApiResult<bool> {
    let stored = state
        .catalog
        .system_metadata(keys::ADMIN_ONBOARDING)
        .await?;
    Ok(stored
        .and_then(|v| v.get("isOnboarded").and_then(Value::as_bool))
        .unwrap_or(false))
}

pub async fn admin_onboarding(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::SystemMetadataRead)?;
    Ok(Json(
        json!({ "isOnboarded": is_admin_onboarded(&state).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnboardingDto {
    is_onboarded: bool,
}

pub async fn set_admin_onboarding(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<OnboardingDto>,
) -> ApiResult<StatusCode> {
    auth.require_admin(Permission::SystemMetadataUpdate)?;
    state
        .catalog
        .set_system_metadata(
            keys::ADMIN_ONBOARDING,
            &json!({ "isOnboarded": dto.is_onboarded }),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn reverse_geocoding_state(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::SystemMetadataRead)?;
    let base = json!({ "lastUpdate": null, "lastImportFileName": null });
    Ok(Json(
        stored_over(&state, keys::REVERSE_GEOCODING_STATE, base).await?,
    ))
}

/// When the newest release was last looked up, and what it was (the `VersionCheck` job stores
/// it; empty until a check succeeds).
pub async fn version_check_state_value(state: &AppState) -> ApiResult<Value> {
    let base = json!({ "checkedAt": null, "releaseVersion": null });
    stored_over(state, keys::VERSION_CHECK_STATE, base).await
}

pub async fn version_check_state(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::SystemMetadataRead)?;
    Ok(Json(version_check_state_value(&state).await?))
}
