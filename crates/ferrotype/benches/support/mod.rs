//! What the end-to-end benchmarks share: where to put their data, and reading a process's
//! memory and the machine's load from `/proc`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::functions::FunctionFlags;

/// MB here is 10^6 bytes.
pub const MB: f64 = 1e6;

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

pub fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}

/// Inserts `count` assets of `owner` straight into a stopped server's catalog, in one
/// transaction, each with a realistic EXIF row when `with_exif`; capture times spread over 20
/// years. The catalog's triggers give every row its sync cursor and timeline count.
pub fn fill(db: &Path, owner: &str, count: usize, with_exif: bool) {
    let mut conn = rusqlite::Connection::open(db).expect("open the catalog");
    // The catalog's triggers call uuid7(); the server registers it, so must we.
    static LAST: Mutex<u128> = Mutex::new(0);
    conn.create_scalar_function("uuid7", 0, FunctionFlags::SQLITE_UTF8, |_| {
        let mut last = LAST.lock().unwrap();
        let fresh = uuid::Uuid::now_v7().as_u128();
        *last = if fresh > *last { fresh } else { *last + 1 };
        Ok(uuid::Uuid::from_u128(*last).to_string())
    })
    .expect("register uuid7");
    let tx = conn.transaction().expect("transaction");
    {
        let mut asset = tx
            .prepare(
                "INSERT INTO assets (id, owner_id, type, original_path, original_file_name,
                    checksum, file_size, file_created_at, file_modified_at, local_date_time,
                    created_at, updated_at, visibility, is_favorite, width, height, thumbhash)
                 VALUES (?1, ?2, 'IMAGE', ?3, ?4, ?5, 4000000, ?6, ?6, ?6, ?6, ?6, 'timeline',
                    ?7, 4000, 3000, ?8)",
            )
            .expect("prepare");
        let mut exif = tx
            .prepare(
                "INSERT INTO asset_exif (asset_id, make, model, lens_model, exif_image_width,
                    exif_image_height, orientation, date_time_original, time_zone, f_number,
                    focal_length, iso, exposure_time, latitude, longitude, city, state, country,
                    file_size_in_byte, updated_at)
                 VALUES (?1, 'Canon', 'Canon EOS R5', 'RF24-105mm F4 L IS USM', 8192, 5464, 1,
                    ?2, 'Europe/Zurich', 4.0, 50.0, 200, '1/250', 47.37, 8.54, 'Zurich',
                    'Zurich', 'Switzerland', 4000000, ?2)",
            )
            .expect("prepare");
        for i in 0..count {
            let id = uuid::Uuid::new_v4().to_string();
            // 20 years, every month alike (1,000,000 assets: about 4,200 a month).
            let month = i % 240;
            let taken = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
                2005 + month / 12,
                1 + month % 12,
                1 + (i / 240) % 28,
                (i / 6720) % 24,
                i % 60,
                (i / 60) % 60
            );
            let checksum: Vec<u8> = (0..20)
                .map(|b| (i >> (b % 4 * 8)) as u8 ^ b as u8)
                .collect();
            asset
                .execute(rusqlite::params![
                    id,
                    owner,
                    format!("upload/{owner}/{}/{}/{id}.jpg", &id[..2], &id[2..4]),
                    format!("IMG_{i:06}.jpg"),
                    checksum,
                    taken,
                    i % 10 == 0,
                    vec![0x5au8; 25],
                ])
                .expect("insert asset");
            if with_exif {
                exif.execute(rusqlite::params![id, taken])
                    .expect("insert exif");
            }
        }
    }
    tx.commit().expect("commit");
}

/// A stopped-then-restarted release server whose catalog holds `count` generated assets of its
/// admin (`admin@example.com`), in a fresh folder under the target folder's `bench` subfolder;
/// the folder goes when the returned guard is dropped.
pub async fn filled_server(
    bench: &str,
    count: usize,
    with_exif: bool,
) -> (super::common::Server, tempfile::TempDir) {
    let base = target_dir().join(bench);
    std::fs::create_dir_all(&base).expect("bench folder");
    let temp = tempfile::Builder::new()
        .prefix("run-")
        .tempdir_in(&base)
        .expect("bench temp folder");
    let data_dir = temp.path().join("data");
    let mut server = super::common::Server::start_in(&data_dir, &[]);
    let admin = super::common::admin(&server).await;
    let owner = super::common::user_id(&admin).await;
    server.stop();
    let started = std::time::Instant::now();
    fill(&data_dir.join("ferrotype.db"), &owner, count, with_exif);
    println!(
        "{count} assets written in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    server.restart();
    (server, temp)
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
