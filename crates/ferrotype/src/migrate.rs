//! `ferrotype migrate --to <catalog> --store <store>`: copies the install the configuration
//! describes (the source: SQLite or PostgreSQL, the data folder or S3) into another (the target),
//! in either direction, through the ports only: the catalog as plain tables
//! (`ferrotype_core::transfer::CatalogTransfer`), the blobs through `BlobStore`.
//!
//! One run is one pass: rows the target has that the source no longer has are deleted (children
//! first), then every table is copied by primary-key pages (parents first; an unchanged row is
//! not rewritten), then the blobs the target lacks or has with another size are streamed over,
//! and blobs the source no longer has are deleted from the target. Then the copy is verified: row
//! counts per table, the same blob names with the same sizes, and every original's SHA-1,
//! recomputed from the target, equal to its asset row's checksum. A pass cut short anywhere is
//! finished by running it again. The source may be served during a pass; a pass made after
//! stopping its server makes the target exact.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use ferrotype_blob::LocalBlobStore;
use ferrotype_catalog::SqliteCatalog;
use ferrotype_core::blob::{BlobError, BlobStore, ByteRange, ByteStream};
use ferrotype_core::catalog::CatalogError;
use ferrotype_core::catalog::InstanceRepo;
use ferrotype_core::transfer::{CatalogTransfer, Row, Table, Value, dependency_order};
use ferrotype_postgres::PgCatalog;
use ferrotype_s3::{S3BlobStore, S3Config};
use futures_util::{StreamExt, TryStreamExt};
use sha1::{Digest, Sha1};
use tokio::io::AsyncReadExt;

use crate::config::{Config, Storage};
use crate::serve;

#[derive(clap::Args, Debug)]
pub struct MigrateArgs {
    /// The target catalog: a postgres:// URL, or for SQLite a data folder (its ferrotype.db) or
    /// a .db file.
    #[arg(long, env = "FERROTYPE_MIGRATE_TO")]
    to: String,
    /// The target blob store: s3://bucket/prefix, or a folder (the target's data folder).
    #[arg(long, env = "FERROTYPE_MIGRATE_STORE")]
    store: String,
    /// The target PostgreSQL password, when not in the URL.
    #[arg(
        long,
        env = "FERROTYPE_MIGRATE_DATABASE_PASSWORD",
        hide_env_values = true
    )]
    database_password: Option<String>,
    /// The target S3 server's URL; empty: AWS.
    #[arg(long, env = "FERROTYPE_MIGRATE_S3_ENDPOINT", default_value = "")]
    s3_endpoint: String,
    /// The target bucket's region.
    #[arg(long, env = "FERROTYPE_MIGRATE_S3_REGION", default_value = "us-east-1")]
    s3_region: String,
    /// The target S3 access key id.
    #[arg(long, env = "FERROTYPE_MIGRATE_S3_ACCESS_KEY_ID")]
    s3_access_key_id: Option<String>,
    /// The target S3 secret access key (best from the environment:
    /// FERROTYPE_MIGRATE_S3_SECRET_ACCESS_KEY).
    #[arg(
        long,
        env = "FERROTYPE_MIGRATE_S3_SECRET_ACCESS_KEY",
        hide_env_values = true
    )]
    s3_secret_access_key: Option<String>,
    /// Rows read and written at a time.
    #[arg(long, default_value_t = 500)]
    batch_rows: usize,
    /// Blobs copied at once.
    #[arg(long, default_value_t = 4)]
    parallel_blobs: usize,
    /// Tests only: stop the process abruptly after this many writes (row batches and blobs),
    /// as a crash would.
    #[arg(long, hide = true, env = "FERROTYPE_MIGRATE_STOP_AFTER")]
    stop_after: Option<u64>,
}

/// Tables of a running install's state, not of its library: the processes alive on it (the
/// target's own servers register when they start).
const NOT_COPIED: &[&str] = &["server_instances"];

/// The table whose first row names an install (the version history starts at its first start).
const INSTALL_TABLE: &str = "version_history";

/// Counts writes for the tests' abrupt stop.
struct Writes {
    done: AtomicU64,
    stop_after: Option<u64>,
}

impl Writes {
    fn one(&self) {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        if self.stop_after.is_some_and(|n| done >= n) {
            eprintln!("migrate: stopping after {done} writes, as asked");
            std::process::exit(99);
        }
    }
}

