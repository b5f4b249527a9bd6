//! The sync stream: what each request type sends, deletes first, cursors that never skip a row
//! even with many writers, and the checkpoints.

use ferrotype_core::catalog::prelude::*;
use ferrotype_core::jobs::JobEnd;
use std::collections::HashMap;
use std::time::Duration;

use ferrotype_core::model::*;
use ferrotype_core::sync::{SyncEvent, SyncItem, SyncQuery, SyncRow};
use ferrotype_postgres::PgCatalog;
use ferrotype_postgres::testing::TestCluster;
use futures_util::StreamExt;
use uuid::Uuid;

use super::assets::{asset, day, with_user};
use super::catalog;

async fn sync(
    c: &PgCatalog,
    user: Uuid,
    types: &[&str],
    checkpoints: &HashMap<String, String>,
) -> (Vec<SyncItem>, String) {
    let query = SyncQuery {
        user_id: user,
        types: types.iter().map(|t| t.to_string()).collect(),
        checkpoints: checkpoints.clone(),
    };
    let mut stream = c.stream_sync(query);
    let mut items = Vec::new();
    while let Some(event) = stream.next().await {
        match event.unwrap() {
            SyncEvent::Row(item) => items.push(item),
            SyncEvent::Complete(now) => {
                assert!(stream.next().await.is_none(), "Complete comes last");
                return (items, now);
            }
        }
    }
    panic!("no Complete")
}

fn kinds(items: &[SyncItem]) -> Vec<&'static str> {
    items.iter().map(|i| i.row.entity_type()).collect()
}

/// What a client does: acks the last row of each type it got.
fn ack(checkpoints: &mut HashMap<String, String>, items: &[SyncItem]) {
    for i in items {
        checkpoints.insert(i.row.entity_type().to_string(), i.update_id.clone());
    }
}

