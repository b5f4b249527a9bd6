//! Live events: Immich's socket.io channel at `/api/socket.io` (both transports, websocket and
//! HTTP long-polling), served by `socketioxide` on the API's port.
//!
//! A client connects with the same credentials as the API, taken from the handshake's headers
//! only (Immich passes no query to its check): a session token (`x-immich-user-token`,
//! `x-immich-session-token`, `Authorization: Bearer`, the `immich_access_token` cookie) or an API
//! key holding `all` (`x-api-key`). Shared links and everything else are refused before the
//! namespace is joined, so the client gets `connect_error` with the reason. A connected socket
//! joins a room named by its user's id (and one by its session's id) and is sent
//! `on_server_version`, then, while the version check is on and has found a release,
//! `on_new_release`.
//!
//! The senders below are Immich's server-to-client events (`ClientEventMap` in its
//! websocket.repository.ts): who gets each and with what payload follows Immich; when is up to
//! the caller (the routes and the job observer), each documented where it is called.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ferrotype_core::catalog::{BusMessage, Catalog, CatalogError};
use ferrotype_core::maintenance::MaintenanceMode;
use ferrotype_core::model::{AlbumSummary, Asset, ExifInfo, Visibility};
use ferrotype_core::permissions::Permission;
use ferrotype_core::sync::SyncRow;
use ferrotype_core::system_config::{SystemConfigStore, keys};
use serde::Serialize;
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;
use socketioxide::handler::ConnectHandler;
use socketioxide::layer::SocketIoLayer;
use uuid::Uuid;

use crate::auth::{Auth, Credential, account_auth, names_shared_link};
use crate::dto::{AssetExtras, AssetResponse};

/// Where Immich's clients look for the channel (their `path` option).
pub const SOCKET_PATH: &str = "/api/socket.io";

/// How many packets may wait for one socket before more are dropped: socketioxide's default
/// (128) lost events when a batch of 500 uploads finished within seconds (an
/// `on_upload_success` and an `AssetUploadReadyV2` each); 2,048 of a few KB each bounds a slow
/// client to a few MB.
const SOCKET_BUFFER: usize = 2048;

/// How long `on_session_delete` waits, so that a client logging itself out gets the answer to
/// its own request first (Immich waits the same).
const SESSION_DELETE_DELAY: Duration = Duration::from_millis(500);

/// The channel's handle: cheap to clone. Every event goes out over the catalog's bus
/// (`BusRepo`), and each process's relay hands it to the sockets connected there: a socket on
/// one API process hears what a worker process or another API process sent.
#[derive(Clone)]
pub struct EventHub {
    layer: SocketIoLayer,
    catalog: Arc<dyn Catalog>,
}

impl std::fmt::Debug for EventHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHub").finish_non_exhaustive()
    }
}

/// Who a connected socket belongs to, kept on the socket between the check and the join.
#[derive(Clone)]
struct Member {
    user_id: Uuid,
    session_id: Option<Uuid>,
}

/// Why a connection is refused; the text is the `connect_error`'s message.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Immich's server version event and `GET /api/server/version`'s body.
pub fn server_version() -> Value {
    let (major, minor, patch) = ferrotype_core::IMMICH_VERSION;
    json!({ "major": major, "minor": minor, "patch": patch, "prerelease": null })
}

/// Checks a connection's credential as `authenticate` does for a route that declares no
/// permission and admits no shared link.
async fn admit(catalog: &dyn Catalog, headers: &axum::http::HeaderMap) -> Result<Auth, Refused> {
    let no_query = HashMap::new();
    if names_shared_link(headers, &no_query) {
        return Err(Refused("Forbidden".into()));
    }
    let auth = account_auth(catalog, headers, &no_query)
        .await
        .map_err(|e| Refused(e.message))?;
    auth.require(Permission::All)
        .map_err(|e| Refused(e.message))?;
    Ok(auth)
}

