//! Media files: originals, thumbnails and video playback, streamed from the blob store with
//! HTTP ranges (`206`, `If-Range`, `416`), as the web player and the mobile app need.

use ferrotype_core::permissions::Permission;
use std::collections::HashMap;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ferrotype_core::blob::{ByteRange, ServeAs};
use ferrotype_core::media_types::mime_type_for;
use ferrotype_core::model::{Asset, AssetType};
use ferrotype_core::storage::{Generated, extension_of, generated_key};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::messages;
use crate::routes::assets::accessible_asset;

/// Immich's cache policy for media.
const CACHE_CONTROL: &str =
    "private, max-age=86400, no-transform, stale-while-revalidate=2592000, stale-if-error=2592000";

/// What `Range: bytes=...` asks for, against a blob of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
enum RangeRequest {
    Whole,
    Part { start: u64, end: u64 },
    Unsatisfiable,
}

/// One range (`a-b`, `a-`, `-n`). Several ranges, or a syntax this does not know, are served
/// whole, which RFC 9110 allows.
fn parse_range(value: &str, len: u64) -> RangeRequest {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeRequest::Whole;
    };
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeRequest::Whole;
    };
    let (start, end) = match (a.trim(), b.trim()) {
        ("", "") => return RangeRequest::Whole,
        ("", suffix) => match suffix.parse::<u64>() {
            Ok(0) => return RangeRequest::Unsatisfiable,
            Ok(n) => (len.saturating_sub(n), len.saturating_sub(1)),
            Err(_) => return RangeRequest::Whole,
        },
        (start, "") => match start.parse::<u64>() {
            Ok(s) => (s, len.saturating_sub(1)),
            Err(_) => return RangeRequest::Whole,
        },
        (start, end) => match (start.parse::<u64>(), end.parse::<u64>()) {
            (Ok(s), Ok(e)) if s <= e => (s, e.min(len.saturating_sub(1))),
            _ => return RangeRequest::Whole,
        },
    };
    if len == 0 || start >= len {
        RangeRequest::Unsatisfiable
    } else {
        RangeRequest::Part { start, end }
    }
}

struct Served<'a> {
    key: &'a str,
    content_type: &'static str,
    etag: String,
    disposition: Option<String>,
}

/// How long a redirect to a presigned URL stays usable: long enough for a video watched to
/// its end, short enough that a link copied out of the app soon stops working.
const PUBLIC_URL_LIFETIME: Duration = Duration::from_secs(3600);

async fn serve(state: &AppState, request: &HeaderMap, served: Served<'_>) -> ApiResult<Response> {
    if state.config.media_redirects
        && let Some(url) = state
            .blobs
            .public_url(
                served.key,
                PUBLIC_URL_LIFETIME,
                &ServeAs {
                    content_type: Some(served.content_type.to_string()),
                    content_disposition: served.disposition.clone(),
                },
            )
            .await?
    {
        // Found (302): the client follows it with its Range header. Not cached: the URL
        // expires, the asset's address does not.
        let location = HeaderValue::from_str(&url)
            .map_err(|_| ApiError::internal("public URL not a header"))?;
        return Ok((
            StatusCode::FOUND,
            [
                (header::LOCATION, location),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response());
    }
    let etag = served.etag;
    // A range only applies while the client's copy is still current (If-Range).
    let range = request
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| {
            request
                .get(header::IF_RANGE)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|v| v.trim() == etag)
        });
    let len = state.blobs.len(served.key).await?;
    let wanted = range.map_or(RangeRequest::Whole, |r| parse_range(r, len));
    let mut response = match wanted {
        RangeRequest::Unsatisfiable => {
            let mut r = ApiError::new(StatusCode::RANGE_NOT_SATISFIABLE, "Range Not Satisfiable")
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(r);
        }
        RangeRequest::Whole => {
            let blob = state.blobs.open(served.key, ByteRange::ALL).await?;
            let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
                blob.reader,
                256 * 1024,
            ));
            let mut r = (StatusCode::OK, body).into_response();
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            r
        }
        RangeRequest::Part { start, end } => {
            let blob = state
                .blobs
                .open(served.key, ByteRange::between(start, end + 1))
                .await?;
            let count = end - start + 1;
            let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
                blob.reader,
                256 * 1024,
            ));
            let mut r = (StatusCode::PARTIAL_CONTENT, body).into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
                h.insert(header::CONTENT_RANGE, v);
            }
            r
        }
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(served.content_type),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(d) = served
        .disposition
        .and_then(|d| HeaderValue::from_str(&d).ok())
    {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    Ok(response)
}

