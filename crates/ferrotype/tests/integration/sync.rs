//! The mobile app's sequence, replayed against the real server: discovery, login by cookie, the
//! sync stream and its acks, backup with the app's fields (a live photo among them), deletes,
//! the trash and a reset. Every streamed line is checked against its schema in the spec.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

/// Immich's entity order (API-NOTES 2.4), as the position of each line type we can produce.
const ORDER: &[&str] = &[
    "AuthUserV1",
    "UserDeleteV1",
    "UserV1",
    "PartnerDeleteV1",
    "PartnerV1",
    "AssetDeleteV1",
    "AssetV2",
    "StackDeleteV1",
    "StackV1",
    "PartnerAssetDeleteV1",
    "PartnerAssetV2",
    "PartnerStackDeleteV1",
    "PartnerStackV1",
    "AlbumAssetCreateV2",
    "AlbumDeleteV1",
    "AlbumV2",
    "AlbumUserDeleteV1",
    "AlbumUserV1",
    "AlbumToAssetDeleteV1",
    "AlbumToAssetV1",
    "AssetExifV1",
    "AlbumAssetExifCreateV1",
    "PartnerAssetExifV1",
    "MemoryDeleteV1",
    "MemoryV1",
    "MemoryToAssetDeleteV1",
    "MemoryToAssetV1",
    "PersonDeleteV1",
    "PersonV1",
    "AssetFaceDeleteV1",
    "AssetFaceV2",
    "AssetMetadataDeleteV1",
    "AssetMetadataV1",
    "AssetEditDeleteV1",
    "AssetEditV1",
    "SyncCompleteV1",
];

const APP_AGENT: &str = "immich-android/3.2.2";

pub(crate) struct Line {
    pub(crate) kind: String,
    pub(crate) data: Value,
    pub(crate) ack: String,
}

/// POST /api/sync/stream as the app sends it; every line parsed and checked against the spec.
pub(crate) async fn sync(client: &reqwest::Client, base: &str, body: Value) -> Vec<Line> {
    let r = client
        .post(format!("{base}/api/sync/stream"))
        .header("accept", "application/jsonlines+json")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/jsonlines+json"
    );
    let text = r.text().await.unwrap();
    let mut lines = Vec::new();
    for raw in text.lines() {
        let v: Value = serde_json::from_str(raw).unwrap_or_else(|e| panic!("{e}: {raw}"));
        let kind = v["type"].as_str().unwrap().to_string();
        let ack = v["ack"].as_str().unwrap().to_string();
        assert!(ack.starts_with(&format!("{kind}|")), "{raw}");
        // The schema of `AssetV2` is `SyncAssetV2`, album assets carry assets and EXIF, and
        // `SyncCompleteV1` is its own name.
        let schema_name = match kind.as_str() {
            "AlbumAssetCreateV2"
            | "AlbumAssetUpdateV2"
            | "AlbumAssetBackfillV2"
            | "PartnerAssetV2"
            | "PartnerAssetBackfillV2" => "SyncAssetV2".to_string(),
            "AlbumAssetExifCreateV1"
            | "AlbumAssetExifUpdateV1"
            | "AlbumAssetExifBackfillV1"
            | "PartnerAssetExifV1"
            | "PartnerAssetExifBackfillV1" => "SyncAssetExifV1".to_string(),
            "PartnerAssetDeleteV1" => "SyncAssetDeleteV1".to_string(),
            "PartnerStackV1" => "SyncStackV1".to_string(),
            "PartnerStackDeleteV1" => "SyncStackDeleteV1".to_string(),
            // A memory's place of an asset is `SyncMemoryAsset*` in the spec.
            "MemoryToAssetV1" => "SyncMemoryAssetV1".to_string(),
            "MemoryToAssetDeleteV1" => "SyncMemoryAssetDeleteV1".to_string(),
            k if k.starts_with("Sync") => k.to_string(),
            k => format!("Sync{k}"),
        };
        let problems = schema::check_component(&schema_name, &v["data"]);
        assert!(problems.is_empty(), "{raw}: {problems:?}");
        lines.push(Line {
            kind,
            data: v["data"].clone(),
            ack,
        });
    }
    lines
}

