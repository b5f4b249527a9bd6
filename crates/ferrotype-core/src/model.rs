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
    pub status: UserStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

/// Where an account is in its life (Immich's `UserStatus`): deleted ones can be restored until
/// their data goes for good, which an admin's forced delete starts at once (`Removing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Active,
    Removing,
    Deleted,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Removing => "removing",
            UserStatus::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<UserStatus> {
        [
            UserStatus::Active,
            UserStatus::Removing,
            UserStatus::Deleted,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
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
    /// The session that made this one (`POST /sessions`, for casting), if any.
    pub parent_id: Option<Uuid>,
    /// When the token stops working; never for a login.
    pub expires_at: Option<Timestamp>,
    /// Until when the PIN code unlocked the locked folder for this session.
    pub pin_expires_at: Option<Timestamp>,
    /// The next sync stream of this session starts over (`SyncResetV1`).
    pub is_pending_sync_reset: bool,
}

/// What `Catalog::update_session` changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionChange {
    /// `Some(None)` locks the session again.
    pub pin_expires_at: Option<Option<Timestamp>>,
    pub is_pending_sync_reset: Option<bool>,
}

impl Session {
    /// Unlocked with the PIN code: may see and change locked assets.
    pub fn is_elevated(&self, now: Timestamp) -> bool {
        self.pin_expires_at.is_some_and(|t| t > now)
    }
}

/// An API key; like sessions, only the SHA-256 of the secret is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub user_id: Uuid,
    pub permissions: Vec<crate::permissions::Permission>,
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
    /// The stack the asset is in (Immich's `stackId`), set through `StackRepo` only.
    pub stack_id: Option<Uuid>,
    /// Has non-destructive edits (`crate::edits`); kept by `AssetEditRepo`.
    pub is_edited: bool,
}

/// An original on its way to the storage template's path: blob keys before and after, for the
/// file and its XMP sidecar.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingMove {
    pub asset_id: Uuid,
    pub old_path: String,
    pub new_path: String,
    pub old_sidecar_path: Option<String>,
    pub new_sidecar_path: Option<String>,
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

/// What a user other than the owner may do in a shared album.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlbumRole {
    /// Adds and removes assets.
    Editor,
    /// Only looks.
    Viewer,
}

impl AlbumRole {
    pub fn as_str(self) -> &'static str {
        match self {
            AlbumRole::Editor => "editor",
            AlbumRole::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "editor" => Some(AlbumRole::Editor),
            "viewer" => Some(AlbumRole::Viewer),
            _ => None,
        }
    }
}

/// Someone an album is shared with.
#[derive(Debug, Clone, PartialEq)]
pub struct AlbumMember {
    pub user: User,
    pub role: AlbumRole,
}

/// An album with its people and the figures computed from its assets.
#[derive(Debug, Clone, PartialEq)]
pub struct AlbumSummary {
    pub album: Album,
    pub owner: User,
    pub members: Vec<AlbumMember>,
    pub asset_count: i64,
    pub start_date: Option<Timestamp>,
    pub end_date: Option<Timestamp>,
    pub last_modified_asset_timestamp: Option<Timestamp>,
    /// A shared link shows the album (it then counts as shared, as in Immich).
    pub has_shared_link: bool,
}

impl AlbumSummary {
    /// Shared with someone: a member or a link.
    pub fn is_shared(&self) -> bool {
        !self.members.is_empty() || self.has_shared_link
    }
}

/// What metadata extraction found in a file (Immich's `asset_exif`). Every field may be
/// missing: a file without EXIF still has a row once extraction ran.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExifInfo {
    pub make: Option<String>,
    pub model: Option<String>,
    pub lens_model: Option<String>,
    /// Pixel size as stored, before orientation is applied.
    pub exif_image_width: Option<i64>,
    pub exif_image_height: Option<i64>,
    /// EXIF orientation, 1 to 8.
    pub orientation: Option<i64>,
    /// The capture instant.
    pub date_time_original: Option<Timestamp>,
    /// The capture wall clock, stored as if it were UTC (what the timeline groups by).
    pub local_date_time: Option<Timestamp>,
    /// `UTC+2`, or a zone name.
    pub time_zone: Option<String>,
    pub modify_date: Option<Timestamp>,
    pub f_number: Option<f64>,
    pub focal_length: Option<f64>,
    pub iso: Option<i64>,
    /// `1/250`, or seconds.
    pub exposure_time: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub description: Option<String>,
    pub rating: Option<i64>,
    /// Keywords, hierarchical ones with `/` between levels; they become the asset's tags.
    pub keywords: Vec<String>,
    pub file_size_in_byte: Option<i64>,
    pub projection_type: Option<String>,
    pub profile_description: Option<String>,
    pub colorspace: Option<String>,
    pub bits_per_sample: Option<i64>,
    pub fps: Option<f64>,
    pub duration_ms: Option<i64>,
    /// Apple's content identifier, pairing a live photo's still and motion parts.
    pub live_photo_cid: Option<String>,
}

