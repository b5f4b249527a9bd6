//! `/api/notifications*` (a user's own notifications: list, read, delete) and
//! `/api/admin/notifications*` (an admin writes one to a user, previews the email templates,
//! sends a test email). Every notification made is sent live as `on_notification` to its user.
//!
//! Access is Immich's: ids that are not the caller's own (or do not exist) answer 400 `Not found
//! or no notification.<action> access`, and a bulk request with one such id changes nothing.

use ferrotype_core::permissions::Permission;
use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use ferrotype_core::catalog::{Catalog, CatalogError};
use ferrotype_core::jobs::payloads::{NotifyAlbumUpdateJob, SendMailJob};
use ferrotype_core::jobs::{Completion, Job, JobError, NewJob, TypedJobHandler};
use ferrotype_core::model::{Album, Timestamp, User};
use ferrotype_core::notifications::{
    Notification, NotificationFilter, NotificationLevel, NotificationType,
};
use ferrotype_core::preferences;
use ferrotype_core::system_config::{ServerSettings, Smtp, SystemConfigStore};
use ferrotype_mail::templates::{self, Template};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Auth;
use crate::dto::iso;
use crate::error::{ApiError, ApiResult};
use crate::events::EventHub;
use crate::json::ApiJson;
use crate::messages;

/// Immich's `NotificationDto`: absent fields are left out, not null.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationDto {
    id: Uuid,
    created_at: String,
    level: NotificationLevel,
    #[serde(rename = "type")]
    kind: NotificationType,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    read_at: Option<String>,
}

impl NotificationDto {
    pub fn new(n: &Notification) -> Self {
        NotificationDto {
            id: n.id,
            created_at: iso(&n.created_at),
            level: n.level,
            kind: n.kind,
            title: n.title.clone(),
            description: n.description.clone(),
            data: n.data.clone(),
            read_at: n.read_at.as_ref().map(iso),
        }
    }
}

/// Stores a notification and sends it to its user's sockets (`on_notification`).
pub(crate) async fn deliver(
    state: &AppState,
    notification: &Notification,
) -> ApiResult<NotificationDto> {
    state.catalog.create_notification(notification).await?;
    let dto = NotificationDto::new(notification);
    state.events.notification(notification.user_id, &dto).await;
    Ok(dto)
}

/// Immich's `getExternalDomain`: the configured address, else Immich's own.
fn base_url(server: &ServerSettings) -> &str {
    if server.external_domain.is_empty() {
        "https://my.immich.app"
    } else {
        &server.external_domain
    }
}

/// Immich's album invite (`AlbumInvite` event and its job): the new member gets a notification
/// and, when SMTP is enabled and their `emailNotifications` allow it, an email (a `SendMail`
/// job). Failures are logged, not returned: the album was shared either way.
pub(crate) async fn album_invite(state: &AppState, album: &Album, recipient: Uuid, sender: &str) {
    if let Err(e) = try_album_invite(state, album, recipient, sender).await {
        tracing::warn!(album = %album.id, %recipient, "cannot notify an album invite: {}", e.message);
    }
}

async fn try_album_invite(
    state: &AppState,
    album: &Album,
    recipient_id: Uuid,
    sender: &str,
) -> ApiResult<()> {
    let Some(recipient) = state.catalog.user_by_id(recipient_id).await? else {
        return Ok(());
    };
    if recipient.deleted_at.is_some() {
        return Ok(());
    }
    let notification =
        Notification::album_invite(recipient.id, album.id, &album.name, sender, Utc::now());
    deliver(state, &notification).await?;

    let Some(config) = config_if_emailing(
        state.catalog.as_ref(),
        &state.system_config,
        recipient.id,
        "albumInvite",
    )
    .await?
    else {
        return Ok(());
    };
    let email = templates::album_invite(
        base_url(&config.server),
        &album.id.to_string(),
        &album.name,
        sender,
        &recipient.name,
        &config.templates.email.album_invite_template,
    );
    let subject = format!("You have been added to a shared album - {}", album.name);
    let job = NewJob::of(&SendMailJob {
        to: recipient.email.clone(),
        subject,
        html: email.html,
        text: email.text,
    });
    state.catalog.enqueue_jobs(&[job]).await?;
    Ok(())
}

