//! Users, user metadata, system metadata, version history, sessions, PIN codes and API keys.

use chrono::{Duration, SubsecRound, Utc};
use ferrotype_core::catalog::CatalogError;
use ferrotype_core::catalog::prelude::*;
use ferrotype_core::model::{ApiKey, Session, SessionChange, UserChange, UserStatus};
use ferrotype_core::permissions::Permission;
use serde_json::json;
use uuid::Uuid;

use super::{catalog, user};

#[tokio::test]
async fn users_are_created_found_by_case_insensitive_email_and_listed_in_order() {
    let c = catalog().await;
    assert!(!c.admin_exists().await.unwrap());
    let mut admin = user("Admin@Example.com");
    admin.is_admin = true;
    assert!(c.create_first_admin(&admin).await.unwrap());
    let mut second = user("other-admin@example.com");
    second.is_admin = true;
    assert!(
        !c.create_first_admin(&second).await.unwrap(),
        "only one first admin"
    );
    assert!(c.admin_exists().await.unwrap());

    let mut bob = user("bob@example.com");
    bob.created_at += Duration::seconds(1);
    c.create_user(&bob).await.unwrap();
    assert_eq!(c.user_by_id(admin.id).await.unwrap(), Some(admin.clone()));
    assert_eq!(
        c.user_by_email("admin@EXAMPLE.com")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(admin.id)
    );
    assert_eq!(c.user_by_email("nobody@example.com").await.unwrap(), None);
    assert_eq!(c.user_by_id(Uuid::new_v4()).await.unwrap(), None);

    // The same email in another case is taken.
    let err = c.create_user(&user("BOB@example.com")).await.unwrap_err();
    assert!(matches!(err, CatalogError::Conflict(_)), "{err}");

    let ids: Vec<_> = c
        .users(false)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(ids, vec![admin.id, bob.id]);
}

