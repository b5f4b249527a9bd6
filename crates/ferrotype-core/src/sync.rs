//! The mobile app's sync protocol (Immich's `/sync/stream`): what a client may ask for, what the
//! catalog streams back, and in which order. Each requested type maps to entity types (its
//! deletes first, then its upserts), each with its own checkpoint: the `updateId` (a UUIDv7) of
//! the last row the client acknowledged.

use std::collections::HashMap;

use uuid::Uuid;

use crate::catalog::Face;
use crate::catalog::Memory;
use crate::catalog::Person;
use crate::catalog::Stack;
use crate::edits::AssetEdit;
use crate::model::{Album, AlbumRole, Asset, ExifInfo, User};

/// Every type a client may request, in the order the server streams them (Immich's order).
pub const REQUEST_TYPES_IN_ORDER: &[&str] = &[
    "AuthUsersV1",
    "UsersV1",
    "PartnersV1",
    "AssetsV1",
    "AssetsV2",
    "StacksV1",
    "PartnerAssetsV1",
    "PartnerAssetsV2",
    "PartnerStacksV1",
    "AlbumAssetsV1",
    "AlbumAssetsV2",
    "AlbumsV1",
    "AlbumsV2",
    "AlbumUsersV1",
    "AlbumToAssetsV1",
    "AssetExifsV1",
    "AlbumAssetExifsV1",
    "AssetOcrV1",
    "PartnerAssetExifsV1",
    "MemoriesV1",
    "MemoryToAssetsV1",
    "PeopleV1",
    "AssetFacesV1",
    "AssetFacesV2",
    "UserMetadataV1",
    "AssetMetadataV1",
    "AssetEditsV1",
];

/// Requests Immich 3.x refuses, with the type that replaced each.
pub const DEPRECATED: &[(&str, &str)] = &[
    ("AssetsV1", "AssetsV2"),
    ("PartnerAssetsV1", "PartnerAssetsV2"),
    ("AlbumAssetsV1", "AlbumAssetsV2"),
    ("AlbumsV1", "AlbumsV2"),
    ("AssetFacesV1", "AssetFacesV2"),
];

/// Immich's `SyncEntityType`: what a streamed line is, and what an ack names.
pub const ENTITY_TYPES: &[&str] = &[
    "AuthUserV1",
    "UserV1",
    "UserDeleteV1",
    "AssetV1",
    "AssetV2",
    "AssetDeleteV1",
    "AssetExifV1",
    "AssetEditV1",
    "AssetEditDeleteV1",
    "AssetMetadataV1",
    "AssetMetadataDeleteV1",
    "AssetOcrV1",
    "AssetOcrDeleteV1",
    "PartnerV1",
    "PartnerDeleteV1",
    "PartnerAssetV1",
    "PartnerAssetV2",
    "PartnerAssetBackfillV1",
    "PartnerAssetBackfillV2",
    "PartnerAssetDeleteV1",
    "PartnerAssetExifV1",
    "PartnerAssetExifBackfillV1",
    "PartnerStackBackfillV1",
    "PartnerStackDeleteV1",
    "PartnerStackV1",
    "AlbumV1",
    "AlbumV2",
    "AlbumDeleteV1",
    "AlbumUserV1",
    "AlbumUserBackfillV1",
    "AlbumUserDeleteV1",
    "AlbumAssetCreateV1",
    "AlbumAssetCreateV2",
    "AlbumAssetUpdateV1",
    "AlbumAssetUpdateV2",
    "AlbumAssetBackfillV1",
    "AlbumAssetBackfillV2",
    "AlbumAssetExifCreateV1",
    "AlbumAssetExifUpdateV1",
    "AlbumAssetExifBackfillV1",
    "AlbumToAssetV1",
    "AlbumToAssetDeleteV1",
    "AlbumToAssetBackfillV1",
    "MemoryV1",
    "MemoryDeleteV1",
    "MemoryToAssetV1",
    "MemoryToAssetDeleteV1",
    "StackV1",
    "StackDeleteV1",
    "PersonV1",
    "PersonDeleteV1",
    "AssetFaceV1",
    "AssetFaceV2",
    "AssetFaceDeleteV1",
    "UserMetadataV1",
    "UserMetadataDeleteV1",
    "SyncAckV1",
    "SyncResetV1",
    "SyncCompleteV1",
];

/// A client's stored checkpoint is older than this: it is told to start over, because audit
/// rows older than this may be gone.
pub const RESET_AFTER_DAYS: i64 = 30;

