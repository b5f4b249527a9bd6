//! A throwaway PostgreSQL cluster for tests. With `FERROTYPE_TEST_DATABASE_URL` set, tests use
//! that server instead (it must let the user create databases). Otherwise the first test of a
//! test binary runs initdb and pg_ctl (Debian's PostgreSQL 15, `/usr/lib/postgresql/15/bin`,
//! or `FERROTYPE_PG_BIN`) on a free port in a temporary folder, with fsync off; as root, as the
//! `postgres` user. Each test gets a fresh database.
//!
//! The cluster is stopped and deleted on Drop, and, since a shared cluster lives in a static
//! (never dropped), also by a watchdog process that waits for the test process to end however
//! it ends (a panic, an abort, SIGKILL).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use tokio_postgres::NoTls;

use crate::PgCatalog;

pub const DATABASE_URL_ENV: &str = "FERROTYPE_TEST_DATABASE_URL";
const DEFAULT_BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct TestCluster {
    /// `postgres://user@host:port` without a database.
    base_url: String,
    /// The cluster's folder, when we started it.
    dir: Option<PathBuf>,
    bin: PathBuf,
    run_as_postgres: bool,
    next_database: AtomicU32,
}

impl TestCluster {
    /// The test binary's cluster, started on first use.
    pub fn shared() -> &'static TestCluster {
        static CLUSTER: OnceLock<TestCluster> = OnceLock::new();
        CLUSTER.get_or_init(|| TestCluster::start().expect("start a PostgreSQL test cluster"))
    }

    /// Uses `FERROTYPE_TEST_DATABASE_URL`, or starts a cluster of our own.
    pub fn start() -> Result<TestCluster, String> {
        if let Ok(url) = std::env::var(DATABASE_URL_ENV) {
            return Ok(TestCluster {
                base_url: strip_database(&url),
                dir: None,
                bin: PathBuf::new(),
                run_as_postgres: false,
                next_database: AtomicU32::new(0),
            });
        }
        let started = Instant::now();
        let bin = PathBuf::from(
            std::env::var("FERROTYPE_PG_BIN").unwrap_or_else(|_| DEFAULT_BIN.to_string()),
        );
        if !bin.join("initdb").exists() {
            return Err(format!(
                "no PostgreSQL at {} (scripts/install-deps installs it), and {DATABASE_URL_ENV} \
                 is not set",
                bin.display()
            ));
        }
        // initdb refuses to run as root.
        let run_as_postgres = std::fs::metadata("/proc/self")
            .map(|m| m.uid())
            .unwrap_or(0)
            == 0;
        let dir = std::env::temp_dir().join(format!(
            "ferrotype-pg-{}-{}",
            std::process::id(),
            started.elapsed().as_nanos()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        if run_as_postgres {
            run(Command::new("chown").arg("postgres:postgres").arg(&dir))?;
        }
        let mut cluster = TestCluster {
            base_url: String::new(),
            dir: Some(dir.clone()),
            bin: bin.clone(),
            run_as_postgres,
            next_database: AtomicU32::new(0),
        };
        cluster.watch_for_exit(&dir);
        let data = dir.join("data");
        run(cluster
            .pg_command("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"])
            .arg("--no-sync"))?;
        let port = free_port()?;
        let options = format!(
            "-k {} -p {port} -h 127.0.0.1 -F -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=300",
            dir.display()
        );
        run(cluster
            .pg_command("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("log"))
            .args(["-w", "-o", &options, "start"]))?;
        tracing::info!(elapsed = ?started.elapsed(), port, "started a PostgreSQL test cluster");
        cluster.base_url = format!("postgres://postgres@127.0.0.1:{port}");
        Ok(cluster)
    }

    /// A new, empty database's URL.
    pub async fn database_url(&self) -> String {
        let name = format!(
            "ferrotype_test_{}_{}",
            std::process::id(),
            self.next_database.fetch_add(1, Ordering::Relaxed)
        );
        let (client, connection) =
            tokio_postgres::connect(&format!("{}/postgres", self.base_url), NoTls)
                .await
                .expect("connect to the test cluster");
        let driver = tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create a test database");
        drop(client);
        let _ = driver.await;
        format!("{}/{name}", self.base_url)
    }

    /// A catalog on a new, empty database.
    pub async fn catalog(&self) -> PgCatalog {
        PgCatalog::connect(&self.database_url().await)
            .await
            .expect("open the catalog")
    }

    fn pg_command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.run_as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    /// Starts a process, in a session of its own so that a Ctrl-C to the tests does not stop
    /// it, that stops the cluster and deletes its folder once this process has ended.
    fn watch_for_exit(&self, dir: &Path) {
        let stop = self.stop_command_line(dir);
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop}",
            pid = std::process::id()
        );
        let _ = Command::new("setsid")
            .args(["sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }

    fn stop_command_line(&self, dir: &Path) -> String {
        let runner = if self.run_as_postgres {
            "runuser -u postgres -- "
        } else {
            ""
        };
        format!(
            "{runner}{bin}/pg_ctl -D {dir}/data -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
            bin = self.bin.display(),
            dir = dir.display()
        )
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = Command::new("sh")
                .args(["-c", &self.stop_command_line(dir)])
                .status();
        }
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{command:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

fn free_port() -> Result<u16, String> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("find a port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("find a port: {e}"))
}

/// `postgres://u:p@h:5432/db?x` -> `postgres://u:p@h:5432` (query options are not kept).
fn strip_database(url: &str) -> String {
    let url = url.split('?').next().unwrap_or(url);
    match url.find("://") {
        Some(scheme_end) => match url[scheme_end + 3..].find('/') {
            Some(slash) => url[..scheme_end + 3 + slash].to_string(),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}
