//! `/api/search/*`: assets by metadata (`metadata`, `random`, `large-assets`, `statistics`),
//! suggestions for the search form, explore's places and recent uploads, one photo per city, and
//! place names (`places`). Whose assets are searched is decided here, as Immich does: the user's
//! and those of partners shown in their timeline; a shared link's visitor only within the link's
//! album. The contract layer has checked every field's type, format and range.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use base64::Engine;
use chrono::{DateTime, Utc};
use ferrotype_core::model::{Asset, AssetType, Visibility};
use ferrotype_core::permissions::Permission;
use ferrotype_core::search::{
    AssetSearch, FieldIs, SearchOrder, SearchPage, SuggestionField, SuggestionFilter, TimeRange,
    VisibilitySearch, collation_order,
};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::{AssetExtras, AssetResponse};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::messages;
use crate::routes::edits::nullable;
use crate::routes::partners;
use crate::routes::query::bool_param;

/// Immich's page size when a search names none.
const DEFAULT_SIZE: u64 = 250;

/// The filters shared by Immich's search DTOs (`MetadataSearchDto`, `RandomSearchDto`,
/// `StatisticsSearchDto`, and the large-asset search's query): absent fields do not filter,
/// `null` asks for an empty field where the contract allows it.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SearchFilters {
    #[serde(default)]
    album_ids: Vec<Uuid>,
    checksum: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    city: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    country: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    state: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    make: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    model: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    lens_model: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    rating: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    tag_ids: Option<Option<Vec<Uuid>>>,
    #[serde(default, deserialize_with = "nullable")]
    library_id: Option<Option<Uuid>>,
    #[serde(default)]
    person_ids: Vec<Uuid>,
    created_after: Option<DateTime<Utc>>,
    created_before: Option<DateTime<Utc>>,
    updated_after: Option<DateTime<Utc>>,
    updated_before: Option<DateTime<Utc>>,
    trashed_after: Option<DateTime<Utc>>,
    trashed_before: Option<DateTime<Utc>>,
    taken_after: Option<DateTime<Utc>>,
    taken_before: Option<DateTime<Utc>>,
    description: Option<String>,
    original_file_name: Option<String>,
    original_path: Option<String>,
    encoded_video_path: Option<String>,
    preview_path: Option<String>,
    thumbnail_path: Option<String>,
    ocr: Option<String>,
    id: Option<Uuid>,
    is_encoded: Option<bool>,
    is_favorite: Option<bool>,
    is_motion: Option<bool>,
    is_not_in_album: Option<bool>,
    is_offline: Option<bool>,
    #[serde(rename = "type")]
    asset_type: Option<String>,
    visibility: Option<String>,
    with_deleted: Option<bool>,
    with_exif: Option<bool>,
    min_file_size: Option<i64>,
    size: Option<u64>,
    page: Option<u64>,
    order: Option<String>,
}

/// Empty strings do not filter (Immich's `!!options.x`).
fn text(value: &Option<String>) -> Option<String> {
    value.clone().filter(|v| !v.is_empty())
}

fn field(value: &Option<Option<String>>) -> Option<FieldIs<String>> {
    match value {
        None => None,
        Some(None) => Some(FieldIs::Empty),
        Some(Some(v)) => Some(FieldIs::Equal(v.clone())),
    }
}

/// A checksum as Immich reads it: 28 characters are base64 (of SHA-1's 20 bytes), anything else
/// hex; what does not decode finds nothing.
fn checksum(value: &str) -> Vec<u8> {
    let decoded = if value.len() == 28 {
        base64::engine::general_purpose::STANDARD.decode(value).ok()
    } else {
        hex::decode(value).ok()
    };
    decoded.unwrap_or_default()
}

