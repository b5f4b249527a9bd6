//! Reading assets, statistics, the bulk upload check and albums, including other users' ids.

use crate::common::*;
use serde_json::json;
use sha1::{Digest, Sha1};

#[tokio::test]
async fn asset_response_and_original() {
    let server = Server::start();
    let admin = admin(&server).await;
    let bytes = fake_jpeg(1, 123_456);
    let id = admin.upload("beach.jpg", bytes.clone()).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let asset = admin.get(&format!("/api/assets/{id}")).await.json();
    for key in [
        "checksum",
        "createdAt",
        "duration",
        "fileCreatedAt",
        "fileModifiedAt",
        "hasMetadata",
        "height",
        "id",
        "isArchived",
        "isEdited",
        "isFavorite",
        "isOffline",
        "isTrashed",
        "localDateTime",
        "originalFileName",
        "originalPath",
        "ownerId",
        "thumbhash",
        "type",
        "updatedAt",
        "visibility",
        "width",
    ] {
        assert!(asset.get(key).is_some(), "{key} missing: {asset}");
    }
    assert_eq!(asset["visibility"], "timeline");
    assert_eq!(asset["isTrashed"], false);
    assert_eq!(asset["originalMimeType"], "image/jpeg");
    assert_eq!(asset["exifInfo"]["fileSizeInByte"], 123_456);

    let r = admin.get(&format!("/api/assets/{id}/original")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "image/jpeg");
    assert_eq!(r.body, bytes);

    // Through a cookie too (the mobile app loads media this way).
    let Cred::Bearer(token) = admin.cred.clone() else {
        unreachable!()
    };
    let r = admin
        .with(Cred::Cookie(token))
        .get(&format!("/api/assets/{id}/original"))
        .await;
    assert_eq!(r.body, bytes);

    // Another user sees nothing, and learns nothing about whether the id exists.
    create_user(&server, "eve@example.com", "eve-password");
    let eve = login(&server, "eve@example.com", "eve-password").await;
    eve.get(&format!("/api/assets/{id}"))
        .await
        .assert_error(400, "Not found or no asset.read access");
    eve.get(&format!("/api/assets/{id}/original"))
        .await
        .assert_error(400, "Not found or no asset.download access");
    let missing = "4a8b7d4c-1111-4222-8333-444455556666";
    eve.get(&format!("/api/assets/{missing}"))
        .await
        .assert_error(400, "Not found or no asset.read access");
    // A key without download rights cannot fetch originals.
    let reader = api_key(&admin, &["asset.read"]).await;
    assert_eq!(reader.get(&format!("/api/assets/{id}")).await.status, 200);
    reader
        .get(&format!("/api/assets/{id}/original"))
        .await
        .assert_error(403, "Missing required permission: asset.download");
}

#[tokio::test]
async fn statistics_by_type_and_filter() {
    let server = Server::start();
    let admin = admin(&server).await;
    for (i, name) in ["a.jpg", "b.heic", "c.png", "d.mp4", "e.mov"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            admin.upload(name, fake_jpeg(i as u64, 500)).await.status,
            201
        );
    }
    let part = reqwest::multipart::Part::bytes(fake_jpeg(99, 500)).file_name("fav.jpg");
    let form = reqwest::multipart::Form::new()
        .text("fileCreatedAt", "2024-05-01T10:00:00.000Z")
        .text("fileModifiedAt", "2024-05-01T10:00:00.000Z")
        .text("isFavorite", "true")
        .text("visibility", "archive")
        .part("assetData", part);
    let r = admin
        .send(
            admin
                .request(reqwest::Method::POST, "/api/assets")
                .multipart(form),
        )
        .await;
    assert_eq!(r.status, 201);

    assert_eq!(
        admin.get("/api/assets/statistics").await.json(),
        json!({"images": 4, "videos": 2, "total": 6})
    );
    assert_eq!(
        admin
            .get("/api/assets/statistics?isFavorite=true")
            .await
            .json(),
        json!({"images": 1, "videos": 0, "total": 1})
    );
    assert_eq!(
        admin
            .get("/api/assets/statistics?visibility=archive")
            .await
            .json()["total"],
        1
    );
    assert_eq!(
        admin
            .get("/api/assets/statistics?visibility=timeline")
            .await
            .json()["total"],
        5
    );
    assert_eq!(
        admin
            .get("/api/assets/statistics?isTrashed=true")
            .await
            .json()["total"],
        0
    );
    admin
        .get("/api/assets/statistics?isFavorite=maybe")
        .await
        .assert_invalid(
            json!(["isFavorite"]),
            "Invalid option: expected one of \"true\"|\"false\"",
        );

    create_user(&server, "bob@example.com", "bob-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    assert_eq!(bob.get("/api/assets/statistics").await.json()["total"], 0);
}