/// Prints progress lines to stderr, at most one a second per step (and always the last).
struct Progress {
    last: Instant,
}

impl Progress {
    fn new() -> Self {
        Progress {
            last: Instant::now()
                .checked_sub(Duration::from_secs(10))
                .unwrap_or_else(Instant::now),
        }
    }

    fn show(&mut self, what: &str, done: u64, total: u64) {
        if done >= total || self.last.elapsed() >= Duration::from_secs(1) {
            eprintln!("{what}: {done}/{total}");
            self.last = Instant::now();
        }
    }
}

enum CatalogTarget {
    Postgres(String),
    Sqlite(PathBuf),
}

enum StoreTarget {
    S3(S3Config),
    Local(PathBuf),
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn temporary_staging() -> PathBuf {
    std::env::temp_dir().join(format!("ferrotype-migrate-{}", std::process::id()))
}

fn parse_targets(args: &MigrateArgs) -> anyhow::Result<(CatalogTarget, StoreTarget)> {
    let catalog = if args.to.starts_with("postgres://") || args.to.starts_with("postgresql://") {
        CatalogTarget::Postgres(args.to.clone())
    } else if args.to.contains("://") {
        bail!(
            "--to {}: neither a postgres:// URL nor a folder or .db file for SQLite",
            redact(&args.to)
        );
    } else {
        let path = PathBuf::from(&args.to);
        if path.extension().is_some_and(|e| e == "db") && !path.is_dir() {
            CatalogTarget::Sqlite(path)
        } else {
            CatalogTarget::Sqlite(path.join("ferrotype.db"))
        }
    };
    let store = if args.store.starts_with("s3://") {
        let (bucket, prefix) =
            ferrotype_s3::parse_url(&args.store).map_err(|e| anyhow::anyhow!("--store: {e}"))?;
        let (Some(access_key_id), Some(secret_access_key)) =
            (&args.s3_access_key_id, &args.s3_secret_access_key)
        else {
            bail!(
                "--store {}: an S3 target needs --s3-access-key-id and --s3-secret-access-key \
                 (or FERROTYPE_MIGRATE_S3_ACCESS_KEY_ID and FERROTYPE_MIGRATE_S3_SECRET_ACCESS_KEY)",
                args.store
            );
        };
        if !(args.s3_endpoint.is_empty()
            || args.s3_endpoint.starts_with("http://")
            || args.s3_endpoint.starts_with("https://"))
        {
            bail!(
                "--s3-endpoint '{}' is not an http:// or https:// URL",
                args.s3_endpoint
            );
        }
        StoreTarget::S3(S3Config {
            bucket,
            prefix,
            endpoint: args.s3_endpoint.clone(),
            region: args.s3_region.clone(),
            access_key_id: access_key_id.clone(),
            secret_access_key: secret_access_key.clone(),
            part_size: ferrotype_s3::DEFAULT_PART_SIZE,
            staging_dir: temporary_staging(),
        })
    } else if args.store.contains("://") {
        bail!("--store {}: neither an s3:// URL nor a folder", args.store);
    } else {
        StoreTarget::Local(PathBuf::from(&args.store))
    };
    Ok((catalog, store))
}

/// Locks held for the copy: a server cannot start on a target folder (nor on a source folder,
/// when it was not running when we began) until we are done. A PostgreSQL database has no such
/// lock (many processes share one): a server alive on it (`live_instances`) is refused as a
/// target and makes a source count as served.
#[derive(Default)]
struct Held {
    _folders: Vec<serve::DataFolderLock>,
}

fn same_path(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

pub async fn run(config: Config, args: MigrateArgs) -> anyhow::Result<()> {
    let (catalog_target, store_target) = parse_targets(&args)?;
    let source_db = config.data_dir.join("ferrotype.db");
    match (&catalog_target, &config.database_url) {
        (CatalogTarget::Postgres(to), Some(from)) if to == from => {
            bail!("--to names the source's own catalog (database.url)")
        }
        (CatalogTarget::Sqlite(to), None) if same_path(to, &source_db) => {
            bail!(
                "--to names the source's own catalog ({})",
                source_db.display()
            )
        }
        _ => {}
    }
    match (&store_target, &config.storage) {
        (StoreTarget::Local(to), Storage::Local) if same_path(to, &config.data_dir) => {
            bail!("--store names the source's own data folder")
        }
        (StoreTarget::S3(to), Storage::S3(from))
            if to.bucket == from.bucket
                && to.prefix == from.prefix
                && to.endpoint == from.endpoint =>
        {
            bail!("--store names the source's own bucket and prefix (storage.url)")
        }
        _ => {}
    }
    let mut held = Held::default();

    // The target first: a wrong target is refused before the source is opened at all.
    let (target, target_name): (Arc<dyn CatalogTransfer>, String) = match &catalog_target {
        CatalogTarget::Postgres(url) => {
            let name = format!("PostgreSQL {}", redact(url));
            let pg = PgCatalog::connect_with_password(url, args.database_password.as_deref())
                .await
                .with_context(|| format!("cannot open the target catalog, {name}"))?;
            if !pg.live_instances().await?.is_empty() {
                bail!("a Ferrotype server is using the target database; stop it first");
            }
            (Arc::new(pg), name)
        }
        CatalogTarget::Sqlite(path) => {
            let folder = path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(folder)
                .with_context(|| format!("cannot create {}", folder.display()))?;
            held._folders.push(
                serve::lock_data_folder(folder)
                    .context("the target folder is in use; stop its server first")?,
            );
            let name = format!("SQLite {}", path.display());
            let sqlite = SqliteCatalog::open(path)
                .with_context(|| format!("cannot open the target catalog, {name}"))?;
            (Arc::new(sqlite), name)
        }
    };
    let target_blobs: Arc<dyn BlobStore> = match &store_target {
        StoreTarget::S3(s3) => {
            let store = S3BlobStore::open(s3).context("cannot set up the target S3 store")?;
            serve::reach_s3(&store, &s3.bucket, &s3.endpoint, "the target").await?;
            Arc::new(store)
        }
        StoreTarget::Local(folder) => Arc::new(
            LocalBlobStore::open(folder)
                .with_context(|| format!("cannot open the target folder {}", folder.display()))?,
        ),
    };

    // The source: the install the configuration describes, maybe being served.
    let mut source_served = false;
    let (source, source_name): (Arc<dyn CatalogTransfer>, String) = match &config.database_url {
        Some(url) => {
            let pg = serve::connect_postgres(&config, url)
                .await
                .context("cannot open the source catalog")?;
            source_served = !pg.live_instances().await?.is_empty();
            (Arc::new(pg), format!("PostgreSQL {}", redact(url)))
        }
        None => {
            if !source_db.exists() {
                bail!(
                    "no catalog in the source data folder {} (storage.data_dir)",
                    config.data_dir.display()
                );
            }
            match serve::lock_data_folder(&config.data_dir) {
                Ok(lock) => held._folders.push(lock),
                Err(_) => source_served = true,
            }
            let sqlite =
                SqliteCatalog::open(&source_db).context("cannot open the source catalog")?;
            (Arc::new(sqlite), format!("SQLite {}", source_db.display()))
        }
    };
    let source_blobs: Arc<dyn BlobStore> = match &config.storage {
        Storage::Local => Arc::new(LocalBlobStore::open_beside_server(&config.data_dir)),
        Storage::S3(s3) => {
            let store = S3BlobStore::open(&s3.store_config(temporary_staging().join("source")))
                .context("cannot set up the source S3 store")?;
            serve::reach_s3(&store, &s3.bucket, &s3.endpoint, "the source").await?;
            Arc::new(store)
        }
    };
    eprintln!("migrate: from {source_name} to {target_name}");
    if source_served {
        eprintln!(
            "migrate: the source is being served: this pass copies what it reads as it goes; \
             stop the server and run migrate again for an exact copy"
        );
    }

    let tables = compare_schemas(source.as_ref(), target.as_ref()).await?;
    check_same_install(source.as_ref(), target.as_ref(), &tables).await?;

    let writes = Writes {
        done: AtomicU64::new(0),
        stop_after: args.stop_after,
    };
    let batch = args.batch_rows.max(1);
    let mut problems = Vec::new();
    // Children first when deleting, parents first when copying.
    for plan in tables.iter().rev() {
        prune_table(source.as_ref(), target.as_ref(), plan, batch, &writes).await?;
    }
    for plan in &tables {
        let skipped = copy_table(source.as_ref(), target.as_ref(), plan, batch, &writes).await?;
        if let Some(reason) = skipped {
            problems.push(reason);
        }
    }
    target
        .finish()
        .await
        .context("cannot move the target's id sequences past the copied ids")?;
    copy_blobs(
        source_blobs.clone(),
        target_blobs.clone(),
        args.parallel_blobs.max(1),
        &writes,
    )
    .await?;

    // Verification.
    eprintln!("migrate: verifying");
    for plan in &tables {
        let (from, to) = (
            source.count(&plan.name).await?,
            target.count(&plan.name).await?,
        );
        if from != to {
            problems.push(format!(
                "table {}: {from} rows in the source, {to} in the target",
                plan.name
            ));
        }
    }
    problems.extend(verify_blobs(source_blobs.as_ref(), target_blobs.as_ref()).await?);
    problems.extend(verify_originals(target.as_ref(), target_blobs.as_ref(), batch).await?);
    let _ = std::fs::remove_dir_all(temporary_staging());
    if !problems.is_empty() {
        let shown: Vec<&String> = problems.iter().take(20).collect();
        bail!(
            "the copy does not match the source ({} differences):\n  {}{}\n{}",
            problems.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n  "),
            if problems.len() > 20 { "\n  ..." } else { "" },
            if source_served {
                "the source was being served: stop its server and run migrate again"
            } else {
                "run migrate again; if the differences stay, the target was changed by something else"
            }
        );
    }
    eprintln!(
        "migrate: done: {} tables and every blob copied and verified; the target is {}",
        tables.len(),
        if source_served {
            "as the source was while it was read (stop its server and run again for an exact copy)"
        } else {
            "an exact copy"
        }
    );
    Ok(())
}

/// A table to copy, with the columns both sides have.
struct Plan {
    name: String,
    columns: Vec<String>,
    key: Vec<String>,
}

/// Both catalogs must have the same tables with the same columns (a column the backend makes
/// itself, such as PostgreSQL's `notifications.seq`, may be missing on one side). Returns the
/// tables in the order to fill them.
async fn compare_schemas(
    source: &dyn CatalogTransfer,
    target: &dyn CatalogTransfer,
) -> anyhow::Result<Vec<Plan>> {
    let from = source
        .tables()
        .await
        .context("cannot read the source's tables")?;
    let to = target
        .tables()
        .await
        .context("cannot read the target's tables")?;
    let mut differences = Vec::new();
    for table in &from {
        if !to.iter().any(|t| t.name == table.name) {
            differences.push(format!("table {} is only in the source", table.name));
        }
    }
    for table in &to {
        let Some(theirs) = from.iter().find(|t| t.name == table.name) else {
            differences.push(format!("table {} is only in the target", table.name));
            continue;
        };
        let mut own = Vec::new();
        for column in &theirs.columns {
            if table.column(&column.name).is_none() && !column.generated {
                own.push(format!(
                    "column {}.{} is only in the source",
                    table.name, column.name
                ));
            }
        }
        for column in &table.columns {
            if theirs.column(&column.name).is_none() && !column.generated {
                own.push(format!(
                    "column {}.{} is only in the target",
                    table.name, column.name
                ));
            }
        }
        if theirs.primary_key != table.primary_key {
            own.push(format!(
                "table {}: primary key ({}) in the source, ({}) in the target",
                table.name,
                theirs.primary_key.join(", "),
                table.primary_key.join(", ")
            ));
        }
        differences.extend(own);
    }
    if !differences.is_empty() {
        bail!(
            "the source and target schemas differ, so nothing was copied (run the same \
             Ferrotype version on both):\n  {}",
            differences.join("\n  ")
        );
    }
    let copied: Vec<Table> = from
        .into_iter()
        .filter(|t| !NOT_COPIED.contains(&t.name.as_str()))
        .collect();
    let mut order = dependency_order(&copied);
    // The install's name first, so that a copy cut short is recognised as this install's.
    if let Some(i) = order.iter().position(|t| t.name == INSTALL_TABLE) {
        let table = order.remove(i);
        order.insert(0, table);
    }
    Ok(order
        .into_iter()
        .map(|table| {
            let other = to.iter().find(|t| t.name == table.name).expect("compared");
            Plan {
                name: table.name.clone(),
                columns: table
                    .columns
                    .iter()
                    .filter(|c| other.column(&c.name).is_some())
                    .map(|c| c.name.clone())
                    .collect(),
                key: table.primary_key.clone(),
            }
        })
        .collect())
}

fn as_time(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::Timestamp(t) => Some(*t),
        Value::Text(s) => DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        _ => None,
    }
}

fn as_uuid(value: &Value) -> Option<uuid::Uuid> {
    match value {
        Value::Uuid(u) => Some(*u),
        Value::Text(s) => uuid::Uuid::parse_str(s).ok(),
        _ => None,
    }
}

/// An install's name: the id of its first version-history row, written at its first start and
/// copied along with everything else.
async fn install_id(catalog: &dyn CatalogTransfer) -> anyhow::Result<Option<uuid::Uuid>> {
    let columns = ["id".to_string(), "created_at".to_string()];
    let mut first: Option<(DateTime<Utc>, uuid::Uuid)> = None;
    let mut after: Option<Row> = None;
    loop {
        let page = catalog
            .read_page(INSTALL_TABLE, &columns, after.as_deref(), 1000)
            .await?;
        for row in &page {
            if let (Some(id), Some(at)) = (as_uuid(&row[0]), as_time(&row[1]))
                && first.is_none_or(|(t, _)| at < t)
            {
                first = Some((at, id));
            }
        }
        match page.last() {
            Some(row) => after = Some(vec![row[0].clone()]),
            None => break,
        }
    }
    Ok(first.map(|(_, id)| id))
}

/// The target must be empty, or hold a copy (maybe partial) of this same install.
async fn check_same_install(
    source: &dyn CatalogTransfer,
    target: &dyn CatalogTransfer,
    tables: &[Plan],
) -> anyhow::Result<()> {
    let Some(source_id) = install_id(source).await? else {
        bail!(
            "the source has no version history, so it cannot be told apart from other installs: \
             start its server once, then migrate"
        );
    };
    match install_id(target).await? {
        Some(id) if id == source_id => {
            eprintln!("migrate: the target holds an earlier copy of this install: resuming");
            Ok(())
        }
        Some(_) => bail!(
            "the target already holds another Ferrotype install; migrate only fills an empty \
             target or one it filled from this same source"
        ),
        None => {
            for plan in tables {
                if target.count(&plan.name).await? > 0 {
                    bail!(
                        "the target is not empty (table {} has rows) but holds no install; \
                         migrate only fills an empty target or one it filled from this same source",
                        plan.name
                    );
                }
            }
            Ok(())
        }
    }
}

fn key_of(plan: &Plan, row: &Row) -> Row {
    plan.key
        .iter()
        .map(|k| {
            let i = plan
                .columns
                .iter()
                .position(|c| c == k)
                .expect("key column");
            row[i].clone()
        })
        .collect()
}

/// Deletes the target's rows whose keys the source no longer has.
async fn prune_table(
    source: &dyn CatalogTransfer,
    target: &dyn CatalogTransfer,
    plan: &Plan,
    batch: usize,
    writes: &Writes,
) -> anyhow::Result<()> {
    let mut after: Option<Row> = None;
    let mut deleted = 0u64;
    loop {
        let keys = target
            .read_page(&plan.name, &plan.key, after.as_deref(), batch)
            .await
            .with_context(|| format!("cannot read the target's {}", plan.name))?;
        let Some(last) = keys.last() else { break };
        after = Some(last.clone());
        let present = source
            .contains_keys(&plan.name, &keys)
            .await
            .with_context(|| format!("cannot look up the source's {}", plan.name))?;
        let gone: Vec<Row> = keys
            .into_iter()
            .zip(present)
            .filter(|(_, present)| !present)
            .map(|(key, _)| key)
            .collect();
        if !gone.is_empty() {
            deleted += target
                .delete(&plan.name, &gone)
                .await
                .with_context(|| format!("cannot delete from the target's {}", plan.name))?;
            writes.one();
        }
    }
    if deleted > 0 {
        eprintln!(
            "catalog {}: {deleted} rows the source no longer has deleted",
            plan.name
        );
    }
    Ok(())
}

/// Copies a table; rows that break a rule of the target (a foreign key to a row the source got
/// after its page was read, a parent later in the same table) are tried again at the end of
/// the table; what still fails is reported (the next pass copies it).
async fn copy_table(
    source: &dyn CatalogTransfer,
    target: &dyn CatalogTransfer,
    plan: &Plan,
    batch: usize,
    writes: &Writes,
) -> anyhow::Result<Option<String>> {
    let total = source.count(&plan.name).await?;
    let mut progress = Progress::new();
    let mut done = 0u64;
    let mut after: Option<Row> = None;
    let mut deferred: Vec<(Row, String)> = Vec::new();
    let what = format!("catalog {}", plan.name);
    progress.show(&what, 0, total);
    loop {
        let rows = source
            .read_page(&plan.name, &plan.columns, after.as_deref(), batch)
            .await
            .with_context(|| format!("cannot read the source's {}", plan.name))?;
        let Some(last) = rows.last() else { break };
        after = Some(key_of(plan, last));
        match target.upsert(&plan.name, &plan.columns, &rows).await {
            Ok(_) => {}
            Err(CatalogError::Conflict(_)) => {
                for row in rows.iter() {
                    if let Err(e) = target
                        .upsert(&plan.name, &plan.columns, std::slice::from_ref(row))
                        .await
                    {
                        match e {
                            CatalogError::Conflict(reason) => deferred.push((row.clone(), reason)),
                            e => {
                                return Err(e).with_context(|| {
                                    format!("cannot write the target's {}", plan.name)
                                });
                            }
                        }
                    }
                }
            }
            Err(e) => {
                return Err(e).with_context(|| format!("cannot write the target's {}", plan.name));
            }
        }
        writes.one();
        done += rows.len() as u64;
        progress.show(&what, done, total.max(done));
    }
    // Rows whose parent came later: again, while that helps.
    while !deferred.is_empty() {
        let before = deferred.len();
        let mut still = Vec::new();
        for (row, _) in deferred {
            match target
                .upsert(&plan.name, &plan.columns, std::slice::from_ref(&row))
                .await
            {
                Ok(_) => {}
                Err(CatalogError::Conflict(reason)) => still.push((row, reason)),
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("cannot write the target's {}", plan.name));
                }
            }
        }
        deferred = still;
        if deferred.len() == before {
            break;
        }
    }
    Ok(deferred.first().map(|(_, reason)| {
        format!(
            "table {}: {} rows not copied (the first: {reason})",
            plan.name,
            deferred.len()
        )
    }))
}

