//! What the end-to-end benchmarks share: where to put their data, and reading a process's
//! memory and the machine's load from `/proc`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// MB here is 10^6 bytes.
pub const MB: f64 = 1e6;

/// The ingest benchmarks' base photos: width, height, mosaic seed (12, 12 portrait, 16, 20 and
/// 24 MP), made from the fixture photos by the media benchmark's `photos.rs`.
pub const PHOTO_BASES: &[(u32, u32, u64)] = &[
    (4000, 3000, 11),
    (3000, 4000, 12),
    (4608, 3456, 13),
    (5472, 3648, 14),
    (6000, 4000, 15),
];

/// The target folder holding the server binary (`<target>/release/ferrotype`), where the
/// benchmarks keep their data (on the same disk as the build, not in a tmpfs).
pub fn target_dir() -> PathBuf {
    Path::new(super::common::BIN)
        .ancestors()
        .nth(2)
        .expect("the binary sits two levels below the target folder")
        .to_path_buf()
}

/// A `/proc/<pid>/status` field in kB (`VmRSS`, `VmHWM`).
pub fn proc_status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("{field} missing from /proc/{pid}/status"))
}

pub fn kb_to_mb(kb: u64) -> f64 {
    kb as f64 * 1024.0 / MB
}

/// The machine's load average (1, 5, 15 minutes): other work on the machine skews timings.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The machine's CPU time so far, from /proc/stat: (all, busy, stolen), in clock ticks.
/// "Stolen" is time the hypervisor gave this virtual machine's CPUs to others: a run with much
/// of it measured a machine that was not quiet, whatever the load average says.
pub fn cpu_ticks() -> (u64, u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let at = |i: usize| fields.get(i).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal
    let all: u64 = (0..8).map(at).sum();
    let idle = at(3) + at(4);
    (all, all - idle - at(7), at(7))
}

/// What the CPUs did between two `cpu_ticks` readings: "busy N%, stolen M%".
pub fn cpu_share(before: (u64, u64, u64), after: (u64, u64, u64)) -> String {
    let all = after.0.saturating_sub(before.0).max(1) as f64;
    let busy = after.1.saturating_sub(before.1) as f64;
    let stolen = after.2.saturating_sub(before.2) as f64;
    format!(
        "busy {:.0}%, stolen by the hypervisor {:.1}%",
        100.0 * busy / all,
        100.0 * stolen / all
    )
}

pub fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}

/// A fresh folder for one run of `bench`, under the target folder (on the same disk as the
/// build, not in a tmpfs); it goes when the returned guard is dropped.
pub fn run_folder(bench: &str) -> tempfile::TempDir {
    let base = target_dir().join(bench);
    std::fs::create_dir_all(&base).expect("bench folder");
    tempfile::Builder::new()
        .prefix("run-")
        .tempdir_in(&base)
        .expect("bench temp folder")
}

/// The catalog a benchmark runs on: SQLite in the data folder, or with
/// `BENCH_CATALOG=postgres` a database of a throwaway PostgreSQL cluster (the one the
/// tests use; `FERROTYPE_TEST_DATABASE_URL` names an existing server instead).
pub fn catalog_name() -> &'static str {
    match std::env::var("BENCH_CATALOG").as_deref() {
        Ok("postgres") => "PostgreSQL",
        _ => "SQLite",
    }
}

/// A stopped-then-restarted release server whose catalog (see `catalog_name`) holds `count`
/// generated assets of its admin (`admin@example.com`), in a fresh folder under the target
/// folder's `bench` subfolder; the folder goes when the returned guard is dropped.
pub async fn filled_server(
    bench: &str,
    count: usize,
    with_exif: bool,
) -> (super::common::Server, BenchFolder) {
    filled_server_with(bench, count, with_exif, &[]).await
}

