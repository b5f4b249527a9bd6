//! The scale-out backends measured (issue #12), each against its reference in the same run:
//!
//! 1. Upload throughput to S3 (an s3s-fs server on this machine, on the same disk) against the
//!    local store: 100 distinct 5 MB files over 8 connections to a release server on SQLite,
//!    once per store. Prints MB/s of each and the ratio S3 / local.
//! 2. Ingest with 1 worker process against 3, on PostgreSQL (a throwaway cluster) and S3:
//!    one `serve --role api` process takes 120 photos of 12-24 MP over 4 connections, and the
//!    worker processes (`serve --role worker`, default concurrency each) extract metadata and
//!    make thumbnails until the queues are drained. Prints photos per second of each and the
//!    scaling ratio 3 / 1. The machine's cores bound that ratio: on 2 cores one worker process
//!    already keeps both busy, so processes add no CPU there; the figure shows what they cost.
//!
//! Run with `cargo bench -p ferrotype --bench scale_out`. Not a test: without cargo bench's
//! `--bench` argument (as under `cargo test --all-targets`) it does nothing.

#[path = "../tests/integration/common/mod.rs"]
mod common;
#[path = "../../ferrotype-media/benches/photos/mod.rs"]
mod photos;
#[path = "../../ferrotype-s3/tests/support/mod.rs"]
mod s3_servers;
mod support;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Server, Worker};
use s3_servers::{Kind, S3Server};
use serde_json::Value;
use support::{MB, PHOTO_BASES, loadavg, run_folder, upload_concurrently};

const FILES: usize = 100;
const FILE_SIZE: usize = 5_000_000;
const UPLOAD_CONNECTIONS: usize = 8;
const PHOTOS: usize = 120;
const INGEST_CONNECTIONS: usize = 4;
const DRAIN_LIMIT: Duration = Duration::from_secs(1800);

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "scale-out benchmark: skipped (run it with `cargo bench -p ferrotype --bench scale_out`)"
        );
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let ok = runtime.block_on(run());
    if !ok {
        std::process::exit(1);
    }
}

/// A store's settings: an s3s-fs bucket (the server's data folder stays local).
fn s3_settings(s3: &S3Server, bucket: &str) -> Vec<(&'static str, String)> {
    s3.create_bucket(bucket);
    vec![
        ("FERROTYPE_STORAGE_URL", format!("s3://{bucket}/library")),
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

fn borrowed<'a>(settings: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    settings.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// MB/s of `FILES` uploads to a fresh release server with these settings.
async fn upload_rate(
    settings: &[(&'static str, String)],
    payloads: &Arc<Vec<&'static [u8]>>,
) -> f64 {
    let temp = run_folder("scale-out-bench");
    let mut server = Server::start_in(&temp.path().join("data"), &borrowed(settings));
    let admin = common::admin(&server).await;
    let payloads = payloads.clone();
    let elapsed = upload_concurrently(&admin, "bench", FILES, UPLOAD_CONNECTIONS, move |i| {
        Cow::Borrowed(payloads[i])
    })
    .await;
    let total = admin.get("/api/assets/statistics").await.json()["total"]
        .as_u64()
        .unwrap_or(0);
    assert_eq!(total, FILES as u64, "every upload stored");
    server.stop();
    (FILES * FILE_SIZE) as f64 / MB / elapsed.as_secs_f64()
}

fn count(stats: &Value, field: &str) -> u64 {
    stats[field].as_u64().unwrap_or(0)
}

/// Photos per second through upload, metadata and thumbnails with `workers` worker processes
/// on a fresh database and bucket; None when the queues did not drain or anything failed.
async fn ingest_rate(s3: &S3Server, workers: usize, bases: &Arc<Vec<Vec<u8>>>) -> Option<f64> {
    let url = ferrotype_postgres::testing::TestCluster::shared()
        .database_url()
        .await;
    let mut settings = s3_settings(s3, &format!("ingest-{workers}"));
    settings.push(("FERROTYPE_DATABASE_URL", url));
    let shared = borrowed(&settings);
    let mut api_env = shared.clone();
    api_env.push(("FERROTYPE_ROLE", "api"));
    let mut api = Server::start_with(&api_env);
    let admin = common::admin(&api).await;
    let mut running: Vec<Worker> = (0..workers).map(|_| Worker::start(&shared, &[])).collect();

    let started = Instant::now();
    let bases = bases.clone();
    upload_concurrently(&admin, "ingest", PHOTOS, INGEST_CONNECTIONS, move |i| {
        Cow::Owned(photos::with_comment(
            &bases[i % bases.len()],
            &format!("ferrotype scale-out benchmark, copy {i}"),
        ))
    })
    .await;
    let drained = loop {
        let metadata = common::queue_statistics(&admin, "metadataExtraction").await;
        let thumbnails = common::queue_statistics(&admin, "thumbnailGeneration").await;
        if count(&metadata, "completed") + count(&metadata, "failed") >= PHOTOS as u64
            && count(&thumbnails, "completed") + count(&thumbnails, "failed")
                >= PHOTOS as u64 - count(&metadata, "failed")
        {
            break Some((metadata, thumbnails));
        }
        if started.elapsed() > DRAIN_LIMIT {
            println!("queues not drained after {DRAIN_LIMIT:?}: {metadata} {thumbnails}");
            break None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let elapsed = started.elapsed();
    for worker in &mut running {
        worker.stop();
    }
    api.stop();
    let (metadata, thumbnails) = drained?;
    if count(&metadata, "failed") + count(&thumbnails, "failed") > 0 {
        println!("jobs failed: {metadata} {thumbnails}");
        return None;
    }
    Some(PHOTOS as f64 / elapsed.as_secs_f64())
}

async fn run() -> bool {
    println!("load average before: {}", loadavg());
    let s3 = S3Server::start(Kind::S3sFs);

    // 1. Uploads: local store against S3.
    let payloads: Arc<Vec<&'static [u8]>> = Arc::new(
        (0..FILES)
            .map(|i| &*common::fake_jpeg(0x5CA1_0000 + i as u64, FILE_SIZE).leak())
            .collect(),
    );
    let local = upload_rate(&[], &payloads).await;
    let to_s3 = upload_rate(&s3_settings(&s3, "uploads"), &payloads).await;
    println!(
        "upload, {FILES} x {FILE_SIZE} bytes over {UPLOAD_CONNECTIONS} connections (SQLite): \
         local store {local:.0} MB/s, S3 (s3s-fs, same disk) {to_s3:.0} MB/s, ratio {:.2}",
        to_s3 / local
    );

    // 2. Ingest on PostgreSQL + S3: 1 worker process against 3.
    let sources = photos::fixture_photos(&common::fixtures());
    let bases: Arc<Vec<Vec<u8>>> = Arc::new(
        PHOTO_BASES
            .iter()
            .map(|&(w, h, seed)| {
                photos::encode_jpeg(&photos::camera_like(&sources, w, h, seed), 90)
            })
            .collect(),
    );
    drop(sources);
    let Some(one) = ingest_rate(&s3, 1, &bases).await else {
        return false;
    };
    let Some(three) = ingest_rate(&s3, 3, &bases).await else {
        return false;
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "ingest, {PHOTOS} photos of 12-24 MP (PostgreSQL + S3, 1 API process, {cores} cores): \
         1 worker process {one:.2} photos/s, 3 worker processes {three:.2} photos/s, \
         scaling ratio {:.2}",
        three / one
    );
    println!("load average after: {}", loadavg());
    true
}
