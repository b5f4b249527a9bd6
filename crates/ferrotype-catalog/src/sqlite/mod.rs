//! The SQLite catalog: one file in WAL mode. Writes go through one connection (SQLite allows one
//! writer at a time, and queueing them here avoids busy errors); reads use a small pool, so they
//! never wait for writes. Blocking calls run on tokio's blocking threads.

mod activities;
mod albums;
mod api_keys;
mod asset_edits;
mod asset_metadata;
mod assets;
mod bus;
mod edits;
mod faces;
mod instances;
mod jobs;
mod memories;
mod metadata;
mod notifications;
mod partners;
mod people;
mod search;
mod sessions;
mod shared_links;
mod stacks;
mod sync;
mod system;
mod tags;
mod timeline;
mod transfer;
mod users;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use ferrotype_core::catalog::{CatalogError, CatalogResult};
use ferrotype_core::jobs::{JobWakeups, QueueName};
use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, OpenFlags};
use uuid::Uuid;

/// Forward-only migrations, applied in order; `PRAGMA user_version` holds how many have run.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_initial", include_str!("migrations/0001_initial.sql")),
    ("0002_jobs", include_str!("migrations/0002_jobs.sql")),
    (
        "0003_metadata",
        include_str!("migrations/0003_metadata.sql"),
    ),
    (
        "0004_user_metadata",
        include_str!("migrations/0004_user_metadata.sql"),
    ),
    ("0005_sync", include_str!("migrations/0005_sync.sql")),
    (
        "0006_asset_metadata",
        include_str!("migrations/0006_asset_metadata.sql"),
    ),
    (
        "0007_album_users",
        include_str!("migrations/0007_album_users.sql"),
    ),
    (
        "0008_timeline",
        include_str!("migrations/0008_timeline.sql"),
    ),
    (
        "0009_shared_links",
        include_str!("migrations/0009_shared_links.sql"),
    ),
    (
        "0010_system_metadata",
        include_str!("migrations/0010_system_metadata.sql"),
    ),
    (
        "0011_sessions_pin",
        include_str!("migrations/0011_sessions_pin.sql"),
    ),
    ("0012_moves", include_str!("migrations/0012_moves.sql")),
    (
        "0013_notifications",
        include_str!("migrations/0013_notifications.sql"),
    ),
    (
        "0014_job_leases",
        include_str!("migrations/0014_job_leases.sql"),
    ),
    (
        "0015_partners",
        include_str!("migrations/0015_partners.sql"),
    ),
    (
        "0016_instances",
        include_str!("migrations/0016_instances.sql"),
    ),
    ("0017_search", include_str!("migrations/0017_search.sql")),
    ("0018_tags", include_str!("migrations/0018_tags.sql")),
    (
        "0019_activities",
        include_str!("migrations/0019_activities.sql"),
    ),
    (
        "0020_asset_metadata_sync",
        include_str!("migrations/0020_asset_metadata_sync.sql"),
    ),
    ("0021_stacks", include_str!("migrations/0021_stacks.sql")),
    (
        "0022_memories",
        include_str!("migrations/0022_memories.sql"),
    ),
    (
        "0023_asset_edits",
        include_str!("migrations/0023_asset_edits.sql"),
    ),
    ("0024_people", include_str!("migrations/0024_people.sql")),
    ("0025_faces", include_str!("migrations/0025_faces.sql")),
    (
        "0026_search_order",
        include_str!("migrations/0026_search_order.sql"),
    ),
];

/// How many idle read connections are kept open.
const MAX_IDLE_READERS: usize = 8;

#[derive(Clone)]
pub struct SqliteCatalog {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    bus: tokio::sync::broadcast::Sender<Arc<str>>,
    /// This handle's instance (`InstanceRepo`).
    instance: Uuid,
    wakeups: JobWakeups,
    /// Queues whose jobs became waiting in the write under way (the writer's temporary
    /// triggers note them); their workers are woken once it is over, as PostgreSQL notifies at
    /// commit. A write that rolls back wakes them for nothing, which is harmless.
    woken: Arc<Mutex<Vec<String>>>,
    /// When the query planner's statistics were last brought up to date (`refresh_statistics`).
    statistics_at: Mutex<std::time::Instant>,
}

