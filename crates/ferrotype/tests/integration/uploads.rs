//! `POST /api/assets`: what is stored, what is refused, and that nothing is left behind.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use crate::common::*;
use serde_json::json;
use sha1::{Digest, Sha1};

async fn total(client: &Client) -> i64 {
    client.get("/api/assets/statistics").await.json()["total"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn created_then_duplicate_at_the_immich_path() {
    let server = Server::start();
    let admin = admin(&server).await;
    let user_id = user_id(&admin).await;
    let bytes = fake_jpeg(7, 300_000);

    let r = admin.upload("IMG_0001.JPG", bytes.clone()).await;
    assert_eq!(r.status, 201);
    let body = r.json();
    assert_eq!(body["status"], "created");
    let id = body["id"].as_str().unwrap().to_string();

    let again = admin.upload("copy.jpg", bytes.clone()).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json(), json!({"id": id, "status": "duplicate"}));

    let expected = format!("upload/{user_id}/{}/{}/{id}.jpg", &id[0..2], &id[2..4]);
    assert_eq!(server.stored_files(), vec![expected.clone()]);
    assert_eq!(
        std::fs::read(server.data_dir.join(&expected)).unwrap(),
        bytes
    );

    let asset = admin.get(&format!("/api/assets/{id}")).await.json();
    assert_eq!(asset["originalFileName"], "IMG_0001.JPG");
    assert_eq!(asset["checksum"], base64_standard(&Sha1::digest(&bytes)));
    assert_eq!(asset["type"], "IMAGE");
    assert_eq!(asset["fileCreatedAt"], "2024-05-01T10:00:00.000Z");
    assert_eq!(asset["localDateTime"], "2024-05-01T10:00:00.000Z");
    assert_eq!(total(&admin).await, 1);
    // The owner's usage counts the bytes once.
    assert_eq!(
        admin.get("/api/users/me").await.json()["quotaUsageInBytes"],
        300_000
    );
}

#[tokio::test]
async fn dedupe_is_per_owner() {
    let server = Server::start();
    let admin = admin(&server).await;
    create_user(&server, "bob@example.com", "bob-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    let bytes = fake_jpeg(3, 10_000);
    let a = admin.upload("a.jpg", bytes.clone()).await;
    let b = bob.upload("a.jpg", bytes).await;
    assert_eq!((a.status, b.status), (201, 201));
    assert_ne!(a.json()["id"], b.json()["id"]);
    assert_eq!(server.stored_files().len(), 2);
}

#[tokio::test]
async fn checksum_header_answers_before_the_body() {
    let server = Server::start();
    let admin = admin(&server).await;
    let bytes = fake_jpeg(11, 50_000);
    let id = admin.upload("a.jpg", bytes.clone()).await.json()["id"].clone();
    let checksum = hex::encode(Sha1::digest(&bytes));

    // Declare a large body and send none of it: the answer must come anyway.
    let head = upload_head(
        &server,
        "B",
        &auth_header(&admin),
        10_000_000,
        &format!("x-immich-checksum: {checksum}\r\n"),
    );
    let reply = raw_exchange(&server, head.as_bytes());
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(
        reply.contains(&format!("{{\"id\":{id},\"status\":\"duplicate\"}}")),
        "{reply}"
    );
    assert_eq!(server.stored_files().len(), 1);
}

#[tokio::test]
async fn unsupported_type_is_refused_and_nothing_stays() {
    let server = Server::start();
    let admin = admin(&server).await;
    admin
        .upload("notes.txt", b"hello".to_vec())
        .await
        .assert_error(400, "Unsupported file type notes.txt");
    admin
        .upload("noextension", b"hello".to_vec())
        .await
        .assert_error(400, "Unsupported file type noextension");
    admin
        .upload("photo.xmp", b"<x/>".to_vec())
        .await
        .assert_error(400, "Unsupported file type photo.xmp");
    assert_eq!(total(&admin).await, 0);
    assert!(
        server.stored_files().is_empty(),
        "{:?}",
        server.stored_files()
    );
}

/// Sends raw bytes and reads until the server closes or answers fully.
#[tokio::test]
async fn over_the_size_limit_is_413_and_nothing_stays() {
    let server = Server::start_with(&[("FERROTYPE_UPLOAD_MAX_FILE_SIZE", "100KB")]);
    let admin = admin(&server).await;
    // Under the limit is fine.
    assert_eq!(
        admin.upload("small.jpg", fake_jpeg(1, 99_000)).await.status,
        201
    );
    let message = "File is too large: the limit is 100000 bytes";

    // A declared length far over the limit is refused before any of the body is read.
    let head = upload_head(&server, "B", &auth_header(&admin), 50_000_000, "");
    let reply = raw_exchange(&server, head.as_bytes());
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains(message), "{reply}");

    // Without a length (chunked), the limit is enforced while the file streams in.
    let body = multipart_body("B", "big.jpg", &fake_jpeg(2, 150_000));
    let host = server.base.trim_start_matches("http://");
    let mut request = format!(
        "POST /api/assets HTTP/1.1\r\nHost: {host}\r\n{}\r\n\
         Content-Type: multipart/form-data; boundary=B\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
        auth_header(&admin),
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    request.extend_from_slice(b"\r\n");
    let reply = raw_exchange(&server, &request);
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains(message), "{reply}");

    let cleaned = eventually(Duration::from_secs(5), || server.stored_files().len() == 1).await;
    assert!(cleaned, "{:?}", server.stored_files());
    assert_eq!(total(&admin).await, 1);
}

#[tokio::test]
async fn path_tricks_in_file_names_are_stored_safely() {
    let server = Server::start();
    let admin = admin(&server).await;
    let user_id = user_id(&admin).await;
    let cases = [
        ("../../x.jpg", "x.jpg"),
        ("/etc/passwd.jpg", "passwd.jpg"),
        ("..\\..\\windows.png", "windows.png"),
        ("a\u{0}b.jpg", "ab.jpg"),
        ("dir/./..jpg", "..jpg"),
    ];
    for (i, (raw, clean)) in cases.iter().enumerate() {
        // Through the `filename` field, which a client controls fully (the part's filename is
        // plain so that the multipart encoding itself stays valid).
        let part = reqwest::multipart::Part::bytes(fake_jpeg(100 + i as u64, 1000))
            .file_name("upload.bin");
        let form = reqwest::multipart::Form::new()
            .text("fileCreatedAt", "2024-05-01T10:00:00.000Z")
            .text("fileModifiedAt", "2024-05-01T10:00:00.000Z")
            .text("filename", raw.to_string())
            .part("assetData", part);
        let r = admin
            .send(
                admin
                    .request(reqwest::Method::POST, "/api/assets")
                    .multipart(form),
            )
            .await;
        assert_eq!(
            r.status,
            201,
            "{raw:?}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let id = r.json()["id"].as_str().unwrap().to_string();
        let asset = admin.get(&format!("/api/assets/{id}")).await.json();
        assert_eq!(asset["originalFileName"], *clean, "{raw:?}");
    }
    // And through the part's own filename.
    let r = admin
        .upload("../../../evil.jpg", fake_jpeg(200, 1000))
        .await;
    assert_eq!(r.status, 201);
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        admin.get(&format!("/api/assets/{id}")).await.json()["originalFileName"],
        "evil.jpg"
    );

    // Every file sits at upload/<user>/<ab>/<cd>/<uuid>.<ext>, nothing anywhere else.
    let files = server.stored_files();
    assert_eq!(files.len(), cases.len() + 1);
    for f in &files {
        let parts: Vec<&str> = f.split('/').collect();
        assert_eq!(parts.len(), 5, "{f}");
        assert_eq!(parts[0], "upload");
        assert_eq!(parts[1], user_id);
        assert!(
            parts[4].starts_with(&format!("{}{}", parts[2], parts[3])),
            "{f}"
        );
    }
    let outside: Vec<_> = std::fs::read_dir(server.data_dir.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        outside,
        vec!["data"],
        "something was written beside the data folder"
    );
}

#[tokio::test]
async fn connection_dropped_mid_body_leaves_nothing() {
    let server = Server::start();
    let admin = admin(&server).await;
    let body = multipart_body("XyZ", "dropped.jpg", &fake_jpeg(5, 4_000_000));
    let head = upload_head(&server, "XyZ", &auth_header(&admin), body.len(), "");
    let mut socket = TcpStream::connect(server.base.trim_start_matches("http://")).unwrap();
    socket.write_all(head.as_bytes()).unwrap();
    socket.write_all(&body[..body.len() / 2]).unwrap();
    // The partial file is being written in the staging folder...
    let staging = server.data_dir.join("upload/.staging");
    let seen = eventually(Duration::from_secs(5), || {
        std::fs::read_dir(&staging)
            .map(|d| d.count() > 0)
            .unwrap_or(false)
    })
    .await;
    assert!(seen, "the upload never reached the staging folder");
    // ...and the client goes away.
    drop(socket);
    let cleaned = eventually(Duration::from_secs(5), || server.stored_files().is_empty()).await;
    assert!(cleaned, "left behind: {:?}", server.stored_files());
    assert_eq!(total(&admin).await, 0);
    // The server is fine afterwards.
    assert_eq!(
        admin.upload("after.jpg", fake_jpeg(6, 1000)).await.status,
        201
    );
}

#[tokio::test]
async fn mobile_app_fields_are_accepted_and_unknown_ones_ignored() {
    let server = Server::start();
    let admin = admin(&server).await;
    let video =
        reqwest::multipart::Part::bytes(b"not really a movie".to_vec()).file_name("IMG_0002.MOV");
    let form = reqwest::multipart::Form::new()
        .text("deviceAssetId", "IMG_0002-12345")
        .text("deviceId", "my-phone")
        .text("fileCreatedAt", "2024-06-01T08:00:00.000Z")
        .text("fileModifiedAt", "2024-06-01T08:00:00.000Z")
        .text("isFavorite", "false")
        .text("duration", "3000")
        .text("visibility", "hidden")
        .text("somethingNew", "ignored")
        .part("assetData", video);
    let r = admin
        .send(
            admin
                .request(reqwest::Method::POST, "/api/assets")
                .multipart(form),
        )
        .await;
    assert_eq!(r.status, 201);
    let video_id = r.json()["id"].as_str().unwrap().to_string();

    let still =
        reqwest::multipart::Part::bytes(fake_jpeg(9, 2000)).file_name("ignored-part-name.bin");
    let form = reqwest::multipart::Form::new()
        .text("filename", "IMG_0002.HEIC")
        .text("deviceAssetId", "IMG_0002-12345")
        .text("deviceId", "my-phone")
        .text("fileCreatedAt", "2024-06-01T08:00:00.000Z")
        .text("fileModifiedAt", "2024-06-01T08:00:00.000Z")
        .text("isFavorite", "true")
        .text("duration", "0")
        .text("livePhotoVideoId", video_id.clone())
        .text(
            "metadata",
            r#"[{"key":"mobile-app","value":{"cloudId":"abc","createdAt":"2024-06-01T08:00:00Z"}}]"#,
        )
        .part("assetData", still);
    let r = admin
        .send(
            admin
                .request(reqwest::Method::POST, "/api/assets")
                .multipart(form),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let still_id = r.json()["id"].as_str().unwrap().to_string();

    let video = admin.get(&format!("/api/assets/{video_id}")).await.json();
    assert_eq!(video["type"], "VIDEO");
    assert_eq!(video["visibility"], "hidden");
    assert_eq!(video["duration"], 3000);
    let still = admin.get(&format!("/api/assets/{still_id}")).await.json();
    assert_eq!(still["originalFileName"], "IMG_0002.HEIC");
    assert_eq!(still["isFavorite"], true);
    assert_eq!(still["livePhotoVideoId"], video_id);
    // The hidden motion part is not counted.
    assert_eq!(
        admin.get("/api/assets/statistics").await.json(),
        json!({"images": 1, "videos": 0, "total": 1})
    );
}

#[tokio::test]
async fn malformed_uploads_are_400() {
    let server = Server::start();
    let admin = admin(&server).await;
    // No file part.
    let form = reqwest::multipart::Form::new()
        .text("fileCreatedAt", "2024-05-01T10:00:00.000Z")
        .text("fileModifiedAt", "2024-05-01T10:00:00.000Z");
    let r = admin
        .send(
            admin
                .request(reqwest::Method::POST, "/api/assets")
                .multipart(form),
        )
        .await;
    r.assert_error(400, "assetData is required");
    // No dates.
    let form = reqwest::multipart::Form::new().part(
        "assetData",
        reqwest::multipart::Part::bytes(vec![1, 2, 3]).file_name("a.jpg"),
    );
    let r = admin
        .send(
            admin
                .request(reqwest::Method::POST, "/api/assets")
                .multipart(form),
        )
        .await;
    r.assert_error(400, "fileCreatedAt must be a valid ISO 8601 date string");
    // Not multipart at all.
    let r = admin.post("/api/assets", json!({"assetData": "x"})).await;
    assert_eq!(r.status, 400);
    r.json();
    // A huge text field is refused, not buffered.
    let form = reqwest::multipart::Form::new()
        .text("fileCreatedAt", "2024-05-01T10:00:00.000Z")
        .text("metadata", "x".repeat(1_000_000))
        .part(
            "assetData",
            reqwest::multipart::Part::bytes(vec![1, 2, 3]).file_name("a.jpg"),
        );
    let r = admin
        .send(
            admin
                .request(reqwest::Method::POST, "/api/assets")
                .multipart(form),
        )
        .await;
    r.assert_error(400, "metadata is too long");
    assert!(
        server.stored_files().is_empty(),
        "{:?}",
        server.stored_files()
    );
}

/// A text field named like the file part (Immich's own e2e helpers send `assetData` again as
/// "[object Object]" after the file) is a field, not the file: the stored file is the one sent
/// as a file, so a later upload of the same bytes is its duplicate.
#[tokio::test]
async fn a_text_field_named_like_the_file_is_not_the_file() {
    let server = Server::start();
    let admin = admin(&server).await;
    let bytes = fake_jpeg(21, 5000);
    let form = asset_form("a.jpg", bytes.clone(), &[]).text("assetData", "[object Object]");
    let r = admin.upload_form(form).await;
    assert_eq!(r.status, 201);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let checksum = base64_standard(&Sha1::digest(&bytes));
    assert_eq!(
        admin.get(&format!("/api/assets/{id}")).await.json()["checksum"],
        checksum.as_str()
    );
    let again = admin.upload("b.jpg", bytes).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json(), json!({"id": id, "status": "duplicate"}));
}

/// A request refused before its handler leaves the connection usable: its body is read and
/// dropped first (up to 64 MiB; beyond, the answer says the connection closes), so the client
/// still sending it gets the answer, and its next request works.
#[tokio::test]
async fn refusals_before_the_body_keep_connections_usable() {
    let server = Server::start();
    let admin = admin(&server).await;
    let reader = api_key(&admin, &["asset.read", "asset.statistics"]).await;
    let small = reader.upload("s.jpg", fake_jpeg(1, 2_000)).await;
    small.assert_error(403, "Missing required permission: asset.upload");
    assert!(
        small.headers.get("connection").is_none(),
        "the body was read"
    );
    let large = reader.upload("l.jpg", fake_jpeg(2, 3_000_000)).await;
    large.assert_error(403, "Missing required permission: asset.upload");
    assert!(
        large.headers.get("connection").is_none(),
        "the body was read"
    );
    for _ in 0..20 {
        assert_eq!(reader.get("/api/assets/statistics").await.status, 200);
        let r = reader.upload("l.jpg", fake_jpeg(3, 3_000_000)).await;
        assert_eq!(r.status, 403);
    }
}
