//! `ferrotype migrate`: a real install on SQLite and its data folder copied into PostgreSQL (a
//! throwaway cluster) and S3 (moto), served from there, and copied back into a fresh folder and
//! served again, the API showing the same account, timeline, albums, shared links, originals and
//! thumbnails each time. A copy stopped half-way finished by a second run (the first while the
//! source is still served), and the refusals: an unreachable target, a target holding another
//! install, a schema that differs, an S3 target without credentials; each leaving the source as
//! it was.

use std::path::Path;
use std::process::{Command, Output};

use ferrotype_postgres::testing::TestCluster;
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use crate::common::*;
use crate::s3::s3_servers::{Kind, S3Server};

const BUCKET: &str = "moved";
const PHOTOS: &[&str] = &[
    "nature/silver_fir.jpg",
    "nature/prairie_falcon.jpg",
    "nature/cyclamen_persicum.jpg",
];

/// The settings that make `s3` the store of a server or a migrate source.
fn s3_source_env(s3: &S3Server, prefix: &str) -> Vec<(&'static str, String)> {
    vec![
        ("FERROTYPE_STORAGE_URL", format!("s3://{BUCKET}/{prefix}")),
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

/// The settings that make `s3` the target store of migrate.
fn s3_target_env(s3: &S3Server) -> Vec<(&'static str, String)> {
    vec![
        ("FERROTYPE_MIGRATE_S3_ENDPOINT", s3.endpoint.clone()),
        (
            "FERROTYPE_MIGRATE_S3_ACCESS_KEY_ID",
            s3.access_key_id.to_string(),
        ),
        (
            "FERROTYPE_MIGRATE_S3_SECRET_ACCESS_KEY",
            s3.secret_access_key.to_string(),
        ),
    ]
}

/// Runs `ferrotype migrate` on the source described by `data_dir` and `env`.
fn migrate(data_dir: &Path, env: &[(&str, String)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ferrotype"));
    command
        .arg("migrate")
        .args(args)
        .env("FERROTYPE_STORAGE_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run ferrotype migrate")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_migrated(out: &Output) {
    assert!(out.status.success(), "migrate failed:\n{}", stderr(out));
    assert!(stderr(out).contains("migrate: done"), "{}", stderr(out));
}

fn env_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// Fills a server the way people do: photos uploaded through the API, an album of two of them,
/// a shared link to the album; waits for the thumbnails.
async fn fill(server: &Server) -> Client {
    let admin = admin(server).await;
    let mut ids = Vec::new();
    for photo in PHOTOS {
        ids.push(upload_path(&admin, &fixtures().join(photo)).await);
    }
    let (metadata, thumbnails) = wait_for_media_jobs(&admin).await;
    assert_eq!(metadata["failed"], 0, "{metadata}");
    assert_eq!(thumbnails["failed"], 0, "{thumbnails}");
    let album = admin
        .post(
            "/api/albums",
            json!({"albumName": "Moving day", "assetIds": [ids[0], ids[1]]}),
        )
        .await;
    assert_eq!(
        album.status,
        201,
        "{}",
        String::from_utf8_lossy(&album.body)
    );
    let r = admin
        .post(
            "/api/shared-links",
            json!({"type": "ALBUM", "albumId": album.json()["id"], "description": "For friends"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    for activity in [
        json!({"albumId": album.json()["id"], "type": "comment", "comment": "Moved"}),
        json!({"albumId": album.json()["id"], "assetId": ids[0], "type": "like"}),
    ] {
        let r = admin.post("/api/activities", activity).await;
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    }
    let r = admin
        .post(
            "/api/memories",
            json!({"type": "on_this_day", "data": {"year": 2020}, "assetIds": [ids[1]],
                   "memoryAt": "2020-06-01T00:00:00.000Z", "isSaved": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let r = admin
        .put(
            &format!("/api/assets/{}", ids[2]),
            json!({"isFavorite": true}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = admin
        .post("/api/stacks", json!({"assetIds": [ids[1], ids[2]]}))
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    // People, seen on the timeline (a named one with one face, an unnamed one with three), with
    // their face thumbnails.
    for (person, faces) in [
        (
            json!({"name": "Alice", "birthDate": "1990-01-31", "color": "#333", "isFavorite": true}),
            1,
        ),
        (json!({"isHidden": true}), 3),
    ] {
        let r = admin.post("/api/people", person).await;
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        let person = r.json()["id"].clone();
        for i in 0..faces {
            let r = admin
                .post(
                    "/api/faces",
                    json!({"assetId": ids[0], "personId": person, "imageWidth": 100,
                           "imageHeight": 100, "x": 10 + 20 * i, "y": 10, "width": 15,
                           "height": 15}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        }
    }
    let thumbnails = wait_for_queue(&admin, "thumbnailGeneration").await;
    assert_eq!(thumbnails["failed"], 0, "{thumbnails}");
    admin
}

/// The timeline's month buckets, and the ids of its assets in timeline order.
async fn timeline_ids(client: &Client) -> (Value, Vec<Value>) {
    let buckets = client.get("/api/timeline/buckets").await.json();
    let mut ids = Vec::new();
    for bucket in buckets.as_array().unwrap() {
        let time = bucket["timeBucket"].as_str().unwrap();
        let page = client
            .get(&format!("/api/timeline/bucket?timeBucket={time}"))
            .await
            .json();
        ids.extend(page["id"].as_array().unwrap().iter().cloned());
    }
    (buckets, ids)
}

/// What the API shows of an install, for comparing two of them; checks along the way that every
/// original is byte for byte a fixture and that every thumbnail is served.
async fn snapshot(server: &Server) -> Value {
    let client = login(server, "admin@example.com", "admin-password").await;
    let (buckets, ids) = timeline_ids(&client).await;
    let mut thumbnails: Vec<Value> = Vec::new();
    let mut assets = Vec::new();
    for id in &ids {
        let id = id.as_str().unwrap();
        let asset = client.get(&format!("/api/assets/{id}")).await.json();
        let original = client.get(&format!("/api/assets/{id}/original")).await;
        assert_eq!(original.status, 200, "original of {id}");
        let name = asset["originalFileName"].as_str().unwrap();
        let fixture = PHOTOS
            .iter()
            .find(|p| p.ends_with(name))
            .expect("a fixture");
        assert_eq!(
            sha1_hex(&original.body),
            sha1_hex(&std::fs::read(fixtures().join(fixture)).unwrap()),
            "{name} byte for byte"
        );
        let thumbnail = client.get(&format!("/api/assets/{id}/thumbnail")).await;
        assert_eq!(thumbnail.status, 200, "thumbnail of {name}");
        assert!(!thumbnail.body.is_empty());
        // Found by its name: the search index is made again in a SQLite target.
        let found = client
            .post(
                "/api/search/metadata",
                json!({"originalFileName": name.to_uppercase()}),
            )
            .await
            .json();
        assert!(
            found["assets"]["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["id"] == id),
            "{name} found by its name"
        );
        assets.push(json!({
            "id": id, "name": name, "favorite": asset["isFavorite"],
            "checksum": asset["checksum"], "taken": asset["localDateTime"],
            "thumbhash": asset["thumbhash"], "make": asset["exifInfo"]["make"],
            "stack": asset["stack"],
        }));
    }
    let mut albums: Vec<Value> = client
        .get("/api/albums")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|a| json!({"id": a["id"], "name": a["albumName"], "count": a["assetCount"]}))
        .collect();
    for album in &mut albums {
        let id = album["id"].as_str().unwrap().to_string();
        album["activities"] = client
            .get(&format!("/api/activities?albumId={id}"))
            .await
            .json();
    }
    let links: Vec<Value> = client
        .get("/api/shared-links")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|l| json!({"id": l["id"], "key": l["key"], "album": l["album"]["id"]}))
        .collect();
    // The link opens for a visitor.
    for link in &links {
        let key = link["key"].as_str().unwrap();
        let visitor = Client::new(server, Cred::None);
        let r = visitor
            .get(&format!("/api/shared-links/me?key={key}"))
            .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }
    // Memories, with their assets' ids.
    let memories: Vec<Value> = client
        .get("/api/memories")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let assets: Vec<&Value> = m["assets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| &a["id"])
                .collect();
            json!({"id": m["id"], "data": m["data"], "isSaved": m["isSaved"], "assets": assets})
        })
        .collect();
    // People, whole (birth dates are PostgreSQL dates, SQLite text), with their thumbnails'
    // bytes and the faces of each asset.
    let people = client.get("/api/people?withHidden=true").await.json();
    for person in people["people"].as_array().unwrap() {
        let r = client
            .get(&format!(
                "/api/people/{}/thumbnail",
                person["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(r.status, 200, "the thumbnail of {person}");
        thumbnails.push(json!(sha1_hex(&r.body)));
    }
    let mut faces = Vec::new();
    for id in &ids {
        let id = id.as_str().unwrap();
        faces.push(client.get(&format!("/api/faces?id={id}")).await.json());
    }
    json!({"buckets": buckets, "assets": assets, "albums": albums, "links": links,
           "memories": memories, "people": people, "personThumbnails": thumbnails,
           "faces": faces})
}

#[tokio::test]
async fn sqlite_and_folder_to_postgres_and_s3_and_back() {
    let mut source = Server::start();
    fill(&source).await;
    let before = snapshot(&source).await;
    assert_eq!(before["assets"].as_array().unwrap().len(), PHOTOS.len());
    assert_eq!(before["memories"].as_array().unwrap().len(), 1);
    assert_eq!(before["people"]["total"], 2);
    assert_eq!(before["people"]["people"][0]["birthDate"], "1990-01-31");
    assert!(
        before["people"]["people"][0]["thumbnailPath"]
            .as_str()
            .unwrap()
            .ends_with(".jpeg")
    );
    assert_eq!(before["faces"][0].as_array().unwrap().len(), 4);
    assert!(source.stop().success());

    let url = TestCluster::shared().database_url().await;
    let s3 = S3Server::start(Kind::Moto);
    s3.create_bucket(BUCKET);
    let out = migrate(
        &source.data_dir,
        &s3_target_env(&s3),
        &["--to", &url, "--store", &format!("s3://{BUCKET}/scaled")],
    );
    assert_migrated(&out);
    let log = stderr(&out);
    assert!(log.contains("catalog assets: 3/3"), "{log}");
    assert!(log.contains("catalog albums: 1/1"), "{log}");
    assert!(log.contains("blobs: "), "{log}");
    assert!(log.contains("an exact copy"), "{log}");

    // The scale-out install serves the same things.
    let scaled_env: Vec<(&'static str, String)> = s3_source_env(&s3, "scaled")
        .into_iter()
        .chain([("FERROTYPE_DATABASE_URL", url.clone())])
        .collect();
    let mut scaled = Server::start_with(&env_refs(&scaled_env));
    assert_eq!(snapshot(&scaled).await, before);
    assert!(scaled.stop().success());

    // A second run finds everything there.
    let out = migrate(
        &source.data_dir,
        &s3_target_env(&s3),
        &["--to", &url, "--store", &format!("s3://{BUCKET}/scaled")],
    );
    assert_migrated(&out);
    assert!(stderr(&out).contains("resuming"), "{}", stderr(&out));

    // And back: PostgreSQL and S3 (the source now, by its configuration) into a fresh folder.
    let back = tempfile::tempdir().unwrap();
    let folder = back.path().join("data");
    let folder_arg = folder.to_str().unwrap();
    let out = migrate(
        &scaled.data_dir,
        &scaled_env,
        &["--to", folder_arg, "--store", folder_arg],
    );
    assert_migrated(&out);
    let home = Server::start_in(&folder, &[]);
    assert_eq!(snapshot(&home).await, before);
    // An upload after the move continues the job ids above the copied ones.
    let admin = login(&home, "admin@example.com", "admin-password").await;
    let r = admin.upload("new.jpg", fake_jpeg(3, 3000)).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
}

/// A copy stopped half-way (as by a crash, after a few writes) is finished by running migrate
/// again; a first pass while the source is served, then a last one after it stopped, give an
/// exact copy with what was uploaded in between.
#[tokio::test]
async fn an_interrupted_copy_is_finished_by_running_again() {
    let mut source = Server::start();
    let admin = fill(&source).await;
    let url = TestCluster::shared().database_url().await;
    let target = tempfile::tempdir().unwrap();
    let store = target.path().to_str().unwrap();
    let args = ["--to", url.as_str(), "--store", store, "--batch-rows", "2"];

    // Cut short after four writes, while the server is running.
    let out = migrate(
        &source.data_dir,
        &[("FERROTYPE_MIGRATE_STOP_AFTER", "4".to_string())],
        &args,
    );
    assert_eq!(out.status.code(), Some(99), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the source is being served"),
        "{}",
        stderr(&out)
    );

    // Another upload, then the server stops: the last pass copies everything.
    let extra = admin.upload("late.jpg", fake_jpeg(11, 4000)).await;
    assert_eq!(extra.status, 201);
    wait_for_media_jobs(&admin).await;
    let before = snapshot_ids(&source).await;
    assert!(source.stop().success());
    let out = migrate(&source.data_dir, &[], &args);
    assert_migrated(&out);
    assert!(stderr(&out).contains("resuming"), "{}", stderr(&out));

    // The blobs went to the target folder: the moved server's data folder.
    let moved = Server::start_in(target.path(), &[("FERROTYPE_DATABASE_URL", url.as_str())]);
    assert_eq!(snapshot_ids(&moved).await, before);
    let client = login(&moved, "admin@example.com", "admin-password").await;
    let id = extra.json()["id"].as_str().unwrap().to_string();
    let r = client.get(&format!("/api/assets/{id}/original")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, fake_jpeg(11, 4000));
}

/// The asset ids of the timeline and the albums, for installs holding files that are not fixtures.
async fn snapshot_ids(server: &Server) -> Value {
    let client = login(server, "admin@example.com", "admin-password").await;
    let (buckets, mut ids) = timeline_ids(&client).await;
    ids.sort_by_key(|v| v.as_str().unwrap().to_string());
    let albums = client.get("/api/albums").await.json();
    json!({"buckets": buckets, "ids": ids, "albums": albums.as_array().unwrap().len()})
}

/// Refusals, each with a clear reason and a non-zero exit, none touching the source.
#[tokio::test]
async fn bad_targets_are_refused_and_the_source_is_left_alone() {
    let mut source = Server::start();
    fill(&source).await;
    let before = snapshot_ids(&source).await;
    assert!(source.stop().success());
    let files_before = source.stored_files();

    // Nobody listens there.
    let temp = tempfile::tempdir().unwrap();
    let store = temp.path().join("store");
    let store = store.to_str().unwrap();
    let out = migrate(
        &source.data_dir,
        &[],
        &[
            "--to",
            "postgres://ferrotype@127.0.0.1:1/none",
            "--store",
            store,
        ],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(
            "cannot open the target catalog, PostgreSQL postgres://ferrotype@127.0.0.1:1/none"
        ),
        "{}",
        stderr(&out)
    );

    // Not a catalog URL, and an S3 store without credentials.
    let out = migrate(
        &source.data_dir,
        &[],
        &["--to", "mysql://db/x", "--store", store],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("neither a postgres:// URL"),
        "{}",
        stderr(&out)
    );
    let folder = temp.path().join("empty");
    let out = migrate(
        &source.data_dir,
        &[],
        &[
            "--to",
            folder.to_str().unwrap(),
            "--store",
            "s3://some-bucket/x",
        ],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("an S3 target needs --s3-access-key-id"),
        "{}",
        stderr(&out)
    );

    // A target that holds another install (its own admin, its own history).
    let mut other = Server::start();
    admin(&other).await;
    assert!(other.stop().success());
    let dir = other.data_dir.to_str().unwrap();
    let out = migrate(&source.data_dir, &[], &["--to", dir, "--store", dir]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the target already holds another Ferrotype install"),
        "{}",
        stderr(&out)
    );

    // A target whose schema differs (a column this Ferrotype does not know).
    let odd = temp.path().join("odd");
    std::fs::create_dir_all(&odd).unwrap();
    drop(ferrotype_catalog::SqliteCatalog::open(&odd.join("ferrotype.db")).unwrap());
    rusqlite::Connection::open(odd.join("ferrotype.db"))
        .unwrap()
        .execute_batch("ALTER TABLE albums ADD COLUMN colour TEXT")
        .unwrap();
    let odd_arg = odd.to_str().unwrap();
    let out = migrate(
        &source.data_dir,
        &[],
        &["--to", odd_arg, "--store", odd_arg],
    );
    assert!(!out.status.success());
    let log = stderr(&out);
    assert!(
        log.contains("the source and target schemas differ"),
        "{log}"
    );
    assert!(
        log.contains("column albums.colour is only in the target"),
        "{log}"
    );

    // The target is the source.
    let own = source.data_dir.to_str().unwrap();
    let out = migrate(&source.data_dir, &[], &["--to", own, "--store", store]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the source's own catalog"),
        "{}",
        stderr(&out)
    );

    // The source is as it was.
    assert_eq!(source.stored_files(), files_before);
    source.restart();
    assert_eq!(snapshot_ids(&source).await, before);
}