impl EventHub {
    /// The channel, answering at `SOCKET_PATH` once `layer` wraps the router; connections are
    /// checked against `catalog`; `system_config` says whether they hear of new releases, and
    /// is read again when another process changes it, as `maintenance` is. Listens on the bus
    /// before it returns, so nothing sent afterwards, here or elsewhere, is missed.
    pub async fn start(
        catalog: Arc<dyn Catalog>,
        system_config: Arc<SystemConfigStore>,
        maintenance: Arc<MaintenanceMode>,
    ) -> Result<Self, CatalogError> {
        let (layer, io) = SocketIo::builder()
            .req_path(SOCKET_PATH)
            .max_buffer_size(SOCKET_BUFFER)
            .build_layer();
        let greeted = Greeting {
            catalog: catalog.clone(),
            system_config: system_config.clone(),
        };
        let checked = catalog.clone();
        let check = move |socket: SocketRef| {
            let catalog = checked.clone();
            async move {
                let auth = admit(catalog.as_ref(), &socket.req_parts().headers).await;
                match auth {
                    Ok(auth) => {
                        let session_id = match &auth.credential {
                            Credential::Session(s) => Some(s.id),
                            _ => None,
                        };
                        socket.extensions.insert(Member {
                            user_id: auth.user.id,
                            session_id,
                        });
                        Ok(())
                    }
                    Err(refused) => {
                        tracing::debug!("socket.io connection refused: {refused}");
                        Err(refused)
                    }
                }
            }
        };
        let on_connect = move |socket: SocketRef| on_connect(socket, greeted.clone());
        io.ns("/", on_connect.with(check));
        let messages = catalog.subscribe().await?;
        tokio::spawn(relay(
            messages,
            io,
            catalog.clone(),
            system_config,
            maintenance,
        ));
        Ok(EventHub { layer, catalog })
    }

    /// The tower layer that answers `SOCKET_PATH` and passes every other request through.
    pub fn layer(&self) -> SocketIoLayer {
        self.layer.clone()
    }

    async fn publish(&self, message: &BusMessage) {
        if let Err(e) = self.catalog.publish(&message.to_text()).await {
            tracing::warn!("cannot send an event to the other processes: {e}");
        }
    }

    async fn emit<T: Serialize + ?Sized>(
        &self,
        room: Option<String>,
        event: &str,
        data: Option<&T>,
    ) {
        let data = match data.map(serde_json::to_value).transpose() {
            Ok(data) => data,
            Err(e) => {
                tracing::error!(event, "cannot put an event's data into JSON: {e}");
                return;
            }
        };
        self.publish(&BusMessage::Emit {
            room,
            event: event.to_string(),
            data,
            disconnect: false,
        })
        .await;
    }

    async fn to_user<T: Serialize + ?Sized>(&self, user: Uuid, event: &str, data: &T) {
        self.emit(Some(user.to_string()), event, Some(data)).await;
    }

    async fn to_everyone<T: Serialize + ?Sized>(&self, event: &str, data: &T) {
        self.emit(None, event, Some(data)).await;
    }

    /// `on_asset_update` for each of these assets still there, to its owner.
    pub async fn assets_updated(
        &self,
        catalog: &dyn Catalog,
        asset_ids: &[Uuid],
    ) -> Result<(), CatalogError> {
        for id in asset_ids {
            if let Some(asset) = catalog.asset(*id).await? {
                let exif = catalog.asset_exif(*id).await?;
                let response = asset_response(catalog, &asset, exif.as_ref()).await?;
                self.asset_update(asset.owner_id, &response).await;
            }
        }
        Ok(())
    }

    /// `on_asset_update`: the asset as `GET /assets/{id}` shows it, to its owner.
    pub async fn asset_update(&self, owner: Uuid, response: &AssetResponse) {
        self.to_user(owner, "on_asset_update", response).await;
    }

    /// `on_asset_delete`: one asset is gone for good (one event per asset, as Immich's delete job).
    pub async fn asset_delete(&self, owner: Uuid, asset_id: Uuid) {
        self.to_user(owner, "on_asset_delete", &asset_id.to_string())
            .await;
    }

    /// `on_asset_trash`: these assets went to the trash.
    pub async fn asset_trash(&self, user: Uuid, asset_ids: &[Uuid]) {
        if asset_ids.is_empty() {
            return;
        }
        self.to_user(user, "on_asset_trash", &ids(asset_ids)).await;
    }

    /// `on_asset_restore`: these assets came back from the trash.
    pub async fn asset_restore(&self, user: Uuid, asset_ids: &[Uuid]) {
        if asset_ids.is_empty() {
            return;
        }
        self.to_user(user, "on_asset_restore", &ids(asset_ids))
            .await;
    }

    /// `on_asset_hidden`: a live photo's motion part left the timeline.
    pub async fn asset_hidden(&self, owner: Uuid, asset_id: Uuid) {
        self.to_user(owner, "on_asset_hidden", &asset_id.to_string())
            .await;
    }

    /// `on_asset_stack_update`, with no arguments (Immich sends none): a stack of the user's
    /// changed (`routes/stacks.rs`; the metadata job's automatic stacking sends the same
    /// message on the bus itself, `ferrotype_core::stacking::stack_update_event`).
    pub async fn asset_stack_update(&self, user: Uuid) {
        self.emit::<Value>(Some(user.to_string()), "on_asset_stack_update", None)
            .await;
    }

