//! Assets: uploads with their jobs, duplicates, intents, moves, edits, metadata, the trash and
//! deleting for good, and the counts.

use chrono::{DateTime, Duration, SubsecRound, TimeZone, Utc};
use ferrotype_core::catalog::CatalogError;
use ferrotype_core::catalog::prelude::*;
use ferrotype_core::jobs::payloads::{ExtractMetadataJob, GenerateThumbnailsJob};
use ferrotype_core::jobs::{AssetSelection, JobEnd, JobSource, NewJob, QueueName, names};
use ferrotype_core::model::*;
use ferrotype_postgres::PgCatalog;

use super::{catalog, user};

pub fn asset(owner: Uuid, checksum: &[u8], taken: DateTime<Utc>) -> Asset {
    let id = Uuid::new_v4();
    let now = Utc::now().trunc_subsecs(3);
    Asset {
        id,
        owner_id: owner,
        asset_type: AssetType::Image,
        original_path: format!("upload/{owner}/{id}.jpg"),
        original_file_name: "IMG_0001.jpg".into(),
        checksum: checksum.to_vec(),
        file_size: 1000,
        file_created_at: taken,
        file_modified_at: taken,
        local_date_time: taken,
        created_at: now,
        updated_at: now,
        deleted_at: None,
        visibility: Visibility::Timeline,
        is_favorite: false,
        duration_ms: None,
        live_photo_video_id: None,
        sidecar_path: None,
        device_asset_id: Some("device-asset".into()),
        device_id: Some("device".into()),
        width: None,
        height: None,
        thumbhash: None,
        stack_id: None,
        is_edited: false,
    }
}

pub fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

pub async fn with_user(c: &PgCatalog, email: &str) -> User {
    let u = user(email);
    c.create_user(&u).await.unwrap();
    u
}

use uuid::Uuid;