impl SearchFilters {
    /// The search these filters ask for, over `owners`' assets (or, when `owners` is empty, the
    /// assets of the albums named).
    fn search(&self, owners: Vec<Uuid>, visibility: VisibilitySearch) -> AssetSearch {
        // Immich counts the distinct people of an asset's faces against the number of ids
        // given: an id given twice can never be matched.
        let distinct: std::collections::HashSet<&Uuid> = self.person_ids.iter().collect();
        let unsatisfiable = distinct.len() != self.person_ids.len()
            || self.is_offline == Some(true)
            || self.is_encoded == Some(true)
            || matches!(self.library_id, Some(Some(_)))
            || [
                &self.encoded_video_path,
                &self.preview_path,
                &self.thumbnail_path,
                &self.ocr,
            ]
            .iter()
            .any(|v| text(v).is_some());
        AssetSearch {
            owners,
            album_ids: self.album_ids.clone(),
            not_in_album: self.is_not_in_album.unwrap_or(false),
            visibility,
            with_deleted: self.with_deleted.unwrap_or(false),
            id: self.id,
            checksum: text(&self.checksum).map(|c| checksum(&c)),
            asset_type: self.asset_type.as_deref().and_then(AssetType::parse),
            is_favorite: self.is_favorite,
            is_motion: self.is_motion,
            taken: TimeRange {
                after: self.taken_after,
                before: self.taken_before,
            },
            created: TimeRange {
                after: self.created_after,
                before: self.created_before,
            },
            updated: TimeRange {
                after: self.updated_after,
                before: self.updated_before,
            },
            trashed: TimeRange {
                after: self.trashed_after,
                before: self.trashed_before,
            },
            file_name: text(&self.original_file_name),
            original_path: text(&self.original_path),
            description: text(&self.description),
            make: field(&self.make),
            model: field(&self.model),
            lens_model: field(&self.lens_model),
            city: field(&self.city),
            state: field(&self.state),
            country: field(&self.country),
            rating: self.rating.map(|r| match r {
                None => FieldIs::Empty,
                Some(r) => FieldIs::Equal(r),
            }),
            tag_ids: match &self.tag_ids {
                None => None,
                Some(None) => Some(FieldIs::Empty),
                Some(Some(ids)) if ids.is_empty() => None,
                Some(Some(ids)) => Some(FieldIs::Equal(ids.clone())),
            },
            min_file_size: self.min_file_size,
            person_ids: self.person_ids.clone(),
            unsatisfiable,
        }
    }

    fn visibility(&self) -> Option<Visibility> {
        self.visibility.as_deref().and_then(Visibility::parse)
    }

    fn size(&self) -> u64 {
        self.size.filter(|&s| s > 0).unwrap_or(DEFAULT_SIZE)
    }
}

/// Which visibilities `auth` searches: the locked folder only from a session unlocked with the
/// PIN code (401 `Elevated permission is required` otherwise), and only when asked for or when
/// unlocked.
fn visibility_for(auth: &Auth, asked: Option<Visibility>) -> ApiResult<VisibilitySearch> {
    match asked {
        Some(Visibility::Locked) if !auth.is_elevated() => {
            Err(ApiError::from(messages::ELEVATED_PERMISSION_IS_REQUIRED))
        }
        Some(v) => Ok(VisibilitySearch::Only(v)),
        None if auth.is_elevated() => Ok(VisibilitySearch::Any),
        None => Ok(VisibilitySearch::NotLocked),
    }
}

/// The user and the partners they show in their timeline; only the user for the locked folder,
/// which is personal whatever the partners share.
async fn owners_for(
    state: &AppState,
    auth: &Auth,
    visibility: Option<Visibility>,
) -> ApiResult<Vec<Uuid>> {
    let mut owners = vec![auth.user.id];
    if visibility != Some(Visibility::Locked) {
        owners.extend(partners::sharing_with(state, auth.user.id, true).await?);
    }
    Ok(owners)
}

/// Each asset as Immich's `AssetResponseDto`, with its EXIF when asked.
pub(crate) async fn respond(
    state: &AppState,
    assets: &[Asset],
    with_exif: bool,
) -> ApiResult<Vec<Value>> {
    let mut items = Vec::with_capacity(assets.len());
    for asset in assets {
        let exif = if with_exif {
            state.catalog.asset_exif(asset.id).await?
        } else {
            None
        };
        let mut response = serde_json::to_value(AssetResponse::new(
            asset,
            AssetExtras {
                exif: exif.as_ref(),
                ..AssetExtras::default()
            },
        ))
        .map_err(|e| ApiError::internal(e.to_string()))?;
        if !with_exif && let Some(object) = response.as_object_mut() {
            object.remove("exifInfo");
        }
        items.push(response);
    }
    Ok(items)
}

