//! The job and queue endpoints, and server statistics, against the real server.

use crate::common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn queues_are_admin_only() {
    let server = Server::start();
    let admin = admin(&server).await;
    create_user(&server, "bob@example.com", "bob-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    for path in [
        "/api/jobs",
        "/api/queues",
        "/api/queues/metadataExtraction",
        "/api/server/statistics",
    ] {
        bob.get(path).await.assert_error(403, "Forbidden");
        assert_eq!(admin.get(path).await.status, 200, "{path}");
    }
    bob.put("/api/jobs/metadataExtraction", json!({"command": "pause"}))
        .await
        .assert_error(403, "Forbidden");
    // Keys need the route's permission too.
    let reader = api_key(&admin, &["job.read"]).await;
    assert_eq!(reader.get("/api/jobs").await.status, 200);
    reader
        .get("/api/queues")
        .await
        .assert_error(403, "Missing required permission: queue.read");
}

#[tokio::test]
async fn counts_follow_uploads_and_commands() {
    let server = Server::start();
    let admin = admin(&server).await;
    // Paused, so that workers leave the jobs where the test can count them.
    let r = admin
        .put("/api/queues/metadataExtraction", json!({"isPaused": true}))
        .await;
    assert_eq!(r.json()["isPaused"], true);

    let a = admin.upload("a.jpg", fake_jpeg(1, 500)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = admin.upload("b.jpg", fake_jpeg(2, 500)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A duplicate enqueues nothing.
    assert_eq!(admin.upload("a2.jpg", fake_jpeg(1, 500)).await.status, 200);

    let all = admin.get("/api/jobs").await.json();
    assert_eq!(all.as_object().unwrap().len(), 19);
    let metadata = &all["metadataExtraction"];
    assert_eq!(
        metadata["queueStatus"],
        json!({"isActive": false, "isPaused": true})
    );
    assert_eq!(
        metadata["jobCounts"],
        json!({"active": 0, "completed": 0, "failed": 0, "delayed": 0, "waiting": 0, "paused": 2})
    );

    let listed = admin
        .get("/api/queues/metadataExtraction/jobs?status=waiting&status=paused")
        .await
        .json();
    let mut ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["data"]["id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut expected = vec![a.as_str(), b.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(listed[0]["name"], "AssetExtractMetadata");
    assert_eq!(
        admin
            .get("/api/queues/metadataExtraction/jobs?status=completed")
            .await
            .json(),
        json!([])
    );
    admin
        .get("/api/queues/metadataExtraction/jobs?status=bogus")
        .await
        .assert_invalid(
            json!(["status", 0]),
            "Invalid option: expected one of \"active\"|\"failed\"|\"completed\"|\"delayed\"|\"waiting\"|\"paused\"",
        );

    // Re-running jobs for an asset that already waits adds nothing (dedupe per job and asset).
    let r = admin
        .post(
            "/api/assets/jobs",
            json!({"assetIds": [a], "name": "refresh-metadata"}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        admin.get("/api/queues/metadataExtraction").await.json()["statistics"]["paused"],
        2
    );

    // Empty, then start again: the assets never extracted are queued once more.
    let r = admin
        .put("/api/jobs/metadataExtraction", json!({"command": "empty"}))
        .await;
    assert_eq!(r.json()["jobCounts"]["paused"], 0);
    let r = admin
        .put(
            "/api/jobs/metadataExtraction",
            json!({"command": "start", "force": false}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["jobCounts"]["paused"], 2);
    let r = admin
        .send_json(
            Method::DELETE,
            "/api/queues/metadataExtraction/jobs",
            json!({}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        admin.get("/api/queues/metadataExtraction").await.json()["statistics"]["paused"],
        0
    );

    // Commands and names are checked.
    admin
        .put(
            "/api/jobs/metadataExtraction",
            json!({"command": "explode"}),
        )
        .await
        .assert_invalid(
            json!(["command"]),
            "Invalid option: expected one of \"start\"|\"pause\"|\"resume\"|\"empty\"|\"clear-failed\"",
        );
    admin
        .put("/api/jobs/notAQueue", json!({"command": "pause"}))
        .await
        .assert_invalid(
            json!(["name"]),
            "Invalid option: expected one of \"thumbnailGeneration\"|\"metadataExtraction\"|\"videoConversion\"|\"faceDetection\"|\"facialRecognition\"|\"smartSearch\"|\"duplicateDetection\"|\"backgroundTask\"|\"storageTemplateMigration\"|\"migration\"|\"search\"|\"sidecar\"|\"library\"|\"notifications\"|\"backupDatabase\"|\"ocr\"|\"workflow\"|\"integrityCheck\"|\"editor\"",
        );
    admin
        .put("/api/jobs/library", json!({"command": "start"}))
        .await
        .assert_error(400, "Invalid job name: library");
    let r = admin
        .put("/api/jobs/library", json!({"command": "pause"}))
        .await;
    assert_eq!(r.json()["queueStatus"]["isPaused"], true);
    let queues = admin.get("/api/queues").await.json();
    let paused: Vec<&str> = queues
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["isPaused"] == true)
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    assert_eq!(paused, vec!["metadataExtraction", "library"]);
}

#[tokio::test]
async fn manual_and_asset_jobs() {
    let server = Server::start();
    let admin = admin(&server).await;
    assert_eq!(
        admin
            .post("/api/jobs", json!({"name": "tag-cleanup"}))
            .await
            .status,
        204
    );
    admin
        .post("/api/jobs", json!({"name": "backup-database"}))
        .await
        .assert_error(
            400,
            "Job backup-database is not available on this server yet",
        );

    create_user(&server, "bob@example.com", "bob-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    let bobs = bob.upload("b.jpg", fake_jpeg(9, 500)).await.json()["id"].clone();
    admin
        .post(
            "/api/assets/jobs",
            json!({"assetIds": [bobs], "name": "refresh-metadata"}),
        )
        .await
        .assert_error(400, "Not found or no asset.update access");
    bob.post(
        "/api/assets/jobs",
        json!({"assetIds": [bobs], "name": "transcode-video"}),
    )
    .await
    .assert_error(
        400,
        "Asset job transcode-video is not available on this server yet",
    );
    assert_eq!(
        bob.post(
            "/api/assets/jobs",
            json!({"assetIds": [bobs], "name": "regenerate-thumbnail"})
        )
        .await
        .status,
        204
    );
}

#[tokio::test]
async fn server_statistics_by_user() {
    let server = Server::start();
    let admin = admin(&server).await;
    create_user(&server, "bob@example.com", "bob-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    admin.upload("a.jpg", fake_jpeg(1, 1000)).await;
    admin.upload("b.mp4", fake_jpeg(2, 3000)).await;
    bob.upload("c.png", fake_jpeg(3, 500)).await;
    let stats = admin.get("/api/server/statistics").await.json();
    assert_eq!(stats["photos"], 2);
    assert_eq!(stats["videos"], 1);
    assert_eq!(stats["usage"], 4500);
    assert_eq!(stats["usagePhotos"], 1500);
    assert_eq!(stats["usageVideos"], 3000);
    let by_user = stats["usageByUser"].as_array().unwrap();
    assert_eq!(by_user.len(), 2);
    assert_eq!(by_user[0]["userName"], "Admin");
    assert_eq!(by_user[0]["usage"], 4000);
    assert_eq!(by_user[1]["userName"], "bob@example.com");
    assert_eq!(by_user[1]["photos"], 1);
}

#[tokio::test]
async fn sigkill_mid_work_then_restart_finishes_every_job() {
    let mut server = Server::start();
    let admin = admin(&server).await;
    // Thumbnails wait (paused) so that work is surely unfinished when the process dies.
    admin
        .put("/api/queues/thumbnailGeneration", json!({"isPaused": true}))
        .await;
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(fixtures().join("nature")).unwrap() {
        ids.push(upload_path(&admin, &entry.unwrap().path()).await);
    }
    ids.sort();
    ids.dedup();
    wait_for_queue(&admin, "metadataExtraction").await;
    let waiting = queue_statistics(&admin, "thumbnailGeneration").await;
    assert_eq!(
        waiting["paused"].as_u64(),
        Some(ids.len() as u64),
        "{waiting}"
    );
    server.kill();

    server.restart();
    let admin = Client {
        base: server.base.clone(),
        ..admin
    };
    admin
        .put(
            "/api/queues/thumbnailGeneration",
            json!({"isPaused": false}),
        )
        .await;
    // And once more while the thumbnails are being made.
    for _ in 0..200 {
        let t = queue_statistics(&admin, "thumbnailGeneration").await;
        if t["active"] != 0 || t["completed"] != 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.kill();
    server.restart();
    let admin = Client {
        base: server.base.clone(),
        ..admin
    };
    wait_for_media_jobs(&admin).await;
    assert_eq!(
        queue_statistics(&admin, "metadataExtraction").await["failed"],
        0
    );
    assert_eq!(
        queue_statistics(&admin, "thumbnailGeneration").await["failed"],
        0
    );
    for id in &ids {
        let asset = admin.get(&format!("/api/assets/{id}")).await.json();
        assert_eq!(asset["hasMetadata"], true, "{id}");
        assert!(asset["thumbhash"].is_string(), "{id}");
        assert_eq!(
            admin
                .get(&format!("/api/assets/{id}/thumbnail"))
                .await
                .status,
            200
        );
    }
    // Exactly one thumbnail and one preview per asset: a re-run replaces, never duplicates.
    let thumbs = server.data_dir.join("thumbs");
    let mut count = 0;
    let mut stack = vec![thumbs];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                count += 1;
            }
        }
    }
    assert_eq!(count, ids.len() * 2);
}

#[tokio::test]
async fn metrics_in_prometheus_text() {
    let server = Server::start();
    let admin = admin(&server).await;
    Client::new(&server, Cred::None)
        .get("/api/server/ping")
        .await;
    admin
        .upload(
            "a.jpg",
            std::fs::read(fixtures().join("nature/silver_fir.jpg")).unwrap(),
        )
        .await;
    wait_for_media_jobs(&admin).await;
    let r = reqwest::get(server.url("/metrics")).await.unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = r.text().await.unwrap();
    for needle in [
        "ferrotype_http_requests_total{method=\"GET\",route=\"/api/server/ping\",status=\"200\"} 1",
        "ferrotype_http_requests_total{method=\"POST\",route=\"/api/assets\",status=\"201\"} 1",
        "ferrotype_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/server/ping\",le=\"+Inf\"} 1",
        "ferrotype_jobs{queue=\"metadataExtraction\",state=\"completed\"} 1",
        "ferrotype_jobs{queue=\"thumbnailGeneration\",state=\"completed\"} 1",
        "ferrotype_job_runs_total{queue=\"thumbnailGeneration\",job=\"AssetGenerateThumbnails\",outcome=\"completed\"} 1",
        "ferrotype_job_duration_seconds_count{queue=\"metadataExtraction\",job=\"AssetExtractMetadata\"} 1",
        "process_resident_memory_bytes ",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    // Ids never become labels: requests are counted under their route's template.
    let asset = admin.upload("b.jpg", fake_jpeg(3, 100)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    admin.get(&format!("/api/assets/{asset}")).await;
    let text = reqwest::get(server.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("route=\"/api/assets/{id}\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(!text.contains(&asset));
}
