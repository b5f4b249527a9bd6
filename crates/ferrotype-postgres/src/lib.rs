//! The PostgreSQL catalog: for installs that outgrow one machine (many API and worker processes
//! on one database). A pool of `tokio-postgres` connections (`deadpool-postgres`); its own
//! migrations (`migrations/`), applied at open under an advisory lock; one more connection that
//! LISTENs for job notifications so that idle workers wake at once, and one for the bus between
//! processes (`bus.rs`).
//!
//! Each area of the `Catalog` port (`UserRepo`, `AssetRepo`, ...) is implemented in its own
//! file; `PgCatalog` is a whole `Catalog` through the port's blanket impl.

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
mod migrate;
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
mod wakeups;

#[cfg(feature = "testing")]
pub mod testing;

use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use ferrotype_core::catalog::{CatalogError, CatalogResult};
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;

/// The advisory lock key of `try_lead` ("ferroone" in ASCII; migrations use "ferrotyp", so a
/// process's migrations never wait behind the leader's lock).
const LEADER_LOCK: i64 = 0x6665_7272_6f6f_6e65;

/// Held while this process leads the scheduled work (the hourly clean-up, the daily version
/// check, the repairs of what gone processes left): the connection holding the lock.
pub struct Leadership {
    conn: deadpool_postgres::ClientWrapper,
}

impl Leadership {
    /// Whether the lock is still held: its connection still answers (a lost connection lost
    /// the lock with it; another process may lead now).
    pub async fn still_held(&self) -> bool {
        self.conn.simple_query("SELECT 1").await.is_ok()
    }
}

/// How many connections one process keeps to the database at most.
const POOL_SIZE: usize = 16;

#[derive(Clone)]
pub struct PgCatalog {
    pool: Pool,
    listener: Arc<wakeups::Listener>,
    bus: Arc<bus::PgBus>,
    /// This handle's instance (`InstanceRepo`).
    instance: uuid::Uuid,
}

impl PgCatalog {
    /// Connects to `url` (`postgres://user:password@host:port/database`) and brings the schema up
    /// to date; safe when several processes start at once.
    pub async fn connect(url: &str) -> CatalogResult<Self> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| CatalogError::Backend(format!("bad database URL: {e}")))?;
        Self::with_config(config).await
    }

    /// As `connect`, with the password given apart (from a secret file) unless it is `None`.
    pub async fn connect_with_password(url: &str, password: Option<&str>) -> CatalogResult<Self> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| CatalogError::Backend(format!("bad database URL: {e}")))?;
        if let Some(password) = password {
            config.password(password);
        }
        Self::with_config(config).await
    }

    pub async fn with_config(config: tokio_postgres::Config) -> CatalogResult<Self> {
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| CatalogError::Backend(format!("database pool: {e}")))?;
        let catalog = PgCatalog {
            pool,
            listener: Arc::new(wakeups::Listener::start(config.clone())),
            bus: bus::PgBus::new(config),
            instance: uuid::Uuid::new_v4(),
        };
        {
            let mut conn = catalog.conn().await?;
            migrate::migrate(&mut conn).await?;
        }
        Ok(catalog)
    }

    /// The schema version: the number of migrations applied.
    pub async fn schema_version(&self) -> CatalogResult<usize> {
        let conn = self.conn().await?;
        let row = conn
            .query_one("SELECT count(*) FROM ferrotype_migrations", &[])
            .await
            .map_err(map_error)?;
        Ok(row.get::<_, i64>(0) as usize)
    }

    /// Becomes the leader of the processes on this database, for as long as the guard lives and
    /// its connection stays up (a session advisory lock on a connection kept out of the pool);
    /// `None` while another process leads. One leader runs the scheduled work, so that it runs
    /// once however many workers there are.
    pub async fn try_lead(&self) -> CatalogResult<Option<Leadership>> {
        let conn = self.conn().await?;
        let row = conn
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LEADER_LOCK])
            .await
            .map_err(map_error)?;
        // The connection holding the lock must not go back to the pool: taken out of it, it
        // closes when the guard is dropped, which lets the lock go.
        Ok(row.get::<_, bool>(0).then(|| Leadership {
            conn: deadpool_postgres::Object::take(conn),
        }))
    }

    /// Wake-ups for idle workers: a job became waiting on some queue (any process's commit).
    pub(crate) fn wakeups(&self) -> &ferrotype_core::jobs::JobWakeups {
        &self.listener.wakeups
    }

    async fn conn(&self) -> CatalogResult<deadpool_postgres::Object> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => map_error(e),
            e => CatalogError::Unavailable(format!("database: {e}")),
        })
    }
}

/// Every area is implemented: the server can hold a `PgCatalog` as its `Arc<dyn Catalog>`.
const _: fn() = || {
    fn is_catalog<T: ferrotype_core::catalog::Catalog>() {}
    is_catalog::<PgCatalog>();
};

/// A broken constraint is a conflict, as on SQLite; a lost or refused connection, a server
/// shutting down or too busy, a deadlock or a serialization failure may succeed if tried again
/// (unavailable); everything else is the backend's.
pub(crate) fn map_error(e: tokio_postgres::Error) -> CatalogError {
    let text = match e.as_db_error() {
        Some(db) => format!("database: {}", db.message()),
        None => format!("database: {e}"),
    };
    match e.code() {
        Some(code)
            if *code == SqlState::UNIQUE_VIOLATION
                || *code == SqlState::FOREIGN_KEY_VIOLATION
                || *code == SqlState::CHECK_VIOLATION
                || *code == SqlState::NOT_NULL_VIOLATION =>
        {
            CatalogError::Conflict(text)
        }
        Some(code)
            if code.code().starts_with("08")
                || code.code().starts_with("57P")
                || *code == SqlState::TOO_MANY_CONNECTIONS
                || *code == SqlState::T_R_SERIALIZATION_FAILURE
                || *code == SqlState::T_R_DEADLOCK_DETECTED
                || *code == SqlState::LOCK_NOT_AVAILABLE =>
        {
            CatalogError::Unavailable(text)
        }
        Some(_) => CatalogError::Backend(text),
        // No SQLSTATE: the connection itself failed (refused, closed, timed out).
        None if e.is_closed() || std::error::Error::source(&e).is_some() => {
            CatalogError::Unavailable(text)
        }
        None => CatalogError::Backend(text),
    }
}

pub(crate) fn is_unique_violation(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// Times are kept to the millisecond, as the SQLite catalog keeps them, so that both give back
/// the same values.
pub(crate) fn ms(t: &DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(3)
}

pub(crate) fn opt_ms(t: &Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    t.as_ref().map(ms)
}

pub(crate) fn now() -> DateTime<Utc> {
    ms(&Utc::now())
}
