//! Prometheus metrics at `/metrics`, in the text format: HTTP requests by route and status with
//! latency histograms, jobs by queue and state, job durations, and the process's memory. Kept in
//! a few mutex-guarded maps: the counts are small and a scrape is rare.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ferrotype_core::jobs::QueueName;

use crate::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

#[derive(Default, Clone)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if self.counts.is_empty() {
            self.counts = vec![0; BUCKETS.len()];
        }
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.counts[i] += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        for (i, bound) in BUCKETS.iter().enumerate() {
            let n = self.counts.get(i).copied().unwrap_or(0);
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", self.count);
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.count);
    }
}

#[derive(Default)]
pub struct Metrics {
    /// (method, route, status) -> count
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// (method, route) -> latency
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
    /// (queue, job, outcome) -> count
    job_outcomes: Mutex<BTreeMap<(String, String, &'static str), u64>>,
    /// (queue, job) -> duration
    job_durations: Mutex<BTreeMap<(String, String), Histogram>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Label values are escaped as the text format asks.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    pub fn record_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        *lock(&self.requests)
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        lock(&self.latency)
            .entry((method.to_string(), route.to_string()))
            .or_default()
            .observe(elapsed.as_secs_f64());
    }

    /// `outcome`: completed, retried or failed.
    pub fn record_job(
        &self,
        queue: QueueName,
        job: &str,
        outcome: &'static str,
        elapsed: Duration,
    ) {
        *lock(&self.job_outcomes)
            .entry((queue.as_str().to_string(), job.to_string(), outcome))
            .or_default() += 1;
        lock(&self.job_durations)
            .entry((queue.as_str().to_string(), job.to_string()))
            .or_default()
            .observe(elapsed.as_secs_f64());
    }

    fn render_into(&self, out: &mut String) {
        out.push_str("# HELP ferrotype_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE ferrotype_http_requests_total counter\n");
        for ((method, route, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "ferrotype_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str(
            "# HELP ferrotype_http_request_duration_seconds HTTP request latency by route.\n",
        );
        out.push_str("# TYPE ferrotype_http_request_duration_seconds histogram\n");
        for ((method, route), h) in lock(&self.latency).iter() {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            h.write(out, "ferrotype_http_request_duration_seconds", &labels);
        }
        out.push_str(
            "# HELP ferrotype_job_runs_total Finished job runs by queue, job and outcome.\n",
        );
        out.push_str("# TYPE ferrotype_job_runs_total counter\n");
        for ((queue, job, outcome), n) in lock(&self.job_outcomes).iter() {
            let _ = writeln!(
                out,
                "ferrotype_job_runs_total{{queue=\"{queue}\",job=\"{job}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        out.push_str("# HELP ferrotype_job_duration_seconds Job run time by queue and job.\n");
        out.push_str("# TYPE ferrotype_job_duration_seconds histogram\n");
        for ((queue, job), h) in lock(&self.job_durations).iter() {
            let labels = format!("queue=\"{queue}\",job=\"{job}\"");
            h.write(out, "ferrotype_job_duration_seconds", &labels);
        }
    }
}

/// Resident and peak memory of this process, in bytes, from `/proc/self/status`.
fn memory() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Records each matched request under its route template (`/api/assets/{id}`), so that ids do
/// not become labels.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = request.method().to_string();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    state.metrics.record_request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

pub async fn scrape(State(state): State<AppState>) -> Response {
    let mut out = String::new();
    state.metrics.render_into(&mut out);
    out.push_str("# HELP ferrotype_jobs Jobs by queue and state, as the queue counts them now.\n");
    out.push_str("# TYPE ferrotype_jobs gauge\n");
    for queue in QueueName::ALL {
        let Ok(status) = state.catalog.queue_status(queue).await else {
            continue;
        };
        let c = status.counts;
        for (name, n) in [
            ("waiting", c.waiting),
            ("active", c.active),
            ("delayed", c.delayed),
            ("failed", c.failed),
            ("paused", c.paused),
            ("completed", c.completed),
        ] {
            let _ = writeln!(
                out,
                "ferrotype_jobs{{queue=\"{}\",state=\"{name}\"}} {n}",
                queue.as_str()
            );
        }
    }
    if let Some((rss, peak)) = memory() {
        out.push_str(
            "# HELP process_resident_memory_bytes Resident memory of the server process.\n",
        );
        out.push_str("# TYPE process_resident_memory_bytes gauge\n");
        let _ = writeln!(out, "process_resident_memory_bytes {rss}");
        out.push_str(
            "# HELP ferrotype_process_peak_resident_memory_bytes Highest resident memory so far.\n",
        );
        out.push_str("# TYPE ferrotype_process_peak_resident_memory_bytes gauge\n");
        let _ = writeln!(out, "ferrotype_process_peak_resident_memory_bytes {peak}");
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative() {
        let mut h = Histogram::default();
        h.observe(0.003);
        h.observe(0.2);
        h.observe(100.0);
        let mut out = String::new();
        h.write(&mut out, "x", "a=\"b\"");
        assert!(out.contains("x_bucket{a=\"b\",le=\"0.005\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"0.25\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"60\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{a=\"b\",le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_count{a=\"b\"} 3\n"), "{out}");
    }
}
