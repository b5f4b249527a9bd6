//! End-to-end ingest: 500 camera-sized photos through upload, metadata extraction and
//! thumbnails on the real server, and the server's memory meanwhile.
//!
//! Makes 5 base photos of 12 to 24 MP from the fixture photos (the media benchmark's
//! `photos.rs`), uploads 500 distinct copies of them (each with its own JPEG comment, so each has
//! its own SHA-1) over 4 connections to the real `ferrotype` binary (release build) at its default
//! job concurrency, and waits until the metadataExtraction and thumbnailGeneration queues are
//! drained. Prints photos per second from the first upload to the drained queues, and the
//! server's peak RSS (`VmHWM`; exiftool's processes are not counted), judged against the target:
//! peak RSS < 400 MB. MB here is 10^6 bytes.
//!
//! Run with `cargo bench -p ferrotype --bench ingest`. Not a test: without cargo bench's
//! `--bench` argument (as under `cargo test --all-targets`) it does nothing.

#[path = "../tests/integration/common/mod.rs"]
mod common;
#[path = "../../ferrotype-media/benches/photos/mod.rs"]
mod photos;
mod support;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Client, Server};
use serde_json::Value;
use support::{
    MB, PHOTO_BASES, kb_to_mb, loadavg, proc_status_kb, run_folder, upload_concurrently, verdict,
};

const PHOTOS: usize = 500;
const CONNECTIONS: usize = 4;
const TARGET_RSS_MB: f64 = 400.0;
/// Give up waiting for the queues after this long.
const DRAIN_LIMIT: Duration = Duration::from_secs(1800);

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "ingest benchmark: skipped (run it with `cargo bench -p ferrotype --bench ingest`)"
        );
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let ok = runtime.block_on(run());
    if !ok {
        std::process::exit(1);
    }
}

/// Photo `i`: base `i % 5` with its own comment.
fn photo(bases: &[Vec<u8>], i: usize) -> Vec<u8> {
    photos::with_comment(
        &bases[i % bases.len()],
        &format!("ferrotype ingest benchmark, copy {i}"),
    )
}

async fn queue_stats(admin: &Client, queue: &str) -> Value {
    admin.get(&format!("/api/queues/{queue}")).await.json()["statistics"].clone()
}

fn idle(stats: &Value) -> bool {
    stats["waiting"] == 0 && stats["active"] == 0 && stats["delayed"] == 0
}

fn count(stats: &Value, field: &str) -> u64 {
    stats[field].as_u64().unwrap_or(0)
}

