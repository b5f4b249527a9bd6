//! Response bodies, shaped as the DTOs of Immich's OpenAPI document. Every required field is
//! present; the Immich mobile app decodes strictly and fails on a missing one.

use base64::Engine;
use chrono::SecondsFormat;
use ferrotype_core::media_types;
use ferrotype_core::model::{AlbumSummary, ApiKey, Asset, ExifInfo, Tag, Timestamp, User};
use ferrotype_core::storage::extension_of;
use std::collections::HashSet;
use std::future::Future;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Immich's timestamp format: RFC 3339, UTC, milliseconds (`2026-11-21T22:40:41.789Z`).
pub fn iso(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An EXIF date as Immich sends it: PostgreSQL's JSON text of a `timestamptz` in UTC
/// (`2023-11-20T01:11:00+00:00`, fractions to the microsecond, trailing zeros dropped), since
/// Immich reads the EXIF row with `to_json` and passes those strings through.
pub fn exif_time(t: &Timestamp) -> String {
    let seconds = t.format("%Y-%m-%dT%H:%M:%S");
    match t.timestamp_subsec_micros() {
        0 => format!("{seconds}+00:00"),
        micros => {
            let fraction = format!("{micros:06}");
            format!("{seconds}.{}+00:00", fraction.trim_end_matches('0'))
        }
    }
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAdminResponse {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub avatar_color: String,
    pub profile_image_path: String,
    pub profile_changed_at: String,
    pub is_admin: bool,
    pub should_change_password: bool,
    pub storage_label: Option<String>,
    pub oauth_id: String,
    pub quota_size_in_bytes: Option<i64>,
    pub quota_usage_in_bytes: Option<i64>,
    pub status: String,
    /// The user's product key (`{licenseKey, activationKey, activatedAt}`), when they set one.
    pub license: Option<serde_json::Value>,
    /// Immich 3.2 puts every user in a cluster group; until groups exist here, each user is
    /// the only member of their own, named by their id.
    pub cluster_group_id: Uuid,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

impl From<&User> for UserAdminResponse {
    fn from(u: &User) -> Self {
        UserAdminResponse {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            avatar_color: u.avatar_color.clone(),
            profile_image_path: u.profile_image_path.clone(),
            profile_changed_at: iso(&u.profile_changed_at),
            is_admin: u.is_admin,
            should_change_password: u.should_change_password,
            storage_label: u.storage_label.clone(),
            oauth_id: u.oauth_id.clone(),
            quota_size_in_bytes: u.quota_size_in_bytes,
            quota_usage_in_bytes: Some(u.quota_usage_in_bytes),
            status: u.status.as_str().to_string(),
            license: None,
            cluster_group_id: u.id,
            created_at: iso(&u.created_at),
            updated_at: iso(&u.updated_at),
            deleted_at: u.deleted_at.as_ref().map(iso),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub avatar_color: String,
    pub profile_image_path: String,
    pub profile_changed_at: String,
}

impl From<&User> for UserResponse {
    fn from(u: &User) -> Self {
        UserResponse {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            avatar_color: u.avatar_color.clone(),
            profile_image_path: u.profile_image_path.clone(),
            profile_changed_at: iso(&u.profile_changed_at),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyResponse {
    pub id: Uuid,
    pub name: String,
    pub permissions: Vec<ferrotype_core::permissions::Permission>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&ApiKey> for ApiKeyResponse {
    fn from(k: &ApiKey) -> Self {
        ApiKeyResponse {
            id: k.id,
            name: k.name.clone(),
            permissions: k.permissions.clone(),
            created_at: iso(&k.created_at),
            updated_at: iso(&k.updated_at),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExifResponse {
    pub make: Option<String>,
    pub model: Option<String>,
    pub lens_model: Option<String>,
    pub exif_image_width: Option<i64>,
    pub exif_image_height: Option<i64>,
    pub file_size_in_byte: Option<i64>,
    pub orientation: Option<String>,
    pub date_time_original: Option<String>,
    pub modify_date: Option<String>,
    pub time_zone: Option<String>,
    pub f_number: Option<f64>,
    pub focal_length: Option<f64>,
    pub iso: Option<i64>,
    pub exposure_time: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub description: Option<String>,
    pub projection_type: Option<String>,
    pub rating: Option<i64>,
}

impl ExifResponse {
    /// Before extraction ran, only what the upload told: the size in bytes.
    pub fn new(exif: Option<&ExifInfo>, asset: &Asset) -> Self {
        let e = exif.cloned().unwrap_or_default();
        ExifResponse {
            make: e.make,
            model: e.model,
            lens_model: e.lens_model,
            exif_image_width: e.exif_image_width,
            exif_image_height: e.exif_image_height,
            file_size_in_byte: e.file_size_in_byte.or(Some(asset.file_size)),
            orientation: e.orientation.map(|o| o.to_string()),
            date_time_original: e.date_time_original.as_ref().map(exif_time),
            modify_date: e.modify_date.as_ref().map(exif_time),
            time_zone: e.time_zone,
            f_number: e.f_number,
            focal_length: e.focal_length,
            iso: e.iso,
            exposure_time: e.exposure_time,
            latitude: e.latitude,
            longitude: e.longitude,
            city: e.city,
            state: e.state,
            country: e.country,
            description: e.description,
            projection_type: e.projection_type,
            rating: e.rating,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagResponse {
    pub id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Uuid>,
    /// The last level of the value (`b` for `a/b`).
    pub name: String,
    pub value: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

impl From<&Tag> for TagResponse {
    fn from(t: &Tag) -> Self {
        TagResponse {
            id: t.id,
            parent_id: t.parent_id,
            name: t.name().to_string(),
            value: t.value.clone(),
            created_at: iso(&t.created_at),
            updated_at: iso(&t.updated_at),
            color: t.color.clone(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetResponse {
    pub id: Uuid,
    pub owner_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<UserResponse>,
    #[serde(rename = "type")]
    pub asset_type: &'static str,
    pub original_path: String,
    pub original_file_name: String,
    pub original_mime_type: &'static str,
    pub checksum: String,
    pub thumbhash: Option<String>,
    pub file_created_at: String,
    pub file_modified_at: String,
    pub local_date_time: String,
    pub created_at: String,
    pub updated_at: String,
    pub is_favorite: bool,
    pub is_archived: bool,
    pub is_trashed: bool,
    pub is_offline: bool,
    pub is_edited: bool,
    pub has_metadata: bool,
    pub visibility: &'static str,
    pub duration: Option<i64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub live_photo_video_id: Option<Uuid>,
    pub library_id: Option<Uuid>,
    pub duplicate_id: Option<Uuid>,
    pub exif_info: ExifResponse,
    pub tags: Vec<TagResponse>,
    /// The people of the asset's faces (`GET`/`PUT /assets/{id}` fill it, for the owner).
    pub people: Vec<crate::routes::people::PersonResponse>,
    /// Only in `GET /assets/{id}`, as Immich: the stack (null for none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack: Option<Option<AssetStackResponse>>,
}

/// Immich's `AssetStackResponseDto`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetStackResponse {
    pub id: Uuid,
    pub primary_asset_id: Uuid,
    pub asset_count: i64,
}

impl From<ferrotype_core::catalog::StackSummary> for AssetStackResponse {
    fn from(s: ferrotype_core::catalog::StackSummary) -> Self {
        AssetStackResponse {
            id: s.id,
            primary_asset_id: s.primary_asset_id,
            asset_count: s.asset_count,
        }
    }
}

/// What is known about an asset beyond its row.
#[derive(Default)]
pub struct AssetExtras<'a> {
    pub owner: Option<&'a User>,
    pub exif: Option<&'a ExifInfo>,
    pub tags: &'a [Tag],
}

impl AssetResponse {
    pub fn new(a: &Asset, extras: AssetExtras<'_>) -> Self {
        let owner = extras.owner;
        let extension = extension_of(&a.original_path).unwrap_or_default();
        AssetResponse {
            id: a.id,
            owner_id: a.owner_id,
            owner: owner.map(UserResponse::from),
            asset_type: a.asset_type.as_str(),
            original_path: a.original_path.clone(),
            original_file_name: a.original_file_name.clone(),
            original_mime_type: media_types::mime_type_for(&extension),
            checksum: b64(&a.checksum),
            thumbhash: a.thumbhash.as_deref().map(b64),
            file_created_at: iso(&a.file_created_at),
            file_modified_at: iso(&a.file_modified_at),
            local_date_time: iso(&a.local_date_time),
            created_at: iso(&a.created_at),
            updated_at: iso(&a.updated_at),
            is_favorite: a.is_favorite,
            is_archived: a.visibility == ferrotype_core::model::Visibility::Archive,
            is_trashed: a.deleted_at.is_some(),
            is_offline: false,
            is_edited: a.is_edited,
            has_metadata: extras.exif.is_some(),
            visibility: a.visibility.as_str(),
            duration: a.duration_ms,
            width: a.width,
            height: a.height,
            live_photo_video_id: a.live_photo_video_id,
            library_id: None,
            duplicate_id: None,
            exif_info: ExifResponse::new(extras.exif, a),
            tags: extras.tags.iter().map(TagResponse::from).collect(),
            people: Vec::new(),
            stack: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbumUserResponse {
    pub role: &'static str,
    pub user: UserResponse,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlbumResponse {
    pub id: Uuid,
    pub album_name: String,
    pub description: String,
    pub album_thumbnail_asset_id: Option<Uuid>,
    pub album_users: Vec<AlbumUserResponse>,
    pub asset_count: i64,
    pub created_at: String,
    pub updated_at: String,
    pub has_shared_link: bool,
    pub is_activity_enabled: bool,
    pub shared: bool,
    pub order: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified_asset_timestamp: Option<String>,
    /// Only in `GET /albums/{id}` of a shared album, as Immich.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contributor_counts: Option<Vec<serde_json::Value>>,
}

impl AlbumResponse {
    /// The owner is listed first among the album's users with the role `owner`, as Immich 3
    /// does, then the members.
    pub fn new(s: &AlbumSummary) -> Self {
        let a = &s.album;
        let mut album_users = vec![AlbumUserResponse {
            role: "owner",
            user: UserResponse::from(&s.owner),
        }];
        album_users.extend(s.members.iter().map(|m| AlbumUserResponse {
            role: m.role.as_str(),
            user: UserResponse::from(&m.user),
        }));
        AlbumResponse {
            id: a.id,
            album_name: a.name.clone(),
            description: a.description.clone(),
            album_thumbnail_asset_id: a.thumbnail_asset_id,
            album_users,
            asset_count: s.asset_count,
            created_at: iso(&a.created_at),
            updated_at: iso(&a.updated_at),
            has_shared_link: s.has_shared_link,
            is_activity_enabled: a.is_activity_enabled,
            shared: s.is_shared(),
            order: a.order.clone(),
            start_date: s.start_date.as_ref().map(iso),
            end_date: s.end_date.as_ref().map(iso),
            last_modified_asset_timestamp: s.last_modified_asset_timestamp.as_ref().map(iso),
            contributor_counts: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkIdResponse {
    pub id: Uuid,
    pub success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
}

impl BulkIdResponse {
    /// Success unless there is an error reason (`BulkIdErrorReason`).
    pub fn of(id: Uuid, error: Option<&'static str>) -> Self {
        BulkIdResponse {
            id,
            success: error.is_none(),
            error,
        }
    }
}

/// Immich's `BulkIdsDto`: the ids a bulk request is about.
#[derive(Deserialize)]
pub struct BulkIdsDto {
    pub ids: Vec<Uuid>,
}

/// One answer per id of a bulk "add these assets" request (tags, memories), in the order
/// given, and the ids to add: `duplicate` for an asset `present` already (or given twice),
/// `no_permission` for one `may_add` refuses. The check runs only for ids not yet present.
pub async fn sort_additions<F, Fut, E>(
    ids: Vec<Uuid>,
    mut present: HashSet<Uuid>,
    mut may_add: F,
) -> Result<(Vec<BulkIdResponse>, Vec<Uuid>), E>
where
    F: FnMut(Uuid) -> Fut,
    Fut: Future<Output = Result<bool, E>>,
{
    let mut results = Vec::with_capacity(ids.len());
    let mut added = Vec::new();
    for id in ids {
        let error = if present.contains(&id) {
            Some("duplicate")
        } else if !may_add(id).await? {
            Some("no_permission")
        } else {
            present.insert(id);
            added.push(id);
            None
        };
        results.push(BulkIdResponse::of(id, error));
    }
    Ok((results, added))
}

/// One answer per id of a bulk "take these assets out" request, and the ids to take out:
/// `not_found` for an asset not `present` (or given twice).
pub fn sort_removals(
    ids: Vec<Uuid>,
    mut present: HashSet<Uuid>,
) -> (Vec<BulkIdResponse>, Vec<Uuid>) {
    let mut removed = Vec::new();
    let results = ids
        .into_iter()
        .map(|id| {
            let error = if present.remove(&id) {
                removed.push(id);
                None
            } else {
                Some("not_found")
            };
            BulkIdResponse::of(id, error)
        })
        .collect();
    (results, removed)
}
