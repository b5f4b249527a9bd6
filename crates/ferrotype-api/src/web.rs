//! The web UI: a few static files built into the binary (`web/`), served at `/`. Every path
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
const APP_JS: &str = include_str!("../web/app.js");
const THUMBHASH_JS: &str = include_str!("../web/thumbhash.js");
const GRID_JS: &str = include_str!("../web/grid.js");
const APP_CSS: &str = include_str!("../web/app.css");
/// socket.io-client's browser bundle (npm `socket.io-client` 4.8.4, `dist/socket.io.esm.min.js`
/// without its source-map comment), vendored with its MIT licence: the app has no bundler.
const SOCKET_IO_JS: &str = include_str!("../web/vendor/socket.io.esm.min.js");
const SOCKET_IO_LICENSE: &str = include_str!("../web/vendor/socket.io-client.LICENSE");

fn file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // Names are not versioned: the browser asks again, cheaply, after an upgrade.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
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
    match path {
        "/app.js" => file("text/javascript; charset=utf-8", APP_JS),
        "/thumbhash.js" => file("text/javascript; charset=utf-8", THUMBHASH_JS),
        "/grid.js" => file("text/javascript; charset=utf-8", GRID_JS),
        "/app.css" => file("text/css; charset=utf-8", APP_CSS),
        "/vendor/socket.io.esm.min.js" => file("text/javascript; charset=utf-8", SOCKET_IO_JS),
        "/vendor/socket.io-client.LICENSE" => file("text/plain; charset=utf-8", SOCKET_IO_LICENSE),
        _ => {
            let (key, slug) = match (path.strip_prefix("/share/"), path.strip_prefix("/s/")) {
                (Some(key), _) => (Some(key), None),
                (_, Some(slug)) => (None, Some(slug)),
                _ => return file("text/html; charset=utf-8", INDEX),
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
    }
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
