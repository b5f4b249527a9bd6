//! The web UI: a few static files built into the binary (`web/`), served at `/`. Every path
//! that is not the API, a file, or `/.well-known` is a page of the app (`/photos`, `/share/<key>`,
//! `/s/<slug>`...), so it gets `index.html` and the app routes it in the browser.

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

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
pub async fn serve(uri: Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") || path == "/api" {
        return ApiError::new(StatusCode::NOT_FOUND, format!("Cannot GET {path}")).into_response();
    }
    match path {
        "/app.js" => file("text/javascript; charset=utf-8", APP_JS),
        "/thumbhash.js" => file("text/javascript; charset=utf-8", THUMBHASH_JS),
        "/grid.js" => file("text/javascript; charset=utf-8", GRID_JS),
        "/app.css" => file("text/css; charset=utf-8", APP_CSS),
        "/vendor/socket.io.esm.min.js" => file("text/javascript; charset=utf-8", SOCKET_IO_JS),
        "/vendor/socket.io-client.LICENSE" => file("text/plain; charset=utf-8", SOCKET_IO_LICENSE),
        _ => file("text/html; charset=utf-8", INDEX),
    }
}