/// What a sync stream yields (`SyncRepo::stream_sync`).
#[derive(Debug, Clone)]
pub enum SyncEvent {
    Row(SyncItem),
    /// Every row was read: the cursor that stands for "now" (acked as `SyncCompleteV1`). Always
    /// the last item.
    Complete(String),
}

/// One streamed row and the cursor that acknowledges it.
#[derive(Debug, Clone)]
pub struct SyncItem {
    pub row: SyncRow,
    /// The row's `update_id` (or the audit row's id for deletes).
    pub update_id: String,
}

#[derive(Debug, Clone)]
pub enum SyncRow {
    AuthUser(Box<User>),
    User(Box<User>),
    UserDelete(Uuid),
    Asset(Box<Asset>),
    AssetDelete(Uuid),
    AssetExif(Uuid, Box<ExifInfo>),
    Album(Box<Album>),
    AlbumDelete(Uuid),
    AlbumToAsset {
        album_id: Uuid,
        asset_id: Uuid,
    },
    AlbumToAssetDelete {
        album_id: Uuid,
        asset_id: Uuid,
    },
    AlbumUser {
        album_id: Uuid,
        user_id: Uuid,
        role: AlbumRole,
    },
    AlbumUserDelete {
        album_id: Uuid,
        user_id: Uuid,
    },
    /// Another user's asset in an album shared with this one.
    AlbumAsset(Box<Asset>),
    AlbumAssetExif(Uuid, Box<ExifInfo>),
    /// A partnership the user is in, either way.
    Partner {
        shared_by_id: Uuid,
        shared_with_id: Uuid,
        in_timeline: bool,
    },
    PartnerDelete {
        shared_by_id: Uuid,
        shared_with_id: Uuid,
    },
    /// An asset of someone who shares their library with the user.
    PartnerAsset(Box<Asset>),
    PartnerAssetDelete(Uuid),
    PartnerAssetExif(Uuid, Box<ExifInfo>),
    /// A key of client metadata on one of the user's assets; the value a JSON object's text.
    AssetMetadata {
        asset_id: Uuid,
        key: String,
        value: String,
    },
    AssetMetadataDelete {
        asset_id: Uuid,
        key: String,
    },
    /// One of the user's stacks (its members are the assets' `stackId`).
    Stack(Box<Stack>),
    StackDelete(Uuid),
    /// A stack of someone who shares their library with the user.
    PartnerStack(Box<Stack>),
    PartnerStackDelete(Uuid),
    /// One of the user's memories (without its assets: those come as MemoryToAsset rows).
    Memory(Box<Memory>),
    MemoryDelete(Uuid),
    MemoryToAsset {
        memory_id: Uuid,
        asset_id: Uuid,
    },
    MemoryToAssetDelete {
        memory_id: Uuid,
        asset_id: Uuid,
    },
    /// One of the user's assets' edits.
    AssetEdit(Box<AssetEdit>),
    /// A removed edit, by its id.
    AssetEditDelete(Uuid),
    /// One of the user's people.
    Person(Box<Person>),
    PersonDelete(Uuid),
    /// A face on one of the user's assets, soft-deleted ones included (`deletedAt`).
    AssetFace(Box<Face>),
    /// A face deleted for good, by its id.
    AssetFaceDelete(Uuid),
}

