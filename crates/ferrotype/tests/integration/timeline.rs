//! The web timeline's API: month buckets with their filters, and one month's assets as columns.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

fn buckets_of(v: &Value) -> Vec<(String, i64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["timeBucket"].as_str().unwrap().to_string(),
                b["count"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn pairs(items: &[(&str, i64)]) -> Vec<(String, i64)> {
    items.iter().map(|(m, c)| (m.to_string(), *c)).collect()
}

#[tokio::test]
async fn buckets_and_months_with_their_filters() {
    let server = Server::start();
    let admin = admin(&server).await;
    let mut ids = std::collections::HashMap::new();
    for (name, path) in [
        ("falcon", "nature/prairie_falcon.jpg"), // 2022-03-31
        ("springs", "metadata/gps-position/thompson-springs.jpg"), // 2022-01-10
        ("ridge", "nature/tanners_ridge.jpg"),   // 2023-09-25
        ("cyclamen", "nature/cyclamen_persicum.jpg"), // 2007-12-06
    ] {
        ids.insert(name, upload_path(&admin, &fixtures().join(path)).await);
    }
    // No capture date: the upload's fileCreatedAt (2024-05-01) places it.
    let plain = admin.upload("plain.jpg", fake_jpeg(9, 3000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    wait_for_media_jobs(&admin).await;

    let all = admin.get("/api/timeline/buckets").await.json();
    assert_eq!(
        buckets_of(&all),
        pairs(&[
            ("2024-05-01", 1),
            ("2023-09-01", 1),
            ("2022-03-01", 1),
            ("2022-01-01", 1),
            ("2007-12-01", 1)
        ])
    );
    let asc = admin.get("/api/timeline/buckets?order=asc").await.json();
    assert_eq!(buckets_of(&asc)[0].0, "2007-12-01");

    // Favourite, archive and trash move assets between the views.
    let (falcon, springs, ridge) = (&ids["falcon"], &ids["springs"], &ids["ridge"]);
    admin
        .put("/api/assets", json!({"ids": [falcon], "isFavorite": true}))
        .await;
    admin
        .put(
            "/api/assets",
            json!({"ids": [springs], "visibility": "archive"}),
        )
        .await;
    admin
        .send_json(Method::DELETE, "/api/assets", json!({"ids": [ridge]}))
        .await;
    let default = buckets_of(&admin.get("/api/timeline/buckets").await.json());
    assert!(
        !default.iter().any(|(m, _)| m == "2023-09-01"),
        "trashed left out"
    );
    assert!(
        default.iter().any(|(m, _)| m == "2022-01-01"),
        "archive kept by default"
    );
    let timeline = buckets_of(
        &admin
            .get("/api/timeline/buckets?visibility=timeline")
            .await
            .json(),
    );
    assert!(!timeline.iter().any(|(m, _)| m == "2022-01-01"));
    assert_eq!(
        buckets_of(
            &admin
                .get("/api/timeline/buckets?isFavorite=true")
                .await
                .json()
        ),
        pairs(&[("2022-03-01", 1)])
    );
    assert_eq!(
        buckets_of(
            &admin
                .get("/api/timeline/buckets?isTrashed=true")
                .await
                .json()
        ),
        pairs(&[("2023-09-01", 1)])
    );
    assert_eq!(
        buckets_of(
            &admin
                .get("/api/timeline/buckets?visibility=archive")
                .await
                .json()
        ),
        pairs(&[("2022-01-01", 1)])
    );

    // One month, as parallel columns of one length.
    let month = admin
        .get("/api/timeline/bucket?timeBucket=2022-03-01&withCoordinates=true")
        .await
        .json();
    assert_eq!(month["id"], json!([falcon]));
    let columns = month.as_object().unwrap();
    for (name, column) in columns {
        assert_eq!(column.as_array().unwrap().len(), 1, "{name}");
    }
    assert_eq!(month["isFavorite"], json!([true]));
    assert_eq!(month["isImage"], json!([true]));
    assert_eq!(month["isTrashed"], json!([false]));
    assert!(month["thumbhash"][0].is_string());
    let ratio = month["ratio"][0].as_f64().unwrap();
    assert!((ratio - 800.0 / 533.0).abs() < 0.01, "{ratio}");
    assert!(month.get("city").is_some());
    // Without coordinates the optional columns are left out.
    let month = admin
        .get("/api/timeline/bucket?timeBucket=2024-05-01T00:00:00.000Z")
        .await
        .json();
    assert_eq!(month["id"], json!([plain]));
    assert!(month.get("city").is_none());
    assert_eq!(month["localOffsetHours"], json!([0.0]));
    // A month with nothing, and a bad month.
    let empty = admin
        .get("/api/timeline/bucket?timeBucket=1999-01-01")
        .await
        .json();
    assert_eq!(empty["id"], json!([]));
    admin
        .get("/api/timeline/bucket?timeBucket=soon")
        .await
        .assert_error(400, "timeBucket must be a date like 2024-05-01");

    // Inside an album; strangers and other users' timelines are refused.
    let album = admin
        .post(
            "/api/albums",
            json!({"albumName": "Two", "assetIds": [falcon, ids["cyclamen"]]}),
        )
        .await
        .json();
    let album_id = album["id"].as_str().unwrap();
    assert_eq!(
        buckets_of(
            &admin
                .get(&format!("/api/timeline/buckets?albumId={album_id}"))
                .await
                .json()
        ),
        pairs(&[("2022-03-01", 1), ("2007-12-01", 1)])
    );
    create_user(&server, "eve@example.com", "eve-password");
    let eve = login(&server, "eve@example.com", "eve-password").await;
    eve.get(&format!("/api/timeline/buckets?albumId={album_id}"))
        .await
        .assert_error(400, "Not found or no album.read access");
    let admin_id = user_id(&admin).await;
    eve.get(&format!("/api/timeline/buckets?userId={admin_id}"))
        .await
        .assert_error(400, "Not found or no timeline.read access");
    assert_eq!(eve.get("/api/timeline/buckets").await.json(), json!([]));
    eve.get(&format!(
        "/api/timeline/bucket?timeBucket=2022-03-01&albumId={album_id}"
    ))
    .await
    .assert_error(400, "Not found or no album.read access");

    // Deleting for good and moving a date keep the counts true.
    admin
        .send_json(
            Method::DELETE,
            "/api/assets",
            json!({"ids": [ridge], "force": true}),
        )
        .await;
    admin
        .put(
            &format!("/api/assets/{plain}"),
            json!({"dateTimeOriginal": "2019-07-04T12:00:00Z"}),
        )
        .await;
    assert_eq!(
        buckets_of(&admin.get("/api/timeline/buckets").await.json()),
        pairs(&[
            ("2022-03-01", 1),
            ("2022-01-01", 1),
            ("2019-07-01", 1),
            ("2007-12-01", 1)
        ])
    );
    assert_eq!(
        admin
            .get("/api/timeline/buckets?isTrashed=true")
            .await
            .json(),
        json!([])
    );
}
