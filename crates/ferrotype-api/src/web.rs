//! The web UI: the files of `web/`, built into the binary (`WEB_FILES`, listed by build.rs), served
//! at `/`. Every path
//! that is not the API, a file, or `/.well-known` is a page of the app (`/photos`, `/share/<key>`,
//! `/s/<slug>`...), so it gets `index.html` and the app routes it in the browser. A shared
//! link's page carries OpenGraph tags (title, count, a thumbnail) for the previews chat apps
//! show, as Immich renders them; an unknown or expired link's page is a 404.

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use ferrotype_core::model::SharedLink;

use crate::AppState;
use crate::error::ApiError;

const INDEX: &str = include_str!("../web/index.html");

// `WEB_FILES`: every file of `web/` (and the API client's generated operations), by URL path.
include!(concat!(env!("OUT_DIR"), "/web_files.rs"));

/// A file of the app, with its type from its name.
fn web_file(path: &str) -> Option<Response> {
    let (_, body) = WEB_FILES.iter().find(|(p, _)| *p == path)?;
    let content_type = match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "text/plain; charset=utf-8",
    };
    Some(
        (
            [
                (header::CONTENT_TYPE, content_type),
                // Names are not versioned: the browser asks again, cheaply, after an upgrade.
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
    )
}

fn index() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        INDEX,
    )
        .into_response()
}

/// The router's fallback: the app's files and pages; unknown API paths stay JSON 404s.
pub async fn serve(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") || path == "/api" {
        return ApiError::new(StatusCode::NOT_FOUND, format!("Cannot {method} {path}"))
            .into_response();
    }
    if let Some(file) = web_file(path) {
        return file;
    }
    let (key, slug) = match (path.strip_prefix("/share/"), path.strip_prefix("/s/")) {
        (Some(key), _) => (Some(key), None),
        (_, Some(slug)) => (None, Some(slug)),
        _ => return index(),
    };
    let link = crate::auth::open_shared_link(&state, key, slug).await;
    let (status, page) = match link {
        Ok(Some(link)) => (StatusCode::OK, share_page(&state, &link, &headers).await),
        _ => (StatusCode::NOT_FOUND, INDEX.to_string()),
    };
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        page,
    )
        .into_response()
}

/// `index.html` with a link's OpenGraph tags; none for a password-protected link (its
/// contents are not to be shown without the password).
async fn share_page(state: &AppState, link: &SharedLink, headers: &HeaderMap) -> String {
    if link.password.is_some() {
        return INDEX.to_string();
    }
    let album = match link.album_id {
        Some(id) => state.catalog.album(id).await.ok().flatten(),
        None => None,
    };
    let assets = state
        .catalog
        .shared_link_assets(link.id)
        .await
        .unwrap_or_default();
    let count = if assets.is_empty() {
        album.as_ref().map_or(0, |a| a.asset_count)
    } else {
        assets.len() as i64
    };
    let cover = album
        .as_ref()
        .and_then(|a| a.album.thumbnail_asset_id)
        .or_else(|| assets.first().map(|a| a.id));
    let image = match cover {
        Some(id) => format!(
            "/api/assets/{id}/thumbnail?key={}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&link.key)
        ),
        None => "/feature-panel.png".to_string(),
    };
    // The request's own host, else Immich's public fallback.
    let domain = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .map_or_else(
            || "https://my.immich.app".to_string(),
            |h| format!("http://{h}"),
        );
    let title = album
        .as_ref()
        .map_or("Public Share".to_string(), |a| a.album.name.clone());
    let description = link
        .description
        .clone()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| format!("{count} shared photos & videos"));
    let (title, description, image) = (
        escape_html(&title),
        escape_html(&description),
        escape_html(&format!("{domain}{image}")),
    );
    let tags = format!(
        "<meta name=\"description\" content=\"{description}\" />\n\
         <meta property=\"og:type\" content=\"website\" />\n\
         <meta property=\"og:title\" content=\"{title}\" />\n\
         <meta property=\"og:description\" content=\"{description}\" />\n\
         <meta property=\"og:image\" content=\"{image}\" />\n"
    );
    INDEX.replace("<!-- metadata:tags -->\n", &tags)
}

/// What lodash's `escape` does, which Immich applies to the tags' contents.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::WEB_FILES;
    use sha2::{Digest, Sha256};

    /// The vendored browser modules are what `scripts/vendor-web` wrote from npm's lock: each
    /// served file's SHA-256 is the pinned one, and nothing vendored is unlisted.
    #[test]
    fn vendored_modules_match_their_pinned_checksums() {
        let sums = include_str!("../web/vendor/SHA256SUMS");
        let mut listed = Vec::new();
        for line in sums.lines() {
            let (sum, name) = line.split_once("  ").expect("sha256sum's format");
            let url = format!("/vendor/{name}");
            let (_, body) = WEB_FILES
                .iter()
                .find(|(p, _)| *p == url)
                .unwrap_or_else(|| panic!("{url} is pinned but not served"));
            assert_eq!(hex::encode(Sha256::digest(body)), sum, "{url} changed");
            listed.push(url);
        }
        for (path, _) in WEB_FILES {
            if path.starts_with("/vendor/") && *path != "/vendor/SHA256SUMS" {
                assert!(listed.contains(&path.to_string()), "{path} is not pinned");
            }
        }
    }
}
