//! `/api/map/*`: `GET /map/markers`, the positions of what the user sees (Immich's filters), and
//! `GET /map/reverse-geocode`, the place nearest a position from the same GeoNames data the
//! metadata job uses.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use ferrotype_core::permissions::Permission;
use serde_json::{Value, json};

use chrono::{DateTime, Utc};
use ferrotype_core::model::MapMarkerQuery;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::routes::partners;
use crate::routes::query::bool_param;

/// Markers newest first: `{id, lat, lon, city, state, country}`.
pub async fn markers(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<axum::response::Response> {
    auth.require(Permission::MapRead)?;
    // The contract layer has checked the dates' format.
    let date = |name: &str| {
        query
            .get(name)
            .map(|v| {
                DateTime::parse_from_rfc3339(v)
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|_| ApiError::bad_request(format!("{name} must be a date")))
            })
            .transpose()
    };
    // Partners on the map: all who share with the user, shown in their timeline or not, as
    // Immich chooses.
    let mut owner_ids = vec![auth.user.id];
    if bool_param(&query, "withPartners")?.unwrap_or(false) {
        owner_ids.extend(partners::sharing_with(&state, auth.user.id, false).await?);
    }
    let selection = MapMarkerQuery {
        user_id: auth.user.id,
        owner_ids,
        with_shared_albums: bool_param(&query, "withSharedAlbums")?.unwrap_or(false),
        with_archived: bool_param(&query, "isArchived")?.unwrap_or(false),
        is_favorite: bool_param(&query, "isFavorite")?,
        created_after: date("fileCreatedAfter")?,
        created_before: date("fileCreatedBefore")?,
    };
    let markers = state.catalog.map_markers(&selection).await?;
    // Serialized straight from the rows: a million markers as JSON values would take a
    // gigabyte.
    let markers: Vec<MarkerResponse<'_>> = markers.iter().map(MarkerResponse::from).collect();
    Ok(Json(markers).into_response())
}

/// Immich's `MapMarkerResponseDto`.
#[derive(serde::Serialize)]
struct MarkerResponse<'a> {
    id: uuid::Uuid,
    lat: f64,
    lon: f64,
    city: Option<&'a str>,
    state: Option<&'a str>,
    country: Option<&'a str>,
}

impl<'a> From<&'a ferrotype_core::model::MapMarker> for MarkerResponse<'a> {
    fn from(m: &'a ferrotype_core::model::MapMarker) -> Self {
        MarkerResponse {
            id: m.id,
            lat: m.latitude,
            lon: m.longitude,
            city: m.city.as_deref(),
            state: m.state.as_deref(),
            country: m.country.as_deref(),
        }
    }
}

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