/// RFC 5987 encoding for a file name in `Content-Disposition`.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The original's content never changes: its checksum names it.
fn original_etag(asset: &Asset) -> String {
    format!("\"{}\"", hex::encode(&asset.checksum))
}

fn original_type(asset: &Asset) -> &'static str {
    mime_type_for(&extension_of(&asset.original_path).unwrap_or_default())
}

/// The edited full-size image's key, when `edited` is asked for (a shared link always asks:
/// its visitors see the edited picture, as in Immich), the asset has edits and the thumbnail
/// job has made it.
pub(crate) async fn edited_fullsize(
    state: &AppState,
    asset: &Asset,
    edited: bool,
) -> ApiResult<Option<String>> {
    if !edited || !asset.is_edited {
        return Ok(None);
    }
    let key = generated_key(asset.owner_id, asset.id, Generated::EditedFullsize);
    Ok(state.blobs.exists(&key).await?.then_some(key))
}

/// The `edited` query parameter; a shared link's visitor always gets the edited files.
fn wants_edited(auth: &Auth, query: &HashMap<String, String>) -> bool {
    auth.shared_link().is_some() || query.get("edited").is_some_and(|v| v == "true")
}

/// The file name without its extension (Immich's `getFileNameWithoutExtension`).
fn file_stem(name: &str) -> &str {
    match name.rfind('.') {
        Some(dot) if dot > 0 => &name[..dot],
        _ => name,
    }
}

/// `GET /assets/{id}/original`: the uploaded file, or with `edited=true` the edited full-size
/// JPEG when there is one (named as the original, with the edited file's extension).
pub async fn original(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let asset = accessible_asset(&state, &auth, id, Permission::AssetDownload).await?;
    let edited = edited_fullsize(&state, &asset, wants_edited(&auth, &query)).await?;
    let (key, content_type, etag, name) = match &edited {
        Some(key) => (
            key.as_str(),
            "image/jpeg",
            generated_etag(&asset, "fe"),
            format!("{}.jpeg", file_stem(&asset.original_file_name)),
        ),
        None => (
            asset.original_path.as_str(),
            original_type(&asset),
            original_etag(&asset),
            asset.original_file_name.clone(),
        ),
    };
    let disposition = format!("attachment; filename*=UTF-8''{}", percent_encode(&name));
    serve(
        &state,
        &headers,
        Served {
            key,
            content_type,
            etag,
            disposition: Some(disposition),
        },
    )
    .await
}

/// A generated file's version: regenerating thumbnails (or editing) changes the thumbhash.
fn generated_etag(asset: &Asset, suffix: &str) -> String {
    format!(
        "\"{}-{suffix}-{}\"",
        hex::encode(&asset.checksum),
        asset
            .thumbhash
            .as_deref()
            .map(hex::encode)
            .unwrap_or_default()
    )
}

/// `path` with the request's query, `size` left out or replaced (Immich's redirects keep the
/// other parameters: `key`, `edited`, ...).
fn redirect_keeping_query(
    path: &str,
    query: &HashMap<String, String>,
    size: Option<&str>,
) -> Response {
    let mut params = form_urlencoded::Serializer::new(String::new());
    let mut names: Vec<&String> = query.keys().filter(|k| k.as_str() != "size").collect();
    names.sort();
    for name in names {
        params.append_pair(name, &query[name]);
    }
    if let Some(size) = size {
        params.append_pair("size", size);
    }
    let params = params.finish();
    let location = if params.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{params}")
    };
    Redirect::to(&location).into_response()
}

/// Originals a browser shows as they are; others get the preview as their "full size".
fn web_compatible(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/jpeg" | "image/png" | "image/webp" | "image/gif" | "image/avif"
    )
}

