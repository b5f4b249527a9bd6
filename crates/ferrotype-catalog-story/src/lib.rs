//! One behaviour suite for every catalog backend, in the style of atuin's `tests-database`: each
//! `pub async fn` is the story of one port area, told through `Catalog` alone, so SQLite
//! (`ferrotype-catalog/tests/story.rs`) and any later backend run the very same assertions. Each
//! story wants a fresh, empty catalog from its caller's factory.

use std::collections::HashMap;

use chrono::{Duration, SubsecRound, TimeZone, Utc};
use ferrotype_core::catalog::AssetCopy;
use ferrotype_core::catalog::prelude::*;
use ferrotype_core::jobs::payloads::{ExtractMetadataJob, GenerateThumbnailsJob};
use ferrotype_core::jobs::{JobEnd, JobState, NewJob, QueueName};
use ferrotype_core::model::*;
use ferrotype_core::notifications::{Notification, NotificationFilter};
use ferrotype_core::permissions::Permission;
use ferrotype_core::places::PlaceNames;
use ferrotype_core::sync::{SyncEvent, SyncItem, SyncQuery, SyncRow};
use uuid::Uuid;

/// Now, to the millisecond: what every backend keeps of a time (Immich's precision).
pub fn now() -> Timestamp {
    Utc::now().trunc_subsecs(3)
}

/// A user as account creation makes one (no password: stories do not log in).
pub fn user(email: &str) -> User {
    let now = now();
    User {
        id: Uuid::new_v4(),
        email: email.to_string(),
        name: email.split('@').next().unwrap_or(email).to_string(),
        password_hash: None,
        is_admin: false,
        avatar_color: "primary".to_string(),
        profile_image_path: String::new(),
        profile_changed_at: now,
        should_change_password: false,
        storage_label: None,
        oauth_id: String::new(),
        quota_size_in_bytes: None,
        quota_usage_in_bytes: 0,
        status: UserStatus::Active,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    }
}

/// An image of `owner` taken at `taken`, with a checksum made from `seed`.
pub fn asset(owner: Uuid, seed: &str, taken: Timestamp) -> Asset {
    let id = Uuid::new_v4();
    Asset {
        id,
        owner_id: owner,
        asset_type: AssetType::Image,
        original_path: format!("upload/{owner}/{id}.jpg"),
        original_file_name: format!("{seed}.jpg"),
        checksum: seed.as_bytes().to_vec(),
        file_size: 1000,
        file_created_at: taken,
        file_modified_at: taken,
        local_date_time: taken,
        created_at: now(),
        updated_at: now(),
        deleted_at: None,
        visibility: Visibility::Timeline,
        is_favorite: false,
        duration_ms: None,
        live_photo_video_id: None,
        sidecar_path: None,
        device_asset_id: Some(seed.to_string()),
        device_id: Some("story".to_string()),
        width: Some(4),
        height: Some(3),
        thumbhash: None,
        stack_id: None,
        is_edited: false,
    }
}

fn day(y: i32, m: u32, d: u32) -> Timestamp {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

async fn stored_user(c: &dyn Catalog, email: &str) -> User {
    let u = user(email);
    c.create_user(&u).await.unwrap();
    u
}

async fn stored_asset(c: &dyn Catalog, owner: Uuid, seed: &str, taken: Timestamp) -> Asset {
    let a = asset(owner, seed, taken);
    assert_eq!(
        c.insert_asset(&a, &[], &[]).await.unwrap(),
        InsertOutcome::Created
    );
    a
}

/// Users: the first admin once, emails unique (case-insensitively found), changes, soft deletion,
/// metadata by key.
pub async fn users(c: &dyn Catalog) {
    assert!(!c.admin_exists().await.unwrap());
    let mut admin = user("admin@example.com");
    admin.is_admin = true;
    assert!(c.create_first_admin(&admin).await.unwrap());
    let mut second = user("second-admin@example.com");
    second.is_admin = true;
    assert!(!c.create_first_admin(&second).await.unwrap());
    assert!(c.admin_exists().await.unwrap());

    let ann = stored_user(c, "ann@example.com").await;
    let found = c.user_by_email("ANN@example.com").await.unwrap().unwrap();
    assert_eq!(found.id, ann.id);
    assert_eq!(
        c.user_by_id(ann.id).await.unwrap().unwrap().email,
        ann.email
    );
    assert!(c.user_by_id(Uuid::new_v4()).await.unwrap().is_none());

    let mut twin = user("ann@example.com");
    twin.name = "Another Ann".into();
    assert!(matches!(
        c.create_user(&twin).await,
        Err(CatalogError::Conflict(_))
    ));
    let bob = stored_user(c, "bob@example.com").await;
    let taken = UserChange {
        email: Some("ann@example.com".into()),
        ..Default::default()
    };
    assert!(matches!(
        c.update_user(bob.id, &taken).await,
        Err(CatalogError::Conflict(_))
    ));
    let rename = UserChange {
        name: Some("Robert".into()),
        quota_size_in_bytes: Some(Some(10_000)),
        ..Default::default()
    };
    c.update_user(bob.id, &rename).await.unwrap();
    let bob_now = c.user_by_id(bob.id).await.unwrap().unwrap();
    assert_eq!(bob_now.name, "Robert");
    assert_eq!(bob_now.quota_size_in_bytes, Some(10_000));

    c.set_password(bob.id, "$argon2id$fake").await.unwrap();
    assert_eq!(
        c.user_by_id(bob.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .as_deref(),
        Some("$argon2id$fake")
    );

    let listed: Vec<Uuid> = c.users(false).await.unwrap().iter().map(|u| u.id).collect();
    assert_eq!(
        listed,
        vec![admin.id, ann.id, bob.id],
        "in order of creation"
    );

    let deleted_at = now() - Duration::days(10);
    let soft = UserChange {
        deleted_at: Some(Some(deleted_at)),
        status: Some(UserStatus::Deleted),
        ..Default::default()
    };
    c.update_user(bob.id, &soft).await.unwrap();
    assert_eq!(
        c.user_by_id(bob.id).await.unwrap().unwrap().status,
        UserStatus::Deleted
    );
    assert_eq!(c.users(false).await.unwrap().len(), 2);
    assert_eq!(c.users(true).await.unwrap().len(), 3);
    assert_eq!(
        c.users_deleted_before(now() - Duration::days(7))
            .await
            .unwrap(),
        vec![bob.id]
    );
    assert!(
        c.users_deleted_before(now() - Duration::days(30))
            .await
            .unwrap()
            .is_empty()
    );

    let value = serde_json::json!({ "albums": { "defaultAssetOrder": "asc" } });
    assert!(
        c.user_metadata(ann.id, "preferences")
            .await
            .unwrap()
            .is_none()
    );
    c.set_user_metadata(ann.id, "preferences", &value)
        .await
        .unwrap();
    assert_eq!(
        c.user_metadata(ann.id, "preferences").await.unwrap(),
        Some(value)
    );
    c.delete_user_metadata(ann.id, "preferences").await.unwrap();
    assert!(
        c.user_metadata(ann.id, "preferences")
            .await
            .unwrap()
            .is_none()
    );

    c.delete_user(bob.id).await.unwrap();
    assert!(c.user_by_id(bob.id).await.unwrap().is_none());
    assert_eq!(c.users(true).await.unwrap().len(), 2);
}

/// System metadata by key and the version history (a repeated latest version is not added).
pub async fn system(c: &dyn Catalog) {
    let value = serde_json::json!({ "ffmpeg": { "crf": 30 } });
    assert!(c.system_metadata("system-config").await.unwrap().is_none());
    c.set_system_metadata("system-config", &value)
        .await
        .unwrap();
    assert_eq!(
        c.system_metadata("system-config").await.unwrap(),
        Some(value)
    );
    c.delete_system_metadata("system-config").await.unwrap();
    assert!(c.system_metadata("system-config").await.unwrap().is_none());

    assert!(c.record_version("1.0.0").await.unwrap());
    assert!(!c.record_version("1.0.0").await.unwrap());
    assert!(c.record_version("1.1.0").await.unwrap());
    let history: Vec<String> = c
        .version_history()
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.version)
        .collect();
    assert_eq!(history, vec!["1.1.0", "1.0.0"], "newest first");
}

fn session(user_id: Uuid, at: Timestamp) -> Session {
    Session {
        id: Uuid::new_v4(),
        user_id,
        device_type: "Story".into(),
        device_os: "Linux".into(),
        app_version: None,
        created_at: at,
        updated_at: at,
        parent_id: None,
        expires_at: None,
        pin_expires_at: None,
        is_pending_sync_reset: false,
    }
}

/// Sessions found by token hash with their user, PIN unlocks and locks, deletion.
pub async fn sessions(c: &dyn Catalog) {
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let older = session(ann.id, now() - Duration::hours(1));
    let newer = session(ann.id, now());
    let bobs = session(bob.id, now());
    c.create_session(&older, b"token-older").await.unwrap();
    c.create_session(&newer, b"token-newer").await.unwrap();
    c.create_session(&bobs, b"token-bob").await.unwrap();

    let (found, owner) = c
        .session_by_token_hash(b"token-newer")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, owner.id), (newer.id, ann.id));
    assert!(c.session_by_token_hash(b"nope").await.unwrap().is_none());
    let ids: Vec<Uuid> = c
        .sessions_of(ann.id)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, vec![newer.id, older.id], "newest first");

    let until = now() + Duration::minutes(15);
    let unlock = SessionChange {
        pin_expires_at: Some(Some(until)),
        is_pending_sync_reset: Some(true),
    };
    c.update_session(newer.id, &unlock).await.unwrap();
    let (s, _) = c
        .session_by_token_hash(b"token-newer")
        .await
        .unwrap()
        .unwrap();
    assert!(s.is_elevated(now()));
    assert!(s.is_pending_sync_reset);
    c.lock_sessions_of(ann.id).await.unwrap();
    let (s, _) = c
        .session_by_token_hash(b"token-newer")
        .await
        .unwrap()
        .unwrap();
    assert!(!s.is_elevated(now()));

    assert!(c.pin_code_hash(ann.id).await.unwrap().is_none());
    c.set_pin_code_hash(ann.id, Some("$argon2id$pin"))
        .await
        .unwrap();
    assert_eq!(
        c.pin_code_hash(ann.id).await.unwrap().as_deref(),
        Some("$argon2id$pin")
    );
    c.set_pin_code_hash(ann.id, None).await.unwrap();
    assert!(c.pin_code_hash(ann.id).await.unwrap().is_none());

    assert!(
        !c.delete_session_of(bob.id, newer.id).await.unwrap(),
        "not theirs"
    );
    assert_eq!(
        c.delete_sessions_of(ann.id, Some(newer.id)).await.unwrap(),
        1
    );
    assert!(
        c.session_by_token_hash(b"token-older")
            .await
            .unwrap()
            .is_none()
    );
    assert!(c.delete_session_of(ann.id, newer.id).await.unwrap());
    c.delete_session(bobs.id).await.unwrap();
    assert!(
        c.session_by_token_hash(b"token-bob")
            .await
            .unwrap()
            .is_none()
    );
}

/// API keys found by secret hash with their user; listed, renamed and deleted only by their owner.
pub async fn api_keys(c: &dyn Catalog) {
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let now = now();
    let mut key = ApiKey {
        id: Uuid::new_v4(),
        name: "cli".into(),
        user_id: ann.id,
        permissions: vec![Permission::All],
        created_at: now,
        updated_at: now,
    };
    c.create_api_key(&key, b"secret").await.unwrap();
    let (found, owner) = c.api_key_by_secret_hash(b"secret").await.unwrap().unwrap();
    assert_eq!((found.id, owner.id), (key.id, ann.id));
    assert_eq!(found.permissions, vec![Permission::All]);
    assert_eq!(c.api_keys_of(ann.id).await.unwrap().len(), 1);
    assert!(c.api_key(bob.id, key.id).await.unwrap().is_none());

    key.name = "renamed".into();
    key.permissions = vec![Permission::AssetRead, Permission::AssetUpload];
    c.update_api_key(&key).await.unwrap();
    let stored = c.api_key(ann.id, key.id).await.unwrap().unwrap();
    assert_eq!(stored.name, "renamed");
    assert_eq!(
        stored.permissions,
        vec![Permission::AssetRead, Permission::AssetUpload]
    );

    assert!(!c.delete_api_key(bob.id, key.id).await.unwrap());
    assert!(c.delete_api_key(ann.id, key.id).await.unwrap());
    assert!(!c.delete_api_key(ann.id, key.id).await.unwrap());
    assert!(c.api_key_by_secret_hash(b"secret").await.unwrap().is_none());
}

