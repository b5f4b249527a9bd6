//! Everyday edits, the trash and deleting for good, against the real server.

use crate::common::*;
use reqwest::Method;
use serde_json::json;

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
        "2020-02-29T10:34:56.000Z"
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
