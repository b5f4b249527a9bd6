//! Notifications: a user's own list (filters, read, delete, bulk), nobody else's; an admin's
//! notification reaching its user live (`on_notification`, through the real socket.io client);
//! album invites; email over SMTP to a real local SMTP server (Debian's `python3-aiosmtpd`,
//! saving what it receives in a maildir), for the test email and an album invite.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::*;
use crate::compat_support::{ensure_installed, open_sockets};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(30);

/// A local SMTP server that keeps every message it receives in a maildir (`new/`).
struct SmtpSink {
    child: Child,
    port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("mail");
        let port = free_port();
        // Debian's python, where scripts/install-deps puts aiosmtpd (a pyenv python may shadow it).
        let python = if Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3"
        } else {
            "python3"
        };
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd (scripts/install-deps installs python3-aiosmtpd)");
        let mut sink = SmtpSink {
            child,
            port,
            maildir,
            _dir: dir,
        };
        let deadline = std::time::Instant::now() + WAIT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = sink.child.try_wait() {
                panic!("aiosmtpd exited at start ({status}); is python3-aiosmtpd installed?");
            }
            assert!(
                std::time::Instant::now() < deadline,
                "aiosmtpd never listened"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        sink
    }

    /// Every message received so far, as raw text.
    fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .collect()
    }

    /// Waits for the `count`th message.
    async fn wait_for(&self, count: usize) -> Vec<String> {
        assert!(
            eventually(WAIT, || self.messages().len() >= count).await,
            "{} message(s) arrived, {count} expected",
            self.messages().len()
        );
        self.messages()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on (just released by us).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Immich's SystemConfigSmtpDto for a plain local server.
fn smtp(port: u16, enabled: bool) -> Value {
    json!({
        "enabled": enabled,
        "from": "Ferrotype <noreply@photos.example>",
        "replyTo": "",
        "transport": {
            "ignoreCert": false, "host": "127.0.0.1", "port": port, "secure": false,
            "username": "", "password": "",
        },
    })
}

/// A header's value in a raw message (unfolded).
fn header(message: &str, name: &str) -> Option<String> {
    let head = message.split("\r\n\r\n").next().unwrap_or(message);
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

async fn notify(admin: &Client, user_id: &str, body: Value) -> Value {
    let mut body = body;
    body["userId"] = json!(user_id);
    let r = admin.post("/api/admin/notifications", body).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn users_see_filter_read_and_delete_only_their_own_notifications() {
    let server = Server::start();
    let admin = admin(&server).await;
    create_user(&server, "ann@example.com", "ann-password");
    create_user(&server, "bob@example.com", "bob-password");
    let ann = login(&server, "ann@example.com", "ann-password").await;
    let bob = login(&server, "bob@example.com", "bob-password").await;
    let ann_id = user_id(&ann).await;
    let bob_id = user_id(&bob).await;

    // Defaults: info and Custom; absent fields are left out.
    let plain = notify(&admin, &ann_id, json!({ "title": "Hello" })).await;
    assert_eq!(plain["level"], "info");
    assert_eq!(plain["type"], "Custom");
    assert_eq!(plain["title"], "Hello");
    for absent in ["description", "data", "readAt"] {
        assert!(plain.get(absent).is_none(), "{plain}");
    }
    let failed = notify(
        &admin,
        &ann_id,
        json!({
            "title": "Backup failed", "description": "Disk full", "level": "error",
            "type": "BackupFailed", "data": { "disk": "/data", "free": 0 },
            "readAt": "2024-01-01T00:00:00.000Z",
        }),
    )
    .await;
    assert_eq!(failed["description"], "Disk full");
    assert_eq!(failed["data"], json!({ "disk": "/data", "free": 0 }));
    // As Immich, a new notification is unread whatever readAt said.
    assert!(failed.get("readAt").is_none(), "{failed}");
    let system = notify(
        &admin,
        &ann_id,
        json!({ "title": "Maintenance", "level": "warning", "type": "SystemMessage", "description": null }),
    )
    .await;
    let bobs = notify(&admin, &bob_id, json!({ "title": "For Bob" })).await;
    let (plain_id, failed_id, system_id) = (
        plain["id"].as_str().unwrap(),
        failed["id"].as_str().unwrap(),
        system["id"].as_str().unwrap(),
    );
    let bobs_id = bobs["id"].as_str().unwrap();

    // Newest first, only one's own.
    let all = ann.get("/api/notifications").await;
    assert_eq!(all.status, 200);
    assert_eq!(ids(&all.json()), [system_id, failed_id, plain_id]);
    assert_eq!(ids(&bob.get("/api/notifications").await.json()), [bobs_id]);
    // Filters.
    let only = |q: &str| {
        let ann = ann.clone();
        let q = q.to_string();
        async move { ids(&ann.get(&format!("/api/notifications?{q}")).await.json()) }
    };
    assert_eq!(only("level=error").await, [failed_id]);
    assert_eq!(only("type=SystemMessage").await, [system_id]);
    assert_eq!(only(&format!("id={plain_id}")).await, [plain_id]);
    assert_eq!(only(&format!("id={bobs_id}")).await, Vec::<String>::new());
    assert_eq!(only("level=info&type=Custom").await, [plain_id]);
    assert_eq!(only("unread=true").await.len(), 3);
    // Bad filters are the contract's.
    ann.get("/api/notifications?level=loud")
        .await
        .assert_invalid(
            json!(["level"]),
            "Invalid option: expected one of \"success\"|\"error\"|\"warning\"|\"info\"",
        );
    let r = ann.get("/api/notifications?id=nope").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["message"], "Validation failed");

    // One read: returned, then filtered out of unread.
    let got = ann.get(&format!("/api/notifications/{failed_id}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["title"], "Backup failed");
    let r = ann
        .put(
            &format!("/api/notifications/{failed_id}"),
            json!({ "readAt": "2025-03-04T05:06:07.000Z" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["readAt"], "2025-03-04T05:06:07.000Z");
    let mut unread = only("unread=true").await;
    unread.sort();
    let mut expected = vec![plain_id.to_string(), system_id.to_string()];
    expected.sort();
    assert_eq!(unread, expected);
    // Unread again with null.
    let r = ann
        .put(
            &format!("/api/notifications/{failed_id}"),
            json!({ "readAt": null }),
        )
        .await;
    assert!(r.json().get("readAt").is_none());
    assert_eq!(only("unread=true").await.len(), 3);
    let r = ann
        .put(
            &format!("/api/notifications/{failed_id}"),
            json!({ "readAt": "yesterday" }),
        )
        .await;
    assert_eq!(r.status, 400);

    // Bulk read.
    let r = ann
        .put(
            "/api/notifications",
            json!({ "ids": [plain_id, system_id], "readAt": "2025-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(only("unread=true").await, [failed_id]);
    ann.put("/api/notifications", json!({ "ids": [] }))
        .await
        .assert_invalid(
            json!(["ids"]),
            "Too small: expected array to have >=1 items",
        );

    // Someone else's id, or one that does not exist: refused, nothing changed.
    let stranger = "6f1a5a6e-3c5f-4b8e-9a51-2b0c9d3e4f70";
    for id in [bobs_id, stranger] {
        ann.get(&format!("/api/notifications/{id}"))
            .await
            .assert_error(400, "Not found or no notification.read access");
        ann.put(
            &format!("/api/notifications/{id}"),
            json!({ "readAt": "2025-01-01T00:00:00Z" }),
        )
        .await
        .assert_error(400, "Not found or no notification.update access");
        ann.delete(&format!("/api/notifications/{id}"))
            .await
            .assert_error(400, "Not found or no notification.delete access");
    }
    ann.put(
        "/api/notifications",
        json!({ "ids": [failed_id, bobs_id], "readAt": "2025-01-01T00:00:00Z" }),
    )
    .await
    .assert_error(400, "Not found or no notification.update access");
    ann.send(
        ann.request(reqwest::Method::DELETE, "/api/notifications")
            .json(&json!({ "ids": [plain_id, bobs_id] })),
    )
    .await
    .assert_error(400, "Not found or no notification.delete access");
    assert_eq!(only("unread=true").await, [failed_id], "nothing was read");
    assert_eq!(ids(&ann.get("/api/notifications").await.json()).len(), 3);
    let bob_sees = bob
        .get(&format!("/api/notifications/{bobs_id}"))
        .await
        .json();
    assert!(bob_sees.get("readAt").is_none(), "{bob_sees}");

    // API keys need the notification permissions.
    let reader = api_key(&ann, &["notification.read"]).await;
    assert_eq!(reader.get("/api/notifications").await.status, 200);
    reader
        .delete(&format!("/api/notifications/{plain_id}"))
        .await
        .assert_error(403, "Missing required permission: notification.delete");

    // Deleting: one, then the rest in bulk.
    let r = ann.delete(&format!("/api/notifications/{plain_id}")).await;
    assert_eq!(r.status, 204);
    assert_eq!(
        ids(&ann.get("/api/notifications").await.json()),
        [system_id, failed_id]
    );
    ann.get(&format!("/api/notifications/{plain_id}"))
        .await
        .assert_error(400, "Notification not found");
    ann.put(
        &format!("/api/notifications/{plain_id}"),
        json!({ "readAt": null }),
    )
    .await
    .assert_error(400, "Notification not found");
    let r = ann
        .send(
            ann.request(reqwest::Method::DELETE, "/api/notifications")
                .json(&json!({ "ids": [system_id, failed_id] })),
        )
        .await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(ann.get("/api/notifications").await.json(), json!([]));
    assert_eq!(ids(&bob.get("/api/notifications").await.json()), [bobs_id]);

    // Admin only, for an existing user, with a title.
    ann.post(
        "/api/admin/notifications",
        json!({ "userId": bob_id, "title": "Hi" }),
    )
    .await
    .assert_error(403, "Forbidden");
    admin
        .post(
            "/api/admin/notifications",
            json!({ "userId": stranger, "title": "Hi" }),
        )
        .await
        .assert_error(400, "User not found");
    admin
        .post("/api/admin/notifications", json!({ "userId": bob_id }))
        .await
        .assert_invalid(
            json!(["title"]),
            "Invalid input: expected string, received undefined",
        );
    admin
        .post(
            "/api/admin/notifications",
            json!({ "userId": bob_id, "title": "x", "type": "Gossip" }),
        )
        .await
        .assert_invalid(
            json!(["type"]),
            "Invalid option: expected one of \"JobFailed\"|\"BackupFailed\"|\"SystemMessage\"|\"AlbumInvite\"|\"AlbumUpdate\"|\"Custom\"",
        );
}

#[tokio::test]
async fn notifications_reach_their_user_live_and_album_invites_make_one() {
    ensure_installed();
    let server = Server::start();
    let admin = admin(&server).await;
    create_user(&server, "ann@example.com", "ann-password");
    create_user(&server, "bob@example.com", "bob-password");
    let ann = login(&server, "ann@example.com", "ann-password").await;
    let bob = login(&server, "bob@example.com", "bob-password").await;
    let ann_id = user_id(&ann).await;
    let bob_id = user_id(&bob).await;
    let token = |c: &Client| match &c.cred {
        Cred::Bearer(t) => t.clone(),
        _ => panic!("a session"),
    };
    let plans = json!([
        { "label": "ann", "transport": "websocket", "headers": { "Authorization": format!("Bearer {}", token(&ann)) } },
        { "label": "bob", "transport": "polling", "headers": { "Authorization": format!("Bearer {}", token(&bob)) } },
    ]);
    let mut script = open_sockets(&server.base, &plans, WAIT);

    // An admin's notification: the DTO the API answered, to its user only.
    let made = notify(
        &admin,
        &ann_id,
        json!({ "title": "Welcome aboard", "level": "success" }),
    )
    .await;
    let line = script.wait_for("on_notification for ann", WAIT, |l| {
        l.starts_with("EVENT ann on_notification ")
    });
    let args: Value = serde_json::from_str(line.splitn(4, ' ').nth(3).unwrap()).unwrap();
    assert_eq!(args, json!([made]));

    // Ann shares an album with Bob (at creation), then with the admin (added later): each gets
    // Immich's invitation, live and in their list.
    let r = ann
        .post(
            "/api/albums",
            json!({ "albumName": "Trip", "albumUsers": [{ "userId": bob_id, "role": "viewer" }] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let album_id = r.json()["id"].as_str().unwrap().to_string();
    let line = script.wait_for("on_notification for bob", WAIT, |l| {
        l.starts_with("EVENT bob on_notification ")
    });
    let args: Value = serde_json::from_str(line.splitn(4, ' ').nth(3).unwrap()).unwrap();
    let invite = &args[0];
    assert_eq!(invite["type"], "AlbumInvite");
    assert_eq!(invite["level"], "success");
    assert_eq!(invite["title"], "Shared Album Invitation");
    assert_eq!(
        invite["description"],
        "ann@example.com shared an album (Trip) with you"
    );
    assert_eq!(invite["data"], json!({ "albumId": album_id }));
    assert_eq!(bob.get("/api/notifications").await.json(), json!([invite]));

    let admin_id = user_id(&admin).await;
    let r = ann
        .put(
            &format!("/api/albums/{album_id}/users"),
            json!({ "albumUsers": [{ "userId": admin_id }] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let list = admin
        .get("/api/notifications?type=AlbumInvite")
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["data"]["albumId"], album_id.as_str());
    // Ann, who shared, was told nothing new.
    assert_eq!(
        ann.get("/api/notifications?type=AlbumInvite").await.json(),
        json!([])
    );
    // Nobody else heard Bob's.
    assert!(
        !script
            .lines()
            .iter()
            .any(|l| l.starts_with("EVENT ann on_notification ") && l.contains("AlbumInvite"))
    );
}

#[tokio::test]
async fn email_goes_out_over_smtp_for_the_test_and_album_invites() {
    let sink = SmtpSink::start();
    let server = Server::start();
    let admin = admin(&server).await;
    create_user(&server, "bob@example.com", "bob-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    let bob_id = user_id(&bob).await;

    // The test email: checked, then sent to the admin's own address.
    let r = admin
        .post(
            "/api/admin/notifications/test-email",
            smtp(sink.port, false),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let message_id = r.json()["messageId"].as_str().unwrap().to_string();
    assert!(message_id.ends_with("@photos.example>"), "{message_id}");
    let mail = sink.wait_for(1).await;
    let message = &mail[0];
    assert_eq!(
        header(message, "Subject").as_deref(),
        Some("Test email from Immich")
    );
    assert_eq!(header(message, "To").as_deref(), Some("admin@example.com"));
    assert_eq!(
        header(message, "X-RcptTo").as_deref(),
        Some("admin@example.com")
    );
    assert_eq!(header(message, "Message-ID"), Some(message_id));
    assert_eq!(
        header(message, "Reply-To").as_deref(),
        Some("Ferrotype <noreply@photos.example>")
    );
    assert!(
        message.contains("This is a test email from your Immich Instance!"),
        "{message}"
    );

    // Nothing listening: Immich's message, nothing sent.
    let closed = free_port();
    admin
        .post("/api/admin/notifications/test-email", smtp(closed, false))
        .await
        .assert_error(400, "Failed to verify SMTP configuration");
    let mut no_host = smtp(sink.port, false);
    no_host["transport"]["host"] = json!("no-such-host.invalid");
    admin
        .post("/api/admin/notifications/test-email", no_host)
        .await
        .assert_error(400, "Failed to verify SMTP configuration");
    // Implicit TLS against a plain server fails the check too.
    let mut tls = smtp(sink.port, false);
    tls["transport"]["secure"] = json!(true);
    admin
        .post("/api/admin/notifications/test-email", tls)
        .await
        .assert_error(400, "Failed to verify SMTP configuration");
    admin
        .post(
            "/api/admin/notifications/test-email",
            json!({ "enabled": true }),
        )
        .await
        .assert_invalid(
            json!(["from"]),
            "Invalid input: expected string, received undefined",
        );
    bob.post(
        "/api/admin/notifications/test-email",
        smtp(sink.port, false),
    )
    .await
    .assert_error(403, "Forbidden");
    assert_eq!(sink.messages().len(), 1);

    // Turning SMTP on checks it, as Immich does.
    let mut config = admin.get("/api/system-config").await.json();
    config["notifications"]["smtp"] = smtp(closed, true);
    admin
        .put("/api/system-config", config.clone())
        .await
        .assert_error(400, "Invalid SMTP configuration");
    config["notifications"]["smtp"] = smtp(sink.port, true);
    config["server"]["externalDomain"] = json!("https://photos.example");
    let r = admin.put("/api/system-config", config).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));

    // An album invite: Bob is emailed, from the configured sender.
    let r = admin
        .post(
            "/api/albums",
            json!({ "albumName": "Summer <2024>", "albumUsers": [{ "userId": bob_id, "role": "editor" }] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let album_id = r.json()["id"].as_str().unwrap().to_string();
    let mail = sink.wait_for(2).await;
    let invite = mail
        .iter()
        .find(|m| header(m, "To").as_deref() == Some("bob@example.com"))
        .expect("the invitation");
    assert_eq!(
        header(invite, "Subject").as_deref(),
        Some("You have been added to a shared album - Summer <2024>")
    );
    assert_eq!(
        header(invite, "From").as_deref(),
        Some("Ferrotype <noreply@photos.example>")
    );
    let link = format!("https://photos.example/albums/{album_id}");
    assert!(invite.contains(&link), "{invite}");
    assert!(
        invite.contains("Admin has added you to the album"),
        "{invite}"
    );
    assert_eq!(
        bob.get("/api/notifications?type=AlbumInvite").await.json()[0]["data"]["albumId"],
        album_id.as_str()
    );

    // Bob no longer wants invitations by email: a notification, no email.
    let r = bob
        .put(
            "/api/users/me/preferences",
            json!({ "emailNotifications": { "albumInvite": false } }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = admin
        .post(
            "/api/albums",
            json!({ "albumName": "Winter", "albumUsers": [{ "userId": bob_id, "role": "editor" }] }),
        )
        .await;
    assert_eq!(r.status, 201);
    wait_for_queue(&admin, "notifications").await;
    assert_eq!(
        bob.get("/api/notifications?type=AlbumInvite")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(sink.messages().len(), 2, "no email for Winter");
}

#[tokio::test]
async fn email_templates_render_previews() {
    let server = Server::start();
    let admin = admin(&server).await;
    let preview = |name: &str, template: &str| {
        let admin = admin.clone();
        let (name, template) = (name.to_string(), template.to_string());
        async move {
            let r = admin
                .post(
                    &format!("/api/admin/notifications/templates/{name}"),
                    json!({ "template": template }),
                )
                .await;
            assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
            let body = r.json();
            assert_eq!(body["name"], name.as_str());
            body["html"].as_str().unwrap().to_string()
        }
    };
    let welcome = preview("welcome", "").await;
    assert!(
        welcome.contains("Hey <strong>John Doe</strong>!"),
        "{welcome}"
    );
    assert!(welcome.contains("john@doe.com") && welcome.contains("thisIsAPassword123"));
    assert!(welcome.contains("https://my.immich.app/auth/login"));
    let invite = preview("album-invite", "").await;
    assert!(
        invite.contains(
            "John Doe has added you to the album <strong>John Doe&#39;s Favorites</strong>."
        ),
        "{invite}"
    );
    assert!(invite.contains("https://my.immich.app/albums/1"));
    let update = preview("album-update", "").await;
    assert!(
        update.contains("Favorite Photos") && update.contains("Hey <strong>Jane Doe</strong>!")
    );
    // A custom template: tags filled in, unknown ones kept.
    let custom = preview(
        "album-invite",
        "<p>{senderName} invites {recipientName} to {albumName} {nope}</p>",
    )
    .await;
    assert!(
        custom.contains("<p>John Doe invites Jane Doe to John Doe&#39;s Favorites {nope}</p>"),
        "{custom}"
    );
    assert!(!custom.contains("has added you"));
    // The configured template when none is given.
    let mut config = admin.get("/api/system-config").await.json();
    config["templates"]["email"]["welcomeTemplate"] = json!("<b>Welcome, {displayName}!</b>");
    assert_eq!(admin.put("/api/system-config", config).await.status, 200);
    assert!(
        preview("welcome", "")
            .await
            .contains("<b>Welcome, John Doe!</b>")
    );
    // Names without a preview: empty, as Immich.
    assert_eq!(preview("reset-password", "").await, "");
    admin
        .post("/api/admin/notifications/templates/welcome", json!({}))
        .await
        .assert_invalid(
            json!(["template"]),
            "Invalid input: expected string, received undefined",
        );
}

/// Turns SMTP on (or off) with the sink, and sets the external address the emails link to.
async fn use_smtp(admin: &Client, port: u16, enabled: bool) {
    let mut config = admin.get("/api/system-config").await.json();
    config["notifications"]["smtp"] = smtp(port, enabled);
    config["server"]["externalDomain"] = json!("https://photos.example");
    let r = admin.put("/api/system-config", config).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

/// A message with its quoted-printable soft line breaks and `=3D`s undone, so the HTML part
/// reads as written.
fn unwrapped(message: &str) -> String {
    message
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

async fn create_account(admin: &Client, email: &str, notify: Option<bool>) {
    let mut body = json!({ "email": email, "name": "Carol", "password": "carol-password" });
    if let Some(notify) = notify {
        body["notify"] = json!(notify);
    }
    let r = admin.post("/api/admin/users", body).await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
}

#[tokio::test]
async fn an_account_made_with_notify_gets_the_welcome_email() {
    let sink = SmtpSink::start();
    let server = Server::start();
    let admin = admin(&server).await;
    use_smtp(&admin, sink.port, true).await;

    create_account(&admin, "carol@example.com", Some(true)).await;
    let mail = sink.wait_for(1).await;
    let welcome = &unwrapped(&mail[0]);
    assert_eq!(header(welcome, "To").as_deref(), Some("carol@example.com"));
    assert_eq!(
        header(welcome, "Subject").as_deref(),
        Some("Welcome to Immich")
    );
    assert_eq!(
        header(welcome, "From").as_deref(),
        Some("Ferrotype <noreply@photos.example>")
    );
    // Immich's welcome: name, username and password, and the way in.
    for needed in [
        "Hey <strong>Carol</strong>!",
        "A new account has been created for you.",
        "carol@example.com",
        "carol-password",
        "https://photos.example/auth/login",
    ] {
        assert!(welcome.contains(needed), "{needed} missing from {welcome}");
    }

    // Without notify (false or left out): no email.
    create_account(&admin, "dave@example.com", Some(false)).await;
    create_account(&admin, "erin@example.com", None).await;
    // The admin's own template replaces the message.
    let mut config = admin.get("/api/system-config").await.json();
    config["templates"]["email"]["welcomeTemplate"] =
        json!("<p>{displayName}: sign in at {baseUrl} as {username} / {password}</p>");
    assert_eq!(admin.put("/api/system-config", config).await.status, 200);
    create_account(&admin, "fay@example.com", Some(true)).await;
    let mail = sink.wait_for(2).await;
    let custom = &unwrapped(
        mail.iter()
            .find(|m| header(m, "To").as_deref() == Some("fay@example.com"))
            .expect("fay's welcome"),
    );
    assert!(
        custom.contains(
            "<p>Carol: sign in at https://photos.example as fay@example.com / carol-password</p>"
        ),
        "{custom}"
    );
    // SMTP off: nothing is sent (nor kept in the queue with the password).
    use_smtp(&admin, sink.port, false).await;
    create_account(&admin, "gus@example.com", Some(true)).await;
    let stats = wait_for_queue(&admin, "notifications").await;
    assert_eq!(stats["failed"], 0, "{stats}");
    assert_eq!(sink.messages().len(), 2);

    // `notify` must be a boolean.
    admin
        .post(
            "/api/admin/users",
            json!({ "email": "hal@example.com", "name": "Hal", "password": "x", "notify": "yes" }),
        )
        .await
        .assert_invalid(
            json!(["notify"]),
            "Invalid input: expected boolean, received string",
        );
}

async fn album_updates(client: &Client) -> Vec<Value> {
    client
        .get("/api/notifications?type=AlbumUpdate")
        .await
        .json()
        .as_array()
        .unwrap()
        .clone()
}

// Two threads: the server's jobs run while the test blocks on the socket script's output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_added_to_a_shared_album_notifies_its_other_users_once_after_a_wait() {
    ensure_installed();
    let sink = SmtpSink::start();
    let server = Server::start_with(&[("FERROTYPE_NOTIFICATIONS_ALBUM_UPDATE_DELAY_SECONDS", "3")]);
    let admin = admin(&server).await;
    use_smtp(&admin, sink.port, true).await;
    create_user(&server, "bob@example.com", "bob-password");
    create_user(&server, "carol@example.com", "carol-password");
    let bob = login(&server, "bob@example.com", "bob-password").await;
    let carol = login(&server, "carol@example.com", "carol-password").await;
    let (bob_id, carol_id) = (user_id(&bob).await, user_id(&carol).await);
    // Carol wants no album update emails (the notification still comes).
    let r = carol
        .put(
            "/api/users/me/preferences",
            json!({ "emailNotifications": { "albumUpdate": false } }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = admin
        .post(
            "/api/albums",
            json!({ "albumName": "Summer", "albumUsers": [
                { "userId": bob_id, "role": "editor" }, { "userId": carol_id, "role": "viewer" }] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let album_id = r.json()["id"].as_str().unwrap().to_string();
    sink.wait_for(2).await; // the two invitations
    let Cred::Bearer(token) = &admin.cred else {
        panic!("a session")
    };
    let plans = json!([
        { "label": "admin", "transport": "websocket", "headers": { "Authorization": format!("Bearer {token}") } },
    ]);
    let mut script = open_sockets(&server.base, &plans, WAIT);

    // Bob adds two photos, one call each: the owner and Carol are told once each, after the
    // wait; Bob, who added them, is not.
    let mut added = Vec::new();
    for seed in [1, 2] {
        let asset = bob
            .upload(&format!("p{seed}.jpg"), fake_jpeg(seed, 4000))
            .await
            .json();
        added.push(asset["id"].clone());
        let r = bob
            .put(
                &format!("/api/albums/{album_id}/assets"),
                json!({ "ids": [asset["id"]] }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }
    let waiting = queue_statistics(&admin, "notifications").await;
    assert_eq!(waiting["delayed"], 2, "{waiting}");
    assert!(
        album_updates(&admin).await.is_empty(),
        "not before the wait"
    );
    wait_for_queue(&admin, "notifications").await;

    let told = album_updates(&admin).await;
    assert_eq!(told.len(), 1, "{told:?}");
    let update = &told[0];
    assert_eq!(update["level"], "info");
    assert_eq!(update["title"], "Shared Album Update");
    assert_eq!(
        update["description"],
        "New media has been added to the album (Summer)"
    );
    assert_eq!(update["data"], json!({ "albumId": album_id }));
    assert_eq!(album_updates(&carol).await.len(), 1);
    assert!(album_updates(&bob).await.is_empty());
    let line = script.wait_for("on_notification for the owner", WAIT, |l| {
        l.starts_with("EVENT admin on_notification ") && l.contains("AlbumUpdate")
    });
    let args: Value = serde_json::from_str(line.splitn(4, ' ').nth(3).unwrap()).unwrap();
    assert_eq!(args, json!([update]));

    // One email, to the owner: Carol turned hers off.
    let mail = sink.wait_for(3).await;
    let email = unwrapped(
        mail.iter()
            .find(|m| header(m, "To").as_deref() == Some("admin@example.com"))
            .expect("the owner's album update email"),
    );
    assert_eq!(
        header(&email, "Subject").as_deref(),
        Some("New media has been added to an album - Summer")
    );
    assert!(
        email.contains(&format!("https://photos.example/albums/{album_id}")),
        "{email}"
    );
    assert!(email.contains("Hey <strong>Admin</strong>!"), "{email}");
    assert_eq!(sink.messages().len(), 3);

    // Taking media out tells nobody (Immich's AlbumUpdate without recipients).
    let r = admin
        .send_json(
            reqwest::Method::DELETE,
            &format!("/api/albums/{album_id}/assets"),
            json!({ "ids": [added[0]] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let stats = queue_statistics(&admin, "notifications").await;
    assert_eq!(stats["delayed"], 0, "{stats}");

    // A visitor's upload through the album's link: every user of the album is told, Bob too.
    let r = admin
        .post(
            "/api/shared-links",
            json!({ "type": "ALBUM", "albumId": album_id, "allowUpload": true }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let key = r.json()["key"].as_str().unwrap().to_string();
    let visitor = Client::new(&server, Cred::None);
    let form = asset_form("visit.jpg", fake_jpeg(3, 4000), &[]);
    let r = visitor
        .send(
            visitor
                .request(reqwest::Method::POST, &format!("/api/assets?key={key}"))
                .multipart(form),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let waiting = queue_statistics(&admin, "notifications").await;
    assert_eq!(waiting["delayed"], 3, "{waiting}");
    wait_for_queue(&admin, "notifications").await;
    assert_eq!(album_updates(&bob).await.len(), 1);
    assert_eq!(album_updates(&admin).await.len(), 2);
    assert_eq!(album_updates(&carol).await.len(), 2);
}
