//! Ferrotype's HTTP API: Immich's routes, one module per OpenAPI tag, over the core's ports.
//! Errors are mapped to Immich's JSON error body once, in `error`.

pub mod auth;
pub mod contract;
pub mod dto;
pub mod error;
pub mod events;
pub mod json;
pub mod messages;
pub mod metrics;
mod routes;
pub use routes::maintenance::log_login_url as log_maintenance_login_url;
pub use routes::notifications::AlbumUpdateNotifier;
mod web;
mod zip_stream;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use ferrotype_core::blob::BlobStore;
use ferrotype_core::catalog::Catalog;

use routes::activities;
use routes::asset_edits;
use routes::asset_metadata;
use routes::faces;
use routes::maintenance;
use routes::memories;
use routes::people;
use routes::stacks;
use routes::tags;
use routes::{
    admin_users, albums, api_keys, assets, auth as auth_routes, calendar, download, edits, folders,
    jobs, map, media, notifications, partners, pin, search, server, sessions, shared_links, sync,
    system, timeline, upload, users,
};

/// Settings the API needs from the server's configuration.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest original accepted by `POST /api/assets`; larger ones get 413.
    pub max_upload_bytes: u64,
    /// The data folder, whose disk `GET /api/server/storage` reports on.
    pub data_dir: std::path::PathBuf,
    /// Immich's public keys that product keys are checked against.
    pub license_keys: ferrotype_core::license::LicenseKeys,
    /// Build facts for `/api/server/about` (Immich's `IMMICH_BUILD*`, `IMMICH_REPOSITORY*`,
    /// `IMMICH_SOURCE*` and `IMMICH_THIRD_PARTY_*` variables), as (field, value).
    pub build_metadata: Vec<(&'static str, String)>,
    /// How long after media is added to an album its users are notified (Immich: 5 minutes).
    pub album_update_delay: std::time::Duration,
    /// Media (originals, thumbnails, video) answered with a redirect to the blob store's public
    /// URL (a presigned S3 URL) instead of streamed through us, when the store has one.
    pub media_redirects: bool,
}

#[derive(Clone)]
pub struct AppState {
    pub catalog: Arc<dyn Catalog>,
    pub blobs: Arc<dyn BlobStore>,
    pub config: Arc<ApiConfig>,
    /// The live system configuration (`/api/system-config`), read per request.
    pub system_config: Arc<ferrotype_core::system_config::SystemConfigStore>,
    pub metrics: Arc<metrics::Metrics>,
    /// The socket.io channel (`/api/socket.io`) that tells connected clients what changed.
    pub events: events::EventHub,
    /// Place names for positions (edits of a place, `/map/reverse-geocode`).
    pub geocoder: Arc<dyn ferrotype_core::places::ReverseGeocoder>,
    /// Whether maintenance mode is on (`routes/maintenance.rs`), this process's copy.
    pub maintenance: Arc<ferrotype_core::maintenance::MaintenanceMode>,
}

/// Largest JSON request body accepted.
pub const MAX_JSON_BODY: usize = 16 * 1024 * 1024;

/// Declares the API's routes once: each operation is registered with its handler and listed in
/// `SERVED`, which a test checks against the contract (every route we serve is an operation of
/// Immich's OpenAPI document).
macro_rules! api_routes {
    ($($method:ident $path:literal => $handler:expr $(, layer $layer:expr)?;)*) => {
        /// Every operation the API serves: (method, path under `/api`).
        pub const SERVED: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        fn api_routes() -> Router<AppState> {
            Router::new()
                $(.route($path, {
                    let route = axum::routing::on(axum::routing::MethodFilter::$method, $handler);
                    $(let route = route.layer($layer);)?
                    route
                }))*
        }
    };
}

