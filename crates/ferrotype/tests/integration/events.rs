//! Live events over socket.io (`/api/socket.io`), with the real `socket.io-client` 4.8 on
//! Node 22: tests/compat/socket-check.mjs keeps sockets open and prints what they receive,
//! while this test drives the HTTP side and checks the lines.

use std::time::Duration;

use crate::common::*;
use crate::compat_support::{LiveNode, ensure_installed, open_sockets};
use serde_json::{Value, json};

const EVENT_WAIT: Duration = Duration::from_secs(30);

/// One socket for the script: its label, transport and handshake headers.
pub(crate) fn socket(label: &str, transport: &str, headers: Value) -> Value {
    json!({ "label": label, "transport": transport, "headers": headers })
}

pub(crate) fn bearer(token: &str) -> Value {
    json!({ "Authorization": format!("Bearer {token}") })
}

fn cookie(token: &str) -> Value {
    json!({ "Cookie": format!("immich_access_token={token}") })
}

pub(crate) fn token(client: &Client) -> String {
    match &client.cred {
        Cred::Bearer(t) | Cred::Cookie(t) | Cred::ApiKey(t) => t.clone(),
        Cred::None => panic!("no credential"),
    }
}

/// The arguments of an `EVENT <label> <event> <json>` line.
fn arguments(line: &str) -> Value {
    let json = line.splitn(4, ' ').nth(3).expect("event arguments");
    serde_json::from_str(json).expect("arguments are JSON")
}

/// Waits for `event` on socket `label` whose arguments `wanted` accepts; returns them.
pub(crate) fn expect_event(
    script: &mut LiveNode,
    label: &str,
    event: &str,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    let prefix = format!("EVENT {label} {event} ");
    let line = script.wait_for(&format!("{event} on {label}"), EVENT_WAIT, |l| {
        l.starts_with(&prefix) && wanted(&arguments(l))
    });
    arguments(&line)
}

