//! Discovery, accounts, sessions and API keys against the real server.

use crate::common::*;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn public_server_endpoints() {
    let server = Server::start();
    let anon = Client::new(&server, Cred::None);

    let r = anon.get("/.well-known/immich").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"api": {"endpoint": "/api"}}));

    assert_eq!(
        anon.get("/api/server/ping").await.json(),
        json!({"res": "pong"})
    );
    assert_eq!(
        anon.get("/api/server/version").await.json(),
        json!({"major": 3, "minor": 2, "patch": 2, "prerelease": null})
    );

    let features = anon.get("/api/server/features").await.json();
    for key in [
        "configFile",
        "duplicateDetection",
        "email",
        "facialRecognition",
        "importFaces",
        "map",
        "oauth",
        "oauthAutoLaunch",
        "ocr",
        "passwordLogin",
        "realtimeTranscoding",
        "reverseGeocoding",
        "search",
        "sidecar",
        "smartSearch",
        "trash",
    ] {
        assert!(features[key].is_boolean(), "features.{key}: {features}");
    }
    assert_eq!(features["passwordLogin"], true);

    let config = anon.get("/api/server/config").await.json();
    assert_eq!(config["isInitialized"], false);
    for key in [
        "externalDomain",
        "loginPageMessage",
        "mapDarkStyleUrl",
        "mapLightStyleUrl",
        "oauthButtonText",
    ] {
        assert!(config[key].is_string(), "config.{key}: {config}");
    }
    for key in ["minFaces", "trashDays", "userDeleteDelay"] {
        assert!(config[key].is_i64(), "config.{key}: {config}");
    }

    let types = anon.get("/api/server/media-types").await.json();
    let images: Vec<&str> = types["image"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for ext in [
        ".jpg", ".jpeg", ".heic", ".png", ".webp", ".avif", ".jxl", ".dng", ".cr3",
    ] {
        assert!(images.contains(&ext), "{ext} missing from {images:?}");
    }
    assert!(types["video"].as_array().unwrap().contains(&json!(".mp4")));
    assert_eq!(types["sidecar"], json!([".xmp"]));

    // About needs a credential.
    anon.get("/api/server/about")
        .await
        .assert_error(401, "Authentication required");
    let admin = admin(&server).await;
    let about = admin.get("/api/server/about").await.json();
    assert_eq!(about["version"], "v3.2.2");
    assert!(about["versionUrl"].is_string() && about["licensed"].is_boolean());
    assert_eq!(
        anon.get("/api/server/config").await.json()["isInitialized"],
        true
    );
}

#[tokio::test]
async fn admin_sign_up_only_once() {
    let server = Server::start();
    let anon = Client::new(&server, Cred::None);
    let r = anon
        .post(
            "/api/auth/admin-sign-up",
            json!({"email": "Root@Example.com", "password": "pw", "name": "Root"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let user = r.json();
    for key in [
        "id",
        "email",
        "name",
        "avatarColor",
        "profileImagePath",
        "profileChangedAt",
        "isAdmin",
        "shouldChangePassword",
        "storageLabel",
        "oauthId",
        "quotaSizeInBytes",
        "quotaUsageInBytes",
        "status",
        "license",
        "createdAt",
        "updatedAt",
        "deletedAt",
    ] {
        assert!(user.get(key).is_some(), "{key} missing: {user}");
    }
    assert_eq!(user["isAdmin"], true);
    // Required by the 3.2 SDK's types, though not by the 3.1 document.
    assert_eq!(user["clusterGroupId"], user["id"]);
    assert_eq!(user["email"], "root@example.com");

    anon.post(
        "/api/auth/admin-sign-up",
        json!({"email": "other@example.com", "password": "pw", "name": "O"}),
    )
    .await
    .assert_error(400, "The server already has an admin");
    anon.post(
        "/api/auth/admin-sign-up",
        json!({"email": "not-an-email", "password": "pw", "name": "O"}),
    )
    .await
    .assert_invalid(
        json!(["email"]),
        "Invalid input: expected email, received string",
    );
    let r = anon
        .post("/api/auth/admin-sign-up", json!({"email": "x@example.com"}))
        .await;
    assert_eq!(r.status, 400);
    r.json();
}

#[tokio::test]
async fn login_cookies_and_every_credential_kind() {
    let server = Server::start();
    admin(&server).await;
    let anon = Client::new(&server, Cred::None);

    anon.post(
        "/api/auth/login",
        json!({"email": "admin@example.com", "password": "wrong"}),
    )
    .await
    .assert_error(401, "Incorrect email or password");
    anon.post(
        "/api/auth/login",
        json!({"email": "nobody@example.com", "password": "admin-password"}),
    )
    .await
    .assert_error(401, "Incorrect email or password");

    let r = anon
        .post(
            "/api/auth/login",
            json!({"email": "ADMIN@example.com", "password": "admin-password"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let body = r.json();
    for key in [
        "accessToken",
        "userId",
        "userEmail",
        "name",
        "isAdmin",
        "isOnboarded",
        "profileImagePath",
        "shouldChangePassword",
    ] {
        assert!(body.get(key).is_some(), "{key} missing: {body}");
    }
    let token = body["accessToken"].as_str().unwrap().to_string();
    let cookies: Vec<&str> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with(&format!("immich_access_token={token};"))
                && c.contains("HttpOnly")),
        "{cookies:?}"
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("immich_auth_type=password;")),
        "{cookies:?}"
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("immich_is_authenticated=true;") && !c.contains("HttpOnly")),
        "{cookies:?}"
    );

    // The same session through each of the ways a client can present it.
    for cred in [Cred::Bearer(token.clone()), Cred::Cookie(token.clone())] {
        let me = anon.with(cred).get("/api/users/me").await;
        assert_eq!(me.status, 200);
        assert_eq!(me.json()["email"], "admin@example.com");
    }
    let r = anon
        .send(
            anon.request(Method::GET, "/api/users/me")
                .header("x-immich-user-token", &token),
        )
        .await;
    assert_eq!(r.json()["email"], "admin@example.com");
    let r = anon.get(&format!("/api/users/me?sessionKey={token}")).await;
    assert_eq!(r.status, 200);

    let session = anon.with(Cred::Cookie(token.clone()));
    let r = session.post("/api/auth/validateToken", json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"authStatus": true}));

    anon.get("/api/users/me")
        .await
        .assert_error(401, "Authentication required");
    anon.with(Cred::Bearer("nonsense".into()))
        .get("/api/users/me")
        .await
        .assert_error(401, "Invalid user token");
    anon.with(Cred::ApiKey("nonsense".into()))
        .get("/api/users/me")
        .await
        .assert_error(401, "Invalid API key");

    // Logout ends the session and clears the cookies.
    let r = session.post("/api/auth/logout", json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"successful": true, "redirectUri": "/auth/login?autoLaunch=0"})
    );
    let cleared: Vec<&str> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("immich_access_token=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    session
        .get("/api/users/me")
        .await
        .assert_error(401, "Invalid user token");
}

