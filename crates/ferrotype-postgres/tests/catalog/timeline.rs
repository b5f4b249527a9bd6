//! The timeline: month buckets (kept by the trigger) and one month's assets.

use chrono::{Duration, TimeZone, Utc};
use ferrotype_core::catalog::prelude::*;
use ferrotype_core::jobs::JobEnd;
use ferrotype_core::model::*;
use uuid::Uuid;

use super::assets::{asset, day, with_user};
use super::catalog;

fn mine(owner: Uuid) -> TimelineQuery {
    TimelineQuery {
        owner_ids: vec![owner],
        within: None,
        visibility: None,
        is_favorite: None,
        trashed: false,
        descending: true,
        with_stacked: false,
    }
}

#[tokio::test]
async fn buckets_follow_inserts_edits_the_trash_and_deletes() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let bob = with_user(&c, "bob@example.com").await;
    let may1 = asset(alice.id, b"1", day(2024, 5, 1));
    let may2 = asset(alice.id, b"2", day(2024, 5, 31));
    let june = asset(alice.id, b"3", day(2024, 6, 1));
    let mut archived = asset(alice.id, b"4", day(2023, 1, 1));
    archived.visibility = Visibility::Archive;
    let mut hidden = asset(alice.id, b"5", day(2023, 1, 1));
    hidden.visibility = Visibility::Hidden;
    for x in [
        &may1,
        &may2,
        &june,
        &archived,
        &hidden,
        &asset(bob.id, b"6", day(2024, 5, 1)),
    ] {
        c.insert_asset(x, &[], &[]).await.unwrap();
    }
    let q = mine(alice.id);
    let months = |v: Vec<(String, i64)>| {
        v.into_iter()
            .map(|(m, n)| format!("{m}:{n}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        months(c.timeline_buckets(&q).await.unwrap()),
        ["2024-06:1", "2024-05:2", "2023-01:1"]
    );
    let asc = TimelineQuery {
        descending: false,
        ..q.clone()
    };
    assert_eq!(
        months(c.timeline_buckets(&asc).await.unwrap()),
        ["2023-01:1", "2024-05:2", "2024-06:1"]
    );
    let archive = TimelineQuery {
        visibility: Some(Visibility::Archive),
        ..q.clone()
    };
    assert_eq!(
        months(c.timeline_buckets(&archive).await.unwrap()),
        ["2023-01:1"]
    );

    // Edits move assets between buckets; the trash is its own timeline; emptied months go.
    c.update_assets(
        alice.id,
        &[june.id],
        &AssetChange {
            is_favorite: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let favs = TimelineQuery {
        is_favorite: Some(true),
        ..q.clone()
    };
    assert_eq!(
        months(c.timeline_buckets(&favs).await.unwrap()),
        ["2024-06:1"]
    );
    let taken = Utc.with_ymd_and_hms(2022, 2, 2, 2, 2, 2).unwrap();
    c.update_assets(
        alice.id,
        &[may2.id],
        &AssetChange {
            taken: Some((taken, taken, None)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    c.trash_assets(alice.id, &[june.id]).await.unwrap();
    assert_eq!(
        months(c.timeline_buckets(&q).await.unwrap()),
        ["2024-05:1", "2023-01:1", "2022-02:1"]
    );
    let trash = TimelineQuery {
        trashed: true,
        ..q.clone()
    };
    assert_eq!(
        months(c.timeline_buckets(&trash).await.unwrap()),
        ["2024-06:1"]
    );
    c.purge_assets(&PurgeSelection::Trash { owner_id: alice.id })
        .await
        .unwrap();
    assert!(c.timeline_buckets(&trash).await.unwrap().is_empty());

    // Inside an album: counted from its assets, whoever owns them.
    let album = Album {
        id: Uuid::new_v4(),
        owner_id: alice.id,
        name: "A".into(),
        description: String::new(),
        thumbnail_asset_id: None,
        is_activity_enabled: true,
        order: "desc".into(),
        created_at: Utc::now(),
        updated_at: Utc::now(),
    };
    c.create_album(&album).await.unwrap();
    c.add_album_assets(album.id, alice.id, &[may1.id, archived.id])
        .await
        .unwrap();
    let within = TimelineQuery {
        within: Some(TimelineScope::Album(album.id)),
        owner_ids: vec![],
        ..q.clone()
    };
    assert_eq!(
        months(c.timeline_buckets(&within).await.unwrap()),
        ["2024-05:1", "2023-01:1"]
    );
    assert_eq!(
        c.timeline_bucket(&within, "2024-05").await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn a_months_assets_come_in_order_with_their_grid_fields() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let mut early = asset(alice.id, b"1", day(2024, 5, 1));
    // Taken at 12:00 local, 10:00 UTC: two hours ahead.
    early.file_created_at = day(2024, 5, 1) - Duration::hours(2);
    early.thumbhash = Some(b"hash".to_vec());
    early.width = Some(4000);
    let late = asset(alice.id, b"2", day(2024, 5, 20));
    let outside = asset(
        alice.id,
        b"3",
        Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap(),
    );
    for x in [&early, &late, &outside] {
        c.insert_asset(x, &[], &[]).await.unwrap();
    }
    c.save_metadata(
        early.id,
        &ExifInfo {
            city: Some("Berlin".into()),
            latitude: Some(52.5),
            longitude: Some(13.4),
            ..Default::default()
        },
        None,
        &JobEnd::default(),
    )
    .await
    .unwrap();
    let q = mine(alice.id);
    let got = c.timeline_bucket(&q, "2024-05").await.unwrap();
    assert_eq!(
        got.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
        vec![late.id.to_string(), early.id.to_string()]
    );
    let e = &got[1];
    assert_eq!(e.owner_id, alice.id.to_string());
    assert!(e.is_image && !e.is_favorite && !e.is_trashed);
    assert_eq!(
        (e.width, e.thumbhash.as_deref()),
        (Some(4000), Some(&b"hash"[..]))
    );
    assert_eq!(e.visibility, "timeline");
    assert_eq!(e.file_created_at, "2024-05-01T10:00:00.000Z");
    assert_eq!(
        e.created_at,
        early
            .created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    );
    assert_eq!(e.local_offset_hours, 2.0);
    assert_eq!(
        (e.city.as_deref(), e.latitude),
        (Some("Berlin"), Some(52.5))
    );
    assert_eq!(got[0].city, None);
    assert!(c.timeline_bucket(&q, "2024-13").await.unwrap().is_empty());
    assert!(c.timeline_bucket(&q, "garbage").await.unwrap().is_empty());
    assert_eq!(c.timeline_bucket(&q, "2024-06").await.unwrap().len(), 1);
}
