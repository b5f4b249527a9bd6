//! Test harness: runs the real `ferrotype` binary on an ephemeral port with a temporary data
//! folder, and talks to it over HTTP like any client.

#![allow(dead_code)]

mod backends;
pub mod schema;

// Only the integration binary has stories on both backends.
#[allow(unused_imports)]
pub(crate) use backends::on_both_backends;
#[allow(unused_imports)]
pub use backends::{Backend, admin_and_users};

// The GeoNames data for reverse geocoding, installed on first use: the same helper as the media
// crate's geocoding tests.
#[path = "../../../../ferrotype-media/tests/support/mod.rs"]
mod geodata;
#[allow(unused_imports)] // Not every test binary geocodes.
pub use geodata::geodata_dir;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_ferrotype");

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crate sits two levels below the repository root")
        .to_path_buf()
}

pub fn fixtures() -> PathBuf {
    repo_root().join("tests/fixtures/photos")
}

pub struct Server {
    child: Child,
    pub base: String,
    pub data_dir: PathBuf,
    env: Vec<(String, String)>,
    /// Keeps the temporary data folder alive as long as the server value.
    _temp: Option<tempfile::TempDir>,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// The server's catalog, opened beside it through the port (SQLite serialises the writes):
    /// for a test that sets up or checks what the API does not show.
    pub fn catalog(&self) -> ferrotype_catalog::SqliteCatalog {
        ferrotype_catalog::SqliteCatalog::open(&self.data_dir.join("ferrotype.db"))
            .expect("open the catalog")
    }

    /// A server on a fresh temporary data folder.
    pub fn start() -> Server {
        Self::start_with(&[])
    }

    pub fn start_with(env: &[(&str, &str)]) -> Server {
        let temp = tempfile::tempdir().expect("temp dir");
        let data_dir = temp.path().join("data");
        let mut server = Self::start_in(&data_dir, env);
        server._temp = Some(temp);
        server
    }

    /// A server on the given data folder.
    pub fn start_in(data_dir: &Path, env: &[(&str, &str)]) -> Server {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (child, base, log) = spawn(data_dir, &env);
        Server {
            child,
            base,
            data_dir: data_dir.to_path_buf(),
            env,
            _temp: None,
            log,
        }
    }

    /// Starts the server again on the same data folder with more settings in its environment.
    pub fn restart_with(&mut self, env: &[(&str, &str)]) {
        self.env
            .extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self.restart();
    }

    /// Starts the server again on the same data folder (after `stop` or `kill`).
    pub fn restart(&mut self) {
        let (child, base, log) = spawn(&self.data_dir, &self.env);
        self.child = child;
        self.base = base;
        self.log = log;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits for the exit; the data folder stays.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        signal(self.child.id(), "TERM");
        self.wait(Duration::from_secs(30))
    }

    /// SIGKILL: no chance to clean up, as in a crash. The data folder stays.
    pub fn kill(&mut self) {
        signal(self.child.id(), "KILL");
        self.wait(Duration::from_secs(30));
    }