#[tokio::test]
async fn bulk_upload_check_hex_and_base64() {
    let server = Server::start();
    let admin = admin(&server).await;
    let bytes = fake_jpeg(4, 777);
    let id = admin.upload("x.jpg", bytes.clone()).await.json()["id"].clone();
    let digest = Sha1::digest(&bytes);
    let hex = hex::encode(digest);
    let other = hex::encode(Sha1::digest(b"something else"));
    let r = admin
        .post(
            "/api/assets/bulk-upload-check",
            json!({"assets": [
                {"id": "/photos/x.jpg", "checksum": hex},
                {"id": "/photos/new.jpg", "checksum": other},
            ]}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"results": [
            {"id": "/photos/x.jpg", "action": "reject", "reason": "duplicate", "assetId": id, "isTrashed": false},
            {"id": "/photos/new.jpg", "action": "accept"},
        ]})
    );
    // The same checksum in base64.
    let b64 = base64_standard(&digest);
    let r = admin
        .post(
            "/api/assets/bulk-upload-check",
            json!({"assets": [{"id": "a", "checksum": b64}]}),
        )
        .await;
    assert_eq!(r.json()["results"][0]["action"], "reject");
    admin
        .post(
            "/api/assets/bulk-upload-check",
            json!({"assets": [{"id": "a", "checksum": "abc"}]}),
        )
        .await
        .assert_error(
            400,
            "Invalid checksum for a: expected SHA-1 as hex or base64",
        );
    // Another user's files are not duplicates for me.
    create_user(&server, "bob@example.com", "bob-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    let r = bob
        .post(
            "/api/assets/bulk-upload-check",
            json!({"assets": [{"id": "a", "checksum": hex::encode(digest)}]}),
        )
        .await;
    assert_eq!(r.json()["results"][0]["action"], "accept");
}

#[tokio::test]
async fn albums_create_list_get_and_add() {
    let server = Server::start();
    let admin = admin(&server).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            admin
                .upload(&format!("{i}.jpg"), fake_jpeg(i, 400))
                .await
                .json()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }

    let r = admin
        .post(
            "/api/albums",
            json!({"albumName": "Holidays", "description": "2024", "assetIds": [ids[0]]}),
        )
        .await;
    assert_eq!(r.status, 201);
    let album = r.json();
    for key in [
        "albumName",
        "albumThumbnailAssetId",
        "albumUsers",
        "assetCount",
        "createdAt",
        "description",
        "hasSharedLink",
        "id",
        "isActivityEnabled",
        "shared",
        "updatedAt",
    ] {
        assert!(album.get(key).is_some(), "{key} missing: {album}");
    }
    assert_eq!(album["assetCount"], 1);
    assert_eq!(album["albumThumbnailAssetId"], ids[0]);
    assert_eq!(album["albumUsers"][0]["role"], "owner");
    assert_eq!(album["albumUsers"][0]["user"]["email"], "admin@example.com");
    let album_id = album["id"].as_str().unwrap().to_string();

    // Bob's asset cannot go into my album; one already there is a duplicate.
    create_user(&server, "bob@example.com", "bob-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    let bobs = bob.upload("bob.jpg", fake_jpeg(50, 400)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = admin
        .put(
            &format!("/api/albums/{album_id}/assets"),
            json!({"ids": [ids[0], ids[1], ids[2], bobs]}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!([
            {"id": ids[0], "success": false, "error": "duplicate"},
            {"id": ids[1], "success": true},
            {"id": ids[2], "success": true},
            {"id": bobs, "success": false, "error": "no_permission"},
        ])
    );

    let got = admin.get(&format!("/api/albums/{album_id}")).await.json();
    assert_eq!(got["assetCount"], 3);
    assert_eq!(got["albumName"], "Holidays");
    assert_eq!(got["description"], "2024");
    let list = admin.get("/api/albums").await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], album_id);
    assert_eq!(
        admin
            .get("/api/albums?name=Holidays")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        admin
            .get("/api/albums?name=Other")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        admin
            .get("/api/albums?isShared=true")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Filtering by asset: only the albums holding it.
    let other = admin
        .post(
            "/api/albums",
            json!({"albumName": "Other", "assetIds": [ids[2]]}),
        )
        .await
        .json();
    let holding = admin
        .get(&format!("/api/albums?assetId={}", ids[1]))
        .await
        .json();
    assert_eq!(holding.as_array().unwrap().len(), 1);
    assert_eq!(holding[0]["id"], album_id);
    let holding = admin
        .get(&format!("/api/albums?assetId={}", ids[2]))
        .await
        .json();
    assert_eq!(holding.as_array().unwrap().len(), 2);
    assert_eq!(holding[0]["id"], other["id"]);
    admin
        .get("/api/albums?assetId=nope")
        .await
        .assert_invalid(json!(["assetId"]), "Invalid UUID");
    let mine = admin.get("/api/users/me").await.json();
    assert_eq!(holding[1]["albumUsers"][0]["user"]["id"], mine["id"]);

    // Bob sees neither my album nor my list; he cannot add to it.
    assert_eq!(bob.get("/api/albums").await.json(), json!([]));
    bob.get(&format!("/api/albums/{album_id}"))
        .await
        .assert_error(400, "Not found or no album.read access");
    bob.put(
        &format!("/api/albums/{album_id}/assets"),
        json!({"ids": [bobs]}),
    )
    .await
    .assert_error(400, "Not found or no albumAsset.create access");
    assert_eq!(
        admin.get(&format!("/api/albums/{album_id}")).await.json()["assetCount"],
        3
    );

    // Permissions of API keys apply to albums too.
    let reader = api_key(&admin, &["album.read"]).await;
    assert_eq!(reader.get("/api/albums").await.status, 200);
    reader
        .post("/api/albums", json!({"albumName": "x"}))
        .await
        .assert_error(403, "Missing required permission: album.create");
    reader
        .put(
            &format!("/api/albums/{album_id}/assets"),
            json!({"ids": []}),
        )
        .await
        .assert_error(403, "Missing required permission: albumAsset.create");
    admin
        .post("/api/albums", json!({"description": "no name"}))
        .await
        .assert_invalid(
            json!(["albumName"]),
            "Invalid input: expected string, received undefined",
        );
}

