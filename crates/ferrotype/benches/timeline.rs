//! The web timeline on a library of 1,000,000 assets (the real server, release build): the
//! month buckets, and one month's assets (the largest month), each asked 21 times; prints the
//! first answer and the median. Targets: buckets under 100 ms, a month under 50 ms (medians).
//!
//! The catalog is filled straight through SQLite while the server is stopped; the catalog's
//! triggers keep the month counts as they would for uploads.
//!
//! On PostgreSQL: `BENCH_CATALOG=postgres cargo bench -p ferrotype --bench timeline`
//! (a throwaway cluster, filled by the database itself).
//!
//! Run with `cargo bench -p ferrotype --bench timeline`. Not a test: without cargo bench's
//! `--bench` argument (as under `cargo test --all-targets`) it does nothing.

#[path = "../tests/integration/common/mod.rs"]
mod common;
mod support;

use std::time::{Duration, Instant};

use common::Cred;
use support::{filled_server, loadavg, verdict};

const ASSETS: usize = 1_000_000;
const RUNS: usize = 21;
const TARGET_BUCKETS_MS: f64 = 100.0;
const TARGET_MONTH_MS: f64 = 50.0;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "timeline benchmark: skipped (run it with `cargo bench -p ferrotype --bench timeline`)"
        );
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    if !runtime.block_on(run()) {
        std::process::exit(1);
    }
}

/// Times `RUNS` GETs of `url`; returns the first, the median and the last body.
async fn time_get(http: &reqwest::Client, url: &str, token: &str) -> (Duration, Duration, String) {
    let mut times = Vec::with_capacity(RUNS);
    let mut body = String::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let r = http.get(url).bearer_auth(token).send().await.expect("get");
        assert_eq!(r.status(), 200, "{url}");
        body = r.text().await.expect("body");
        times.push(started.elapsed());
    }
    let first = times[0];
    times.sort();
    (first, times[RUNS / 2], body)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn run() -> bool {
    let (mut server, _temp) = filled_server("timeline-bench", ASSETS, false).await;
    let admin = common::login(&server, "admin@example.com", "admin-password").await;
    let Cred::Bearer(token) = &admin.cred else {
        panic!("login gives a bearer token")
    };
    let http = reqwest::Client::new();
    let load_before = loadavg();

    let (buckets_first, buckets_median, body) = time_get(
        &http,
        &format!("{}/api/timeline/buckets", server.base),
        token,
    )
    .await;
    let buckets: serde_json::Value = serde_json::from_str(&body).expect("buckets JSON");
    let buckets = buckets.as_array().expect("an array");
    let total: i64 = buckets.iter().map(|b| b["count"].as_i64().unwrap()).sum();
    assert_eq!(total as usize, ASSETS, "every asset counted once");
    let largest = buckets
        .iter()
        .max_by_key(|b| b["count"].as_i64().unwrap())
        .expect("a bucket");
    let month = largest["timeBucket"].as_str().unwrap();
    let count = largest["count"].as_i64().unwrap();
    let (month_first, month_median, body) = time_get(
        &http,
        &format!("{}/api/timeline/bucket?timeBucket={month}", server.base),
        token,
    )
    .await;
    let assets: serde_json::Value = serde_json::from_str(&body).expect("bucket JSON");
    assert_eq!(assets["id"].as_array().unwrap().len() as i64, count);
    server.stop();

    println!();
    println!("catalog: {}", support::catalog_name());
    println!("{:<44} {:>10} {:>10}", "", "first ms", "median ms");
    println!(
        "{:<44} {:>10.1} {:>10.1}",
        format!("buckets ({} months)", buckets.len()),
        ms(buckets_first),
        ms(buckets_median)
    );
    println!(
        "{:<44} {:>10.1} {:>10.1}",
        format!(
            "one month ({month}, {count} assets, {} kB)",
            body.len() / 1000
        ),
        ms(month_first),
        ms(month_median)
    );
    let checks = [
        (
            format!(
                "buckets of {ASSETS} assets: median {:.1} ms (target < {TARGET_BUCKETS_MS} ms)",
                ms(buckets_median)
            ),
            ms(buckets_median) < TARGET_BUCKETS_MS,
        ),
        (
            format!(
                "one month: median {:.1} ms (target < {TARGET_MONTH_MS} ms)",
                ms(month_median)
            ),
            ms(month_median) < TARGET_MONTH_MS,
        ),
    ];
    println!();
    for (text, pass) in &checks {
        println!("{} {text}", verdict(*pass));
    }
    println!("load average before: {load_before}; after: {}", loadavg());
    checks.iter().all(|(_, pass)| *pass)
}
