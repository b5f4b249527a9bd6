//! Albums (assets, cover, members, summaries) and shared links.

use chrono::{SubsecRound, Utc};
use ferrotype_core::catalog::CatalogError;
use ferrotype_core::catalog::prelude::*;
use ferrotype_core::jobs::JobEnd;
use ferrotype_core::model::*;
use uuid::Uuid;

use super::assets::{asset, day, with_user};
use super::catalog;

fn album(owner: Uuid, name: &str, minutes_ago: i64) -> Album {
    let at = Utc::now().trunc_subsecs(3) - chrono::Duration::minutes(minutes_ago);
    Album {
        id: Uuid::new_v4(),
        owner_id: owner,
        name: name.into(),
        description: String::new(),
        thumbnail_asset_id: None,
        is_activity_enabled: true,
        order: "desc".into(),
        created_at: at,
        updated_at: at,
    }
}

#[tokio::test]
async fn albums_hold_their_owners_assets_keep_a_cover_and_sum_them_up() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let bob = with_user(&c, "bob@example.com").await;
    let a1 = asset(alice.id, b"1", day(2024, 1, 1));
    let a2 = asset(alice.id, b"2", day(2024, 3, 1));
    let theirs = asset(bob.id, b"3", day(2024, 2, 1));
    for x in [&a1, &a2, &theirs] {
        c.insert_asset(x, &[], &[]).await.unwrap();
    }
    let trip = album(alice.id, "Trip", 1);
    c.create_album(&trip).await.unwrap();
    let older = album(alice.id, "Older", 10);
    c.create_album(&older).await.unwrap();

    let added = c
        .add_album_assets(trip.id, alice.id, &[a1.id, theirs.id, a1.id, a2.id])
        .await
        .unwrap();
    assert_eq!(
        added,
        vec![
            (a1.id, AlbumAddResult::Added),
            (theirs.id, AlbumAddResult::NoPermission),
            (a1.id, AlbumAddResult::AlreadyThere),
            (a2.id, AlbumAddResult::Added),
        ]
    );
    let s = c.album(trip.id).await.unwrap().unwrap();
    assert_eq!(
        s.album.thumbnail_asset_id,
        Some(a1.id),
        "the first added is the cover"
    );
    assert_eq!(
        (s.asset_count, s.start_date, s.end_date),
        (2, Some(day(2024, 1, 1)), Some(day(2024, 3, 1)))
    );
    assert_eq!(s.owner.id, alice.id);
    assert!(!s.has_shared_link && s.members.is_empty());
    assert!(c.album_contains(trip.id, a1.id).await.unwrap());
    assert!(!c.album_contains(trip.id, theirs.id).await.unwrap());
    assert_eq!(c.album(Uuid::new_v4()).await.unwrap(), None);

    let mine: Vec<_> = c
        .albums_of(alice.id, None)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.album.id)
        .collect();
    assert_eq!(mine, vec![trip.id, older.id], "newest first");
    let holding: Vec<_> = c
        .albums_of(alice.id, Some(a2.id))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.album.id)
        .collect();
    assert_eq!(holding, vec![trip.id]);

    // Members: shared once, roles, what they may see and contribute.
    assert!(
        c.add_album_members(trip.id, &[(bob.id, AlbumRole::Viewer)])
            .await
            .unwrap()
    );
    assert!(
        !c.add_album_members(trip.id, &[(bob.id, AlbumRole::Editor)])
            .await
            .unwrap()
    );
    let s = c.album(trip.id).await.unwrap().unwrap();
    assert_eq!(
        (s.members.len(), s.members[0].user.id, s.members[0].role),
        (1, bob.id, AlbumRole::Viewer)
    );
    assert!(
        c.set_album_member_role(trip.id, bob.id, AlbumRole::Editor)
            .await
            .unwrap()
    );
    assert!(
        !c.set_album_member_role(older.id, bob.id, AlbumRole::Editor)
            .await
            .unwrap()
    );
    assert_eq!(c.albums_of(bob.id, None).await.unwrap().len(), 1);
    assert!(c.asset_in_shared_album(bob.id, a1.id).await.unwrap());
    assert!(
        !c.asset_in_shared_album(bob.id, Uuid::new_v4())
            .await
            .unwrap()
    );
    c.add_album_assets(trip.id, bob.id, &[theirs.id])
        .await
        .unwrap();
    assert_eq!(
        c.album_contributor_counts(trip.id).await.unwrap(),
        vec![(alice.id, 2), (bob.id, 1)]
    );

    // Removing: a member only their own; the cover is replaced by the oldest left.
    let removed = c
        .remove_album_assets(trip.id, bob.id, false, &[a1.id, theirs.id, Uuid::new_v4()])
        .await
        .unwrap();
    assert_eq!(
        removed.iter().map(|r| r.1).collect::<Vec<_>>(),
        vec![
            AlbumRemoveResult::NoPermission,
            AlbumRemoveResult::Removed,
            AlbumRemoveResult::NotInAlbum
        ]
    );
    c.remove_album_assets(trip.id, alice.id, true, &[a1.id])
        .await
        .unwrap();
    assert_eq!(
        c.album(trip.id)
            .await
            .unwrap()
            .unwrap()
            .album
            .thumbnail_asset_id,
        Some(a2.id)
    );

    // Downloads and the map see what is not in the trash.
    c.save_metadata(
        a2.id,
        &ExifInfo {
            latitude: Some(1.5),
            longitude: Some(2.5),
            ..Default::default()
        },
        None,
        &JobEnd::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        c.album_map_markers(trip.id)
            .await
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect::<Vec<_>>(),
        vec![a2.id]
    );
    let for_download: Vec<_> = c
        .assets_for_download(Some(alice.id), None)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(for_download, vec![a1.id, a2.id]);
    assert_eq!(
        c.assets_for_download(None, Some(trip.id))
            .await
            .unwrap()
            .len(),
        1
    );
    c.trash_assets(alice.id, &[a2.id]).await.unwrap();
    assert!(c.album_map_markers(trip.id).await.unwrap().is_empty());
    assert_eq!(c.album(trip.id).await.unwrap().unwrap().asset_count, 0);

    // Settings, leaving, deleting.
    c.update_album(
        trip.id,
        &AlbumChange {
            name: Some("Trip 2024".into()),
            order: Some("asc".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let s = c.album(trip.id).await.unwrap().unwrap();
    assert_eq!(
        (
            s.album.name.as_str(),
            s.album.order.as_str(),
            s.album.description.as_str()
        ),
        ("Trip 2024", "asc", "")
    );
    assert!(c.remove_album_member(trip.id, bob.id).await.unwrap());
    assert!(!c.remove_album_member(trip.id, bob.id).await.unwrap());
    assert!(c.albums_of(bob.id, None).await.unwrap().is_empty());
    c.delete_album(trip.id).await.unwrap();
    assert_eq!(c.album(trip.id).await.unwrap(), None);
    assert!(c.asset(a1.id).await.unwrap().is_some(), "its assets stay");
}

#[tokio::test]
async fn locking_an_asset_takes_it_out_of_every_album() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let a = asset(alice.id, b"1", day(2024, 1, 1));
    c.insert_asset(&a, &[], &[]).await.unwrap();
    let al = album(alice.id, "A", 0);
    c.create_album(&al).await.unwrap();
    c.add_album_assets(al.id, alice.id, &[a.id]).await.unwrap();
    c.update_assets(
        alice.id,
        &[a.id],
        &AssetChange {
            visibility: Some(Visibility::Locked),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(!c.album_contains(al.id, a.id).await.unwrap());
}

fn link(owner: Uuid, kind: SharedLinkType, album_id: Option<Uuid>, key: &[u8]) -> SharedLink {
    SharedLink {
        id: Uuid::new_v4(),
        user_id: owner,
        key: key.to_vec(),
        slug: None,
        link_type: kind,
        album_id,
        description: Some("look".into()),
        password: None,
        expires_at: None,
        allow_upload: false,
        allow_download: true,
        show_exif: true,
        created_at: Utc::now().trunc_subsecs(3),
    }
}

#[tokio::test]
async fn shared_links_show_their_assets_or_their_album_and_slugs_are_unique() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let bob = with_user(&c, "bob@example.com").await;
    let a1 = asset(alice.id, b"1", day(2024, 1, 1));
    let a2 = asset(alice.id, b"2", day(2024, 1, 2));
    let theirs = asset(bob.id, b"3", day(2024, 1, 3));
    for x in [&a1, &a2, &theirs] {
        c.insert_asset(x, &[], &[]).await.unwrap();
    }
    let mut individual = link(alice.id, SharedLinkType::Individual, None, b"key-1");
    individual.slug = Some("holiday".into());
    c.create_shared_link(&individual, &[a1.id]).await.unwrap();
    assert_eq!(
        c.shared_link(individual.id).await.unwrap(),
        Some(individual.clone())
    );
    assert_eq!(
        c.shared_link_by_key(b"key-1").await.unwrap().map(|l| l.id),
        Some(individual.id)
    );
    assert_eq!(
        c.shared_link_by_slug("holiday")
            .await
            .unwrap()
            .map(|l| l.id),
        Some(individual.id)
    );
    assert_eq!(c.shared_link_by_slug("nope").await.unwrap(), None);

    let mut clash = link(alice.id, SharedLinkType::Individual, None, b"key-2");
    clash.slug = Some("holiday".into());
    let err = c.create_shared_link(&clash, &[]).await.unwrap_err();
    assert!(matches!(err, CatalogError::Conflict(_)), "{err}");

    let changed = c
        .change_shared_link_assets(&individual, &[a2.id, a1.id, theirs.id], true)
        .await
        .unwrap();
    assert_eq!(
        changed.iter().map(|r| r.1).collect::<Vec<_>>(),
        vec![
            LinkAssetResult::Done,
            LinkAssetResult::Duplicate,
            LinkAssetResult::NotFound
        ]
    );
    let shown: Vec<_> = c
        .shared_link_assets(individual.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(shown, vec![a1.id, a2.id]);
    assert!(c.shared_link_reaches(&individual, a2.id).await.unwrap());
    assert!(!c.shared_link_reaches(&individual, theirs.id).await.unwrap());
    let removed = c
        .change_shared_link_assets(&individual, &[a2.id, a2.id], false)
        .await
        .unwrap();
    assert_eq!(
        removed.iter().map(|r| r.1).collect::<Vec<_>>(),
        vec![LinkAssetResult::Done, LinkAssetResult::NotFound]
    );
    c.trash_assets(alice.id, &[a1.id]).await.unwrap();
    assert!(
        c.shared_link_assets(individual.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!c.shared_link_reaches(&individual, a1.id).await.unwrap());

    // An album's link reaches the album's assets, and makes the album shared.
    let al = album(alice.id, "A", 0);
    c.create_album(&al).await.unwrap();
    c.add_album_assets(al.id, alice.id, &[a2.id]).await.unwrap();
    let album_link = link(alice.id, SharedLinkType::Album, Some(al.id), b"key-3");
    c.create_shared_link(&album_link, &[]).await.unwrap();
    assert!(c.shared_link_reaches(&album_link, a2.id).await.unwrap());
    assert!(c.album(al.id).await.unwrap().unwrap().has_shared_link);
    assert_eq!(
        c.shared_links_of(alice.id, Some(al.id)).await.unwrap(),
        vec![album_link.clone()]
    );
    assert_eq!(c.shared_links_of(alice.id, None).await.unwrap().len(), 2);
    assert!(c.shared_links_of(bob.id, None).await.unwrap().is_empty());

    let mut edited = individual.clone();
    edited.slug = None;
    edited.password = Some("secret".into());
    edited.expires_at = Some(Utc::now().trunc_subsecs(3));
    edited.allow_download = false;
    c.update_shared_link(&edited).await.unwrap();
    assert_eq!(c.shared_link(individual.id).await.unwrap(), Some(edited));

    // Deleting the album deletes its links.
    c.delete_album(al.id).await.unwrap();
    assert_eq!(c.shared_link(album_link.id).await.unwrap(), None);
    c.delete_shared_link(individual.id).await.unwrap();
    assert!(c.shared_links_of(alice.id, None).await.unwrap().is_empty());
}
