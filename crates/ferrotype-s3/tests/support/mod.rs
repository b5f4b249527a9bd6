//! Real S3 servers for tests, started by the test itself on a free port of 127.0.0.1: moto
//! (Python, in memory, accepts any credentials) and s3s-fs (Rust, files on disk, checks SigV4
//! signatures). Both are installed into `.cache/` by `scripts/setup-s3`, run here once per
//! process (idempotent, locked); a missing server fails the test, it never skips it.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crate sits two levels below the repository root")
        .to_path_buf()
}

/// Runs `scripts/setup-s3` once per process; the cache folder with both servers.
fn installed() -> PathBuf {
    static READY: OnceLock<PathBuf> = OnceLock::new();
    READY
        .get_or_init(|| {
            let root = repo_root();
            let out = Command::new("bash")
                .arg("scripts/setup-s3")
                .current_dir(&root)
                .stdin(Stdio::null())
                .output()
                .expect("run bash scripts/setup-s3");
            assert!(
                out.status.success(),
                "scripts/setup-s3 failed, so the S3 servers the tests need are missing ({}):\n--- stdout\n{}\n--- stderr\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            root.join(".cache")
        })
        .clone()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Moto,
    S3sFs,
}

pub struct S3Server {
    pub kind: Kind,
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub endpoint: String,
    pub access_key_id: &'static str,
    pub secret_access_key: &'static str,
    /// s3s-fs's files.
    root: Option<tempfile::TempDir>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl S3Server {
    /// Starts a server and returns once it answers HTTP. The port is free when we probe it but
    /// another test may take it before the server binds; a server that exits at start is started
    /// again on a new port.
    pub fn start(kind: Kind) -> S3Server {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match S3Server::try_start(kind) {
                Ok(server) => return server,
                Err(why) if attempt < 3 => eprintln!("{kind:?}: {why}; starting again"),
                Err(why) => panic!("{kind:?}: {why}"),
            }
        }
    }

    fn try_start(kind: Kind) -> Result<S3Server, String> {
        let cache = installed();
        let port = free_port();
        let (mut command, root) = match kind {
            Kind::Moto => {
                let bin = cache.join("moto/bin/moto_server");
                assert!(
                    bin.exists(),
                    "{} is missing: run scripts/setup-s3",
                    bin.display()
                );
                let mut c = Command::new(bin);
                c.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
                (c, None)
            }
            Kind::S3sFs => {
                let bin = cache.join("s3s-fs/bin/s3s-fs");
                assert!(
                    bin.exists(),
                    "{} is missing: run scripts/setup-s3",
                    bin.display()
                );
                let root = tempfile::tempdir().expect("temp dir");
                let mut c = Command::new(bin);
                c.args(["--host", "127.0.0.1", "--port", &port.to_string()])
                    .args(["--access-key", "ferrotype", "--secret-key", "s3s-secret"])
                    .arg(root.path());
                (c, Some(root))
            }
        };
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {kind:?}: {e}"));
        let (access_key_id, secret_access_key) = match kind {
            Kind::Moto => ("moto-key", "moto-secret"),
            Kind::S3sFs => ("ferrotype", "s3s-secret"),
        };
        let mut server = S3Server {
            kind,
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            access_key_id,
            secret_access_key,
            root,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        // Readiness is an HTTP answer, not an accepted connection: a listening socket whose
        // server is still starting can reset the first request.
        loop {
            if let Some(status) = server.child.try_wait().expect("wait") {
                return Err(format!("exited at start ({status})"));
            }
            match server.request("GET / HTTP/1.1") {
                Ok(answer) if answer.starts_with("HTTP/1.") => return Ok(server),
                Ok(_) | Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Ok(answer) => return Err(format!("answered {answer:?} on port {port}")),
                Err(e) => return Err(format!("no HTTP answer on port {port} within 30 s: {e}")),
            }
        }
    }

    /// One request on a fresh connection (`Connection: close`); the whole answer.
    fn request(&self, request_line: &str) -> std::io::Result<String> {
        let port = self.endpoint.rsplit(':').next().unwrap();
        let mut stream = TcpStream::connect(format!("127.0.0.1:{port}"))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "{request_line}\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer)
    }

    /// Creates a bucket: a folder for s3s-fs, an (unsigned: moto takes anything) PUT for moto.
    pub fn create_bucket(&self, name: &str) {
        match &self.root {
            Some(root) => std::fs::create_dir_all(root.path().join(name)).expect("bucket folder"),
            None => {
                let answer = self
                    .request(&format!("PUT /{name} HTTP/1.1"))
                    .unwrap_or_else(|e| panic!("moto did not create bucket {name}: {e}"));
                assert!(
                    answer.starts_with("HTTP/1.1 200"),
                    "moto did not create bucket {name}: {answer}"
                );
            }
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
