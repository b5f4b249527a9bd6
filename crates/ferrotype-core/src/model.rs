//! The domain's records, as the catalog stores them and the services reason about them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

pub type Timestamp = DateTime<Utc>;

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    /// PHC string (argon2id); `None` for accounts that cannot log in with a password.
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub avatar_color: String,
    pub profile_image_path: String,
    pub profile_changed_at: Timestamp,
    pub should_change_password: bool,
    pub storage_label: Option<String>,
    pub oauth_id: String,
    pub quota_size_in_bytes: Option<i64>,
    pub quota_usage_in_bytes: i64,
    pub status: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

/// A logged-in device; the token itself is never stored, only its SHA-256.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: Uuid,
    pub user_id: Uuid,
    pub device_type: String,
    pub device_os: String,
    pub app_version: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An API key; like sessions, only the SHA-256 of the secret is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub user_id: Uuid,
    pub permissions: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetType {
    Image,
    Video,
    Audio,
    Other,
}

impl AssetType {
    pub fn as_str(self) -> &'static str {
        match self {
            AssetType::Image => "IMAGE",
            AssetType::Video => "VIDEO",
            AssetType::Audio => "AUDIO",
            AssetType::Other => "OTHER",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "IMAGE" => AssetType::Image,
            "VIDEO" => AssetType::Video,
            "AUDIO" => AssetType::Audio,
            "OTHER" => AssetType::Other,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Archive,
    Timeline,
    Hidden,
    Locked,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Archive => "archive",
            Visibility::Timeline => "timeline",
            Visibility::Hidden => "hidden",
            Visibility::Locked => "locked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "archive" => Visibility::Archive,
            "timeline" => Visibility::Timeline,
            "hidden" => Visibility::Hidden,
            "locked" => Visibility::Locked,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub asset_type: AssetType,
    /// Blob-store key of the original, e.g. `upload/<user>/ab/cd/<uuid>.jpg`.
    pub original_path: String,
    pub original_file_name: String,
    /// SHA-1 of the whole original.
    pub checksum: Vec<u8>,
    pub file_size: i64,
    pub file_created_at: Timestamp,
    pub file_modified_at: Timestamp,
    /// Wall-clock capture time used for timeline grouping (stored as if it were UTC).
    pub local_date_time: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    pub visibility: Visibility,
    pub is_favorite: bool,
    pub duration_ms: Option<i64>,
    pub live_photo_video_id: Option<Uuid>,
    pub sidecar_path: Option<String>,
    pub device_asset_id: Option<String>,
    pub device_id: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub thumbhash: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Album {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub name: String,
    pub description: String,
    pub thumbnail_asset_id: Option<Uuid>,
    pub is_activity_enabled: bool,
    /// `asc` or `desc`.
    pub order: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An album with the figures computed from its assets.
#[derive(Debug, Clone, PartialEq)]
pub struct AlbumSummary {
    pub album: Album,
    pub asset_count: i64,
    pub start_date: Option<Timestamp>,
    pub end_date: Option<Timestamp>,
    pub last_modified_asset_timestamp: Option<Timestamp>,
}

/// One user's share of the library, for `GET /api/server/statistics`.
#[derive(Debug, Clone, PartialEq)]
pub struct UserUsage {
    pub user_id: Uuid,
    pub user_name: String,
    pub quota_size_in_bytes: Option<i64>,
    pub photos: i64,
    pub videos: i64,
    pub usage_photos: i64,
    pub usage_videos: i64,
}

/// Counts for `GET /api/assets/statistics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AssetStats {
    pub images: i64,
    pub videos: i64,
}

#[derive(Debug, Clone, Default)]
pub struct AssetStatsFilter {
    pub is_favorite: Option<bool>,
    pub is_trashed: Option<bool>,
    pub visibility: Option<Visibility>,
}

/// What `Catalog::insert_asset` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    Created,
    /// The owner already had an asset with this checksum; nothing was inserted.
    Duplicate(Uuid),
}

/// Result of adding one asset to an album.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlbumAddResult {
    Added,
    AlreadyThere,
    NoPermission,
}

/// A stored asset with the same checksum as one being checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecksumMatch {
    pub checksum: Vec<u8>,
    pub asset_id: Uuid,
    pub is_trashed: bool,
}