    /// `on_album_update`: the album's assets changed; sent to each of its users.
    pub async fn album_update(&self, album_id: Uuid, users: impl IntoIterator<Item = Uuid>) {
        let id = album_id.to_string();
        for user in users {
            self.to_user(user, "on_album_update", &id).await;
        }
    }

    // `on_person_thumbnail` is sent by the person thumbnail job itself, on the bus
    // (`ferrotype_core::faces::person_thumbnail_event`), as stacking's update is.

    /// `on_user_delete`, to everyone (Immich broadcasts it): a user was deleted for good.
    pub async fn user_delete(&self, user_id: Uuid) {
        self.to_everyone("on_user_delete", &user_id.to_string())
            .await;
    }

    /// `on_session_delete` to the sockets of that session, which are then disconnected (its
    /// token is no longer valid). Runs after `SESSION_DELETE_DELAY`, in the background.
    pub fn session_delete(&self, session_id: Uuid) {
        let hub = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(SESSION_DELETE_DELAY).await;
            let room = session_id.to_string();
            hub.publish(&BusMessage::Emit {
                room: Some(room.clone()),
                event: "on_session_delete".to_string(),
                data: Some(Value::String(room)),
                disconnect: true,
            })
            .await;
        });
    }

    /// `on_config_update`, with no arguments, to everyone: the server's settings changed. Every
    /// process reads the settings again first.
    pub async fn config_update(&self) {
        self.publish(&BusMessage::ConfigChanged).await;
    }

    /// `on_new_release` (a `ReleaseEventV1`), to everyone, as Immich broadcasts it (its web
    /// app shows it to admins): the version check found a release newer than this server.
    pub async fn new_release(&self, event: &Value) {
        self.to_everyone("on_new_release", event).await;
    }

    /// `on_notification` (a `NotificationDto`) to its user: every notification made (an admin's,
    /// an album invite).
    pub async fn notification<T: Serialize + ?Sized>(&self, user: Uuid, notification: &T) {
        self.to_user(user, "on_notification", notification).await;
    }

    /// Maintenance mode was turned on or off here: every other process reads it again.
    pub async fn maintenance_changed(&self) {
        self.publish(&BusMessage::MaintenanceChanged).await;
    }

    /// `AppRestartV1`, to everyone: maintenance mode was turned on or off (Immich restarts then;
    /// we switch in place, `routes/maintenance.rs`).
    pub async fn app_restart(&self, is_maintenance_mode: bool) {
        let data = json!({ "isMaintenanceMode": is_maintenance_mode });
        self.to_everyone("AppRestartV1", &data).await;
    }
}

/// Everyone an album's `on_album_update` goes to: its owner and its members.
pub fn album_users(album: &AlbumSummary) -> Vec<Uuid> {
    std::iter::once(album.album.owner_id)
        .chain(album.members.iter().map(|m| m.user.id))
        .collect()
}

/// An asset as `GET /assets/{id}` shows it to its owner (with owner, EXIF and tags), as Immich's
/// events carry it.
async fn asset_response(
    catalog: &dyn Catalog,
    asset: &Asset,
    exif: Option<&ExifInfo>,
) -> Result<AssetResponse, CatalogError> {
    let owner = catalog.user_by_id(asset.owner_id).await?;
    let tags = catalog.asset_tags(asset.id).await?;
    Ok(AssetResponse::new(
        asset,
        AssetExtras {
            owner: owner.as_ref(),
            exif,
            tags: &tags,
        },
    ))
}

/// An event without arguments: socket.io spreads a tuple (a fixed-size array) into the
/// event's arguments.
const NO_ARGUMENTS: [u8; 0] = [];

/// Hands what comes over the bus to this process's sockets (and reloads the system config when
/// another process changed it), for as long as the process runs.
async fn relay(
    mut messages: tokio::sync::broadcast::Receiver<Arc<str>>,
    io: SocketIo,
    catalog: Arc<dyn Catalog>,
    system_config: Arc<SystemConfigStore>,
    maintenance: Arc<MaintenanceMode>,
) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        let text = match messages.recv().await {
            Ok(text) => text,
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "live events fell behind; the oldest were dropped");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let message = match BusMessage::parse(&text) {
            Ok(message) => message,
            Err(e) => {
                tracing::warn!("an unreadable message on the bus ({e}): {text:.200}");
                continue;
            }
        };
        match message {
            BusMessage::Emit {
                room,
                event,
                data,
                disconnect,
            } => {
                let sent = match (&room, &data) {
                    (Some(room), Some(data)) => io.to(room.clone()).emit(&event, data).await,
                    (Some(room), None) => io.to(room.clone()).emit(&event, &NO_ARGUMENTS).await,
                    (None, Some(data)) => io.emit(&event, data).await,
                    (None, None) => io.emit(&event, &NO_ARGUMENTS).await,
                };
                if let Err(e) = sent {
                    // A socket whose buffer is full (a client far behind) misses this event.
                    tracing::warn!(event, "socket.io send failed: {e}");
                }
                if disconnect
                    && let Some(room) = room
                    && let Err(e) = io.to(room).disconnect().await
                {
                    tracing::debug!("socket.io disconnect failed: {e}");
                }
            }
            BusMessage::UploadReady { asset } => {
                if let Err(e) = upload_ready(&io, catalog.as_ref(), asset).await {
                    tracing::warn!(%asset, "cannot announce a finished upload: {e}");
                }
            }
            BusMessage::MaintenanceChanged => {
                if let Err(e) = maintenance.reload(catalog.as_ref()).await {
                    tracing::error!("cannot read the changed maintenance mode: {e}");
                }
            }
            BusMessage::ConfigChanged => {
                if let Err(e) = system_config.reload(catalog.as_ref()).await {
                    tracing::error!("cannot read the changed system config: {e}");
                }
                if let Err(e) = io.emit("on_config_update", &NO_ARGUMENTS).await {
                    tracing::debug!("socket.io send failed: {e}");
                }
            }
        }
    }
}