/// Uploads (intents cleared by the insert, a duplicate checksum refused per owner), usage, edits,
/// the trash and its restoring, and deleting for good with the files left to delete.
pub async fn assets(c: &dyn Catalog) {
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let first = asset(ann.id, "first", day(2024, 5, 1));
    c.record_upload_intent(&first.original_path).await.unwrap();
    assert_eq!(
        c.pending_upload_intents().await.unwrap(),
        vec![first.original_path.clone()]
    );
    let metadata = vec![("mobile-app".to_string(), r#"{"iCloudId":"x"}"#.to_string())];
    let job = NewJob::of(&ExtractMetadataJob::new(first.id));
    assert_eq!(
        c.insert_asset(&first, &metadata, std::slice::from_ref(&job))
            .await
            .unwrap(),
        InsertOutcome::Created
    );
    assert!(c.pending_upload_intents().await.unwrap().is_empty());
    assert_eq!(c.asset(first.id).await.unwrap().unwrap(), first);
    let stored_metadata = c.asset_metadata(first.id).await.unwrap();
    assert_eq!(stored_metadata.len(), 1);
    assert_eq!(stored_metadata[0].0, "mobile-app");
    let queued = c.queue_status(QueueName::MetadataExtraction).await.unwrap();
    assert_eq!(queued.counts.waiting, 1, "the insert enqueued its job");
    assert_eq!(
        c.user_by_id(ann.id)
            .await
            .unwrap()
            .unwrap()
            .quota_usage_in_bytes,
        first.file_size
    );

    let again = asset(ann.id, "first", day(2024, 5, 2));
    assert_eq!(
        c.insert_asset(&again, &[], &[]).await.unwrap(),
        InsertOutcome::Duplicate(first.id)
    );
    assert!(c.asset(again.id).await.unwrap().is_none());
    // Another owner may hold the same file.
    stored_asset(c, bob.id, "first", day(2024, 5, 3)).await;
    let matches = c
        .assets_by_checksums(ann.id, &[b"first".to_vec(), b"none".to_vec()])
        .await
        .unwrap();
    assert_eq!(matches.len(), 1);
    assert_eq!(
        (matches[0].asset_id, matches[0].is_trashed),
        (first.id, false)
    );

    let second = stored_asset(c, ann.id, "second", day(2024, 6, 1)).await;
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    assert_eq!(
        c.daily_asset_counts(ann.id, date(2024, 5, 1), date(2024, 7, 1), true)
            .await
            .unwrap(),
        vec![(date(2024, 5, 1), 1), (date(2024, 6, 1), 1)],
        "by the day taken, days without any left out"
    );
    assert!(
        c.daily_asset_counts(ann.id, date(2024, 5, 2), date(2024, 6, 1), true)
            .await
            .unwrap()
            .is_empty(),
        "the end is excluded"
    );
    let today = now().date_naive();
    assert_eq!(
        c.daily_asset_counts(ann.id, today, today + Duration::days(1), false)
            .await
            .unwrap(),
        vec![(today, 2)],
        "by the day uploaded"
    );
    let favourite = AssetChange {
        is_favorite: Some(true),
        ..Default::default()
    };
    assert_eq!(
        c.update_assets(ann.id, &[first.id, second.id], &favourite)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        c.update_assets(bob.id, &[first.id], &favourite)
            .await
            .unwrap(),
        0
    );
    assert!(c.asset(first.id).await.unwrap().unwrap().is_favorite);
    let stats = c
        .asset_stats(ann.id, &AssetStatsFilter::default())
        .await
        .unwrap();
    assert_eq!(stats.images, 2);

    assert_eq!(
        c.trash_assets(bob.id, &[first.id]).await.unwrap(),
        0,
        "not theirs"
    );
    assert_eq!(
        c.trash_assets(ann.id, &[first.id, second.id])
            .await
            .unwrap(),
        2
    );
    assert!(
        c.asset(first.id)
            .await
            .unwrap()
            .unwrap()
            .deleted_at
            .is_some()
    );
    let matches = c
        .assets_by_checksums(ann.id, &[b"first".to_vec()])
        .await
        .unwrap();
    assert!(matches[0].is_trashed);
    assert_eq!(
        c.restore_assets(ann.id, Some(&[first.id])).await.unwrap(),
        1
    );
    assert!(
        c.asset(first.id)
            .await
            .unwrap()
            .unwrap()
            .deleted_at
            .is_none()
    );

    let purged = c
        .purge_assets(&PurgeSelection::Trash { owner_id: ann.id })
        .await
        .unwrap();
    assert_eq!(purged.len(), 1);
    assert_eq!(purged[0].id, second.id);
    assert!(purged[0].files.contains(&second.original_path));
    assert!(c.asset(second.id).await.unwrap().is_none());
    // Its files wait to be deleted, recorded with the purge.
    assert!(
        c.pending_upload_intents()
            .await
            .unwrap()
            .contains(&second.original_path)
    );
    for file in &purged[0].files {
        c.clear_upload_intent(file).await.unwrap();
    }
    assert!(c.pending_upload_intents().await.unwrap().is_empty());
    assert_eq!(
        c.user_by_id(ann.id)
            .await
            .unwrap()
            .unwrap()
            .quota_usage_in_bytes,
        first.file_size
    );

    let purged = c
        .purge_assets(&PurgeSelection::Owner { owner_id: ann.id })
        .await
        .unwrap();
    assert_eq!(purged.len(), 1);
    assert!(c.asset(first.id).await.unwrap().is_none());
}

fn album(owner: Uuid, name: &str) -> Album {
    let now = now();
    Album {
        id: Uuid::new_v4(),
        owner_id: owner,
        name: name.into(),
        description: String::new(),
        thumbnail_asset_id: None,
        is_activity_enabled: true,
        order: "desc".into(),
        created_at: now,
        updated_at: now,
    }
}

/// Albums: adding only one's own assets, members and what they may see, removing, deleting.
pub async fn albums(c: &dyn Catalog) {
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let mine = stored_asset(c, ann.id, "mine", day(2024, 5, 1)).await;
    let theirs = stored_asset(c, bob.id, "theirs", day(2024, 5, 2)).await;
    let trip = album(ann.id, "Trip");
    c.create_album(&trip).await.unwrap();

    let added = c
        .add_album_assets(trip.id, ann.id, &[mine.id, theirs.id])
        .await
        .unwrap();
    assert_eq!(
        added,
        vec![
            (mine.id, AlbumAddResult::Added),
            (theirs.id, AlbumAddResult::NoPermission)
        ]
    );
    let again = c
        .add_album_assets(trip.id, ann.id, &[mine.id])
        .await
        .unwrap();
    assert_eq!(again, vec![(mine.id, AlbumAddResult::AlreadyThere)]);
    assert!(c.album_contains(trip.id, mine.id).await.unwrap());
    assert!(!c.album_contains(trip.id, theirs.id).await.unwrap());
    let summary = c.album(trip.id).await.unwrap().unwrap();
    assert_eq!(summary.asset_count, 1);
    assert_eq!(summary.owner.id, ann.id);
    assert!(!summary.is_shared());

    assert!(!c.asset_in_shared_album(bob.id, mine.id).await.unwrap());
    assert!(c.albums_of(bob.id, None).await.unwrap().is_empty());
    assert!(
        c.add_album_members(trip.id, &[(bob.id, AlbumRole::Editor)])
            .await
            .unwrap()
    );
    assert!(
        !c.add_album_members(trip.id, &[(bob.id, AlbumRole::Viewer)])
            .await
            .unwrap(),
        "already a member"
    );
    assert!(c.asset_in_shared_album(bob.id, mine.id).await.unwrap());
    let bobs: Vec<Uuid> = c
        .albums_of(bob.id, Some(mine.id))
        .await
        .unwrap()
        .iter()
        .map(|a| a.album.id)
        .collect();
    assert_eq!(bobs, vec![trip.id]);
    assert!(
        c.albums_of(bob.id, Some(theirs.id))
            .await
            .unwrap()
            .is_empty()
    );
    let members = c.album(trip.id).await.unwrap().unwrap().members;
    assert_eq!(members.len(), 1);
    assert_eq!(
        (members[0].user.id, members[0].role),
        (bob.id, AlbumRole::Editor)
    );

    // An editor adds their own asset; they may remove only their own.
    let added = c
        .add_album_assets(trip.id, bob.id, &[theirs.id])
        .await
        .unwrap();
    assert_eq!(added, vec![(theirs.id, AlbumAddResult::Added)]);
    assert_eq!(c.album_contributor_counts(trip.id).await.unwrap().len(), 2);
    let removed = c
        .remove_album_assets(trip.id, bob.id, false, &[mine.id, theirs.id])
        .await
        .unwrap();
    assert_eq!(
        removed,
        vec![
            (mine.id, AlbumRemoveResult::NoPermission),
            (theirs.id, AlbumRemoveResult::Removed)
        ]
    );
    let removed = c
        .remove_album_assets(trip.id, ann.id, true, &[theirs.id])
        .await
        .unwrap();
    assert_eq!(removed, vec![(theirs.id, AlbumRemoveResult::NotInAlbum)]);

    assert!(
        c.set_album_member_role(trip.id, bob.id, AlbumRole::Viewer)
            .await
            .unwrap()
    );
    let change = AlbumChange {
        name: Some("Summer trip".into()),
        ..Default::default()
    };
    c.update_album(trip.id, &change).await.unwrap();
    assert_eq!(
        c.album(trip.id).await.unwrap().unwrap().album.name,
        "Summer trip"
    );
    assert_eq!(
        c.assets_for_download(None, Some(trip.id))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(c.remove_album_member(trip.id, bob.id).await.unwrap());
    assert!(!c.remove_album_member(trip.id, bob.id).await.unwrap());
    assert!(!c.asset_in_shared_album(bob.id, mine.id).await.unwrap());

    c.delete_album(trip.id).await.unwrap();
    assert!(c.album(trip.id).await.unwrap().is_none());
    assert!(c.asset(mine.id).await.unwrap().is_some(), "its assets stay");
}

fn link(owner: Uuid, kind: SharedLinkType, album_id: Option<Uuid>, key: &[u8]) -> SharedLink {
    SharedLink {
        id: Uuid::new_v4(),
        user_id: owner,
        key: key.to_vec(),
        slug: None,
        link_type: kind,
        album_id,
        description: None,
        password: None,
        expires_at: None,
        allow_upload: false,
        allow_download: true,
        show_exif: true,
        created_at: now(),
    }
}

/// Shared links: found by key and slug, slugs unique, what a link reaches, changing its assets.
pub async fn shared_links(c: &dyn Catalog) {
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let one = stored_asset(c, ann.id, "one", day(2024, 5, 1)).await;
    let two = stored_asset(c, ann.id, "two", day(2024, 5, 2)).await;
    let bobs = stored_asset(c, bob.id, "bobs", day(2024, 5, 3)).await;

    let mut individual = link(ann.id, SharedLinkType::Individual, None, b"key-one");
    individual.slug = Some("holiday".into());
    c.create_shared_link(&individual, &[one.id]).await.unwrap();
    assert_eq!(
        c.shared_link_by_key(b"key-one").await.unwrap().unwrap().id,
        individual.id
    );
    assert_eq!(
        c.shared_link_by_slug("holiday").await.unwrap().unwrap().id,
        individual.id
    );
    assert_eq!(
        c.shared_link(individual.id).await.unwrap().unwrap(),
        individual
    );
    let mut clash = link(ann.id, SharedLinkType::Individual, None, b"key-two");
    clash.slug = Some("holiday".into());
    assert!(matches!(
        c.create_shared_link(&clash, &[]).await,
        Err(CatalogError::Conflict(_))
    ));

    assert!(c.shared_link_reaches(&individual, one.id).await.unwrap());
    assert!(!c.shared_link_reaches(&individual, two.id).await.unwrap());
    let changed = c
        .change_shared_link_assets(&individual, &[two.id, one.id, bobs.id], true)
        .await
        .unwrap();
    assert_eq!(
        changed,
        vec![
            (two.id, LinkAssetResult::Done),
            (one.id, LinkAssetResult::Duplicate),
            (bobs.id, LinkAssetResult::NotFound)
        ]
    );
    let shown: Vec<Uuid> = c
        .shared_link_assets(individual.id)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(shown, vec![one.id, two.id], "oldest first");

    let trip = album(ann.id, "Trip");
    c.create_album(&trip).await.unwrap();
    c.add_album_assets(trip.id, ann.id, &[two.id])
        .await
        .unwrap();
    let of_album = link(ann.id, SharedLinkType::Album, Some(trip.id), b"key-album");
    c.create_shared_link(&of_album, &[]).await.unwrap();
    assert!(c.shared_link_reaches(&of_album, two.id).await.unwrap());
    assert!(!c.shared_link_reaches(&of_album, one.id).await.unwrap());
    assert!(c.album(trip.id).await.unwrap().unwrap().has_shared_link);

    let ids: Vec<Uuid> = c
        .shared_links_of(ann.id, None)
        .await
        .unwrap()
        .iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(
        c.shared_links_of(ann.id, Some(trip.id))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(c.shared_links_of(bob.id, None).await.unwrap().is_empty());

    let mut renamed = individual.clone();
    renamed.slug = Some("trip".into());
    renamed.description = Some("Our trip".into());
    c.update_shared_link(&renamed).await.unwrap();
    assert!(c.shared_link_by_slug("holiday").await.unwrap().is_none());
    let mut taken = of_album.clone();
    taken.slug = Some("trip".into());
    assert!(matches!(
        c.update_shared_link(&taken).await,
        Err(CatalogError::Conflict(_))
    ));

    c.delete_shared_link(individual.id).await.unwrap();
    assert!(c.shared_link(individual.id).await.unwrap().is_none());
    assert!(c.shared_link_by_key(b"key-one").await.unwrap().is_none());
}

fn job(queue: QueueName, key: &str) -> NewJob {
    NewJob {
        queue,
        name: "StoryJob",
        asset_id: None,
        payload: serde_json::json!({ "key": key }),
        dedupe_key: Some(key.to_string()),
        max_attempts: 3,
        delay: None,
    }
}

/// The queue: deduplicated enqueueing, claiming in order, completing, failing with and without
/// a retry, releasing, pausing, emptying and clearing.
pub async fn jobs(c: &dyn Catalog) {
    let q = QueueName::MetadataExtraction;
    assert_eq!(
        c.enqueue_jobs(&[job(q, "a"), job(q, "b"), job(q, "a")])
            .await
            .unwrap(),
        2,
        "a waiting duplicate is skipped"
    );
    assert_eq!(c.enqueue_jobs(&[job(q, "a")]).await.unwrap(), 0);
    assert_eq!(c.queue_status(q).await.unwrap().counts.waiting, 2);
    assert!(
        c.claim_job(QueueName::ThumbnailGeneration, "w", LEASE)
            .await
            .unwrap()
            .is_none()
    );

    let a = c.claim_job(q, "w", LEASE).await.unwrap().unwrap();
    assert_eq!((a.payload["key"].as_str(), a.attempts), (Some("a"), 1));
    let counts = c.queue_status(q).await.unwrap().counts;
    assert_eq!((counts.active, counts.waiting), (1, 1));
    c.complete_job(a.id, "w").await.unwrap();
    let counts = c.queue_status(q).await.unwrap().counts;
    assert_eq!((counts.active, counts.completed), (0, 1));
    // Done, so the same key may be enqueued again.
    assert_eq!(c.enqueue_jobs(&[job(q, "a")]).await.unwrap(), 1);

    let b = c.claim_job(q, "w", LEASE).await.unwrap().unwrap();
    assert_eq!(b.payload["key"].as_str(), Some("b"), "oldest first");
    c.fail_job(b.id, "w", "busy", Some(now() + Duration::hours(1)))
        .await
        .unwrap();
    let delayed = c.list_jobs(q, &[JobState::Delayed], 10).await.unwrap();
    assert_eq!(delayed.len(), 1);
    assert_eq!(delayed[0].0.last_error.as_deref(), Some("busy"));
    assert_eq!(c.queue_status(q).await.unwrap().counts.delayed, 1);

    let a2 = c.claim_job(q, "w", LEASE).await.unwrap().unwrap();
    assert_eq!(a2.payload["key"].as_str(), Some("a"));
    assert!(
        c.claim_job(q, "w", LEASE).await.unwrap().is_none(),
        "b waits for its retry"
    );
    c.release_job(a2.id, "w").await.unwrap();
    let a3 = c.claim_job(q, "w", LEASE).await.unwrap().unwrap();
    assert_eq!((a3.id, a3.attempts), (a2.id, 1), "a release does not count");
    c.fail_job(a3.id, "w", "corrupt", None).await.unwrap();
    let failed = c.list_jobs(q, &[JobState::Failed], 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].0.last_error.as_deref(), Some("corrupt"));
    assert_eq!(c.clear_failed_jobs(q).await.unwrap(), 1);

    c.set_queue_paused(q, true).await.unwrap();
    c.enqueue_jobs(&[job(q, "c")]).await.unwrap();
    assert!(c.queue_status(q).await.unwrap().is_paused);
    assert!(
        c.claim_job(q, "w", LEASE).await.unwrap().is_none(),
        "paused"
    );
    c.set_queue_paused(q, false).await.unwrap();
    let cj = c.claim_job(q, "w", LEASE).await.unwrap().unwrap();
    assert_eq!(c.requeue_active_jobs().await.unwrap(), 1);
    assert_eq!(c.claim_job(q, "w", LEASE).await.unwrap().unwrap().id, cj.id);
    assert_eq!(c.empty_queue(q).await.unwrap(), 1, "the delayed b");
    assert!(
        c.list_jobs(q, &[JobState::Delayed], 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A claim's lease: while its worker renews it, only that worker may end the job; once it runs
/// out, the job goes back to the queue for another worker, and the first one's word no longer
/// counts.
pub async fn job_leases(c: &dyn Catalog) {
    let q = QueueName::MetadataExtraction;
    c.enqueue_jobs(&[job(q, "held"), job(q, "lost")])
        .await
        .unwrap();
    let held = c.claim_job(q, "w1", LEASE).await.unwrap().unwrap();
    let lost = c
        .claim_job(q, "w2", std::time::Duration::from_millis(1))
        .await
        .unwrap()
        .unwrap();

    // Only the holder ends a job.
    for refused in [
        c.complete_job(held.id, "w2").await,
        c.fail_job(held.id, "w2", "no", None).await,
        c.fail_job(held.id, "w2", "no", Some(now())).await,
        c.release_job(held.id, "w2").await,
    ] {
        assert!(
            matches!(refused, Err(CatalogError::Conflict(_))),
            "{refused:?}"
        );
    }
    assert!(!c.renew_job_lease(held.id, "w2", LEASE).await.unwrap());
    assert!(c.renew_job_lease(held.id, "w1", LEASE).await.unwrap());
    assert_eq!(c.queue_status(q).await.unwrap().counts.active, 2);

    // w2's lease runs out: its job is put back (the attempt not counted), w1's stays.
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(c.requeue_expired_jobs().await.unwrap(), 1);
    assert_eq!(c.requeue_expired_jobs().await.unwrap(), 0);
    let taken = c.claim_job(q, "w3", LEASE).await.unwrap().unwrap();
    assert_eq!((taken.id, taken.attempts), (lost.id, 1));
    assert!(
        !c.renew_job_lease(lost.id, "w2", LEASE).await.unwrap(),
        "taken over"
    );
    assert!(matches!(
        c.complete_job(lost.id, "w2").await,
        Err(CatalogError::Conflict(_))
    ));
    assert!(c.renew_job_lease(lost.id, "w3", LEASE).await.unwrap());
    c.complete_job(lost.id, "w3").await.unwrap();
    assert!(
        matches!(
            c.complete_job(lost.id, "w3").await,
            Err(CatalogError::Conflict(_))
        ),
        "an ended job is held by nobody"
    );
    c.complete_job(held.id, "w1").await.unwrap();
    let counts = c.queue_status(q).await.unwrap().counts;
    assert_eq!((counts.active, counts.waiting, counts.completed), (0, 0, 2));
}

/// A job's last write records its end in the same transaction: its completion by its holder
/// and the jobs that follow. A worker whose lease ran out writes nothing and enqueues nothing
/// (the run that took the job over does both, once), so a chain is never started twice.
pub async fn job_ends(c: &dyn Catalog) {
    let owner = stored_user(c, "ends@example.com").await;
    let photo = stored_asset(c, owner.id, "ends", day(2024, 5, 1)).await;
    let q = QueueName::MetadataExtraction;
    c.enqueue_jobs(&[NewJob::of(&ExtractMetadataJob::new(photo.id))])
        .await
        .unwrap();
    let lost = c
        .claim_job(q, "w1", std::time::Duration::from_millis(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lost.holder.as_deref(), Some("w1"));
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(c.requeue_expired_jobs().await.unwrap(), 1);
    let listed = c.list_jobs(q, &[JobState::Waiting], 10).await.unwrap();
    assert_eq!(listed[0].0.holder, None, "a waiting job has no holder");
    let taken = c.claim_job(q, "w2", LEASE).await.unwrap().unwrap();
    let next = || vec![NewJob::of(&GenerateThumbnailsJob::new(photo.id))];
    let found = ExifInfo {
        make: Some("Late".into()),
        ..Default::default()
    };

    for refused in [
        c.save_metadata(photo.id, &found, None, &JobEnd::of(&lost, next()))
            .await,
        c.save_thumbnails(photo.id, b"late", None, &JobEnd::of(&lost, next()))
            .await,
    ] {
        assert!(
            matches!(refused, Err(CatalogError::Conflict(_))),
            "{refused:?}"
        );
    }
    assert!(
        c.asset_exif(photo.id).await.unwrap().is_none(),
        "nothing written"
    );
    assert!(
        c.asset(photo.id)
            .await
            .unwrap()
            .unwrap()
            .thumbhash
            .is_none()
    );
    let thumbnails = QueueName::ThumbnailGeneration;
    assert_eq!(c.queue_status(thumbnails).await.unwrap().counts.waiting, 0);

    let kept = ExifInfo {
        make: Some("Kept".into()),
        ..Default::default()
    };
    c.save_metadata(photo.id, &kept, None, &JobEnd::of(&taken, next()))
        .await
        .unwrap();
    let counts = c.queue_status(q).await.unwrap().counts;
    assert_eq!((counts.active, counts.completed), (0, 1));
    assert_eq!(c.queue_status(thumbnails).await.unwrap().counts.waiting, 1);
    let exif = c.asset_exif(photo.id).await.unwrap().unwrap();
    assert_eq!(exif.make.as_deref(), Some("Kept"));
    assert!(
        matches!(
            c.save_metadata(photo.id, &found, None, &JobEnd::of(&taken, next()))
                .await,
            Err(CatalogError::Conflict(_))
        ),
        "an ended job ends once"
    );
    // A write outside any job only enqueues.
    c.save_thumbnails(photo.id, b"hash", None, &JobEnd::enqueue(vec![]))
        .await
        .unwrap();
    assert_eq!(c.queue_status(q).await.unwrap().counts.completed, 1);
}

/// Claiming in batches: up to n distinct jobs, oldest first, never one twice.
pub async fn job_batches(c: &dyn Catalog) {
    let q = QueueName::SmartSearch;
    let keys: Vec<String> = (0..7).map(|i| format!("k{i}")).collect();
    let jobs: Vec<NewJob> = keys.iter().map(|k| job(q, k)).collect();
    c.enqueue_jobs(&jobs).await.unwrap();
    assert!(c.claim_batch(q, "w", 0, LEASE).await.unwrap().is_empty());
    let first = c.claim_batch(q, "w", 3, LEASE).await.unwrap();
    let second = c.claim_batch(q, "v", 3, LEASE).await.unwrap();
    let third = c.claim_batch(q, "w", 3, LEASE).await.unwrap();
    let key = |j: &ferrotype_core::jobs::Job| j.payload["key"].as_str().unwrap().to_string();
    assert_eq!(
        first.iter().map(key).collect::<Vec<_>>(),
        ["k0", "k1", "k2"],
        "oldest first"
    );
    assert_eq!(
        second.iter().map(key).collect::<Vec<_>>(),
        ["k3", "k4", "k5"]
    );
    assert_eq!(third.iter().map(key).collect::<Vec<_>>(), ["k6"]);
    assert!(c.claim_batch(q, "w", 3, LEASE).await.unwrap().is_empty());
    assert!(first.iter().all(|j| j.attempts == 1));
    assert_eq!(c.queue_status(q).await.unwrap().counts.active, 7);
    // Each job of a batch is held on its own.
    for j in &second {
        assert!(matches!(
            c.complete_job(j.id, "w").await,
            Err(CatalogError::Conflict(_))
        ));
        c.complete_job(j.id, "v").await.unwrap();
    }
    c.set_queue_paused(q, true).await.unwrap();
    c.enqueue_jobs(&[job(q, "late")]).await.unwrap();
    assert!(
        c.claim_batch(q, "w", 3, LEASE).await.unwrap().is_empty(),
        "paused"
    );
}

/// Idle workers wake when a job of their queue becomes waiting: enqueued, put back by a
/// release, retried, or its queue resumed; another queue's workers sleep on.
pub async fn job_wakeups(c: &dyn Catalog) {
    let q = QueueName::ThumbnailGeneration;
    let short = std::time::Duration::from_millis(100);
    let long = std::time::Duration::from_secs(5);
    c.job_wakeups().listening().await;
    let mut woken = c.job_wakeups().subscribe(q);
    let mut other = c.job_wakeups().subscribe(QueueName::VideoConversion);
    assert!(!woken.wait(short).await, "nothing to wake for");
    c.enqueue_jobs(&[job(q, "a")]).await.unwrap();
    assert!(woken.wait(long).await, "enqueued");
    let a = c.claim_job(q, "w", LEASE).await.unwrap().unwrap();
    c.release_job(a.id, "w").await.unwrap();
    assert!(woken.wait(long).await, "released");
    let a = c.claim_job(q, "w", LEASE).await.unwrap().unwrap();
    c.fail_job(a.id, "w", "busy", Some(now())).await.unwrap();
    assert!(woken.wait(long).await, "retried");
    c.set_queue_paused(q, true).await.unwrap();
    c.set_queue_paused(q, false).await.unwrap();
    assert!(woken.wait(long).await, "resumed");
    assert!(!other.wait(short).await, "another queue's workers sleep on");
}

/// A long lease for claims that stories do not let expire.
const LEASE: std::time::Duration = std::time::Duration::from_secs(30);

fn timeline_query(owner: Uuid, descending: bool) -> TimelineQuery {
    TimelineQuery {
        owner_ids: vec![owner],
        within: None,
        visibility: None,
        is_favorite: None,
        trashed: false,
        descending,
        with_stacked: false,
    }
}

/// Timeline months in the query's order with their counts, and one month's assets.
pub async fn timeline(c: &dyn Catalog) {
    let ann = stored_user(c, "ann@example.com").await;
    let may1 = stored_asset(c, ann.id, "may1", day(2024, 5, 1)).await;
    let may2 = stored_asset(c, ann.id, "may2", day(2024, 5, 20)).await;
    let march = stored_asset(c, ann.id, "march", day(2023, 3, 1)).await;
    let trashed = stored_asset(c, ann.id, "trashed", day(2024, 7, 1)).await;
    c.trash_assets(ann.id, &[trashed.id]).await.unwrap();

    let desc = timeline_query(ann.id, true);
    assert_eq!(
        c.timeline_buckets(&desc).await.unwrap(),
        vec![("2024-05".to_string(), 2), ("2023-03".to_string(), 1)]
    );
    let asc = timeline_query(ann.id, false);
    assert_eq!(
        c.timeline_buckets(&asc).await.unwrap(),
        vec![("2023-03".to_string(), 1), ("2024-05".to_string(), 2)]
    );
    let ids: Vec<String> = c
        .timeline_bucket(&desc, "2024-05")
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, vec![may2.id.to_string(), may1.id.to_string()]);
    let trash = TimelineQuery {
        trashed: true,
        ..desc.clone()
    };
    assert_eq!(
        c.timeline_buckets(&trash).await.unwrap(),
        vec![("2024-07".to_string(), 1)]
    );

    let trip = album(ann.id, "Trip");
    c.create_album(&trip).await.unwrap();
    c.add_album_assets(trip.id, ann.id, &[march.id])
        .await
        .unwrap();
    let in_album = TimelineQuery {
        within: Some(TimelineScope::Album(trip.id)),
        ..desc
    };
    assert_eq!(
        c.timeline_buckets(&in_album).await.unwrap(),
        vec![("2023-03".to_string(), 1)]
    );
}

/// The map: positions set by hand bring their place names; markers are the user's timeline
/// (newest file first), their own archive on request, favourites, file dates, and assets of
/// albums they own or were given when asked; trashed ones never.
pub async fn map(c: &dyn Catalog) {
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let old = stored_asset(c, ann.id, "old", day(2020, 1, 1)).await;
    let new = stored_asset(c, ann.id, "new", day(2024, 1, 1)).await;
    let archived = stored_asset(c, ann.id, "archived", day(2022, 1, 1)).await;
    let nowhere = stored_asset(c, ann.id, "nowhere", day(2023, 1, 1)).await;
    let trashed = stored_asset(c, ann.id, "trashed", day(2021, 1, 1)).await;
    let bobs = stored_asset(c, bob.id, "bobs", day(2019, 1, 1)).await;
    let paris = PlaceNames {
        city: Some("Paris".into()),
        state: Some("Île-de-France".into()),
        country: Some("France".into()),
    };
    let at_paris = AssetChange {
        location: Some((48.853, 2.3499)),
        place_names: Some(paris.clone()),
        ..Default::default()
    };
    for (owner, id) in [
        (ann.id, old.id),
        (ann.id, new.id),
        (ann.id, archived.id),
        (ann.id, trashed.id),
        (bob.id, bobs.id),
    ] {
        assert_eq!(c.update_assets(owner, &[id], &at_paris).await.unwrap(), 1);
    }
    let exif = c.asset_exif(old.id).await.unwrap().unwrap();
    assert_eq!(
        (exif.city, exif.state, exif.country),
        (
            paris.city.clone(),
            paris.state.clone(),
            paris.country.clone()
        )
    );
    // A position with no names clears the old ones.
    let elsewhere = AssetChange {
        location: Some((0.5, -30.0)),
        ..Default::default()
    };
    c.update_assets(ann.id, &[nowhere.id], &elsewhere)
        .await
        .unwrap();
    assert_eq!(c.asset_exif(nowhere.id).await.unwrap().unwrap().city, None);
    let archive = AssetChange {
        visibility: Some(Visibility::Archive),
        ..Default::default()
    };
    c.update_assets(ann.id, &[archived.id], &archive)
        .await
        .unwrap();
    c.trash_assets(ann.id, &[trashed.id]).await.unwrap();
    let favourite = AssetChange {
        is_favorite: Some(true),
        ..Default::default()
    };
    c.update_assets(ann.id, &[old.id], &favourite)
        .await
        .unwrap();

    let query = MapMarkerQuery {
        user_id: ann.id,
        owner_ids: vec![ann.id],
        with_shared_albums: false,
        with_archived: false,
        is_favorite: None,
        created_after: None,
        created_before: None,
    };
    let ids = |markers: Vec<MapMarker>| markers.into_iter().map(|m| m.id).collect::<Vec<_>>();
    let markers = c.map_markers(&query).await.unwrap();
    assert_eq!(ids(markers.clone()), vec![new.id, nowhere.id, old.id]);
    assert_eq!(markers[0].city.as_deref(), Some("Paris"));
    assert_eq!(
        (markers[0].latitude, markers[0].longitude),
        (48.853, 2.3499)
    );
    let with_archive = MapMarkerQuery {
        with_archived: true,
        ..query.clone()
    };
    assert_eq!(
        ids(c.map_markers(&with_archive).await.unwrap()),
        vec![new.id, nowhere.id, archived.id, old.id]
    );
    let favourites = MapMarkerQuery {
        is_favorite: Some(true),
        ..query.clone()
    };
    assert_eq!(ids(c.map_markers(&favourites).await.unwrap()), vec![old.id]);
    let dated = MapMarkerQuery {
        created_after: Some(day(2022, 6, 1)),
        created_before: Some(day(2023, 6, 1)),
        ..query.clone()
    };
    assert_eq!(ids(c.map_markers(&dated).await.unwrap()), vec![nowhere.id]);
    // Bob's photo, once in an album he shares with Ann, when she asks for shared albums.
    let shared = album(bob.id, "Shared");
    c.create_album(&shared).await.unwrap();
    c.add_album_assets(shared.id, bob.id, &[bobs.id])
        .await
        .unwrap();
    let with_shared = MapMarkerQuery {
        with_shared_albums: true,
        ..query.clone()
    };
    assert!(!ids(c.map_markers(&with_shared).await.unwrap()).contains(&bobs.id));
    assert!(
        c.add_album_members(shared.id, &[(ann.id, AlbumRole::Viewer)])
            .await
            .unwrap()
    );
    assert!(!ids(c.map_markers(&query).await.unwrap()).contains(&bobs.id));
    assert!(ids(c.map_markers(&with_shared).await.unwrap()).contains(&bobs.id));
}

/// Notifications: newest first, read and unread, deleted ones gone from listings, ownership.
pub async fn notifications(c: &dyn Catalog) {
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let earlier = Notification::album_invite(
        ann.id,
        Uuid::new_v4(),
        "Trip",
        "Bob",
        now() - Duration::minutes(5),
    );
    let later = Notification::album_update(ann.id, Uuid::new_v4(), "Trip", now());
    let bobs = Notification::album_update(bob.id, Uuid::new_v4(), "Other", now());
    for n in [&earlier, &later, &bobs] {
        c.create_notification(n).await.unwrap();
    }
    let all = NotificationFilter::default();
    let ids: Vec<Uuid> = c
        .notifications_of(ann.id, &all)
        .await
        .unwrap()
        .iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(ids, vec![later.id, earlier.id], "newest first");
    assert_eq!(c.notification(earlier.id).await.unwrap().unwrap(), earlier);
    assert_eq!(
        c.notifications_owned(ann.id, &[earlier.id, bobs.id])
            .await
            .unwrap(),
        vec![earlier.id]
    );

    let read_at = now();
    assert_eq!(
        c.set_notifications_read(&[earlier.id], Some(read_at))
            .await
            .unwrap(),
        1
    );
    let unread = NotificationFilter {
        unread: true,
        ..Default::default()
    };
    let ids: Vec<Uuid> = c
        .notifications_of(ann.id, &unread)
        .await
        .unwrap()
        .iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(ids, vec![later.id]);

    assert_eq!(c.delete_notifications(&[later.id]).await.unwrap(), 1);
    let ids: Vec<Uuid> = c
        .notifications_of(ann.id, &all)
        .await
        .unwrap()
        .iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(ids, vec![earlier.id]);
    assert!(
        c.notification(later.id)
            .await
            .unwrap()
            .unwrap()
            .deleted_at
            .is_some()
    );
    assert_eq!(
        c.set_notifications_read(&[later.id], None).await.unwrap(),
        0,
        "deleted ones are left alone"
    );
    // Long after, the deleted one is purged.
    let purged = c
        .purge_notifications(now() + Duration::days(365))
        .await
        .unwrap();
    assert!(purged >= 1);
    assert!(c.notification(later.id).await.unwrap().is_none());
}

/// Checkpoints per session and type, replaced per type, deleted by type or all.
pub async fn sync_checkpoints(c: &dyn Catalog) {
    let ann = stored_user(c, "ann@example.com").await;
    let s = session(ann.id, now());
    c.create_session(&s, b"token").await.unwrap();
    assert!(c.sync_checkpoints(s.id).await.unwrap().is_empty());
    let acks = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    c.set_sync_checkpoints(
        s.id,
        &acks(&[("AssetV1", "AssetV1|a"), ("UserV1", "UserV1|u")]),
    )
    .await
    .unwrap();
    c.set_sync_checkpoints(s.id, &acks(&[("AssetV1", "AssetV1|b")]))
        .await
        .unwrap();
    let stored: HashMap<String, String> = c
        .sync_checkpoints(s.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored["AssetV1"], "AssetV1|b");
    c.delete_sync_checkpoints(s.id, Some(&["UserV1".to_string()]))
        .await
        .unwrap();
    assert_eq!(c.sync_checkpoints(s.id).await.unwrap().len(), 1);

    let reset = SessionChange {
        is_pending_sync_reset: Some(true),
        ..Default::default()
    };
    c.update_session(s.id, &reset).await.unwrap();
    assert!(c.sync_reset_pending(s.id).await.unwrap());
    c.delete_sync_checkpoints(s.id, None).await.unwrap();
    assert!(c.sync_checkpoints(s.id).await.unwrap().is_empty());
    assert!(
        !c.sync_reset_pending(s.id).await.unwrap(),
        "deleting all clears the reset"
    );
}

/// The next item of a sync stream.
async fn next_event(stream: &mut SyncStream) -> Option<CatalogResult<SyncEvent>> {
    std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await
}

/// A whole sync stream: its rows (entity type, id of what changed, cursor) and its "now".
async fn read_sync(
    c: &dyn Catalog,
    query: SyncQuery,
) -> (Vec<(&'static str, Uuid, String)>, String) {
    let mut stream = c.stream_sync(query);
    let mut rows = Vec::new();
    while let Some(event) = next_event(&mut stream).await {
        match event.unwrap() {
            SyncEvent::Row(item) => {
                let id = match &item.row {
                    SyncRow::AuthUser(u) | SyncRow::User(u) => u.id,
                    SyncRow::Asset(a) | SyncRow::AlbumAsset(a) => a.id,
                    SyncRow::AssetDelete(id) => *id,
                    SyncRow::PartnerAsset(a) => a.id,
                    SyncRow::PartnerAssetDelete(id) | SyncRow::PartnerAssetExif(id, _) => *id,
                    SyncRow::Stack(s) | SyncRow::PartnerStack(s) => s.id,
                    SyncRow::StackDelete(id) | SyncRow::PartnerStackDelete(id) => *id,
                    // A partnership by its sharer.
                    SyncRow::Partner { shared_by_id, .. }
                    | SyncRow::PartnerDelete { shared_by_id, .. } => *shared_by_id,
                    SyncRow::AssetEdit(e) => e.id,
                    SyncRow::AssetEditDelete(id) => *id,
                    SyncRow::Person(p) => p.id,
                    SyncRow::PersonDelete(id) => *id,
                    other => panic!("unexpected row {other:?}"),
                };
                rows.push((item.row.entity_type(), id, item.update_id));
            }
            SyncEvent::Complete(now) => {
                assert!(
                    next_event(&mut stream).await.is_none(),
                    "Complete comes last"
                );
                return (rows, now);
            }
        }
    }
    panic!("the stream ended without Complete");
}

/// The sync stream: one's own rows only, in request-type order, per type deletes before
/// upserts, cursors growing and below "now"; from checkpoints, only what changed since; a stream
/// dropped early ends the read.
pub async fn sync(c: &dyn Catalog) {
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let first = stored_asset(c, ann.id, "first", day(2024, 5, 1)).await;
    let second = stored_asset(c, ann.id, "second", day(2024, 5, 2)).await;
    stored_asset(c, bob.id, "bobs", day(2024, 5, 3)).await;
    let mut query = SyncQuery {
        user_id: ann.id,
        // Asked in any order, streamed in Immich's.
        types: vec!["AssetsV2".into(), "AuthUsersV1".into()],
        checkpoints: HashMap::new(),
    };
    let (rows, now) = read_sync(c, query.clone()).await;
    let seen: Vec<(&str, Uuid)> = rows.iter().map(|(t, id, _)| (*t, *id)).collect();
    assert_eq!(
        seen,
        vec![
            ("AuthUserV1", ann.id),
            ("AssetV2", first.id),
            ("AssetV2", second.id)
        ]
    );
    assert!(rows[1].2 < rows[2].2, "upserts in cursor order");
    assert!(
        rows.iter()
            .all(|(_, _, cursor)| cursor.as_str() < now.as_str())
    );

    let third = stored_asset(c, ann.id, "third", day(2024, 5, 4)).await;
    let favourite = AssetChange {
        is_favorite: Some(true),
        ..Default::default()
    };
    c.update_assets(ann.id, &[second.id], &favourite)
        .await
        .unwrap();
    c.purge_assets(&PurgeSelection::Ids {
        owner_id: ann.id,
        ids: vec![first.id],
    })
    .await
    .unwrap();
    for kind in ["AuthUserV1", "AssetV2", "AssetDeleteV1"] {
        query.checkpoints.insert(kind.to_string(), now.clone());
    }
    let (rows, later) = read_sync(c, query.clone()).await;
    let seen: Vec<(&str, Uuid)> = rows.iter().map(|(t, id, _)| (*t, *id)).collect();
    assert_eq!(
        seen,
        vec![
            // Her usage changed with the new asset and the purge.
            ("AuthUserV1", ann.id),
            ("AssetDeleteV1", first.id),
            ("AssetV2", third.id),
            ("AssetV2", second.id)
        ],
        "per type deletes first, then upserts in cursor order"
    );
    assert!(
        rows.iter()
            .all(|(_, _, cursor)| cursor.as_str() > now.as_str())
    );
    assert!(later > now);

    // A consumer that leaves after one row: the stream is dropped and nothing hangs.
    query.checkpoints.clear();
    let mut stream = c.stream_sync(query);
    assert!(matches!(
        next_event(&mut stream).await,
        Some(Ok(SyncEvent::Row(_)))
    ));
    drop(stream);
    // The catalog still answers (the reader went back to its pool or was closed).
    assert!(c.user_by_id(ann.id).await.unwrap().is_some());
}

/// The bus: what is published reaches every subscriber (the publisher's own process included),
/// whole whatever its length, in the order published; a subscriber hears only what comes after
/// it subscribed.
pub async fn bus(c: &dyn Catalog) {
    use std::time::Duration;
    c.publish("before anyone listens").await.unwrap();
    let mut first = c.subscribe().await.unwrap();
    let mut second = c.subscribe().await.unwrap();
    let long = format!(
        "{{\"event\":\"on_asset_update\",\"data\":\"{}\"}}",
        "ü".repeat(20_000)
    );
    c.publish("one").await.unwrap();
    c.publish(&long).await.unwrap();
    c.publish("two").await.unwrap();
    for subscriber in [&mut first, &mut second] {
        let mut heard = Vec::new();
        while heard.len() < 3 {
            let message = tokio::time::timeout(Duration::from_secs(10), subscriber.recv())
                .await
                .expect("a published message arrives")
                .unwrap();
            heard.push(message.to_string());
        }
        assert_eq!(heard, ["one".to_string(), long.clone(), "two".to_string()]);
    }
}

/// The processes on a catalog: an upload intent or a move is half-done work to repair only once
/// the instance that recorded it is gone (never heartbeated, or stopped cleanly), never while
/// it is alive and may still finish it; a deletion's files (no instance) are always pending.
pub async fn instances(c: &dyn Catalog) {
    assert!(c.live_instances().await.unwrap().is_empty());
    let ann = stored_user(c, "ann@example.com").await;
    let photo = asset(ann.id, "moved", day(2024, 5, 1));
    assert_eq!(
        c.insert_asset(&photo, &[], &[]).await.unwrap(),
        InsertOutcome::Created
    );
    let mv = PendingMove {
        asset_id: photo.id,
        old_path: photo.original_path.clone(),
        new_path: "library/ann/2024/moved.jpg".into(),
        old_sidecar_path: None,
        new_sidecar_path: None,
    };
    c.begin_move(&mv).await.unwrap();
    c.record_upload_intent("upload/in-flight.jpg")
        .await
        .unwrap();
    // Not alive yet (no heartbeat): its work counts as left behind.
    assert_eq!(
        c.pending_upload_intents().await.unwrap(),
        vec!["upload/in-flight.jpg".to_string()]
    );
    assert_eq!(c.pending_moves().await.unwrap(), vec![mv.clone()]);

    c.heartbeat("api").await.unwrap();
    c.heartbeat("all").await.unwrap();
    assert_eq!(
        c.live_instances().await.unwrap(),
        vec![(c.instance_id(), "all".to_string())]
    );
    assert!(c.pending_upload_intents().await.unwrap().is_empty());
    assert!(c.pending_moves().await.unwrap().is_empty());

    // A deletion's files belong to no instance: pending even while everyone is alive.
    let purged = c
        .purge_assets(&PurgeSelection::Ids {
            owner_id: ann.id,
            ids: vec![photo.id],
        })
        .await
        .unwrap();
    assert_eq!(purged.len(), 1);
    let pending = c.pending_upload_intents().await.unwrap();
    assert!(pending.contains(&photo.original_path), "{pending:?}");
    assert!(
        pending.iter().all(|p| p.contains(&photo.id.to_string())),
        "only the deleted photo's files: {pending:?}"
    );
    for path in &pending {
        c.clear_upload_intent(path).await.unwrap();
    }

    c.forget_instance().await.unwrap();
    assert!(c.live_instances().await.unwrap().is_empty());
    assert_eq!(
        c.pending_upload_intents().await.unwrap(),
        vec!["upload/in-flight.jpg".to_string()]
    );
}

/// Partners: one partnership per direction, refused twice or towards an unknown user; the
/// partner's choice of timeline; deleted users hidden; the sync stream's partnerships, the
/// partner's library from the moment they share (older assets too), their deletes, and the end of
/// a partnership.
pub async fn partners(c: &dyn Catalog) {
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let cat = stored_user(c, "cat@example.com").await;
    let old = stored_asset(c, ann.id, "old", day(2024, 5, 1)).await;
    stored_asset(c, cat.id, "cats", day(2024, 5, 2)).await;

    let made = c.create_partner(ann.id, bob.id).await.unwrap();
    assert_eq!(made.shared_by.id, ann.id);
    assert_eq!(made.shared_with.id, bob.id);
    assert!(
        !made.in_timeline,
        "not in the partner's timeline until they choose"
    );
    assert!(matches!(
        c.create_partner(ann.id, bob.id).await,
        Err(CatalogError::Conflict(_))
    ));
    assert!(matches!(
        c.create_partner(ann.id, Uuid::new_v4()).await,
        Err(CatalogError::NotFound(_))
    ));
    assert!(c.partner(ann.id, bob.id).await.unwrap().is_some());
    assert!(
        c.partner(bob.id, ann.id).await.unwrap().is_none(),
        "one way"
    );
    c.create_partner(cat.id, ann.id).await.unwrap();
    let of_ann: Vec<(Uuid, Uuid)> = c
        .partners_of(ann.id)
        .await
        .unwrap()
        .iter()
        .map(|p| (p.shared_by.id, p.shared_with.id))
        .collect();
    assert_eq!(of_ann, vec![(ann.id, bob.id), (cat.id, ann.id)]);
    assert_eq!(c.partners_of(bob.id).await.unwrap().len(), 1);

    let shown = c
        .update_partner(ann.id, bob.id, true)
        .await
        .unwrap()
        .unwrap();
    assert!(shown.in_timeline);
    assert!(
        c.partner(ann.id, bob.id)
            .await
            .unwrap()
            .unwrap()
            .in_timeline
    );
    assert!(
        c.update_partner(bob.id, ann.id, true)
            .await
            .unwrap()
            .is_none()
    );

    // A deleted user's partnerships are hidden, and back when they are restored.
    let deleted = UserChange {
        deleted_at: Some(Some(now())),
        status: Some(UserStatus::Deleted),
        ..Default::default()
    };
    c.update_user(cat.id, &deleted).await.unwrap();
    assert!(c.partner(cat.id, ann.id).await.unwrap().is_none());
    assert_eq!(c.partners_of(ann.id).await.unwrap().len(), 1);
    let restored = UserChange {
        deleted_at: Some(None),
        status: Some(UserStatus::Active),
        ..Default::default()
    };
    c.update_user(cat.id, &restored).await.unwrap();
    assert!(c.partner(cat.id, ann.id).await.unwrap().is_some());

    // Bob's phone: the partnership, and Ann's library, the asset older than the partnership too;
    // not Cat's, who shares with Ann, not with him.
    let mut query = SyncQuery {
        user_id: bob.id,
        types: vec!["PartnerAssetsV2".into(), "PartnersV1".into()],
        checkpoints: HashMap::new(),
    };
    let (rows, now1) = read_sync(c, query.clone()).await;
    let seen: Vec<(&str, Uuid)> = rows.iter().map(|(t, id, _)| (*t, *id)).collect();
    assert_eq!(
        seen,
        vec![("PartnerV1", ann.id), ("PartnerAssetV2", old.id)]
    );
    for kind in [
        "PartnerV1",
        "PartnerDeleteV1",
        "PartnerAssetV2",
        "PartnerAssetDeleteV1",
    ] {
        query.checkpoints.insert(kind.to_string(), now1.clone());
    }
    assert!(
        read_sync(c, query.clone()).await.0.is_empty(),
        "nothing new"
    );

    // Ann's new asset and her purge reach him.
    let new = stored_asset(c, ann.id, "new", day(2024, 6, 1)).await;
    c.purge_assets(&PurgeSelection::Ids {
        owner_id: ann.id,
        ids: vec![old.id],
    })
    .await
    .unwrap();
    let (rows, now2) = read_sync(c, query.clone()).await;
    let seen: Vec<(&str, Uuid)> = rows.iter().map(|(t, id, _)| (*t, *id)).collect();
    assert_eq!(
        seen,
        vec![("PartnerAssetDeleteV1", old.id), ("PartnerAssetV2", new.id)]
    );

    // A partner added later brings their older assets in the next stream.
    let cats_new = stored_asset(c, cat.id, "cats-new", day(2024, 6, 2)).await;
    let dan = stored_user(c, "dan@example.com").await;
    let dans = stored_asset(c, dan.id, "dans", day(2024, 1, 1)).await;
    for kind in [
        "PartnerV1",
        "PartnerDeleteV1",
        "PartnerAssetV2",
        "PartnerAssetDeleteV1",
    ] {
        query.checkpoints.insert(kind.to_string(), now2.clone());
    }
    c.create_partner(dan.id, bob.id).await.unwrap();
    let (rows, now3) = read_sync(c, query.clone()).await;
    let seen: Vec<(&str, Uuid)> = rows.iter().map(|(t, id, _)| (*t, *id)).collect();
    assert_eq!(
        seen,
        vec![("PartnerV1", dan.id), ("PartnerAssetV2", dans.id)]
    );
    assert!(!seen.iter().any(|(_, id)| *id == cats_new.id));

    // Ending a partnership is news to both.
    assert!(c.remove_partner(dan.id, bob.id).await.unwrap());
    assert!(!c.remove_partner(dan.id, bob.id).await.unwrap());
    for kind in [
        "PartnerV1",
        "PartnerDeleteV1",
        "PartnerAssetV2",
        "PartnerAssetDeleteV1",
    ] {
        query.checkpoints.insert(kind.to_string(), now3.clone());
    }
    let (rows, _) = read_sync(c, query.clone()).await;
    let seen: Vec<(&str, Uuid)> = rows.iter().map(|(t, id, _)| (*t, *id)).collect();
    assert_eq!(seen, vec![("PartnerDeleteV1", dan.id)]);
    query.user_id = dan.id;
    let (rows, _) = read_sync(c, query).await;
    let seen: Vec<(&str, Uuid)> = rows.iter().map(|(t, id, _)| (*t, *id)).collect();
    assert_eq!(seen, vec![("PartnerDeleteV1", dan.id)]);
    assert!(c.partner(dan.id, bob.id).await.unwrap().is_none());
}

/// Stores what metadata extraction would find for `asset`, as its job does.
async fn store_exif(c: &dyn Catalog, asset: Uuid, info: ExifInfo) {
    c.enqueue_jobs(&[NewJob::of(&ExtractMetadataJob::new(asset))])
        .await
        .unwrap();
    let job = c
        .claim_job(QueueName::MetadataExtraction, "story", LEASE)
        .await
        .unwrap()
        .unwrap();
    c.save_metadata(asset, &info, None, &JobEnd::of(&job, vec![]))
        .await
        .unwrap();
}

/// Search: each filter alone and together, text by any part ignoring case and accents (also
/// after an edit), empty fields, tags with their descendants, albums, order and pages, counts,
/// suggestions narrowed by other fields, and one photo per city.
pub async fn search(c: &dyn Catalog) {
    use ferrotype_core::search::*;
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let falcon = stored_asset(c, ann.id, "Prairie_Falcon", day(2020, 1, 1)).await;
    let creme = stored_asset(c, ann.id, "Crème brûlée", day(2021, 1, 1)).await;
    let rocks = stored_asset(c, ann.id, "el_torcal_rocks", day(2022, 1, 1)).await;
    let archived = stored_asset(c, ann.id, "archived", day(2023, 1, 1)).await;
    let trashed = stored_asset(c, ann.id, "trashed", day(2024, 1, 1)).await;
    let bobs = stored_asset(c, bob.id, "bobs falcon", day(2019, 1, 1)).await;
    store_exif(
        c,
        falcon.id,
        ExifInfo {
            make: Some("Canon".into()),
            model: Some("Canon EOS 7D".into()),
            city: Some("Paris".into()),
            country: Some("France".into()),
            description: Some("A bird over the prairie".into()),
            rating: Some(4),
            keywords: vec!["Animals/Birds".into()],
            ..Default::default()
        },
    )
    .await;
    store_exif(
        c,
        creme.id,
        ExifInfo {
            make: Some("Canon".into()),
            model: Some("Canon EOS R5".into()),
            city: Some("Paris".into()),
            country: Some("France".into()),
            ..Default::default()
        },
    )
    .await;
    store_exif(
        c,
        rocks.id,
        ExifInfo {
            make: Some("NIKON CORPORATION".into()),
            model: Some("NIKON D80".into()),
            city: Some("Antequera".into()),
            country: Some("Spain".into()),
            keywords: vec!["Animals".into()],
            ..Default::default()
        },
    )
    .await;
    store_exif(c, bobs.id, ExifInfo::default()).await;
    let archive = AssetChange {
        visibility: Some(Visibility::Archive),
        ..Default::default()
    };
    c.update_assets(ann.id, &[archived.id], &archive)
        .await
        .unwrap();
    c.trash_assets(ann.id, &[trashed.id]).await.unwrap();

    let mine = AssetSearch {
        owners: vec![ann.id],
        ..Default::default()
    };
    let first = SearchPage {
        offset: 0,
        limit: 100,
    };
    let find = |search: AssetSearch| async move {
        c.search_assets(&search, SearchOrder::NewestFirst, first)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect::<Vec<_>>()
    };
    // Newest taken first; the trash left out, the archive in.
    assert_eq!(
        find(mine.clone()).await,
        vec![archived.id, rocks.id, creme.id, falcon.id]
    );
    let oldest = c
        .search_assets(
            &mine,
            SearchOrder::OldestFirst,
            SearchPage {
                offset: 1,
                limit: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        oldest.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![creme.id, rocks.id]
    );
    assert_eq!(c.count_search(&mine).await.unwrap(), 4);
    // Any part of a file name, ignoring case and accents; short terms too; nobody else's.
    for (term, found) in [
        ("falcon", vec![falcon.id]),
        ("FALCON", vec![falcon.id]),
        ("creme", vec![creme.id]),
        ("brûl", vec![creme.id]),
        ("me b", vec![creme.id]),
        ("_t", vec![rocks.id]),
        ("l", vec![rocks.id, creme.id, falcon.id]),
        ("ed", vec![archived.id]),
        ("50%", vec![]),
        ("\"", vec![]),
    ] {
        let search = AssetSearch {
            file_name: Some(term.into()),
            ..mine.clone()
        };
        assert_eq!(find(search).await, found, "file name {term:?}");
    }
    let described = AssetSearch {
        description: Some("PRAIRIE".into()),
        ..mine.clone()
    };
    assert_eq!(find(described.clone()).await, vec![falcon.id]);
    let redescribe = AssetChange {
        description: Some("a cactus".into()),
        ..Default::default()
    };
    c.update_assets(ann.id, &[falcon.id], &redescribe)
        .await
        .unwrap();
    assert_eq!(find(described).await, Vec::<Uuid>::new(), "old words gone");
    let cactus = AssetSearch {
        description: Some("cactu".into()),
        ..mine.clone()
    };
    assert_eq!(find(cactus).await, vec![falcon.id]);
    let path = AssetSearch {
        original_path: Some(rocks.id.to_string()),
        ..mine.clone()
    };
    assert_eq!(find(path).await, vec![rocks.id]);

    // Fields equal to a value, or empty.
    let cases = [
        (
            AssetSearch {
                make: Some(FieldIs::Equal("Canon".into())),
                ..mine.clone()
            },
            vec![creme.id, falcon.id],
        ),
        (
            AssetSearch {
                model: Some(FieldIs::Equal("Canon EOS R5".into())),
                ..mine.clone()
            },
            vec![creme.id],
        ),
        (
            AssetSearch {
                city: Some(FieldIs::Equal("Paris".into())),
                ..mine.clone()
            },
            vec![creme.id, falcon.id],
        ),
        (
            AssetSearch {
                country: Some(FieldIs::Equal("Spain".into())),
                ..mine.clone()
            },
            vec![rocks.id],
        ),
        (
            AssetSearch {
                city: Some(FieldIs::Empty),
                owners: vec![ann.id, bob.id],
                ..mine.clone()
            },
            vec![bobs.id],
        ),
        (
            AssetSearch {
                rating: Some(FieldIs::Equal(4)),
                ..mine.clone()
            },
            vec![falcon.id],
        ),
        (
            AssetSearch {
                visibility: VisibilitySearch::Only(Visibility::Archive),
                ..mine.clone()
            },
            vec![archived.id],
        ),
        (
            AssetSearch {
                trashed: TimeRange {
                    after: Some(now() - Duration::hours(1)),
                    before: None,
                },
                ..mine.clone()
            },
            vec![trashed.id],
        ),
        (
            AssetSearch {
                with_deleted: true,
                ..mine.clone()
            },
            vec![trashed.id, archived.id, rocks.id, creme.id, falcon.id],
        ),
        (
            AssetSearch {
                taken: TimeRange {
                    after: Some(day(2020, 6, 1)),
                    before: Some(day(2022, 1, 1)),
                },
                ..mine.clone()
            },
            vec![rocks.id, creme.id],
        ),
        (
            AssetSearch {
                id: Some(rocks.id),
                ..mine.clone()
            },
            vec![rocks.id],
        ),
        (
            AssetSearch {
                checksum: Some(b"el_torcal_rocks".to_vec()),
                ..mine.clone()
            },
            vec![rocks.id],
        ),
        (
            AssetSearch {
                asset_type: Some(AssetType::Video),
                ..mine.clone()
            },
            vec![],
        ),
        (
            AssetSearch {
                is_favorite: Some(false),
                make: Some(FieldIs::Equal("Canon".into())),
                city: Some(FieldIs::Equal("Paris".into())),
                file_name: Some("cr".into()),
                ..mine.clone()
            },
            vec![creme.id],
        ),
        (
            AssetSearch {
                unsatisfiable: true,
                ..mine.clone()
            },
            vec![],
        ),
        (
            AssetSearch {
                owners: vec![bob.id],
                file_name: Some("falcon".into()),
                ..Default::default()
            },
            vec![bobs.id],
        ),
    ];
    for (i, (search, found)) in cases.into_iter().enumerate() {
        assert_eq!(find(search.clone()).await, found, "case {i}: {search:?}");
        assert_eq!(
            c.count_search(&search).await.unwrap(),
            found.len() as i64,
            "count of case {i}"
        );
    }

    // Tags: a parent finds its children's assets; untagged assets.
    let tags = c.asset_tags(falcon.id).await.unwrap();
    let birds = tags.iter().find(|t| t.value == "Animals/Birds").unwrap();
    let animals = c.asset_tags(rocks.id).await.unwrap()[0].clone();
    assert_eq!(animals.value, "Animals");
    let tagged = |ids: Vec<Uuid>| AssetSearch {
        tag_ids: Some(FieldIs::Equal(ids)),
        ..mine.clone()
    };
    assert_eq!(
        find(tagged(vec![animals.id])).await,
        vec![rocks.id, falcon.id]
    );
    assert_eq!(find(tagged(vec![birds.id])).await, vec![falcon.id]);
    assert_eq!(
        find(tagged(vec![birds.id, animals.id])).await,
        vec![falcon.id]
    );
    let untagged = AssetSearch {
        tag_ids: Some(FieldIs::Empty),
        ..mine.clone()
    };
    assert_eq!(find(untagged).await, vec![archived.id, creme.id]);

    // Albums: in every album asked, or in none.
    let trip = album(ann.id, "Trip");
    c.create_album(&trip).await.unwrap();
    c.add_album_assets(trip.id, ann.id, &[rocks.id, creme.id])
        .await
        .unwrap();
    let in_trip = AssetSearch {
        owners: vec![],
        album_ids: vec![trip.id],
        ..Default::default()
    };
    assert_eq!(find(in_trip).await, vec![rocks.id, creme.id]);
    let no_album = AssetSearch {
        not_in_album: true,
        ..mine.clone()
    };
    assert_eq!(find(no_album).await, vec![archived.id, falcon.id]);

    // Larger than, largest first; random picks among those selected.
    let large = c
        .search_assets(
            &AssetSearch {
                min_file_size: Some(999),
                ..mine.clone()
            },
            SearchOrder::LargestFirst,
            first,
        )
        .await
        .unwrap();
    assert_eq!(large.len(), 4);
    let random = c
        .search_assets(
            &mine,
            SearchOrder::Random,
            SearchPage {
                offset: 0,
                limit: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(random.len(), 2);
    assert!(random.iter().all(|a| a.owner_id == ann.id));

    // Suggestions: distinct, of timeline assets, narrowed by the other fields.
    let mut makes = c
        .suggestions(
            &[ann.id],
            SuggestionField::Make,
            &SuggestionFilter::default(),
        )
        .await
        .unwrap();
    makes.sort();
    assert_eq!(makes, vec!["Canon", "NIKON CORPORATION"]);
    let mut canon_models = c
        .suggestions(
            &[ann.id],
            SuggestionField::Model,
            &SuggestionFilter {
                make: Some("Canon".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    canon_models.sort();
    assert_eq!(canon_models, vec!["Canon EOS 7D", "Canon EOS R5"]);
    let spanish_cities = c
        .suggestions(
            &[ann.id],
            SuggestionField::City,
            &SuggestionFilter {
                country: Some("Spain".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(spanish_cities, vec!["Antequera"]);
    assert!(
        c.suggestions(
            &[bob.id],
            SuggestionField::Country,
            &SuggestionFilter::default()
        )
        .await
        .unwrap()
        .is_empty()
    );

    // One photo per city, the newest, for cities with enough photos.
    let cities = c.assets_by_city(&[ann.id], 1, 10).await.unwrap();
    let named: Vec<(String, Uuid)> = cities.into_iter().map(|(c, a)| (c, a.id)).collect();
    assert_eq!(
        named,
        vec![("Antequera".into(), rocks.id), ("Paris".into(), creme.id)]
    );
    let busy = c.assets_by_city(&[ann.id], 2, 10).await.unwrap();
    assert_eq!(busy.len(), 1);
    assert_eq!(busy[0].0, "Paris");
}

/// Folders: the distinct folders of the owner's timeline originals, and the assets directly in
/// one (not in folders below it, not another owner's, not trashed or archived).
pub async fn folders(c: &dyn Catalog) {
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let placed = |owner: Uuid, seed: &str, path: &str| {
        let mut a = asset(owner, seed, day(2024, 1, 1));
        a.original_path = path.to_string();
        a
    };
    let trip_b = placed(ann.id, "b", "library/ann/2024/Trip/b.jpg");
    let trip_a = placed(ann.id, "a", "library/ann/2024/Trip/a.jpg");
    let deeper = placed(ann.id, "d", "library/ann/2024/Trip/Day 1/d.jpg");
    let year = placed(ann.id, "y", "library/ann/2024/y.jpg");
    let percent = placed(ann.id, "p", "library/ann/50%_off/p.jpg");
    let trashed = placed(ann.id, "t", "library/ann/Trash/t.jpg");
    let archived = placed(ann.id, "r", "library/ann/2024/Trip/r.jpg");
    let bobs = placed(bob.id, "x", "library/bob/2024/Trip/x.jpg");
    for a in [
        &trip_b, &trip_a, &deeper, &year, &percent, &trashed, &archived, &bobs,
    ] {
        c.insert_asset(a, &[], &[]).await.unwrap();
    }
    c.trash_assets(ann.id, &[trashed.id]).await.unwrap();
    let archive = AssetChange {
        visibility: Some(Visibility::Archive),
        ..Default::default()
    };
    c.update_assets(ann.id, &[archived.id], &archive)
        .await
        .unwrap();

    assert_eq!(
        c.folders(ann.id).await.unwrap(),
        vec![
            "library/ann/2024",
            "library/ann/2024/Trip",
            "library/ann/2024/Trip/Day 1",
            "library/ann/50%_off",
        ]
    );
    let ids = |assets: Vec<Asset>| assets.into_iter().map(|a| a.id).collect::<Vec<_>>();
    assert_eq!(
        ids(c
            .folder_assets(ann.id, "library/ann/2024/Trip")
            .await
            .unwrap()),
        vec![trip_a.id, trip_b.id]
    );
    assert_eq!(
        ids(c
            .folder_assets(ann.id, "library/ann/2024/Trip/")
            .await
            .unwrap()),
        vec![trip_a.id, trip_b.id],
        "a trailing slash is the same folder"
    );
    assert_eq!(
        ids(c.folder_assets(ann.id, "library/ann/2024").await.unwrap()),
        vec![year.id]
    );
    assert_eq!(
        ids(c
            .folder_assets(ann.id, "library/ann/50%_off")
            .await
            .unwrap()),
        vec![percent.id]
    );
    assert!(
        c.folder_assets(ann.id, "library/ann/50")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        c.folder_assets(bob.id, "library/ann/2024/Trip")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        c.folder_assets(ann.id, "library/ann/Trash")
            .await
            .unwrap()
            .is_empty()
    );
}

/// Album activity: comments and likes on an album and its assets, one like per place and user,
/// the filters of a listing, what the statistics count, and what goes with the album, its assets
/// and its users.
pub async fn activities(c: &dyn Catalog) {
    use ferrotype_core::catalog::{
        ActivityCreated, ActivityFilter, ActivityPlace, ActivityStatistics, NewActivity, Reaction,
    };
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let photo = stored_asset(c, ann.id, "photo", day(2024, 5, 1)).await;
    let other = stored_asset(c, ann.id, "other", day(2024, 5, 2)).await;
    let outside = stored_asset(c, ann.id, "outside", day(2024, 5, 3)).await;
    let trip = album(ann.id, "Trip");
    c.create_album(&trip).await.unwrap();
    c.add_album_assets(trip.id, ann.id, &[photo.id, other.id])
        .await
        .unwrap();
    assert!(
        c.add_album_members(trip.id, &[(bob.id, AlbumRole::Editor)])
            .await
            .unwrap()
    );
    assert!(
        c.activities(ActivityFilter::album(trip.id))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        c.activity_statistics(trip.id, None).await.unwrap(),
        ActivityStatistics::default()
    );

    let on = |user: &User, asset: Option<&Asset>, reaction: Reaction| NewActivity {
        album_id: trip.id,
        asset_id: asset.map(|a| a.id),
        user_id: user.id,
        reaction,
    };
    let new = |created: ActivityCreated| match created {
        ActivityCreated::New(a) => a,
        ActivityCreated::ExistingLike(a) => panic!("a new activity was expected: {a:?}"),
    };
    let hello = new(c
        .create_activity(&on(&ann, None, Reaction::Comment("hello".into())))
        .await
        .unwrap());
    assert_eq!(hello.user.id, ann.id);
    assert_eq!(hello.album_id, trip.id);
    assert_eq!(hello.asset_id, None);
    assert_eq!(hello.reaction, Reaction::Comment("hello".into()));
    assert_eq!(c.activity(hello.id).await.unwrap().as_ref(), Some(&hello));
    let ann_likes_album = new(c
        .create_activity(&on(&ann, None, Reaction::Like))
        .await
        .unwrap());
    // A second like of the same place is the first.
    assert_eq!(
        c.create_activity(&on(&ann, None, Reaction::Like))
            .await
            .unwrap(),
        ActivityCreated::ExistingLike(ann_likes_album.clone())
    );
    // A like of an asset is not a like of the album, nor of another asset; comments repeat.
    let ann_likes_photo = new(c
        .create_activity(&on(&ann, Some(&photo), Reaction::Like))
        .await
        .unwrap());
    assert_ne!(ann_likes_photo.id, ann_likes_album.id);
    assert!(matches!(
        c.create_activity(&on(&ann, Some(&photo), Reaction::Like))
            .await
            .unwrap(),
        ActivityCreated::ExistingLike(a) if a.id == ann_likes_photo.id
    ));
    let ann_likes_other = new(c
        .create_activity(&on(&ann, Some(&other), Reaction::Like))
        .await
        .unwrap());
    let bob_on_photo = new(c
        .create_activity(&on(&bob, Some(&photo), Reaction::Comment("nice".into())))
        .await
        .unwrap());
    let bob_again = new(c
        .create_activity(&on(&bob, Some(&photo), Reaction::Comment("nice".into())))
        .await
        .unwrap());
    let bob_likes_album = new(c
        .create_activity(&on(&bob, None, Reaction::Like))
        .await
        .unwrap());

    // Nowhere to put it: an asset outside the album, an album that does not exist.
    assert!(matches!(
        c.create_activity(&on(&ann, Some(&outside), Reaction::Like))
            .await,
        Err(CatalogError::NotFound(_))
    ));
    let nowhere = NewActivity {
        album_id: Uuid::new_v4(),
        ..on(&ann, None, Reaction::Comment("lost".into()))
    };
    assert!(matches!(
        c.create_activity(&nowhere).await,
        Err(CatalogError::NotFound(_))
    ));

    let ids = |filter: ActivityFilter| async move {
        c.activities(filter)
            .await
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect::<Vec<_>>()
    };
    let all = ActivityFilter::album(trip.id);
    assert_eq!(
        ids(all).await,
        vec![
            hello.id,
            ann_likes_album.id,
            ann_likes_photo.id,
            ann_likes_other.id,
            bob_on_photo.id,
            bob_again.id,
            bob_likes_album.id
        ],
        "oldest first"
    );
    let album_only = ActivityFilter {
        place: ActivityPlace::Album,
        ..all
    };
    assert_eq!(
        ids(album_only).await,
        vec![hello.id, ann_likes_album.id, bob_likes_album.id]
    );
    let on_photo = ActivityFilter {
        place: ActivityPlace::Asset(photo.id),
        ..all
    };
    assert_eq!(
        ids(on_photo).await,
        vec![ann_likes_photo.id, bob_on_photo.id, bob_again.id]
    );
    let comments = ActivityFilter {
        likes: Some(false),
        ..all
    };
    assert_eq!(
        ids(comments).await,
        vec![hello.id, bob_on_photo.id, bob_again.id]
    );
    let bobs_likes = ActivityFilter {
        likes: Some(true),
        user_id: Some(bob.id),
        ..all
    };
    assert_eq!(ids(bobs_likes).await, vec![bob_likes_album.id]);
    let strangers = ActivityFilter {
        user_id: Some(Uuid::new_v4()),
        ..all
    };
    assert!(ids(strangers).await.is_empty());

    let stats = |asset: Option<Uuid>| async move {
        let s = c.activity_statistics(trip.id, asset).await.unwrap();
        (s.comments, s.likes)
    };
    assert_eq!(stats(None).await, (3, 4));
    assert_eq!(stats(Some(photo.id)).await, (2, 1));
    assert_eq!(stats(Some(outside.id)).await, (0, 0));

    // An asset in the trash: its activities are neither listed nor counted, until restored.
    assert_eq!(c.trash_assets(ann.id, &[photo.id]).await.unwrap(), 1);
    assert_eq!(
        ids(all).await,
        vec![
            hello.id,
            ann_likes_album.id,
            ann_likes_other.id,
            bob_likes_album.id
        ]
    );
    assert_eq!(stats(None).await, (1, 3));
    c.restore_assets(ann.id, Some(&[photo.id])).await.unwrap();
    assert_eq!(stats(None).await, (3, 4));
    // Into the locked folder: the asset leaves the album, and its activities there go with it.
    let locked = AssetChange {
        visibility: Some(Visibility::Locked),
        ..Default::default()
    };
    c.update_assets(ann.id, &[other.id], &locked).await.unwrap();
    assert!(c.activity(ann_likes_other.id).await.unwrap().is_none());
    assert_eq!(ids(all).await.len(), 6);
    assert_eq!(stats(None).await, (3, 3));

    // A deleted user's activities are hidden from the listing and the counts, but still found
    // by id (their album's owner may delete them).
    let deleted = UserChange {
        deleted_at: Some(Some(now())),
        status: Some(UserStatus::Deleted),
        ..Default::default()
    };
    c.update_user(bob.id, &deleted).await.unwrap();
    assert_eq!(ids(all).await.len(), 3);
    assert_eq!(stats(None).await, (1, 2));
    assert!(c.activity(bob_again.id).await.unwrap().is_some());
    let restored = UserChange {
        deleted_at: Some(None),
        status: Some(UserStatus::Active),
        ..Default::default()
    };
    c.update_user(bob.id, &restored).await.unwrap();

    // Leaving the album keeps one's activities (Immich keeps them too).
    assert!(c.remove_album_member(trip.id, bob.id).await.unwrap());
    assert_eq!(ids(all).await.len(), 6);

    assert!(c.delete_activity(bob_again.id).await.unwrap());
    assert!(!c.delete_activity(bob_again.id).await.unwrap());
    assert!(c.activity(bob_again.id).await.unwrap().is_none());

    // Removing an asset from the album removes the activities on it there.
    c.remove_album_assets(trip.id, ann.id, true, &[photo.id])
        .await
        .unwrap();
    assert_eq!(
        ids(all).await,
        vec![hello.id, ann_likes_album.id, bob_likes_album.id]
    );
    assert!(c.activity(bob_on_photo.id).await.unwrap().is_none());

    // A user deleted for good takes their activities along; the album takes the rest.
    c.delete_user(bob.id).await.unwrap();
    assert!(c.activity(bob_likes_album.id).await.unwrap().is_none());
    c.delete_album(trip.id).await.unwrap();
    assert!(c.activity(hello.id).await.unwrap().is_none());
    assert_eq!(
        c.activity_statistics(trip.id, None).await.unwrap(),
        ActivityStatistics::default()
    );
}

/// Tags: per-user trees of keywords made by hand, by path (Immich's upsert, concurrently too)
/// and from files' keywords; colours; tagging assets (which locks the asset's tags against the
/// next reading of the file); a tag's timeline holding its subtree; deleting a subtree; the
/// clean-up of unused tags.
pub async fn tags(c: &dyn Catalog) {
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let photo = stored_asset(c, ann.id, "photo", day(2024, 5, 1)).await;
    let other = stored_asset(c, ann.id, "other", day(2024, 6, 1)).await;

    // By hand: a root, the same value refused, a child, the same value for someone else.
    let trips = c.create_tag(ann.id, "Trips", None, None).await.unwrap();
    assert_eq!(
        (trips.value.as_str(), trips.parent_id, trips.user_id),
        ("Trips", None, ann.id)
    );
    assert!(matches!(
        c.create_tag(ann.id, "Trips", None, Some("#fff")).await,
        Err(CatalogError::Conflict(_))
    ));
    let rome = c
        .create_tag(ann.id, "Rome", Some(trips.id), Some("#ff0000"))
        .await
        .unwrap();
    assert_eq!(rome.value, "Trips/Rome");
    assert_eq!(rome.name(), "Rome");
    assert_eq!(rome.parent_id, Some(trips.id));
    assert_eq!(rome.color.as_deref(), Some("#ff0000"));
    assert_eq!(c.tag(rome.id).await.unwrap().as_ref(), Some(&rome));
    assert!(c.tag(Uuid::new_v4()).await.unwrap().is_none());
    let bobs = c.create_tag(bob.id, "Trips", None, None).await.unwrap();
    assert_ne!(bobs.id, trips.id);
    assert!(
        matches!(
            c.create_tag(bob.id, "Paris", Some(trips.id), None).await,
            Err(CatalogError::NotFound(_))
        ),
        "a parent must be one's own"
    );

    // By path: every level made once, the path's own tag answered, empty levels dropped.
    let upserted = c
        .upsert_tag_paths(
            ann.id,
            &[
                "Trips/Rome/Forum".into(),
                "Family".into(),
                "Trips/Rome/Forum".into(),
                "//".into(),
                "/Pets//Cats/".into(),
            ],
        )
        .await
        .unwrap();
    let values: Vec<&str> = upserted.iter().map(|t| t.value.as_str()).collect();
    assert_eq!(values, vec!["Trips/Rome/Forum", "Family", "Pets/Cats"]);
    let forum = upserted[0].clone();
    assert_eq!(
        forum.parent_id,
        Some(rome.id),
        "an existing level is reused"
    );
    let listed = c.tags_of(ann.id).await.unwrap();
    let id_of = |value: &str| listed.iter().find(|t| t.value == value).map(|t| t.id);
    let all: Vec<(String, Option<Uuid>)> = listed
        .iter()
        .map(|t| (t.value.clone(), t.parent_id))
        .collect();
    assert_eq!(
        all,
        vec![
            ("Family".to_string(), None),
            ("Pets".to_string(), None),
            ("Pets/Cats".to_string(), id_of("Pets")),
            ("Trips".to_string(), None),
            ("Trips/Rome".to_string(), Some(trips.id)),
            ("Trips/Rome/Forum".to_string(), Some(rome.id)),
        ],
        "by value"
    );
    assert_eq!(c.tags_of(bob.id).await.unwrap().len(), 1);

    // The same paths at once: everyone gets the same tags.
    let path = vec!["A/B/C/D".to_string()];
    let (one, two, three, four) = tokio::join!(
        c.upsert_tag_paths(ann.id, &path),
        c.upsert_tag_paths(ann.id, &path),
        c.upsert_tag_paths(ann.id, &path),
        c.upsert_tag_paths(ann.id, &path),
    );
    let first = one.unwrap();
    for other_run in [two.unwrap(), three.unwrap(), four.unwrap()] {
        assert_eq!(other_run, first);
    }
    assert_eq!(first[0].value, "A/B/C/D");

    // Colours.
    let blue = c
        .set_tag_color(trips.id, Some("#0000ff"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(blue.color.as_deref(), Some("#0000ff"));
    assert!(blue.updated_at >= trips.updated_at);
    let plain = c.set_tag_color(trips.id, None).await.unwrap().unwrap();
    assert_eq!(plain.color, None);
    assert!(
        c.set_tag_color(Uuid::new_v4(), Some("#000"))
            .await
            .unwrap()
            .is_none()
    );

    // Tagging: new pairs only; the asset's tags listed by value.
    let made = c
        .tag_assets(&[
            (forum.id, photo.id),
            (trips.id, photo.id),
            (forum.id, photo.id),
        ])
        .await
        .unwrap();
    assert_eq!(made, vec![(forum.id, photo.id), (trips.id, photo.id)]);
    assert_eq!(
        c.tag_assets(&[(forum.id, photo.id), (forum.id, other.id)])
            .await
            .unwrap(),
        vec![(forum.id, other.id)]
    );
    let on_photo: Vec<String> = c
        .asset_tags(photo.id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.value)
        .collect();
    assert_eq!(on_photo, vec!["Trips", "Trips/Rome/Forum"]);
    let mut tagged = c
        .tagged_assets(forum.id, &[photo.id, other.id, Uuid::new_v4()])
        .await
        .unwrap();
    tagged.sort();
    let mut expected = vec![photo.id, other.id];
    expected.sort();
    assert_eq!(tagged, expected);

    // A tag's timeline holds the assets of the tags below it.
    let within = |tag: Uuid| TimelineQuery {
        within: Some(TimelineScope::Tag(tag)),
        ..timeline_query(ann.id, true)
    };
    assert_eq!(
        c.timeline_buckets(&within(trips.id)).await.unwrap(),
        vec![("2024-06".to_string(), 1), ("2024-05".to_string(), 1)]
    );
    assert_eq!(c.timeline_buckets(&within(rome.id)).await.unwrap().len(), 2);

    // Untagging answers the assets the tag was on.
    assert_eq!(
        c.untag_assets(forum.id, &[other.id, Uuid::new_v4()])
            .await
            .unwrap(),
        vec![other.id]
    );
    assert!(
        c.untag_assets(forum.id, &[other.id])
            .await
            .unwrap()
            .is_empty()
    );

    // The file's keywords: every level becomes a tag of the owner, the asset on the paths' own
    // tags; an asset tagged by hand keeps the user's tags.
    let keywords = ExifInfo {
        keywords: vec!["Places/Italy".into(), "Places/Italy".into(), "Sun".into()],
        ..Default::default()
    };
    c.save_metadata(photo.id, &keywords, None, &JobEnd::enqueue(vec![]))
        .await
        .unwrap();
    let on_photo: Vec<String> = c
        .asset_tags(photo.id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.value)
        .collect();
    assert_eq!(
        on_photo,
        vec!["Trips", "Trips/Rome/Forum"],
        "chosen by hand"
    );
    let fresh = stored_asset(c, ann.id, "fresh", day(2024, 7, 1)).await;
    c.save_metadata(fresh.id, &keywords, None, &JobEnd::enqueue(vec![]))
        .await
        .unwrap();
    let on_fresh = c.asset_tags(fresh.id).await.unwrap();
    let values: Vec<&str> = on_fresh.iter().map(|t| t.value.as_str()).collect();
    assert_eq!(values, vec!["Places/Italy", "Sun"]);
    let places = c
        .tags_of(ann.id)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.value == "Places")
        .expect("the level above a keyword");
    assert_eq!(on_fresh[0].parent_id, Some(places.id));
    assert_eq!(on_fresh[0].user_id, ann.id);

    // Deleting a tag deletes the tags below it and their places on assets.
    assert!(c.delete_tag(rome.id).await.unwrap());
    assert!(!c.delete_tag(rome.id).await.unwrap());
    assert!(c.tag(forum.id).await.unwrap().is_none());
    let on_photo: Vec<String> = c
        .asset_tags(photo.id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.value)
        .collect();
    assert_eq!(on_photo, vec!["Trips"]);

    // The clean-up: tags on no asset, neither themselves nor below, go; Bob's unused one too.
    let removed = c.delete_empty_tags().await.unwrap();
    let left: Vec<String> = c
        .tags_of(ann.id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.value)
        .collect();
    assert_eq!(left, vec!["Places", "Places/Italy", "Sun", "Trips"]);
    assert!(c.tags_of(bob.id).await.unwrap().is_empty());
    // Family, Pets, Pets/Cats, A, A/B, A/B/C, A/B/C/D and Bob's Trips.
    assert_eq!(removed, 8);

    // The sidecar written with the tags becomes the asset's; one it has already stays.
    let sidecar = format!("{}.xmp", photo.original_path);
    c.sidecar_tags_written(photo.id, &sidecar, &JobEnd::enqueue(vec![]))
        .await
        .unwrap();
    let stored = c.asset(photo.id).await.unwrap().unwrap();
    assert_eq!(stored.sidecar_path.as_deref(), Some(sidecar.as_str()));
    c.sidecar_tags_written(photo.id, "elsewhere.xmp", &JobEnd::enqueue(vec![]))
        .await
        .unwrap();
    let stored = c.asset(photo.id).await.unwrap().unwrap();
    assert_eq!(stored.sidecar_path.as_deref(), Some(sidecar.as_str()));
}

/// The metadata (key, value, cursor) rows and removals of a sync of `AssetMetadataV1`.
async fn metadata_sync(
    c: &dyn Catalog,
    query: SyncQuery,
) -> (Vec<(&'static str, Uuid, String, Option<String>)>, String) {
    let mut stream = c.stream_sync(query);
    let mut rows = Vec::new();
    while let Some(event) = next_event(&mut stream).await {
        match event.unwrap() {
            SyncEvent::Row(item) => {
                let kind = item.row.entity_type();
                match item.row {
                    SyncRow::AssetMetadata {
                        asset_id,
                        key,
                        value,
                    } => rows.push((kind, asset_id, key, Some(value))),
                    SyncRow::AssetMetadataDelete { asset_id, key } => {
                        rows.push((kind, asset_id, key, None))
                    }
                    other => panic!("unexpected row {other:?}"),
                }
            }
            SyncEvent::Complete(now) => return (rows, now),
        }
    }
    panic!("the stream ended without Complete");
}

/// Client metadata on assets: upserted by (asset, key), read by key, removed; streamed to the
/// owner's phones (removals first, then values) and to nobody else; and `copy_asset`, which
/// carries albums, shared links, the favourite mark and a sidecar over to another asset.
pub async fn asset_metadata(c: &dyn Catalog) {
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let photo = stored_asset(c, ann.id, "photo", day(2024, 5, 1)).await;
    let other = stored_asset(c, ann.id, "other", day(2024, 5, 2)).await;
    stored_asset(c, bob.id, "bobs", day(2024, 5, 3)).await;

    let stored = c
        .upsert_asset_metadata(&[
            (photo.id, "mobile-app".into(), r#"{"iCloudId":"a"}"#.into()),
            (other.id, "note".into(), r#"{"n":1}"#.into()),
        ])
        .await
        .unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|e| (e.asset_id, e.key.as_str()))
            .collect::<Vec<_>>(),
        vec![(photo.id, "mobile-app"), (other.id, "note")]
    );
    let entry = c
        .asset_metadata_entry(photo.id, "mobile-app")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.value, r#"{"iCloudId":"a"}"#);
    assert!(
        c.asset_metadata_entry(photo.id, "none")
            .await
            .unwrap()
            .is_none()
    );

    let mut query = SyncQuery {
        user_id: ann.id,
        types: vec!["AssetMetadataV1".into()],
        checkpoints: HashMap::new(),
    };
    let (rows, now) = metadata_sync(c, query.clone()).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.0 == "AssetMetadataV1"));
    let bobs_query = SyncQuery {
        user_id: bob.id,
        ..query.clone()
    };
    assert!(metadata_sync(c, bobs_query).await.0.is_empty());

    // A second upsert of a key replaces its value; a removal is streamed as such.
    c.upsert_asset_metadata(&[(photo.id, "mobile-app".into(), r#"{"iCloudId":"b"}"#.into())])
        .await
        .unwrap();
    c.delete_asset_metadata(&[(other.id, "note".into()), (other.id, "absent".into())])
        .await
        .unwrap();
    assert!(
        c.asset_metadata_entry(other.id, "note")
            .await
            .unwrap()
            .is_none()
    );
    for kind in ["AssetMetadataV1", "AssetMetadataDeleteV1"] {
        query.checkpoints.insert(kind.to_string(), now.clone());
    }
    let (rows, _) = metadata_sync(c, query.clone()).await;
    assert_eq!(
        rows,
        vec![
            ("AssetMetadataDeleteV1", other.id, "note".to_string(), None),
            (
                "AssetMetadataV1",
                photo.id,
                "mobile-app".to_string(),
                Some(r#"{"iCloudId":"b"}"#.to_string())
            ),
        ]
    );

    // Copying: the target joins the source's albums and links, takes its favourite mark and a
    // sidecar, with the job that reads it, in one write.
    let trip = album(ann.id, "Trip");
    c.create_album(&trip).await.unwrap();
    c.add_album_assets(trip.id, ann.id, &[photo.id])
        .await
        .unwrap();
    let shared = link(ann.id, SharedLinkType::Individual, None, b"copy-key");
    c.create_shared_link(&shared, &[photo.id]).await.unwrap();
    c.update_assets(
        ann.id,
        &[photo.id],
        &AssetChange {
            is_favorite: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let sidecar = format!("{}.xmp", other.original_path);
    c.copy_asset(&AssetCopy {
        source: photo.id,
        target: other.id,
        albums: true,
        shared_links: true,
        favorite: true,
        sidecar: Some(sidecar.clone()),
        jobs: vec![NewJob::of(&ExtractMetadataJob::new(other.id))],
    })
    .await
    .unwrap();
    assert!(c.album_contains(trip.id, other.id).await.unwrap());
    let linked: Vec<Uuid> = c
        .shared_link_assets(shared.id)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert!(linked.contains(&other.id) && linked.contains(&photo.id));
    let copied = c.asset(other.id).await.unwrap().unwrap();
    assert!(copied.is_favorite);
    assert_eq!(copied.sidecar_path.as_deref(), Some(sidecar.as_str()));
    let queued = c
        .list_jobs(QueueName::MetadataExtraction, &[JobState::Waiting], 100)
        .await
        .unwrap();
    assert!(
        queued.iter().any(|(j, _)| j.asset_id == Some(other.id)),
        "{queued:?}"
    );
    // Copying again changes nothing and fails nothing (already in the album and the link).
    c.copy_asset(&AssetCopy {
        source: photo.id,
        target: other.id,
        albums: true,
        shared_links: true,
        ..Default::default()
    })
    .await
    .unwrap();
}

/// A term on thousands of file names (every camera's "IMG"): the first pages come newest first
/// and complete, page after page, whichever way the backend finds them; a rare term among them
/// too.
pub async fn search_common_terms(c: &dyn Catalog) {
    use ferrotype_core::search::*;
    let ann = stored_user(c, "ann@example.com").await;
    let start = day(2020, 1, 1);
    let mut ids = Vec::new();
    for i in 0..2_100 {
        let taken = start + Duration::minutes(i);
        let seed = if i == 1_000 {
            "IMG_RARE_1000".to_string()
        } else {
            format!("IMG_{i:05}")
        };
        ids.push(stored_asset(c, ann.id, &seed, taken).await.id);
    }
    let newest_first: Vec<Uuid> = ids.iter().rev().copied().collect();
    let search = AssetSearch {
        owners: vec![ann.id],
        file_name: Some("img".into()),
        ..Default::default()
    };
    for offset in [0u64, 250, 2_000] {
        let page = c
            .search_assets(
                &search,
                SearchOrder::NewestFirst,
                SearchPage { offset, limit: 250 },
            )
            .await
            .unwrap();
        let expected: Vec<Uuid> = newest_first
            .iter()
            .skip(offset as usize)
            .take(250)
            .copied()
            .collect();
        assert_eq!(
            page.iter().map(|a| a.id).collect::<Vec<_>>(),
            expected,
            "offset {offset}"
        );
    }
    assert_eq!(c.count_search(&search).await.unwrap(), 2_100);
    let rare = AssetSearch {
        owners: vec![ann.id],
        file_name: Some("rare".into()),
        ..Default::default()
    };
    let found = c
        .search_assets(
            &rare,
            SearchOrder::OldestFirst,
            SearchPage {
                offset: 0,
                limit: 250,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![ids[1_000]]
    );
}

/// Stacks: made under their first asset, merged when headed by one of the new stack's assets,
/// another primary, kept at two assets or more whichever way an asset leaves (taken out, moved
/// into another stack, deleted for good, its primary's place handed on), shown once in the
/// timeline with their count, and streamed to their owner and the owner's partners.
pub async fn stacks(c: &dyn Catalog) {
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let mut a = Vec::new();
    for i in 0..8u32 {
        a.push(
            stored_asset(c, ann.id, &format!("a{i}"), day(2024, 5, 1 + i))
                .await
                .id,
        );
    }
    let stack_of = |id: Uuid| async move { c.asset(id).await.unwrap().unwrap().stack_id };

    let first = c.create_stack(ann.id, &[a[0], a[1]]).await.unwrap();
    assert_eq!(first.owner_id, ann.id);
    assert_eq!(first.primary_asset_id, a[0]);
    assert_eq!(first.asset_ids, vec![a[0], a[1]]);
    assert_eq!(stack_of(a[1]).await, Some(first.id));
    assert_eq!(c.stack(first.id).await.unwrap().unwrap(), first);
    assert_eq!(c.stacks(ann.id, None).await.unwrap(), vec![first.clone()]);
    assert_eq!(c.stacks(ann.id, Some(a[0])).await.unwrap().len(), 1);
    assert!(c.stacks(ann.id, Some(a[1])).await.unwrap().is_empty());
    assert!(c.stacks(bob.id, None).await.unwrap().is_empty());

    // Headed by a[0]: the first stack is merged into the new one, all its assets with it.
    let merged = c.create_stack(ann.id, &[a[0], a[2], a[2]]).await.unwrap();
    assert_ne!(merged.id, first.id);
    assert_eq!(merged.primary_asset_id, a[0]);
    assert_eq!(merged.asset_ids, vec![a[0], a[1], a[2]]);
    assert!(c.stack(first.id).await.unwrap().is_none());
    assert_eq!(c.stacks(ann.id, None).await.unwrap().len(), 1);

    // a[1] is not the primary: it moves, and the merged stack keeps the other two.
    let moved = c.create_stack(ann.id, &[a[3], a[1]]).await.unwrap();
    assert_eq!(moved.asset_ids, vec![a[3], a[1]]);
    assert_eq!(
        c.stack(merged.id).await.unwrap().unwrap().asset_ids,
        vec![a[0], a[2]]
    );

    // Another primary, among the members only.
    let changed = c.set_stack_primary(merged.id, a[2]).await.unwrap().unwrap();
    assert_eq!(changed.primary_asset_id, a[2]);
    assert_eq!(changed.asset_ids, vec![a[2], a[0]]);
    assert_eq!(
        c.set_stack_primary(merged.id, a[5])
            .await
            .unwrap()
            .unwrap()
            .primary_asset_id,
        a[2]
    );
    assert!(
        c.set_stack_primary(Uuid::new_v4(), a[0])
            .await
            .unwrap()
            .is_none()
    );

    // One left: the stack goes, its last asset is free.
    c.leave_stack(a[0]).await.unwrap();
    assert!(c.stack(merged.id).await.unwrap().is_none());
    assert_eq!(stack_of(a[2]).await, None);
    assert_eq!(stack_of(a[0]).await, None);

    // The timeline shows the stack once, as its primary, with its count.
    let triple = c.create_stack(ann.id, &[a[5], a[4], a[6]]).await.unwrap();
    let stacked = TimelineQuery {
        with_stacked: true,
        ..timeline_query(ann.id, false)
    };
    let bucket = c.timeline_bucket(&stacked, "2024-05").await.unwrap();
    let ids: Vec<String> = bucket.iter().map(|t| t.id.clone()).collect();
    let expect: Vec<String> = [a[0], a[2], a[3], a[5], a[7]]
        .iter()
        .map(Uuid::to_string)
        .collect();
    assert_eq!(ids, expect);
    let stack_column: Vec<Option<(String, i64)>> = bucket.iter().map(|t| t.stack.clone()).collect();
    assert_eq!(stack_column[2], Some((moved.id.to_string(), 2)));
    assert_eq!(stack_column[3], Some((triple.id.to_string(), 3)));
    assert_eq!(stack_column[0], None);
    assert_eq!(
        c.timeline_buckets(&stacked).await.unwrap(),
        vec![("2024-05".to_string(), 5)]
    );
    assert_eq!(
        c.timeline_buckets(&timeline_query(ann.id, false))
            .await
            .unwrap(),
        vec![("2024-05".to_string(), 8)]
    );
    let plain = c
        .timeline_bucket(&timeline_query(ann.id, false), "2024-05")
        .await
        .unwrap();
    assert_eq!(plain.len(), 8);
    assert!(plain.iter().all(|t| t.stack.is_none()));
    let summary = c.stack_summary(triple.id).await.unwrap().unwrap();
    assert_eq!((summary.primary_asset_id, summary.asset_count), (a[5], 3));

    // In the trash: still a member, no longer counted or listed.
    c.trash_assets(ann.id, &[a[6]]).await.unwrap();
    assert_eq!(
        c.stack_summary(triple.id)
            .await
            .unwrap()
            .unwrap()
            .asset_count,
        2
    );
    assert_eq!(
        c.stack(triple.id).await.unwrap().unwrap().asset_ids,
        vec![a[5], a[4]]
    );
    let bucket = c.timeline_bucket(&stacked, "2024-05").await.unwrap();
    assert_eq!(bucket[3].stack, Some((triple.id.to_string(), 2)));

    // The primary deleted for good: the earliest member outside the trash takes its place.
    c.purge_assets(&PurgeSelection::Ids {
        owner_id: ann.id,
        ids: vec![a[5]],
    })
    .await
    .unwrap();
    let after = c.stack(triple.id).await.unwrap().unwrap();
    assert_eq!(after.primary_asset_id, a[4]);
    // Then one member left: the stack goes.
    c.purge_assets(&PurgeSelection::Ids {
        owner_id: ann.id,
        ids: vec![a[6]],
    })
    .await
    .unwrap();
    assert!(c.stack(triple.id).await.unwrap().is_none());
    assert_eq!(stack_of(a[4]).await, None);

    // The sync: the owner's stacks and deletes, the partner's likewise, AssetV2's stackId.
    c.create_partner(ann.id, bob.id).await.unwrap();
    let wanted = |user: Uuid, types: &[&str]| SyncQuery {
        user_id: user,
        types: types.iter().map(|t| t.to_string()).collect(),
        checkpoints: HashMap::new(),
    };
    let (rows, now) = read_sync(c, wanted(ann.id, &["StacksV1"])).await;
    let deletes: Vec<Uuid> = rows
        .iter()
        .filter(|r| r.0 == "StackDeleteV1")
        .map(|r| r.1)
        .collect();
    for gone in [first.id, merged.id, triple.id] {
        assert!(deletes.contains(&gone), "{gone} deleted");
    }
    let live: Vec<Uuid> = rows
        .iter()
        .filter(|r| r.0 == "StackV1")
        .map(|r| r.1)
        .collect();
    assert_eq!(live, vec![moved.id]);
    let (partner_rows, _) = read_sync(c, wanted(bob.id, &["PartnerStacksV1"])).await;
    assert!(
        partner_rows
            .iter()
            .any(|r| r.0 == "PartnerStackV1" && r.1 == moved.id)
    );
    assert!(
        partner_rows
            .iter()
            .any(|r| r.0 == "PartnerStackDeleteV1" && r.1 == triple.id)
    );
    assert!(
        read_sync(c, wanted(bob.id, &["StacksV1"]))
            .await
            .0
            .is_empty()
    );
    let mut stream = c.stream_sync(wanted(ann.id, &["AssetsV2"]));
    let mut stack_ids = HashMap::new();
    while let Some(event) = next_event(&mut stream).await {
        if let SyncEvent::Row(SyncItem {
            row: SyncRow::Asset(asset),
            ..
        }) = event.unwrap()
        {
            stack_ids.insert(asset.id, asset.stack_id);
        }
    }
    assert_eq!(stack_ids[&a[3]], Some(moved.id));
    assert_eq!(stack_ids[&a[0]], None);

    // Deleting a stack frees its assets and is streamed from the last checkpoint.
    c.delete_stacks(&[moved.id]).await.unwrap();
    assert_eq!(stack_of(a[1]).await, None);
    assert!(c.stacks(ann.id, None).await.unwrap().is_empty());
    let mut since = wanted(ann.id, &["StacksV1"]);
    for kind in ["StackV1", "StackDeleteV1"] {
        since.checkpoints.insert(kind.to_string(), now.clone());
    }
    let (rows, _) = read_sync(c, since).await;
    assert_eq!(
        rows.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
        vec![("StackDeleteV1", moved.id)]
    );

    // An account deleted for good takes its stacks along.
    let pair = c.create_stack(ann.id, &[a[0], a[2]]).await.unwrap();
    c.purge_assets(&PurgeSelection::Owner { owner_id: ann.id })
        .await
        .unwrap();
    assert!(c.stack(pair.id).await.unwrap().is_none());
}

/// An asset whose preview is made (a thumbhash), as "on this day" wants them.
async fn previewed_asset(c: &dyn Catalog, owner: Uuid, seed: &str, taken: Timestamp) -> Asset {
    let mut a = asset(owner, seed, taken);
    a.thumbhash = Some(vec![1, 2, 3]);
    assert_eq!(
        c.insert_asset(&a, &[], &[]).await.unwrap(),
        InsertOutcome::Created
    );
    a
}

/// A whole sync stream's memory rows: (entity type, memory, asset if any).
async fn memory_sync(
    c: &dyn Catalog,
    query: SyncQuery,
) -> (Vec<(&'static str, Uuid, Option<Uuid>)>, String) {
    let mut stream = c.stream_sync(query);
    let mut rows = Vec::new();
    while let Some(event) = next_event(&mut stream).await {
        match event.unwrap() {
            SyncEvent::Row(item) => {
                let (memory, asset) = match &item.row {
                    SyncRow::Memory(m) => {
                        assert!(m.assets.is_empty(), "a synced memory carries no assets");
                        (m.id, None)
                    }
                    SyncRow::MemoryDelete(id) => (*id, None),
                    SyncRow::MemoryToAsset {
                        memory_id,
                        asset_id,
                    }
                    | SyncRow::MemoryToAssetDelete {
                        memory_id,
                        asset_id,
                    } => (*memory_id, Some(*asset_id)),
                    other => panic!("unexpected row {other:?}"),
                };
                rows.push((item.row.entity_type(), memory, asset));
            }
            SyncEvent::Complete(now) => return (rows, now),
        }
    }
    panic!("the stream ended without Complete");
}

/// Memories: made with their assets (each once), read back by their owner's search (shown
/// window, saved, type, trashed, order, size), counted, changed, assets put in and taken out;
/// only timeline assets not in the trash are listed; "on this day" generation per year, the
/// qualifying photos only, at most 20 a year, idempotent; the clean-up; deletes and sync.
pub async fn memories(c: &dyn Catalog) {
    use chrono::NaiveDate;
    use ferrotype_core::catalog::memories::{day_end, day_start};
    use ferrotype_core::catalog::{
        Memory, MemoryChange, MemoryOrder, MemorySearch, NewMemory, ON_THIS_DAY,
    };

    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let a1 = stored_asset(c, ann.id, "a1", day(2020, 3, 1)).await;
    let a2 = stored_asset(c, ann.id, "a2", day(2019, 3, 1)).await;
    let archived = stored_asset(c, ann.id, "archived", day(2018, 3, 1)).await;
    let new = |at: Timestamp, show: Option<(Timestamp, Timestamp)>| NewMemory {
        owner_id: ann.id,
        kind: ON_THIS_DAY.to_string(),
        data: serde_json::json!({ "year": 2020 }),
        is_saved: false,
        memory_at: at,
        seen_at: None,
        show_at: show.map(|s| s.0),
        hide_at: show.map(|s| s.1),
    };
    let march = day(2025, 3, 1);
    let window = (march - Duration::hours(12), march + Duration::hours(12));
    let m1 = c
        .create_memory(
            &new(day(2020, 3, 1), Some(window)),
            &[a1.id, a2.id, a1.id, archived.id],
        )
        .await
        .unwrap();
    let ids = |m: &Memory| m.assets.iter().map(|a| a.id).collect::<Vec<_>>();
    assert_eq!(m1.owner_id, ann.id);
    assert_eq!(m1.data, serde_json::json!({ "year": 2020 }));
    assert_eq!(m1.show_at, Some(window.0));
    assert!(!m1.is_saved);
    assert_eq!(
        ids(&m1),
        vec![archived.id, a2.id, a1.id],
        "each asset once, oldest first"
    );
    let m2 = c
        .create_memory(&new(day(2021, 3, 1), None), &[])
        .await
        .unwrap();
    assert!(m2.assets.is_empty());
    assert_eq!(c.memory(m1.id).await.unwrap().unwrap(), m1);
    assert!(c.memory(Uuid::new_v4()).await.unwrap().is_none());

    // Archived and trashed assets stay in the memory but are not listed.
    let archive = AssetChange {
        visibility: Some(Visibility::Archive),
        ..Default::default()
    };
    c.update_assets(ann.id, &[archived.id], &archive)
        .await
        .unwrap();
    c.trash_assets(ann.id, &[a2.id]).await.unwrap();
    assert_eq!(ids(&c.memory(m1.id).await.unwrap().unwrap()), vec![a1.id]);
    c.restore_assets(ann.id, Some(&[a2.id])).await.unwrap();

    // The search.
    let all = MemorySearch {
        owner_id: ann.id,
        ..Default::default()
    };
    let found = |ms: Vec<Memory>| ms.iter().map(|m| m.id).collect::<Vec<_>>();
    assert_eq!(
        found(c.memories(&all).await.unwrap()),
        vec![m2.id, m1.id],
        "newest memoryAt first by default"
    );
    let asc = MemorySearch {
        order: MemoryOrder::Asc,
        ..all.clone()
    };
    assert_eq!(found(c.memories(&asc).await.unwrap()), vec![m1.id, m2.id]);
    let one = MemorySearch {
        size: Some(1),
        ..asc.clone()
    };
    assert_eq!(found(c.memories(&one).await.unwrap()), vec![m1.id]);
    assert_eq!(
        c.memories(&MemorySearch {
            order: MemoryOrder::Random,
            ..all.clone()
        })
        .await
        .unwrap()
        .len(),
        2
    );
    // Shown at a time: a memory without a window always, one with a window inside it only.
    let at = |t: Timestamp| MemorySearch {
        shown_at: Some(t),
        ..asc.clone()
    };
    assert_eq!(
        found(c.memories(&at(march)).await.unwrap()),
        vec![m1.id, m2.id]
    );
    assert_eq!(
        found(c.memories(&at(window.0)).await.unwrap()),
        vec![m1.id, m2.id]
    );
    assert_eq!(
        found(c.memories(&at(window.1)).await.unwrap()),
        vec![m1.id, m2.id]
    );
    assert_eq!(
        found(
            c.memories(&at(window.1 + Duration::milliseconds(1)))
                .await
                .unwrap()
        ),
        vec![m2.id]
    );
    assert_eq!(c.memory_count(&at(day(2024, 1, 1))).await.unwrap(), 1);
    assert_eq!(c.memory_count(&all).await.unwrap(), 2);
    let others = MemorySearch {
        owner_id: bob.id,
        ..Default::default()
    };
    assert!(c.memories(&others).await.unwrap().is_empty());
    let typed = |kind: &str| MemorySearch {
        kind: Some(kind.to_string()),
        ..all.clone()
    };
    assert_eq!(c.memory_count(&typed(ON_THIS_DAY)).await.unwrap(), 2);
    assert_eq!(c.memory_count(&typed("other")).await.unwrap(), 0);
    let trashed = MemorySearch {
        trashed: true,
        ..all.clone()
    };
    assert_eq!(c.memory_count(&trashed).await.unwrap(), 0);

    // Changes.
    let seen = now();
    let saved = c
        .update_memory(
            m2.id,
            &MemoryChange {
                is_saved: Some(true),
                seen_at: Some(seen),
                memory_at: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert!(saved.is_saved);
    assert_eq!(saved.seen_at, Some(seen));
    assert_eq!(saved.memory_at, m2.memory_at);
    assert!(saved.updated_at >= m2.updated_at);
    let saved_search = |s: bool| MemorySearch {
        is_saved: Some(s),
        ..all.clone()
    };
    assert_eq!(
        found(c.memories(&saved_search(true)).await.unwrap()),
        vec![m2.id]
    );
    assert_eq!(
        found(c.memories(&saved_search(false)).await.unwrap()),
        vec![m1.id]
    );
    assert!(
        c.update_memory(Uuid::new_v4(), &MemoryChange::default())
            .await
            .unwrap()
            .is_none()
    );

    // Assets in and out.
    assert_eq!(
        c.memory_asset_ids(m1.id, &[a1.id, Uuid::new_v4(), a2.id])
            .await
            .unwrap(),
        vec![a1.id, a2.id]
    );
    let a3 = stored_asset(c, ann.id, "a3", day(2017, 3, 1)).await;
    c.add_memory_assets(m2.id, &[a3.id, a1.id]).await.unwrap();
    c.add_memory_assets(m2.id, &[a3.id]).await.unwrap();
    assert_eq!(
        ids(&c.memory(m2.id).await.unwrap().unwrap()),
        vec![a3.id, a1.id]
    );
    c.remove_memory_assets(m2.id, &[a3.id, Uuid::new_v4()])
        .await
        .unwrap();
    assert_eq!(ids(&c.memory(m2.id).await.unwrap().unwrap()), vec![a1.id]);

    // Sync: the memories and their assets, then only what changed: deletes first.
    let mut query = SyncQuery {
        user_id: ann.id,
        types: vec!["MemoryToAssetsV1".into(), "MemoriesV1".into()],
        checkpoints: HashMap::new(),
    };
    let (rows, now1) = memory_sync(c, query.clone()).await;
    let memories_seen: Vec<_> = rows
        .iter()
        .filter(|r| r.0 == "MemoryV1")
        .map(|r| r.1)
        .collect();
    assert_eq!(memories_seen.len(), 2);
    assert!(memories_seen.contains(&m1.id) && memories_seen.contains(&m2.id));
    assert_eq!(rows.iter().filter(|r| r.0 == "MemoryToAssetV1").count(), 4);
    assert_eq!(rows[0].0, "MemoryV1", "memories before their assets");
    let bobs = SyncQuery {
        user_id: bob.id,
        ..query.clone()
    };
    assert!(memory_sync(c, bobs).await.0.is_empty());
    for kind in [
        "MemoryV1",
        "MemoryDeleteV1",
        "MemoryToAssetV1",
        "MemoryToAssetDeleteV1",
    ] {
        query.checkpoints.insert(kind.to_string(), now1.clone());
    }
    c.remove_memory_assets(m1.id, &[a1.id]).await.unwrap();
    assert!(c.delete_memory(m2.id).await.unwrap());
    assert!(!c.delete_memory(m2.id).await.unwrap());
    assert!(c.memory(m2.id).await.unwrap().is_none());
    let (rows, _) = memory_sync(c, query.clone()).await;
    assert_eq!(
        rows,
        vec![
            ("MemoryDeleteV1", m2.id, None),
            // Taking an asset out touched the memory.
            ("MemoryV1", m1.id, None),
            ("MemoryToAssetDeleteV1", m1.id, Some(a1.id)),
        ]
    );
    // A purged asset leaves its memories, and the app hears of it.
    let (_, now2) = memory_sync(c, query.clone()).await;
    for kind in [
        "MemoryV1",
        "MemoryDeleteV1",
        "MemoryToAssetV1",
        "MemoryToAssetDeleteV1",
    ] {
        query.checkpoints.insert(kind.to_string(), now2.clone());
    }
    c.purge_assets(&PurgeSelection::Ids {
        owner_id: ann.id,
        ids: vec![a2.id],
    })
    .await
    .unwrap();
    let (rows, _) = memory_sync(c, query.clone()).await;
    assert_eq!(rows, vec![("MemoryToAssetDeleteV1", m1.id, Some(a2.id))]);

    // "On this day": 1 March 2025, for every earlier year with qualifying photos.
    let today = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    let cat = stored_user(c, "cat@example.com").await;
    let at_day = |y: i32, h: u32| Utc.with_ymd_and_hms(y, 3, 1, h, 0, 0).unwrap();
    let mut in_2022 = Vec::new();
    for i in 0..22 {
        let a = previewed_asset(
            c,
            cat.id,
            &format!("2022-{i}"),
            at_day(2022, 0) + Duration::minutes(i),
        )
        .await;
        in_2022.push(a.id);
    }
    let in_2019 = previewed_asset(c, cat.id, "2019", at_day(2019, 23)).await;
    // Not qualifying: no preview yet, trashed, archived, another day, this year, someone else's.
    stored_asset(c, cat.id, "no preview", at_day(2021, 10)).await;
    let binned = previewed_asset(c, cat.id, "binned", at_day(2020, 10)).await;
    c.trash_assets(cat.id, &[binned.id]).await.unwrap();
    let hidden = previewed_asset(c, cat.id, "hidden", at_day(2018, 10)).await;
    c.update_assets(cat.id, &[hidden.id], &archive)
        .await
        .unwrap();
    previewed_asset(c, cat.id, "the day after", day(2017, 3, 2)).await;
    previewed_asset(
        c,
        cat.id,
        "the day before",
        Utc.with_ymd_and_hms(2017, 2, 28, 23, 59, 59).unwrap(),
    )
    .await;
    previewed_asset(c, cat.id, "today", at_day(2025, 8)).await;
    previewed_asset(c, bob.id, "bob's", at_day(2016, 8)).await;
    let oldest = previewed_asset(c, cat.id, "oldest", day(2010, 6, 1)).await;
    let made = c.create_on_this_day_memories(cat.id, today).await.unwrap();
    assert_eq!(made.len(), 2, "2019 and 2022");
    let cats = MemorySearch {
        owner_id: cat.id,
        order: MemoryOrder::Asc,
        ..Default::default()
    };
    let generated = c.memories(&cats).await.unwrap();
    assert_eq!(generated.len(), 2);
    let (y2019, y2022) = (&generated[0], &generated[1]);
    assert_eq!(y2019.kind, ON_THIS_DAY);
    assert_eq!(y2019.data, serde_json::json!({ "year": 2019 }));
    assert_eq!(
        y2019.memory_at,
        day_start(NaiveDate::from_ymd_opt(2019, 3, 1).unwrap())
    );
    assert_eq!(y2019.show_at, Some(day_start(today)));
    assert_eq!(y2019.hide_at, Some(day_end(today)));
    assert!(!y2019.is_saved);
    assert_eq!(ids(y2019), vec![in_2019.id]);
    assert_eq!(y2022.data, serde_json::json!({ "year": 2022 }));
    assert_eq!(
        ids(y2022),
        in_2022[..20].to_vec(),
        "at most 20, oldest first"
    );
    assert_eq!(
        found(
            c.memories(&MemorySearch {
                shown_at: Some(day_start(today)),
                ..cats.clone()
            })
            .await
            .unwrap()
        ),
        vec![y2019.id, y2022.id]
    );
    assert!(
        c.memories(&MemorySearch {
            shown_at: Some(day_start(today) + Duration::days(1)),
            ..cats.clone()
        })
        .await
        .unwrap()
        .is_empty()
    );
    // Again: nothing new.
    assert!(
        c.create_on_this_day_memories(cat.id, today)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(c.memory_count(&cats).await.unwrap(), 2);
    // Another day of the oldest photo's: its own memory.
    let june = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    let made = c.create_on_this_day_memories(cat.id, june).await.unwrap();
    assert_eq!(made.len(), 1);
    assert_eq!(
        ids(&c.memory(made[0]).await.unwrap().unwrap()),
        vec![oldest.id]
    );
    // No photos at all: nothing.
    let dan = stored_user(c, "dan@example.com").await;
    assert!(
        c.create_on_this_day_memories(dan.id, today)
            .await
            .unwrap()
            .is_empty()
    );

    // The clean-up: assets off the timeline leave memories; unsaved memories made before the
    // limit go, saved ones stay.
    let kept = c
        .update_memory(
            y2019.id,
            &MemoryChange {
                is_saved: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    c.update_assets(cat.id, &[in_2022[0]], &archive)
        .await
        .unwrap();
    assert_eq!(
        c.clean_up_memories(now() - Duration::days(30))
            .await
            .unwrap(),
        0
    );
    assert!(
        c.memory_asset_ids(y2022.id, &[in_2022[0]])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        c.memory_asset_ids(y2022.id, &[in_2022[1]]).await.unwrap(),
        vec![in_2022[1]]
    );
    let deleted = c
        .clean_up_memories(now() + Duration::seconds(1))
        .await
        .unwrap();
    assert!(deleted >= 2, "every unsaved memory so far");
    assert_eq!(found(c.memories(&cats).await.unwrap()), vec![kept.id]);
}

/// Asset edits: replaced as a whole (new ids, in order), `is_edited` kept with them, the job
/// enqueued with the write, the sync's upserts and deletes (none for a purged asset's edits).
pub async fn asset_edits(c: &dyn Catalog) {
    use ferrotype_core::edits::{EditAction, MirrorAxis};
    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let photo = stored_asset(c, ann.id, "photo", day(2024, 6, 1)).await;
    let bobs = stored_asset(c, bob.id, "bobs", day(2024, 6, 2)).await;
    assert!(c.asset_edits(photo.id).await.unwrap().is_empty());
    assert!(!c.asset(photo.id).await.unwrap().unwrap().is_edited);

    let crop = EditAction::Crop {
        x: 10,
        y: 20,
        width: 300,
        height: 200,
    };
    let rotate = EditAction::Rotate { angle: 90 };
    let mirror = EditAction::Mirror {
        axis: MirrorAxis::Horizontal,
    };
    let job = NewJob::of(&GenerateThumbnailsJob::new(photo.id));
    let made = c
        .replace_asset_edits(
            photo.id,
            &[crop, rotate, mirror],
            std::slice::from_ref(&job),
        )
        .await
        .unwrap();
    assert_eq!(
        made.iter()
            .map(|e| (e.action, e.sequence))
            .collect::<Vec<_>>(),
        vec![(crop, 0), (rotate, 1), (mirror, 2)]
    );
    assert!(made.iter().all(|e| e.asset_id == photo.id));
    assert_eq!(c.asset_edits(photo.id).await.unwrap(), made);
    assert!(c.asset(photo.id).await.unwrap().unwrap().is_edited);
    assert!(!c.asset(bobs.id).await.unwrap().unwrap().is_edited);
    // The thumbnails job came with the write.
    let claimed = c
        .claim_job(QueueName::ThumbnailGeneration, "w", LEASE)
        .await
        .unwrap()
        .expect("the thumbnail job is enqueued with the edits");
    assert_eq!(claimed.asset_id, Some(photo.id));

    let query = |checkpoints: HashMap<String, String>| SyncQuery {
        user_id: ann.id,
        types: vec!["AssetEditsV1".into()],
        checkpoints,
    };
    // Rows written by one transaction come in cursor order, which need not be their sequence
    // (PostgreSQL's cursors of one transaction share its millisecond): clients sort by it.
    let sorted = |mut v: Vec<(&'static str, Uuid)>| {
        v.sort();
        v
    };
    let (rows, now) = read_sync(c, query(HashMap::new())).await;
    let seen: Vec<(&str, Uuid)> = rows.iter().map(|(t, id, _)| (*t, *id)).collect();
    assert_eq!(
        sorted(seen),
        sorted(made.iter().map(|e| ("AssetEditV1", e.id)).collect())
    );
    // Bob sees none of Ann's edits.
    let (bobs_rows, _) = read_sync(
        c,
        SyncQuery {
            user_id: bob.id,
            ..query(HashMap::new())
        },
    )
    .await;
    assert!(bobs_rows.is_empty());

    // A new list replaces the old one: its edits deleted (for the sync), new ids.
    let again = c
        .replace_asset_edits(photo.id, &[EditAction::Rotate { angle: 180 }], &[])
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert!(made.iter().all(|e| e.id != again[0].id));
    let checkpoints: HashMap<String, String> = ["AssetEditV1", "AssetEditDeleteV1"]
        .iter()
        .map(|t| (t.to_string(), now.clone()))
        .collect();
    let (rows, _) = read_sync(c, query(checkpoints.clone())).await;
    let seen: Vec<(&str, Uuid)> = rows.iter().map(|(t, id, _)| (*t, *id)).collect();
    assert_eq!(
        sorted(seen[..3].to_vec()),
        sorted(made.iter().map(|e| ("AssetEditDeleteV1", e.id)).collect()),
        "deletes first"
    );
    assert_eq!(&seen[3..], &[("AssetEditV1", again[0].id)], "then upserts");

    // None: the asset is no longer edited.
    assert!(
        c.replace_asset_edits(photo.id, &[], &[])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(c.asset_edits(photo.id).await.unwrap().is_empty());
    assert!(!c.asset(photo.id).await.unwrap().unwrap().is_edited);

    // An asset that does not exist has no edits to replace.
    assert!(matches!(
        c.replace_asset_edits(Uuid::new_v4(), &[rotate], &[]).await,
        Err(CatalogError::NotFound(_))
    ));

    // A purged asset takes its edits along; its AssetDeleteV1 is the news, not each edit's.
    let (_, before_purge) = read_sync(c, query(HashMap::new())).await;
    c.replace_asset_edits(photo.id, &[mirror], &[])
        .await
        .unwrap();
    c.purge_assets(&PurgeSelection::Ids {
        owner_id: ann.id,
        ids: vec![photo.id],
    })
    .await
    .unwrap();
    assert!(c.asset_edits(photo.id).await.unwrap().is_empty());
    let checkpoints: HashMap<String, String> = ["AssetEditV1", "AssetEditDeleteV1"]
        .iter()
        .map(|t| (t.to_string(), before_purge.clone()))
        .collect();
    let (rows, _) = read_sync(c, query(checkpoints)).await;
    assert!(rows.is_empty(), "{rows:?}");
}

/// People: made with Immich's defaults, read back, listed by owner in Immich's order (hidden
/// last, favourites first, named before unnamed, by name, by creation) a page at a time, with
/// or without the hidden ones, counted; changed field by field (a nullable one set, kept,
/// cleared); deleted, and gone with their owner; synced (PeopleV1).
/// `n` faces of the person on the asset (the last one's id).
async fn seen(c: &dyn Catalog, asset: Uuid, person: Uuid, n: usize) -> Uuid {
    use ferrotype_core::catalog::{FaceBox, FaceSource, NewFace};
    let mut last = Uuid::nil();
    for i in 0..n as i32 {
        last = c
            .create_face(&NewFace {
                asset_id: asset,
                person_id: Some(person),
                bounds: FaceBox {
                    image_width: 100,
                    image_height: 100,
                    x1: i,
                    y1: i,
                    x2: i + 10,
                    y2: i + 10,
                },
                source: FaceSource::Manual,
            })
            .await
            .unwrap()
            .id;
    }
    last
}

pub async fn people(c: &dyn Catalog) {
    use chrono::NaiveDate;
    use ferrotype_core::catalog::{NewPerson, PeopleCount, Person, PersonChange};

    let ann = stored_user(c, "ann@example.com").await;
    let bob = stored_user(c, "bob@example.com").await;
    let make = |name: &str| NewPerson {
        owner_id: ann.id,
        name: name.to_string(),
        ..Default::default()
    };
    let birth = NaiveDate::from_ymd_opt(1990, 1, 31).unwrap();
    let alice = c
        .create_person(&NewPerson {
            birth_date: Some(birth),
            color: Some("#a0b1c2".into()),
            ..make("Alice")
        })
        .await
        .unwrap();
    assert_eq!(alice.owner_id, ann.id);
    assert_eq!(alice.name, "Alice");
    assert_eq!(alice.birth_date, Some(birth));
    assert_eq!(alice.color.as_deref(), Some("#a0b1c2"));
    assert_eq!(alice.thumbnail_path, "");
    assert_eq!(alice.face_asset_id, None);
    assert!(!alice.is_hidden && !alice.is_favorite);
    assert_eq!(alice.created_at, alice.updated_at);
    assert!((now() - alice.created_at).num_seconds().abs() < 60);
    assert_eq!(c.person(alice.id).await.unwrap().unwrap(), alice);
    assert!(c.person(Uuid::new_v4()).await.unwrap().is_none());

    let unnamed = c.create_person(&make("")).await.unwrap();
    assert_eq!(unnamed.birth_date, None);
    assert_eq!(unnamed.color, None);
    let charlie = c.create_person(&make("Charlie")).await.unwrap();
    let bill = c
        .create_person(&NewPerson {
            is_favorite: true,
            ..make("bill")
        })
        .await
        .unwrap();
    let hidden = c
        .create_person(&NewPerson {
            is_hidden: true,
            is_favorite: true,
            ..make("Aaron")
        })
        .await
        .unwrap();
    let bobs = c
        .create_person(&NewPerson {
            owner_id: bob.id,
            name: "Bob's".into(),
            ..Default::default()
        })
        .await
        .unwrap();

    // Listed are those seen on the timeline: with a face there, and a name or 3 faces.
    let anns_photo = stored_asset(c, ann.id, "ann's photo", day(2024, 1, 1)).await;
    let bobs_photo = stored_asset(c, bob.id, "bob's photo", day(2024, 1, 1)).await;
    for (person, photo, faces) in [
        (&alice, &anns_photo, 1),
        (&unnamed, &anns_photo, 3),
        (&charlie, &anns_photo, 1),
        (&bill, &anns_photo, 1),
        (&hidden, &anns_photo, 1),
        (&bobs, &bobs_photo, 1),
    ] {
        seen(c, photo.id, person.id, faces).await;
    }
    let ids = |people: &[Person]| people.iter().map(|p| p.id).collect::<Vec<_>>();
    let page = c.people(ann.id, false, 3, 0, 500).await.unwrap();
    assert_eq!(
        ids(&page.people),
        vec![bill.id, alice.id, charlie.id, unnamed.id],
        "favourites first, then named by name (byte order), unnamed last; no hidden"
    );
    assert!(!page.has_next_page);
    let page = c.people(ann.id, true, 3, 0, 500).await.unwrap();
    assert_eq!(
        ids(&page.people),
        vec![bill.id, alice.id, charlie.id, unnamed.id, hidden.id],
        "the hidden last, favourite or not"
    );
    let page = c.people(ann.id, true, 3, 1, 2).await.unwrap();
    assert_eq!(ids(&page.people), vec![alice.id, charlie.id]);
    assert!(page.has_next_page);
    let page = c.people(ann.id, true, 3, 3, 2).await.unwrap();
    assert_eq!(ids(&page.people), vec![unnamed.id, hidden.id]);
    assert!(!page.has_next_page, "the last page");
    assert!(
        c.people(ann.id, true, 3, 5, 2)
            .await
            .unwrap()
            .people
            .is_empty()
    );
    assert_eq!(
        c.people_count(ann.id).await.unwrap(),
        PeopleCount {
            total: 5,
            hidden: 1
        }
    );
    assert_eq!(
        ids(&c.people(bob.id, true, 3, 0, 500).await.unwrap().people),
        vec![bobs.id]
    );
    let nobody = stored_user(c, "nobody@example.com").await;
    assert_eq!(
        c.people_count(nobody.id).await.unwrap(),
        PeopleCount::default()
    );
    // Same name: the first made first (a moment later: ids break ties within a millisecond).
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let alice2 = c.create_person(&make("Alice")).await.unwrap();
    seen(c, anns_photo.id, alice2.id, 1).await;
    assert_eq!(
        ids(&c.people(ann.id, false, 3, 1, 2).await.unwrap().people),
        vec![alice.id, alice2.id]
    );
    // Not seen: without a face, with only a deleted one, or only on an asset in the trash;
    // neither listed nor counted.
    let unseen = c.create_person(&make("Unseen")).await.unwrap();
    let deleted_face = seen(c, anns_photo.id, unseen.id, 1).await;
    c.soft_delete_face(deleted_face).await.unwrap();
    let trashed = c.create_person(&make("Trashed")).await.unwrap();
    let binned = stored_asset(c, ann.id, "binned", day(2024, 1, 2)).await;
    seen(c, binned.id, trashed.id, 1).await;
    c.trash_assets(ann.id, &[binned.id]).await.unwrap();
    let listed = ids(&c.people(ann.id, true, 3, 0, 500).await.unwrap().people);
    assert!(!listed.contains(&unseen.id) && !listed.contains(&trashed.id));
    assert_eq!(c.people_count(ann.id).await.unwrap().total, 6);
    // An unnamed person needs the faces asked for; counted whatever their number.
    assert!(!ids(&c.people(ann.id, false, 4, 0, 500).await.unwrap().people).contains(&unnamed.id));
    // More faces first, after the named.
    seen(c, anns_photo.id, charlie.id, 2).await;
    assert_eq!(
        ids(&c.people(ann.id, false, 3, 0, 500).await.unwrap().people),
        vec![bill.id, charlie.id, alice.id, alice2.id, unnamed.id]
    );

    // Changes: what is given changes, the rest stays; updated_at moves.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let renamed = c
        .update_person(
            alice.id,
            &PersonChange {
                name: Some("Alicia".into()),
                is_favorite: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(renamed.name, "Alicia");
    assert!(renamed.is_favorite);
    assert_eq!(renamed.birth_date, Some(birth), "kept");
    assert_eq!(renamed.color.as_deref(), Some("#a0b1c2"), "kept");
    assert_eq!(renamed.created_at, alice.created_at);
    assert!(renamed.updated_at > alice.updated_at);
    assert_eq!(c.person(alice.id).await.unwrap().unwrap(), renamed);
    let cleared = c
        .update_person(
            alice.id,
            &PersonChange {
                birth_date: Some(None),
                color: Some(None),
                is_hidden: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cleared.birth_date, None);
    assert_eq!(cleared.color, None);
    assert!(cleared.is_hidden);
    assert_eq!(cleared.name, "Alicia");
    let set = c
        .update_person(
            unnamed.id,
            &PersonChange {
                birth_date: Some(Some(birth)),
                color: Some(Some("#333".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(set.birth_date, Some(birth));
    assert_eq!(set.color.as_deref(), Some("#333"));
    // Nothing to change still touches updated_at, as Immich's update does.
    let touched = c
        .update_person(charlie.id, &PersonChange::default())
        .await
        .unwrap()
        .unwrap();
    assert!(touched.updated_at >= charlie.updated_at);
    assert_eq!(touched.name, charlie.name);
    assert!(
        c.update_person(Uuid::new_v4(), &PersonChange::default())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        c.people_count(ann.id).await.unwrap(),
        PeopleCount {
            total: 6,
            hidden: 2
        }
    );

    // Deletes: those that exist are counted.
    assert_eq!(
        c.delete_people(&[charlie.id, alice2.id, Uuid::new_v4()])
            .await
            .unwrap(),
        2
    );
    assert!(c.person(charlie.id).await.unwrap().is_none());
    assert_eq!(c.delete_people(&[]).await.unwrap(), 0);
    assert_eq!(c.people_count(ann.id).await.unwrap().total, 4);

    // A user's people go with the user.
    c.delete_user(bob.id).await.unwrap();
    assert!(c.person(bobs.id).await.unwrap().is_none());
    assert_eq!(c.people_count(ann.id).await.unwrap().total, 4);

    // The sync (PeopleV1): the owner's deletions, then their people; from checkpoints, only
    // what changed since.
    let query = |checkpoints: HashMap<String, String>| SyncQuery {
        user_id: ann.id,
        types: vec!["PeopleV1".into()],
        checkpoints,
    };
    let sorted = |mut v: Vec<(&'static str, Uuid)>| {
        v.sort();
        v
    };
    // PostgreSQL streams up to the start of the oldest open transaction, by the millisecond:
    // what was written in the same millisecond as the read comes in the next one.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (rows, now) = read_sync(c, query(HashMap::new())).await;
    let lines: Vec<(&str, Uuid)> = rows.iter().map(|(t, id, _)| (*t, *id)).collect();
    assert_eq!(lines.len(), 8, "{lines:?}");
    assert_eq!(
        sorted(lines[..2].to_vec()),
        sorted(vec![
            ("PersonDeleteV1", charlie.id),
            ("PersonDeleteV1", alice2.id)
        ]),
        "deletes first, the owner's only"
    );
    assert_eq!(
        sorted(lines[2..].to_vec()),
        sorted(
            [
                alice.id, unnamed.id, bill.id, hidden.id, unseen.id, trashed.id
            ]
            .iter()
            .map(|id| ("PersonV1", *id))
            .collect()
        )
    );
    let (bobs_rows, _) = read_sync(
        c,
        SyncQuery {
            user_id: nobody.id,
            types: vec!["PeopleV1".into()],
            checkpoints: HashMap::new(),
        },
    )
    .await;
    assert!(bobs_rows.is_empty());
    let checkpoints: HashMap<String, String> = ["PersonV1", "PersonDeleteV1"]
        .iter()
        .map(|t| (t.to_string(), now.clone()))
        .collect();
    assert!(read_sync(c, query(checkpoints.clone())).await.0.is_empty());
    c.update_person(
        bill.id,
        &PersonChange {
            name: Some("Bill".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    c.delete_people(&[unnamed.id]).await.unwrap();
    // PostgreSQL streams up to the start of the oldest open transaction, by the millisecond:
    // what was written in the same millisecond as the read comes in the next one.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (rows, _) = read_sync(c, query(checkpoints)).await;
    let lines: Vec<(&str, Uuid)> = rows.iter().map(|(t, id, _)| (*t, *id)).collect();
    assert_eq!(
        lines,
        [("PersonDeleteV1", unnamed.id), ("PersonV1", bill.id)]
    );
}

/// Faces: boxes on assets for people; an asset's faces from left to right, a person's assets
/// counted on the timeline outside the trash, faces moved between people, soft and hard
/// deletes, the feature face cleared when its face goes, faces gone with their asset.
pub async fn faces(c: &dyn Catalog) {
    use ferrotype_core::catalog::{Face, FaceBox, FaceSource, NewFace, NewPerson};

    let ann = stored_user(c, "ann@example.com").await;
    let photo = stored_asset(c, ann.id, "photo", day(2024, 5, 1)).await;
    let other = stored_asset(c, ann.id, "other", day(2024, 5, 2)).await;
    let person = |name: &str| NewPerson {
        owner_id: ann.id,
        name: name.to_string(),
        ..Default::default()
    };
    let alice = c.create_person(&person("Alice")).await.unwrap();
    let bea = c.create_person(&person("Bea")).await.unwrap();
    let bounds = |x1: i32| FaceBox {
        image_width: 1000,
        image_height: 800,
        x1,
        y1: 100,
        x2: x1 + 200,
        y2: 300,
    };
    let new_face = |asset: Uuid, person: Option<Uuid>, x1: i32| NewFace {
        asset_id: asset,
        person_id: person,
        bounds: bounds(x1),
        source: FaceSource::Manual,
    };

    let right = c
        .create_face(&new_face(photo.id, Some(alice.id), 600))
        .await
        .unwrap();
    assert_eq!(right.asset_id, photo.id);
    assert_eq!(right.person_id, Some(alice.id));
    assert_eq!(right.bounds, bounds(600));
    assert_eq!(right.source, FaceSource::Manual);
    assert!(right.is_visible);
    assert_eq!(right.deleted_at, None);
    assert!((now() - right.created_at).num_seconds().abs() < 60);
    assert_eq!(c.face(right.id).await.unwrap().unwrap(), right);
    assert!(c.face(Uuid::new_v4()).await.unwrap().is_none());
    let left = c.create_face(&new_face(photo.id, None, 10)).await.unwrap();
    assert_eq!(left.person_id, None);
    let ids = |faces: &[Face]| faces.iter().map(|f| f.id).collect::<Vec<_>>();
    assert_eq!(
        ids(&c.asset_faces(photo.id).await.unwrap()),
        vec![left.id, right.id],
        "left to right"
    );
    assert!(c.asset_faces(other.id).await.unwrap().is_empty());
    assert_eq!(
        ids(&c.person_faces_on_asset(alice.id, photo.id).await.unwrap()),
        vec![right.id]
    );
    assert!(
        c.person_faces_on_asset(alice.id, other.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        c.first_face_of_person(alice.id)
            .await
            .unwrap()
            .map(|f| f.id),
        Some(right.id)
    );
    assert_eq!(c.first_face_of_person(bea.id).await.unwrap(), None);

    // The feature face and the thumbnail.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let featured = c
        .set_person_face(alice.id, Some(right.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(featured.face_asset_id, Some(right.id));
    assert!(featured.updated_at > alice.updated_at);
    let shown = c
        .set_person_thumbnail(alice.id, "thumbs/a/b/c.jpeg")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shown.thumbnail_path, "thumbs/a/b/c.jpeg");
    assert_eq!(shown.face_asset_id, Some(right.id));
    assert_eq!(c.person(alice.id).await.unwrap().unwrap(), shown);
    assert!(
        c.set_person_face(Uuid::new_v4(), None)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        c.set_person_thumbnail(Uuid::new_v4(), "x")
            .await
            .unwrap()
            .is_none()
    );

    // Who needs a thumbnail made: those without one, or everyone.
    let pending: Vec<Uuid> = c
        .people_to_thumbnail(false)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    assert!(pending.contains(&bea.id) && !pending.contains(&alice.id));
    let everyone: Vec<Uuid> = c
        .people_to_thumbnail(true)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    assert!(everyone.contains(&bea.id) && everyone.contains(&alice.id));

    // Statistics: assets, not faces; the trash does not count.
    c.create_face(&new_face(photo.id, Some(alice.id), 300))
        .await
        .unwrap();
    let elsewhere = c
        .create_face(&new_face(other.id, Some(alice.id), 300))
        .await
        .unwrap();
    assert_eq!(c.person_asset_count(alice.id).await.unwrap(), 2);
    c.trash_assets(ann.id, &[other.id]).await.unwrap();
    assert_eq!(c.person_asset_count(alice.id).await.unwrap(), 1);
    assert_eq!(c.person_asset_count(bea.id).await.unwrap(), 0);

    // Reassigning one face, then merging: every face of one person to another.
    assert!(c.reassign_face(left.id, bea.id).await.unwrap());
    assert!(!c.reassign_face(Uuid::new_v4(), bea.id).await.unwrap());
    assert_eq!(
        c.face(left.id).await.unwrap().unwrap().person_id,
        Some(bea.id)
    );
    assert_eq!(c.move_faces(alice.id, bea.id).await.unwrap(), 3);
    assert_eq!(c.person_asset_count(alice.id).await.unwrap(), 0);
    assert_eq!(c.person_asset_count(bea.id).await.unwrap(), 1);
    assert_eq!(c.move_faces(alice.id, bea.id).await.unwrap(), 0);

    // A soft delete keeps the face, shown nowhere; a hard delete clears the feature face.
    assert!(c.soft_delete_face(left.id).await.unwrap());
    assert!(c.face(left.id).await.unwrap().unwrap().deleted_at.is_some());
    assert_eq!(c.asset_faces(photo.id).await.unwrap().len(), 2);
    assert!(
        c.person_faces_on_asset(bea.id, photo.id)
            .await
            .unwrap()
            .iter()
            .all(|f| f.id != left.id)
    );
    assert!(!c.soft_delete_face(Uuid::new_v4()).await.unwrap());
    assert!(c.delete_face(right.id).await.unwrap());
    assert!(!c.delete_face(right.id).await.unwrap());
    assert!(c.face(right.id).await.unwrap().is_none());
    assert_eq!(
        c.person(alice.id).await.unwrap().unwrap().face_asset_id,
        None
    );

    // A deleted person leaves its faces unassigned; a purged asset takes its faces with it,
    // and the feature face they were.
    c.delete_people(&[bea.id]).await.unwrap();
    assert_eq!(c.face(elsewhere.id).await.unwrap().unwrap().person_id, None);
    let carol = c.create_person(&person("Carol")).await.unwrap();
    c.reassign_face(elsewhere.id, carol.id).await.unwrap();
    c.set_person_face(carol.id, Some(elsewhere.id))
        .await
        .unwrap();
    c.purge_assets(&PurgeSelection::Ids {
        owner_id: ann.id,
        ids: vec![other.id],
    })
    .await
    .unwrap();
    assert!(c.face(elsewhere.id).await.unwrap().is_none());
    assert_eq!(
        c.person(carol.id).await.unwrap().unwrap().face_asset_id,
        None
    );
}