api_routes! {
    GET "/server/ping" => server::ping;
    GET "/server/version" => server::version;
    GET "/server/features" => server::features;
    GET "/map/markers" => map::markers;
    GET "/map/reverse-geocode" => map::reverse_geocode;
    GET "/server/config" => server::config;
    GET "/server/media-types" => server::media_types;
    GET "/server/about" => server::about;
    GET "/server/storage" => server::storage;
    GET "/server/license" => server::license;
    PUT "/server/license" => server::set_license;
    DELETE "/server/license" => server::delete_license;
    GET "/server/version-history" => server::version_history;
    GET "/server/version-check" => server::version_check;
    GET "/server/apk-links" => server::apk_links;
    GET "/system-config" => system::config;
    PUT "/system-config" => system::update_config;
    GET "/system-config/defaults" => system::defaults;
    GET "/system-config/storage-template-options" => system::storage_template_options;
    GET "/system-metadata/admin-onboarding" => system::admin_onboarding;
    POST "/system-metadata/admin-onboarding" => system::set_admin_onboarding;
    GET "/system-metadata/reverse-geocoding-state" => system::reverse_geocoding_state;
    GET "/system-metadata/version-check-state" => system::version_check_state;
    GET "/auth/status" => auth_routes::status;
    POST "/auth/pin-code" => pin::set_up;
    PUT "/auth/pin-code" => pin::change;
    DELETE "/auth/pin-code" => pin::reset;
    POST "/auth/session/unlock" => pin::unlock;
    POST "/auth/session/lock" => pin::lock;
    GET "/sessions" => sessions::list;
    POST "/sessions" => sessions::create;
    DELETE "/sessions" => sessions::delete_all;
    PUT "/sessions/{id}" => sessions::update;
    PATCH "/sessions/{id}" => sessions::update;
    DELETE "/sessions/{id}" => sessions::delete;
    POST "/sessions/{id}/lock" => sessions::lock;
    GET "/admin/users" => admin_users::list;
    POST "/admin/users" => admin_users::create;
    GET "/admin/users/{id}" => admin_users::get;
    PUT "/admin/users/{id}" => admin_users::update;
    PATCH "/admin/users/{id}" => admin_users::update;
    DELETE "/admin/users/{id}" => admin_users::delete;
    POST "/admin/users/{id}/restore" => admin_users::restore;
    GET "/admin/users/{id}/calendar-heatmap" => calendar::of_user;
    GET "/users/me/calendar-heatmap" => calendar::mine;
    GET "/admin/users/{id}/preferences" => admin_users::preferences;
    PUT "/admin/users/{id}/preferences" => admin_users::update_preferences;
    PATCH "/admin/users/{id}/preferences" => admin_users::update_preferences;
    POST "/auth/change-password" => auth_routes::change_password;
    POST "/auth/admin-sign-up" => auth_routes::admin_sign_up;
    POST "/auth/login" => auth_routes::login;
    POST "/auth/logout" => auth_routes::logout;
    POST "/auth/validateToken" => auth_routes::validate_token;
    GET "/api-keys" => api_keys::list;
    POST "/api-keys" => api_keys::create;
    GET "/api-keys/me" => api_keys::me;
    GET "/api-keys/{id}" => api_keys::get;
    PUT "/api-keys/{id}" => api_keys::update;
    PATCH "/api-keys/{id}" => api_keys::update;
    DELETE "/api-keys/{id}" => api_keys::delete;
    GET "/users/me" => users::me;
    PUT "/users/me" => users::update_me;
    PATCH "/users/me" => users::update_me;
    GET "/users" => users::list;
    POST "/users/profile-image" => users::upload_profile_image;
    DELETE "/users/profile-image" => users::delete_profile_image;
    GET "/users/me/onboarding" => users::onboarding;
    PUT "/users/me/onboarding" => users::set_onboarding;
    DELETE "/users/me/onboarding" => users::delete_onboarding;
    GET "/users/me/license" => users::license;
    PUT "/users/me/license" => users::set_license;
    DELETE "/users/me/license" => users::delete_license;
    GET "/users/{id}" => users::get;
    GET "/users/{id}/profile-image" => users::profile_image;
    GET "/users/me/preferences" => users::preferences;
    PUT "/users/me/preferences" => users::update_preferences;
    PATCH "/users/me/preferences" => users::update_preferences;
    GET "/assets/statistics" => assets::statistics;
    POST "/assets/bulk-upload-check" => assets::bulk_upload_check;
    // The upload enforces its own, configurable limit while streaming.
    POST "/assets" => upload::upload, layer DefaultBodyLimit::disable();
    PUT "/assets" => edits::update_many;
    PATCH "/assets" => edits::update_many;
    DELETE "/assets" => edits::delete_many;
    POST "/trash/restore/assets" => edits::restore_assets;
    POST "/trash/restore" => edits::restore_all;
    POST "/trash/empty" => edits::empty;
    GET "/assets/{id}" => assets::get;
    PUT "/assets/{id}" => edits::update_one;
    PATCH "/assets/{id}" => edits::update_one;
    GET "/assets/{id}/metadata" => assets::metadata;
    PUT "/assets/{id}/metadata" => asset_metadata::upsert;
    GET "/assets/{id}/metadata/{key}" => asset_metadata::get_key;
    DELETE "/assets/{id}/metadata/{key}" => asset_metadata::delete_key;
    PUT "/assets/metadata" => asset_metadata::upsert_bulk;
    DELETE "/assets/metadata" => asset_metadata::delete_bulk;
    PUT "/assets/copy" => asset_metadata::copy;
    GET "/assets/{id}/original" => media::original;
    GET "/assets/{id}/thumbnail" => media::thumbnail;
    GET "/assets/{id}/video/playback" => media::playback;
    GET "/albums" => albums::list;
    POST "/albums" => albums::create;
    GET "/albums/statistics" => albums::statistics;
    PUT "/albums/assets" => albums::add_assets_to_albums;
    GET "/albums/{id}" => albums::get;
    PATCH "/albums/{id}" => albums::update;
    DELETE "/albums/{id}" => albums::delete;
    PUT "/albums/{id}/assets" => albums::add_assets;
    DELETE "/albums/{id}/assets" => albums::remove_assets;
    GET "/albums/{id}/map-markers" => albums::map_markers;
    PUT "/albums/{id}/users" => albums::add_users;
    PUT "/albums/{id}/user/{user_id}" => albums::update_user;
    DELETE "/albums/{id}/user/{user_id}" => albums::remove_user;
    POST "/assets/jobs" => jobs::asset_jobs;
    GET "/jobs" => jobs::list_legacy;
    POST "/jobs" => jobs::create_manual;
    PUT "/jobs/{name}" => jobs::command;
    GET "/queues" => jobs::list;
    GET "/queues/{name}" => jobs::get;
    PUT "/queues/{name}" => jobs::update;
    GET "/queues/{name}/jobs" => jobs::list_jobs;
    DELETE "/queues/{name}/jobs" => jobs::delete_jobs;
    GET "/server/statistics" => server::statistics;
    GET "/shared-links" => shared_links::list;
    POST "/shared-links" => shared_links::create;
    GET "/shared-links/me" => shared_links::me;
    POST "/shared-links/login" => shared_links::login;
    GET "/shared-links/{id}" => shared_links::get;
    PATCH "/shared-links/{id}" => shared_links::update;
    DELETE "/shared-links/{id}" => shared_links::delete;
    PUT "/shared-links/{id}/assets" => shared_links::add_assets;
    DELETE "/shared-links/{id}/assets" => shared_links::remove_assets;
    POST "/download/info" => download::info;
    POST "/download/archive" => download::archive;
    POST "/search/metadata" => search::metadata;
    POST "/search/random" => search::random;
    POST "/search/large-assets" => search::large_assets;
    POST "/search/statistics" => search::statistics;
    GET "/search/suggestions" => search::suggestions;
    GET "/search/explore" => search::explore;
    GET "/search/cities" => search::cities;
    GET "/search/places" => search::places;
    GET "/view/folder/unique-paths" => folders::unique_paths;
    GET "/view/folder" => folders::folder;
    GET "/timeline/buckets" => timeline::buckets;
    GET "/timeline/bucket" => timeline::bucket;
    POST "/sync/stream" => sync::stream;
    GET "/sync/ack" => sync::get_acks;
    POST "/sync/ack" => sync::set_acks;
    DELETE "/sync/ack" => sync::delete_acks;
    GET "/partners" => partners::list;
    POST "/partners" => partners::create;
    POST "/partners/{id}" => partners::create_deprecated;
    PUT "/partners/{id}" => partners::update;
    DELETE "/partners/{id}" => partners::remove;
    GET "/notifications" => notifications::list;
    PUT "/notifications" => notifications::update_many;
    DELETE "/notifications" => notifications::delete_many;
    GET "/notifications/{id}" => notifications::get;
    PUT "/notifications/{id}" => notifications::update;
    DELETE "/notifications/{id}" => notifications::delete;
    POST "/admin/notifications" => notifications::create;
    POST "/admin/notifications/templates/{name}" => notifications::template;
    POST "/admin/notifications/test-email" => notifications::test_email;
    GET "/activities" => activities::list;
    POST "/activities" => activities::create;
    GET "/activities/statistics" => activities::statistics;
    DELETE "/activities/{id}" => activities::delete;
    GET "/tags" => tags::list;
    POST "/tags" => tags::create;
    PUT "/tags" => tags::upsert;
    PUT "/tags/assets" => tags::bulk_tag_assets;
    GET "/tags/{id}" => tags::get;
    PUT "/tags/{id}" => tags::update;
    PATCH "/tags/{id}" => tags::update;
    DELETE "/tags/{id}" => tags::delete;
    PUT "/tags/{id}/assets" => tags::tag_assets;
    DELETE "/tags/{id}/assets" => tags::untag_assets;
    GET "/stacks" => stacks::search;
    POST "/stacks" => stacks::create;
    DELETE "/stacks" => stacks::delete_all;
    GET "/stacks/{id}" => stacks::get;
    PUT "/stacks/{id}" => stacks::update;
    PATCH "/stacks/{id}" => stacks::update;
    DELETE "/stacks/{id}" => stacks::delete;
    DELETE "/stacks/{id}/assets/{assetId}" => stacks::remove_asset;
    GET "/memories" => memories::search;
    POST "/memories" => memories::create;
    GET "/memories/statistics" => memories::statistics;
    GET "/memories/{id}" => memories::get;
    PUT "/memories/{id}" => memories::update;
    PATCH "/memories/{id}" => memories::update;
    DELETE "/memories/{id}" => memories::delete;
    PUT "/memories/{id}/assets" => memories::add_assets;
    DELETE "/memories/{id}/assets" => memories::remove_assets;
    GET "/assets/{id}/edits" => asset_edits::get;
    PUT "/assets/{id}/edits" => asset_edits::replace;
    DELETE "/assets/{id}/edits" => asset_edits::remove;
    GET "/people" => people::search;
    POST "/people" => people::create;
    PUT "/people" => people::update_all;
    DELETE "/people" => people::delete_all;
    GET "/people/{id}" => people::get;
    PUT "/people/{id}" => people::update;
    PATCH "/people/{id}" => people::update;
    DELETE "/people/{id}" => people::delete;
    GET "/people/{id}/thumbnail" => people::thumbnail;
    GET "/people/{id}/statistics" => people::statistics;
    POST "/people/{id}/merge" => people::merge;
    PUT "/people/{id}/reassign" => people::reassign;
    GET "/faces" => faces::list;
    POST "/faces" => faces::create;
    PUT "/faces/{id}" => faces::reassign;
    DELETE "/faces/{id}" => faces::delete;
    POST "/admin/maintenance" => maintenance::set_mode;
    GET "/admin/maintenance/status" => maintenance::status;
    POST "/admin/maintenance/login" => maintenance::login_route;
    GET "/admin/maintenance/detect-install" => maintenance::detect_install;
}