#[tokio::test]
async fn shared_albums_editors_viewers_and_strangers() {
    let server = Server::start();
    let owner = admin(&server).await;
    for name in ["bob", "carol", "dave"] {
        create_user(&server, &format!("{name}@example.com"), "a-password");
    }
    let bob = login(&server, "bob@example.com", "a-password").await;
    let carol = login(&server, "carol@example.com", "a-password").await;
    let dave = login(&server, "dave@example.com", "a-password").await;
    let (owner_id, bob_id, carol_id, dave_id) = (
        user_id(&owner).await,
        user_id(&bob).await,
        user_id(&carol).await,
        user_id(&dave).await,
    );
    let first = owner.upload("first.jpg", fake_jpeg(1, 4000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Created shared with Bob (editor) and Carol (viewer).
    let r = owner
        .post(
            "/api/albums",
            json!({"albumName": "Family", "assetIds": [first],
                   "albumUsers": [{"userId": bob_id, "role": "editor"},
                                  {"userId": carol_id, "role": "viewer"}]}),
        )
        .await;
    assert_eq!(r.status, 201);
    let album = r.json();
    let album_id = album["id"].as_str().unwrap().to_string();
    assert_eq!(album["shared"], true);
    let roles: Vec<(String, String)> = album["albumUsers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["user"]["id"].as_str().unwrap().to_string(),
                u["role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            (owner_id.clone(), "owner".to_string()),
            (bob_id.clone(), "editor".to_string()),
            (carol_id.clone(), "viewer".to_string())
        ]
    );

    // Members see it (not as their own); a stranger does not.
    for member in [&bob, &carol] {
        assert_eq!(
            member.get(&format!("/api/albums/{album_id}")).await.status,
            200
        );
        let shared = member.get("/api/albums?isOwned=false").await.json();
        assert_eq!(shared.as_array().unwrap().len(), 1);
        assert_eq!(
            member.get("/api/albums?isOwned=true").await.json(),
            json!([])
        );
        // The album's assets can be seen, not changed.
        assert_eq!(
            member
                .get(&format!("/api/assets/{first}/original"))
                .await
                .status,
            200
        );
        member
            .put(&format!("/api/assets/{first}"), json!({"isFavorite": true}))
            .await
            .assert_error(400, "Not found or no asset.update access");
    }
    dave.get(&format!("/api/albums/{album_id}"))
        .await
        .assert_error(400, "Not found or no album.read access");
    dave.get(&format!("/api/assets/{first}/original"))
        .await
        .assert_error(400, "Not found or no asset.download access");
    assert_eq!(dave.get("/api/albums").await.json(), json!([]));

    // The editor adds their own photo; the viewer may not add anything.
    let bobs = bob.upload("bob.jpg", fake_jpeg(2, 4000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = bob
        .put(
            &format!("/api/albums/{album_id}/assets"),
            json!({"ids": [bobs]}),
        )
        .await;
    assert_eq!(r.json()[0]["success"], true, "{}", r.json());
    let carols = carol.upload("carol.jpg", fake_jpeg(3, 4000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    carol
        .put(
            &format!("/api/albums/{album_id}/assets"),
            json!({"ids": [carols]}),
        )
        .await
        .assert_error(400, "Not found or no albumAsset.create access");
    assert_eq!(
        owner.get(&format!("/api/albums/{album_id}")).await.json()["assetCount"],
        2
    );
    // The owner sees Bob's photo through the album, with Bob as its owner.
    let seen = owner.get(&format!("/api/assets/{bobs}")).await.json();
    assert_eq!(seen["ownerId"], bob_id.as_str());

    // The owner and editors share (not viewers), only with real users; the owner and those
    // already in the album are skipped, as Immich does.
    carol
        .put(
            &format!("/api/albums/{album_id}/users"),
            json!({"albumUsers": [{"userId": dave_id}]}),
        )
        .await
        .assert_error(400, "Not found or no album.share access");
    for already in [&bob_id, &owner_id] {
        let r = owner
            .put(
                &format!("/api/albums/{album_id}/users"),
                json!({"albumUsers": [{"userId": already}]}),
            )
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["albumUsers"].as_array().unwrap().len(), 3);
    }
    owner
        .put(
            &format!("/api/albums/{album_id}/users"),
            json!({"albumUsers": [{"userId": "7d4c1a5e-3f1b-4c2a-9d8e-0a1b2c3d4e5f"}]}),
        )
        .await
        .assert_error(400, "Invalid user");
    let r = owner
        .put(
            &format!("/api/albums/{album_id}/users"),
            json!({"albumUsers": [{"userId": dave_id, "role": "viewer"}]}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["albumUsers"].as_array().unwrap().len(), 4);

    // Roles change; Carol, now an editor, adds her photo.
    let r = owner
        .put(
            &format!("/api/albums/{album_id}/user/{carol_id}"),
            json!({"role": "editor"}),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = carol
        .put(
            &format!("/api/albums/{album_id}/assets"),
            json!({"ids": [carols]}),
        )
        .await;
    assert_eq!(r.json()[0]["success"], true);

    // Leaving and removing: a viewer may leave, not remove others; nobody removes the owner.
    dave.delete(&format!("/api/albums/{album_id}/user/{carol_id}"))
        .await
        .assert_error(400, "Not found or no album.share access");
    owner
        .delete(&format!("/api/albums/{album_id}/user/{owner_id}"))
        .await
        .assert_error(400, "Cannot remove album owner");
    assert_eq!(
        dave.delete(&format!("/api/albums/{album_id}/user/me"))
            .await
            .status,
        204
    );
    assert_eq!(
        owner
            .delete(&format!("/api/albums/{album_id}/user/{bob_id}"))
            .await
            .status,
        204
    );
    bob.get(&format!("/api/albums/{album_id}"))
        .await
        .assert_error(400, "Not found or no album.read access");
    bob.get(&format!("/api/assets/{first}/original"))
        .await
        .assert_error(400, "Not found or no asset.download access");
    owner
        .delete(&format!("/api/albums/{album_id}/user/{bob_id}"))
        .await
        .assert_error(400, "Album not shared with user");
    let users = owner.get(&format!("/api/albums/{album_id}")).await.json()["albumUsers"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(users, 2);
}

#[tokio::test]
async fn album_settings_removal_statistics_and_map() {
    let server = Server::start();
    let owner = admin(&server).await;
    create_user(&server, "bob@example.com", "a-password");
    let bob = login(&server, "bob@example.com", "a-password").await;
    let bob_id = user_id(&bob).await;
    let springs = upload_path(
        &owner,
        &fixtures().join("metadata/gps-position/thompson-springs.jpg"),
    )
    .await;
    let plain = owner.upload("plain.jpg", fake_jpeg(4, 3000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    wait_for_media_jobs(&owner).await;
    let album = owner
        .post(
            "/api/albums",
            json!({"albumName": "Trip", "assetIds": [springs, plain]}),
        )
        .await
        .json();
    let id = album["id"].as_str().unwrap().to_string();
    assert_eq!(album["albumThumbnailAssetId"], springs.as_str());
    assert_eq!(
        owner.get("/api/albums/statistics").await.json(),
        json!({"owned": 1, "shared": 0, "notShared": 1})
    );

    // Settings, and a cover that must be in the album.
    let r = owner
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/albums/{id}"),
            json!({"albumName": "Utah", "description": "Desert", "order": "asc",
                   "isActivityEnabled": false, "albumThumbnailAssetId": plain}),
        )
        .await;
    assert_eq!(r.status, 200);
    let a = r.json();
    assert_eq!(
        (
            a["albumName"].as_str(),
            a["description"].as_str(),
            a["order"].as_str(),
            a["isActivityEnabled"].as_bool(),
            a["albumThumbnailAssetId"].as_str()
        ),
        (
            Some("Utah"),
            Some("Desert"),
            Some("asc"),
            Some(false),
            Some(plain.as_str())
        )
    );
    let elsewhere = owner.upload("other.jpg", fake_jpeg(5, 3000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    owner
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/albums/{id}"),
            json!({"albumThumbnailAssetId": elsewhere}),
        )
        .await
        .assert_error(400, "Invalid album thumbnail");

    // The map shows what has a place.
    let markers = owner
        .get(&format!("/api/albums/{id}/map-markers"))
        .await
        .json();
    assert_eq!(markers.as_array().unwrap().len(), 1, "{markers}");
    assert_eq!(markers[0]["id"], springs.as_str());
    assert!((markers[0]["lat"].as_f64().unwrap() - 39.115).abs() < 0.01);

    // Shared with Bob, an editor: he removes only his own assets, and changes no settings.
    owner
        .put(
            &format!("/api/albums/{id}/users"),
            json!({"albumUsers": [{"userId": bob_id}]}),
        )
        .await;
    assert_eq!(
        owner.get("/api/albums/statistics").await.json(),
        json!({"owned": 1, "shared": 1, "notShared": 0})
    );
    assert_eq!(
        bob.get("/api/albums/statistics").await.json(),
        json!({"owned": 0, "shared": 1, "notShared": 0})
    );
    let bobs = bob.upload("bob.jpg", fake_jpeg(6, 3000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    bob.put(&format!("/api/albums/{id}/assets"), json!({"ids": [bobs]}))
        .await;
    let r = bob
        .send_json(
            reqwest::Method::DELETE,
            &format!("/api/albums/{id}/assets"),
            json!({"ids": [springs, bobs, elsewhere]}),
        )
        .await;
    assert_eq!(
        r.json(),
        json!([
            {"id": springs, "success": false, "error": "no_permission"},
            {"id": bobs, "success": true},
            {"id": elsewhere, "success": false, "error": "not_found"},
        ])
    );
    // An editor may change the album's settings (as in Immich), a viewer may not.
    let r = bob
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/albums/{id}"),
            json!({"albumName": "Mine"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let as_role = |role: &'static str| {
        let owner = &owner;
        let path = format!("/api/albums/{id}/user/{bob_id}");
        async move { owner.put(&path, json!({ "role": role })).await.status }
    };
    assert_eq!(as_role("viewer").await, 204);
    bob.send_json(
        reqwest::Method::PATCH,
        &format!("/api/albums/{id}"),
        json!({"albumName": "Mine"}),
    )
    .await
    .assert_error(400, "Not found or no album.update access");
    assert_eq!(as_role("editor").await, 204);
    bob.delete(&format!("/api/albums/{id}"))
        .await
        .assert_error(400, "Not found or no album.delete access");

    // Removing the cover picks another.
    let r = owner
        .send_json(
            reqwest::Method::DELETE,
            &format!("/api/albums/{id}/assets"),
            json!({"ids": [plain]}),
        )
        .await;
    assert_eq!(r.json()[0]["success"], true);
    let a = owner.get(&format!("/api/albums/{id}")).await.json();
    assert_eq!(a["albumThumbnailAssetId"], springs.as_str());
    assert_eq!(a["assetCount"], 1);

    // Into several albums at once; an album one may not add to is reported.
    let second = owner
        .post("/api/albums", json!({"albumName": "Second"}))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = owner
        .put(
            "/api/albums/assets",
            json!({"albumIds": [id, second], "assetIds": [plain]}),
        )
        .await;
    assert_eq!(r.json(), json!({"success": true}));
    let r = bob
        .put(
            "/api/albums/assets",
            json!({"albumIds": [second], "assetIds": [bobs]}),
        )
        .await;
    assert_eq!(
        r.json(),
        json!({"success": false, "error": "no_permission"})
    );

    // Deleting the album keeps its assets.
    assert_eq!(owner.delete(&format!("/api/albums/{id}")).await.status, 204);
    owner
        .get(&format!("/api/albums/{id}"))
        .await
        .assert_error(400, "Not found or no album.read access");
    assert_eq!(
        owner.get(&format!("/api/assets/{springs}")).await.status,
        200
    );
    assert_eq!(
        owner.get("/api/albums/statistics").await.json(),
        json!({"owned": 1, "shared": 0, "notShared": 1})
    );
}

/// Immich 3.x's album sharing rules: an album shown by a link counts as shared, the owner in
/// `albumUsers` is skipped, a deleted owner's albums disappear for the members, and a shared
/// album tells who contributed what.
#[tokio::test]
async fn shared_means_members_or_links_and_deleted_owners_hide_albums() {
    let server = Server::start();
    let admin = admin(&server).await;
    let admin_id = user_id(&admin).await;
    create_user(&server, "bob@example.com", "a-password");
    let bob = login(&server, "bob@example.com", "a-password").await;
    let bob_id = user_id(&bob).await;
    create_user(&server, "eve@example.com", "a-password");
    let eve = login(&server, "eve@example.com", "a-password").await;

    // The owner among the users is skipped, not refused.
    let r = admin
        .post(
            "/api/albums",
            json!({"albumName": "Solo", "albumUsers": [{"userId": admin_id, "role": "editor"}]}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["albumUsers"].as_array().unwrap().len(), 1);
    let solo = r.json()["id"].as_str().unwrap().to_string();
    let linked = admin
        .post("/api/albums", json!({"albumName": "Linked"}))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = admin
        .post(
            "/api/shared-links",
            json!({"type": "ALBUM", "albumId": linked}),
        )
        .await;
    assert_eq!(r.status, 201);
    let linked_album = admin.get(&format!("/api/albums/{linked}")).await.json();
    assert_eq!(linked_album["shared"], true);
    assert_eq!(linked_album["hasSharedLink"], true);
    assert_eq!(linked_album["contributorCounts"], json!([]));
    assert!(
        admin.get(&format!("/api/albums/{solo}")).await.json()["contributorCounts"].is_null(),
        "only shared albums count contributors"
    );
    let shared: Vec<serde_json::Value> = admin
        .get("/api/albums?isShared=true")
        .await
        .json()
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(shared.len(), 1);
    assert_eq!(shared[0]["id"], linked.as_str());
    assert_eq!(
        admin.get("/api/albums/statistics").await.json(),
        json!({"owned": 2, "shared": 1, "notShared": 1})
    );

    // Eve shares an album with Bob, who adds a photo; then Eve's account is deleted.
    let r = eve
        .post(
            "/api/albums",
            json!({"albumName": "Eve's", "albumUsers": [{"userId": bob_id, "role": "editor"}]}),
        )
        .await;
    let eves = r.json()["id"].as_str().unwrap().to_string();
    let photo = bob.upload("b.jpg", fake_jpeg(9, 3000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    bob.put(
        &format!("/api/albums/{eves}/assets"),
        json!({"ids": [photo]}),
    )
    .await;
    assert_eq!(
        bob.get(&format!("/api/albums/{eves}")).await.json()["contributorCounts"],
        json!([{"userId": bob_id, "assetCount": 1}])
    );
    assert_eq!(
        bob.get("/api/albums")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let eve_id = user_id(&eve).await;
    let r = admin
        .send_json(
            reqwest::Method::DELETE,
            &format!("/api/admin/users/{eve_id}"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(bob.get("/api/albums").await.json(), json!([]));
    assert_eq!(
        bob.get("/api/albums/statistics").await.json(),
        json!({"owned": 0, "shared": 0, "notShared": 0})
    );
}