/// How often the heartbeat brings the planner's statistics up to date.
pub(crate) const STATISTICS_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Brings the query planner's statistics (`sqlite_stat1`) up to date where a table changed much
/// since they were taken, reading at most about 1,000 rows per index (SQLite's advice for
/// long-lived connections). Without them the planner cannot tell a filter matching one asset in
/// two hundred (a city: read through its index, then sort) from one matching most (scan in
/// time order and stop at the page's end); with them each search takes the right road.
/// `at_open` also analyses tables never analysed.
pub(crate) fn refresh_statistics(conn: &Connection, at_open: bool) -> rusqlite::Result<()> {
    let optimize = if at_open {
        "PRAGMA optimize = 0x10002"
    } else {
        "PRAGMA optimize"
    };
    conn.execute_batch(&format!("PRAGMA analysis_limit = 1000; {optimize};"))
}

impl SqliteCatalog {
    /// Opens (creating if needed) the catalog file and brings its schema up to date.
    pub fn open(path: &Path) -> CatalogResult<Self> {
        let mut writer = open_connection(path)?;
        migrate(&mut writer)?;
        refresh_statistics(&writer, true).map_err(map_error)?;
        let woken: Arc<Mutex<Vec<String>>> = Arc::default();
        note_waiting_jobs(&writer, woken.clone())?;
        Ok(SqliteCatalog {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
                bus: tokio::sync::broadcast::channel(ferrotype_core::catalog::BUS_BACKLOG).0,
                instance: Uuid::new_v4(),
                wakeups: JobWakeups::new(true),
                woken,
                statistics_at: Mutex::new(std::time::Instant::now()),
            }),
        })
    }

    /// Wake-ups for this process's workers, bumped after each write that made jobs waiting
    /// (one process per data folder, so every enqueue goes through here).
    pub(crate) fn wakeups(&self) -> &JobWakeups {
        &self.inner.wakeups
    }

    /// The schema version: the number of migrations applied.
    pub fn schema_version(&self) -> CatalogResult<usize> {
        let conn = lock(&self.inner.writer);
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(backend)?;
        Ok(v as usize)
    }

    async fn read<T, F>(&self, f: F) -> CatalogResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || with_reader(&inner, f))
            .await
            .map_err(|e| CatalogError::Backend(format!("catalog task failed: {e}")))?
    }

    async fn write<T, F>(&self, f: F) -> CatalogResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = lock(&inner.writer);
            let result = f(&mut conn).map_err(map_error);
            drop(conn);
            let woken = std::mem::take(&mut *lock(&inner.woken));
            for queue in woken.iter().filter_map(|q| QueueName::parse(q)) {
                inner.wakeups.wake(queue);
            }
            result
        })
        .await
        .map_err(|e| CatalogError::Backend(format!("catalog task failed: {e}")))?
    }
}

/// Runs `f` on a pooled read connection (opening one if none is idle), then pools it again.
fn with_reader<T>(
    inner: &Inner,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> CatalogResult<T> {
    let pooled = lock(&inner.readers).pop();
    let conn = match pooled {
        Some(c) => c,
        None => open_connection(&inner.path)?,
    };
    let result = f(&conn).map_err(map_error);
    let mut idle = lock(&inner.readers);
    if idle.len() < MAX_IDLE_READERS {
        idle.push(conn);
    }
    result
}

/// A poisoned lock only means another thread panicked mid-call; SQLite's own transactions keep
/// the data consistent, so carry on with the connection.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn open_connection(path: &Path) -> CatalogResult<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(backend)?;
    // FULL: a commit is on disk before we acknowledge an upload.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 10000;",
    )
    .map_err(map_error)?;
    conn.create_scalar_function("uuid7", 0, FunctionFlags::SQLITE_UTF8, |_| {
        Ok(next_update_id().to_string())
    })
    .map_err(backend)?;
    Ok(conn)
}

/// On the writer only: temporary triggers note the queue of every job that becomes waiting
/// (inserted, or updated to waiting), as PostgreSQL's `jobs_notify` trigger does.
fn note_waiting_jobs(conn: &Connection, woken: Arc<Mutex<Vec<String>>>) -> CatalogResult<()> {
    conn.create_scalar_function(
        "ferrotype_job_waiting",
        1,
        FunctionFlags::SQLITE_UTF8,
        move |ctx| {
            let queue: String = ctx.get(0)?;
            let mut woken = lock(&woken);
            if !woken.contains(&queue) {
                woken.push(queue);
            }
            Ok(true)
        },
    )
    .map_err(backend)?;
    conn.execute_batch(
        "CREATE TEMP TRIGGER jobs_waiting_inserted AFTER INSERT ON main.jobs
             WHEN NEW.status = 'waiting'
         BEGIN SELECT ferrotype_job_waiting(NEW.queue); END;
         CREATE TEMP TRIGGER jobs_waiting_updated AFTER UPDATE OF status ON main.jobs
             WHEN NEW.status = 'waiting'
         BEGIN SELECT ferrotype_job_waiting(NEW.queue); END;",
    )
    .map_err(backend)
}

