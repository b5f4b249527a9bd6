//! Test harness: runs the real `ferrotype` binary on an ephemeral port with a temporary data
//! folder, and talks to it over HTTP like any client.

#![allow(dead_code)]

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
    /// Keeps the temporary data folder alive as long as the server value.
    _temp: Option<tempfile::TempDir>,
    log: Arc<Mutex<String>>,
}

impl Server {
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

    /// A server on the given data folder (kept after the server stops, for restart tests).
    pub fn start_in(data_dir: &Path, env: &[(&str, &str)]) -> Server {
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
        let addr = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                panic!("server did not start; log:\n{}", log.lock().unwrap());
            }
        };
        Server {
            child,
            base: format!("http://{addr}"),
            data_dir: data_dir.to_path_buf(),
            _temp: None,
            log,
        }
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

    /// Sends SIGTERM and waits for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        signal(self.child.id(), "TERM");
        self.wait(Duration::from_secs(30))
    }

    /// SIGKILL: no chance to clean up, as in a crash.
    pub fn kill(mut self) {
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

    /// Files under the data folder's `upload/` (staging included), relative to the data folder.
    pub fn stored_files(&self) -> Vec<String> {
        let mut files = Vec::new();
        walk(&self.data_dir.join("upload"), &mut files);
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

    /// Asserts an Immich error: status, JSON body with all four fields, and the message.
    pub fn assert_error(&self, status: u16, message: &str) {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        let body = self.json();
        assert_eq!(body["statusCode"], status, "{body}");
        assert!(body["error"].is_string(), "{body}");
        assert!(body["correlationId"].is_string(), "{body}");
        assert_eq!(body["message"], message, "{body}");
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

    pub async fn get(&self, path: &str) -> Reply {
        Reply::from(
            self.request(reqwest::Method::GET, path)
                .send()
                .await
                .expect("send"),
        )
        .await
    }

    pub async fn send_json(&self, method: reqwest::Method, path: &str, body: Value) -> Reply {
        Reply::from(
            self.request(method, path)
                .json(&body)
                .send()
                .await
                .expect("send"),
        )
        .await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send_json(reqwest::Method::POST, path, body).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send_json(reqwest::Method::PUT, path, body).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        Reply::from(
            self.request(reqwest::Method::DELETE, path)
                .send()
                .await
                .expect("send"),
        )
        .await
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
        Reply::from(
            self.request(reqwest::Method::POST, "/api/assets")
                .multipart(form)
                .send()
                .await
                .expect("send"),
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
