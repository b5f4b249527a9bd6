//! Many processes on one PostgreSQL database and one S3 bucket (`serve --role api|worker`):
//! two API processes and a worker process, each with its own data folder, serve one library;
//! what one process does, the others see (events over the catalog's bus, the system config).

use std::process::Command;
use std::time::Duration;

use ferrotype_core::catalog::InstanceRepo;
use ferrotype_postgres::testing::TestCluster;
use serde_json::json;

use crate::common::*;
use crate::compat_support::{ensure_installed, open_sockets};
use crate::events::{bearer, expect_event, socket, token};
use crate::s3::s3_servers::{Kind, S3Server};
use crate::s3::{BUCKET, s3_env};

/// What the processes of one install share: a fresh database of the throwaway cluster and an
/// s3s-fs bucket; and the settings that put a process on them.
struct SharedBackends {
    _s3: S3Server,
    url: String,
    settings: Vec<(&'static str, String)>,
}

impl SharedBackends {
    async fn start() -> SharedBackends {
        let url = TestCluster::shared().database_url().await;
        let s3 = S3Server::start(Kind::S3sFs);
        s3.create_bucket(BUCKET);
        let mut settings = s3_env(&s3);
        settings.push(("FERROTYPE_DATABASE_URL", url.clone()));
        SharedBackends {
            _s3: s3,
            url,
            settings,
        }
    }

    /// A worker's (or an `all` process's) settings.
    fn env(&self) -> Vec<(&str, &str)> {
        self.settings
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect()
    }

    /// An API process's settings.
    fn api_env(&self) -> Vec<(&str, &str)> {
        let mut env = self.env();
        env.push(("FERROTYPE_ROLE", "api"));
        env
    }
}

#[tokio::test]
async fn api_and_worker_processes_share_one_database_and_bucket() {
    ensure_installed();
    let backends = SharedBackends::start().await;
    let (url, shared, api_env) = (&backends.url, backends.env(), backends.api_env());
    let mut first = Server::start_with(&api_env);
    let mut second = Server::start_with(&api_env);
    let mut worker = Worker::start(&shared, &[]);

    let on_first = admin(&first).await;
    let on_second = login(&second, "admin@example.com", "admin-password").await;
    let plans = json!([socket(
        "admin-on-second",
        "websocket",
        bearer(&token(&on_second))
    )]);
    let mut script = open_sockets(&second.base, &plans, Duration::from_secs(60));

    // Uploaded through the first API process, processed by the worker process, announced to
    // the socket connected to the second, and served by it from the bucket.
    let photo = upload_path(&on_first, &fixtures().join("nature/el_torcal_rocks.jpg")).await;
    let args = expect_event(&mut script, "admin-on-second", "on_upload_success", |a| {
        a[0]["id"] == photo.as_str()
    });
    assert!(args[0]["thumbhash"].is_string(), "{args}");
    let thumbnail = on_second
        .get(&format!("/api/assets/{photo}/thumbnail"))
        .await;
    assert_eq!(thumbnail.status, 200);

    // The system config changed through the first is live on the second at once (every
    // process reads it again), and the second's sockets hear of it.
    let mut config = on_first.get("/api/system-config").await.json();
    assert_eq!(config["trash"]["days"], 30);
    config["trash"]["days"] = json!(7);
    let r = on_first.put("/api/system-config", config).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    expect_event(&mut script, "admin-on-second", "on_config_update", |_| true);
    let seen = on_second.get("/api/system-config").await.json();
    assert_eq!(seen["trash"]["days"], 7);

    // Each process says it is alive, under its role; a clean stop takes it off the list.
    let catalog = ferrotype_postgres::PgCatalog::connect(url).await.unwrap();
    let mut roles: Vec<String> = catalog
        .live_instances()
        .await
        .unwrap()
        .into_iter()
        .map(|(_, role)| role)
        .collect();
    roles.sort();
    assert_eq!(roles, ["api", "api", "worker"]);
    drop(script);
    assert!(worker.stop().success());
    assert!(first.stop().success());
    assert!(second.stop().success());
    assert!(catalog.live_instances().await.unwrap().is_empty());
}

/// Roles other than `all` need PostgreSQL (a SQLite catalog belongs to one process), and
/// `--queues` takes Immich's queue names only; a refused start leaves no catalog behind.
#[test]
fn roles_and_queues_are_checked_at_start() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ferrotype"))
            .arg("serve")
            .args(args)
            .arg("--data-dir")
            .arg(data.path())
            .env("FERROTYPE_SERVER_LISTEN", "127.0.0.1:0")
            .output()
            .unwrap()
    };
    let out = run(&["--role", "api"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("serve --role api needs a PostgreSQL catalog (database.url)"),
        "{stderr}"
    );
    let out = run(&["--queues", "thumbnailGeneration,nope"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown queue \"nope\""), "{stderr}");
    assert!(stderr.contains("thumbnailGeneration"), "{stderr}");
    let out = run(&["--role", "nobody"]);
    assert!(!out.status.success());
    assert!(!data.path().join("ferrotype.db").exists());
}

