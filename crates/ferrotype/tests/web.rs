mod common;
mod compat_support;

// The web UI in Debian's Chromium, driven by playwright-core (tests/compat/web-check.mjs), against
// the real server. Screenshots of every step are kept in target/web-screenshots/.

use common::*;
use compat_support::{compat_dir, ensure_installed, run_node};

#[test]
fn web_ui_sign_up_upload_timeline_and_viewer() {
    ensure_installed();
    let server = Server::start();
    let root = repo_root();
    let script = root.join("tests/compat/web-check.mjs");
    let shots = root.join("target/web-screenshots");
    let photos: Vec<String> = [
        "nature/prairie_falcon.jpg",
        "nature/tanners_ridge.jpg",
        "metadata/gps-position/thompson-springs.jpg",
    ]
    .iter()
    .map(|p| fixtures().join(p).to_string_lossy().into_owned())
    .collect();
    let compat = compat_dir();
    let mut args = vec![
        script.to_str().unwrap().to_string(),
        server.base.clone(),
        compat.to_str().unwrap().to_string(),
        shots.to_str().unwrap().to_string(),
    ];
    args.extend(photos);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = run_node(&args, &root, &[]);
    assert!(
        run.status.success() && run.stdout.contains(" passed, 0 failed"),
        "web-check.mjs failed\n{}\n--- server log\n{}",
        run.transcript(),
        server.log()
    );
}
