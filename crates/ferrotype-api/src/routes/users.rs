//! `/api/users/*`.

use axum::Json;

use crate::auth::Auth;
use crate::dto::UserAdminResponse;
use crate::error::ApiResult;

pub async fn me(auth: Auth) -> ApiResult<Json<UserAdminResponse>> {
    auth.require("user.read")?;
    Ok(Json(UserAdminResponse::from(&auth.user)))
}
