//! `/api/map/*`: the map's places. `GET /map/reverse-geocode` names the place nearest a position
//! from the same GeoNames data the metadata job uses.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use ferrotype_core::permissions::Permission;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

/// One result, as Immich's array of one: the nearest place's names, or nulls far from any town.
pub async fn reverse_geocode(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<Value>>> {
    auth.require(Permission::MapSearch)?;
    // The contract layer has checked both are numbers within range.
    let coordinate = |name: &str| {
        query
            .get(name)
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or_else(|| ApiError::bad_request(format!("{name} must be a number")))
    };
    let (latitude, longitude) = (coordinate("lat")?, coordinate("lon")?);
    let geocoder = state.geocoder.clone();
    let names = tokio::task::spawn_blocking(move || geocoder.place_names(latitude, longitude))
        .await
        .map_err(ApiError::internal)?
        .unwrap_or_default();
    Ok(Json(vec![json!({
        "city": names.city,
        "state": names.state,
        "country": names.country,
    })]))
}