/// `GET /assets/{id}/thumbnail`: the thumbnail or preview; with `edited=true` (always for a
/// shared link) the edited ones of an edited asset, the unedited ones until the job has made
/// them. `fullsize` is the original itself for a picture browsers show (unless edited ones
/// are asked for), else the preview; the edited full-size JPEG when there is one.
pub async fn thumbnail(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let asset = accessible_asset(&state, &auth, id, Permission::AssetView).await?;
    let edited = wants_edited(&auth, &query);
    let size = query.get("size").map(String::as_str);
    let mut kind = match size {
        None | Some("thumbnail") => Generated::Thumbnail,
        Some("preview") => Generated::Preview,
        Some("original") => {
            return Ok(redirect_keeping_query(
                &format!("/api/assets/{id}/original"),
                &query,
                None,
            ));
        }
        Some("fullsize") => {
            if let Some(key) = edited_fullsize(&state, &asset, edited).await? {
                return serve_generated(&state, &headers, &asset, Generated::EditedFullsize, &key)
                    .await;
            }
            let compatible =
                asset.asset_type == AssetType::Image && web_compatible(original_type(&asset));
            if compatible && !edited {
                return Ok(redirect_keeping_query(
                    &format!("/api/assets/{id}/original"),
                    &query,
                    None,
                ));
            }
            if edited {
                // No edited full size (none made, or not yet): Immich sends the preview's
                // address.
                return Ok(redirect_keeping_query(
                    &format!("/api/assets/{id}/thumbnail"),
                    &query,
                    Some("preview"),
                ));
            }
            Generated::Preview
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "size must be one of thumbnail, preview, fullsize (got {other})"
            )));
        }
    };
    if edited && asset.is_edited {
        let edited_kind = match kind {
            Generated::Thumbnail => Generated::EditedThumbnail,
            _ => Generated::EditedPreview,
        };
        let key = generated_key(asset.owner_id, asset.id, edited_kind);
        if state.blobs.exists(&key).await? {
            kind = edited_kind;
        }
    }
    let key = generated_key(asset.owner_id, asset.id, kind);
    serve_generated(&state, &headers, &asset, kind, &key).await
}

async fn serve_generated(
    state: &AppState,
    headers: &HeaderMap,
    asset: &Asset,
    kind: Generated,
    key: &str,
) -> ApiResult<Response> {
    let (content_type, suffix) = match kind {
        Generated::Thumbnail => ("image/webp", "t"),
        Generated::Preview => ("image/jpeg", "p"),
        Generated::EditedThumbnail => ("image/webp", "te"),
        Generated::EditedPreview => ("image/jpeg", "pe"),
        Generated::EditedFullsize => ("image/jpeg", "fe"),
    };
    match serve(
        state,
        headers,
        Served {
            key,
            content_type,
            etag: generated_etag(asset, suffix),
            disposition: None,
        },
    )
    .await
    {
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            Err(ApiError::from(messages::ASSET_MEDIA_NOT_FOUND))
        }
        other => other,
    }
}

pub async fn playback(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let asset = accessible_asset(&state, &auth, id, Permission::AssetView).await?;
    if asset.asset_type != AssetType::Video {
        return Err(ApiError::from(messages::ASSET_IS_NOT_A_VIDEO));
    }
    serve(
        &state,
        &headers,
        Served {
            key: &asset.original_path,
            content_type: original_type(&asset),
            etag: original_etag(&asset),
            disposition: None,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(
            parse_range("bytes=0-99", 1000),
            RangeRequest::Part { start: 0, end: 99 }
        );
        assert_eq!(
            parse_range("bytes=900-", 1000),
            RangeRequest::Part {
                start: 900,
                end: 999
            }
        );
        assert_eq!(
            parse_range("bytes=-100", 1000),
            RangeRequest::Part {
                start: 900,
                end: 999
            }
        );
        assert_eq!(
            parse_range("bytes=990-5000", 1000),
            RangeRequest::Part {
                start: 990,
                end: 999
            }
        );
        assert_eq!(
            parse_range("bytes=1000-", 1000),
            RangeRequest::Unsatisfiable
        );
        assert_eq!(parse_range("bytes=-0", 1000), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), RangeRequest::Whole);
        assert_eq!(parse_range("items=0-1", 1000), RangeRequest::Whole);
        assert_eq!(parse_range("bytes=5-1", 1000), RangeRequest::Whole);
    }

    #[test]
    fn file_names_are_percent_encoded() {
        assert_eq!(percent_encode("a b\".jpg"), "a%20b%22.jpg");
    }
}