/// An asset `Catalog::purge_assets` deleted: whose it was, and its files, still to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgedAsset {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub files: Vec<String>,
}

/// Which assets `Catalog::purge_assets` deletes for good.
#[derive(Debug, Clone, PartialEq)]
pub enum PurgeSelection {
    /// The owner's assets among these ids, trashed or not.
    Ids { owner_id: Uuid, ids: Vec<Uuid> },
    /// Everything in the owner's trash.
    Trash { owner_id: Uuid },
    /// Everyone's trash older than this (the daily clean-up).
    TrashedBefore(Timestamp),
    /// Every asset of the owner, trashed or not (the account is deleted for good).
    Owner { owner_id: Uuid },
}

/// A change to assets (everyday edits); `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssetChange {
    pub is_favorite: Option<bool>,
    pub visibility: Option<Visibility>,
    /// The capture time: its instant, its wall clock (as if UTC) and its zone name.
    pub taken: Option<(Timestamp, Timestamp, Option<String>)>,
    pub location: Option<(f64, f64)>,
    /// The names of the new `location`'s place; left empty without them.
    pub place_names: Option<crate::places::PlaceNames>,
    /// `Some(None)` clears the rating.
    pub rating: Option<Option<i64>>,
    pub description: Option<String>,
    /// Moves the capture time (and the timeline's times) by this many minutes.
    pub shift_minutes: Option<i32>,
    /// The capture's time zone; a fixed offset (`UTC+2`) also sets the wall clock from it.
    pub time_zone: Option<String>,
    /// The motion part of a live photo (`Some(None)` unlinks it).
    pub live_photo_video_id: Option<Option<Uuid>>,
}

impl AssetChange {
    /// Whether the change touches the asset's own row (and so its sync cursor).
    pub fn touches_asset(&self) -> bool {
        self.is_favorite.is_some()
            || self.visibility.is_some()
            || self.taken.is_some()
            || self.shift_minutes.is_some()
            || self.time_zone.is_some()
            || self.live_photo_video_id.is_some()
    }

    /// Whether the change touches the asset's EXIF row.
    pub fn touches_exif(&self) -> bool {
        self.taken.is_some()
            || self.location.is_some()
            || self.rating.is_some()
            || self.description.is_some()
            || self.shift_minutes.is_some()
            || self.time_zone.is_some()
    }

    /// Immich's `lockedProperties` this change sets: metadata extraction will not overwrite
    /// them.
    pub fn locked_properties(&self) -> Vec<&'static str> {
        let mut locked = Vec::new();
        if self.taken.is_some() || self.shift_minutes.is_some() || self.time_zone.is_some() {
            locked.extend(["dateTimeOriginal", "timeZone"]);
        }
        if self.location.is_some() {
            locked.extend(["latitude", "longitude"]);
        }
        if self.rating.is_some() {
            locked.push("rating");
        }
        if self.description.is_some() {
            locked.push("description");
        }
        locked
    }
}

/// A change to a user; `None` leaves a field as it is (`Some(None)` clears a nullable one).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserChange {
    pub name: Option<String>,
    pub email: Option<String>,
    pub avatar_color: Option<String>,
    pub is_admin: Option<bool>,
    pub quota_size_in_bytes: Option<Option<i64>>,
    pub storage_label: Option<Option<String>>,
    pub should_change_password: Option<bool>,
    /// Soft deletion (`Some(Some(t))`) and restoring (`Some(None)`), with the status to match.
    pub deleted_at: Option<Option<Timestamp>>,
    pub status: Option<UserStatus>,
    /// The blob key of a new profile picture (empty: none); marks the profile as changed.
    pub profile_image_path: Option<String>,
}

/// A user's tag (a keyword). Tags form a tree: `value` is the whole path (`a/b`), the parent
/// is the tag of the path one level up (`a`).
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub id: Uuid,
    pub user_id: Uuid,
    pub value: String,
    pub parent_id: Option<Uuid>,
    /// A hex colour, `#` first (`#ff0000`).
    pub color: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Tag {
    /// The last level of the value (`b` for `a/b`), Immich's `name`.
    pub fn name(&self) -> &str {
        self.value.rsplit('/').next().unwrap_or(&self.value)
    }
}

/// The levels of a tag path as Immich reads one (`a//b/` is `a`, `a/b`): empty levels dropped,
/// each level's whole path in order, the last the tag itself; nothing for a path of no level.
pub fn tag_path_levels(path: &str) -> Vec<String> {
    let mut levels: Vec<String> = Vec::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        let value = match levels.last() {
            Some(parent) => format!("{parent}/{part}"),
            None => part.to_string(),
        };
        levels.push(value);
    }
    levels
}

