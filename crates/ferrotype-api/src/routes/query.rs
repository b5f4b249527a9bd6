//! Reading optional query parameters with Immich's validation messages.

use std::collections::HashMap;

use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// `true` or `false`; anything else is 400 `<name> must be a boolean value`.
pub fn bool_param(params: &HashMap<String, String>, name: &str) -> ApiResult<Option<bool>> {
    match params.get(name).map(String::as_str) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::bad_request(format!(
            "{name} must be a boolean value"
        ))),
    }
}

/// A UUID; anything else is 400 `<name> must be a UUID`.
pub fn uuid_param(params: &HashMap<String, String>, name: &str) -> ApiResult<Option<Uuid>> {
    params
        .get(name)
        .map(|v| {
            Uuid::parse_str(v).map_err(|_| ApiError::bad_request(format!("{name} must be a UUID")))
        })
        .transpose()
}