/// `POST /search/metadata`: a page of assets, newest taken first unless `order: asc`.
pub async fn metadata(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<SearchFilters>,
) -> ApiResult<Json<Value>> {
    auth.require_shareable(Permission::AssetRead)?;
    let asked = dto.visibility();
    let visibility = visibility_for(&auth, asked)?;
    let owners = if !dto.album_ids.is_empty() {
        for album in &dto.album_ids {
            ferrotype_core::access::album(
                state.catalog.as_ref(),
                auth.actor(),
                *album,
                Permission::AlbumRead,
                |_| true,
            )
            .await?;
        }
        Vec::new()
    } else if auth.shared_link().is_some() {
        return Err(ApiError::bad_request(
            "Shared link access is only allowed in combination with an albumIds filter",
        ));
    } else {
        owners_for(&state, &auth, asked).await?
    };
    let search = dto.search(owners, visibility);
    let size = dto.size();
    let page = dto.page.unwrap_or(1).max(1);
    let order = match dto.order.as_deref() {
        Some("asc") => SearchOrder::OldestFirst,
        _ => SearchOrder::NewestFirst,
    };
    // One more than a page tells whether another follows.
    let mut assets = state
        .catalog
        .search_assets(
            &search,
            order,
            SearchPage {
                offset: (page - 1).saturating_mul(size),
                limit: size + 1,
            },
        )
        .await?;
    let next_page = (assets.len() as u64 > size).then(|| (page + 1).to_string());
    assets.truncate(size as usize);
    let items = respond(&state, &assets, dto.with_exif.unwrap_or(false)).await?;
    Ok(Json(json!({
        "albums": {"total": 0, "count": 0, "items": [], "facets": []},
        "assets": {
            "total": items.len(),
            "count": items.len(),
            "items": items,
            "facets": [],
            "nextPage": next_page,
        },
    })))
}

/// The owners and visibility of a search that is not paged (random, large assets, statistics).
async fn simple_search(
    state: &AppState,
    auth: &Auth,
    dto: &SearchFilters,
) -> ApiResult<AssetSearch> {
    let asked = dto.visibility();
    let visibility = visibility_for(auth, asked)?;
    let owners = owners_for(state, auth, asked).await?;
    Ok(dto.search(owners, visibility))
}

/// `POST /search/random`: `size` assets picked at random among those the filters select.
pub async fn random(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<SearchFilters>,
) -> ApiResult<Json<Vec<Value>>> {
    auth.require(Permission::AssetRead)?;
    let search = simple_search(&state, &auth, &dto).await?;
    let page = SearchPage {
        offset: 0,
        limit: dto.size(),
    };
    let assets = state
        .catalog
        .search_assets(&search, SearchOrder::Random, page)
        .await?;
    Ok(Json(
        respond(&state, &assets, dto.with_exif.unwrap_or(false)).await?,
    ))
}

