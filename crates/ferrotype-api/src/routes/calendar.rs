//! `GET /users/me/calendar-heatmap` and `GET /admin/users/{id}/calendar-heatmap`: how many
//! photos a user uploaded (or took) each day, for the year-at-a-glance grid.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::messages;

/// Every day from `from` to `to` (default: the 52 weeks up to today, UTC) with its count.
async fn heatmap(
    state: &AppState,
    user_id: Uuid,
    query: &HashMap<String, String>,
) -> ApiResult<Value> {
    let date = |name: &str| {
        query
            .get(name)
            .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d"))
            .transpose()
            .map_err(|_| ApiError::bad_request(format!("Invalid {name} date")))
    };
    let to = date("to")?.unwrap_or_else(|| Utc::now().date_naive());
    let from = match date("from")? {
        Some(from) => from,
        None => to - Days::new(52 * 7 - 1),
    };
    let by_taken = query.get("type").is_some_and(|t| t == "Taken");
    let end = to + Days::new(1);
    let counts: HashMap<NaiveDate, i64> = state
        .catalog
        .daily_asset_counts(user_id, from, end, by_taken)
        .await?
        .into_iter()
        .collect();
    let series: Vec<Value> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| {
            let count = counts.get(&d).copied().unwrap_or(0);
            json!({ "date": d.format("%Y-%m-%d").to_string(), "count": count })
        })
        .collect();
    let total: i64 = series.iter().filter_map(|d| d["count"].as_i64()).sum();
    Ok(json!({
        "from": from.format("%Y-%m-%d").to_string(),
        "to": to.format("%Y-%m-%d").to_string(),
        "series": series,
        "totalCount": total,
    }))
}

pub async fn mine(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    Ok(Json(heatmap(&state, auth.user.id, &query).await?))
}

/// Admins (checked by the contract layer) for any user.
pub async fn of_user(
    State(state): State<AppState>,
    _auth: Auth,
    Path(id): Path<Uuid>,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    if state.catalog.user_by_id(id).await?.is_none() {
        return Err(ApiError::from(messages::USER_NOT_FOUND));
    }
    Ok(Json(heatmap(&state, id, &query).await?))
}
