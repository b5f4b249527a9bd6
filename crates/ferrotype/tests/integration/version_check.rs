//! The new version check against a release feed started by the test (axum on 127.0.0.1, a
//! GitHub-shaped "latest release"): what a check finds is stored as Immich's
//! `version-check-state` and announced as `on_new_release` to the real socket.io client (at
//! once, and on connect); the system config's `newVersionCheck` is honoured without a restart
//! (off: no request, even at start; turned on: a check at once); a feed that fails or answers
//! nonsense leaves the stored state as it was.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::*;
use crate::compat_support::{LiveNode, ensure_installed, open_sockets};
use ferrotype_core::catalog::prelude::*;

const WAIT: Duration = Duration::from_secs(30);

/// What the fake feed answers, and the channel of each request it got.
#[derive(Default)]
struct Feed {
    answer: Mutex<(u16, String)>,
    channels: Mutex<Vec<String>>,
}

impl Feed {
    fn answer(&self, status: u16, body: Value) {
        *self.answer.lock().unwrap() = (status, body.to_string());
    }

    fn requests(&self) -> usize {
        self.channels.lock().unwrap().len()
    }
}

/// GitHub's "latest release" shape, with the fields a check reads and a few it ignores.
fn github_release(tag: &str) -> Value {
    json!({
        "url": "https://api.github.com/repos/example/ferrotype/releases/1",
        "tag_name": tag,
        "name": format!("Ferrotype {tag}"),
        "draft": false,
        "prerelease": false,
        "published_at": "2026-11-20T10:00:00Z",
        "body": "Notes",
    })
}

