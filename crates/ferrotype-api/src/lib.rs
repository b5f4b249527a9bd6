//! Ferrotype's HTTP API: Immich's routes, one module per OpenAPI tag, over the core's ports.
//! Errors are mapped to Immich's JSON error body once, in `error`.

pub mod auth;
pub mod contract;
pub mod dto;
pub mod error;
pub mod events;
pub mod json;
pub mod metrics;
mod routes;
mod web;
mod zip_stream;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use ferrotype_core::blob::BlobStore;
use ferrotype_core::catalog::Catalog;

use routes::{
    admin_users, albums, api_keys, assets, auth as auth_routes, calendar, download, edits, jobs,
    media, pin, server, sessions, shared_links, sync, system, timeline, upload, users,
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
}

#[derive(Clone)]
pub struct AppState {
    pub catalog: Arc<dyn Catalog>,
    /// Wakes idle job workers after something is enqueued.
    pub job_wake: Arc<tokio::sync::Notify>,
    pub blobs: Arc<dyn BlobStore>,
    pub config: Arc<ApiConfig>,
    /// The live system configuration (`/api/system-config`), read per request.
    pub system_config: Arc<ferrotype_core::system_config::SystemConfigStore>,
    pub metrics: Arc<metrics::Metrics>,
    /// The socket.io channel (`/api/socket.io`) that tells connected clients what changed.
    pub events: events::EventHub,
}

