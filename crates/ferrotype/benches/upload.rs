//! Upload throughput and server memory, against the disk it writes to.
//!
//! Uploads 200 distinct 5 MB files over 8 concurrent connections on loopback to the real
//! `ferrotype` binary (release build), and in the same run writes the same bytes to files on the
//! same file system with the same durability as the server (each file synced, renamed into a
//! nested folder, that folder synced; 8 writers). Prints both rates, their ratio, and the server's
//! peak RSS (`VmHWM`), judged against the targets: upload >= 50% of the disk reference, peak RSS
//! < 100 MB. MB here is 10^6 bytes.
//!
//! Run with `cargo bench -p ferrotype --bench upload`. Not a test: without cargo bench's
//! `--bench` argument (as under `cargo test --all-targets`) it does nothing.

#[path = "../tests/integration/common/mod.rs"]
mod common;
mod support;

use std::borrow::Cow;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::Server;
use support::{MB, kb_to_mb, proc_status_kb, run_folder, upload_concurrently, verdict};

const FILES: usize = 200;
const FILE_SIZE: usize = 5_000_000;
const CONNECTIONS: usize = 8;
/// The server buffers its staging writes in 1 MiB; the reference writes in the same pieces.
const WRITE_CHUNK: usize = 1 << 20;
const TARGET_RATIO: f64 = 0.5;
const TARGET_RSS_MB: f64 = 100.0;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "upload benchmark: skipped (run it with `cargo bench -p ferrotype --bench upload`)"
        );
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let ok = runtime.block_on(run());
    if !ok {
        std::process::exit(1);
    }
}

/// 200 distinct payloads, generated before anything is timed. Leaked so that each upload can
/// borrow its bytes without a copy for the whole run.
fn payloads() -> Vec<&'static [u8]> {
    (0..FILES)
        .map(|i| &*common::fake_jpeg(0xBE7C_0000 + i as u64, FILE_SIZE).leak())
        .collect()
}

/// Two hex levels from the file number, spread like the server's `ab/cd/<uuid>` keys.
fn nested(i: usize) -> (String, String) {
    let h = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (
        format!("{:02x}", h >> 56),
        format!("{:02x}", (h >> 48) & 0xff),
    )
}

/// The physical reference: the same bytes, the same durability steps as the server's upload
/// (create a staging file, write it in 1 MiB pieces, fsync it, rename it into a nested folder
/// created on demand, fsync that folder), 8 writers at once. Returns the elapsed time.
fn disk_reference(dir: &Path, payloads: &[&'static [u8]]) -> Duration {
    let staging = dir.join("staging");
    let store = dir.join("store");
    std::fs::create_dir_all(&staging).expect("reference staging folder");
    std::fs::create_dir_all(&store).expect("reference store folder");
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..CONNECTIONS {
            let next = next.clone();
            let (staging, store) = (&staging, &store);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(bytes) = payloads.get(i) else { break };
                    let part = staging.join(format!("{i}.part"));
                    let mut file = File::create(&part).expect("create reference file");
                    for chunk in bytes.chunks(WRITE_CHUNK) {
                        file.write_all(chunk).expect("write reference file");
                    }
                    file.sync_all().expect("fsync reference file");
                    drop(file);
                    let (a, b) = nested(i);
                    let parent = store.join(a).join(b);
                    std::fs::create_dir_all(&parent).expect("reference folder");
                    std::fs::rename(&part, parent.join(format!("{i}.jpg"))).expect("rename");
                    File::open(&parent)
                        .and_then(|d| d.sync_all())
                        .expect("fsync reference folder");
                }
            });
        }
    });
    started.elapsed()
}

/// User and system CPU seconds a process has used so far, from `/proc/<pid>/stat` (in USER_HZ,
/// which is 100 on Linux).
fn cpu_seconds(pid: &str) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("proc stat");
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')').expect("proc stat format") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let ticks = |i: usize| fields[i].parse::<f64>().expect("proc stat ticks") / 100.0;
    (ticks(11), ticks(12))
}