/// `POST /search/large-assets` (filters in the query): the largest originals first.
pub async fn large_assets(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<Value>>> {
    auth.require(Permission::AssetRead)?;
    let dto = filters_from_query(&query)?;
    let mut search = simple_search(&state, &auth, &dto).await?;
    search.min_file_size = Some(dto.min_file_size.unwrap_or(0));
    let page = SearchPage {
        offset: 0,
        limit: dto.size(),
    };
    let assets = state
        .catalog
        .search_assets(&search, SearchOrder::LargestFirst, page)
        .await?;
    Ok(Json(
        respond(&state, &assets, dto.with_exif.unwrap_or(false)).await?,
    ))
}

/// The large-asset search's query parameters as the filters of a body: repeated ids become a
/// list, everything else keeps its JSON type (the contract layer has checked each).
fn filters_from_query(query: &HashMap<String, String>) -> ApiResult<SearchFilters> {
    let mut object = serde_json::Map::new();
    for (name, value) in query {
        let value = match name.as_str() {
            "albumIds" | "personIds" | "tagIds" => {
                Value::Array(value.split(',').map(|v| Value::String(v.into())).collect())
            }
            "isEncoded" | "isFavorite" | "isMotion" | "isNotInAlbum" | "isOffline"
            | "withDeleted" | "withExif" => Value::Bool(bool_param(query, name)?.unwrap_or(false)),
            "minFileSize" | "rating" | "size" => value
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| ApiError::bad_request(format!("{name} must be an integer")))?,
            _ => Value::String(value.clone()),
        };
        object.insert(name.clone(), value);
    }
    serde_json::from_value(Value::Object(object)).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// `POST /search/statistics`: how many assets the filters select.
pub async fn statistics(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<SearchFilters>,
) -> ApiResult<Json<Value>> {
    auth.require(Permission::AssetStatistics)?;
    let search = simple_search(&state, &auth, &dto).await?;
    let total = state.catalog.count_search(&search).await?;
    Ok(Json(json!({ "total": total })))
}

/// `GET /search/suggestions?type=…`: the distinct values of a field among the user's (and
/// timeline partners') timeline assets, narrowed by the other fields given, in the order people
/// read (case and accents aside); `includeNull` adds `null` at the end.
pub async fn suggestions(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<Option<String>>>> {
    auth.require(Permission::AssetRead)?;
    let field = match query.get("type").map(String::as_str) {
        Some("country") => Some(SuggestionField::Country),
        Some("state") => Some(SuggestionField::State),
        Some("city") => Some(SuggestionField::City),
        Some("camera-make") => Some(SuggestionField::Make),
        Some("camera-model") => Some(SuggestionField::Model),
        Some("camera-lens-model") => Some(SuggestionField::LensModel),
        _ => None,
    };
    let mut values: Vec<Option<String>> = match field {
        Some(field) => {
            let filter = SuggestionFilter {
                country: query.get("country").cloned(),
                state: query.get("state").cloned(),
                make: query.get("make").cloned(),
                model: query.get("model").cloned(),
                lens_model: query.get("lensModel").cloned(),
            };
            let owners = owners_for(&state, &auth, None).await?;
            let found = state.catalog.suggestions(&owners, field, &filter).await?;
            collation_order(found).into_iter().map(Some).collect()
        }
        None => Vec::new(),
    };
    if bool_param(&query, "includeNull")?.unwrap_or(false) {
        values.push(None);
    }
    Ok(Json(values))
}

/// Explore's minimum of photos for a city to be shown, and its most cities and recent uploads.
const EXPLORE_MIN_ASSETS: i64 = 5;
const EXPLORE_MAX_FIELDS: u64 = 12;

/// `GET /search/explore`: a photo for each of the user's cities with enough photos
/// (`exifInfo.city`), and their latest uploads (`createdAt`).
pub async fn explore(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require(Permission::AssetRead)?;
    let me = [auth.user.id];
    let cities = state
        .catalog
        .assets_by_city(&me, EXPLORE_MIN_ASSETS, EXPLORE_MAX_FIELDS)
        .await?;
    let mut city_items = Vec::with_capacity(cities.len());
    for (city, asset) in &cities {
        let data = respond(&state, std::slice::from_ref(asset), true).await?;
        city_items.push(json!({"value": city, "data": data[0]}));
    }
    let recent = AssetSearch {
        owners: me.to_vec(),
        visibility: VisibilitySearch::Only(Visibility::Timeline),
        asset_type: Some(AssetType::Image),
        ..AssetSearch::default()
    };
    let recent = state
        .catalog
        .search_assets(
            &recent,
            SearchOrder::RecentlyAdded,
            SearchPage {
                offset: 0,
                limit: EXPLORE_MAX_FIELDS,
            },
        )
        .await?;
    let data = respond(&state, &recent, true).await?;
    let recent_items: Vec<Value> = recent
        .iter()
        .zip(data)
        .map(|(asset, data)| json!({"value": crate::dto::iso(&asset.created_at), "data": data}))
        .collect();
    Ok(Json(json!([
        {"fieldName": "exifInfo.city", "items": city_items},
        {"fieldName": "createdAt", "items": recent_items},
    ])))
}

/// How many places `/search/places` answers (Immich's limit).
const PLACES_LIMIT: usize = 20;

/// `GET /search/places?name=…`: GeoNames places whose name, state or county matches, best
/// first (Immich's `PlacesResponseDto`).
pub async fn places(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<Value>>> {
    auth.require(Permission::AssetRead)?;
    let name = query.get("name").cloned().unwrap_or_default();
    let geocoder = state.geocoder.clone();
    // The first search may wait for the data to load.
    let found = tokio::task::spawn_blocking(move || geocoder.search_places(&name, PLACES_LIMIT))
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(
        found
            .into_iter()
            .map(|p| {
                let mut place = json!({
                    "name": p.name,
                    "latitude": p.latitude,
                    "longitude": p.longitude,
                });
                if let Some(state) = p.state {
                    place["admin1name"] = json!(state);
                }
                if let Some(county) = p.county {
                    place["admin2name"] = json!(county);
                }
                place
            })
            .collect(),
    ))
}

/// `GET /search/cities`: one photo for each city among the user's and timeline partners'
/// photos, with its EXIF.
pub async fn cities(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<Value>>> {
    auth.require(Permission::AssetRead)?;
    let owners = owners_for(&state, &auth, None).await?;
    let cities = state.catalog.assets_by_city(&owners, 1, u64::MAX).await?;
    let assets: Vec<Asset> = cities.into_iter().map(|(_, asset)| asset).collect();
    Ok(Json(respond(&state, &assets, true).await?))
}
