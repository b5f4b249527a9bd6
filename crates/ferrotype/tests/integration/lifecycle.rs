//! The process around the API: configuration, binding, restarts, crashes, admin commands.

use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;
use ferrotype_core::catalog::prelude::*;
use serde_json::json;

fn ferrotype(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run ferrotype")
}

#[test]
fn invalid_config_lists_every_bad_key_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ferrotype.toml");
    std::fs::write(
        &file,
        "[server]\nlisten = \"not-an-address\"\nport = 1\n[upload]\nmax_file_size = \"huge\"\n",
    )
    .unwrap();
    let out = ferrotype(
        &["--config", file.to_str().unwrap(), "serve"],
        &[
            ("FERROTYPE_SERVER_BIND_TIMEOUT_SECONDS", "soon"),
            ("FERROTYPE_LOG_LEVEL", "[[["),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "server.listen (from config file",
        "server.port (from config file",
        "unknown key",
        "upload.max_file_size (from config file",
        "server.bind_timeout_seconds (from environment variable FERROTYPE_SERVER_BIND_TIMEOUT_SECONDS)",
        "log.level (from environment variable FERROTYPE_LOG_LEVEL)",
    ] {
        assert!(err.contains(needle), "{needle:?} missing from:\n{err}");
    }
    assert!(err.contains("5 problem(s)"), "{err}");
}