    fn wait(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("server did not exit; log:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The originals' files: under the data folder's `upload/` (staging included) and
    /// `library/` (the storage template's), relative to the data folder, sorted.
    pub fn stored_files(&self) -> Vec<String> {
        let mut files = Vec::new();
        walk(&self.data_dir.join("upload"), &mut files);
        walk(&self.data_dir.join("library"), &mut files);
        files.sort();
        files
            .into_iter()
            .map(|p| {
                p.strip_prefix(&self.data_dir)
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect()
    }
}

/// Runs `ferrotype serve` on `data_dir` and waits for its "listening on" line.
fn spawn(data_dir: &Path, env: &[(String, String)]) -> (Child, String, Arc<Mutex<String>>) {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .arg("--data-dir")
        .arg(data_dir)
        .env("FERROTYPE_SERVER_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn ferrotype");
    let stderr = child.stderr.take().expect("stderr");
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = mpsc::channel();
    let log_writer = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(addr) = line.split("listening on http://").nth(1) {
                let _ = tx.send(addr.split_whitespace().next().unwrap_or("").to_string());
            }
            let mut log = log_writer.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(addr) => (child, format!("http://{addr}"), log),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            // Give the reader thread a moment to collect the last lines.
            std::thread::sleep(Duration::from_millis(100));
            panic!("server did not start; log:\n{}", log.lock().unwrap());
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .expect("kill");
    assert!(status.success());
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// A response read whole: status, headers and body.
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub async fn from(r: reqwest::Response) -> Reply {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let body = r.bytes().await.expect("body").to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn is_json(&self) -> bool {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.contains("json"))
    }

    /// The body as JSON; also checks that the content type says JSON.
    pub fn json(&self) -> Value {
        let ct = self
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            ct.contains("json"),
            "content type {ct:?} is not JSON (status {})",
            self.status
        );
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "invalid JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts an Immich 3.x error: status, a JSON body of the message alone, and the correlation
    /// id in its header.
    pub fn assert_error(&self, status: u16, message: &str) {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        let body = self.json();
        assert_eq!(body, serde_json::json!({ "message": message }));
        assert!(self.headers.get("x-correlation-id").is_some());
    }
}

impl Reply {
    /// Asserts Immich 3.x's validation failure: 400 `Validation failed` whose `errors` include
    /// an issue at `path` with `message` (zod's texts).
    pub fn assert_invalid(&self, path: serde_json::Value, message: &str) {
        assert_eq!(
            self.status,
            400,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        let body = self.json();
        assert_eq!(body["message"], "Validation failed", "{body}");
        let found = body["errors"].as_array().is_some_and(|e| {
            e.iter()
                .any(|i| i["path"] == path && i["message"] == message)
        });
        assert!(found, "no issue {path} {message:?} in {body}");
    }
}

/// How a test client proves who it is.
#[derive(Clone)]
pub enum Cred {
    None,
    Bearer(String),
    Cookie(String),
    ApiKey(String),
}

#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub cred: Cred,
}

impl Client {
    pub fn new(server: &Server, cred: Cred) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: server.base.clone(),
            cred,
        }
    }

    pub fn with(&self, cred: Cred) -> Client {
        Client {
            cred,
            ..self.clone()
        }
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let rb = self.http.request(method, format!("{}{}", self.base, path));
        match &self.cred {
            Cred::None => rb,
            Cred::Bearer(t) => rb.bearer_auth(t),
            Cred::Cookie(t) => rb.header("cookie", format!("immich_access_token={t}")),
            Cred::ApiKey(k) => rb.header("x-api-key", k),
        }
    }

    /// Sends a request; a JSON answer is checked against the OpenAPI document, and a mismatch
    /// fails the test that made the request.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let request = request.build().expect("build request");
        let method = request.method().to_string();
        let url = request.url().clone();
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let reply = Reply::from(self.http.execute(request).await.expect("send")).await;
        if reply.is_json() {
            let body: Value = serde_json::from_slice(&reply.body).unwrap_or_else(|e| {
                panic!(
                    "{method} {path}: invalid JSON ({e}): {}",
                    String::from_utf8_lossy(&reply.body)
                )
            });
            let problems = schema::check_response(&method, &path, reply.status, &body);
            assert!(
                problems.is_empty(),
                "response does not match the OpenAPI document:\n{}\nbody: {body}",
                problems.join("\n")
            );
        }
        reply
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.request(reqwest::Method::GET, path)).await
    }