/// Waits until both queues are idle and every photo's thumbnails job has finished. Returns
/// the final statistics of both, or None after `DRAIN_LIMIT`.
async fn drained(admin: &Client, started: Instant) -> Option<(Value, Value)> {
    loop {
        let metadata = queue_stats(admin, "metadataExtraction").await;
        let thumbnails = queue_stats(admin, "thumbnailGeneration").await;
        let done = count(&thumbnails, "completed") + count(&thumbnails, "failed");
        // Metadata failures queue no thumbnails job.
        let expected = PHOTOS as u64 - count(&metadata, "failed");
        if idle(&metadata) && idle(&thumbnails) && done >= expected {
            return Some((metadata, thumbnails));
        }
        if started.elapsed() > DRAIN_LIMIT {
            println!("queues not drained after {DRAIN_LIMIT:?}: {metadata} {thumbnails}");
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// User + system CPU seconds a process has used so far (USER_HZ = 100).
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("proc stat");
    let rest = &stat[stat.rfind(')').expect("proc stat format") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
}

/// The server's child processes (exiftool, ffmpeg), from `/proc/<pid>/task/*/children`.
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|c| {
            c.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// CPU seconds used so far by the server's children that are still running (exiftool stays).
fn children_cpu_seconds(pid: u32) -> f64 {
    children(pid)
        .into_iter()
        .filter_map(|c| std::fs::read_to_string(format!("/proc/{c}/stat")).ok())
        .map(|stat| {
            let rest = &stat[stat.rfind(')').expect("proc stat format") + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
        })
        .sum()
}

async fn run() -> bool {
    let temp = run_folder("ingest-bench");
    let data_dir = temp.path().join("data");

    let generated = Instant::now();
    let sources = photos::fixture_photos(&common::fixtures());
    let bases: Vec<Vec<u8>> = PHOTO_BASES
        .iter()
        .map(|&(w, h, seed)| photos::encode_jpeg(&photos::camera_like(&sources, w, h, seed), 90))
        .collect();
    drop(sources);
    let mean_mp = PHOTO_BASES
        .iter()
        .map(|(w, h, _)| (w * h) as f64)
        .sum::<f64>()
        / PHOTO_BASES.len() as f64
        / 1e6;
    let total_bytes: usize = (0..PHOTOS).map(|i| bases[i % bases.len()].len()).sum();
    println!(
        "generated {} base photos (12-24 MP, mean {mean_mp:.1} MP, q90) in {:.1}s; \
         {PHOTOS} distinct copies, {:.0} MB in all",
        bases.len(),
        generated.elapsed().as_secs_f64(),
        total_bytes as f64 / MB
    );

    let mut server = Server::start_in(&data_dir, &[]);
    let admin = common::admin(&server).await;
    let pid = server.pid();
    let idle_rss_kb = proc_status_kb(pid, "VmRSS");
    let cpu0 = cpu_seconds(pid);
    let children_cpu0 = children_cpu_seconds(pid);

    let load_before = loadavg();
    let started = Instant::now();
    let bases = Arc::new(bases);
    let uploaded = upload_concurrently(&admin, "ingest", PHOTOS, CONNECTIONS, move |i| {
        Cow::Owned(photo(&bases, i))
    })
    .await;
    let upload_rss_kb = proc_status_kb(pid, "VmHWM");
    let stats = drained(&admin, started).await;
    let elapsed = started.elapsed();
    let cpu = cpu_seconds(pid) - cpu0;
    let children_cpu = children_cpu_seconds(pid) - children_cpu0;
    let peak_rss_kb = proc_status_kb(pid, "VmHWM");
    let after_rss_kb = proc_status_kb(pid, "VmRSS");

    let Some((metadata, thumbnails)) = stats else {
        server.stop();
        return false;
    };
    let total = admin.get("/api/assets/statistics").await.json()["total"]
        .as_u64()
        .unwrap_or(0);
    let failed = count(&metadata, "failed") + count(&thumbnails, "failed");
    let verified = total == PHOTOS as u64
        && failed == 0
        && count(&metadata, "completed") == PHOTOS as u64
        && count(&thumbnails, "completed") == PHOTOS as u64;
    let rate = PHOTOS as f64 / elapsed.as_secs_f64();
    let peak_mb = kb_to_mb(peak_rss_kb);

    println!();
    println!("{:<40} {:>12}", "photos", PHOTOS);
    println!(
        "{:<40} {:>12.1}",
        "seconds, upload only",
        uploaded.as_secs_f64()
    );
    println!(
        "{:<40} {:>12.1}",
        "seconds, first upload to drained queues",
        elapsed.as_secs_f64()
    );
    println!("{:<40} {:>12.2}", "photos per second", rate);
    println!(
        "{:<40} {:>12.1}   target <  {TARGET_RSS_MB:.0} MB  {}",
        "server peak RSS (VmHWM), MB",
        peak_mb,
        verdict(peak_mb < TARGET_RSS_MB)
    );
    println!(
        "{:<40} {:>12.1}",
        "server peak RSS by the end of uploads, MB",
        kb_to_mb(upload_rss_kb)
    );
    println!(
        "{:<40} {:>12.1}",
        "server RSS idle before, MB",
        kb_to_mb(idle_rss_kb)
    );
    println!(
        "{:<40} {:>12.1}",
        "server RSS after, MB",
        kb_to_mb(after_rss_kb)
    );
    println!("{:<40} {:>12.1}", "server CPU seconds (user + system)", cpu);
    println!(
        "{:<40} {:>12.1}",
        "its exiftool processes' CPU seconds", children_cpu
    );
    println!(
        "{:<40} {:>12.0}   (on a quiet machine: cores / this = photos/s)",
        "CPU ms per photo, server + exiftool",
        (cpu + children_cpu) * 1000.0 / PHOTOS as f64
    );
    println!(
        "{:<40} {:>12}   then {}",
        "load average before (1 5 15 min)",
        load_before,
        loadavg()
    );
    println!(
        "{:<40} {:>12}   {}",
        "assets / metadata / thumbnails done",
        format!(
            "{total}/{}/{}",
            count(&metadata, "completed"),
            count(&thumbnails, "completed")
        ),
        verdict(verified)
    );
    if !verified {
        println!("verification failed: metadata {metadata}, thumbnails {thumbnails}");
        for queue in ["metadataExtraction", "thumbnailGeneration"] {
            let jobs = admin
                .get(&format!("/api/queues/{queue}/jobs?status=failed"))
                .await
                .json();
            for job in jobs.as_array().into_iter().flatten().take(5) {
                println!("  failed {queue}: {}", job["data"]);
            }
        }
    }

    let status = server.stop();
    if !status.success() {
        println!("server exit status: {status}");
    }
    verified
}