#[test]
fn config_file_and_secret_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("from-file");
    let secret = dir.path().join("data-dir.secret");
    std::fs::write(&secret, format!("{}\n", data.display())).unwrap();
    let file = dir.path().join("ferrotype.toml");
    std::fs::write(
        &file,
        format!(
            "[storage]\ndata_dir_file = {:?}\n",
            secret.display().to_string()
        ),
    )
    .unwrap();
    let out = ferrotype(
        &[
            "--config",
            file.to_str().unwrap(),
            "admin",
            "create-user",
            "--email",
            "a@b.c",
            "--name",
            "A",
            "--password",
            "x",
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(data.join("ferrotype.db").exists());
}

#[test]
fn port_in_use_fails_at_once() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = ferrotype(
        &["serve", "--data-dir", dir.path().to_str().unwrap()],
        &[
            ("FERROTYPE_SERVER_LISTEN", &addr),
            ("FERROTYPE_SERVER_BIND_TIMEOUT_SECONDS", "30"),
        ],
    );
    assert!(!out.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "it waited for a port in use"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already in use"), "{err}");
}

#[test]
fn unassigned_address_is_retried_until_the_timeout() {
    // 192.0.2.1 (TEST-NET-1) is never assigned here: binding it gives EADDRNOTAVAIL.
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = ferrotype(
        &["serve", "--data-dir", dir.path().to_str().unwrap()],
        &[
            ("FERROTYPE_SERVER_LISTEN", "192.0.2.1:2283"),
            ("FERROTYPE_SERVER_BIND_TIMEOUT_SECONDS", "2"),
        ],
    );
    let waited = started.elapsed();
    assert!(!out.status.success());
    assert!(waited >= Duration::from_secs(2), "gave up after {waited:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    let retries = err.matches("is not available yet").count();
    assert!(retries >= 3, "expected several logged waits:\n{err}");
    assert!(err.contains("still not available"), "{err}");
}

#[tokio::test]
async fn data_survives_a_restart() {
    let mut server = Server::start();
    let admin = admin(&server).await;
    let key = api_key(&admin, &["all"]).await;
    let bytes = fake_jpeg(1, 10_000);
    let id = admin.upload("a.jpg", bytes.clone()).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let album = admin
        .post(
            "/api/albums",
            json!({"albumName": "Kept", "assetIds": [id]}),
        )
        .await
        .json();
    assert!(server.stop().success());

    server.restart();
    // Same session, same key, same asset and album.
    let admin = Client {
        base: server.base.clone(),
        ..admin
    };
    let key = Client {
        base: server.base.clone(),
        ..key
    };
    assert_eq!(
        admin.get("/api/users/me").await.json()["email"],
        "admin@example.com"
    );
    assert_eq!(
        key.get(&format!("/api/assets/{id}/original")).await.body,
        bytes
    );
    let got = admin
        .get(&format!("/api/albums/{}", album["id"].as_str().unwrap()))
        .await
        .json();
    assert_eq!(got["assetCount"], 1);
    assert_eq!(admin.upload("again.jpg", bytes).await.status, 200);
    // The admin exists: sign-up stays closed.
    Client::new(&server, Cred::None)
        .post(
            "/api/auth/admin-sign-up",
            json!({"email": "x@y.z", "password": "p", "name": "n"}),
        )
        .await
        .assert_error(400, "The server already has an admin");
}

#[tokio::test]
async fn a_crash_between_file_and_row_is_repaired_at_start() {
    let mut server = Server::start();
    let admin = admin(&server).await;
    let user_id = user_id(&admin).await;
    let kept = admin.upload("kept.jpg", fake_jpeg(1, 1000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    server.kill();

    // What a crash can leave: a file moved into place whose row was never committed (its
    // intent is still recorded), and a half-written staging file.
    let orphan = format!("upload/{user_id}/ab/cd/abcd0000-1111-4222-8333-444455556666.jpg");
    let orphan_path = server.data_dir.join(&orphan);
    std::fs::create_dir_all(orphan_path.parent().unwrap()).unwrap();
    std::fs::write(&orphan_path, b"orphan").unwrap();
    let staging = server.data_dir.join("upload/.staging/partial.part");
    std::fs::write(&staging, b"half").unwrap();
    server
        .catalog()
        .record_upload_intent(&orphan)
        .await
        .unwrap();

    server.restart();
    assert!(
        !orphan_path.exists(),
        "the orphaned original is still there"
    );
    assert!(!staging.exists(), "the staging file is still there");
    let files = server.stored_files();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with(&format!("{kept}.jpg")));
    let admin = Client {
        base: server.base.clone(),
        ..admin
    };
    assert_eq!(admin.get("/api/assets/statistics").await.json()["total"], 1);
    assert!(
        server
            .log()
            .contains("removed the file of an upload interrupted before its commit")
    );
}

#[tokio::test]
async fn sigkill_during_an_upload_loses_nothing_else() {
    let mut server = Server::start();
    let admin = admin(&server).await;
    let done = admin.upload("done.jpg", fake_jpeg(1, 1000)).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = multipart_body("K", "inflight.jpg", &fake_jpeg(2, 3_000_000));
    let mut socket = TcpStream::connect(server.base.trim_start_matches("http://")).unwrap();
    socket
        .write_all(upload_head(&server, "K", &auth_header(&admin), body.len(), "").as_bytes())
        .unwrap();
    socket.write_all(&body[..body.len() / 2]).unwrap();
    let staging = server.data_dir.join("upload/.staging");
    assert!(
        eventually(Duration::from_secs(5), || std::fs::read_dir(&staging)
            .map(|d| d.count() > 0)
            .unwrap_or(false))
        .await
    );
    server.kill();
    drop(socket);

    server.restart();
    let admin = Client {
        base: server.base.clone(),
        ..admin
    };
    assert_eq!(admin.get("/api/assets/statistics").await.json()["total"], 1);
    assert_eq!(
        server.stored_files().len(),
        1,
        "{:?}",
        server.stored_files()
    );
    assert_eq!(admin.get(&format!("/api/assets/{done}")).await.status, 200);
}

#[tokio::test]
async fn sigterm_lets_an_upload_in_flight_finish() {
    let mut server = Server::start();
    let admin = admin(&server).await;
    let body = multipart_body("T", "slow.jpg", &fake_jpeg(3, 1_000_000));
    let mut socket = TcpStream::connect(server.base.trim_start_matches("http://")).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    socket
        .write_all(upload_head(&server, "T", &auth_header(&admin), body.len(), "").as_bytes())
        .unwrap();
    socket.write_all(&body[..body.len() / 2]).unwrap();
    let staging = server.data_dir.join("upload/.staging");
    assert!(
        eventually(Duration::from_secs(5), || std::fs::read_dir(&staging)
            .map(|d| d.count() > 0)
            .unwrap_or(false))
        .await
    );
    signal(server.pid(), "TERM");
    std::thread::sleep(Duration::from_millis(300));
    socket.write_all(&body[body.len() / 2..]).unwrap();
    let mut reply = String::new();
    let _ = std::io::Read::read_to_string(&mut socket, &mut reply);
    assert!(reply.starts_with("HTTP/1.1 201"), "{reply}");
    assert!(server.stop().success());
    server.restart();
    let admin = Client {
        base: server.base.clone(),
        ..admin
    };
    assert_eq!(admin.get("/api/assets/statistics").await.json()["total"], 1);
}

#[tokio::test]
async fn admin_commands_work_on_a_data_folder() {
    let server = Server::start();
    let data = server.data_dir.to_str().unwrap().to_string();
    let out = ferrotype(
        &[
            "admin",
            "create-user",
            "--data-dir",
            &data,
            "--email",
            "Ops@Example.com",
            "--name",
            "Ops",
            "--admin",
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("generated password printed")
        .to_string();
    let ops = login(&server, "ops@example.com", &password).await;
    assert_eq!(ops.get("/api/users/me").await.json()["isAdmin"], true);

    let pw_file = server.data_dir.parent().unwrap().join("pw");
    std::fs::write(&pw_file, "new-password\n").unwrap();
    let out = ferrotype(
        &[
            "admin",
            "reset-password",
            "--data-dir",
            &data,
            "--email",
            "ops@example.com",
            "--password-file",
            pw_file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    login(&server, "ops@example.com", "new-password").await;
    let r = Client::new(&server, Cred::None)
        .post(
            "/api/auth/login",
            json!({"email": "ops@example.com", "password": password}),
        )
        .await;
    r.assert_error(401, "Incorrect email or password");

    let out = ferrotype(
        &[
            "admin",
            "create-api-key",
            "--data-dir",
            &data,
            "--email",
            "ops@example.com",
            "--permission",
            "asset.upload",
            "--permission",
            "user.read",
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secret = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let key = Client::new(&server, Cred::ApiKey(secret));
    assert_eq!(
        key.get("/api/users/me").await.json()["email"],
        "ops@example.com"
    );
    assert_eq!(
        key.get("/api/api-keys/me").await.json()["permissions"],
        json!(["asset.upload", "user.read"])
    );

    let out = ferrotype(
        &[
            "admin",
            "create-user",
            "--data-dir",
            &data,
            "--email",
            "ops@example.com",
            "--name",
            "Dup",
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("User exists"));
    let out = ferrotype(
        &[
            "admin",
            "create-api-key",
            "--data-dir",
            &data,
            "--email",
            "nobody@example.com",
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no user with the email nobody@example.com")
    );
    let out = ferrotype(
        &[
            "admin",
            "create-api-key",
            "--data-dir",
            &data,
            "--email",
            "ops@example.com",
            "--permission",
            "bogus",
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Invalid permission: bogus"));
}

#[test]
fn a_second_server_on_the_same_data_folder_is_refused() {
    let server = Server::start();
    let out = ferrotype(
        &["serve", "--data-dir", server.data_dir.to_str().unwrap()],
        &[("FERROTYPE_SERVER_LISTEN", "127.0.0.1:0")],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another Ferrotype server is already using the data folder"),
        "{err}"
    );
}

#[tokio::test]
async fn large_json_batches_are_accepted() {
    let server = Server::start();
    let admin = admin(&server).await;
    let album = admin
        .post("/api/albums", json!({"albumName": "big"}))
        .await
        .json();
    // 65,000 ids: the CLI's largest batch (about 2.5 MB of JSON).
    let ids: Vec<String> = (0..65_000u32)
        .map(|i| format!("{:08x}-0000-4000-8000-000000000000", i))
        .collect();
    let r = admin
        .put(
            &format!("/api/albums/{}/assets", album["id"].as_str().unwrap()),
            json!({"ids": ids}),
        )
        .await;
    assert_eq!(r.status, 200);
    let results = r.json();
    assert_eq!(results.as_array().unwrap().len(), 65_000);
    assert_eq!(results[0]["error"], "no_permission");
}