/// The app's acks: the last ack of every contiguous run of one type.
pub(crate) fn acks_of(lines: &[Line]) -> Vec<String> {
    let mut acks: Vec<String> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if lines.get(i + 1).is_none_or(|next| next.kind != line.kind) {
            acks.push(line.ack.clone());
        }
    }
    acks
}

pub(crate) async fn ack(client: &reqwest::Client, base: &str, acks: Vec<String>) {
    let r = client
        .post(format!("{base}/api/sync/ack"))
        .json(&json!({ "acks": acks }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

pub(crate) fn kinds(lines: &[Line]) -> Vec<&str> {
    lines.iter().map(|l| l.kind.as_str()).collect()
}

/// The line types apart from the user rows, which come again whenever the storage used changes.
fn asset_kinds(lines: &[Line]) -> Vec<&str> {
    kinds(lines)
        .into_iter()
        .filter(|k| !matches!(*k, "AuthUserV1" | "UserV1"))
        .collect()
}

/// Types arrive in Immich's order, deletes before upserts, cursors not falling within a type
/// (rows of an album shared today share the membership's cursor), and the stream ends with
/// SyncCompleteV1.
pub(crate) fn check_order(lines: &[Line]) {
    let position = |k: &str| {
        ORDER
            .iter()
            .position(|o| *o == k)
            .unwrap_or_else(|| panic!("unexpected type {k}"))
    };
    for pair in lines.windows(2) {
        let (a, b) = (position(&pair[0].kind), position(&pair[1].kind));
        assert!(a <= b, "{} before {}", pair[0].kind, pair[1].kind);
        if a == b {
            assert!(
                pair[0].ack <= pair[1].ack,
                "{} > {}",
                pair[0].ack,
                pair[1].ack
            );
        }
    }
    assert_eq!(lines.last().unwrap().kind, "SyncCompleteV1");
}

pub(crate) fn of_kind<'a>(lines: &'a [Line], kind: &str) -> Vec<&'a Line> {
    lines.iter().filter(|l| l.kind == kind).collect()
}

/// The multipart form the app's uploader sends.
fn app_form(name: &str, bytes: Vec<u8>, extra: &[(&str, String)]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new()
        .text("deviceAssetId", format!("{name}-1700000000"))
        .text("deviceId", "device-1234")
        .text("fileCreatedAt", "2025-06-01T08:00:00.000Z")
        .text("fileModifiedAt", "2025-06-01T08:00:00.000Z")
        .text("isFavorite", "false")
        .text("duration", "0")
        .text("filename", name.to_string());
    for (k, v) in extra {
        form = form.text(k.to_string(), v.clone());
    }
    form.part(
        "assetData",
        reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str("application/octet-stream")
            .unwrap(),
    )
}

async fn app_upload(
    app: &reqwest::Client,
    base: &str,
    form: reqwest::multipart::Form,
) -> (u16, Value) {
    let r = app
        .post(format!("{base}/api/assets"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn the_app_sequence_replayed() {
    let server = Server::start();
    let admin = admin(&server).await;
    create_user(&server, "phone@example.com", "phone-password");
    let base = server.base.clone();
    let temp = tempfile::tempdir().unwrap();

    // Discovery, as the app does it before login.
    let mut app_headers = reqwest::header::HeaderMap::new();
    app_headers.insert("deviceModel", "Pixel 8".parse().unwrap());
    app_headers.insert("deviceType", "android".parse().unwrap());
    let app = reqwest::Client::builder()
        .cookie_store(true)
        .user_agent(APP_AGENT)
        .default_headers(app_headers)
        .build()
        .unwrap();
    let anon = Client {
        http: app.clone(),
        base: base.clone(),
        cred: Cred::None,
    };
    assert_eq!(
        anon.get("/.well-known/immich").await.json()["api"]["endpoint"],
        "/api"
    );
    assert_eq!(anon.get("/api/server/ping").await.json()["res"], "pong");
    assert_eq!(anon.get("/api/server/version").await.json()["major"], 3);
    assert_eq!(anon.get("/api/server/features").await.status, 200);
    assert_eq!(anon.get("/api/server/config").await.status, 200);

    // Login: from here on only the cookie jar authenticates.
    let r = anon
        .post(
            "/api/auth/login",
            json!({"email": "phone@example.com", "password": "phone-password"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let me = anon.get("/api/users/me").await.json();
    let my_id = me["id"].as_str().unwrap().to_string();
    assert_eq!(
        anon.get("/api/users/me/preferences").await.status,
        200,
        "preferences"
    );
    let sessions = anon.get("/api/sessions").await.json();
    let current = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap();
    assert_eq!(current["deviceType"], "Pixel 8");
    assert_eq!(current["deviceOS"], "Android");
    assert_eq!(current["appVersion"], "3.2.2");

    // An asset of another user never reaches this phone.
    admin.upload("admin.jpg", fake_jpeg(1, 3000)).await;

    // First sync of an empty library: the user, every user, then complete.
    let first = sync(&app, &base, json!({ "types": APP_SYNC_TYPES })).await;
    check_order(&first);
    assert_eq!(
        kinds(&first),
        ["AuthUserV1", "UserV1", "UserV1", "SyncCompleteV1"]
    );
    assert_eq!(first[0].data["id"], my_id.as_str());
    assert_eq!(first[0].data["email"], "phone@example.com");
    ack(&app, &base, acks_of(&first)).await;
    let stored = anon.get("/api/sync/ack").await.json();
    assert_eq!(stored.as_array().unwrap().len(), 3, "{stored}");

    // Nothing new: only SyncCompleteV1.
    let again = sync(&app, &base, json!({ "types": APP_SYNC_TYPES })).await;
    assert_eq!(kinds(&again), ["SyncCompleteV1"]);
    ack(&app, &base, acks_of(&again)).await;

    // Backup: two photos, then a live photo (its motion part hidden first, then the still
    // naming it), with the app's fields and the iOS metadata field.
    let photo_a = std::fs::read(fixtures().join("nature/prairie_falcon.jpg")).unwrap();
    let photo_b =
        std::fs::read(fixtures().join("metadata/gps-position/thompson-springs.jpg")).unwrap();
    let still = std::fs::read(fixtures().join("nature/wood_anemones.jpg")).unwrap();
    let (status, a) = app_upload(&app, &base, app_form("IMG_0001.jpg", photo_a, &[])).await;
    assert_eq!(status, 201, "{a}");
    let metadata = json!([{"key": "mobile-app", "value": {"cloudId": "abc", "createdAt": "2025-06-01T08:00:00Z"}}]);
    let (status, b) = app_upload(
        &app,
        &base,
        app_form(
            "IMG_0002.jpg",
            photo_b,
            &[("metadata", metadata.to_string())],
        ),
    )
    .await;
    assert_eq!(status, 201, "{b}");
    let (status, motion) = app_upload(
        &app,
        &base,
        app_form(
            "IMG_0003.mov",
            motion_clip(temp.path()),
            &[("visibility", "hidden".into()), ("duration", "1000".into())],
        ),
    )
    .await;
    assert_eq!(status, 201, "{motion}");
    let motion_id = motion["id"].as_str().unwrap().to_string();
    let (status, live) = app_upload(
        &app,
        &base,
        app_form(
            "IMG_0003.jpg",
            still.clone(),
            &[("livePhotoVideoId", motion_id.clone())],
        ),
    )
    .await;
    assert_eq!(status, 201, "{live}");
    let (a, b, live) = (
        a["id"].as_str().unwrap().to_string(),
        b["id"].as_str().unwrap().to_string(),
        live["id"].as_str().unwrap().to_string(),
    );
    let mine = Client {
        http: app.clone(),
        base: base.clone(),
        cred: Cred::None,
    };
    wait_for_media_jobs(&admin).await;

    // The second sync brings exactly the four new assets and their EXIF.
    let second = sync(&app, &base, json!({ "types": APP_SYNC_TYPES })).await;
    check_order(&second);
    let assets = of_kind(&second, "AssetV2");
    let mut ids: Vec<&str> = assets
        .iter()
        .map(|l| l.data["id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut expected = vec![a.as_str(), b.as_str(), motion_id.as_str(), live.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    let exifs = of_kind(&second, "AssetExifV1");
    let mut exif_ids: Vec<&str> = exifs
        .iter()
        .map(|l| l.data["assetId"].as_str().unwrap())
        .collect();
    exif_ids.sort();
    assert_eq!(exif_ids, expected);
    // The user's row changed too: the storage used.
    let auth_user = of_kind(&second, "AuthUserV1");
    assert!(auth_user[0].data["quotaUsageInBytes"].as_i64().unwrap() > 0);
    let live_row = assets
        .iter()
        .find(|l| l.data["id"] == live.as_str())
        .unwrap();
    assert_eq!(live_row.data["livePhotoVideoId"], motion_id.as_str());
    let motion_row = assets
        .iter()
        .find(|l| l.data["id"] == motion_id.as_str())
        .unwrap();
    assert_eq!(motion_row.data["visibility"], "hidden");
    assert_eq!(motion_row.data["type"], "VIDEO");
    assert_eq!(motion_row.data["duration"], 1000);
    // The app matches backups by checksum: base64 of the SHA-1.
    let sha1 = {
        use sha1::Digest;
        base64_standard(&sha1::Sha1::digest(&still))
    };
    assert_eq!(live_row.data["checksum"], sha1.as_str());
    assert!(live_row.data["thumbhash"].is_string());
    // The grid loads thumbnails with the same cookie.
    let tile = mine
        .get(&format!(
            "/api/assets/{live}/thumbnail?size=thumbnail&edited=true"
        ))
        .await;
    assert_eq!(tile.status, 200);
    assert_eq!(tile.headers["content-type"], "image/webp");
    // The iOS metadata field is kept with the asset.
    let stored = mine.get(&format!("/api/assets/{b}/metadata")).await.json();
    assert_eq!(stored[0]["key"], "mobile-app");
    assert_eq!(stored[0]["value"]["cloudId"], "abc");
    let b_exif = exifs
        .iter()
        .find(|l| l.data["assetId"] == b.as_str())
        .unwrap();
    assert_eq!(b_exif.data["dateTimeOriginal"], "2022-01-10T19:15:44.000Z");
    ack(&app, &base, acks_of(&second)).await;

    // Edits show up in the next sync: a favourite (asset) and a description (EXIF).
    assert_eq!(
        mine.put("/api/assets", json!({"ids": [a], "isFavorite": true}))
            .await
            .status,
        204
    );
    assert_eq!(
        mine.put(
            &format!("/api/assets/{b}"),
            json!({"description": "Desert"})
        )
        .await
        .status,
        200
    );
    let edits = sync(&app, &base, json!({ "types": APP_SYNC_TYPES })).await;
    check_order(&edits);
    assert_eq!(
        asset_kinds(&edits),
        ["AssetV2", "AssetExifV1", "SyncCompleteV1"]
    );
    assert_eq!(of_kind(&edits, "AssetV2")[0].data["isFavorite"], true);
    assert_eq!(
        of_kind(&edits, "AssetExifV1")[0].data["description"],
        "Desert"
    );
    ack(&app, &base, acks_of(&edits)).await;

    // Delete for good: AssetDeleteV1 (and the exif row goes with its asset, unannounced).
    // Trash: the asset comes again with deletedAt; restore clears it.
    let r = mine
        .send_json(
            Method::DELETE,
            "/api/assets",
            json!({"ids": [a], "force": true}),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = mine
        .send_json(Method::DELETE, "/api/assets", json!({"ids": [b]}))
        .await;
    assert_eq!(r.status, 204);
    let deleted = sync(&app, &base, json!({ "types": APP_SYNC_TYPES })).await;
    check_order(&deleted);
    assert_eq!(
        asset_kinds(&deleted),
        ["AssetDeleteV1", "AssetV2", "SyncCompleteV1"]
    );
    assert_eq!(
        of_kind(&deleted, "AssetDeleteV1")[0].data["assetId"],
        a.as_str()
    );
    assert_eq!(of_kind(&deleted, "AssetV2")[0].data["id"], b.as_str());
    assert!(of_kind(&deleted, "AssetV2")[0].data["deletedAt"].is_string());
    ack(&app, &base, acks_of(&deleted)).await;
    assert_eq!(
        mine.post("/api/trash/restore/assets", json!({"ids": [b]}))
            .await
            .status,
        200
    );
    let restored = sync(&app, &base, json!({ "types": APP_SYNC_TYPES })).await;
    assert_eq!(asset_kinds(&restored), ["AssetV2", "SyncCompleteV1"]);
    assert!(of_kind(&restored, "AssetV2")[0].data["deletedAt"].is_null());
    ack(&app, &base, acks_of(&restored)).await;

    // Albums: the album, its link to an asset, and their removal.
    let album = mine
        .post("/api/albums", json!({"albumName": "Trip", "assetIds": [b]}))
        .await
        .json();
    let album_id = album["id"].as_str().unwrap().to_string();
    let albums = sync(&app, &base, json!({ "types": APP_SYNC_TYPES })).await;
    check_order(&albums);
    assert_eq!(
        asset_kinds(&albums),
        ["AlbumV2", "AlbumToAssetV1", "SyncCompleteV1"]
    );
    assert_eq!(of_kind(&albums, "AlbumV2")[0].data["name"], "Trip");
    assert_eq!(
        (
            of_kind(&albums, "AlbumToAssetV1")[0].data["albumId"].as_str(),
            of_kind(&albums, "AlbumToAssetV1")[0].data["assetId"].as_str()
        ),
        (Some(album_id.as_str()), Some(b.as_str()))
    );
    ack(&app, &base, acks_of(&albums)).await;
    let r = mine
        .send_json(
            Method::DELETE,
            "/api/assets",
            json!({"ids": [b], "force": true}),
        )
        .await;
    assert_eq!(r.status, 204);
    let gone = sync(&app, &base, json!({ "types": APP_SYNC_TYPES })).await;
    check_order(&gone);
    assert_eq!(
        asset_kinds(&gone),
        [
            "AssetDeleteV1",
            "AlbumV2",
            "AlbumToAssetDeleteV1",
            "SyncCompleteV1"
        ]
    );
    ack(&app, &base, acks_of(&gone)).await;

    // A reset: the stream starts from nothing again.
    let full = sync(
        &app,
        &base,
        json!({ "types": APP_SYNC_TYPES, "reset": true }),
    )
    .await;
    check_order(&full);
    let assets = of_kind(&full, "AssetV2");
    assert_eq!(assets.len(), 2, "the live photo pair is what is left");
    // Acking SyncResetV1 forgets every checkpoint of the session.
    ack(&app, &base, vec!["SyncResetV1|reset".into()]).await;
    assert_eq!(anon.get("/api/sync/ack").await.json(), json!([]));
}

#[tokio::test]
async fn acks_checkpoints_and_refusals() {
    let server = Server::start();
    let admin = admin(&server).await;

    // API keys have no sync state.
    let key = api_key(&admin, &["all"]).await;
    key.post("/api/sync/stream", json!({"types": ["AssetsV2"]}))
        .await
        .assert_error(403, "Sync endpoints cannot be used with API keys");
    key.post("/api/sync/ack", json!({"acks": []}))
        .await
        .assert_error(403, "Sync endpoints cannot be used with API keys");
    key.get("/api/sync/ack")
        .await
        .assert_error(403, "Sync endpoints cannot be used with API keys");

    // Bad requests.
    admin
        .post("/api/sync/stream", json!({"types": ["AssetsV1"]}))
        .await
        .assert_error(400, "AssetsV1 is deprecated, use AssetsV2 instead");
    let r = admin
        .post("/api/sync/stream", json!({"types": ["Nonsense"]}))
        .await;
    assert_eq!(r.status, 400);
    admin
        .post("/api/sync/ack", json!({"acks": ["Nonsense|0190"]}))
        .await
        .assert_error(400, "Invalid ack type: Nonsense");

    // Acks are kept per type (the latest wins), listed, and deleted by type or all at once.
    let cursor = |n: u32| format!("0190c2a8-{n:04}-7000-8000-000000000000");
    for acks in [
        vec![
            format!("AssetV2|{}", cursor(1)),
            format!("UserV1|{}", cursor(1)),
        ],
        vec![format!("AssetV2|{}", cursor(2))],
    ] {
        let r = admin.post("/api/sync/ack", json!({ "acks": acks })).await;
        assert_eq!(r.status, 204);
    }
    let stored = admin.get("/api/sync/ack").await.json();
    assert_eq!(
        stored,
        json!([
            {"type": "AssetV2", "ack": format!("AssetV2|{}", cursor(2))},
            {"type": "UserV1", "ack": format!("UserV1|{}", cursor(1))},
        ])
    );
    let r = admin
        .send_json(
            Method::DELETE,
            "/api/sync/ack",
            json!({"types": ["UserV1"]}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        admin
            .get("/api/sync/ack")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = admin
        .send_json(reqwest::Method::DELETE, "/api/sync/ack", json!({}))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(admin.get("/api/sync/ack").await.json(), json!([]));

    // A checkpoint from more than 30 days ago: the client must start over.
    let old = "0180c2a8-0000-7000-8000-000000000000"; // a UUIDv7 of 2022
    let r = admin
        .post(
            "/api/sync/ack",
            json!({"acks": [format!("SyncCompleteV1|{old}")]}),
        )
        .await;
    assert_eq!(r.status, 204);
    let text = admin
        .request(Method::POST, "/api/sync/stream")
        .json(&json!({"types": ["AssetsV2"]}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        text,
        "{\"type\":\"SyncResetV1\",\"data\":{},\"ack\":\"SyncResetV1|reset\"}\n"
    );
}

#[tokio::test]
async fn live_photo_links_are_checked() {
    let server = Server::start();
    let admin = admin(&server).await;
    create_user(&server, "eve@example.com", "eve-password");
    let eve = login(&server, "eve@example.com", "eve-password").await;
    let temp = tempfile::tempdir().unwrap();
    let video = motion_clip(temp.path());
    let form = |name: &str, bytes: Vec<u8>, extra: &[(&str, String)]| app_form(name, bytes, extra);

    // A motion part uploaded to the timeline is hidden once a still names it.
    let motion = admin
        .upload_form(form("IMG_0100.mov", video.clone(), &[]))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let photo = admin.upload("photo.jpg", fake_jpeg(5, 4000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let eves_video = eve
        .upload_form(form("IMG_0200.mov", video.clone(), &[]))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let total = || async { admin.get("/api/assets/statistics").await.json()["total"].clone() };
    let before = total().await;
    for (target, message) in [
        (photo.clone(), "Live photo video must be a video"),
        (
            eves_video.clone(),
            "Live photo video does not belong to the user",
        ),
        (
            "7d4c1a5e-3f1b-4c2a-9d8e-0a1b2c3d4e5f".to_string(),
            "Live photo video not found",
        ),
    ] {
        admin
            .upload_form(form(
                "IMG_0100.jpg",
                fake_jpeg(6, 4000),
                &[("livePhotoVideoId", target)],
            ))
            .await
            .assert_error(400, message);
    }
    admin
        .upload_form(form(
            "IMG_0100.jpg",
            fake_jpeg(6, 4000),
            &[(
                "metadata",
                "[{\"key\": \"mobile-app\", \"value\": 3}]".into(),
            )],
        ))
        .await
        .assert_error(400, "metadata must be an array of {key, value} objects");
    assert_eq!(total().await, before, "refused uploads stored nothing");
    assert_eq!(
        admin.get(&format!("/api/assets/{motion}")).await.json()["visibility"],
        "timeline"
    );

    let r = admin
        .upload_form(form(
            "IMG_0100.jpg",
            fake_jpeg(6, 4000),
            &[("livePhotoVideoId", motion.clone())],
        ))
        .await;
    assert_eq!(r.status, 201);
    let still = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        admin.get(&format!("/api/assets/{still}")).await.json()["livePhotoVideoId"],
        motion.as_str()
    );
    assert_eq!(
        admin.get(&format!("/api/assets/{motion}")).await.json()["visibility"],
        "hidden"
    );
    // Eve's video was not touched.
    assert_eq!(
        eve.get(&format!("/api/assets/{eves_video}")).await.json()["visibility"],
        "timeline"
    );
}

/// A reqwest client that sends `client`'s credential with every request.
pub(crate) fn authed(client: &Client) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Cred::Bearer(token) = &client.cred {
        headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

#[tokio::test]
async fn shared_albums_reach_members_phones() {
    let server = Server::start();
    let owner = admin(&server).await;
    create_user(&server, "bob@example.com", "bob-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    let bob_id = user_id(&bob).await;
    let phone = authed(&bob);
    let base = server.base.clone();
    let mut photos = Vec::new();
    for name in ["nature/prairie_falcon.jpg", "nature/tanners_ridge.jpg"] {
        photos.push(upload_path(&owner, &fixtures().join(name)).await);
    }
    wait_for_media_jobs(&owner).await;
    let album = owner
        .post(
            "/api/albums",
            json!({"albumName": "Family", "assetIds": photos}),
        )
        .await
        .json();
    let album_id = album["id"].as_str().unwrap().to_string();

    // Bob's phone is in sync before the album is shared with him.
    let before = sync(&phone, &base, json!({ "types": APP_SYNC_TYPES })).await;
    assert_eq!(asset_kinds(&before), ["SyncCompleteV1"]);
    ack(&phone, &base, acks_of(&before)).await;

    // Shared today: the album, its members, its (old) assets, their links and EXIF arrive.
    let r = owner
        .put(
            &format!("/api/albums/{album_id}/users"),
            json!({"albumUsers": [{"userId": bob_id, "role": "viewer"}]}),
        )
        .await;
    assert_eq!(r.status, 200);
    let shared = sync(&phone, &base, json!({ "types": APP_SYNC_TYPES })).await;
    check_order(&shared);
    assert_eq!(
        asset_kinds(&shared),
        [
            "AlbumAssetCreateV2",
            "AlbumAssetCreateV2",
            "AlbumV2",
            "AlbumUserV1",
            "AlbumToAssetV1",
            "AlbumToAssetV1",
            "AlbumAssetExifCreateV1",
            "AlbumAssetExifCreateV1",
            "SyncCompleteV1"
        ]
    );
    let mut got: Vec<String> = of_kind(&shared, "AlbumAssetCreateV2")
        .iter()
        .map(|l| l.data["id"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    let mut expected = photos.clone();
    expected.sort();
    assert_eq!(got, expected);
    let member = &of_kind(&shared, "AlbumUserV1")[0].data;
    assert_eq!(
        (member["userId"].as_str(), member["role"].as_str()),
        (Some(bob_id.as_str()), Some("viewer"))
    );
    assert_eq!(of_kind(&shared, "AlbumV2")[0].data["id"], album_id.as_str());
    // Bob's phone may now show them.
    assert_eq!(
        bob.get(&format!("/api/assets/{}/thumbnail", photos[0]))
            .await
            .status,
        200
    );
    ack(&phone, &base, acks_of(&shared)).await;

    // A photo added later comes alone, with its link and EXIF.
    let third = upload_path(&owner, &fixtures().join("nature/wood_anemones.jpg")).await;
    wait_for_media_jobs(&owner).await;
    owner
        .put(
            &format!("/api/albums/{album_id}/assets"),
            json!({"ids": [third]}),
        )
        .await;
    let added = sync(&phone, &base, json!({ "types": APP_SYNC_TYPES })).await;
    check_order(&added);
    assert_eq!(
        asset_kinds(&added),
        [
            "AlbumAssetCreateV2",
            "AlbumV2",
            "AlbumToAssetV1",
            "AlbumAssetExifCreateV1",
            "SyncCompleteV1"
        ]
    );
    assert_eq!(
        of_kind(&added, "AlbumAssetCreateV2")[0].data["id"],
        third.as_str()
    );
    ack(&phone, &base, acks_of(&added)).await;

    // Removed from the album: it is gone for him, and he left its members.
    assert_eq!(
        owner
            .delete(&format!("/api/albums/{album_id}/user/{bob_id}"))
            .await
            .status,
        204
    );
    let removed = sync(&phone, &base, json!({ "types": APP_SYNC_TYPES })).await;
    check_order(&removed);
    assert_eq!(
        asset_kinds(&removed),
        ["AlbumDeleteV1", "AlbumUserDeleteV1", "SyncCompleteV1"]
    );
    assert_eq!(
        of_kind(&removed, "AlbumDeleteV1")[0].data["albumId"],
        album_id.as_str()
    );
}