/// A blob as a stream of chunks, read as they are sent: memory stays flat.
fn blob_stream(reader: std::pin::Pin<Box<dyn tokio::io::AsyncRead + Send>>) -> ByteStream {
    futures_util::stream::try_unfold(reader, |mut reader| async move {
        let mut buffer = vec![0u8; 256 * 1024];
        let n = reader.read(&mut buffer).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.truncate(n);
        Ok(Some((bytes::Bytes::from(buffer), reader)))
    })
    .boxed()
}

async fn copy_blobs(
    source: Arc<dyn BlobStore>,
    target: Arc<dyn BlobStore>,
    parallel: usize,
    writes: &Writes,
) -> anyhow::Result<()> {
    let keys: Vec<String> = source
        .list("")
        .try_collect()
        .await
        .context("cannot list the source's blobs")?;
    let total = keys.len() as u64;
    let mut progress = Progress::new();
    let mut done = 0u64;
    progress.show("blobs", 0, total);
    let mut copies = futures_util::stream::iter(keys.iter().cloned())
        .map(|key| {
            let (source, target) = (source.clone(), target.clone());
            async move {
                let size = match source.len(&key).await {
                    Ok(size) => size,
                    // Deleted since the listing (a served source): nothing to copy.
                    Err(BlobError::NotFound(_)) => return Ok(false),
                    Err(e) => {
                        return Err(anyhow::Error::new(e).context(format!("source blob {key}")));
                    }
                };
                match target.len(&key).await {
                    Ok(n) if n == size => return Ok(false),
                    Ok(_) | Err(BlobError::NotFound(_)) => {}
                    Err(e) => {
                        return Err(anyhow::Error::new(e).context(format!("target blob {key}")));
                    }
                }
                let blob = match source.open(&key, ByteRange::ALL).await {
                    Ok(blob) => blob,
                    Err(BlobError::NotFound(_)) => return Ok(false),
                    Err(e) => {
                        return Err(anyhow::Error::new(e).context(format!("source blob {key}")));
                    }
                };
                let expected = blob.len;
                let written = target
                    .put_stream(&key, blob_stream(blob.reader))
                    .await
                    .with_context(|| format!("cannot copy the blob {key}"))?;
                if written != expected {
                    bail!("the blob {key}: {written} bytes copied of {expected}");
                }
                Ok::<bool, anyhow::Error>(true)
            }
        })
        .buffer_unordered(parallel);
    while let Some(result) = copies.next().await {
        if result? {
            writes.one();
        }
        done += 1;
        progress.show("blobs", done, total);
    }
    drop(copies);
    // Blobs the source no longer has.
    let wanted: HashSet<&str> = keys.iter().map(String::as_str).collect();
    let extra: Vec<String> = target
        .list("")
        .try_filter(|key| std::future::ready(!wanted.contains(key.as_str())))
        .try_collect()
        .await
        .context("cannot list the target's blobs")?;
    for key in &extra {
        target
            .delete(key)
            .await
            .with_context(|| format!("cannot delete the target's blob {key}"))?;
        writes.one();
    }
    if !extra.is_empty() {
        eprintln!("blobs: {} the source no longer has deleted", extra.len());
    }
    Ok(())
}