type RequestRewrite = fn(axum::extract::Request) -> axum::extract::Request;
/// The router behind a rewrite of each request before routing.
pub type LooseRouter = tower::util::MapRequest<Router, RequestRewrite>;

/// What the server serves: `router`, behind Express's loose routing, which Immich has: an API
/// path's trailing slash is dropped before routing (`PUT /api/assets/` is `PUT /api/assets`).
pub fn app(state: AppState) -> axum::routing::IntoMakeService<LooseRouter> {
    let loose: RequestRewrite = without_trailing_slash;
    axum::ServiceExt::<axum::extract::Request>::into_make_service(tower::ServiceExt::<
        axum::extract::Request,
    >::map_request(
        router(state), loose
    ))
}

/// `/api/x/` as `/api/x` (the query kept). socket.io's own path keeps its slash (its clients
/// ask for `/api/socket.io/?EIO=4`), and the web UI's addresses are left as they are.
fn without_trailing_slash(mut request: axum::extract::Request) -> axum::extract::Request {
    let uri = request.uri();
    let path = uri.path();
    if path.len() > "/api/".len()
        && path.starts_with("/api/")
        && path.ends_with('/')
        && !path.starts_with(events::SOCKET_PATH)
    {
        let trimmed = path.trim_end_matches('/');
        let rebuilt = match uri.query() {
            Some(query) => format!("{trimmed}?{query}"),
            None => trimmed.to_string(),
        };
        if let Ok(path_and_query) = rebuilt.parse() {
            let mut parts = uri.clone().into_parts();
            parts.path_and_query = Some(path_and_query);
            if let Ok(uri) = axum::http::Uri::from_parts(parts) {
                *request.uri_mut() = uri;
            }
        }
    }
    request
}

pub fn router(state: AppState) -> Router {
    let api = api_routes()
        // Ours, beside Immich's contract (which lets routes it does not list through).
        .route(
            "/ferrotype/auto-stack",
            get(stacks::auto_stack_setting).put(stacks::set_auto_stack_setting),
        )
        // After routing, so that the route's template is known: the contract's checks
        // (credential, permission, validation), and around them the request metrics, so that
        // refusals are counted too.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            contract::enforce,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        // Before routing: while maintenance mode is on, only what Immich's maintenance worker
        // serves answers, whatever the path.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            maintenance::gate,
        ));

    Router::new()
        .nest("/api", api)
        .route("/.well-known/immich", get(server::well_known))
        .route("/metrics", get(metrics::scrape))
        .fallback(web::serve)
        // JSON bodies: the CLI sends up to 5,000 checks or 65,000 album ids in one request.
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .layer(axum::middleware::from_fn(error::correlate))
        // Outermost: socket.io answers its own path (long-polling requests and websocket
        // upgrades) before routing, the error rewriting and the web UI's fallback.
        .layer(state.events.layer())
        .with_state(state)
}