#[tokio::test]
async fn an_upload_is_inserted_with_its_metadata_usage_and_jobs_and_a_duplicate_changes_nothing() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let a = asset(alice.id, b"sha1-a", day(2024, 5, 1));
    c.record_upload_intent(&a.original_path).await.unwrap();
    c.record_upload_intent("upload/orphan.jpg").await.unwrap();
    let metadata = vec![("mobile-app".to_string(), r#"{"iCloudId":"x"}"#.to_string())];
    let jobs = [NewJob::of(&ExtractMetadataJob::with_source(
        a.id,
        Some(JobSource::Upload),
    ))];
    assert_eq!(
        c.insert_asset(&a, &metadata, &jobs).await.unwrap(),
        InsertOutcome::Created
    );
    assert_eq!(c.asset(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(
        c.pending_upload_intents().await.unwrap(),
        vec!["upload/orphan.jpg"]
    );
    let stored = c.asset_metadata(a.id).await.unwrap();
    assert_eq!(
        (stored[0].0.as_str(), stored[0].1.as_str()),
        ("mobile-app", r#"{"iCloudId":"x"}"#)
    );
    assert_eq!(
        c.user_by_id(alice.id)
            .await
            .unwrap()
            .unwrap()
            .quota_usage_in_bytes,
        1000
    );
    let status = c.queue_status(QueueName::MetadataExtraction).await.unwrap();
    assert_eq!(status.counts.waiting, 1);

    // The same bytes again: the first asset, and nothing else changed.
    let again = asset(alice.id, b"sha1-a", day(2024, 5, 2));
    let outcome = c
        .insert_asset(
            &again,
            &metadata,
            &[NewJob::of(&GenerateThumbnailsJob::new(again.id))],
        )
        .await;
    assert_eq!(outcome.unwrap(), InsertOutcome::Duplicate(a.id));
    assert_eq!(c.asset(again.id).await.unwrap(), None);
    assert_eq!(
        c.user_by_id(alice.id)
            .await
            .unwrap()
            .unwrap()
            .quota_usage_in_bytes,
        1000
    );
    assert_eq!(
        c.queue_status(QueueName::ThumbnailGeneration)
            .await
            .unwrap()
            .counts
            .waiting,
        0
    );

    // Another user may hold the same bytes.
    let bob = with_user(&c, "bob@example.com").await;
    let theirs = asset(bob.id, b"sha1-a", day(2024, 5, 1));
    assert_eq!(
        c.insert_asset(&theirs, &[], &[]).await.unwrap(),
        InsertOutcome::Created
    );

    // Checksums, in the order asked, with the trash told apart.
    let b = asset(alice.id, b"sha1-b", day(2024, 5, 3));
    c.insert_asset(&b, &[], &[]).await.unwrap();
    c.trash_assets(alice.id, &[b.id]).await.unwrap();
    let found = c
        .assets_by_checksums(
            alice.id,
            &[b"sha1-b".to_vec(), b"nope".to_vec(), b"sha1-a".to_vec()],
        )
        .await
        .unwrap();
    assert_eq!(
        found,
        vec![
            ChecksumMatch {
                checksum: b"sha1-b".to_vec(),
                asset_id: b.id,
                is_trashed: true
            },
            ChecksumMatch {
                checksum: b"sha1-a".to_vec(),
                asset_id: a.id,
                is_trashed: false
            },
        ]
    );
    // A path already taken is a conflict, not a duplicate.
    let mut clash = asset(alice.id, b"sha1-c", day(2024, 5, 1));
    clash.original_path = a.original_path.clone();
    let err = c.insert_asset(&clash, &[], &[]).await.unwrap_err();
    assert!(matches!(err, CatalogError::Conflict(_)), "{err}");
}

#[tokio::test]
async fn concurrent_uploads_of_the_same_bytes_make_one_asset() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let uploads = (0..8).map(|_| {
        let c = c.clone();
        let a = asset(alice.id, b"same", day(2024, 1, 1));
        tokio::spawn(async move {
            (
                a.id,
                c.insert_asset(&a, &[], &[NewJob::of(&ExtractMetadataJob::new(a.id))])
                    .await
                    .unwrap(),
            )
        })
    });
    let mut created = Vec::new();
    let mut duplicates = Vec::new();
    for u in uploads {
        match u.await.unwrap() {
            (id, InsertOutcome::Created) => created.push(id),
            (_, InsertOutcome::Duplicate(of)) => duplicates.push(of),
        }
    }
    assert_eq!(created.len(), 1);
    assert!(duplicates.iter().all(|d| *d == created[0]));
    assert_eq!(
        c.user_by_id(alice.id)
            .await
            .unwrap()
            .unwrap()
            .quota_usage_in_bytes,
        1000
    );
    assert_eq!(
        c.queue_status(QueueName::MetadataExtraction)
            .await
            .unwrap()
            .counts
            .waiting,
        1
    );
}

#[tokio::test]
async fn a_live_photos_still_hides_its_motion_part() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let mut motion = asset(alice.id, b"motion", day(2024, 1, 1));
    motion.asset_type = AssetType::Video;
    c.insert_asset(&motion, &[], &[]).await.unwrap();
    let mut still = asset(alice.id, b"still", day(2024, 1, 1));
    still.live_photo_video_id = Some(motion.id);
    c.insert_asset(&still, &[], &[]).await.unwrap();
    assert_eq!(
        c.asset(motion.id).await.unwrap().unwrap().visibility,
        Visibility::Hidden
    );
    let stats = c
        .asset_stats(alice.id, &AssetStatsFilter::default())
        .await
        .unwrap();
    assert_eq!(
        (stats.images, stats.videos),
        (1, 0),
        "hidden parts are not counted"
    );
}

#[tokio::test]
async fn moves_are_recorded_finished_and_cancelled() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let mut a = asset(alice.id, b"a", day(2024, 1, 1));
    a.sidecar_path = Some(format!("{}.xmp", a.original_path));
    c.insert_asset(&a, &[], &[]).await.unwrap();
    let mv = PendingMove {
        asset_id: a.id,
        old_path: a.original_path.clone(),
        new_path: "library/alice/2024/IMG_0001.jpg".into(),
        old_sidecar_path: a.sidecar_path.clone(),
        new_sidecar_path: Some("library/alice/2024/IMG_0001.jpg.xmp".into()),
    };
    c.begin_move(&mv).await.unwrap();
    c.begin_move(&mv).await.unwrap();
    assert_eq!(c.pending_moves().await.unwrap(), vec![mv.clone()]);
    c.finish_move(&mv).await.unwrap();
    assert!(c.pending_moves().await.unwrap().is_empty());
    let moved = c.asset(a.id).await.unwrap().unwrap();
    assert_eq!(
        (moved.original_path, moved.sidecar_path),
        (mv.new_path.clone(), mv.new_sidecar_path.clone())
    );
    c.begin_move(&mv).await.unwrap();
    c.cancel_move(a.id).await.unwrap();
    assert!(c.pending_moves().await.unwrap().is_empty());
    // A sidecar being written is not an interrupted upload while its asset has it.
    c.record_upload_intent("library/alice/2024/IMG_0001.jpg.xmp")
        .await
        .unwrap();
    assert!(c.pending_upload_intents().await.unwrap().is_empty());
    c.clear_upload_intent("library/alice/2024/IMG_0001.jpg.xmp")
        .await
        .unwrap();
}

#[tokio::test]
async fn edits_touch_only_the_owners_assets_and_lock_what_the_user_set_against_extraction() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let bob = with_user(&c, "bob@example.com").await;
    let a = asset(alice.id, b"a", day(2024, 1, 1));
    let theirs = asset(bob.id, b"b", day(2024, 1, 1));
    c.insert_asset(&a, &[], &[]).await.unwrap();
    c.insert_asset(&theirs, &[], &[]).await.unwrap();

    let n = c
        .update_assets(
            alice.id,
            &[a.id, theirs.id],
            &AssetChange {
                is_favorite: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert!(c.asset(a.id).await.unwrap().unwrap().is_favorite);
    assert!(!c.asset(theirs.id).await.unwrap().unwrap().is_favorite);

    let taken = Utc.with_ymd_and_hms(2020, 2, 3, 4, 5, 6).unwrap();
    let change = AssetChange {
        taken: Some((taken, taken + Duration::hours(2), Some("UTC+2".into()))),
        location: Some((52.5, 13.4)),
        rating: Some(Some(4)),
        description: Some("by hand".into()),
        ..Default::default()
    };
    assert_eq!(
        c.update_assets(alice.id, &[a.id], &change).await.unwrap(),
        1
    );
    let edited = c.asset(a.id).await.unwrap().unwrap();
    assert_eq!(edited.local_date_time, taken + Duration::hours(2));
    let exif = c.asset_exif(a.id).await.unwrap().unwrap();
    assert_eq!(
        (exif.date_time_original, exif.latitude, exif.rating),
        (Some(taken), Some(52.5), Some(4))
    );

    // Extraction keeps what the user set, and takes the rest.
    let found = ExifInfo {
        make: Some("Canon".into()),
        date_time_original: Some(day(2024, 6, 1)),
        local_date_time: Some(day(2024, 6, 1)),
        latitude: Some(1.0),
        longitude: Some(2.0),
        city: Some("Nowhere".into()),
        description: Some("from the file".into()),
        rating: Some(1),
        keywords: vec!["trip".into(), "trip/berlin".into()],
        ..Default::default()
    };
    c.save_metadata(
        a.id,
        &found,
        Some((4000, 3000)),
        &JobEnd::enqueue(vec![NewJob::of(&GenerateThumbnailsJob::new(a.id))]),
    )
    .await
    .unwrap();
    let exif = c.asset_exif(a.id).await.unwrap().unwrap();
    assert_eq!(exif.make.as_deref(), Some("Canon"));
    assert_eq!(
        (exif.date_time_original, exif.latitude, exif.city.as_deref()),
        (Some(taken), Some(52.5), None)
    );
    assert_eq!(
        (exif.description.as_deref(), exif.rating),
        (Some("by hand"), Some(4))
    );
    let after = c.asset(a.id).await.unwrap().unwrap();
    assert_eq!(
        after.local_date_time,
        taken + Duration::hours(2),
        "the edited date stays"
    );
    assert_eq!((after.width, after.height), (Some(4000), Some(3000)));
    let tags: Vec<_> = c
        .asset_tags(a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.value)
        .collect();
    assert_eq!(tags, vec!["trip", "trip/berlin"]);
    assert_eq!(
        c.queue_status(QueueName::ThumbnailGeneration)
            .await
            .unwrap()
            .counts
            .waiting,
        1
    );

    // Extraction of an unedited asset moves it to its capture time.
    c.save_metadata(theirs.id, &found, None, &JobEnd::default())
        .await
        .unwrap();
    assert_eq!(
        c.asset(theirs.id).await.unwrap().unwrap().local_date_time,
        day(2024, 6, 1)
    );
    assert_eq!(
        c.asset_exif(theirs.id)
            .await
            .unwrap()
            .unwrap()
            .city
            .as_deref(),
        Some("Nowhere")
    );

    c.save_thumbnails(a.id, b"hash", Some((400, 300)), &JobEnd::default())
        .await
        .unwrap();
    let after = c.asset(a.id).await.unwrap().unwrap();
    assert_eq!(
        (after.thumbhash.as_deref(), after.width),
        (Some(&b"hash"[..]), Some(400))
    );

    // "Missing" selections see what was done.
    c.empty_queue(QueueName::MetadataExtraction).await.unwrap();
    let n = c
        .enqueue_asset_jobs(
            QueueName::MetadataExtraction,
            names::EXTRACT_METADATA,
            AssetSelection::MissingMetadata,
        )
        .await
        .unwrap();
    assert_eq!(n, 0, "both were extracted");
    let n = c
        .enqueue_asset_jobs(
            QueueName::ThumbnailGeneration,
            names::GENERATE_THUMBNAILS,
            AssetSelection::MissingThumbnails,
        )
        .await
        .unwrap();
    assert_eq!(n, 1, "only bob's has no thumbnails");
    let n = c
        .enqueue_asset_jobs(
            QueueName::MetadataExtraction,
            names::EXTRACT_METADATA,
            AssetSelection::All,
        )
        .await
        .unwrap();
    assert_eq!(n, 2);

    // A deleted asset's results are refused.
    c.purge_assets(&PurgeSelection::Owner { owner_id: bob.id })
        .await
        .unwrap();
    let err = c
        .save_thumbnails(theirs.id, b"h", None, &JobEnd::default())
        .await
        .unwrap_err();
    assert!(matches!(err, CatalogError::Conflict(_)), "{err}");
    let err = c
        .save_metadata(theirs.id, &found, None, &JobEnd::default())
        .await
        .unwrap_err();
    assert!(matches!(err, CatalogError::Conflict(_)), "{err}");
}

#[tokio::test]
async fn the_trash_restores_and_purging_records_files_and_gives_back_usage() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let a = asset(alice.id, b"a", day(2024, 1, 1));
    let mut b = asset(alice.id, b"b", day(2024, 1, 2));
    b.asset_type = AssetType::Video;
    b.sidecar_path = Some("upload/b.xmp".into());
    let keep = asset(alice.id, b"k", day(2024, 1, 3));
    for x in [&a, &b, &keep] {
        c.insert_asset(x, &[], &[]).await.unwrap();
    }
    assert_eq!(c.trash_assets(alice.id, &[a.id, b.id]).await.unwrap(), 2);
    assert_eq!(
        c.trash_assets(alice.id, &[a.id]).await.unwrap(),
        0,
        "already there"
    );
    let trashed = AssetStatsFilter {
        is_trashed: Some(true),
        ..Default::default()
    };
    let stats = c.asset_stats(alice.id, &trashed).await.unwrap();
    assert_eq!((stats.images, stats.videos), (1, 1));
    assert_eq!(c.restore_assets(alice.id, Some(&[a.id])).await.unwrap(), 1);
    assert_eq!(c.restore_assets(alice.id, None).await.unwrap(), 1);
    c.trash_assets(alice.id, &[a.id, b.id]).await.unwrap();

    let purged = c
        .purge_assets(&PurgeSelection::Trash { owner_id: alice.id })
        .await
        .unwrap();
    assert_eq!(purged.len(), 2);
    let b_files = &purged.iter().find(|p| p.id == b.id).unwrap().files;
    assert_eq!(
        b_files.len(),
        7,
        "original, thumbnail, preview, their three edited variants (whether made or not), sidecar"
    );
    assert!(b_files.contains(&"upload/b.xmp".to_string()));
    let mut pending = c.pending_upload_intents().await.unwrap();
    pending.sort();
    // Every file of both, so that a crash before they are deleted leaves them to the repair:
    // six of a, seven of b (its sidecar).
    assert_eq!(pending.len(), 13);
    assert_eq!(
        c.user_by_id(alice.id)
            .await
            .unwrap()
            .unwrap()
            .quota_usage_in_bytes,
        1000
    );
    assert_eq!(c.asset(a.id).await.unwrap(), None);

    // Trashed long ago, by anyone: the daily clean-up.
    c.trash_assets(alice.id, &[keep.id]).await.unwrap();
    assert!(
        c.purge_assets(&PurgeSelection::TrashedBefore(
            Utc::now() - Duration::days(30)
        ))
        .await
        .unwrap()
        .is_empty()
    );
    let purged = c
        .purge_assets(&PurgeSelection::TrashedBefore(
            Utc::now() + Duration::seconds(1),
        ))
        .await
        .unwrap();
    assert_eq!(
        purged.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![keep.id]
    );
    assert_eq!(
        c.user_by_id(alice.id)
            .await
            .unwrap()
            .unwrap()
            .quota_usage_in_bytes,
        0
    );
}

#[tokio::test]
async fn counts_per_user_per_day_and_by_filter() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let bob = with_user(&c, "bob@example.com").await;
    let mut video = asset(alice.id, b"v", day(2024, 3, 2));
    video.asset_type = AssetType::Video;
    video.file_size = 5000;
    let mut archived = asset(alice.id, b"ar", day(2024, 3, 2));
    archived.visibility = Visibility::Archive;
    archived.is_favorite = true;
    let mut locked = asset(alice.id, b"l", day(2024, 3, 3));
    locked.visibility = Visibility::Locked;
    for x in [
        &asset(alice.id, b"i", day(2024, 3, 1)),
        &video,
        &archived,
        &locked,
    ] {
        c.insert_asset(x, &[], &[]).await.unwrap();
    }
    let all = c
        .asset_stats(alice.id, &AssetStatsFilter::default())
        .await
        .unwrap();
    assert_eq!((all.images, all.videos), (2, 1));
    let favs = AssetStatsFilter {
        is_favorite: Some(true),
        ..Default::default()
    };
    assert_eq!(c.asset_stats(alice.id, &favs).await.unwrap().images, 1);
    let locked_only = AssetStatsFilter {
        visibility: Some(Visibility::Locked),
        ..Default::default()
    };
    assert_eq!(
        c.asset_stats(alice.id, &locked_only).await.unwrap().images,
        1
    );

    let usage = c.usage_by_user().await.unwrap();
    assert_eq!(usage.len(), 2);
    assert_eq!(
        (
            usage[0].user_id,
            usage[0].photos,
            usage[0].videos,
            usage[0].usage_photos,
            usage[0].usage_videos
        ),
        (alice.id, 3, 1, 3000, 5000)
    );
    assert_eq!(
        (usage[1].user_id, usage[1].photos, usage[1].usage_photos),
        (bob.id, 0, 0)
    );

    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let by_taken = c
        .daily_asset_counts(alice.id, date(2024, 3, 1), date(2024, 3, 3), true)
        .await
        .unwrap();
    assert_eq!(by_taken, vec![(date(2024, 3, 1), 1), (date(2024, 3, 2), 2)]);
    let today = Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let by_upload = c
        .daily_asset_counts(alice.id, today, tomorrow, false)
        .await
        .unwrap();
    assert_eq!(by_upload, vec![(today, 4)]);
}