/// The same blob names on both sides, each with the same size.
async fn verify_blobs(
    source: &dyn BlobStore,
    target: &dyn BlobStore,
) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    let mut from: Vec<String> = source.list("").try_collect().await?;
    let mut to: Vec<String> = target.list("").try_collect().await?;
    from.sort();
    to.sort();
    if from.len() != to.len() {
        problems.push(format!(
            "blobs: {} in the source, {} in the target",
            from.len(),
            to.len()
        ));
    }
    let there: HashSet<&str> = to.iter().map(String::as_str).collect();
    for key in &from {
        if !there.contains(key.as_str()) {
            problems.push(format!("blob {key}: missing from the target"));
            continue;
        }
        let (a, b) = (source.len(key).await, target.len(key).await);
        match (a, b) {
            (Ok(a), Ok(b)) if a == b => {}
            (Ok(a), Ok(b)) => problems.push(format!(
                "blob {key}: {a} bytes in the source, {b} in the target"
            )),
            (Err(BlobError::NotFound(_)), _) => {
                problems.push(format!("blob {key}: gone from the source"))
            }
            (Err(e), _) | (_, Err(e)) => problems.push(format!("blob {key}: {e}")),
        }
    }
    Ok(problems)
}

/// Every original in the target hashes to its asset row's checksum (SHA-1, as at upload).
async fn verify_originals(
    target: &dyn CatalogTransfer,
    blobs: &dyn BlobStore,
    batch: usize,
) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    let columns = [
        "id".to_string(),
        "original_path".to_string(),
        "checksum".to_string(),
    ];
    let mut after: Option<Row> = None;
    let mut checked = 0u64;
    let total = target.count("assets").await?;
    let mut progress = Progress::new();
    loop {
        let rows = target
            .read_page("assets", &columns, after.as_deref(), batch)
            .await?;
        let Some(last) = rows.last() else { break };
        after = Some(vec![last[0].clone()]);
        for row in &rows {
            let (Some(path), Some(checksum)) = (row[1].as_text(), row[2].as_bytes()) else {
                problems.push(format!("asset {:?}: no original path or checksum", row[0]));
                continue;
            };
            match sha1_of(blobs, path).await {
                Ok(digest) if digest.as_slice() == checksum => {}
                Ok(_) => problems.push(format!(
                    "original {path}: its SHA-1 is not the asset's checksum"
                )),
                Err(e) => problems.push(format!("original {path}: {e}")),
            }
            checked += 1;
            progress.show("verify originals", checked, total.max(checked));
        }
    }
    Ok(problems)
}

async fn sha1_of(blobs: &dyn BlobStore, key: &str) -> Result<Vec<u8>, BlobError> {
    let mut blob = blobs.open(key, ByteRange::ALL).await?;
    let mut hasher = Sha1::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = blob.reader.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher.finalize().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redact("postgres://ferrotype:secret@db:5432/photos"),
            "postgres://ferrotype:***@db:5432/photos"
        );
        assert_eq!(redact("postgres://db/photos"), "postgres://db/photos");
        assert_eq!(redact("postgres://me@db/photos"), "postgres://me@db/photos");
    }
}
