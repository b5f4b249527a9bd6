//! Media files: originals, thumbnails and video playback, streamed from the blob store with
//! HTTP ranges (`206`, `If-Range`, `416`), as the web player and the mobile app need.

use ferrotype_core::permissions::Permission;
use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ferrotype_core::media_types::mime_type_for;
use ferrotype_core::model::{Asset, AssetType};
use ferrotype_core::storage::{Generated, extension_of, generated_key};
use tokio::io::AsyncReadExt;
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

async fn serve(state: &AppState, request: &HeaderMap, served: Served<'_>) -> ApiResult<Response> {
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
    let head = state.blobs.open(served.key, 0).await?;
    let len = head.len;
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
            let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
                head.reader,
                256 * 1024,
            ));
            let mut r = (StatusCode::OK, body).into_response();
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            r
        }
        RangeRequest::Part { start, end } => {
            drop(head);
            let blob = state.blobs.open(served.key, start).await?;
            let count = end - start + 1;
            let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
                blob.reader.take(count),
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

pub async fn original(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let asset = accessible_asset(&state, &auth, id, Permission::AssetDownload).await?;
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        percent_encode(&asset.original_file_name)
    );
    serve(
        &state,
        &headers,
        Served {
            key: &asset.original_path,
            content_type: original_type(&asset),
            etag: original_etag(&asset),
            disposition: Some(disposition),
        },
    )
    .await
}

/// Originals a browser shows as they are; others get the preview as their "full size".
fn web_compatible(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/jpeg" | "image/png" | "image/webp" | "image/gif" | "image/avif"
    )
}

pub async fn thumbnail(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let asset = accessible_asset(&state, &auth, id, Permission::AssetView).await?;
    let kind = match query.get("size").map(String::as_str) {
        None | Some("thumbnail") => Generated::Thumbnail,
        Some("preview") => Generated::Preview,
        Some("fullsize") | Some("original") => {
            if asset.asset_type == AssetType::Image && web_compatible(original_type(&asset)) {
                let mut location = format!("/api/assets/{id}/original");
                if let Some(q) = query.get("key") {
                    location.push_str(&format!("?key={q}"));
                }
                return Ok(Redirect::to(&location).into_response());
            }
            Generated::Preview
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "size must be one of thumbnail, preview, fullsize (got {other})"
            )));
        }
    };
    let key = generated_key(asset.owner_id, asset.id, kind);
    let (content_type, suffix) = match kind {
        Generated::Thumbnail => ("image/webp", "t"),
        Generated::Preview => ("image/jpeg", "p"),
    };
    // Regenerating thumbnails changes the thumbhash: it names the version.
    let etag = format!(
        "\"{}-{suffix}-{}\"",
        hex::encode(&asset.checksum),
        asset
            .thumbhash
            .as_deref()
            .map(hex::encode)
            .unwrap_or_default()
    );
    match serve(
        &state,
        &headers,
        Served {
            key: &key,
            content_type,
            etag,
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