/// A UUIDv7 greater than every one this process made before: the sync cursor must grow even
/// when the clock steps back or two ids fall in the same millisecond.
pub(crate) fn next_update_id() -> Uuid {
    static LAST: Mutex<u128> = Mutex::new(0);
    let mut last = lock(&LAST);
    let fresh = Uuid::now_v7().as_u128();
    // Past the last one: add one to its random bits (a v7 stays a v7 below 2^62 of them).
    let next = if fresh > *last { fresh } else { *last + 1 };
    *last = next;
    Uuid::from_u128(next)
}

fn migrate(conn: &mut Connection) -> CatalogResult<()> {
    let applied: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(backend)?;
    if applied as usize > MIGRATIONS.len() {
        return Err(CatalogError::Backend(format!(
            "the catalog has schema version {applied}, newer than this Ferrotype knows ({}); \
             run a newer Ferrotype",
            MIGRATIONS.len()
        )));
    }
    // A migration may rewrite every row of a large table (0026 copies each asset's time beside
    // its search rows): with SQLite's 2 MB page cache, a million assets took 9 minutes, with
    // a large one 35 s. The cache only grows as far as it is used and goes back after.
    let pending = MIGRATIONS.len() > applied as usize;
    if pending {
        conn.execute_batch("PRAGMA cache_size = -1000000")
            .map_err(backend)?;
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
        let tx = conn.transaction().map_err(backend)?;
        tx.execute_batch(sql)
            .map_err(|e| CatalogError::Backend(format!("migration {name} failed: {e}")))?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
        tracing::info!(migration = name, "applied catalog migration");
    }
    if pending {
        conn.execute_batch("PRAGMA cache_size = -2000")
            .map_err(backend)?;
    }
    Ok(())
}

fn backend(e: rusqlite::Error) -> CatalogError {
    CatalogError::Backend(e.to_string())
}

fn map_error(e: rusqlite::Error) -> CatalogError {
    match &e {
        rusqlite::Error::SqliteFailure(err, _) => match err.code {
            rusqlite::ErrorCode::ConstraintViolation => CatalogError::Conflict(e.to_string()),
            // Past `busy_timeout`: another process holds the file; a later try may get it.
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                CatalogError::Unavailable(e.to_string())
            }
            _ => backend(e),
        },
        rusqlite::Error::QueryReturnedNoRows => CatalogError::NotFound(e.to_string()),
        _ => backend(e),
    }
}

pub(crate) fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn opt_ts(t: &Option<DateTime<Utc>>) -> Option<String> {
    t.as_ref().map(ts)
}

/// Reads a stored timestamp; a corrupt one is a conversion error, not a panic.
pub(crate) fn parse_ts(s: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        })
}

