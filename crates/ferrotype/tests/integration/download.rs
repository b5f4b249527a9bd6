//! Downloads: archive planning, and zips streamed as they are built, checked by Debian's unzip.

use std::process::Command;

use crate::common::*;
use reqwest::Method;
use serde_json::json;

fn uploaded(r: Reply) -> String {
    assert!(r.status == 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn info_and_streamed_zip_archives() {
    let server = Server::start();
    let owner = admin(&server).await;
    let (one, two, three) = (fake_jpeg(1, 5000), fake_jpeg(2, 7000), fake_jpeg(3, 9000));
    let a = uploaded(
        owner
            .upload_form(asset_form("same.jpg", one.clone(), &[]))
            .await,
    );
    let b = uploaded(
        owner
            .upload_form(asset_form("same.jpg", two.clone(), &[]))
            .await,
    );
    let motion = uploaded(
        owner
            .upload_form(asset_form(
                "live.mov",
                fake_jpeg(4, 3000),
                &[("visibility", "hidden")],
            ))
            .await,
    );
    let still = uploaded(
        owner
            .upload_form(asset_form(
                "live.jpg",
                three.clone(),
                &[("livePhotoVideoId", motion.as_str())],
            ))
            .await,
    );

    // The live photo brings its motion part; small archives split.
    let info = owner
        .post("/api/download/info", json!({"assetIds": [a, b, still]}))
        .await;
    assert_eq!(info.status, 201);
    let info = info.json();
    assert_eq!(info["totalSize"], 5000 + 7000 + 9000 + 3000);
    assert_eq!(info["archives"].as_array().unwrap().len(), 1);
    assert_eq!(
        info["archives"][0]["assetIds"],
        json!([a, b, still, motion])
    );
    let split = owner
        .post(
            "/api/download/info",
            json!({"assetIds": [a, b], "archiveSize": 8000}),
        )
        .await
        .json();
    assert_eq!(
        split["archives"],
        json!([{"assetIds": [a], "size": 5000}, {"assetIds": [b], "size": 7000}])
    );
    let album = owner
        .post("/api/albums", json!({"albumName": "Z", "assetIds": [b]}))
        .await
        .json();
    let by_album = owner
        .post("/api/download/info", json!({"albumId": album["id"]}))
        .await
        .json();
    assert_eq!(by_album["archives"][0]["assetIds"], json!([b]));

    // The archive: valid for unzip, unique names, the bytes as uploaded.
    let r = owner
        .send(
            owner
                .request(Method::POST, "/api/download/archive")
                .json(&json!({"assetIds": [a, b, still, motion]})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "application/octet-stream");
    let temp = tempfile::tempdir().unwrap();
    let zip = temp.path().join("download.zip");
    std::fs::write(&zip, &r.body).unwrap();
    let test = Command::new("unzip")
        .arg("-t")
        .arg(&zip)
        .output()
        .expect("unzip (installed by scripts/test)");
    assert!(
        test.status.success(),
        "{}",
        String::from_utf8_lossy(&test.stdout)
    );
    let out = temp.path().join("out");
    let status = Command::new("unzip")
        .args(["-q", "-d"])
        .arg(&out)
        .arg(&zip)
        .status()
        .unwrap();
    assert!(status.success());
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["live.jpg", "live.mov", "same+1.jpg", "same.jpg"]);
    assert_eq!(std::fs::read(out.join("same.jpg")).unwrap(), one);
    assert_eq!(std::fs::read(out.join("same+1.jpg")).unwrap(), two);
    assert_eq!(std::fs::read(out.join("live.jpg")).unwrap(), three);

    // Other users' assets, timelines and albums are refused.
    create_user(&server, "eve@example.com", "eve-password");
    let eve = login(&server, "eve@example.com", "eve-password").await;
    eve.post("/api/download/archive", json!({"assetIds": [a]}))
        .await
        .assert_error(400, "Not found or no asset.download access");
    let owner_id = owner.get("/api/users/me").await.json()["id"].clone();
    eve.post("/api/download/info", json!({"userId": owner_id}))
        .await
        .assert_error(400, "Not found or no timeline.download access");
    eve.post("/api/download/info", json!({"albumId": album["id"]}))
        .await
        .assert_error(400, "Not found or no album.read access");

    // Through a shared link: only with allowDownload.
    for (allow, expected) in [(false, 400), (true, 201)] {
        let link = owner
            .post(
                "/api/shared-links",
                json!({"type": "INDIVIDUAL", "assetIds": [a], "allowDownload": allow}),
            )
            .await
            .json();
        let key = link["key"].as_str().unwrap();
        let guest = Client::new(&server, Cred::None);
        let r = guest
            .post(
                &format!("/api/download/info?key={key}"),
                json!({"assetIds": [a]}),
            )
            .await;
        assert_eq!(r.status, expected, "allowDownload {allow}");
        if !allow {
            guest
                .post(
                    &format!("/api/download/archive?key={key}"),
                    json!({"assetIds": [a]}),
                )
                .await
                .assert_error(400, "Not found or no asset.download access");
        }
    }
}
