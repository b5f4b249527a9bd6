//! Client metadata on assets (`/assets/{id}/metadata[/{key}]`, `/assets/metadata`), its
//! `AssetMetadataV1` sync lines, and `PUT /assets/copy`, against the real server.

use crate::common::*;
use crate::sync::{ack, acks_of, authed, check_order, of_kind, sync};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn metadata_by_key_in_bulk_and_on_the_phone() {
    let server = Server::start();
    let admin = admin(&server).await;
    create_user(&server, "bob@example.com", "bob-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    let photo = upload_path(&admin, &fixtures().join("nature/tanners_ridge.jpg")).await;
    let other = upload_path(&admin, &fixtures().join("nature/prairie_falcon.jpg")).await;
    let bobs = upload_path(&bob, &fixtures().join("nature/el_torcal_rocks.jpg")).await;
    let phone = authed(&admin);
    let base = server.base.clone();
    let first = sync(&phone, &base, json!({"types": ["AssetMetadataV1"]})).await;
    assert_eq!(first.len(), 1, "only SyncCompleteV1");
    ack(&phone, &base, acks_of(&first)).await;

    let r = admin
        .put(
            &format!("/api/assets/{photo}/metadata"),
            json!({"items": [
                {"key": "mobile-app", "value": {"iCloudId": "abc"}},
                {"key": "note", "value": {"text": "hi", "n": 2}}
            ]}),
        )
        .await;
    assert_eq!(r.status, 200);
    let written = r.json();
    assert_eq!(written.as_array().unwrap().len(), 2);
    assert_eq!(written[0]["key"], "mobile-app");
    assert_eq!(written[0]["value"], json!({"iCloudId": "abc"}));

    let all = admin.get(&format!("/api/assets/{photo}/metadata")).await;
    assert_eq!(all.status, 200);
    let all = all.json();
    let keys: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["mobile-app", "note"]);
    let one = admin
        .get(&format!("/api/assets/{photo}/metadata/note"))
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.json()["value"], json!({"text": "hi", "n": 2}));
    admin
        .get(&format!("/api/assets/{photo}/metadata/absent"))
        .await
        .assert_error(
            400,
            &format!("Metadata with key \"absent\" not found for asset with id \"{photo}\""),
        );

    // Bad requests change nothing: a value that is not an object, a key twice, another user's
    // asset (alone or among one's own).
    let r = admin
        .put(
            &format!("/api/assets/{photo}/metadata"),
            json!({"items": [{"key": "note", "value": "text"}]}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["message"], "Validation failed");
    admin
        .put(
            &format!("/api/assets/{photo}/metadata"),
            json!({"items": [{"key": "k", "value": {}}, {"key": "k", "value": {"a": 1}}]}),
        )
        .await
        .assert_error(400, "Duplicate items are not allowed: \"k\"");
    admin
        .put(
            &format!("/api/assets/{bobs}/metadata"),
            json!({"items": [{"key": "note", "value": {}}]}),
        )
        .await
        .assert_error(400, "Not found or no asset.update access");
    admin
        .get(&format!("/api/assets/{bobs}/metadata/note"))
        .await
        .assert_error(400, "Not found or no asset.read access");
    admin
        .put(
            "/api/assets/metadata",
            json!({"items": [
                {"assetId": other, "key": "note", "value": {"x": 1}},
                {"assetId": bobs, "key": "note", "value": {"x": 1}}
            ]}),
        )
        .await
        .assert_error(400, "Not found or no asset.update access");
    admin
        .put(
            "/api/assets/metadata",
            json!({"items": [
                {"assetId": other, "key": "note", "value": {"x": 1}},
                {"assetId": other, "key": "note", "value": {"x": 2}}
            ]}),
        )
        .await
        .assert_error(
            400,
            &format!("Duplicate items are not allowed: \"({other}, note)\""),
        );
    let r = admin.get(&format!("/api/assets/{other}/metadata")).await;
    assert_eq!(
        r.json(),
        json!([]),
        "nothing written by the refused requests"
    );
    let note = admin
        .get(&format!("/api/assets/{photo}/metadata/note"))
        .await
        .json();
    assert_eq!(note["value"], json!({"text": "hi", "n": 2}));

    // Many assets at once.
    let r = admin
        .put(
            "/api/assets/metadata",
            json!({"items": [
                {"assetId": other, "key": "note", "value": {"x": 1}},
                {"assetId": photo, "key": "note", "value": {"text": "changed"}}
            ]}),
        )
        .await;
    assert_eq!(r.status, 200);
    let bulk = r.json();
    assert_eq!(bulk[0]["assetId"], other.as_str());
    assert_eq!(bulk[1]["value"], json!({"text": "changed"}));

    // The phone hears the values, then the removals.
    let lines = sync(&phone, &base, json!({"types": ["AssetMetadataV1"]})).await;
    check_order(&lines);
    let values: Vec<(String, String)> = of_kind(&lines, "AssetMetadataV1")
        .iter()
        .map(|l| {
            (
                l.data["assetId"].as_str().unwrap().to_string(),
                l.data["key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(values.len(), 3, "{values:?}");
    assert!(values.contains(&(photo.clone(), "mobile-app".into())));
    ack(&phone, &base, acks_of(&lines)).await;

    let r = admin
        .send_json(
            Method::DELETE,
            "/api/assets/metadata",
            json!({"items": [{"assetId": other, "key": "note"}]}),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = admin
        .delete(&format!("/api/assets/{photo}/metadata/mobile-app"))
        .await;
    assert_eq!(r.status, 204);
    let r = admin
        .delete(&format!("/api/assets/{photo}/metadata/never-there"))
        .await;
    assert_eq!(r.status, 204);
    admin
        .delete(&format!("/api/assets/{bobs}/metadata/note"))
        .await
        .assert_error(400, "Not found or no asset.update access");
    let lines = sync(&phone, &base, json!({"types": ["AssetMetadataV1"]})).await;
    let removed: Vec<&Value> = of_kind(&lines, "AssetMetadataDeleteV1")
        .iter()
        .map(|l| &l.data)
        .collect();
    assert_eq!(removed.len(), 2, "{removed:?}");
    assert_eq!(of_kind(&lines, "AssetMetadataV1").len(), 0);
    // Bob's phone hears nothing of it.
    let bobs_phone = authed(&bob);
    let lines = sync(&bobs_phone, &base, json!({"types": ["AssetMetadataV1"]})).await;
    assert_eq!(lines.len(), 1);
}

#[tokio::test]
async fn copy_carries_albums_links_favourite_and_sidecar() {
    let server = Server::start();
    let admin = admin(&server).await;
    create_user(&server, "bob@example.com", "bob-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    let sidecar = br#"<?xml version="1.0"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="4"/>
</rdf:RDF></x:xmpmeta>"#;
    let photo = std::fs::read(fixtures().join("nature/tanners_ridge.jpg")).unwrap();
    let form = reqwest::multipart::Form::new()
        .text("fileCreatedAt", "2024-05-01T10:00:00.000Z")
        .text("fileModifiedAt", "2024-05-01T10:00:00.000Z")
        .part(
            "assetData",
            reqwest::multipart::Part::bytes(photo).file_name("tanners_ridge.jpg"),
        )
        .part(
            "sidecarData",
            reqwest::multipart::Part::bytes(sidecar.to_vec()).file_name("tanners_ridge.jpg.xmp"),
        );
    let r = admin.upload_form(form).await;
    assert_eq!(r.status, 201);
    let source = r.json()["id"].as_str().unwrap().to_string();
    let target = upload_path(&admin, &fixtures().join("nature/prairie_falcon.jpg")).await;
    let bobs = upload_path(&bob, &fixtures().join("nature/el_torcal_rocks.jpg")).await;
    wait_for_media_jobs(&admin).await;
    let before = admin.get(&format!("/api/assets/{target}")).await.json();
    assert_ne!(
        before["exifInfo"]["rating"], 4,
        "the target's own rating differs"
    );

    let album = admin
        .post(
            "/api/albums",
            json!({"albumName": "Trip", "assetIds": [source]}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let link = admin
        .post(
            "/api/shared-links",
            json!({"type": "INDIVIDUAL", "assetIds": [source]}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = admin
        .put(
            &format!("/api/assets/{source}"),
            json!({"isFavorite": true}),
        )
        .await;
    assert_eq!(r.status, 200);

    // Refused: the same asset twice, another user's asset, no body.
    admin
        .put(
            "/api/assets/copy",
            json!({"sourceId": source, "targetId": source}),
        )
        .await
        .assert_error(400, "Source and target id must be distinct");
    admin
        .put(
            "/api/assets/copy",
            json!({"sourceId": source, "targetId": bobs}),
        )
        .await
        .assert_error(400, "Not found or no asset.copy access");
    bob.put(
        "/api/assets/copy",
        json!({"sourceId": source, "targetId": bobs}),
    )
    .await
    .assert_error(400, "Not found or no asset.copy access");
    let r = admin
        .put("/api/assets/copy", json!({"sourceId": source}))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["message"], "Validation failed");
    let bobs_asset = bob.get(&format!("/api/assets/{bobs}")).await.json();
    assert_eq!(bobs_asset["isFavorite"], false, "Bob's asset untouched");

    let r = admin
        .put(
            "/api/assets/copy",
            json!({"sourceId": source, "targetId": target}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    let in_album = admin
        .post("/api/search/metadata", json!({"albumIds": [album]}))
        .await
        .json();
    let in_album: Vec<&str> = in_album["assets"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(in_album.contains(&target.as_str()), "{in_album:?}");
    let link = admin.get(&format!("/api/shared-links/{link}")).await.json();
    let in_link: Vec<&str> = link["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(in_link.contains(&target.as_str()), "{in_link:?}");
    // The sidecar is copied beside the target's original and read: its rating shows.
    wait_for_queue(&admin, "metadataExtraction").await;
    let copied = admin.get(&format!("/api/assets/{target}")).await.json();
    assert_eq!(copied["isFavorite"], true);
    assert_eq!(copied["exifInfo"]["rating"], 4);
    let files = server.stored_files();
    assert!(
        files
            .iter()
            .any(|f| f.ends_with(&format!("{target}.jpg.xmp"))),
        "{files:?}"
    );
    // The source keeps everything.
    let original = admin.get(&format!("/api/assets/{source}")).await.json();
    assert_eq!(original["isFavorite"], true);
    assert_eq!(original["exifInfo"]["rating"], 4);

    // Parts left out are not copied.
    let third = upload_path(&admin, &fixtures().join("nature/el_torcal_rocks.jpg")).await;
    let r = admin
        .put(
            "/api/assets/copy",
            json!({"sourceId": source, "targetId": third, "albums": false,
                   "sharedLinks": false, "sidecar": false, "favorite": false}),
        )
        .await;
    assert_eq!(r.status, 204);
    let third_asset = admin.get(&format!("/api/assets/{third}")).await.json();
    assert_eq!(third_asset["isFavorite"], false);
    assert!(third_asset["stack"].is_null());

    // The stack: the target joins the source's.
    let r = admin
        .post("/api/stacks", json!({"assetIds": [source, third]}))
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let r = admin
        .put(
            "/api/assets/copy",
            json!({"sourceId": source, "targetId": target, "albums": false,
                   "sharedLinks": false, "sidecar": false, "favorite": false}),
        )
        .await;
    assert_eq!(r.status, 204);
    let stacked = admin.get(&format!("/api/assets/{target}")).await.json();
    assert_eq!(stacked["stack"]["assetCount"], 3, "{stacked}");
    assert_eq!(stacked["stack"]["primaryAssetId"], source.as_str());
}