async fn run() -> bool {
    let temp = run_folder("upload-bench");
    let data_dir = temp.path().join("data");
    let reference_dir = temp.path().join("reference");
    std::fs::create_dir_all(&reference_dir).expect("reference folder");

    let generated = Instant::now();
    let payloads = payloads();
    let total_bytes = (FILES * FILE_SIZE) as u64;
    println!(
        "generated {FILES} distinct payloads of {FILE_SIZE} bytes in {:.2}s",
        generated.elapsed().as_secs_f64()
    );

    let mut server = Server::start_in(&data_dir, &[]);
    let admin = common::admin(&server).await;
    let pid = server.pid();
    let idle_rss_kb = proc_status_kb(pid, "VmRSS");

    let data_dev = std::fs::metadata(&data_dir).expect("data folder").dev();
    let reference_dev = std::fs::metadata(&reference_dir)
        .expect("reference folder")
        .dev();
    println!("server data folder: {}", data_dir.display());
    println!("disk reference:     {}", reference_dir.display());
    println!(
        "same file system:   {} (st_dev {data_dev:#x} / {reference_dev:#x})",
        data_dev == reference_dev
    );

    let reference = disk_reference(&reference_dir, &payloads);
    let (server_user0, server_sys0) = cpu_seconds(&pid.to_string());
    let (client_user0, client_sys0) = cpu_seconds("self");
    let shared = Arc::new(payloads.clone());
    let upload = upload_concurrently(&admin, "bench", FILES, CONNECTIONS, move |i| {
        Cow::Borrowed(shared[i])
    })
    .await;
    let (server_user1, server_sys1) = cpu_seconds(&pid.to_string());
    let (client_user1, client_sys1) = cpu_seconds("self");
    let peak_rss_kb = proc_status_kb(pid, "VmHWM");
    let after_rss_kb = proc_status_kb(pid, "VmRSS");

    // Honesty checks: the server holds 200 assets, and 200 files outside staging.
    let stats = admin.get("/api/assets/statistics").await;
    let total = stats.json()["total"].as_u64().unwrap_or(0);
    let stored = server
        .stored_files()
        .iter()
        .filter(|f| !f.starts_with("upload/.staging"))
        .count();
    let staged_left = server.stored_files().len() - stored;

    let upload_mbps = total_bytes as f64 / MB / upload.as_secs_f64();
    let reference_mbps = total_bytes as f64 / MB / reference.as_secs_f64();
    let ratio = upload_mbps / reference_mbps;
    let peak_mb = kb_to_mb(peak_rss_kb);
    let verified = total == FILES as u64 && stored == FILES && staged_left == 0;

    println!();
    println!(
        "{:<34} {:>14} {:>14}",
        "", "upload (HTTP)", "disk reference"
    );
    println!("{:<34} {:>14} {:>14}", "files", FILES, FILES);
    println!("{:<34} {:>14} {:>14}", "bytes", total_bytes, total_bytes);
    println!(
        "{:<34} {:>14} {:>14}",
        "concurrency", CONNECTIONS, CONNECTIONS
    );
    println!(
        "{:<34} {:>14.3} {:>14.3}",
        "seconds",
        upload.as_secs_f64(),
        reference.as_secs_f64()
    );
    println!(
        "{:<34} {:>14.1} {:>14.1}",
        "MB/s", upload_mbps, reference_mbps
    );
    println!();
    println!(
        "{:<34} {:>14.3}   target >= {TARGET_RATIO:.2}  {}",
        "ratio upload / disk reference",
        ratio,
        verdict(ratio >= TARGET_RATIO)
    );
    println!(
        "{:<34} {:>14.1}   target <  {TARGET_RSS_MB:.0} MB  {}",
        "server peak RSS (VmHWM), MB",
        peak_mb,
        verdict(peak_mb < TARGET_RSS_MB)
    );
    println!(
        "{:<34} {:>14.1}",
        "server RSS idle before, MB",
        kb_to_mb(idle_rss_kb)
    );
    println!(
        "{:<34} {:>14.1}",
        "server RSS after, MB",
        kb_to_mb(after_rss_kb)
    );
    println!(
        "{:<34} {:>14}",
        "CPU s during upload: server",
        format!(
            "{:.2}u {:.2}s",
            server_user1 - server_user0,
            server_sys1 - server_sys0
        )
    );
    println!(
        "{:<34} {:>14}",
        "CPU s during upload: client",
        format!(
            "{:.2}u {:.2}s",
            client_user1 - client_user0,
            client_sys1 - client_sys0
        )
    );
    println!(
        "{:<34} {:>14}   {}",
        "assets stored (statistics total)",
        total,
        verdict(verified)
    );
    if !verified {
        println!(
            "verification failed: statistics total {total}, {stored} stored files, \
             {staged_left} left in staging; expected {FILES}, {FILES}, 0"
        );
    }

    let status = server.stop();
    if !status.success() {
        println!("server exit status: {status}");
    }
    verified
}