pub(crate) fn parse_uuid(s: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

pub(crate) fn opt_parse_ts(s: Option<String>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

pub(crate) fn opt_parse_uuid(s: Option<String>) -> rusqlite::Result<Option<Uuid>> {
    s.as_deref().map(parse_uuid).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: std::ffi::c_int) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn errors_keep_their_kind() {
        assert!(matches!(
            map_error(failure(rusqlite::ffi::SQLITE_BUSY)),
            CatalogError::Unavailable(_)
        ));
        assert!(matches!(
            map_error(failure(rusqlite::ffi::SQLITE_LOCKED)),
            CatalogError::Unavailable(_)
        ));
        assert!(matches!(
            map_error(failure(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)),
            CatalogError::Conflict(_)
        ));
        assert!(matches!(
            map_error(rusqlite::Error::QueryReturnedNoRows),
            CatalogError::NotFound(_)
        ));
        assert!(matches!(
            map_error(failure(rusqlite::ffi::SQLITE_CORRUPT)),
            CatalogError::Backend(_)
        ));
    }

    /// 0014 turns the column-per-job status into rows, keeping what was done.
    #[test]
    fn job_status_columns_become_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let conn = open_connection(&path).unwrap();
            for (_, sql) in &MIGRATIONS[..13] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 13).unwrap();
            conn.execute_batch(
                "INSERT INTO users (id, email, name, avatar_color, profile_changed_at, created_at,
                    updated_at)
                 VALUES ('u', 'u@x', 'u', 'primary', 't', 't', 't');
                 INSERT INTO assets (id, owner_id, type, original_path, original_file_name,
                    checksum, file_size, file_created_at, file_modified_at, local_date_time,
                    created_at, updated_at)
                 SELECT v.column1, 'u', 'IMAGE', v.column1, v.column1, v.column1, 1, 't', 't',
                    't', 't', 't'
                 FROM (VALUES ('a1'), ('a2'), ('a3')) v;
                 INSERT INTO asset_job_status VALUES
                    ('a1', '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'),
                    ('a2', '2026-01-03T00:00:00.000Z', NULL),
                    ('a3', NULL, NULL);
                 INSERT INTO jobs (queue, name, status, run_after, worker, heartbeat_at,
                    created_at, updated_at)
                 VALUES ('metadataExtraction', 'X', 'active', '2026-01-01T00:00:00.000Z', 'w',
                    '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z',
                    '2026-01-01T00:00:00.000Z');",
            )
            .unwrap();
        }
        let catalog = SqliteCatalog::open(&path).unwrap();
        assert_eq!(catalog.schema_version().unwrap(), MIGRATIONS.len());
        let conn = lock(&catalog.inner.writer);
        let mut stmt = conn
            .prepare("SELECT asset_id, job, done_at FROM asset_job_status ORDER BY 1, 2")
            .unwrap();
        let rows: Vec<(String, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let row = |a: &str, j: &str, t: &str| (a.to_string(), j.to_string(), t.to_string());
        assert_eq!(
            rows,
            [
                row("a1", "AssetExtractMetadata", "2026-01-01T00:00:00.000Z"),
                row("a1", "AssetGenerateThumbnails", "2026-01-02T00:00:00.000Z"),
                row("a2", "AssetExtractMetadata", "2026-01-03T00:00:00.000Z"),
            ]
        );
        // The old heartbeat reads as an expired lease: the job is put back by the next sweep.
        let lease: String = conn
            .query_row("SELECT lease_expires_at FROM jobs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(lease, "2026-01-01T00:00:00.000Z");
    }

    /// 0018 gives keywords kept as whole paths the levels above them, and every tag its parent.
    #[test]
    fn tag_paths_get_their_levels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let before = MIGRATIONS
            .iter()
            .position(|(name, _)| *name == "0018_tags")
            .unwrap();
        {
            let conn = open_connection(&path).unwrap();
            for (_, sql) in &MIGRATIONS[..before] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", before as i64)
                .unwrap();
            conn.execute_batch(
                "INSERT INTO users (id, email, name, avatar_color, profile_changed_at, created_at,
                    updated_at)
                 VALUES ('u', 'u@x', 'u', 'primary', 't', 't', 't'),
                    ('w', 'w@x', 'w', 'primary', 't', 't', 't');
                 INSERT INTO tags (id, user_id, value, created_at, updated_at) VALUES
                    ('t1', 'u', 'Trips/Rome/Forum', 't', 't'),
                    ('t2', 'u', 'Trips', 't', 't'),
                    ('t3', 'u', 'Sun', 't', 't'),
                    ('t4', 'w', 'Trips/Paris', 't', 't');",
            )
            .unwrap();
        }
        let catalog = SqliteCatalog::open(&path).unwrap();
        let conn = lock(&catalog.inner.writer);
        let mut stmt = conn
            .prepare(
                "SELECT t.user_id, t.value, p.value FROM tags t
                 LEFT JOIN tags p ON p.id = t.parent_id ORDER BY 1, 2",
            )
            .unwrap();
        let rows: Vec<(String, String, Option<String>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let row = |u: &str, v: &str, p: Option<&str>| {
            (u.to_string(), v.to_string(), p.map(str::to_string))
        };
        assert_eq!(
            rows,
            [
                row("u", "Sun", None),
                row("u", "Trips", None),
                row("u", "Trips/Rome", Some("Trips")),
                row("u", "Trips/Rome/Forum", Some("Trips/Rome")),
                row("w", "Trips", None),
                row("w", "Trips/Paris", Some("Trips")),
            ]
        );
        let made: String = conn
            .query_row("SELECT id FROM tags WHERE value = 'Trips/Rome'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(Uuid::parse_str(&made).is_ok_and(|id| id.get_version_num() == 4));
    }
}
