//! Maintenance mode (`/api/admin/maintenance/*`): switched in place, announced to the real
//! `socket.io-client` (`AppRestartV1`), kept across a restart.

use std::time::Duration;

use crate::common::*;
use crate::compat_support::{ensure_installed, open_sockets};
use crate::events::{bearer, expect_event, socket, token};
use ferrotype_core::catalog::prelude::*;
use ferrotype_core::jobs::payloads::MemoryCleanupJob;
use ferrotype_core::jobs::{NewJob, QueueName};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);
const IN_MAINTENANCE: &str = "The server is in maintenance mode";

/// The maintenance token a `Set-Cookie` header of the reply carries.
fn maintenance_cookie(reply: &Reply) -> String {
    let cookie = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("immich_maintenance_token="))
        .expect("a maintenance token cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let value = cookie.split(';').next().unwrap();
    let token = value.strip_prefix("immich_maintenance_token=").unwrap();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    token.to_string()
}

async fn post_with_token(
    client: &Client,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> Reply {
    client
        .send(
            client
                .request(reqwest::Method::POST, path)
                .header("cookie", format!("immich_maintenance_token={token}"))
                .json(&body),
        )
        .await
}

async fn get_with_token(client: &Client, path: &str, token: &str) -> Reply {
    client
        .send(
            client
                .request(reqwest::Method::GET, path)
                .header("cookie", format!("immich_maintenance_token={token}")),
        )
        .await
}

#[tokio::test]
async fn maintenance_mode_switches_the_api_and_is_announced() {
    ensure_installed();
    let mut server = Server::start();
    let admin = admin(&server).await;
    create_user(&server, "other@example.com", "other-password");
    let other = login(&server, "other@example.com", "other-password").await;
    let anon = Client::new(&server, Cred::None);

    // Outside maintenance.
    let r = anon.get("/api/admin/maintenance/status").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({ "active": false, "action": "end" }));
    anon.post("/api/admin/maintenance/login", json!({ "token": "token" }))
        .await
        .assert_error(400, "Not in maintenance mode");
    anon.post("/api/admin/maintenance", json!({ "action": "start" }))
        .await
        .assert_error(401, "Authentication required");
    other
        .post("/api/admin/maintenance", json!({ "action": "start" }))
        .await
        .assert_error(403, "Forbidden");
    let narrow = api_key(&admin, &["asset.read"]).await;
    narrow
        .post("/api/admin/maintenance", json!({ "action": "start" }))
        .await
        .assert_error(403, "Missing required permission: maintenance");
    admin
        .post("/api/admin/maintenance", json!({ "action": "sleep" }))
        .await
        .assert_invalid(json!(["action"]), "Invalid option: expected one of \"start\"|\"end\"|\"select_database_restore\"|\"restore_database\"");
    // No backups, so no restore.
    for action in ["select_database_restore", "restore_database"] {
        admin
            .post(
                "/api/admin/maintenance",
                json!({ "action": action, "restoreBackupFilename": "backup.sql.gz" }),
            )
            .await
            .assert_error(400, "Ferrotype has no database backups to restore");
    }
    // Ending what is not on does nothing.
    let r = admin
        .post("/api/admin/maintenance", json!({ "action": "end" }))
        .await;
    assert_eq!(r.status, 201);
    assert!(r.headers.get("set-cookie").is_none());
    let r = admin.get("/api/admin/maintenance/detect-install").await;
    assert_eq!(r.status, 200);
    let folders: Vec<String> = r.json()["storage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["folder"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        folders,
        [
            "encoded-video",
            "library",
            "upload",
            "profile",
            "thumbs",
            "backups"
        ]
    );
    other
        .get("/api/admin/maintenance/detect-install")
        .await
        .assert_error(403, "Forbidden");
    assert_eq!(
        admin.get("/api/server/config").await.json()["maintenanceMode"],
        false
    );

    // Sockets of both users hear the switch.
    let plans = json!([
        socket("admin", "websocket", bearer(&token(&admin))),
        socket("other", "polling", bearer(&token(&other))),
    ]);
    let mut script = open_sockets(&server.base, &plans, WAIT);
    for label in ["admin", "other"] {
        expect_event(&mut script, label, "on_server_version", |_| true);
    }

    let r = admin
        .post("/api/admin/maintenance", json!({ "action": "start" }))
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let maintenance_token = maintenance_cookie(&r);
    for label in ["admin", "other"] {
        let args = expect_event(&mut script, label, "AppRestartV1", |_| true);
        assert_eq!(args, json!([{ "isMaintenanceMode": true }]));
    }
    assert!(
        server.log().contains("/maintenance?token="),
        "the login URL is logged: {}",
        server.log()
    );

    // In maintenance: what Immich's maintenance worker serves answers, nothing else.
    let config = anon.get("/api/server/config").await;
    assert_eq!(config.status, 200);
    assert_eq!(config.json()["maintenanceMode"], true);
    assert_eq!(
        anon.get("/api/server/ping").await.json(),
        json!({ "res": "pong" })
    );
    assert_eq!(anon.get("/api/server/version").await.status, 200);
    for (client, path) in [
        (&admin, "/api/users/me"),
        (&admin, "/api/assets/statistics"),
        (&other, "/api/albums"),
        (&anon, "/api/server/features"),
    ] {
        client.get(path).await.assert_error(503, IN_MAINTENANCE);
    }
    admin
        .post(
            "/api/auth/login",
            json!({ "email": "admin@example.com", "password": "admin-password" }),
        )
        .await
        .assert_error(503, IN_MAINTENANCE);
    let r = anon.get("/api/admin/maintenance/detect-install").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["storage"].as_array().unwrap().len(), 6);

    // No job starts: one queued now waits (the runner checks twice a second).
    let catalog = server.catalog();
    catalog
        .enqueue_jobs(&[NewJob::of(&MemoryCleanupJob {})])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let counts = catalog
        .queue_status(QueueName::BackgroundTask)
        .await
        .unwrap()
        .counts;
    assert_eq!((counts.waiting, counts.active), (1, 0), "{counts:?}");

    // Status: the same for everyone (no task of ours has an error to hide).
    let r = anon.get("/api/admin/maintenance/status").await;
    assert_eq!(r.json(), json!({ "active": true, "action": "start" }));
    let r = get_with_token(&anon, "/api/admin/maintenance/status", &maintenance_token).await;
    assert_eq!(r.json(), json!({ "active": true, "action": "start" }));

    // Logging in: the token from the body or the cookie.
    anon.post("/api/admin/maintenance/login", json!({}))
        .await
        .assert_error(401, "Missing JWT Token");
    anon.post(
        "/api/admin/maintenance/login",
        json!({ "token": "not.a.token" }),
    )
    .await
    .assert_error(401, "Invalid JWT Token");
    post_with_token(&anon, "/api/admin/maintenance/login", "forged", json!({}))
        .await
        .assert_error(401, "Invalid JWT Token");
    let r = anon
        .post(
            "/api/admin/maintenance/login",
            json!({ "token": maintenance_token }),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json(), json!({ "username": "Admin" }));
    assert_eq!(maintenance_cookie(&r), maintenance_token);
    let r = post_with_token(
        &anon,
        "/api/admin/maintenance/login",
        &maintenance_token,
        json!({}),
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json(), json!({ "username": "Admin" }));

    // The session no longer ends it; only the token does.
    admin
        .post("/api/admin/maintenance", json!({ "action": "end" }))
        .await
        .assert_error(401, "Missing JWT Token");
    post_with_token(
        &anon,
        "/api/admin/maintenance",
        "forged",
        json!({ "action": "end" }),
    )
    .await
    .assert_error(401, "Invalid JWT Token");
    let r = post_with_token(
        &anon,
        "/api/admin/maintenance",
        &maintenance_token,
        json!({ "action": "start" }),
    )
    .await;
    assert_eq!(r.status, 201, "starting again changes nothing");
    post_with_token(
        &anon,
        "/api/admin/maintenance",
        &maintenance_token,
        json!({ "action": "restore_database", "restoreBackupFilename": "x.sql.gz" }),
    )
    .await
    .assert_error(400, "Ferrotype has no database backups to restore");

    // A restart stays in maintenance, and the token still holds (the secret is stored).
    server.stop();
    server.restart();
    let anon = Client::new(&server, Cred::None);
    let admin = Client {
        base: server.base.clone(),
        ..admin
    };
    assert_eq!(
        anon.get("/api/server/config").await.json()["maintenanceMode"],
        true
    );
    admin
        .get("/api/users/me")
        .await
        .assert_error(503, IN_MAINTENANCE);
    assert!(
        server.log().contains("/maintenance?token="),
        "{}",
        server.log()
    );
    let r = anon
        .post(
            "/api/admin/maintenance/login",
            json!({ "token": maintenance_token }),
        )
        .await;
    assert_eq!(r.status, 201);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let counts = server
        .catalog()
        .queue_status(QueueName::BackgroundTask)
        .await
        .unwrap()
        .counts;
    assert_eq!(
        (counts.waiting, counts.active),
        (1, 0),
        "still held after the restart: {counts:?}"
    );

    // Ending it: announced to the sockets, and the API is back.
    let plans = json!([socket("after-restart", "websocket", bearer(&token(&admin)))]);
    let mut script = open_sockets(&server.base, &plans, WAIT);
    expect_event(&mut script, "after-restart", "on_server_version", |_| true);
    let r = post_with_token(
        &anon,
        "/api/admin/maintenance",
        &maintenance_token,
        json!({ "action": "end" }),
    )
    .await;
    assert_eq!(r.status, 201);
    let args = expect_event(&mut script, "after-restart", "AppRestartV1", |_| true);
    assert_eq!(args, json!([{ "isMaintenanceMode": false }]));
    assert_eq!(
        anon.get("/api/server/config").await.json()["maintenanceMode"],
        false
    );
    assert_eq!(admin.get("/api/users/me").await.status, 200);
    // The job that waited runs now.
    let catalog = server.catalog();
    let mut done = false;
    for _ in 0..100 {
        let counts = catalog
            .queue_status(QueueName::BackgroundTask)
            .await
            .unwrap()
            .counts;
        if counts.waiting == 0 && counts.active == 0 {
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(done, "the job held during maintenance ran after it");
    let r = anon.get("/api/admin/maintenance/status").await;
    assert_eq!(r.json(), json!({ "active": false, "action": "end" }));
    // The old token is worth nothing now.
    anon.post(
        "/api/admin/maintenance/login",
        json!({ "token": maintenance_token }),
    )
    .await
    .assert_error(400, "Not in maintenance mode");
}

/// Two API processes on one PostgreSQL catalog: maintenance started through one holds on the
/// other at once (the bus), and ending it through the other frees both.
#[tokio::test]
async fn every_process_on_a_shared_catalog_follows_maintenance_mode() {
    ensure_installed();
    let url = ferrotype_postgres::testing::TestCluster::shared()
        .database_url()
        .await;
    let env = [
        ("FERROTYPE_DATABASE_URL", url.as_str()),
        ("FERROTYPE_ROLE", "api"),
    ];
    let first = Server::start_with(&env);
    let second = Server::start_with(&env);
    let on_first = admin(&first).await;
    let on_second = login(&second, "admin@example.com", "admin-password").await;
    let anon_second = Client::new(&second, Cred::None);
    let plans = json!([socket("on-second", "websocket", bearer(&token(&on_second)))]);
    let mut script = open_sockets(&second.base, &plans, WAIT);
    expect_event(&mut script, "on-second", "on_server_version", |_| true);

    let r = on_first
        .post("/api/admin/maintenance", json!({ "action": "start" }))
        .await;
    assert_eq!(r.status, 201);
    let maintenance_token = maintenance_cookie(&r);
    let args = expect_event(&mut script, "on-second", "AppRestartV1", |_| true);
    assert_eq!(args, json!([{ "isMaintenanceMode": true }]));
    // The event follows the state on the bus, so the second process has read it by now.
    on_second
        .get("/api/users/me")
        .await
        .assert_error(503, IN_MAINTENANCE);
    assert_eq!(
        anon_second.get("/api/server/config").await.json()["maintenanceMode"],
        true
    );

    let r = post_with_token(
        &anon_second,
        "/api/admin/maintenance",
        &maintenance_token,
        json!({ "action": "end" }),
    )
    .await;
    assert_eq!(r.status, 201);
    let args = expect_event(&mut script, "on-second", "AppRestartV1", |a| {
        a[0]["isMaintenanceMode"] == false
    });
    assert_eq!(args, json!([{ "isMaintenanceMode": false }]));
    // The first process is told through the bus.
    let mut back = false;
    for _ in 0..100 {
        if on_first.get("/api/users/me").await.status == 200 {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "the first process left maintenance mode");
}