/// A version this server ran, from when (`GET /api/server/version-history`).
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRecord {
    pub id: Uuid,
    pub created_at: Timestamp,
    pub version: String,
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

/// What removing one asset from an album did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlbumRemoveResult {
    Removed,
    NotInAlbum,
    /// Members other than the owner may remove only their own assets.
    NoPermission,
}

/// A change to an album's settings; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlbumChange {
    pub name: Option<String>,
    pub description: Option<String>,
    pub thumbnail_asset_id: Option<Uuid>,
    pub is_activity_enabled: Option<bool>,
    /// `asc` or `desc`.
    pub order: Option<String>,
}

/// An asset with a place, for a map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapMarker {
    pub id: Uuid,
    pub latitude: f64,
    pub longitude: f64,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
}

/// Which assets the map shows (Immich's `/map/markers`): those of `owner_ids` (the user, and
/// their partners when asked) and, with `with_shared_albums`, those in the albums the user owns
/// or was given; on the timeline only, or also the user's own archive with `with_archived`.
#[derive(Debug, Clone, PartialEq)]
pub struct MapMarkerQuery {
    pub user_id: Uuid,
    pub owner_ids: Vec<Uuid>,
    pub with_shared_albums: bool,
    pub with_archived: bool,
    pub is_favorite: Option<bool>,
    pub created_after: Option<Timestamp>,
    pub created_before: Option<Timestamp>,
}

/// A stored asset with the same checksum as one being checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecksumMatch {
    pub checksum: Vec<u8>,
    pub asset_id: Uuid,
    pub is_trashed: bool,
}

/// Which assets a timeline shows (Immich's `TimeBucketDto` filters).
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineQuery {
    /// Whose assets: the user (and later their partners). Ignored when `within` is given.
    pub owner_ids: Vec<Uuid>,
    /// Only the assets of this album or tag (whoever owns them).
    pub within: Option<TimelineScope>,
    /// `None`: the timeline and the archive.
    pub visibility: Option<Visibility>,
    pub is_favorite: Option<bool>,
    /// The trash instead of everything else.
    pub trashed: bool,
    /// Newest first.
    pub descending: bool,
    /// Each stack once, as its primary (Immich's `withStacked`).
    pub with_stacked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimelineScope {
    Album(Uuid),
    Tag(Uuid),
}

/// An asset as the timeline grid shows it. Ids and times stay in their stored text form
/// (already Immich's), since a month can hold tens of thousands of them.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineAsset {
    pub id: String,
    pub owner_id: String,
    pub is_image: bool,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub is_favorite: bool,
    pub is_trashed: bool,
    pub visibility: String,
    pub file_created_at: String,
    pub created_at: String,
    /// Hours between the wall clock and UTC, to the quarter hour.
    pub local_offset_hours: f64,
    pub thumbhash: Option<Vec<u8>>,
    pub duration_ms: Option<i64>,
    pub live_photo_video_id: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub projection_type: Option<String>,
    /// With `with_stacked`, a stack's primary: the stack's id and how many of its assets are
    /// on the timeline outside the trash.
    pub stack: Option<(String, i64)>,
}

/// What a shared link shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharedLinkType {
    /// An album, as it is now and later.
    Album,
    /// Chosen assets.
    Individual,
}

impl SharedLinkType {
    pub fn as_str(self) -> &'static str {
        match self {
            SharedLinkType::Album => "ALBUM",
            SharedLinkType::Individual => "INDIVIDUAL",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ALBUM" => Some(SharedLinkType::Album),
            "INDIVIDUAL" => Some(SharedLinkType::Individual),
            _ => None,
        }
    }
}

/// A link that lets someone without an account see (and maybe download or add to) what its
/// owner chose.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedLink {
    pub id: Uuid,
    pub user_id: Uuid,
    /// 50 random bytes; clients see them as base64url.
    pub key: Vec<u8>,
    pub slug: Option<String>,
    pub link_type: SharedLinkType,
    pub album_id: Option<Uuid>,
    pub description: Option<String>,
    pub password: Option<String>,
    pub expires_at: Option<Timestamp>,
    pub allow_upload: bool,
    pub allow_download: bool,
    pub show_exif: bool,
    pub created_at: Timestamp,
}

impl SharedLink {
    pub fn expired(&self, now: Timestamp) -> bool {
        self.expires_at.is_some_and(|t| t <= now)
    }
}

/// What adding or removing one asset of a shared link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAssetResult {
    Done,
    /// Already there (adding).
    Duplicate,
    /// Not the owner's (adding) or not in the link (removing).
    NotFound,
}

/// A partnership (Immich's `partner`): `shared_by` shares their whole library with
/// `shared_with`, who may show it in their own timeline (`in_timeline`, their choice).
#[derive(Debug, Clone, PartialEq)]
pub struct Partner {
    pub shared_by: User,
    pub shared_with: User,
    pub in_timeline: bool,
    pub created_at: Timestamp,
}