#[tokio::test]
async fn a_client_gets_its_rows_then_only_what_changed_and_deletes_before_upserts() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let bob = with_user(&c, "bob@example.com").await;
    let a1 = asset(alice.id, b"1", day(2024, 1, 1));
    let a2 = asset(alice.id, b"2", day(2024, 1, 2));
    let theirs = asset(bob.id, b"3", day(2024, 1, 3));
    for x in [&a1, &a2, &theirs] {
        c.insert_asset(x, &[], &[]).await.unwrap();
    }
    c.save_metadata(
        a1.id,
        &ExifInfo {
            make: Some("Canon".into()),
            ..Default::default()
        },
        None,
        &JobEnd::default(),
    )
    .await
    .unwrap();
    let types = ["AuthUsersV1", "UsersV1", "AssetsV2", "AssetExifsV1"];
    let mut cp = HashMap::new();
    // Rows written in this very millisecond wait for the next one.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (items, now) = sync(&c, alice.id, &types, &cp).await;
    assert_eq!(
        kinds(&items),
        [
            "AuthUserV1",
            "UserV1",
            "UserV1",
            "AssetV2",
            "AssetV2",
            "AssetExifV1"
        ]
    );
    assert!(
        items.iter().all(|i| i.update_id < now),
        "every cursor is below the bound"
    );
    ack(&mut cp, &items);
    let (again, _) = sync(&c, alice.id, &types, &cp).await;
    assert!(again.is_empty(), "{:?}", kinds(&again));

    c.update_assets(
        alice.id,
        &[a2.id],
        &AssetChange {
            is_favorite: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    c.purge_assets(&PurgeSelection::Ids {
        owner_id: alice.id,
        ids: vec![a1.id],
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (items, _) = sync(&c, alice.id, &types, &cp).await;
    // Purging changed alice's usage: her user row is news too.
    assert_eq!(
        kinds(&items),
        ["AuthUserV1", "UserV1", "AssetDeleteV1", "AssetV2"]
    );
    assert!(matches!(items[2].row, SyncRow::AssetDelete(id) if id == a1.id));
    assert!(matches!(&items[3].row, SyncRow::Asset(a) if a.id == a2.id && a.is_favorite));
}

#[tokio::test]
async fn shared_albums_bring_their_assets_members_and_links_and_their_removal() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let bob = with_user(&c, "bob@example.com").await;
    let old = asset(alice.id, b"1", day(2020, 1, 1));
    c.insert_asset(&old, &[], &[]).await.unwrap();
    c.save_metadata(old.id, &ExifInfo::default(), None, &JobEnd::default())
        .await
        .unwrap();
    let album = Album {
        id: Uuid::new_v4(),
        owner_id: alice.id,
        name: "A".into(),
        description: String::new(),
        thumbnail_asset_id: None,
        is_activity_enabled: true,
        order: "desc".into(),
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
    };
    c.create_album(&album).await.unwrap();
    c.add_album_assets(album.id, alice.id, &[old.id])
        .await
        .unwrap();
    let types = [
        "AlbumsV2",
        "AlbumUsersV1",
        "AlbumAssetsV2",
        "AlbumToAssetsV1",
        "AlbumAssetExifsV1",
    ];
    let mut cp = HashMap::new();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (items, _) = sync(&c, bob.id, &types, &cp).await;
    assert!(items.is_empty(), "not shared yet: {:?}", kinds(&items));
    ack(&mut cp, &items);

    // Shared today: its old asset comes too.
    c.add_album_members(album.id, &[(bob.id, AlbumRole::Viewer)])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (items, _) = sync(&c, bob.id, &types, &cp).await;
    // In Immich's order of request types.
    assert_eq!(
        kinds(&items),
        [
            "AlbumAssetCreateV2",
            "AlbumV2",
            "AlbumUserV1",
            "AlbumToAssetV1",
            "AlbumAssetExifCreateV1"
        ]
    );
    ack(&mut cp, &items);

    c.remove_album_assets(album.id, alice.id, true, &[old.id])
        .await
        .unwrap();
    c.remove_album_member(album.id, bob.id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (items, _) = sync(&c, bob.id, &types, &cp).await;
    assert_eq!(kinds(&items), ["AlbumDeleteV1", "AlbumUserDeleteV1"]);
}

#[tokio::test]
async fn a_row_committed_late_is_not_skipped_by_a_cursor_acknowledged_meanwhile() {
    let url = TestCluster::shared().database_url().await;
    let c = PgCatalog::connect(&url).await.unwrap();
    let alice = with_user(&c, "alice@example.com").await;
    let early = asset(alice.id, b"early", day(2024, 1, 1));
    c.insert_asset(&early, &[], &[]).await.unwrap();
    // A slow writer: its transaction begins, changes a row, and commits only later.
    let (mut client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let slow = client.transaction().await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    slow.execute(
        "UPDATE assets SET is_favorite = true WHERE id = $1",
        &[&early.id],
    )
    .await
    .unwrap();
    // Meanwhile a fast writer commits a row whose cursor is past the slow one's.
    tokio::time::sleep(Duration::from_millis(5)).await;
    // (Another month: the timeline count of the slow one's month is locked until it commits.)
    let fast = asset(alice.id, b"fast", day(2024, 2, 2));
    c.insert_asset(&fast, &[], &[]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;

    let types = ["AssetsV2"];
    let mut cp = HashMap::new();
    let (items, bound) = sync(&c, alice.id, &types, &cp).await;
    // The open transaction holds the bound back: the fast row waits, and the early one comes
    // as it was before the slow write.
    assert_eq!(kinds(&items), ["AssetV2"], "{bound}");
    assert!(matches!(&items[0].row, SyncRow::Asset(a) if a.id == early.id && !a.is_favorite));
    ack(&mut cp, &items);
    slow.commit().await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (items, _) = sync(&c, alice.id, &types, &cp).await;
    let got: Vec<_> = items
        .iter()
        .map(|i| match &i.row {
            SyncRow::Asset(a) => (a.id, a.is_favorite),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        got,
        vec![(early.id, true), (fast.id, false)],
        "in the order of their cursors"
    );
}

#[tokio::test]
async fn a_client_that_leaves_stops_the_stream() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    for i in 0..600u32 {
        c.insert_asset(
            &asset(alice.id, &i.to_be_bytes(), day(2024, 1, 1)),
            &[],
            &[],
        )
        .await
        .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    let query = SyncQuery {
        user_id: alice.id,
        types: vec!["AssetsV2".into()],
        checkpoints: HashMap::new(),
    };
    // Ten rows, then the client goes: the read stops and its connection goes back to the pool.
    let mut stream = c.stream_sync(query.clone());
    for _ in 0..10 {
        assert!(matches!(stream.next().await, Some(Ok(SyncEvent::Row(_)))));
    }
    drop(stream);
    let (items, _) = sync(&c, alice.id, &["AssetsV2"], &HashMap::new()).await;
    assert_eq!(items.len(), 600);
}

#[tokio::test]
async fn checkpoints_are_stored_per_type_replaced_and_deleted_with_a_reset() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let now = chrono::Utc::now();
    let session = Session {
        id: Uuid::new_v4(),
        user_id: alice.id,
        device_type: String::new(),
        device_os: String::new(),
        app_version: None,
        created_at: now,
        updated_at: now,
        parent_id: None,
        expires_at: None,
        pin_expires_at: None,
        is_pending_sync_reset: false,
    };
    c.create_session(&session, b"t").await.unwrap();
    let acks = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    };
    c.set_sync_checkpoints(
        session.id,
        &acks(&[
            ("AssetV2", "AssetV2|1"),
            ("UserV1", "UserV1|1"),
            ("AssetV2", "AssetV2|2"),
        ]),
    )
    .await
    .unwrap();
    assert_eq!(
        c.sync_checkpoints(session.id).await.unwrap(),
        acks(&[("AssetV2", "AssetV2|2"), ("UserV1", "UserV1|1")])
    );
    c.set_sync_checkpoints(session.id, &acks(&[("UserV1", "UserV1|3")]))
        .await
        .unwrap();
    c.delete_sync_checkpoints(session.id, Some(&["AssetV2".to_string()]))
        .await
        .unwrap();
    assert_eq!(
        c.sync_checkpoints(session.id).await.unwrap(),
        acks(&[("UserV1", "UserV1|3")])
    );
    // Checkpoints of a session that is gone are not kept.
    c.set_sync_checkpoints(Uuid::new_v4(), &acks(&[("UserV1", "x")]))
        .await
        .unwrap();

    c.update_session(
        session.id,
        &SessionChange {
            is_pending_sync_reset: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(c.sync_reset_pending(session.id).await.unwrap());
    c.delete_sync_checkpoints(session.id, None).await.unwrap();
    assert!(!c.sync_reset_pending(session.id).await.unwrap());
    assert!(c.sync_checkpoints(session.id).await.unwrap().is_empty());
    assert!(!c.sync_reset_pending(Uuid::new_v4()).await.unwrap());
}
