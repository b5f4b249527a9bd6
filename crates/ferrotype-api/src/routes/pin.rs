//! `/auth/pin-code` and `/auth/session/lock|unlock`: the PIN code that guards the locked
//! folder. The rules are in `ferrotype_core::pin`.

use axum::extract::State;
use axum::http::StatusCode;
use ferrotype_core::pin::{self, PinError, Proof};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;

impl From<PinError> for ApiError {
    fn from(e: PinError) -> Self {
        match e {
            PinError::Account(e) => e.into(),
            PinError::Catalog(e) => e.into(),
            e => ApiError::bad_request(e.to_string()),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupDto {
    pin_code: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeDto {
    new_pin_code: String,
    password: Option<String>,
    pin_code: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ResetDto {
    password: Option<String>,
    pin_code: Option<String>,
}

pub async fn set_up(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<SetupDto>,
) -> ApiResult<StatusCode> {
    pin::set_up(state.catalog.as_ref(), auth.user.id, &dto.pin_code).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn change(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<ChangeDto>,
) -> ApiResult<StatusCode> {
    let proof = Proof {
        password: dto.password.as_deref(),
        pin_code: dto.pin_code.as_deref(),
    };
    pin::change(
        state.catalog.as_ref(),
        &auth.user,
        &proof,
        &dto.new_pin_code,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn reset(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<ResetDto>,
) -> ApiResult<StatusCode> {
    let proof = Proof {
        password: dto.password.as_deref(),
        pin_code: dto.pin_code.as_deref(),
    };
    pin::reset(state.catalog.as_ref(), &auth.user, &proof).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn session_only() -> ApiError {
    ApiError::from(messages::SESSION_TOKEN_ONLY)
}

pub async fn unlock(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<SetupDto>,
) -> ApiResult<StatusCode> {
    let session = auth.session().ok_or_else(session_only)?;
    pin::unlock(state.catalog.as_ref(), &auth.user, session, &dto.pin_code).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn lock(State(state): State<AppState>, auth: Auth) -> ApiResult<StatusCode> {
    let session = auth.session().ok_or_else(session_only)?;
    pin::lock(state.catalog.as_ref(), session.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
