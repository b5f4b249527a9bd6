//! Everyday edits, the trash and deleting for good, against the real server.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn favorite_archive_date_place_rating_description() {
    let server = Server::start();
    let admin = admin(&server).await;
    let a = upload_path(
        &admin,
        &fixtures().join("metadata/gps-position/thompson-springs.jpg"),
    )
    .await;
    let b = upload_path(&admin, &fixtures().join("nature/tanners_ridge.jpg")).await;
    wait_for_media_jobs(&admin).await;

    let r = admin
        .put(
            "/api/assets",
            json!({"ids": [a, b], "isFavorite": true, "visibility": "archive"}),
        )
        .await;
    assert_eq!(r.status, 204);
    for id in [&a, &b] {
        let asset = admin.get(&format!("/api/assets/{id}")).await.json();
        assert_eq!(
            (asset["isFavorite"].as_bool(), asset["isArchived"].as_bool()),
            (Some(true), Some(true))
        );
    }
    assert_eq!(
        admin
            .get("/api/assets/statistics?visibility=archive")
            .await
            .json()["total"],
        2
    );

    let r = admin
        .send_json(
            Method::PUT,
            &format!("/api/assets/{a}"),
            json!({"dateTimeOriginal": "2020-02-29T12:34:56+02:00", "latitude": 47.5, "longitude": 8.25,
                   "rating": 4, "description": "Snow", "visibility": "timeline"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let asset = r.json();
    assert_eq!(
        asset["exifInfo"]["dateTimeOriginal"],
        "2020-02-29T10:34:56+00:00"
    );
    assert_eq!(asset["localDateTime"], "2020-02-29T12:34:56.000Z");
    assert_eq!(asset["exifInfo"]["timeZone"], "UTC+2");
    assert_eq!(asset["fileCreatedAt"], "2020-02-29T10:34:56.000Z");
    assert_eq!(
        (
            asset["exifInfo"]["latitude"].as_f64(),
            asset["exifInfo"]["longitude"].as_f64()
        ),
        (Some(47.5), Some(8.25))
    );
    assert_eq!(asset["exifInfo"]["rating"], 4);
    assert_eq!(asset["exifInfo"]["description"], "Snow");
    assert_eq!(asset["visibility"], "timeline");
    // The rating can be cleared; the rest stays.
    let asset = admin
        .put(&format!("/api/assets/{a}"), json!({"rating": null}))
        .await
        .json();
    assert!(asset["exifInfo"]["rating"].is_null());
    assert_eq!(asset["exifInfo"]["description"], "Snow");

    // Reading the file again keeps what was edited by hand (Immich's locked properties); the
    // fields nobody edited come from the file as before.
    let before_b = admin.get(&format!("/api/assets/{b}")).await.json();
    let r = admin
        .post(
            "/api/assets/jobs",
            json!({"assetIds": [a, b], "name": "refresh-metadata"}),
        )
        .await;
    assert_eq!(r.status, 204);
    wait_for_media_jobs(&admin).await;
    let again = admin.get(&format!("/api/assets/{a}")).await.json();
    for field in [
        "dateTimeOriginal",
        "timeZone",
        "latitude",
        "longitude",
        "rating",
        "description",
        "make",
        "model",
    ] {
        assert_eq!(
            again["exifInfo"][field], asset["exifInfo"][field],
            "{field}"
        );
    }
    assert_eq!(again["localDateTime"], "2020-02-29T12:34:56.000Z");
    assert_eq!(again["fileCreatedAt"], "2020-02-29T10:34:56.000Z");
    let after_b = admin.get(&format!("/api/assets/{b}")).await.json();
    assert_eq!(after_b["exifInfo"], before_b["exifInfo"]);
    assert_eq!(after_b["localDateTime"], before_b["localDateTime"]);

    // Bad values and other users' ids change nothing.
    admin
        .put("/api/assets", json!({"ids": [a], "rating": 9}))
        .await
        .assert_invalid(json!(["rating"]), "Too big: expected number to be <=5");
    admin
        .put("/api/assets", json!({"ids": [a], "latitude": 1.0}))
        .await
        .assert_error(400, "latitude and longitude go together");
    create_user(&server, "eve@example.com", "eve-password");
    let eve = login(&server, "eve@example.com", "eve-password").await;
    eve.put("/api/assets", json!({"ids": [a], "isFavorite": false}))
        .await
        .assert_error(400, "Not found or no asset.update access");
    eve.put(&format!("/api/assets/{a}"), json!({"isFavorite": false}))
        .await
        .assert_error(400, "Not found or no asset.update access");
    eve.send_json(
        Method::DELETE,
        "/api/assets",
        json!({"ids": [a], "force": true}),
    )
    .await
    .assert_error(400, "Not found or no asset.delete access");
    assert_eq!(
        admin.get(&format!("/api/assets/{a}")).await.json()["isFavorite"],
        true
    );
}

#[tokio::test]
async fn trash_restore_empty_and_force() {
    let server = Server::start();
    let admin = admin(&server).await;
    let mut ids = Vec::new();
    for name in [
        "nature/silver_fir.jpg",
        "nature/tanners_ridge.jpg",
        "nature/prairie_falcon.jpg",
    ] {
        ids.push(upload_path(&admin, &fixtures().join(name)).await);
    }
    wait_for_media_jobs(&admin).await;
    let files_before = server.stored_files().len();
    assert_eq!(files_before, 3);

    // To the trash: out of the counts, still readable, flagged.
    let r = admin
        .send_json(
            Method::DELETE,
            "/api/assets",
            json!({"ids": [ids[0], ids[1]]}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(admin.get("/api/assets/statistics").await.json()["total"], 1);
    assert_eq!(
        admin
            .get("/api/assets/statistics?isTrashed=true")
            .await
            .json()["total"],
        2
    );
    assert_eq!(
        admin.get(&format!("/api/assets/{}", ids[0])).await.json()["isTrashed"],
        true
    );
    // Duplicates of trashed assets are still duplicates, flagged as trashed.
    let check = admin
        .post("/api/assets/bulk-upload-check", json!({"assets": [{"id": "x", "checksum": admin.get(&format!("/api/assets/{}", ids[0])).await.json()["checksum"]}]}))
        .await
        .json();
    assert_eq!(check["results"][0]["isTrashed"], true);

    let r = admin
        .post("/api/trash/restore/assets", json!({"ids": [ids[0]]}))
        .await;
    assert_eq!(r.json(), json!({"count": 1}));
    assert_eq!(admin.get("/api/assets/statistics").await.json()["total"], 2);

    // Emptying deletes what is in the trash for good: rows, originals and thumbnails.
    let r = admin.post("/api/trash/empty", json!({})).await;
    assert_eq!(r.json(), json!({"count": 1}));
    admin
        .get(&format!("/api/assets/{}", ids[1]))
        .await
        .assert_error(400, "Not found or no asset.read access");
    assert_eq!(server.stored_files().len(), 2);
    assert_eq!(
        admin.post("/api/trash/restore", json!({})).await.json(),
        json!({"count": 0})
    );

    // Force skips the trash; the owner's usage goes down with it.
    let before = admin.get("/api/users/me").await.json()["quotaUsageInBytes"]
        .as_i64()
        .unwrap();
    let size =
        admin.get(&format!("/api/assets/{}", ids[2])).await.json()["exifInfo"]["fileSizeInByte"]
            .as_i64()
            .unwrap();
    let r = admin
        .send_json(
            Method::DELETE,
            "/api/assets",
            json!({"ids": [ids[2]], "force": true}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        admin.get("/api/users/me").await.json()["quotaUsageInBytes"]
            .as_i64()
            .unwrap(),
        before - size
    );
    assert_eq!(server.stored_files().len(), 1);
    let mut thumbs = 0;
    let mut stack = vec![server.data_dir.join("thumbs")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else {
                thumbs += 1
            }
        }
    }
    assert_eq!(thumbs, 2, "one asset left: its thumbnail and preview only");
    // The same file can come back after being deleted for good.
    let again = admin
        .upload(
            "falcon.jpg",
            std::fs::read(fixtures().join("nature/prairie_falcon.jpg")).unwrap(),
        )
        .await;
    assert_eq!(again.status, 201);
}

#[tokio::test]
async fn old_trash_is_emptied_by_the_daily_clean_up() {
    let mut server = Server::start();
    let admin = admin(&server).await;
    let kept = upload_path(&admin, &fixtures().join("nature/silver_fir.jpg")).await;
    let trashed = upload_path(&admin, &fixtures().join("nature/tanners_ridge.jpg")).await;
    wait_for_media_jobs(&admin).await;
    assert_eq!(
        admin.get("/api/server/config").await.json()["trashDays"],
        30
    );
    admin
        .send_json(Method::DELETE, "/api/assets", json!({"ids": [trashed]}))
        .await;
    // With no days of grace, the clean-up at start deletes what is in the trash.
    let mut config = admin.get("/api/system-config").await.json();
    config["trash"]["days"] = json!(0);
    assert_eq!(admin.put("/api/system-config", config).await.status, 200);
    assert!(server.stop().success());
    server.restart();
    let admin = Client {
        base: server.base.clone(),
        ..admin
    };
    assert_eq!(admin.get("/api/server/config").await.json()["trashDays"], 0);
    let mut gone = false;
    for _ in 0..100 {
        if admin.get(&format!("/api/assets/{trashed}")).await.status == 400 {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(gone, "the trashed asset is still there");
    assert_eq!(admin.get(&format!("/api/assets/{kept}")).await.status, 200);
    assert_eq!(server.stored_files().len(), 1);
}

on_both_backends!(
    live_photos_are_linked_unlinked_and_deleted_together,
    capture_times_move_by_minutes_and_take_a_zone,
);

async fn upload_named(client: &Client, name: &str, seed: u64) -> String {
    client.upload_new(name, fake_jpeg(seed, 3000)).await
}

async fn link(client: &Client, still: &str, motion: Value) -> Reply {
    client
        .put(
            &format!("/api/assets/{still}"),
            json!({ "livePhotoVideoId": motion }),
        )
        .await
}

async fn delete_for_good(client: &Client, id: &str) -> Reply {
    client
        .send_json(
            Method::DELETE,
            "/api/assets",
            json!({ "ids": [id], "force": true }),
        )
        .await
}

/// `PUT /assets/{id}` with `livePhotoVideoId` (Immich's checks and messages, the motion part
/// hidden and shown again), and deleting a still for good takes its motion part along unless
/// another still names it.
async fn live_photos_are_linked_unlinked_and_deleted_together(backend: Backend) {
    let server = backend.server().await;
    let (_admin, [ann, bob]) = admin_and_users(&server, ["Ann", "Bob"]).await;
    let still = upload_named(&ann, "still.jpg", 1).await;
    let other_photo = upload_named(&ann, "photo.jpg", 2).await;
    let motion = upload_named(&ann, "motion.mp4", 3).await;
    let bobs_video = upload_named(&bob, "bob.mp4", 4).await;
    // Refusals leave the still as it was.
    link(&ann, &still, json!(other_photo))
        .await
        .assert_error(400, "Live photo video must be a video");
    link(&ann, &still, json!(bobs_video))
        .await
        .assert_error(400, "Live photo video does not belong to the user");
    link(&ann, &still, json!("4f1b2b4e-8c1e-4d55-9b1a-0d6f1c2b3a4d"))
        .await
        .assert_error(400, "Live photo video not found");
    // The bulk edit has no live photos (Immich's AssetBulkUpdateDto): the field is ignored.
    let r = ann
        .put(
            "/api/assets",
            json!({"ids": [still], "livePhotoVideoId": motion}),
        )
        .await;
    assert_eq!(r.status, 204);
    let asset = ann.get(&format!("/api/assets/{still}")).await.json();
    assert_eq!(asset["livePhotoVideoId"], Value::Null);

    // Linked: the motion part leaves the timeline.
    let r = link(&ann, &still, json!(motion)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["livePhotoVideoId"], json!(motion));
    let video = ann.get(&format!("/api/assets/{motion}")).await.json();
    assert_eq!(video["visibility"], "hidden");
    assert_eq!(
        ann.get("/api/assets/statistics").await.json()["videos"],
        0,
        "the hidden motion part is not counted"
    );

    // Unlinked: it comes back with the still's visibility.
    let r = link(&ann, &still, Value::Null).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["livePhotoVideoId"], Value::Null);
    let video = ann.get(&format!("/api/assets/{motion}")).await.json();
    assert_eq!(video["visibility"], "timeline");

    // Two stills share one motion part: deleting one keeps it, deleting both removes it.
    assert_eq!(link(&ann, &still, json!(motion)).await.status, 200);
    let second = upload_named(&ann, "second.jpg", 5).await;
    let r = ann
        .put(
            &format!("/api/assets/{second}"),
            json!({ "livePhotoVideoId": motion }),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(delete_for_good(&ann, &still).await.status, 204);
    assert_eq!(
        ann.get(&format!("/api/assets/{motion}")).await.status,
        200,
        "another still still names the motion part"
    );
    assert_eq!(delete_for_good(&ann, &second).await.status, 204);
    assert_eq!(ann.get(&format!("/api/assets/{motion}")).await.status, 400);
    // Nothing else went: Ann's other photo and Bob's video are there.
    assert_eq!(
        ann.get(&format!("/api/assets/{other_photo}")).await.status,
        200
    );
    assert_eq!(
        bob.get(&format!("/api/assets/{bobs_video}")).await.status,
        200
    );
}

/// `PUT /assets` with `dateTimeRelative` moves the capture time and the timeline's times by
/// minutes; `timeZone` names the zone, and a fixed offset sets the wall clock from it. A
/// trailing slash is routed as Express routes it.
async fn capture_times_move_by_minutes_and_take_a_zone(backend: Backend) {
    let server = backend.server().await;
    let (_admin, [ann, bob]) = admin_and_users(&server, ["Ann", "Bob"]).await;
    let a = upload_named(&ann, "a.jpg", 1).await;
    let bobs = upload_named(&bob, "b.jpg", 2).await;
    let r = ann
        .send_json(
            Method::PUT,
            &format!("/api/assets/{a}"),
            json!({"dateTimeOriginal": "2023-11-19T18:11:00.000-07:00"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let asset = r.json();
    assert_eq!(
        asset["exifInfo"]["dateTimeOriginal"],
        "2023-11-20T01:11:00+00:00"
    );
    assert_eq!(asset["exifInfo"]["timeZone"], "UTC-7");
    assert_eq!(asset["localDateTime"], "2023-11-19T18:11:00.000Z");

    // A day and a minute earlier, through `/api/assets/`.
    let r = ann
        .put(
            "/api/assets/",
            json!({"ids": [a], "dateTimeRelative": -1441}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    let asset = ann.get(&format!("/api/assets/{a}")).await.json();
    assert_eq!(
        asset["exifInfo"]["dateTimeOriginal"],
        "2023-11-19T01:10:00+00:00"
    );
    assert_eq!(asset["fileCreatedAt"], "2023-11-19T01:10:00.000Z");
    assert_eq!(asset["localDateTime"], "2023-11-18T18:10:00.000Z");
    assert_eq!(asset["exifInfo"]["timeZone"], "UTC-7");

    // Another zone: the same instant on another wall clock.
    let r = ann
        .put("/api/assets", json!({"ids": [a], "timeZone": "UTC+5:30"}))
        .await;
    assert_eq!(r.status, 204);
    let asset = ann.get(&format!("/api/assets/{a}")).await.json();
    assert_eq!(
        asset["exifInfo"]["dateTimeOriginal"],
        "2023-11-19T01:10:00+00:00"
    );
    assert_eq!(asset["exifInfo"]["timeZone"], "UTC+5:30");
    assert_eq!(asset["localDateTime"], "2023-11-19T06:40:00.000Z");

    // Another user's asset: refused, and nothing moved.
    let r = ann
        .put(
            "/api/assets",
            json!({"ids": [a, bobs], "dateTimeRelative": 60}),
        )
        .await;
    assert_eq!(r.status, 400);
    let asset = ann.get(&format!("/api/assets/{a}")).await.json();
    assert_eq!(asset["fileCreatedAt"], "2023-11-19T01:10:00.000Z");
    let theirs = bob.get(&format!("/api/assets/{bobs}")).await.json();
    assert_eq!(theirs["fileCreatedAt"], "2024-05-01T10:00:00.000Z");
}