/// `filled_server`, then `sql` run on the catalog while the server is stopped (SQLite
/// statements on SQLite, PostgreSQL's on PostgreSQL: `(sqlite, postgres)` pairs), to give the
/// generated assets what a benchmark needs.
///
/// With `BENCH_KEEP=1` (SQLite only) the catalog is kept in `<target>/<bench>/kept-<count>`
/// and reused by the next run instead of filled again (a million assets take about 25
/// minutes to write), for iterating on queries; delete the folder after a schema change.
pub async fn filled_server_with(
    bench: &str,
    count: usize,
    with_exif: bool,
    sql: &[(&str, &str)],
) -> (super::common::Server, BenchFolder) {
    let keep = std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1") && catalog_name() == "SQLite";
    let folder = if keep {
        let path = target_dir().join(bench).join(format!("kept-{count}"));
        std::fs::create_dir_all(&path).expect("kept bench folder");
        BenchFolder { path, _temp: None }
    } else {
        let temp = run_folder(bench);
        BenchFolder {
            path: temp.path().to_path_buf(),
            _temp: Some(temp),
        }
    };
    let data_dir = folder.path.join("data");
    let filled_mark = folder.path.join("filled");
    if keep && filled_mark.exists() {
        println!("reusing the catalog kept in {}", folder.path.display());
        return (super::common::Server::start_in(&data_dir, &[]), folder);
    }
    let _ = std::fs::remove_dir_all(&data_dir);
    let database_url = match catalog_name() {
        "PostgreSQL" => Some(
            ferrotype_postgres::testing::TestCluster::shared()
                .database_url()
                .await,
        ),
        _ => None,
    };
    let env: Vec<(&str, &str)> = database_url
        .iter()
        .map(|url| ("FERROTYPE_DATABASE_URL", url.as_str()))
        .collect();
    let mut server = super::common::Server::start_in(&data_dir, &env);
    let admin = super::common::admin(&server).await;
    let owner = super::common::user_id(&admin).await;
    server.stop();
    let started = std::time::Instant::now();
    match &database_url {
        Some(url) => super::common::fill_catalog_postgres(url, &owner, count, with_exif).await,
        None => {
            super::common::fill_catalog(&data_dir.join("ferrotype.db"), &owner, count, with_exif)
        }
    }
    for (sqlite, postgres) in sql {
        match &database_url {
            Some(url) => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .expect("connect to the catalog");
                let driver = tokio::spawn(connection);
                client.batch_execute(postgres).await.expect("run the SQL");
                client.batch_execute("ANALYZE").await.expect("analyze");
                drop(client);
                let _ = driver.await;
            }
            None => {
                let conn = super::common::open_catalog_file(&data_dir.join("ferrotype.db"));
                conn.execute_batch(sqlite).expect("run the SQL");
            }
        }
    }
    println!(
        "{count} assets written to {} in {:.1}s",
        catalog_name(),
        started.elapsed().as_secs_f64()
    );
    if keep {
        std::fs::write(&filled_mark, b"").expect("mark the kept catalog filled");
    }
    server.restart();
    (server, folder)
}

/// A benchmark's folder: removed when dropped unless kept (`BENCH_KEEP`).
pub struct BenchFolder {
    path: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl BenchFolder {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Uploads `<prefix>-<i>.jpg` as the Immich CLI sends it; Ok when the server answered 201
/// `created`. `bytes` may be borrowed for the whole run, so the upload copies nothing.
pub async fn upload_created(
    client: &super::common::Client,
    prefix: &str,
    i: usize,
    bytes: impl Into<std::borrow::Cow<'static, [u8]>>,
) -> Result<(), String> {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(format!("{prefix}-{i:03}.jpg"))
        .mime_str("image/jpeg")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("deviceAssetId", format!("{prefix}-{i:03}"))
        .text("deviceId", "bench")
        .text("fileCreatedAt", "2024-05-01T10:00:00.000Z")
        .text("fileModifiedAt", "2024-05-01T10:00:00.000Z")
        .text("isFavorite", "false")
        .part("assetData", part);
    let r = client
        .request(reqwest::Method::POST, "/api/assets")
        .multipart(form)
        .send()
        .await
        .map_err(|e| format!("upload {i}: {e}"))?;
    let status = r.status().as_u16();
    let body = r.text().await.unwrap_or_default();
    if status == 201 && body.contains("\"created\"") {
        Ok(())
    } else {
        Err(format!("upload {i}: {status} {body}"))
    }
}

/// Uploads `count` files over `connections` connections (each its own HTTP client, so one
/// connection each), each taking the next index until none is left; `payload(i)` is file `i`.
/// Returns the elapsed time; panics on any upload not `created`.
pub async fn upload_concurrently(
    admin: &super::common::Client,
    prefix: &'static str,
    count: usize,
    connections: usize,
    payload: impl Fn(usize) -> std::borrow::Cow<'static, [u8]> + Send + Sync + 'static,
) -> std::time::Duration {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let payload = Arc::new(payload);
    let next = Arc::new(AtomicUsize::new(0));
    let started = std::time::Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let client = super::common::Client {
                http: reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .build()
                    .expect("http client"),
                ..admin.clone()
            };
            let (next, payload) = (next.clone(), payload.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    if let Err(e) = upload_created(&client, prefix, i, payload(i)).await {
                        panic!("{e}");
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("upload worker");
    }
    started.elapsed()
}
