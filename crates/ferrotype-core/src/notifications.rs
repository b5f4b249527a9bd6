//! Notifications: messages to one user shown in the apps' notification panel (Immich's
//! `notification` table), and the ones the server writes itself, with Immich's texts.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::model::Timestamp;

/// Immich's `NotificationLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotificationLevel {
    Success,
    Error,
    Warning,
    Info,
}

impl NotificationLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationLevel::Success => "success",
            NotificationLevel::Error => "error",
            NotificationLevel::Warning => "warning",
            NotificationLevel::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Success, Self::Error, Self::Warning, Self::Info]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

/// Immich's `NotificationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotificationType {
    JobFailed,
    BackupFailed,
    SystemMessage,
    AlbumInvite,
    AlbumUpdate,
    Custom,
}

impl NotificationType {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationType::JobFailed => "JobFailed",
            NotificationType::BackupFailed => "BackupFailed",
            NotificationType::SystemMessage => "SystemMessage",
            NotificationType::AlbumInvite => "AlbumInvite",
            NotificationType::AlbumUpdate => "AlbumUpdate",
            NotificationType::Custom => "Custom",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::JobFailed,
            Self::BackupFailed,
            Self::SystemMessage,
            Self::AlbumInvite,
            Self::AlbumUpdate,
            Self::Custom,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: Uuid,
    pub user_id: Uuid,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Set when the user deleted it; kept a few days, then purged.
    pub deleted_at: Option<Timestamp>,
    pub level: NotificationLevel,
    pub kind: NotificationType,
    pub title: String,
    pub description: Option<String>,
    /// A JSON object (an album invite's `{albumId}`).
    pub data: Option<Value>,
    pub read_at: Option<Timestamp>,
}

impl Notification {
    /// A new, unread notification for `user_id`.
    pub fn new(
        user_id: Uuid,
        level: NotificationLevel,
        kind: NotificationType,
        title: impl Into<String>,
        description: Option<String>,
        data: Option<Value>,
        now: Timestamp,
    ) -> Self {
        Notification {
            id: Uuid::new_v4(),
            user_id,
            created_at: now,
            updated_at: now,
            deleted_at: None,
            level,
            kind,
            title: title.into(),
            description,
            data,
            read_at: None,
        }
    }

    /// What a user added to an album is told (Immich's texts).
    pub fn album_invite(
        user_id: Uuid,
        album_id: Uuid,
        album_name: &str,
        sender_name: &str,
        now: Timestamp,
    ) -> Self {
        Notification::new(
            user_id,
            NotificationLevel::Success,
            NotificationType::AlbumInvite,
            "Shared Album Invitation",
            Some(format!(
                "{sender_name} shared an album ({album_name}) with you"
            )),
            Some(serde_json::json!({ "albumId": album_id })),
            now,
        )
    }

    /// What an album's user is told when media was added to it (Immich's texts).
    pub fn album_update(user_id: Uuid, album_id: Uuid, album_name: &str, now: Timestamp) -> Self {
        Notification::new(
            user_id,
            NotificationLevel::Info,
            NotificationType::AlbumUpdate,
            "Shared Album Update",
            Some(format!(
                "New media has been added to the album ({album_name})"
            )),
            Some(serde_json::json!({ "albumId": album_id })),
            now,
        )
    }
}

/// `GET /notifications`'s filters (all optional); deleted notifications never match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotificationFilter {
    pub id: Option<Uuid>,
    pub level: Option<NotificationLevel>,
    pub kind: Option<NotificationType>,
    /// Only those not read yet.
    pub unread: bool,
}

/// How long notifications are kept (the hourly clean-up): deleted ones 3 days, read ones 15
/// days after they were made (and 2 after they were read), unread ones 30 days. Immich's
/// intent; its query keeps more by mistake.
pub mod retention {
    pub const DELETED_DAYS: i64 = 3;
    pub const READ_DAYS: i64 = 15;
    pub const READ_GRACE_DAYS: i64 = 2;
    pub const UNREAD_DAYS: i64 = 30;
}