    pub async fn send_json(&self, method: reqwest::Method, path: &str, body: Value) -> Reply {
        self.send(self.request(method, path).json(&body)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send_json(reqwest::Method::POST, path, body).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send_json(reqwest::Method::PUT, path, body).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(self.request(reqwest::Method::DELETE, path)).await
    }

    /// Uploads `bytes` as `name` with the fields the Immich CLI sends.
    pub async fn upload(&self, name: &str, bytes: Vec<u8>) -> Reply {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str("application/octet-stream")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("fileCreatedAt", "2024-05-01T10:00:00.000Z")
            .text("fileModifiedAt", "2024-05-01T10:00:00.000Z")
            .text("fileSize", "123")
            .text("isFavorite", "false")
            .part("assetData", part);
        self.upload_form(form).await
    }

    /// `upload`, which must create the asset: its id.
    pub async fn upload_new(&self, name: &str, bytes: Vec<u8>) -> String {
        let r = self.upload(name, bytes).await;
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        r.json()["id"].as_str().unwrap().to_string()
    }

    pub async fn upload_form(&self, form: reqwest::multipart::Form) -> Reply {
        self.send(
            self.request(reqwest::Method::POST, "/api/assets")
                .multipart(form),
        )
        .await
    }
}

/// Signs up the first admin and logs in; returns a client using the session token.
pub async fn admin(server: &Server) -> Client {
    let anon = Client::new(server, Cred::None);
    let r = anon
        .post(
            "/api/auth/admin-sign-up",
            json!({"email": "admin@example.com", "password": "admin-password", "name": "Admin"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    login(server, "admin@example.com", "admin-password").await
}

/// Marks the welcome after the first sign-in as done (for the admin, the server's part too), so a
/// browser script signing in goes straight to the photos.
pub async fn welcomed(client: &Client) {
    let r = client
        .post(
            "/api/system-metadata/admin-onboarding",
            json!({"isOnboarded": true}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
    let r = client
        .put("/api/users/me/onboarding", json!({"isOnboarded": true}))
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

pub async fn login(server: &Server, email: &str, password: &str) -> Client {
    let anon = Client::new(server, Cred::None);
    let r = anon
        .post(
            "/api/auth/login",
            json!({"email": email, "password": password}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let token = r.json()["accessToken"].as_str().unwrap().to_string();
    anon.with(Cred::Bearer(token))
}

/// Creates an API key with the given permissions; returns a client using it.
pub async fn api_key(client: &Client, permissions: &[&str]) -> Client {
    let r = client
        .post(
            "/api/api-keys",
            json!({"name": "test", "permissions": permissions}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let secret = r.json()["secret"].as_str().unwrap().to_string();
    client.with(Cred::ApiKey(secret))
}

/// Creates a (non-admin) user with `ferrotype admin create-user` on the running server's data
/// folder; SQLite serialises its writes with the server's.
pub fn create_user(server: &Server, email: &str, password: &str) {
    let out = Command::new(BIN)
        .args([
            "admin",
            "create-user",
            "--email",
            email,
            "--name",
            email,
            "--password",
            password,
        ])
        .arg("--data-dir")
        .arg(&server.data_dir)
        .output()
        .expect("run admin");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Bytes that look like a distinct JPEG for the server's purposes (it types by extension).
pub fn fake_jpeg(seed: u64, len: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(len);
    bytes.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    while bytes.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// A multipart body as the CLI sends it, for tests that write raw bytes to a socket.
pub fn multipart_body(boundary: &str, file_name: &str, file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in [
        ("fileCreatedAt", "2024-05-01T10:00:00.000Z"),
        ("fileModifiedAt", "2024-05-01T10:00:00.000Z"),
    ] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"assetData\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

/// The head of a raw upload request with the given credential header and declared length.
pub fn upload_head(
    server: &Server,
    boundary: &str,
    auth_header: &str,
    content_length: usize,
    extra: &str,
) -> String {
    let host = server.base.trim_start_matches("http://");
    format!(
        "POST /api/assets HTTP/1.1\r\nHost: {host}\r\n{auth_header}\r\n{extra}\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {content_length}\r\n\r\n"
    )
}

/// The header line for a client's credential, for raw requests.
pub fn auth_header(client: &Client) -> String {
    match &client.cred {
        Cred::None => "X-None: 1".to_string(),
        Cred::Bearer(t) => format!("Authorization: Bearer {t}"),
        Cred::Cookie(t) => format!("Cookie: immich_access_token={t}"),
        Cred::ApiKey(k) => format!("x-api-key: {k}"),
    }
}

/// Polls `check` until it holds or `limit` passes.
pub async fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check()
}

/// Standard base64, written here so that tests do not share the server's encoder.
pub fn base64_standard(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

/// Sends raw bytes on a new connection and reads the reply until its JSON body is complete, the
/// server closes, or 10 s pass.
pub fn raw_exchange(server: &Server, bytes: &[u8]) -> String {
    use std::io::{Read, Write};
    let mut socket =
        std::net::TcpStream::connect(server.base.trim_start_matches("http://")).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket.write_all(bytes).unwrap();
    let mut reply = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match socket.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => reply.extend_from_slice(&buf[..n]),
        }
        let text = String::from_utf8_lossy(&reply);
        if text.contains("\r\n\r\n") && text.trim_end().ends_with('}') {
            break;
        }
    }
    String::from_utf8_lossy(&reply).to_string()
}

/// The statistics of a job queue (admin only).
pub async fn queue_statistics(client: &Client, queue: &str) -> Value {
    client.get(&format!("/api/queues/{queue}")).await.json()["statistics"].clone()
}

/// Waits until a queue has nothing waiting, delayed or running; returns its statistics.
pub async fn wait_for_queue(client: &Client, queue: &str) -> Value {
    for _ in 0..1200 {
        let stats = queue_statistics(client, queue).await;
        if stats["waiting"] == 0 && stats["active"] == 0 && stats["delayed"] == 0 {
            return stats;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{queue} never drained: {}",
        queue_statistics(client, queue).await
    );
}

/// Waits for the media work of everything uploaded: metadata first (it queues the thumbnails in
/// its own transaction), then thumbnails. Returns both queues' statistics.
pub async fn wait_for_media_jobs(client: &Client) -> (Value, Value) {
    let metadata = wait_for_queue(client, "metadataExtraction").await;
    let thumbnails = wait_for_queue(client, "thumbnailGeneration").await;
    (metadata, thumbnails)
}

/// An upload's multipart form: the two dates, any extra fields, then the file.
pub fn asset_form(name: &str, bytes: Vec<u8>, extra: &[(&str, &str)]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new()
        .text("fileCreatedAt", "2024-05-01T10:00:00.000Z")
        .text("fileModifiedAt", "2024-05-01T10:00:00.000Z");
    for (k, v) in extra {
        form = form.text(k.to_string(), v.to_string());
    }
    form.part(
        "assetData",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    )
}

/// The id of the user a client acts as.
pub async fn user_id(client: &Client) -> String {
    client.get("/api/users/me").await.json()["id"]
        .as_str()
        .expect("a user id")
        .to_string()
}

/// Uploads a file from disk as the CLI does; returns its asset id (new or duplicate).
pub async fn upload_path(client: &Client, path: &Path) -> String {
    let name = path.file_name().unwrap().to_str().unwrap();
    let r = client.upload(name, std::fs::read(path).unwrap()).await;
    assert!(
        r.status == 201 || r.status == 200,
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&r.body)
    );
    r.json()["id"].as_str().unwrap().to_string()
}

/// What the 3.x app requests when the server reports 3.x (API-NOTES 2.4).
pub const APP_SYNC_TYPES: &[&str] = &[
    "AuthUsersV1",
    "UsersV1",
    "AssetsV2",
    "AssetExifsV1",
    "AssetEditsV1",
    "AssetMetadataV1",
    "PartnersV1",
    "PartnerAssetsV2",
    "PartnerAssetExifsV1",
    "AlbumsV2",
    "AlbumUsersV1",
    "AlbumAssetsV2",
    "AlbumAssetExifsV1",
    "AlbumToAssetsV1",
    "MemoriesV1",
    "MemoryToAssetsV1",
    "StacksV1",
    "PartnerStacksV1",
    "UserMetadataV1",
    "PeopleV1",
    "AssetFacesV2",
    "AssetOcrV1",
];

/// A stopped server's SQLite catalog, opened for writing straight into it.
pub fn open_catalog_file(db: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(db).expect("open the catalog");
    // The bulk fills insert a million rows under random ids into several indexes: with
    // SQLite's 2 MB page cache each insert goes back to the WAL for its pages, and a fill of a
    // million had not finished after 45 minutes. The cache only grows as far as it is used.
    conn.execute_batch("PRAGMA cache_size = -4000000; PRAGMA temp_store = MEMORY;")
        .expect("cache size");
    // The catalog's triggers call uuid7(); the server registers it, so must we.
    static LAST: Mutex<u128> = Mutex::new(0);
    conn.create_scalar_function(
        "uuid7",
        0,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8,
        |_| {
            let mut last = LAST.lock().unwrap();
            let fresh = uuid::Uuid::now_v7().as_u128();
            *last = if fresh > *last { fresh } else { *last + 1 };
            Ok(uuid::Uuid::from_u128(*last).to_string())
        },
    )
    .expect("register uuid7");
    conn
}

/// A thumbhash of its own for the `i`th generated asset (any 25 bytes decode to a blurred
/// picture), so a client that keeps decoded placeholders by hash decodes one per asset, as in a
/// real library.
pub fn distinct_thumbhash(i: usize) -> Vec<u8> {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..25)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Inserts `count` assets of `owner` straight into a stopped server's catalog, in one
/// transaction, each with a realistic EXIF row when `with_exif`; capture times spread over 20
/// years. The catalog's triggers give every row its sync cursor and timeline count.
pub fn fill_catalog(db: &Path, owner: &str, count: usize, with_exif: bool) {
    let mut conn = open_catalog_file(db);
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
            // 20 years, every month alike (1,000,000 assets: about 4,200 a month), 12 a day
            // each month before the next day starts (the web grid's days fill rows).
            let month = i % 240;
            let taken = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
                2005 + month / 12,
                1 + month % 12,
                1 + (i / 2880) % 28,
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
                    distinct_thumbhash(i),
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

/// `fill_catalog` for a stopped server's PostgreSQL catalog at `url`: the same assets (times,
/// names, EXIF), generated by the database itself (`generate_series`), in transactions of
/// `FILL_BATCH` assets: the catalog's triggers update each (owner, month) count row once per
/// asset, and within one transaction every update of a row adds a version that the next one
/// must walk past (a million in one transaction had not finished after 30 minutes).
pub async fn fill_catalog_postgres(url: &str, owner: &str, count: usize, with_exif: bool) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to the catalog");
    let driver = tokio::spawn(connection);
    let owner: uuid::Uuid = owner.parse().expect("owner id");
    const FILL_BATCH: i64 = 10_000;
    let count = count as i64;
    for from in (0..count).step_by(FILL_BATCH as usize) {
        let to = (from + FILL_BATCH).min(count);
        client.batch_execute("BEGIN").await.expect("begin");
        client
        .execute(
            "INSERT INTO assets (id, owner_id, type, original_path, original_file_name, checksum,
                file_size, file_created_at, file_modified_at, local_date_time, created_at,
                updated_at, visibility, is_favorite, width, height, thumbhash)
             SELECT g.id, $1::uuid, 'IMAGE',
                'upload/' || $1::uuid::text || '/' || substr(g.id::text, 1, 2) || '/'
                    || substr(g.id::text, 3, 2) || '/' || g.id || '.jpg',
                'IMG_' || lpad(i::text, 6, '0') || '.jpg',
                decode(md5(i::text) || substr(md5(i::text || 'x'), 1, 8), 'hex'),
                4000000, g.taken, g.taken, g.taken, g.taken, g.taken, 'timeline', i % 10 = 0,
                4000, 3000, decode(md5(i::text || 't') || substr(md5(i::text || 'u'), 1, 18), 'hex')
             FROM generate_series($2::bigint, $3::bigint - 1) AS i,
                LATERAL (SELECT gen_random_uuid() AS id,
                    make_timestamptz((2005 + (i % 240) / 12)::int, (1 + (i % 240) % 12)::int,
                        (1 + (i / 2880) % 28)::int, ((i / 6720) % 24)::int,
                        ((i / 60) % 60)::int, (i % 60)::double precision, 'UTC') AS taken) AS g",
            &[&owner, &from, &to],
        )
        .await
        .expect("insert assets");
        client.batch_execute("COMMIT").await.expect("commit");
    }
    if with_exif {
        client
            .execute(
                "INSERT INTO asset_exif (asset_id, make, model, lens_model, exif_image_width,
                    exif_image_height, orientation, date_time_original, time_zone, f_number,
                    focal_length, iso, exposure_time, latitude, longitude, city, state, country,
                    file_size_in_byte, updated_at)
                 SELECT id, 'Canon', 'Canon EOS R5', 'RF24-105mm F4 L IS USM', 8192, 5464, 1,
                    local_date_time, 'Europe/Zurich', 4.0, 50.0, 200, '1/250', 47.37, 8.54,
                    'Zurich', 'Zurich', 'Switzerland', 4000000, local_date_time
                 FROM assets WHERE owner_id = $1",
                &[&owner],
            )
            .await
            .expect("insert exif");
    }
    client.batch_execute("ANALYZE").await.expect("analyze");
    drop(client);
    let _ = driver.await;
}

/// A `serve --role worker` process: it answers no HTTP, so it is ready once it says it runs
/// jobs.
pub struct Worker {
    pub child: Child,
    _data: tempfile::TempDir,
}

impl Worker {
    pub fn start(env: &[(&str, &str)], args: &[&str]) -> Worker {
        let data = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ferrotype"))
            .args(["serve", "--role", "worker", "--data-dir"])
            .arg(data.path())
            .args(args)
            .envs(env.iter().copied())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("running jobs; no HTTP") {
                    let _ = tx.send(());
                }
            }
        });
        rx.recv_timeout(Duration::from_secs(30))
            .expect("the worker process starts");
        Worker { child, _data: data }
    }

    /// SIGKILL, as in a crash: nothing released, nothing recorded.
    pub fn kill(&mut self) {
        signal(self.child.id(), "KILL");
        let _ = self.child.wait();
    }

    /// SIGTERM, and its exit status.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        signal(self.child.id(), "TERM");
        self.child.wait().unwrap()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real one-second video made by ffmpeg (a live photo's motion part, say), as the bytes of a
/// QuickTime file.
pub fn motion_clip(dir: &Path) -> Vec<u8> {
    let out = dir.join("motion.mov");
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .args(["testsrc=duration=1:size=320x240:rate=15"])
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(&out)
        .status()
        .expect("ffmpeg (installed by scripts/test)");
    assert!(status.success());
    std::fs::read(out).unwrap()
}

/// A new small JPEG of `client`'s (`<seed>.jpg`, distinct per seed): its id.
pub async fn upload_fake(client: &Client, seed: u64) -> String {
    client
        .upload_new(&format!("{seed}.jpg"), fake_jpeg(seed, 2000))
        .await
}