/// Largest JSON request body accepted.
pub const MAX_JSON_BODY: usize = 16 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/server/ping", get(server::ping))
        .route("/server/version", get(server::version))
        .route("/server/features", get(server::features))
        .route("/server/config", get(server::config))
        .route("/server/media-types", get(server::media_types))
        .route("/server/about", get(server::about))
        .route("/server/storage", get(server::storage))
        .route(
            "/server/license",
            get(server::license)
                .put(server::set_license)
                .delete(server::delete_license),
        )
        .route("/server/version-history", get(server::version_history))
        .route("/server/version-check", get(server::version_check))
        .route("/server/apk-links", get(server::apk_links))
        .route(
            "/system-config",
            get(system::config).put(system::update_config),
        )
        .route("/system-config/defaults", get(system::defaults))
        .route(
            "/system-config/storage-template-options",
            get(system::storage_template_options),
        )
        .route(
            "/system-metadata/admin-onboarding",
            get(system::admin_onboarding).post(system::set_admin_onboarding),
        )
        .route(
            "/system-metadata/reverse-geocoding-state",
            get(system::reverse_geocoding_state),
        )
        .route(
            "/system-metadata/version-check-state",
            get(system::version_check_state),
        )
        .route("/auth/status", get(auth_routes::status))
        .route(
            "/auth/pin-code",
            post(pin::set_up).put(pin::change).delete(pin::reset),
        )
        .route("/auth/session/unlock", post(pin::unlock))
        .route("/auth/session/lock", post(pin::lock))
        .route(
            "/sessions",
            get(sessions::list)
                .post(sessions::create)
                .delete(sessions::delete_all),
        )
        .route(
            "/sessions/{id}",
            put(sessions::update).delete(sessions::delete),
        )
        .route("/sessions/{id}/lock", post(sessions::lock))
        .route(
            "/admin/users",
            get(admin_users::list).post(admin_users::create),
        )
        .route(
            "/admin/users/{id}",
            get(admin_users::get)
                .put(admin_users::update)
                .patch(admin_users::update)
                .delete(admin_users::delete),
        )
        .route("/admin/users/{id}/restore", post(admin_users::restore))
        .route("/admin/users/{id}/calendar-heatmap", get(calendar::of_user))
        .route("/users/me/calendar-heatmap", get(calendar::mine))
        .route(
            "/admin/users/{id}/preferences",
            get(admin_users::preferences).put(admin_users::update_preferences),
        )
        .route("/auth/change-password", post(auth_routes::change_password))
        .route("/auth/admin-sign-up", post(auth_routes::admin_sign_up))
        .route("/auth/login", post(auth_routes::login))
        .route("/auth/logout", post(auth_routes::logout))
        .route("/auth/validateToken", post(auth_routes::validate_token))
        .route("/api-keys", get(api_keys::list).post(api_keys::create))
        .route("/api-keys/me", get(api_keys::me))
        .route(
            "/api-keys/{id}",
            get(api_keys::get)
                .put(api_keys::update)
                .delete(api_keys::delete),
        )
        .route(
            "/users/me",
            get(users::me).put(users::update_me).patch(users::update_me),
        )
        .route("/users", get(users::list))
        .route(
            "/users/profile-image",
            post(users::upload_profile_image).delete(users::delete_profile_image),
        )
        .route(
            "/users/me/onboarding",
            get(users::onboarding)
                .put(users::set_onboarding)
                .delete(users::delete_onboarding),
        )
        .route(
            "/users/me/license",
            get(users::license)
                .put(users::set_license)
                .delete(users::delete_license),
        )
        .route("/users/{id}", get(users::get))
        .route("/users/{id}/profile-image", get(users::profile_image))
        .route(
            "/users/me/preferences",
            get(users::preferences)
                .put(users::update_preferences)
                .patch(users::update_preferences),
        )
        .route("/assets/statistics", get(assets::statistics))
        .route("/assets/bulk-upload-check", post(assets::bulk_upload_check))
        .route(
            "/assets",
            // The upload enforces its own, configurable limit while streaming.
            post(upload::upload)
                .layer(DefaultBodyLimit::disable())
                .put(edits::update_many)
                .patch(edits::update_many)
                .delete(edits::delete_many),
        )
        .route("/trash/restore/assets", post(edits::restore_assets))
        .route("/trash/restore", post(edits::restore_all))
        .route("/trash/empty", post(edits::empty))
        .route(
            "/assets/{id}",
            get(assets::get)
                .put(edits::update_one)
                .patch(edits::update_one),
        )
        .route("/assets/{id}/metadata", get(assets::metadata))
        .route("/assets/{id}/original", get(media::original))
        .route("/assets/{id}/thumbnail", get(media::thumbnail))
        .route("/assets/{id}/video/playback", get(media::playback))
        .route("/albums", get(albums::list).post(albums::create))
        .route("/albums/statistics", get(albums::statistics))
        .route("/albums/assets", put(albums::add_assets_to_albums))
        .route(
            "/albums/{id}",
            get(albums::get)
                .patch(albums::update)
                .delete(albums::delete),
        )
        .route(
            "/albums/{id}/assets",
            put(albums::add_assets).delete(albums::remove_assets),
        )
        .route("/albums/{id}/map-markers", get(albums::map_markers))
        .route("/albums/{id}/users", put(albums::add_users))
        .route(
            "/albums/{id}/user/{user_id}",
            put(albums::update_user).delete(albums::remove_user),
        )
        .route("/assets/jobs", post(jobs::asset_jobs))
        .route("/jobs", get(jobs::list_legacy).post(jobs::create_manual))
        .route("/jobs/{name}", put(jobs::command))
        .route("/queues", get(jobs::list))
        .route("/queues/{name}", get(jobs::get).put(jobs::update))
        .route(
            "/queues/{name}/jobs",
            get(jobs::list_jobs).delete(jobs::delete_jobs),
        )
        .route("/server/statistics", get(server::statistics))
        .route(
            "/shared-links",
            get(shared_links::list).post(shared_links::create),
        )
        .route("/shared-links/me", get(shared_links::me))
        .route("/shared-links/login", post(shared_links::login))
        .route(
            "/shared-links/{id}",
            get(shared_links::get)
                .patch(shared_links::update)
                .delete(shared_links::delete),
        )
        .route(
            "/shared-links/{id}/assets",
            put(shared_links::add_assets).delete(shared_links::remove_assets),
        )
        .route("/download/info", post(download::info))
        .route("/download/archive", post(download::archive))
        .route("/timeline/buckets", get(timeline::buckets))
        .route("/timeline/bucket", get(timeline::bucket))
        .route("/sync/stream", post(sync::stream))
        .route(
            "/sync/ack",
            get(sync::get_acks)
                .post(sync::set_acks)
                .delete(sync::delete_acks),
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