/// Waits (10 s at most) until the worker process `pid` holds active jobs; returns how many.
async fn wait_for_jobs_held_by(url: &str, pid: u32) -> i64 {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    for _ in 0..1000 {
        let held: i64 = client
            .query_one(
                "SELECT count(*) FROM jobs WHERE status = 'active' AND worker LIKE $1",
                &[&format!("%-{pid}")],
            )
            .await
            .unwrap()
            .get(0);
        if held > 0 {
            return held;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the worker {pid} never held a job");
}

/// A small real JPEG, different for each `seed` (so every upload is a new asset).
fn small_jpeg(seed: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([seed as u8, (seed >> 8) as u8, (x * 4 + y) as u8])
    });
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    bytes
}

/// Issue #12's crash test: 2 API processes and 3 worker processes on one database and one
/// bucket; 500 uploads spread over both API processes; one worker SIGKILLed while jobs run.
/// Every job is completed exactly once (the queues' completed counts equal the uploads: a job
/// the killed worker held is taken over when its lease runs out, and its first run never
/// completes), every asset has its thumbnails, nothing failed, and a client connected to the
/// other API process hears of every upload.
#[tokio::test]
async fn a_worker_killed_mid_job_loses_nothing_and_repeats_nothing() {
    const UPLOADS: u32 = 500;
    ensure_installed();
    let backends = SharedBackends::start().await;
    let (url, shared, api_env) = (&backends.url, backends.env(), backends.api_env());
    let first = Server::start_with(&api_env);
    let second = Server::start_with(&api_env);
    let mut doomed = Worker::start(&shared, &[]);
    let _workers = [Worker::start(&shared, &[]), Worker::start(&shared, &[])];

    let on_first = admin(&first).await;
    let on_second = login(&second, "admin@example.com", "admin-password").await;
    let plans = json!([socket("watcher", "websocket", bearer(&token(&on_second)))]);
    let mut script = open_sockets(&second.base, &plans, Duration::from_secs(60));

    // Half through each API process, eight at a time.
    let mut ids = Vec::new();
    let mut killed = false;
    for batch in (0..UPLOADS).collect::<Vec<_>>().chunks(8) {
        let names: Vec<String> = batch.iter().map(|i| format!("crash-{i}.jpg")).collect();
        let uploads = batch.iter().zip(&names).map(|(i, name)| {
            let client = if i % 2 == 0 { &on_first } else { &on_second };
            client.upload(name, small_jpeg(*i))
        });
        for reply in futures_util::future::join_all(uploads).await {
            assert_eq!(
                reply.status,
                201,
                "{}",
                String::from_utf8_lossy(&reply.body)
            );
            ids.push(reply.json()["id"].as_str().unwrap().to_string());
        }
        if !killed && ids.len() >= (UPLOADS / 2) as usize {
            // Mid-ingest, with work queued and running: no chance to release anything.
            let thumbnails = queue_statistics(&on_first, "thumbnailGeneration").await;
            let metadata = queue_statistics(&on_first, "metadataExtraction").await;
            assert!(
                thumbnails["completed"].as_i64().unwrap() + metadata["completed"].as_i64().unwrap()
                    > 0,
                "the workers are working: {metadata} {thumbnails}"
            );
            // Killed while it holds jobs (its runner's id ends with its pid).
            let held = wait_for_jobs_held_by(url, doomed.child.id()).await;
            doomed.kill();
            killed = true;
            eprintln!("killed a worker holding {held} jobs");
        }
    }
    assert!(killed);

    // The killed worker's jobs come back when their leases (30 s) run out.
    // Each link of the chain once: metadata, thumbnails (enqueued by the metadata run's end),
    // the storage template (by the thumbnail run's end).
    let (metadata, thumbnails) = wait_for_media_jobs(&on_first).await;
    let moves = wait_for_queue(&on_first, "storageTemplateMigration").await;
    for (queue, stats) in [
        ("metadata", &metadata),
        ("thumbnails", &thumbnails),
        ("storage template", &moves),
    ] {
        assert_eq!(
            stats["completed"], UPLOADS,
            "{queue}: each job done once: {stats}"
        );
        assert_eq!(stats["failed"], 0, "{queue}: {stats}");
    }
    for id in &ids {
        let asset = on_second.get(&format!("/api/assets/{id}")).await.json();
        assert!(asset["thumbhash"].is_string(), "{asset}");
    }
    let thumbnail = on_second
        .get(&format!("/api/assets/{}/thumbnail", ids[0]))
        .await;
    assert_eq!(thumbnail.status, 200);
    // Every upload heard, the killed worker's too: the event goes out from the transaction
    // that records its thumbnail job done, so a killed worker either sent it or leaves the
    // job to be run again.
    let heard = |lines: &[String], id: &str| {
        lines
            .iter()
            .any(|l| l.starts_with("EVENT watcher on_upload_success") && l.contains(id))
    };
    script.wait_until(
        "on_upload_success for every upload",
        Duration::from_secs(60),
        |lines| ids.iter().all(|id| heard(lines, id)),
    );
}