impl SyncRow {
    /// The line's `type` (a `SyncEntityType`), which is also its checkpoint's name.
    pub fn entity_type(&self) -> &'static str {
        match self {
            SyncRow::AuthUser(_) => "AuthUserV1",
            SyncRow::User(_) => "UserV1",
            SyncRow::UserDelete(_) => "UserDeleteV1",
            SyncRow::Asset(_) => "AssetV2",
            SyncRow::AssetDelete(_) => "AssetDeleteV1",
            SyncRow::AssetExif(..) => "AssetExifV1",
            SyncRow::Album(_) => "AlbumV2",
            SyncRow::AlbumDelete(_) => "AlbumDeleteV1",
            SyncRow::AlbumToAsset { .. } => "AlbumToAssetV1",
            SyncRow::AlbumToAssetDelete { .. } => "AlbumToAssetDeleteV1",
            SyncRow::AlbumUser { .. } => "AlbumUserV1",
            SyncRow::AlbumUserDelete { .. } => "AlbumUserDeleteV1",
            SyncRow::AlbumAsset(_) => "AlbumAssetCreateV2",
            SyncRow::AlbumAssetExif(..) => "AlbumAssetExifCreateV1",
            SyncRow::Partner { .. } => "PartnerV1",
            SyncRow::PartnerDelete { .. } => "PartnerDeleteV1",
            SyncRow::PartnerAsset(_) => "PartnerAssetV2",
            SyncRow::PartnerAssetDelete(_) => "PartnerAssetDeleteV1",
            SyncRow::PartnerAssetExif(..) => "PartnerAssetExifV1",
            SyncRow::AssetMetadata { .. } => "AssetMetadataV1",
            SyncRow::AssetMetadataDelete { .. } => "AssetMetadataDeleteV1",
            SyncRow::Stack(_) => "StackV1",
            SyncRow::StackDelete(_) => "StackDeleteV1",
            SyncRow::PartnerStack(_) => "PartnerStackV1",
            SyncRow::PartnerStackDelete(_) => "PartnerStackDeleteV1",
            SyncRow::Memory(_) => "MemoryV1",
            SyncRow::MemoryDelete(_) => "MemoryDeleteV1",
            SyncRow::MemoryToAsset { .. } => "MemoryToAssetV1",
            SyncRow::MemoryToAssetDelete { .. } => "MemoryToAssetDeleteV1",
            SyncRow::AssetEdit(_) => "AssetEditV1",
            SyncRow::AssetEditDelete(_) => "AssetEditDeleteV1",
            SyncRow::Person(_) => "PersonV1",
            SyncRow::PersonDelete(_) => "PersonDeleteV1",
            SyncRow::AssetFace(_) => "AssetFaceV2",
            SyncRow::AssetFaceDelete(_) => "AssetFaceDeleteV1",
        }
    }
}

/// What to stream: for whom, which request types (in any order; the catalog streams them in
/// `REQUEST_TYPES_IN_ORDER`), and the checkpoints by entity type.
#[derive(Debug, Clone)]
pub struct SyncQuery {
    pub user_id: Uuid,
    pub types: Vec<String>,
    pub checkpoints: HashMap<String, String>,
}

impl SyncQuery {
    pub fn wants(&self, request_type: &str) -> bool {
        self.types.iter().any(|t| t == request_type)
    }

    /// Rows after this cursor are new to the client; the nil UUID (all zeros) is before any.
    pub fn after(&self, entity_type: &str) -> &str {
        self.checkpoints
            .get(entity_type)
            .map(String::as_str)
            .unwrap_or("00000000-0000-0000-0000-000000000000")
    }
}

/// Splits an ack (`<EntityType>|<updateId>[|<extraId>]`) into its type and cursor; `None` when
/// the type is not one Immich knows or the cursor is missing.
pub fn parse_ack(ack: &str) -> Option<(&str, &str)> {
    let mut parts = ack.splitn(3, '|');
    let kind = parts.next()?;
    let cursor = parts.next()?;
    (ENTITY_TYPES.contains(&kind) && !cursor.is_empty()).then_some((kind, cursor))
}

/// The time a UUIDv7 was made, in Unix milliseconds (`None` for other UUIDs).
pub fn v7_millis(id: &str) -> Option<u64> {
    let id = Uuid::parse_str(id).ok()?;
    (id.get_version_num() == 7).then(|| (id.as_u128() >> 80) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acks_are_checked() {
        assert_eq!(
            parse_ack("AssetV2|0190c2a8-0000-7000-8000-000000000000"),
            Some(("AssetV2", "0190c2a8-0000-7000-8000-000000000000"))
        );
        assert_eq!(
            parse_ack("AlbumAssetBackfillV1|x|complete"),
            Some(("AlbumAssetBackfillV1", "x"))
        );
        assert_eq!(parse_ack("Nonsense|x"), None);
        assert_eq!(parse_ack("AssetV2"), None);
        assert_eq!(parse_ack("AssetV2|"), None);
    }

    #[test]
    fn v7_time_is_read() {
        let id = Uuid::now_v7();
        let millis = v7_millis(&id.to_string()).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        assert!(now.abs_diff(millis) < 5_000);
        assert_eq!(v7_millis(&Uuid::new_v4().to_string()), None);
    }

    #[test]
    fn every_request_type_of_the_spec_is_known() {
        let spec: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../spec/immich-openapi-3.1.0.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let schemas = &spec["components"]["schemas"];
        let mut requests: Vec<&str> = schemas["SyncRequestType"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let mut ours = REQUEST_TYPES_IN_ORDER.to_vec();
        requests.sort();
        ours.sort();
        assert_eq!(ours, requests);
        let entities: Vec<&str> = schemas["SyncEntityType"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(ENTITY_TYPES, entities.as_slice());
    }
}
