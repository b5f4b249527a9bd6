//! Errors as Immich 3.x sends them: a JSON body `{"message": ...}` (validation failures add
//! `errors`, zod's issues) with the correlation id in the `X-Correlation-ID` header, for every
//! failure the server can produce, including those axum makes itself (unknown routes, wrong
//! methods, malformed bodies).

use axum::Json;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ferrotype_core::accounts::AccountError;
use ferrotype_core::blob::BlobError;
use ferrotype_core::catalog::CatalogError;
use ferrotype_core::permissions::Permission;
use serde_json::json;

tokio::task_local! {
    static CORRELATION_ID: String;
}

/// The correlation id of the request being handled, for error bodies and logs.
pub fn correlation_id() -> String {
    CORRELATION_ID.try_with(|id| id.clone()).unwrap_or_default()
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// zod's issues, for `Validation failed`.
    pub errors: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            errors: None,
        }
    }
    /// 400 `Validation failed` with the issues found, as Immich's zod pipe answers.
    pub fn validation(errors: serde_json::Value) -> Self {
        ApiError {
            errors: Some(errors),
            ..Self::bad_request("Validation failed")
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    /// Immich answers 400, not 404, for ids the caller cannot see, so ids do not leak.
    pub fn no_access(permission: Permission) -> Self {
        Self::bad_request(format!("Not found or no {permission} access"))
    }
    /// Logs the cause; the client sees only Immich's generic message.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(correlation_id = %correlation_id(), "internal error: {cause}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        match e {
            // Busy, locked or unreachable: the client may try again (its apps retry a 503).
            CatalogError::Unavailable(cause) => {
                tracing::warn!(correlation_id = %correlation_id(), "catalog unavailable: {cause}");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service temporarily unavailable",
                )
            }
            e => ApiError::internal(e),
        }
    }
}

impl From<ferrotype_core::access::Refused> for ApiError {
    fn from(e: ferrotype_core::access::Refused) -> Self {
        use ferrotype_core::access::Refused;
        match e {
            Refused::NoAccess(access) => ApiError::no_access(access),
            Refused::Forbidden => ApiError::from(crate::messages::FORBIDDEN),
            Refused::Catalog(e) => e.into(),
        }
    }
}

impl From<BlobError> for ApiError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::NotFound(_) => ApiError::from(crate::messages::FILE_NOT_FOUND),
            e => ApiError::internal(e),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::AdminExists
            | AccountError::EmailTaken
            | AccountError::UnknownPermission(_)
            | AccountError::CannotGrant => ApiError::bad_request(e.to_string()),
            AccountError::Hashing(_) | AccountError::Catalog(_) => ApiError::internal(e),
        }
    }
}

fn error_body(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "message": message }))).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self.errors {
            Some(errors) => (
                self.status,
                Json(json!({ "message": self.message, "errors": errors })),
            )
                .into_response(),
            None => error_body(self.status, &self.message),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Gives every request a correlation id (header `X-Correlation-ID`, and in the log),
/// logs it, and rewrites any error response that is not JSON into the JSON error shape.
pub async fn correlate(request: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let started = std::time::Instant::now();
    let response = CORRELATION_ID.scope(id.clone(), next.run(request)).await;
    // Pages of the web UI (an unknown shared link's 404) stay HTML.
    let mut response =
        if response.status().as_u16() >= 400 && !is_json(&response) && !is_html(&response) {
            let status = response.status();
            let text = axum::body::to_bytes(response.into_body(), 4096)
                .await
                .map(|b| String::from_utf8_lossy(&b).trim().to_string())
                .unwrap_or_default();
            let message = if text.is_empty() {
                match status {
                    StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => {
                        format!("Cannot {method} {path}")
                    }
                    _ => status.canonical_reason().unwrap_or("Error").to_string(),
                }
            } else {
                text
            };
            error_body(status, &message)
        } else {
            response
        };
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-correlation-id", value);
    }
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        correlation_id = %id,
        "request"
    );
    response
}

fn is_json(response: &Response<Body>) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"))
}

fn is_html(response: &Response<Body>) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unavailable_catalog_is_a_503_and_other_failures_a_500() {
        let e = ApiError::from(CatalogError::Unavailable("database is locked".into()));
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(e.message, "Service temporarily unavailable");
        let e = ApiError::from(CatalogError::Backend("disk I/O error".into()));
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(e.message, "Internal server error");
    }
}