/// `on_upload_success` and `AssetUploadReadyV2` to the owner's sockets in this process, once an
/// uploaded asset's thumbnails exist (`BusMessage::UploadReady`, sent by the thumbnail job's
/// end). Immich sends them only for assets on the timeline or in the archive, the second one
/// only when metadata was extracted.
async fn upload_ready(
    io: &SocketIo,
    catalog: &dyn Catalog,
    asset_id: Uuid,
) -> Result<(), CatalogError> {
    let Some(asset) = catalog.asset(asset_id).await? else {
        return Ok(());
    };
    let room = asset.owner_id.to_string();
    if io.to(room.clone()).sockets().is_empty()
        || !matches!(asset.visibility, Visibility::Timeline | Visibility::Archive)
    {
        // Nobody here to tell (a worker process has no sockets at all).
        return Ok(());
    }
    let exif = catalog.asset_exif(asset_id).await?;
    let response = asset_response(catalog, &asset, exif.as_ref()).await?;
    let mut events = vec![(
        "on_upload_success",
        serde_json::to_value(&response).unwrap_or_default(),
    )];
    if let Some(exif) = exif {
        events.push((
            "AssetUploadReadyV2",
            json!({
                "asset": crate::routes::sync::data_of(&SyncRow::Asset(Box::new(asset.clone()))),
                "exif": crate::routes::sync::data_of(&SyncRow::AssetExif(asset.id, Box::new(exif))),
            }),
        ));
    }
    for (event, data) in events {
        if let Err(e) = io.to(room.clone()).emit(event, &data).await {
            tracing::warn!(event, "socket.io send failed: {e}");
        }
    }
    Ok(())
}

fn ids(ids: &[Uuid]) -> Vec<String> {
    ids.iter().map(Uuid::to_string).collect()
}

/// What a socket is told when it connects, besides the server's version.
#[derive(Clone)]
struct Greeting {
    catalog: Arc<dyn Catalog>,
    system_config: Arc<SystemConfigStore>,
}

impl Greeting {
    /// Immich's `on_new_release` on connect: while the version check is on, the last release
    /// it found (with `isAvailable` saying whether it is newer than this server).
    async fn release(&self) -> Option<Value> {
        let settings = self.system_config.get().new_version_check.clone();
        if !settings.enabled {
            return None;
        }
        let state = match self
            .catalog
            .system_metadata(keys::VERSION_CHECK_STATE)
            .await
        {
            Ok(state) => state?,
            Err(e) => {
                tracing::warn!("cannot read the version check state: {e}");
                return None;
            }
        };
        ferrotype_core::release::release_event(
            &settings.channel,
            state["checkedAt"].as_str()?,
            state["releaseVersion"].as_str()?,
        )
    }
}

/// A checked socket joins its user's room (and its session's) and learns the server's version
/// (and the newest release, when one was found).
async fn on_connect(socket: SocketRef, greeting: Greeting) {
    let Some(member) = socket.extensions.get::<Member>() else {
        // Only sockets the check let through get here, each with its member.
        let _ = socket.disconnect();
        return;
    };
    let mut rooms = vec![member.user_id.to_string()];
    rooms.extend(member.session_id.map(|s| s.to_string()));
    socket.join(rooms);
    if let Err(e) = socket.emit("on_server_version", &server_version()) {
        tracing::debug!("socket.io send failed: {e}");
    }
    if let Some(release) = greeting.release().await
        && let Err(e) = socket.emit("on_new_release", &release)
    {
        tracing::debug!("socket.io send failed: {e}");
    }
}