/// Immich's `AlbumUpdate` event: media was added to an album, so each of `recipients` (its
/// users but the one who added it; all of them for a visitor's upload through a link) is told,
/// `album_update_delay` later, by a `NotifyAlbumUpdate` job. More media added meanwhile restarts
/// the wait, so a batch of additions makes one notification. Failures are logged: the media was
/// added either way.
pub(crate) async fn album_updated(
    state: &AppState,
    album_id: Uuid,
    recipients: impl IntoIterator<Item = Uuid>,
) {
    let delay = state.config.album_update_delay;
    let jobs: Vec<NewJob> = recipients
        .into_iter()
        .map(|recipient| {
            NewJob::of(&NotifyAlbumUpdateJob {
                id: album_id,
                recipient_id: recipient,
            })
            .delayed(delay)
        })
        .collect();
    if jobs.is_empty() {
        return;
    }
    if let Err(e) = state.catalog.enqueue_jobs(&jobs).await {
        tracing::warn!(album = %album_id, "cannot queue album update notifications: {e}");
    }
}

/// The system config when `user` is to get an email of `kind` (a key of their
/// `emailNotifications` preferences): SMTP on, and both `enabled` and `kind` on (Immich's
/// defaults are on); None otherwise.
async fn config_if_emailing(
    catalog: &dyn Catalog,
    system_config: &SystemConfigStore,
    user: Uuid,
    kind: &str,
) -> Result<Option<Arc<ferrotype_core::system_config::SystemConfig>>, CatalogError> {
    let config = system_config.get();
    if !config.notifications.smtp.enabled {
        return Ok(None);
    }
    let stored = catalog.user_metadata(user, preferences::KEY).await?;
    let prefs = preferences::effective(stored.as_ref());
    let wants = |key: &str| prefs["emailNotifications"][key].as_bool().unwrap_or(true);
    Ok((wants("enabled") && wants(kind)).then_some(config))
}

/// The `NotifyAlbumUpdate` job's handler (notifications queue; registered by the binary, which
/// gives it the event hub): a failure is retried.
#[async_trait::async_trait]
impl TypedJobHandler for AlbumUpdateNotifier {
    type Payload = NotifyAlbumUpdateJob;

    async fn run(&self, _job: &Job, update: NotifyAlbumUpdateJob) -> Result<Completion, JobError> {
        self.notify(update.id, update.recipient_id)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(Completion::Done)
    }
}

/// Runs `NotifyAlbumUpdate` (notifications queue): the recipient gets Immich's `AlbumUpdate`
/// notification (live too) and, when SMTP is enabled and their `emailNotifications` allow it
/// (`enabled` and `albumUpdate`), an email through a `SendMail` job. An album or user gone
/// meanwhile ends the job quietly, as in Immich.
#[derive(Clone)]
pub struct AlbumUpdateNotifier {
    pub catalog: Arc<dyn Catalog>,
    pub events: EventHub,
    pub system_config: Arc<SystemConfigStore>,
}

impl AlbumUpdateNotifier {
    pub async fn notify(&self, album_id: Uuid, recipient_id: Uuid) -> Result<(), CatalogError> {
        let Some(album) = self.catalog.album(album_id).await? else {
            return Ok(());
        };
        let album = album.album;
        let Some(recipient) = self.catalog.user_by_id(recipient_id).await? else {
            return Ok(());
        };
        if recipient.deleted_at.is_some() {
            return Ok(());
        }
        let notification =
            Notification::album_update(recipient.id, album.id, &album.name, Utc::now());
        self.catalog.create_notification(&notification).await?;
        self.events
            .notification(recipient.id, &NotificationDto::new(&notification))
            .await;

        let Some(config) = config_if_emailing(
            self.catalog.as_ref(),
            &self.system_config,
            recipient.id,
            "albumUpdate",
        )
        .await?
        else {
            return Ok(());
        };
        let email = templates::album_update(
            base_url(&config.server),
            &album.id.to_string(),
            &album.name,
            &recipient.name,
            &config.templates.email.album_update_template,
        );
        let subject = format!("New media has been added to an album - {}", album.name);
        let job = NewJob::of(&SendMailJob {
            to: recipient.email.clone(),
            subject,
            html: email.html,
            text: email.text,
        });
        self.catalog.enqueue_jobs(&[job]).await?;
        Ok(())
    }
}

/// Immich's welcome email (`UserSignup` with `notify`, its `NotifyUserSignup` job): the new
/// user's name, email and password, and the link to sign in, queued as a `SendMail` job. Nothing
/// is queued while SMTP is disabled (the job would be skipped), so the password is not kept in
/// the queue for nothing. Failures are logged: the account exists either way.
pub(crate) async fn welcome(state: &AppState, user: &User, password: &str) {
    let config = state.system_config.get();
    if !config.notifications.smtp.enabled {
        return;
    }
    let email = templates::welcome(
        base_url(&config.server),
        &user.name,
        &user.email,
        Some(password),
        &config.templates.email.welcome_template,
    );
    let job = NewJob::of(&SendMailJob {
        to: user.email.clone(),
        subject: "Welcome to Immich".to_string(),
        html: email.html,
        text: email.text,
    });
    if let Err(e) = state.catalog.enqueue_jobs(&[job]).await {
        tracing::warn!(user = %user.id, "cannot queue the welcome email: {e}");
    }
}

