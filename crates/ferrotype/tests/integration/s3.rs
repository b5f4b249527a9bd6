//! The server with its blobs in S3 (`storage.url = s3://...`), on real S3 servers started here
//! (s3s-fs, which checks signatures, and moto): uploads, the media jobs reading originals
//! through local copies, downloads and ranges, deletes for good, presigned redirects, the
//! start-up repair of an object whose upload never committed, and a wrong secret at start.

#[path = "../../../ferrotype-s3/tests/support/mod.rs"]
pub(crate) mod s3_servers;

use std::path::Path;

use ferrotype_core::blob::BlobStore;
use ferrotype_s3::{S3BlobStore, S3Config};
use futures_util::TryStreamExt;
use reqwest::Method;
use s3_servers::{Kind, S3Server};

use crate::common::*;

const BUCKET: &str = "photos";
const PREFIX: &str = "ferrotype";

/// The settings that put a server's blobs in `server`'s bucket.
fn s3_env(s3: &S3Server) -> Vec<(&'static str, String)> {
    vec![
        ("FERROTYPE_STORAGE_URL", format!("s3://{BUCKET}/{PREFIX}")),
        ("FERROTYPE_STORAGE_S3_ENDPOINT", s3.endpoint.clone()),
        (
            "FERROTYPE_STORAGE_S3_ACCESS_KEY_ID",
            s3.access_key_id.to_string(),
        ),
        (
            "FERROTYPE_STORAGE_S3_SECRET_ACCESS_KEY",
            s3.secret_access_key.to_string(),
        ),
    ]
}