async fn session_id(client: &Client) -> String {
    let sessions = client.get("/api/sessions").await.json();
    sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .expect("the current session")["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn created(reply: Reply) -> String {
    assert!(
        reply.status == 201 || reply.status == 200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn clients_hear_what_changes_and_only_their_own() {
    ensure_installed();
    let server = Server::start();
    let admin = admin(&server).await;
    let admin_token = token(&admin);
    let key = token(&api_key(&admin, &["all"]).await);
    let narrow_key = token(&api_key(&admin, &["asset.read"]).await);
    create_user(&server, "other@example.com", "other-password");
    let other = login(&server, "other@example.com", "other-password").await;
    // Two more sessions of the admin's: one deleted from the device list, one logging out.
    let doomed = login(&server, "admin@example.com", "admin-password").await;
    let leaving = login(&server, "admin@example.com", "admin-password").await;

    let admin_sockets = [
        "admin-bearer-websocket",
        "admin-bearer-polling",
        "admin-cookie-websocket",
        "admin-cookie-polling",
        "admin-key-websocket",
        "admin-key-polling",
    ];
    let plans = json!([
        socket(admin_sockets[0], "websocket", bearer(&admin_token)),
        socket(admin_sockets[1], "polling", bearer(&admin_token)),
        socket(admin_sockets[2], "websocket", cookie(&admin_token)),
        socket(admin_sockets[3], "polling", cookie(&admin_token)),
        socket(admin_sockets[4], "websocket", json!({ "x-api-key": key })),
        socket(admin_sockets[5], "polling", json!({ "x-api-key": key })),
        socket("other-websocket", "websocket", bearer(&token(&other))),
        socket("doomed-websocket", "websocket", bearer(&token(&doomed))),
        socket("leaving-polling", "polling", bearer(&token(&leaving))),
        socket("anonymous-websocket", "websocket", json!({})),
        socket("anonymous-polling", "polling", json!({})),
        socket("bad-token-websocket", "websocket", bearer("not-a-token")),
        socket("bad-cookie-polling", "polling", cookie("not-a-token")),
        socket(
            "bad-key-websocket",
            "websocket",
            json!({ "x-api-key": "nope" })
        ),
        socket(
            "narrow-key-websocket",
            "websocket",
            json!({ "x-api-key": narrow_key })
        ),
        socket(
            "shared-link-websocket",
            "websocket",
            json!({ "x-immich-share-key": "abc" })
        ),
    ]);
    let mut script = open_sockets(&server.base, &plans, EVENT_WAIT);

    // Accepted on the transport asked for, and told the server's version at once.
    for label in
        admin_sockets
            .iter()
            .chain(&["other-websocket", "doomed-websocket", "leaving-polling"])
    {
        let transport = label.rsplit('-').next().unwrap();
        let line = format!("CONNECTED {label} {transport}");
        script.wait_for(&line, EVENT_WAIT, |l| l == line);
        let version = expect_event(&mut script, label, "on_server_version", |_| true);
        assert_eq!(
            version,
            json!([{ "major": 3, "minor": 2, "patch": 2, "prerelease": null }])
        );
    }
    // Refused before joining, with the API's reason.
    for (label, reason) in [
        ("anonymous-websocket", "Authentication required"),
        ("anonymous-polling", "Authentication required"),
        ("bad-token-websocket", "Invalid user token"),
        ("bad-cookie-polling", "Invalid user token"),
        ("bad-key-websocket", "Invalid API key"),
        ("narrow-key-websocket", "Missing required permission: all"),
        ("shared-link-websocket", "Forbidden"),
    ] {
        let line = format!("REFUSED {label} {reason}");
        script.wait_for(&line, EVENT_WAIT, |l| l == line);
    }

    // An upload is announced once its thumbnails exist, with the asset, to every socket of
    // its owner.
    let photo = upload_path(&admin, &fixtures().join("nature/el_torcal_rocks.jpg")).await;
    for label in admin_sockets {
        let args = expect_event(&mut script, label, "on_upload_success", |a| {
            a[0]["id"] == photo.as_str()
        });
        assert_eq!(args[0]["originalFileName"], "el_torcal_rocks.jpg");
        assert!(args[0]["thumbhash"].is_string(), "{args}");
    }
    let ready = expect_event(&mut script, admin_sockets[0], "AssetUploadReadyV2", |a| {
        a[0]["asset"]["id"] == photo.as_str()
    });
    assert_eq!(ready[0]["exif"]["assetId"], photo.as_str());

    // An edit: the asset as it is now.
    let r = admin
        .put(
            &format!("/api/assets/{photo}"),
            json!({ "isFavorite": true }),
        )
        .await;
    assert_eq!(r.status, 200);
    expect_event(&mut script, admin_sockets[0], "on_asset_update", |a| {
        a[0]["id"] == photo.as_str() && a[0]["isFavorite"] == true
    });
    let r = admin
        .put(
            "/api/assets",
            json!({ "ids": [photo], "description": "by the rocks" }),
        )
        .await;
    assert_eq!(r.status, 204);
    expect_event(&mut script, admin_sockets[1], "on_asset_update", |a| {
        a[0]["id"] == photo.as_str() && a[0]["exifInfo"]["description"] == "by the rocks"
    });

    // To the trash and back, then deleted for good by emptying the trash.
    let r = admin
        .send_json(
            reqwest::Method::DELETE,
            "/api/assets",
            json!({ "ids": [photo] }),
        )
        .await;
    assert_eq!(r.status, 204);
    expect_event(&mut script, admin_sockets[2], "on_asset_trash", |a| {
        *a == json!([[photo]])
    });
    let r = admin
        .post("/api/trash/restore/assets", json!({ "ids": [photo] }))
        .await;
    assert_eq!(r.status, 200);
    expect_event(&mut script, admin_sockets[3], "on_asset_restore", |a| {
        *a == json!([[photo]])
    });
    let r = admin
        .send_json(
            reqwest::Method::DELETE,
            "/api/assets",
            json!({ "ids": [photo] }),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = admin.post("/api/trash/empty", json!({})).await;
    assert_eq!(r.json(), json!({ "count": 1 }));
    expect_event(&mut script, admin_sockets[4], "on_asset_delete", |a| {
        *a == json!([photo])
    });

    // Deleted for good at once (`force`), without the trash.
    let gone = created(
        admin
            .upload_form(asset_form("gone.jpg", fake_jpeg(11, 4000), &[]))
            .await,
    );
    let r = admin
        .send_json(
            reqwest::Method::DELETE,
            "/api/assets",
            json!({ "ids": [gone], "force": true }),
        )
        .await;
    assert_eq!(r.status, 204);
    expect_event(&mut script, admin_sockets[5], "on_asset_delete", |a| {
        *a == json!([gone])
    });

    // A live photo's still hides its motion part from the timeline.
    let motion = created(
        admin
            .upload_form(asset_form("motion.mov", fake_jpeg(12, 3000), &[]))
            .await,
    );
    let still = created(
        admin
            .upload_form(asset_form(
                "still.jpg",
                fake_jpeg(13, 3000),
                &[("livePhotoVideoId", motion.as_str())],
            ))
            .await,
    );
    expect_event(&mut script, admin_sockets[0], "on_asset_hidden", |a| {
        *a == json!([motion])
    });

    // An album's assets changed: its users hear of it.
    let album = created(
        admin
            .post("/api/albums", json!({ "albumName": "Live" }))
            .await,
    );
    let r = admin
        .put(
            &format!("/api/albums/{album}/assets"),
            json!({ "ids": [still] }),
        )
        .await;
    assert_eq!(r.status, 200);
    expect_event(&mut script, admin_sockets[0], "on_album_update", |a| {
        *a == json!([album])
    });
    let r = admin
        .send_json(
            reqwest::Method::DELETE,
            &format!("/api/albums/{album}/assets"),
            json!({ "ids": [still] }),
        )
        .await;
    assert_eq!(r.status, 200);
    let updates = format!("EVENT {} on_album_update [\"{album}\"]", admin_sockets[0]);
    script.wait_until("a second on_album_update", EVENT_WAIT, |lines| {
        lines.iter().filter(|l| **l == updates).count() == 2
    });

    // The other user hears of their own upload, and nothing of the admin's.
    let theirs = upload_path(&other, &fixtures().join("nature/tanners_ridge.jpg")).await;
    expect_event(&mut script, "other-websocket", "on_upload_success", |a| {
        a[0]["id"] == theirs.as_str()
    });

    // A session deleted from the device list, and one logging out: told, then disconnected.
    let doomed_id = session_id(&doomed).await;
    let r = admin.delete(&format!("/api/sessions/{doomed_id}")).await;
    assert_eq!(r.status, 204);
    expect_event(&mut script, "doomed-websocket", "on_session_delete", |a| {
        *a == json!([doomed_id])
    });
    script.wait_for("doomed-websocket disconnected", EVENT_WAIT, |l| {
        l == "DISCONNECTED doomed-websocket io server disconnect"
    });
    let leaving_id = session_id(&leaving).await;
    let r = leaving.post("/api/auth/logout", json!({})).await;
    assert_eq!(r.status, 200);
    expect_event(&mut script, "leaving-polling", "on_session_delete", |a| {
        *a == json!([leaving_id])
    });
    script.wait_for("leaving-polling disconnected", EVENT_WAIT, |l| {
        l == "DISCONNECTED leaving-polling io server disconnect"
    });

    let lines = script.lines().to_vec();
    let transcript = script.transcript();
    // Isolation: the other user's socket got only its own events; the admin's never saw the
    // other user's asset; the deleted sessions heard nothing of the other sessions' ends.
    let others: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("EVENT other-websocket "))
        .collect();
    assert!(
        others
            .iter()
            .all(|l| l.contains(" on_server_version ") || l.contains(theirs.as_str())),
        "{transcript}"
    );
    for label in admin_sockets {
        assert!(
            !lines
                .iter()
                .any(|l| l.starts_with(&format!("EVENT {label} ")) && l.contains(theirs.as_str())),
            "{transcript}"
        );
        assert!(
            !lines.contains(&format!("DISCONNECTED {label} io server disconnect")),
            "{transcript}"
        );
    }
    assert!(
        !lines.iter().any(
            |l| l.starts_with("EVENT doomed-websocket on_session_delete")
                && l.contains(leaving_id.as_str())
        ),
        "{transcript}"
    );
    // Refused sockets never got an event.
    assert!(
        !lines.iter().any(|l| l.starts_with("EVENT ")
            && ["anonymous", "bad-", "narrow-", "shared-link"]
                .iter()
                .any(|p| l.split(' ').nth(1).unwrap_or("").starts_with(p))),
        "{transcript}"
    );

    // An account deleted for good is announced to everyone, once its job is done.
    let other_id = user_id(&other).await;
    let r = admin
        .send_json(
            reqwest::Method::DELETE,
            &format!("/api/admin/users/{other_id}"),
            json!({"force": true}),
        )
        .await;
    assert_eq!(r.status, 200);
    expect_event(&mut script, admin_sockets[0], "on_user_delete", |a| {
        *a == json!([other_id])
    });
    let status = script.finish();
    assert!(status.success(), "socket-check.mjs failed: {status}");
}