#[tokio::test]
async fn secrets_are_stored_only_as_hashes() {
    let server = Server::start();
    let admin = admin(&server).await;
    let Cred::Bearer(token) = admin.cred.clone() else {
        unreachable!()
    };
    let key = api_key(&admin, &["all"]).await;
    let Cred::ApiKey(secret) = key.cred.clone() else {
        unreachable!()
    };
    let mut server = server;
    assert!(server.stop().success());
    // Read the database and its write-ahead log as raw bytes.
    let mut bytes = Vec::new();
    for name in ["ferrotype.db", "ferrotype.db-wal"] {
        if let Ok(b) = std::fs::read(server.data_dir.join(name)) {
            bytes.extend(b);
        }
    }
    let haystack = String::from_utf8_lossy(&bytes);
    assert!(haystack.contains("$argon2id$"), "password hash not found");
    for secret in [&token, &secret, &"admin-password".to_string()] {
        assert!(
            !haystack.contains(secret.as_str()),
            "a secret is stored in the clear"
        );
    }
}

#[tokio::test]
async fn api_keys_and_permissions() {
    let server = Server::start();
    let admin = admin(&server).await;

    // Create, list, read, rename, delete.
    let r = admin
        .post(
            "/api/api-keys",
            json!({"name": "cli", "permissions": ["all"]}),
        )
        .await;
    assert_eq!(r.status, 201);
    let created = r.json();
    // 32 random bytes in base64 with the non-word characters dropped, as Immich makes them: 43
    // characters less the few `+` and `/` (4 or more are dropped about once in 20 keys).
    let secret = created["secret"].as_str().unwrap();
    assert!(
        secret.len() >= 32 && secret.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{secret}"
    );
    let id = created["apiKey"]["id"].as_str().unwrap().to_string();
    for key in ["id", "name", "permissions", "createdAt", "updatedAt"] {
        assert!(created["apiKey"].get(key).is_some(), "{key}: {created}");
    }
    let r = admin
        .post("/api/api-keys", json!({"permissions": ["asset.read"]}))
        .await;
    assert_eq!(r.json()["apiKey"]["name"], "API Key");
    let list = admin.get("/api/api-keys").await.json();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(
        admin.get(&format!("/api/api-keys/{id}")).await.json()["name"],
        "cli"
    );
    let r = admin
        .put(&format!("/api/api-keys/{id}"), json!({"name": "renamed"}))
        .await;
    assert_eq!(r.json()["name"], "renamed");
    assert_eq!(r.json()["permissions"], json!(["all"]));

    // /api-keys/me: only for API keys, and for any valid key.
    admin
        .get("/api/api-keys/me")
        .await
        .assert_error(403, "Not authenticated with an API Key");
    let reader = admin.with(Cred::ApiKey(r_secret(&admin, &["asset.read"]).await));
    let me = reader.get("/api/api-keys/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["permissions"], json!(["asset.read"]));

    // A key without the route's permission, and routes without one (they need `all`).
    reader
        .get("/api/users/me")
        .await
        .assert_error(403, "Missing required permission: user.read");
    reader
        .upload("a.jpg", fake_jpeg(1, 100))
        .await
        .assert_error(403, "Missing required permission: asset.upload");
    reader
        .post("/api/auth/logout", json!({}))
        .await
        .assert_error(403, "Missing required permission: all");
    // Any valid key may validate itself.
    assert_eq!(
        reader
            .post("/api/auth/validateToken", json!({}))
            .await
            .status,
        200
    );

    // A key cannot grant more than it holds; unknown permissions are refused.
    let key_maker = admin.with(Cred::ApiKey(
        r_secret(&admin, &["apiKey.create", "asset.read"]).await,
    ));
    key_maker
        .post("/api/api-keys", json!({"permissions": ["all"]}))
        .await
        .assert_error(400, "Cannot grant permissions you do not have");
    key_maker
        .post("/api/api-keys", json!({"permissions": ["asset.upload"]}))
        .await
        .assert_error(400, "Cannot grant permissions you do not have");
    assert_eq!(
        key_maker
            .post("/api/api-keys", json!({"permissions": ["asset.read"]}))
            .await
            .status,
        201
    );
    let refused = admin
        .post("/api/api-keys", json!({"permissions": ["photo.steal"]}))
        .await
        .json()["errors"][0]
        .clone();
    assert_eq!(refused["path"], json!(["permissions", 0]));
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid option: expected one of \"all\"|\"activity.create\"|"),
        "{refused}"
    );

    // Another user's key is invisible; a deleted key stops working.
    create_user(&server, "bob@example.com", "bob-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    bob.get(&format!("/api/api-keys/{id}"))
        .await
        .assert_error(400, "API Key not found");
    bob.delete(&format!("/api/api-keys/{id}"))
        .await
        .assert_error(400, "API Key not found");
    let full = admin.with(Cred::ApiKey(
        created["secret"].as_str().unwrap().to_string(),
    ));
    assert_eq!(full.get("/api/users/me").await.status, 200);
    assert_eq!(
        admin.delete(&format!("/api/api-keys/{id}")).await.status,
        204
    );
    full.get("/api/users/me")
        .await
        .assert_error(401, "Invalid API key");
}