fn start(s3: &S3Server, extra: &[(&'static str, String)]) -> Server {
    let env: Vec<(&str, String)> = s3_env(s3)
        .into_iter()
        .chain(extra.iter().cloned())
        .collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Server::start_with(&env)
}

/// The same bucket seen from the test, through the port.
fn bucket(s3: &S3Server, staging: &Path) -> S3BlobStore {
    S3BlobStore::open(&S3Config {
        bucket: BUCKET.to_string(),
        prefix: PREFIX.to_string(),
        endpoint: s3.endpoint.clone(),
        region: "us-east-1".to_string(),
        access_key_id: s3.access_key_id.to_string(),
        secret_access_key: s3.secret_access_key.to_string(),
        part_size: ferrotype_s3::DEFAULT_PART_SIZE,
        staging_dir: staging.to_path_buf(),
    })
    .unwrap()
}

async fn objects(store: &S3BlobStore) -> Vec<String> {
    let mut keys: Vec<String> = store.list("").try_collect().await.unwrap();
    keys.sort();
    keys
}

/// A 3 s video made by ffmpeg.
fn make_video(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("clip.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi"])
        .args(["-i", "testsrc=duration=3:size=320x240:rate=25"])
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(&out)
        .status()
        .expect("ffmpeg (installed by scripts/test)");
    assert!(status.success());
    out
}

async fn story(kind: Kind) {
    let s3 = S3Server::start(kind);
    s3.create_bucket(BUCKET);
    let server = start(&s3, &[]);
    let admin = admin(&server).await;
    let temp = tempfile::tempdir().unwrap();
    let view = bucket(&s3, &temp.path().join("staging"));

    let photo_path = fixtures().join("nature/silver_fir.jpg");
    let photo_bytes = std::fs::read(&photo_path).unwrap();
    let photo = upload_path(&admin, &photo_path).await;
    let video_path = make_video(temp.path());
    let video_bytes = std::fs::read(&video_path).unwrap();
    let video = upload_path(&admin, &video_path).await;

    // Metadata and thumbnails ran on local copies of the originals.
    let (metadata, thumbnails) = wait_for_media_jobs(&admin).await;
    assert_eq!(metadata["failed"], 0, "{metadata}\n{}", server.log());
    assert_eq!(thumbnails["failed"], 0, "{thumbnails}\n{}", server.log());
    let asset = admin.get(&format!("/api/assets/{photo}")).await.json();
    assert!(asset["thumbhash"].is_string(), "{asset}");
    assert!(
        asset["exifInfo"]["exifImageWidth"].as_i64().is_some(),
        "exiftool read the copy: {asset}"
    );
    let asset = admin.get(&format!("/api/assets/{video}")).await.json();
    assert!(asset["thumbhash"].is_string(), "{asset}");
    assert_ne!(asset["duration"], "0:00:00.00000", "{asset}");

    // Everything is in the bucket; nothing in the data folder but the catalog and staging.
    let stored = objects(&view).await;
    assert_eq!(
        stored.iter().filter(|k| k.starts_with("upload/")).count(),
        2,
        "{stored:?}"
    );
    assert!(
        stored.iter().any(|k| k.starts_with("thumbs/")),
        "{stored:?}"
    );
    assert!(
        server.stored_files().is_empty(),
        "{:?}",
        server.stored_files()
    );
    let copies: Vec<_> = std::fs::read_dir(server.data_dir.join("staging"))
        .unwrap()
        .collect();
    assert!(
        copies.is_empty(),
        "the tools' copies are removed: {copies:?}"
    );

    // Originals byte for byte; a thumbnail; ranges on the video.
    let r = admin.get(&format!("/api/assets/{photo}/original")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, photo_bytes);
    assert_eq!(r.headers["content-type"], "image/jpeg");
    let r = admin.get(&format!("/api/assets/{photo}/thumbnail")).await;
    assert_eq!(r.status, 200);
    assert!(image::load_from_memory(&r.body).is_ok());
    let r = admin
        .get(&format!("/api/assets/{video}/video/playback"))
        .await;
    assert_eq!(r.body, video_bytes);
    let len = video_bytes.len();
    let r = admin
        .send(
            admin
                .request(Method::GET, &format!("/api/assets/{video}/video/playback"))
                .header("range", "bytes=100-1099"),
        )
        .await;
    assert_eq!(r.status, 206);
    assert_eq!(r.headers["content-range"], format!("bytes 100-1099/{len}"));
    assert_eq!(r.body, video_bytes[100..1100]);
    let r = admin
        .send(
            admin
                .request(Method::GET, &format!("/api/assets/{video}/video/playback"))
                .header("range", format!("bytes={}-", len + 1)),
        )
        .await;
    assert_eq!(r.status, 416);

    // A zip of both, read from the bucket.
    let r = admin
        .post(
            "/api/download/archive",
            serde_json::json!({"assetIds": [photo, video]}),
        )
        .await;
    assert_eq!(r.status, 200);
    let archive = temp.path().join("both.zip");
    std::fs::write(&archive, &r.body).unwrap();
    let out = std::process::Command::new("unzip")
        .arg("-t")
        .arg(&archive)
        .output()
        .expect("unzip (scripts/install-deps)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Deleted for good: every object of both assets goes.
    let r = admin
        .send_json(
            Method::DELETE,
            "/api/assets",
            serde_json::json!({"ids": [photo, video], "force": true}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    let left = objects(&view).await;
    assert!(
        left.is_empty(),
        "objects left after deleting for good: {left:?}"
    );
}

#[tokio::test]
async fn photos_and_videos_in_s3s_fs() {
    story(Kind::S3sFs).await;
}

#[tokio::test]
async fn photos_and_videos_in_moto() {
    story(Kind::Moto).await;
}

/// With `storage.s3.presigned_redirects`, media answers 302 to a presigned URL that serves the
/// bytes (and ranges) straight from the bucket, with our content type.
#[tokio::test]
async fn media_redirects_to_presigned_urls() {
    let s3 = S3Server::start(Kind::S3sFs);
    s3.create_bucket(BUCKET);
    let server = start(
        &s3,
        &[(
            "FERROTYPE_STORAGE_S3_PRESIGNED_REDIRECTS",
            "true".to_string(),
        )],
    );
    let admin = admin(&server).await;
    let photo_path = fixtures().join("nature/silver_fir.jpg");
    let photo_bytes = std::fs::read(&photo_path).unwrap();
    let photo = upload_path(&admin, &photo_path).await;
    wait_for_media_jobs(&admin).await;

    // The same session on a client that does not follow redirects.
    let no_follow = Client {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        ..admin.clone()
    };
    let get = |path: String| no_follow.request(Method::GET, &path).send();
    let r = get(format!("/api/assets/{photo}/original")).await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&format!("{}/{BUCKET}/{PREFIX}/upload/", s3.endpoint)),
        "{location}"
    );
    assert!(location.contains("X-Amz-Signature="), "{location}");
    let direct = reqwest::get(&location).await.unwrap();
    assert_eq!(direct.status(), 200);
    assert_eq!(direct.headers()["content-type"], "image/jpeg");
    assert!(
        direct.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("silver_fir.jpg")
    );
    assert_eq!(direct.bytes().await.unwrap(), photo_bytes);
    let ranged = reqwest::Client::new()
        .get(&location)
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.bytes().await.unwrap(), photo_bytes[..10]);

    let r = get(format!("/api/assets/{photo}/thumbnail")).await.unwrap();
    assert_eq!(r.status(), 302);
    let thumbnail = reqwest::get(r.headers()["location"].to_str().unwrap())
        .await
        .unwrap();
    assert_eq!(thumbnail.status(), 200);
    assert!(image::load_from_memory(&thumbnail.bytes().await.unwrap()).is_ok());

    // Access is still checked before any redirect.
    let anonymous = no_follow
        .with(Cred::None)
        .request(Method::GET, &format!("/api/assets/{photo}/original"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

/// A crash between the upload of an object and its row's commit leaves the object and its
/// upload intent: the next start deletes the object through the store.
#[tokio::test]
async fn an_object_whose_upload_never_committed_is_removed_at_start() {
    let s3 = S3Server::start(Kind::S3sFs);
    s3.create_bucket(BUCKET);
    let mut server = start(&s3, &[]);
    let admin = admin(&server).await;
    let kept = upload_path(&admin, &fixtures().join("nature/silver_fir.jpg")).await;
    wait_for_media_jobs(&admin).await;
    server.stop();

    let temp = tempfile::tempdir().unwrap();
    let view = bucket(&s3, &temp.path().join("staging"));
    let orphan = "upload/00000000-0000-4000-8000-000000000000/ab/cd/orphan.jpg";
    view.put_bytes(orphan, b"never committed").await.unwrap();
    {
        let db = rusqlite::Connection::open(server.data_dir.join("ferrotype.db")).unwrap();
        db.execute(
            "INSERT INTO upload_intents (path, created_at) VALUES (?1, '2026-01-01T00:00:00.000Z')",
            [orphan],
        )
        .unwrap();
    }
    server.restart();
    assert!(!view.exists(orphan).await.unwrap(), "{}", server.log());
    assert!(
        server
            .log()
            .contains("removed the file of an upload interrupted before its commit")
    );
    let admin = Client {
        base: server.base.clone(),
        ..admin
    };
    let r = admin.get(&format!("/api/assets/{kept}/original")).await;
    assert_eq!(r.status, 200, "the committed asset's object stays");
}

/// A wrong secret stops the start with the bucket named and the server's reason.
#[tokio::test]
async fn a_wrong_secret_stops_the_start() {
    let s3 = S3Server::start(Kind::S3sFs);
    s3.create_bucket(BUCKET);
    let temp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(BIN)
        .arg("serve")
        .arg("--data-dir")
        .arg(temp.path().join("data"))
        .env("FERROTYPE_SERVER_LISTEN", "127.0.0.1:0")
        .envs(s3_env(&s3))
        .env("FERROTYPE_STORAGE_S3_SECRET_ACCESS_KEY", "wrong")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot reach the S3 bucket {BUCKET} at {}",
            s3.endpoint
        )),
        "{stderr}"
    );
    assert!(stderr.contains("SignatureDoesNotMatch"), "{stderr}");
}

/// Uploads `payloads` over `connections` concurrent connections; MB/s (10^6 bytes).
async fn upload_rate(client: &Client, payloads: &[Vec<u8>], connections: usize) -> f64 {
    let started = std::time::Instant::now();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let payloads = std::sync::Arc::new(payloads.to_vec());
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (client, next, payloads) = (client.clone(), next.clone(), payloads.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(bytes) = payloads.get(i) else { break };
                    let r = client.upload(&format!("p{i}.jpg"), bytes.clone()).await;
                    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let bytes: usize = payloads.iter().map(Vec::len).sum();
    bytes as f64 / 1e6 / started.elapsed().as_secs_f64()
}

/// Upload throughput into S3 (s3s-fs, which writes to the same disk) against the data folder,
/// in the same run: 60 distinct 5 MB files over 4 connections each. Prints both rates and their
/// ratio. Run with
/// `cargo test -p ferrotype --test integration s3::upload_throughput -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a measurement, not a check"]
async fn upload_throughput_s3_vs_local() {
    const FILES: usize = 60;
    const SIZE: usize = 5_000_000;
    const CONNECTIONS: usize = 4;
    let local_payloads: Vec<Vec<u8>> = (0..FILES)
        .map(|i| fake_jpeg(0x5300_0000 + i as u64, SIZE))
        .collect();
    let s3_payloads: Vec<Vec<u8>> = (0..FILES)
        .map(|i| fake_jpeg(0x5301_0000 + i as u64, SIZE))
        .collect();

    let local = Server::start();
    let local_admin = admin(&local).await;
    let local_rate = upload_rate(&local_admin, &local_payloads, CONNECTIONS).await;

    let s3 = S3Server::start(Kind::S3sFs);
    s3.create_bucket(BUCKET);
    let server = start(&s3, &[]);
    let s3_admin = admin(&server).await;
    let s3_rate = upload_rate(&s3_admin, &s3_payloads, CONNECTIONS).await;

    println!(
        "upload of {FILES} x {SIZE} B over {CONNECTIONS} connections: local {local_rate:.0} MB/s, \
         S3 (s3s-fs on the same disk) {s3_rate:.0} MB/s, ratio {:.2}",
        s3_rate / local_rate
    );
}

/// The server's peak resident memory so far (`VmHWM`), in bytes.
fn peak_rss(server: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmHWM in /proc/<pid>/status");
    kb * 1024
}

/// A 120 MB original goes up in parts and comes back streamed: the server's peak memory grows
/// by a few parts (8 MiB each, two in flight), not by the file.
#[tokio::test]
async fn a_large_original_keeps_memory_flat() {
    const SIZE: usize = 120_000_000;
    let s3 = S3Server::start(Kind::S3sFs);
    s3.create_bucket(BUCKET);
    let server = start(&s3, &[]);
    let admin = admin(&server).await;
    // Warm up the paths an upload takes, so that their one-off allocations are not counted.
    let warm = admin.upload("warm.jpg", fake_jpeg(0x5302, 1_000_000)).await;
    assert_eq!(warm.status, 201);
    wait_for_media_jobs(&admin).await;
    let before = peak_rss(&server);

    let bytes = fake_jpeg(0x5303, SIZE);
    let r = admin.upload("big.jpg", bytes.clone()).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = admin.get(&format!("/api/assets/{id}/original")).await;
    assert_eq!(r.status, 200);
    assert!(r.body == bytes, "the original comes back byte for byte");
    let growth = peak_rss(&server).saturating_sub(before);
    assert!(
        growth < 64 << 20,
        "peak memory grew by {} MiB for a {} MB file",
        growth >> 20,
        SIZE / 1_000_000
    );
}

/// The storage template moves originals in the bucket too (copy, then delete: S3 has no
/// rename), and the moved original is served byte for byte.
#[tokio::test]
async fn the_storage_template_moves_objects() {
    let s3 = S3Server::start(Kind::Moto);
    s3.create_bucket(BUCKET);
    let server = start(&s3, &[]);
    let admin = admin(&server).await;
    let temp = tempfile::tempdir().unwrap();
    let view = bucket(&s3, &temp.path().join("staging"));
    let mut config = admin.get("/api/system-config").await.json();
    config["storageTemplate"]["enabled"] = serde_json::json!(true);
    config["storageTemplate"]["template"] = serde_json::json!("{{y}}/{{MM}}/{{filename}}");
    let r = admin.put("/api/system-config", config).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));

    let path = fixtures().join("nature/prairie_falcon.jpg");
    let bytes = std::fs::read(&path).unwrap();
    let id = upload_path(&admin, &path).await;
    wait_for_media_jobs(&admin).await;
    wait_for_queue(&admin, "storageTemplateMigration").await;

    let key = admin.get(&format!("/api/assets/{id}")).await.json()["originalPath"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        key.starts_with("library/") && key.ends_with("/prairie_falcon.jpg"),
        "{key}"
    );
    let stored = objects(&view).await;
    assert!(stored.contains(&key), "{key} not in {stored:?}");
    assert!(
        !stored.iter().any(|k| k.starts_with("upload/")),
        "the old object is deleted: {stored:?}"
    );
    let r = admin.get(&format!("/api/assets/{id}/original")).await;
    assert_eq!(r.status, 200);
    assert!(r.body == bytes, "the moved original byte for byte");
}
