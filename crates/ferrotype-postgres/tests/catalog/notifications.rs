//! Notifications: listing with filters, reading, deleting, and the clean-up.

use chrono::{Duration, SubsecRound, Utc};
use ferrotype_core::catalog::prelude::*;
use ferrotype_core::notifications::{
    Notification, NotificationFilter, NotificationLevel, NotificationType,
};
use serde_json::json;
use uuid::Uuid;

use super::assets::with_user;
use super::catalog;

fn note(user: Uuid, kind: NotificationType, days_ago: i64) -> Notification {
    Notification::new(
        user,
        NotificationLevel::Info,
        kind,
        format!("{days_ago} days old"),
        None,
        Some(json!({"albumId": "x"})),
        Utc::now().trunc_subsecs(3) - Duration::days(days_ago),
    )
}

#[tokio::test]
async fn notifications_are_listed_newest_first_filtered_read_and_deleted() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let bob = with_user(&c, "bob@example.com").await;
    let old = note(alice.id, NotificationType::AlbumInvite, 2);
    let new = note(alice.id, NotificationType::Custom, 1);
    // Two made in the same millisecond come back newest (last made) first.
    let mut twin = note(alice.id, NotificationType::Custom, 1);
    twin.created_at = new.created_at;
    for n in [
        &old,
        &new,
        &twin,
        &note(bob.id, NotificationType::Custom, 0),
    ] {
        c.create_notification(n).await.unwrap();
    }
    let all = NotificationFilter::default();
    let ids: Vec<_> = c
        .notifications_of(alice.id, &all)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(ids, vec![twin.id, new.id, old.id]);
    assert_eq!(c.notification(old.id).await.unwrap(), Some(old.clone()));
    let invites = NotificationFilter {
        kind: Some(NotificationType::AlbumInvite),
        ..Default::default()
    };
    assert_eq!(
        c.notifications_of(alice.id, &invites).await.unwrap().len(),
        1
    );
    let errors = NotificationFilter {
        level: Some(NotificationLevel::Error),
        ..Default::default()
    };
    assert!(
        c.notifications_of(alice.id, &errors)
            .await
            .unwrap()
            .is_empty()
    );
    let one = NotificationFilter {
        id: Some(new.id),
        ..Default::default()
    };
    assert_eq!(c.notifications_of(alice.id, &one).await.unwrap().len(), 1);

    let owned = c
        .notifications_owned(alice.id, &[old.id, Uuid::new_v4(), new.id])
        .await
        .unwrap();
    assert_eq!(owned.len(), 2);
    assert!(
        c.notifications_owned(bob.id, &[old.id])
            .await
            .unwrap()
            .is_empty()
    );

    let read_at = Utc::now().trunc_subsecs(3);
    assert_eq!(
        c.set_notifications_read(&[old.id, new.id], Some(read_at))
            .await
            .unwrap(),
        2
    );
    let unread = NotificationFilter {
        unread: true,
        ..Default::default()
    };
    assert_eq!(
        c.notifications_of(alice.id, &unread).await.unwrap().len(),
        1
    );
    assert_eq!(
        c.notification(old.id).await.unwrap().unwrap().read_at,
        Some(read_at)
    );
    c.set_notifications_read(&[old.id], None).await.unwrap();
    assert_eq!(c.notification(old.id).await.unwrap().unwrap().read_at, None);

    assert_eq!(c.delete_notifications(&[old.id]).await.unwrap(), 1);
    assert_eq!(c.delete_notifications(&[old.id]).await.unwrap(), 0);
    assert_eq!(
        c.set_notifications_read(&[old.id], Some(read_at))
            .await
            .unwrap(),
        0,
        "deleted ones stay"
    );
    assert_eq!(c.notifications_of(alice.id, &all).await.unwrap().len(), 2);
    assert!(
        c.notification(old.id)
            .await
            .unwrap()
            .unwrap()
            .deleted_at
            .is_some()
    );
}

#[tokio::test]
async fn the_clean_up_keeps_what_is_recent_and_deleting_a_user_takes_theirs() {
    let c = catalog().await;
    let alice = with_user(&c, "alice@example.com").await;
    let now = Utc::now();
    let add = |age: i64, read: Option<i64>| {
        let mut n = note(alice.id, NotificationType::Custom, age);
        n.read_at = read.map(|d| now - Duration::days(d));
        n
    };
    let keep = [
        add(1, None),
        add(29, None),
        add(16, Some(1)),
        add(10, Some(5)),
    ];
    let go = [add(31, None), add(16, Some(3))];
    for n in keep.iter().chain(&go) {
        c.create_notification(n).await.unwrap();
    }
    assert_eq!(c.purge_notifications(now).await.unwrap(), 2);
    for n in &keep {
        assert!(c.notification(n.id).await.unwrap().is_some(), "{}", n.title);
    }
    // Deleted ones go 3 days after.
    c.delete_notifications(&[keep[0].id]).await.unwrap();
    assert_eq!(c.purge_notifications(now).await.unwrap(), 0);
    // Four days on: the deleted one, the unread one of 29 days, the read one of 16.
    assert_eq!(
        c.purge_notifications(now + Duration::days(4))
            .await
            .unwrap(),
        3
    );

    c.delete_user(alice.id).await.unwrap();
    assert_eq!(c.notification(keep[3].id).await.unwrap(), None);
}