/// Starts the feed on an ephemeral local port; returns it and its URL.
async fn start_feed() -> (Arc<Feed>, String) {
    let feed = Arc::new(Feed::default());
    feed.answer(200, github_release("v3.3.0"));
    async fn latest(
        State(feed): State<Arc<Feed>>,
        Query(query): Query<std::collections::HashMap<String, String>>,
    ) -> (StatusCode, String) {
        feed.channels
            .lock()
            .unwrap()
            .push(query.get("channel").cloned().unwrap_or_default());
        let (status, body) = feed.answer.lock().unwrap().clone();
        (StatusCode::from_u16(status).unwrap(), body)
    }
    let app = axum::Router::new()
        .route("/releases/latest", axum::routing::get(latest))
        .with_state(feed.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/releases/latest", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (feed, url)
}

async fn set_version_check(admin: &Client, enabled: bool, channel: &str) {
    let mut config = admin.get("/api/system-config").await.json();
    config["newVersionCheck"] = json!({ "enabled": enabled, "channel": channel });
    let r = admin.put("/api/system-config", config).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

async fn state(admin: &Client) -> Value {
    admin
        .get("/api/system-metadata/version-check-state")
        .await
        .json()
}

/// Dates the stored state back a day in the catalog, as if the last check were yesterday (a
/// check within a minute of the last is skipped, as in Immich).
async fn age_state(server: &Server) {
    let catalog = server.catalog();
    let mut state = catalog
        .system_metadata("version-check-state")
        .await
        .unwrap()
        .expect("a stored check");
    state["checkedAt"] = "2026-01-01T00:00:00.000Z".into();
    catalog
        .set_system_metadata("version-check-state", &state)
        .await
        .unwrap();
}

async fn wait_for_requests(feed: &Feed, count: usize) {
    assert!(
        eventually(WAIT, || feed.requests() >= count).await,
        "the feed got {} request(s), {count} expected",
        feed.requests()
    );
}

fn admin_socket(server: &Server, admin: &Client) -> LiveNode {
    let Cred::Bearer(token) = &admin.cred else {
        panic!("a session")
    };
    let plans = json!([
        { "label": "admin", "transport": "websocket", "headers": { "Authorization": format!("Bearer {token}") } },
    ]);
    open_sockets(&server.base, &plans, WAIT)
}

fn release_args(line: &str) -> Value {
    let args: Value = serde_json::from_str(line.splitn(4, ' ').nth(3).unwrap()).unwrap();
    args[0].clone()
}

// Two threads: the feed answers while the test blocks on the socket script's output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_version_check_stores_and_announces_what_the_release_feed_says() {
    ensure_installed();
    let (feed, url) = start_feed().await;
    let mut server = Server::start_with(&[("FERROTYPE_VERSION_CHECK_URL", &url)]);
    let admin = admin(&server).await;

    // At start (on by default, as in Immich): the release is stored.
    wait_for_requests(&feed, 1).await;
    wait_for_queue(&admin, "backgroundTask").await;
    let stored = state(&admin).await;
    assert_eq!(stored["releaseVersion"], "v3.3.0", "{stored}");
    let checked_at = stored["checkedAt"].as_str().unwrap().to_string();
    chrono::DateTime::parse_from_rfc3339(&checked_at).expect("an ISO time");
    assert_eq!(admin.get("/api/server/version-check").await.json(), stored);
    assert_eq!(feed.channels.lock().unwrap()[0], "stable");

    // A socket connecting learns of it.
    let mut socket = admin_socket(&server, &admin);
    let line = socket.wait_for("on_new_release on connect", WAIT, |l| {
        l.starts_with("EVENT admin on_new_release ")
    });
    assert_eq!(
        release_args(&line),
        json!({
            "isAvailable": true,
            "checkedAt": checked_at,
            "serverVersion": { "major": 3, "minor": 2, "patch": 2, "prerelease": null },
            "releaseVersion": { "major": 3, "minor": 3, "patch": 0, "prerelease": null },
            "type": "minor",
        })
    );
    drop(socket);

    // Off: no request, not even at the next start, and sockets hear nothing of releases.
    set_version_check(&admin, false, "stable").await;
    age_state(&server).await;
    server.stop();
    server.restart();
    let admin = login(&server, "admin@example.com", "admin-password").await;
    let mut socket = admin_socket(&server, &admin);
    tokio::time::sleep(Duration::from_secs(2)).await;
    wait_for_queue(&admin, "backgroundTask").await;
    assert_eq!(feed.requests(), 1);
    assert!(
        !socket.lines().iter().any(|l| l.contains("on_new_release")),
        "{:?}",
        socket.lines()
    );

    // The feed fails, then answers something that is not a release: each check made when the
    // check is turned on fails, and the stored state stays as it was.
    let before = state(&admin).await;
    assert_eq!(before["checkedAt"], "2026-01-01T00:00:00.000Z");
    feed.answer(500, json!({ "message": "Server Error" }));
    set_version_check(&admin, true, "stable").await;
    wait_for_requests(&feed, 2).await;
    let stats = wait_for_queue(&admin, "backgroundTask").await;
    assert_eq!(stats["failed"], 1, "{stats}");
    assert_eq!(state(&admin).await, before);
    set_version_check(&admin, false, "stable").await;
    feed.answer(
        200,
        json!({ "tag_name": "nightly", "published_at": "2026-11-20T10:00:00Z" }),
    );
    set_version_check(&admin, true, "stable").await;
    wait_for_requests(&feed, 3).await;
    let stats = wait_for_queue(&admin, "backgroundTask").await;
    assert_eq!(stats["failed"], 2, "{stats}");
    assert_eq!(state(&admin).await, before);
    assert!(
        server.log().contains("Unable to run version check"),
        "{}",
        server.log()
    );

    // Turned on with a newer release on the release-candidate channel: stored, and announced
    // to the connected socket at once.
    set_version_check(&admin, false, "releaseCandidate").await;
    feed.answer(200, github_release("v4.0.0-rc.2"));
    set_version_check(&admin, true, "releaseCandidate").await;
    wait_for_requests(&feed, 4).await;
    assert_eq!(feed.channels.lock().unwrap()[3], "rc");
    let line = socket.wait_for("on_new_release from the check", WAIT, |l| {
        l.starts_with("EVENT admin on_new_release ")
    });
    let event = release_args(&line);
    assert_eq!(event["isAvailable"], true);
    assert_eq!(event["type"], "premajor");
    assert_eq!(
        event["releaseVersion"],
        json!({ "major": 4, "minor": 0, "patch": 0, "prerelease": 2 })
    );
    let stored = state(&admin).await;
    assert_eq!(stored["releaseVersion"], "v4.0.0-rc.2");
    assert_eq!(event["checkedAt"], stored["checkedAt"]);
}

#[tokio::test]
async fn without_a_release_feed_no_check_is_made() {
    let server = Server::start();
    let admin = admin(&server).await;
    // Turning the check on queues one, which has nowhere to ask and so does nothing.
    set_version_check(&admin, false, "stable").await;
    set_version_check(&admin, true, "stable").await;
    wait_for_queue(&admin, "backgroundTask").await;
    assert_eq!(
        state(&admin).await,
        json!({ "checkedAt": null, "releaseVersion": null })
    );
    let stats = queue_statistics(&admin, "backgroundTask").await;
    assert_eq!(stats["failed"], 0, "{stats}");
}

#[tokio::test]
async fn a_release_feed_that_is_not_a_url_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(BIN)
        .args(["serve", "--data-dir"])
        .arg(dir.path())
        .env("FERROTYPE_SERVER_LISTEN", "127.0.0.1:0")
        .env("FERROTYPE_VERSION_CHECK_URL", "api.github.com/releases")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("version_check.url") && err.contains("is not an http:// or https:// URL"),
        "{err}"
    );
}
