// The official `@immich/sdk` 3.2.2 (on Node 22) against the real server: tests/compat/sdk-check.mjs
// signs up, logs in, makes API keys and calls the user, server, asset, album and key endpoints
// with node:assert on the results. The SDK rejects any status outside 200/201/202/204 and any
// non-JSON reply to a JSON call, so a passing run also checks statuses and content types.

use crate::common::*;
use crate::compat_support::{compat_dir, ensure_installed, run_node};

#[test]
fn sdk_calls_against_a_fresh_server() {
    ensure_installed();
    let server = Server::start();
    let root = repo_root();
    let script = root.join("tests/compat/sdk-check.mjs");
    let photo = fixtures().join("nature/el_torcal_rocks.jpg");
    let compat = compat_dir();
    let run = run_node(
        &[
            script.to_str().unwrap(),
            &server.base,
            compat.to_str().unwrap(),
            photo.to_str().unwrap(),
        ],
        &root,
        &[],
    );
    assert!(
        run.status.success(),
        "sdk-check.mjs failed\n{}\n--- server log\n{}",
        run.transcript(),
        server.log()
    );
    assert!(
        run.stdout.contains(" passed, 0 failed"),
        "sdk-check.mjs did not finish\n{}",
        run.transcript()
    );
}