#[tokio::test]
async fn only_one_of_many_concurrent_first_admins_wins() {
    let c = catalog().await;
    let attempts = (0..6).map(|i| {
        let c = c.clone();
        tokio::spawn(async move {
            let mut u = user(&format!("admin{i}@example.com"));
            u.is_admin = true;
            c.create_first_admin(&u).await.unwrap()
        })
    });
    let mut won = 0;
    for a in attempts {
        won += a.await.unwrap() as usize;
    }
    assert_eq!(won, 1);
    assert_eq!(c.users(false).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_user_change_sets_only_what_it_gives_and_a_taken_email_is_a_conflict() {
    let c = catalog().await;
    let mut alice = user("alice@example.com");
    alice.storage_label = Some("alice".into());
    alice.quota_size_in_bytes = Some(1000);
    c.create_user(&alice).await.unwrap();
    c.create_user(&user("carol@example.com")).await.unwrap();

    c.update_user(
        alice.id,
        &UserChange {
            name: Some("Alice A".into()),
            quota_size_in_bytes: Some(None),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let got = c.user_by_id(alice.id).await.unwrap().unwrap();
    assert_eq!(got.name, "Alice A");
    assert_eq!(got.quota_size_in_bytes, None);
    assert_eq!(got.storage_label.as_deref(), Some("alice"), "left alone");
    assert_eq!(got.email, "alice@example.com");
    assert_eq!(got.profile_changed_at, alice.profile_changed_at);

    c.update_user(
        alice.id,
        &UserChange {
            storage_label: Some(None),
            profile_image_path: Some("profile/a.jpg".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let got = c.user_by_id(alice.id).await.unwrap().unwrap();
    assert_eq!(got.storage_label, None);
    assert_eq!(got.profile_image_path, "profile/a.jpg");
    assert!(got.profile_changed_at > alice.profile_changed_at);

    let err = c
        .update_user(
            alice.id,
            &UserChange {
                email: Some("Carol@example.com".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, CatalogError::Conflict(_)), "{err}");

    // Soft deletion and restoring, and who is due for deletion for good.
    let when = Utc::now().trunc_subsecs(3) - Duration::days(8);
    c.update_user(
        alice.id,
        &UserChange {
            deleted_at: Some(Some(when)),
            status: Some(UserStatus::Deleted),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let got = c.user_by_id(alice.id).await.unwrap().unwrap();
    assert_eq!(
        (got.deleted_at, got.status),
        (Some(when), UserStatus::Deleted)
    );
    assert_eq!(c.users(false).await.unwrap().len(), 1);
    assert_eq!(c.users(true).await.unwrap().len(), 2);
    assert_eq!(
        c.users_deleted_before(Utc::now() - Duration::days(7))
            .await
            .unwrap(),
        vec![alice.id]
    );
    assert!(c.users_deleted_before(when).await.unwrap().is_empty());
    c.update_user(
        alice.id,
        &UserChange {
            deleted_at: Some(None),
            status: Some(UserStatus::Active),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let got = c.user_by_id(alice.id).await.unwrap().unwrap();
    assert_eq!((got.deleted_at, got.status), (None, UserStatus::Active));
    // A status given alone changes only the status.
    c.update_user(
        alice.id,
        &UserChange {
            status: Some(UserStatus::Removing),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let got = c.user_by_id(alice.id).await.unwrap().unwrap();
    assert_eq!((got.deleted_at, got.status), (None, UserStatus::Removing));

    c.set_password(alice.id, "$argon2id$new").await.unwrap();
    let got = c.user_by_id(alice.id).await.unwrap().unwrap();
    assert_eq!(got.password_hash.as_deref(), Some("$argon2id$new"));
    assert!(!got.should_change_password);

    c.delete_user(alice.id).await.unwrap();
    assert_eq!(c.user_by_id(alice.id).await.unwrap(), None);
}

#[tokio::test]
async fn user_and_system_metadata_are_json_by_key() {
    let c = catalog().await;
    let alice = user("alice@example.com");
    c.create_user(&alice).await.unwrap();
    assert_eq!(
        c.user_metadata(alice.id, "preferences").await.unwrap(),
        None
    );
    c.set_user_metadata(
        alice.id,
        "preferences",
        &json!({"folders": {"enabled": true}}),
    )
    .await
    .unwrap();
    c.set_user_metadata(alice.id, "preferences", &json!({"tags": {"enabled": true}}))
        .await
        .unwrap();
    assert_eq!(
        c.user_metadata(alice.id, "preferences").await.unwrap(),
        Some(json!({"tags": {"enabled": true}}))
    );
    c.delete_user_metadata(alice.id, "preferences")
        .await
        .unwrap();
    assert_eq!(
        c.user_metadata(alice.id, "preferences").await.unwrap(),
        None
    );
    // Metadata goes with its user.
    c.set_user_metadata(alice.id, "onboarding", &json!({"isOnboarded": true}))
        .await
        .unwrap();
    c.delete_user(alice.id).await.unwrap();
    assert_eq!(c.user_metadata(alice.id, "onboarding").await.unwrap(), None);

    assert_eq!(c.system_metadata("system-config").await.unwrap(), None);
    c.set_system_metadata("system-config", &json!({"ffmpeg": {"crf": 30}}))
        .await
        .unwrap();
    c.set_system_metadata("system-config", &json!({"ffmpeg": {"crf": 23}}))
        .await
        .unwrap();
    assert_eq!(
        c.system_metadata("system-config").await.unwrap(),
        Some(json!({"ffmpeg": {"crf": 23}}))
    );
    c.delete_system_metadata("system-config").await.unwrap();
    assert_eq!(c.system_metadata("system-config").await.unwrap(), None);
}

#[tokio::test]
async fn a_version_is_recorded_once_until_it_changes_even_from_many_processes() {
    let c = catalog().await;
    let starts = (0..5).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.record_version("v3.1.0").await.unwrap() })
    });
    let mut added = 0;
    for s in starts {
        added += s.await.unwrap() as usize;
    }
    assert_eq!(added, 1);
    assert!(c.record_version("v3.2.0").await.unwrap());
    assert!(!c.record_version("v3.2.0").await.unwrap());
    let versions: Vec<_> = c
        .version_history()
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.version)
        .collect();
    assert_eq!(versions, vec!["v3.2.0", "v3.1.0"]);
}

fn session(user_id: Uuid, minutes_ago: i64) -> Session {
    let at = Utc::now().trunc_subsecs(3) - Duration::minutes(minutes_ago);
    Session {
        id: Uuid::new_v4(),
        user_id,
        device_type: "iOS".into(),
        device_os: "iOS 18".into(),
        app_version: Some("3.1.0".into()),
        created_at: at,
        updated_at: at,
        parent_id: None,
        expires_at: None,
        pin_expires_at: None,
        is_pending_sync_reset: false,
    }
}

#[tokio::test]
async fn sessions_are_found_by_token_listed_changed_and_deleted() {
    let c = catalog().await;
    let alice = user("alice@example.com");
    c.create_user(&alice).await.unwrap();
    let old = session(alice.id, 10);
    let new = session(alice.id, 1);
    c.create_session(&old, b"old-token").await.unwrap();
    c.create_session(&new, b"new-token").await.unwrap();
    let err = c
        .create_session(&session(alice.id, 0), b"old-token")
        .await
        .unwrap_err();
    assert!(matches!(err, CatalogError::Conflict(_)), "{err}");

    let (found, owner) = c
        .session_by_token_hash(b"old-token")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found, owner.id), (old.clone(), alice.id));
    assert_eq!(c.session_by_token_hash(b"nope").await.unwrap(), None);
    let ids: Vec<_> = c
        .sessions_of(alice.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, vec![new.id, old.id], "newest first");

    // An expired child session no longer works.
    let mut child = session(alice.id, 0);
    child.parent_id = Some(old.id);
    child.expires_at = Some(Utc::now().trunc_subsecs(3) - Duration::seconds(1));
    c.create_session(&child, b"child").await.unwrap();
    assert_eq!(c.session_by_token_hash(b"child").await.unwrap(), None);

    // PIN unlocks, sync resets, locking all.
    let until = Utc::now().trunc_subsecs(3) + Duration::minutes(15);
    c.update_session(
        new.id,
        &SessionChange {
            pin_expires_at: Some(Some(until)),
            is_pending_sync_reset: None,
        },
    )
    .await
    .unwrap();
    c.update_session(
        new.id,
        &SessionChange {
            pin_expires_at: None,
            is_pending_sync_reset: Some(true),
        },
    )
    .await
    .unwrap();
    let (got, _) = c
        .session_by_token_hash(b"new-token")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (got.pin_expires_at, got.is_pending_sync_reset),
        (Some(until), true)
    );
    c.lock_sessions_of(alice.id).await.unwrap();
    let (got, _) = c
        .session_by_token_hash(b"new-token")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (got.pin_expires_at, got.is_pending_sync_reset),
        (None, true)
    );

    assert_eq!(c.pin_code_hash(alice.id).await.unwrap(), None);
    c.set_pin_code_hash(alice.id, Some("$argon2id$pin"))
        .await
        .unwrap();
    assert_eq!(
        c.pin_code_hash(alice.id).await.unwrap().as_deref(),
        Some("$argon2id$pin")
    );
    c.set_pin_code_hash(alice.id, None).await.unwrap();
    assert_eq!(c.pin_code_hash(alice.id).await.unwrap(), None);
    assert_eq!(c.pin_code_hash(Uuid::new_v4()).await.unwrap(), None);

    // A soft-deleted user's sessions do not work.
    c.update_user(
        alice.id,
        &UserChange {
            deleted_at: Some(Some(Utc::now())),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(c.session_by_token_hash(b"new-token").await.unwrap(), None);

    assert!(!c.delete_session_of(Uuid::new_v4(), new.id).await.unwrap());
    assert!(c.delete_session_of(alice.id, new.id).await.unwrap());
    // Deleting all but `old`: its expired child goes.
    assert_eq!(
        c.delete_sessions_of(alice.id, Some(old.id)).await.unwrap(),
        1
    );
    assert_eq!(c.sessions_of(alice.id).await.unwrap().len(), 1);
    c.delete_session(old.id).await.unwrap();
    assert!(c.sessions_of(alice.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn deleting_a_parent_session_deletes_its_children() {
    let c = catalog().await;
    let alice = user("alice@example.com");
    c.create_user(&alice).await.unwrap();
    let parent = session(alice.id, 5);
    let mut child = session(alice.id, 1);
    child.parent_id = Some(parent.id);
    c.create_session(&parent, b"p").await.unwrap();
    c.create_session(&child, b"c").await.unwrap();
    c.delete_session(parent.id).await.unwrap();
    assert!(c.sessions_of(alice.id).await.unwrap().is_empty());
    assert_eq!(c.delete_sessions_of(alice.id, None).await.unwrap(), 0);
}

#[tokio::test]
async fn api_keys_are_found_by_secret_listed_updated_and_deleted_by_their_owner_only() {
    let c = catalog().await;
    let alice = user("alice@example.com");
    let bob = user("bob@example.com");
    c.create_user(&alice).await.unwrap();
    c.create_user(&bob).await.unwrap();
    let now = Utc::now().trunc_subsecs(3);
    let mut key = ApiKey {
        id: Uuid::new_v4(),
        name: "cli".into(),
        user_id: alice.id,
        permissions: vec![Permission::All],
        created_at: now,
        updated_at: now,
    };
    c.create_api_key(&key, b"secret").await.unwrap();
    let (found, owner) = c.api_key_by_secret_hash(b"secret").await.unwrap().unwrap();
    assert_eq!((found, owner.id), (key.clone(), alice.id));
    assert_eq!(c.api_key_by_secret_hash(b"other").await.unwrap(), None);
    assert_eq!(c.api_key(bob.id, key.id).await.unwrap(), None);

    key.name = "renamed".into();
    key.permissions = vec![Permission::AssetRead, Permission::AssetUpload];
    key.updated_at = now + Duration::seconds(1);
    c.update_api_key(&key).await.unwrap();
    assert_eq!(
        c.api_key(alice.id, key.id).await.unwrap(),
        Some(key.clone())
    );
    assert_eq!(c.api_keys_of(alice.id).await.unwrap(), vec![key.clone()]);
    assert!(c.api_keys_of(bob.id).await.unwrap().is_empty());

    assert!(!c.delete_api_key(bob.id, key.id).await.unwrap());
    assert!(c.delete_api_key(alice.id, key.id).await.unwrap());
    assert!(!c.delete_api_key(alice.id, key.id).await.unwrap());

    // A soft-deleted user's keys do not work; a deleted user's keys are gone.
    c.create_api_key(&key, b"secret").await.unwrap();
    c.update_user(
        alice.id,
        &UserChange {
            deleted_at: Some(Some(now)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(c.api_key_by_secret_hash(b"secret").await.unwrap(), None);
    c.delete_user(alice.id).await.unwrap();
    assert!(c.api_keys_of(alice.id).await.unwrap().is_empty());
}
