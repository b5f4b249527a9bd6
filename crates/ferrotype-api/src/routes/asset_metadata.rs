//! Client metadata on assets (`/assets/{id}/metadata[/{key}]`, `/assets/metadata` for many
//! assets at once) and `PUT /assets/copy`, as Immich 3. Bodies are checked against the contract
//! before they get here (a value must be a JSON object, ids uuids); what is left is access, and
//! duplicates within one request.

use std::collections::HashSet;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ferrotype_core::access;
use ferrotype_core::catalog::{AssetCopy, AssetMetadataEntry};
use ferrotype_core::jobs::NewJob;
use ferrotype_core::jobs::payloads::ExtractMetadataJob;
use ferrotype_core::permissions::Permission;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::io::AsyncReadExt;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::iso;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::routes::assets::accessible_asset;

#[derive(Deserialize)]
pub struct UpsertItem {
    key: String,
    value: Map<String, Value>,
}

#[derive(Deserialize)]
pub struct UpsertDto {
    items: Vec<UpsertItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkUpsertItem {
    asset_id: Uuid,
    key: String,
    value: Map<String, Value>,
}

#[derive(Deserialize)]
pub struct BulkUpsertDto {
    items: Vec<BulkUpsertItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkDeleteItem {
    asset_id: Uuid,
    key: String,
}

#[derive(Deserialize)]
pub struct BulkDeleteDto {
    items: Vec<BulkDeleteItem>,
}

/// `AssetMetadataResponseDto`.
fn entry_json(e: &AssetMetadataEntry) -> Value {
    json!({
        "key": e.key,
        // Stored as validated JSON objects; an unreadable one shows as empty.
        "value": serde_json::from_str::<Value>(&e.value).unwrap_or_else(|_| json!({})),
        "updatedAt": iso(&e.updated_at),
    })
}

/// `AssetMetadataBulkResponseDto`: the same with the asset's id.
fn bulk_entry_json(e: &AssetMetadataEntry) -> Value {
    let mut v = entry_json(e);
    v["assetId"] = json!(e.asset_id);
    v
}

/// Immich refuses a request that names the same (asset, key) twice, naming it as it does.
fn refuse_duplicates(names: impl Iterator<Item = String>) -> ApiResult<()> {
    let mut seen = HashSet::new();
    for name in names {
        if !seen.insert(name.clone()) {
            return Err(ApiError::bad_request(format!(
                "Duplicate items are not allowed: \"{name}\""
            )));
        }
    }
    Ok(())
}

async fn require_owned(state: &AppState, auth: &Auth, ids: &[Uuid]) -> ApiResult<()> {
    auth.require(Permission::AssetUpdate)?;
    access::owned_assets(
        state.catalog.as_ref(),
        auth.actor(),
        ids,
        Permission::AssetUpdate,
    )
    .await?;
    Ok(())
}

/// `PUT /assets/{id}/metadata`: answers the entries written.
pub async fn upsert(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<UpsertDto>,
) -> ApiResult<Json<Vec<Value>>> {
    accessible_asset(&state, &auth, id, Permission::AssetUpdate).await?;
    refuse_duplicates(dto.items.iter().map(|i| i.key.clone()))?;
    let items: Vec<(Uuid, String, String)> = dto
        .items
        .into_iter()
        .map(|i| (id, i.key, Value::Object(i.value).to_string()))
        .collect();
    let stored = state.catalog.upsert_asset_metadata(&items).await?;
    Ok(Json(stored.iter().map(entry_json).collect()))
}

/// `PUT /assets/metadata`: many assets' entries at once, all or nothing on access.
pub async fn upsert_bulk(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<BulkUpsertDto>,
) -> ApiResult<Json<Vec<Value>>> {
    let ids: Vec<Uuid> = dto.items.iter().map(|i| i.asset_id).collect();
    require_owned(&state, &auth, &ids).await?;
    refuse_duplicates(
        dto.items
            .iter()
            .map(|i| format!("({}, {})", i.asset_id, i.key)),
    )?;
    let items: Vec<(Uuid, String, String)> = dto
        .items
        .into_iter()
        .map(|i| (i.asset_id, i.key, Value::Object(i.value).to_string()))
        .collect();
    let stored = state.catalog.upsert_asset_metadata(&items).await?;
    Ok(Json(stored.iter().map(bulk_entry_json).collect()))
}

/// `DELETE /assets/metadata`.
pub async fn delete_bulk(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<BulkDeleteDto>,
) -> ApiResult<StatusCode> {
    let ids: Vec<Uuid> = dto.items.iter().map(|i| i.asset_id).collect();
    require_owned(&state, &auth, &ids).await?;
    let items: Vec<(Uuid, String)> = dto.items.into_iter().map(|i| (i.asset_id, i.key)).collect();
    state.catalog.delete_asset_metadata(&items).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /assets/{id}/metadata/{key}`: a key the asset does not have is Immich's 400.
pub async fn get_key(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, key)): Path<(Uuid, String)>,
) -> ApiResult<Json<Value>> {
    accessible_asset(&state, &auth, id, Permission::AssetRead).await?;
    match state.catalog.asset_metadata_entry(id, &key).await? {
        Some(entry) => Ok(Json(entry_json(&entry))),
        None => Err(ApiError::bad_request(format!(
            "Metadata with key \"{key}\" not found for asset with id \"{id}\""
        ))),
    }
}

/// `DELETE /assets/{id}/metadata/{key}`: 204 whether or not the key was there, as Immich.
pub async fn delete_key(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, key)): Path<(Uuid, String)>,
) -> ApiResult<StatusCode> {
    accessible_asset(&state, &auth, id, Permission::AssetUpdate).await?;
    state.catalog.delete_asset_metadata(&[(id, key)]).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyDto {
    source_id: Uuid,
    target_id: Uuid,
    shared_links: Option<bool>,
    albums: Option<bool>,
    sidecar: Option<bool>,
    stack: Option<bool>,
    favorite: Option<bool>,
}

/// `PUT /assets/copy`: what the source is part of (albums, shared links, its favourite mark, its
/// sidecar) carried over to the target, both the user's own; for a client that replaces a
/// photo by an edited one.
pub async fn copy(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<CopyDto>,
) -> ApiResult<StatusCode> {
    auth.require(Permission::AssetCopy)?;
    let assets = access::owned_assets(
        state.catalog.as_ref(),
        auth.actor(),
        &[dto.source_id, dto.target_id],
        Permission::AssetCopy,
    )
    .await?;
    let (source, target) = (&assets[0], &assets[1]);
    if dto.source_id == dto.target_id {
        return Err(ApiError::bad_request(
            "Source and target id must be distinct",
        ));
    }
    let mut copy = AssetCopy {
        source: source.id,
        target: target.id,
        albums: dto.albums.unwrap_or(true),
        shared_links: dto.shared_links.unwrap_or(true),
        favorite: dto.favorite.unwrap_or(true),
        ..AssetCopy::default()
    };
    let mut replaced_sidecar = None;
    if let (true, Some(from)) = (dto.sidecar.unwrap_or(true), &source.sidecar_path) {
        // Immich puts the copy beside the target's original, whatever the source's was called.
        let to = format!("{}.xmp", target.original_path);
        let mut blob = state
            .blobs
            .open(from, ferrotype_core::blob::ByteRange::ALL)
            .await?;
        let mut bytes = Vec::with_capacity(blob.len as usize);
        blob.reader
            .read_to_end(&mut bytes)
            .await
            .map_err(ApiError::internal)?;
        state.catalog.record_upload_intent(&to).await?;
        state.blobs.put_bytes(&to, &bytes).await?;
        replaced_sidecar = target.sidecar_path.clone().filter(|old| *old != to);
        copy.jobs = vec![NewJob::of(&ExtractMetadataJob::new(target.id))];
        copy.sidecar = Some(to);
    }
    state.catalog.copy_asset(&copy).await?;
    if dto.stack.unwrap_or(true) {
        copy_stack(&state, &auth, source, target).await?;
    }
    if let Some(old) = replaced_sidecar {
        // The target's own sidecar under another name is no longer its sidecar.
        if let Err(e) = state.blobs.delete(&old).await {
            tracing::warn!(key = %old, error = %e, "could not delete the replaced sidecar");
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The target joins the source's stack, as Immich's `copyStack`: when the target is stacked
/// already, the two stacks become one under the target's primary; else the source's stack
/// takes the target in. (`create_stack` merges the stacks whose primaries it is given.)
async fn copy_stack(
    state: &AppState,
    auth: &Auth,
    source: &ferrotype_core::model::Asset,
    target: &ferrotype_core::model::Asset,
) -> ApiResult<()> {
    let Some(source_stack) = source.stack_id else {
        return Ok(());
    };
    if target.stack_id == Some(source_stack) {
        return Ok(());
    }
    let Some(from) = state.catalog.stack(source_stack).await? else {
        return Ok(());
    };
    let members = match target.stack_id {
        Some(id) => match state.catalog.stack(id).await? {
            Some(to) => vec![to.primary_asset_id, from.primary_asset_id],
            None => vec![from.primary_asset_id, target.id],
        },
        None => vec![from.primary_asset_id, target.id],
    };
    state.catalog.create_stack(auth.user.id, &members).await?;
    state.events.asset_stack_update(auth.user.id).await;
    Ok(())
}