async fn r_secret(client: &Client, permissions: &[&str]) -> String {
    let r = client
        .post("/api/api-keys", json!({"permissions": permissions}))
        .await;
    assert_eq!(r.status, 201);
    r.json()["secret"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn errors_are_json_everywhere() {
    let server = Server::start();
    let admin = admin(&server).await;
    let r = admin.get("/api/no-such-route").await;
    r.assert_error(404, "Cannot GET /api/no-such-route");
    let r = admin.delete("/api/server/ping").await;
    assert_eq!(r.status, 405);
    r.json();
    // Malformed JSON, a wrong content type, a bad id in the path.
    let r = admin
        .send(
            admin
                .request(Method::POST, "/api/albums")
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!(r.status, 400);
    r.json();
    let r = admin
        .send(
            admin
                .request(Method::POST, "/api/albums")
                .body("albumName=x"),
        )
        .await;
    assert_eq!(r.status, 400);
    r.json();
    let r = admin.get("/api/assets/not-a-uuid").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["message"], "Validation failed");
    assert!(r.headers.get("x-correlation-id").is_some());
}

#[tokio::test]
async fn storage_and_auth_status() {
    let server = Server::start();
    let admin = admin(&server).await;
    let storage = admin.get("/api/server/storage").await.json();
    let size = storage["diskSizeRaw"].as_i64().unwrap();
    let used = storage["diskUseRaw"].as_i64().unwrap();
    let available = storage["diskAvailableRaw"].as_i64().unwrap();
    assert!(
        size > 0 && used > 0 && available > 0 && used + available <= size,
        "{storage}"
    );
    assert!(
        storage["diskSize"].as_str().unwrap().ends_with("iB"),
        "{storage}"
    );
    let status = admin.get("/api/auth/status").await.json();
    assert_eq!(
        status,
        json!({"password": true, "pinCode": false, "isElevated": false})
    );
    let reader = api_key(&admin, &["asset.read"]).await;
    reader
        .get("/api/server/storage")
        .await
        .assert_error(403, "Missing required permission: server.storage");
    reader
        .get("/api/auth/status")
        .await
        .assert_error(403, "Missing required permission: all");
}

#[tokio::test]
async fn sessions_list_and_logout_elsewhere() {
    let server = Server::start();
    let phone = admin(&server).await;
    let laptop = login(&server, "admin@example.com", "admin-password").await;
    let tablet = login(&server, "admin@example.com", "admin-password").await;
    let listed = laptop.get("/api/sessions").await.json();
    assert_eq!(listed.as_array().unwrap().len(), 3);
    assert_eq!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["current"] == true)
            .count(),
        1
    );
    // Ending one session by id, then all but the current one.
    let tablet_id = tablet
        .get("/api/sessions")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        laptop
            .delete(&format!("/api/sessions/{tablet_id}"))
            .await
            .status,
        204
    );
    tablet
        .get("/api/users/me")
        .await
        .assert_error(401, "Invalid user token");
    assert_eq!(laptop.delete("/api/sessions").await.status, 204);
    phone
        .get("/api/users/me")
        .await
        .assert_error(401, "Invalid user token");
    assert_eq!(
        laptop
            .get("/api/sessions")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Another user's session ids are not reachable.
    create_user(&server, "bob@example.com", "bob-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    let laptop_id = laptop.get("/api/sessions").await.json()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    bob.delete(&format!("/api/sessions/{laptop_id}"))
        .await
        .assert_error(400, "Not found or no authDevice.delete access");
    assert_eq!(laptop.get("/api/users/me").await.status, 200);
}

#[tokio::test]
async fn own_profile_and_preferences() {
    let server = Server::start();
    let me = admin(&server).await;
    let prefs = me.get("/api/users/me/preferences").await.json();
    assert_eq!(prefs["memories"], json!({"enabled": true, "duration": 5}));
    // PUT and PATCH (Immich's undocumented twin) both change only what they name.
    let r = me
        .put(
            "/api/users/me/preferences",
            json!({"memories": {"enabled": false}}),
        )
        .await;
    assert_eq!(
        r.json()["memories"],
        json!({"enabled": false, "duration": 5})
    );
    let r = me
        .send_json(
            Method::PATCH,
            "/api/users/me/preferences",
            json!({"ratings": {"enabled": true}, "avatar": {"color": "green"}}),
        )
        .await;
    assert_eq!(r.json()["ratings"]["enabled"], true);
    assert_eq!(r.json()["memories"]["enabled"], false);
    assert_eq!(me.get("/api/users/me").await.json()["avatarColor"], "green");
    me.put(
        "/api/users/me/preferences",
        json!({"memories": {"enabled": "no"}}),
    )
    .await
    .assert_invalid(
        json!(["memories", "enabled"]),
        "Invalid input: expected boolean, received string",
    );
    me.put(
        "/api/users/me/preferences",
        json!({"weather": {"sunny": true}}),
    )
    .await
    .assert_error(400, "unknown preference section weather");

    let r = me
        .put(
            "/api/users/me",
            json!({"name": "Renamed", "email": "New@Example.com"}),
        )
        .await;
    assert_eq!(r.json()["name"], "Renamed");
    assert_eq!(r.json()["email"], "new@example.com");
    let r = me
        .send_json(
            Method::PUT,
            "/api/users/me",
            json!({"password": "another-password"}),
        )
        .await;
    assert_eq!(r.status, 200);
    login(&server, "new@example.com", "another-password").await;
    create_user(&server, "bob@example.com", "bob-password");
    me.put("/api/users/me", json!({"email": "bob@example.com"}))
        .await
        .assert_error(400, "Email is not available");
    me.put("/api/users/me", json!({"avatarColor": "plaid"}))
        .await
        .assert_invalid(
            json!(["avatarColor"]),
            "Invalid option: expected one of \"primary\"|\"pink\"|\"red\"|\"yellow\"|\"blue\"|\"green\"|\"purple\"|\"orange\"|\"gray\"|\"amber\"",
        );
}

#[tokio::test]
async fn admin_manages_users_and_quotas() {
    let server = Server::start();
    let admin = admin(&server).await;
    let r = admin
        .post("/api/admin/users", json!({"email": "Kid@Example.com", "name": "Kid", "password": "kid-password", "quotaSizeInBytes": 5000}))
        .await;
    assert_eq!(r.status, 201);
    let kid = r.json();
    assert_eq!(kid["quotaSizeInBytes"], 5000);
    assert_eq!(kid["isAdmin"], false);
    let kid_id = kid["id"].as_str().unwrap().to_string();
    admin
        .post(
            "/api/admin/users",
            json!({"email": "kid@example.com", "name": "Again", "password": "x"}),
        )
        .await
        .assert_error(400, "User exists");
    assert_eq!(
        admin
            .get("/api/admin/users")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The quota: under it is fine, past it is refused with the message the app stops on.
    let child = login(&server, "kid@example.com", "kid-password").await;
    child
        .get("/api/admin/users")
        .await
        .assert_error(403, "Forbidden");
    assert_eq!(child.upload("a.jpg", fake_jpeg(1, 3000)).await.status, 201);
    child
        .upload("b.jpg", fake_jpeg(2, 3000))
        .await
        .assert_error(400, "Quota has been exceeded!");
    assert_eq!(child.get("/api/assets/statistics").await.json()["total"], 1);
    // Raised by the admin, the next upload fits; cleared (null), there is no limit.
    let r = admin
        .put(
            &format!("/api/admin/users/{kid_id}"),
            json!({"quotaSizeInBytes": 100000, "name": "Kiddo"}),
        )
        .await;
    assert_eq!(r.json()["name"], "Kiddo");
    assert_eq!(child.upload("b.jpg", fake_jpeg(2, 3000)).await.status, 201);
    let r = admin
        .send_json(
            Method::PUT,
            &format!("/api/admin/users/{kid_id}"),
            json!({"quotaSizeInBytes": null}),
        )
        .await;
    assert!(r.json()["quotaSizeInBytes"].is_null());
    assert_eq!(
        child.upload("c.jpg", fake_jpeg(3, 300000)).await.status,
        201
    );

    // Delete stops the account at once; restore brings it back with its data.
    let r = admin
        .send_json(
            reqwest::Method::DELETE,
            &format!("/api/admin/users/{kid_id}"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.json()["deletedAt"].is_string());
    child
        .get("/api/users/me")
        .await
        .assert_error(401, "Invalid user token");
    assert_eq!(
        admin
            .get("/api/admin/users")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        admin
            .get("/api/admin/users?withDeleted=true")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let r = admin
        .send(admin.request(Method::POST, &format!("/api/admin/users/{kid_id}/restore")))
        .await;
    assert!(r.json()["deletedAt"].is_null());
    assert_eq!(child.get("/api/assets/statistics").await.json()["total"], 3);

    // The admin keeps their own rights; ids that do not exist are told apart.
    let me = user_id(&admin).await;
    admin
        .put(&format!("/api/admin/users/{me}"), json!({"isAdmin": false}))
        .await
        .assert_error(400, "Admin status can only be changed by another admin");
    admin
        .get("/api/admin/users/4a8b7d4c-1111-4222-8333-444455556666")
        .await
        .assert_error(400, "User not found");
}

#[tokio::test]
async fn change_password() {
    let server = Server::start();
    let admin = admin(&server).await;
    let other = login(&server, "admin@example.com", "admin-password").await;
    admin
        .post(
            "/api/auth/change-password",
            json!({"password": "wrong", "newPassword": "next-password"}),
        )
        .await
        .assert_error(400, "Wrong password");
    let r = admin
        .post("/api/auth/change-password", json!({"password": "admin-password", "newPassword": "next-password", "invalidateSessions": true}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(admin.get("/api/users/me").await.status, 200);
    other
        .get("/api/users/me")
        .await
        .assert_error(401, "Invalid user token");
    login(&server, "admin@example.com", "next-password").await;
}

#[tokio::test]
async fn users_and_profile_images() {
    let server = Server::start();
    let admin = admin(&server).await;
    create_user(&server, "bob@example.com", "bob-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    let users = bob.get("/api/users").await.json();
    assert_eq!(users.as_array().unwrap().len(), 2);
    let admin_id = user_id(&admin).await;
    assert_eq!(
        bob.get(&format!("/api/users/{admin_id}")).await.json()["email"],
        "admin@example.com"
    );
    bob.get(&format!("/api/users/{admin_id}/profile-image"))
        .await
        .assert_error(404, "User does not have a profile image");

    let picture = std::fs::read(fixtures().join("metadata/faces/portrait.jpg")).unwrap();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(picture.clone()).file_name("me.jpg"),
    );
    let r = admin
        .send(
            admin
                .request(Method::POST, "/api/users/profile-image")
                .multipart(form),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["userId"], admin_id);
    let r = bob
        .get(&format!("/api/users/{admin_id}/profile-image"))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "image/jpeg");
    assert_eq!(r.body, picture);
    assert_ne!(
        admin.get("/api/users/me").await.json()["profileImagePath"],
        ""
    );
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(vec![1, 2]).file_name("me.exe"),
    );
    admin
        .send(
            admin
                .request(Method::POST, "/api/users/profile-image")
                .multipart(form),
        )
        .await
        .assert_error(400, "Unsupported file type me.exe");
    assert_eq!(admin.delete("/api/users/profile-image").await.status, 204);
    bob.get(&format!("/api/users/{admin_id}/profile-image"))
        .await
        .assert_error(404, "User does not have a profile image");
}

/// Immich 3.x account details: a created user must change the given password unless told
/// otherwise, and setting one's own password (the deprecated `PUT /users/me` way) clears that;
/// the calendar heatmap counts uploads per day, for oneself and, for admins, anyone.
#[tokio::test]
async fn new_accounts_passwords_and_the_calendar_heatmap() {
    let server = Server::start();
    let admin = admin(&server).await;
    let r = admin
        .post(
            "/api/admin/users",
            json!({"email": "kim@example.com", "name": "Kim", "password": "first-password"}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["shouldChangePassword"], true);
    let kim_id = r.json()["id"].as_str().unwrap().to_string();
    let kim = login(&server, "kim@example.com", "first-password").await;
    let r = kim
        .put("/api/users/me", json!({"password": "my-own-password"}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["shouldChangePassword"], false);
    let kim = login(&server, "kim@example.com", "my-own-password").await;
    assert_eq!(
        kim.get("/api/users/me/preferences").await.json()["people"]["minimumFaces"],
        3
    );

    // Sessions of clients no User-Agent parser names have no device type or OS, as in Immich.
    let sessions = kim.get("/api/sessions").await.json();
    let current: Vec<_> = sessions
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["current"] == true)
        .collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["deviceType"], "");
    assert_eq!(current[0]["deviceOS"], "");
    assert_eq!(current[0]["isPendingSyncReset"], false);

    // Two uploads today.
    for seed in [1, 2] {
        assert_eq!(kim.upload("k.jpg", fake_jpeg(seed, 2000)).await.status, 201);
    }
    let today = chrono::Utc::now().date_naive();
    let heatmap = kim.get("/api/users/me/calendar-heatmap").await.json();
    assert_eq!(heatmap["totalCount"], 2);
    assert_eq!(heatmap["to"], today.format("%Y-%m-%d").to_string());
    let series = heatmap["series"].as_array().unwrap();
    assert_eq!(series.len(), 364, "52 weeks, today included");
    assert_eq!(series.last().unwrap()["count"], 2);
    let r = admin
        .get(&format!(
            "/api/admin/users/{kim_id}/calendar-heatmap?from=2020-01-01&to=2020-01-03&type=Taken"
        ))
        .await
        .json();
    assert_eq!(
        r,
        json!({"from": "2020-01-01", "to": "2020-01-03", "totalCount": 0, "series": [
            {"date": "2020-01-01", "count": 0}, {"date": "2020-01-02", "count": 0},
            {"date": "2020-01-03", "count": 0}]})
    );
    kim.get(&format!("/api/admin/users/{kim_id}/calendar-heatmap"))
        .await
        .assert_error(403, "Forbidden");
    kim.get("/api/users/me/calendar-heatmap?from=yesterday")
        .await
        .assert_invalid(
            json!(["from"]),
            "Invalid input: expected ISO date string (YYYY-MM-DD), received string",
        );
}

/// The PIN code and the locked folder (Immich 3.x): a locked asset leaves its albums and the
/// timeline, and only a session unlocked with the PIN code sees or changes it; child sessions
/// (for casting) and session flags.
#[tokio::test]
async fn pin_code_sessions_and_the_locked_folder() {
    let server = Server::start();
    let admin = admin(&server).await;
    let status = admin.get("/api/auth/status").await.json();
    assert_eq!(status["pinCode"], false);
    assert_eq!(status["isElevated"], false);

    // Setting up, and the rules for changing and resetting.
    admin
        .post("/api/auth/pin-code", json!({"pinCode": "12345"}))
        .await
        .assert_invalid(
            json!(["pinCode"]),
            "Invalid string: must match pattern /^\\d{6}$/",
        );
    assert_eq!(
        admin
            .post("/api/auth/pin-code", json!({"pinCode": "123456"}))
            .await
            .status,
        204
    );
    admin
        .post("/api/auth/pin-code", json!({"pinCode": "654321"}))
        .await
        .assert_error(400, "User already has a PIN code");
    admin
        .put(
            "/api/auth/pin-code",
            json!({"pinCode": "000000", "newPinCode": "222222"}),
        )
        .await
        .assert_error(400, "Wrong PIN code");
    admin
        .put("/api/auth/pin-code", json!({"newPinCode": "222222"}))
        .await
        .assert_error(400, "Either password or pinCode is required");
    let r = admin
        .put(
            "/api/auth/pin-code",
            json!({"password": "admin-password", "newPinCode": "222222"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(admin.get("/api/auth/status").await.json()["pinCode"], true);

    // A photo in an album goes to the locked folder: out of the album and the timeline.
    let photo = admin.upload("p.jpg", fake_jpeg(4, 2000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let album = admin
        .post(
            "/api/albums",
            json!({"albumName": "A", "assetIds": [photo]}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = admin
        .put(
            "/api/assets",
            json!({"ids": [photo], "visibility": "locked"}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        admin.get(&format!("/api/albums/{album}")).await.json()["assetCount"],
        0
    );
    admin
        .get(&format!("/api/assets/{photo}"))
        .await
        .assert_error(400, "Not found or no asset.read access");
    admin
        .get(&format!("/api/assets/{photo}/thumbnail"))
        .await
        .assert_error(400, "Not found or no asset.view access");
    admin
        .get("/api/timeline/buckets?visibility=locked")
        .await
        .assert_error(401, "Elevated permission is required");
    assert_eq!(
        admin.get("/api/timeline/buckets").await.json(),
        json!([]),
        "not on the timeline"
    );
    // Unchanged by anyone without the unlock: no way back out.
    admin
        .put(
            "/api/assets",
            json!({"ids": [photo], "visibility": "timeline"}),
        )
        .await
        .assert_error(400, "Not found or no asset.update access");

    // Unlocked with the PIN code: seen, in the locked timeline, for this session only.
    admin
        .post("/api/auth/session/unlock", json!({"pinCode": "111111"}))
        .await
        .assert_error(400, "Wrong PIN code");
    assert_eq!(
        admin
            .post("/api/auth/session/unlock", json!({"pinCode": "222222"}))
            .await
            .status,
        204
    );
    let status = admin.get("/api/auth/status").await.json();
    assert_eq!(status["isElevated"], true);
    assert!(status["pinExpiresAt"].is_string());
    assert_eq!(admin.get(&format!("/api/assets/{photo}")).await.status, 200);
    let buckets = admin
        .get("/api/timeline/buckets?visibility=locked")
        .await
        .json();
    assert_eq!(buckets[0]["count"], 1);
    let other_session = login(&server, "admin@example.com", "admin-password").await;
    other_session
        .get(&format!("/api/assets/{photo}"))
        .await
        .assert_error(400, "Not found or no asset.read access");

    // Child sessions, flags, and locking a session again.
    let child = admin
        .post(
            "/api/sessions",
            json!({"deviceType": "Cast", "deviceOS": "Chromecast", "duration": 3600}),
        )
        .await;
    assert_eq!(child.status, 201);
    let child = child.json();
    assert!(child["expiresAt"].is_string());
    let caster = admin.with(Cred::Bearer(child["token"].as_str().unwrap().to_string()));
    assert_eq!(caster.get("/api/users/me").await.status, 200);
    let child_id = child["id"].as_str().unwrap();
    let r = admin
        .put(
            &format!("/api/sessions/{child_id}"),
            json!({"isPendingSyncReset": true}),
        )
        .await;
    assert_eq!(r.json()["isPendingSyncReset"], true);
    admin
        .put(&format!("/api/sessions/{child_id}"), json!({}))
        .await
        .assert_error(400, "No fields to update");
    let api_key_client = api_key(&admin, &["all"]).await;
    api_key_client
        .post("/api/sessions", json!({}))
        .await
        .assert_error(400, "This endpoint can only be used with a session token");
    let current = admin
        .get("/api/sessions")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        admin
            .post(&format!("/api/sessions/{current}/lock"), json!({}))
            .await
            .status,
        204
    );
    assert_eq!(
        admin.get("/api/auth/status").await.json()["isElevated"],
        false
    );
    // Resetting the code (with the password) locks every session.
    assert_eq!(
        admin
            .post("/api/auth/session/unlock", json!({"pinCode": "222222"}))
            .await
            .status,
        204
    );
    let r = admin
        .send_json(
            Method::DELETE,
            "/api/auth/pin-code",
            json!({"password": "admin-password"}),
        )
        .await;
    assert_eq!(r.status, 204);
    let status = admin.get("/api/auth/status").await.json();
    assert_eq!(
        (status["pinCode"].clone(), status["isElevated"].clone()),
        (json!(false), json!(false))
    );
    // Deleting the parent ends the child.
    admin
        .send_json(
            Method::DELETE,
            &format!("/api/sessions/{current}"),
            json!({}),
        )
        .await;
    caster
        .get("/api/users/me")
        .await
        .assert_error(401, "Invalid user token");
}

/// Sets a session's unlock end in the catalog itself (the server reads it on every request), as
/// if the unlock had been made long enough ago.
fn set_unlock_end(server: &Server, session_id: &str, ends: chrono::DateTime<chrono::Utc>) {
    let db = rusqlite::Connection::open(server.data_dir.join("ferrotype.db")).unwrap();
    db.busy_timeout(Duration::from_secs(10)).unwrap();
    let ends = ends.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let changed = db
        .execute(
            "UPDATE sessions SET pin_expires_at = ?2 WHERE id = ?1",
            [session_id, ends.as_str()],
        )
        .unwrap();
    assert_eq!(changed, 1);
}

/// A session's unlock end as the catalog holds it (asking the server would use the session).
fn stored_unlock_end(server: &Server, session_id: &str) -> chrono::DateTime<chrono::Utc> {
    let db = rusqlite::Connection::open(server.data_dir.join("ferrotype.db")).unwrap();
    let stored: String = db
        .query_row(
            "SELECT pin_expires_at FROM sessions WHERE id = ?1",
            [session_id],
            |r| r.get(0),
        )
        .unwrap();
    stored.parse().unwrap()
}

async fn current_session_id(client: &Client) -> String {
    let sessions = client.get("/api/sessions").await.json();
    let current = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true);
    current.unwrap()["id"].as_str().unwrap().to_string()
}

fn unlock_end(status: &serde_json::Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(status["pinExpiresAt"].as_str().expect("pinExpiresAt"))
        .unwrap()
        .to_utc()
}

/// Immich's rule: a session unlocked with the PIN code and used in the last five minutes of its
/// unlock stays unlocked five minutes from that use; one used earlier keeps its end; an unlock
/// that has ended is not brought back; the rule moves only the session that is used.
#[tokio::test]
async fn an_unlocked_session_used_near_its_end_stays_unlocked() {
    use chrono::{TimeDelta, Utc};
    let server = Server::start();
    let admin = admin(&server).await;
    assert_eq!(
        admin
            .post("/api/auth/pin-code", json!({"pinCode": "123456"}))
            .await
            .status,
        204
    );
    let other = login(&server, "admin@example.com", "admin-password").await;
    for session in [&admin, &other] {
        let r = session
            .post("/api/auth/session/unlock", json!({"pinCode": "123456"}))
            .await;
        assert_eq!(r.status, 204);
    }
    let mine = current_session_id(&admin).await;
    let others = current_session_id(&other).await;

    // Fifteen minutes from the unlock; using the session then changes nothing.
    let first = unlock_end(&admin.get("/api/auth/status").await.json());
    let left = first - Utc::now();
    assert!(
        left > TimeDelta::minutes(14) && left <= TimeDelta::minutes(15),
        "{left}"
    );
    assert_eq!(
        admin
            .get("/api/timeline/buckets?visibility=locked")
            .await
            .status,
        200
    );
    assert_eq!(
        unlock_end(&admin.get("/api/auth/status").await.json()),
        first
    );

    // Used a minute before its end (any request): five minutes from that use.
    let soon = Utc::now() + TimeDelta::minutes(1);
    set_unlock_end(&server, &mine, soon);
    set_unlock_end(&server, &others, soon);
    let before = Utc::now();
    assert_eq!(
        admin
            .get("/api/timeline/buckets?visibility=locked")
            .await
            .status,
        200
    );
    let after = Utc::now();
    let extended = stored_unlock_end(&server, &mine);
    let five = TimeDelta::minutes(5);
    // (The catalog keeps milliseconds.)
    assert!(
        extended >= before + five - TimeDelta::milliseconds(1) && extended <= after + five,
        "{before} .. {extended} .. {after}"
    );
    // Every later use within those five minutes moves the end on again, and the status shows
    // the end as that request left it.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let status = admin.get("/api/auth/status").await.json();
    assert_eq!(status["isElevated"], true);
    let again = unlock_end(&status);
    assert!(again > extended, "{extended} then {again}");
    assert_eq!(stored_unlock_end(&server, &mine), again);

    // The other session was not used: its end is where it was set.
    assert_eq!(
        stored_unlock_end(&server, &others),
        soon.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            .parse::<chrono::DateTime<Utc>>()
            .unwrap()
    );

    // An unlock that has ended stays ended: locked until the PIN code is given again.
    let ended = Utc::now() - TimeDelta::seconds(1);
    set_unlock_end(&server, &mine, ended);
    admin
        .get("/api/timeline/buckets?visibility=locked")
        .await
        .assert_error(401, "Elevated permission is required");
    let status = admin.get("/api/auth/status").await.json();
    assert_eq!(status["isElevated"], false);
    assert!(unlock_end(&status) < Utc::now());

    // A session that was never unlocked is not unlocked by use either.
    let fresh = login(&server, "admin@example.com", "admin-password").await;
    assert_eq!(fresh.get("/api/users/me").await.status, 200);
    let status = fresh.get("/api/auth/status").await.json();
    assert_eq!(status["isElevated"], false);
    assert!(status.get("pinExpiresAt").is_none());
}

/// Deleting an account: softly at first (it can be restored), for good with `force` or after
/// the configured delay, in a job that removes its files, assets, albums and row.
#[tokio::test]
async fn users_deleted_softly_then_for_good() {
    let server = Server::start();
    let admin = admin(&server).await;
    create_user(&server, "gone@example.com", "a-password");
    let gone = login(&server, "gone@example.com", "a-password").await;
    let gone_id = user_id(&gone).await;
    let photo = gone.upload("g.jpg", fake_jpeg(11, 4000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    gone.post(
        "/api/albums",
        json!({"albumName": "Mine", "assetIds": [photo]}),
    )
    .await;
    wait_for_media_jobs(&admin).await;
    let mine = |files: &[String]| files.iter().filter(|f| f.contains(&gone_id)).count();
    assert!(mine(&server.stored_files()) >= 1, "the original");

    // Nobody deletes themselves; a soft delete keeps everything and can be undone.
    let admin_id = user_id(&admin).await;
    admin
        .send_json(
            Method::DELETE,
            &format!("/api/admin/users/{admin_id}"),
            json!({}),
        )
        .await
        .assert_error(403, "Cannot delete your own account");
    let r = admin
        .send_json(
            Method::DELETE,
            &format!("/api/admin/users/{gone_id}"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.json()["deletedAt"].is_string());
    assert_eq!(r.json()["status"], "deleted");
    assert!(mine(&server.stored_files()) >= 1);
    let r = admin
        .post(&format!("/api/admin/users/{gone_id}/restore"), json!({}))
        .await;
    assert_eq!(r.status, 200);
    assert!(r.json()["deletedAt"].is_null());
    assert_eq!(r.json()["status"], "active");

    // With force, the account's data goes at once.
    let r = admin
        .send_json(
            Method::DELETE,
            &format!("/api/admin/users/{gone_id}"),
            json!({"force": true}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "removing");
    let deleted = eventually(Duration::from_secs(20), || {
        mine(&server.stored_files()) == 0
    })
    .await;
    assert!(deleted, "files left: {:?}", server.stored_files());
    let done = async {
        for _ in 0..100 {
            let r = admin.get(&format!("/api/admin/users/{gone_id}")).await;
            if r.status == 400 {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the user is still there");
    }
    .await;
    done.assert_error(400, "User not found");
    let listed = admin.get("/api/admin/users?withDeleted=true").await.json();
    assert!(
        !listed
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == gone_id.as_str()),
        "gone from the list too"
    );
}