/// The caller must own every one of `ids` (Immich's notification access check).
async fn require_own(
    state: &AppState,
    auth: &Auth,
    ids: &[Uuid],
    permission: Permission,
) -> ApiResult<()> {
    auth.require(permission)?;
    let mut wanted: Vec<Uuid> = ids.to_vec();
    wanted.sort();
    wanted.dedup();
    let mut owned = state
        .catalog
        .notifications_owned(auth.user.id, &wanted)
        .await?;
    owned.sort();
    if owned != wanted {
        return Err(ApiError::no_access(permission));
    }
    Ok(())
}

/// An ISO date-time as Immich's `isoDatetimeToDate` takes it (seconds may be left out); the
/// contract has already checked its form.
pub(crate) fn parse_instant(name: &str, value: &str) -> ApiResult<Timestamp> {
    let parsed = DateTime::parse_from_rfc3339(value).or_else(|e| {
        // `2024-01-01T10:00Z`: no seconds.
        if value.len() > 16 && value.as_bytes()[13] == b':' && value.as_bytes()[16] != b':' {
            DateTime::parse_from_rfc3339(&format!("{}:00{}", &value[..16], &value[16..]))
        } else {
            Err(e)
        }
    });
    parsed
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ApiError::bad_request(format!("{name} must be a valid ISO 8601 date")))
}

/// `readAt` of an update: absent leaves it, null clears it.
fn read_at_change(dto: &Map<String, Value>) -> ApiResult<Option<Option<Timestamp>>> {
    match dto.get("readAt") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(parse_instant("readAt", s)?))),
        Some(_) => Err(ApiError::from(messages::READ_AT_NOT_DATE)),
    }
}

/// `GET /notifications`: the caller's notifications, newest first, narrowed by `id`, `level`,
/// `type` and `unread`.
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<NotificationDto>>> {
    auth.require(Permission::NotificationRead)?;
    // The contract has checked each parameter; these conversions cannot fail here.
    let filter = NotificationFilter {
        id: query.get("id").and_then(|v| v.parse().ok()),
        level: query.get("level").and_then(|v| NotificationLevel::parse(v)),
        kind: query.get("type").and_then(|v| NotificationType::parse(v)),
        unread: query.get("unread").is_some_and(|v| v == "true"),
    };
    let items = state
        .catalog
        .notifications_of(auth.user.id, &filter)
        .await?;
    Ok(Json(items.iter().map(NotificationDto::new).collect()))
}

/// One of the caller's notifications that is not deleted; a deleted one is Immich's
/// `Notification not found`.
async fn own_notification(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    permission: Permission,
) -> ApiResult<Notification> {
    require_own(state, auth, &[id], permission).await?;
    match state.catalog.notification(id).await? {
        Some(n) if n.deleted_at.is_none() => Ok(n),
        _ => Err(ApiError::from(messages::NOTIFICATION_NOT_FOUND)),
    }
}

/// `GET /notifications/{id}`.
pub async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<NotificationDto>> {
    let n = own_notification(&state, &auth, id, Permission::NotificationRead).await?;
    Ok(Json(NotificationDto::new(&n)))
}

/// `PUT /notifications/{id}`: marks it read at `readAt`, or unread with null.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    ApiJson(dto): ApiJson<Map<String, Value>>,
) -> ApiResult<Json<NotificationDto>> {
    let mut n = own_notification(&state, &auth, id, Permission::NotificationUpdate).await?;
    if let Some(read_at) = read_at_change(&dto)? {
        state.catalog.set_notifications_read(&[id], read_at).await?;
        n = state
            .catalog
            .notification(id)
            .await?
            .ok_or_else(|| ApiError::from(messages::NOTIFICATION_NOT_FOUND))?;
    }
    Ok(Json(NotificationDto::new(&n)))
}

/// `DELETE /notifications/{id}`.
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    require_own(&state, &auth, &[id], Permission::NotificationDelete).await?;
    state.catalog.delete_notifications(&[id]).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct IdsDto {
    ids: Vec<Uuid>,
}

