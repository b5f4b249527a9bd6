//! Which jobs this process runs, with which handlers and how many at once.

use std::sync::Arc;

use ferrotype_core::blob::BlobStore;
use ferrotype_core::catalog::Catalog;
use ferrotype_jobs::JobRunner;

use crate::config::Config;

pub fn runner(config: &Config, catalog: Arc<dyn Catalog>, _blobs: Arc<dyn BlobStore>) -> JobRunner {
    let worker = format!("{}-{}", hostname(), std::process::id());
    let mut runner = JobRunner::new(catalog, worker);
    for (queue, n) in &config.job_concurrency {
        runner = runner.concurrency(*queue, *n);
    }
    runner
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "ferrotype".to_string())
}