/// `PUT /notifications`: marks these notifications read at `readAt` (or unread with null).
pub async fn update_many(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<Map<String, Value>>,
) -> ApiResult<StatusCode> {
    let ids: IdsDto = serde_json::from_value(Value::Object(dto.clone()))
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    require_own(&state, &auth, &ids.ids, Permission::NotificationUpdate).await?;
    if let Some(read_at) = read_at_change(&dto)? {
        state
            .catalog
            .set_notifications_read(&ids.ids, read_at)
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /notifications`: deletes these notifications.
pub async fn delete_many(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<IdsDto>,
) -> ApiResult<StatusCode> {
    require_own(&state, &auth, &dto.ids, Permission::NotificationDelete).await?;
    state.catalog.delete_notifications(&dto.ids).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `NotificationCreateDto`. Its `readAt` is accepted and, as by Immich, not stored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDto {
    user_id: Uuid,
    title: String,
    level: Option<NotificationLevel>,
    #[serde(rename = "type")]
    kind: Option<NotificationType>,
    description: Option<String>,
    data: Option<Map<String, Value>>,
}

/// `POST /admin/notifications`: a notification for a user (info and Custom unless given).
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(dto): ApiJson<CreateDto>,
) -> ApiResult<(StatusCode, Json<NotificationDto>)> {
    auth.require_admin(Permission::All)?;
    // Immich lets the foreign key fail (500); a clear answer is kinder.
    if state.catalog.user_by_id(dto.user_id).await?.is_none() {
        return Err(ApiError::from(messages::USER_NOT_FOUND));
    }
    let notification = Notification::new(
        dto.user_id,
        dto.level.unwrap_or(NotificationLevel::Info),
        dto.kind.unwrap_or(NotificationType::Custom),
        dto.title,
        dto.description,
        dto.data.map(Value::Object),
        Utc::now(),
    );
    let dto = deliver(&state, &notification).await?;
    Ok((StatusCode::CREATED, Json(dto)))
}

#[derive(Deserialize)]
pub struct TemplateDto {
    template: String,
}

/// `POST /admin/notifications/templates/{name}`: the HTML of an email template filled in with
/// Immich's sample values, using `template` (or the configured template when it is empty) as
/// the custom text. Names without a preview give empty HTML, as in Immich.
pub async fn template(
    State(state): State<AppState>,
    auth: Auth,
    Path(name): Path<String>,
    ApiJson(dto): ApiJson<TemplateDto>,
) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::All)?;
    let config = state.system_config.get();
    let base = base_url(&config.server);
    let configured = &config.templates.email;
    let custom = |stored: &str| {
        if dto.template.is_empty() {
            stored.to_string()
        } else {
            dto.template.clone()
        }
    };
    let html = match Template::parse(&name) {
        Some(Template::Welcome) => {
            templates::welcome(
                base,
                "John Doe",
                "john@doe.com",
                Some("thisIsAPassword123"),
                &custom(&configured.welcome_template),
            )
            .html
        }
        Some(Template::AlbumInvite) => {
            templates::album_invite(
                base,
                "1",
                "John Doe's Favorites",
                "John Doe",
                "Jane Doe",
                &custom(&configured.album_invite_template),
            )
            .html
        }
        // Immich falls back to the invite's template here, by mistake; we use the update's.
        Some(Template::AlbumUpdate) => {
            templates::album_update(
                base,
                "1",
                "Favorite Photos",
                "Jane Doe",
                &custom(&configured.album_update_template),
            )
            .html
        }
        None => String::new(),
    };
    Ok(Json(json!({ "name": name, "html": html })))
}

/// `POST /admin/notifications/test-email`: checks the given SMTP settings (connection, TLS,
/// login) and sends the test email to the admin's own address.
pub async fn test_email(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(smtp): ApiJson<Smtp>,
) -> ApiResult<Json<Value>> {
    auth.require_admin(Permission::All)?;
    if let Err(e) = ferrotype_mail::verify(&smtp.transport).await {
        tracing::warn!(host = %smtp.transport.host, port = smtp.transport.port, "SMTP check failed: {e}");
        return Err(ApiError::from(messages::SMTP_NOT_VERIFIED));
    }
    let config = state.system_config.get();
    let email = templates::test_email(base_url(&config.server), &auth.user.name);
    let message = ferrotype_mail::Email {
        from: smtp.from,
        reply_to: smtp.reply_to,
        to: auth.user.email.clone(),
        subject: "Test email from Immich".into(),
        html: email.html,
        text: email.text,
    };
    let message_id = ferrotype_mail::send(&smtp.transport, &message)
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(json!({ "messageId": message_id })))
}
