//! `ferrotype serve`: open the data folder, repair what a crash left, bind (waiting for the
//! address if it is not there yet), serve until SIGTERM or Ctrl-C.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use ferrotype_api::events::EventHub;
use ferrotype_api::{ApiConfig, AppState};
use ferrotype_blob::LocalBlobStore;
use ferrotype_catalog::SqliteCatalog;
use ferrotype_core::blob::BlobStore;
use ferrotype_core::catalog::Catalog;
use ferrotype_core::jobs::payloads::{
    MemoryCleanupJob, MemoryGenerateJob, UserDeleteJob, VersionCheckJob,
};
use ferrotype_core::jobs::{NewJob, QueueName};
use ferrotype_core::maintenance::MaintenanceMode;
use ferrotype_core::system_config::{SystemConfig, SystemConfigStore, keys};
use ferrotype_media::geocode::Geocoder;
use ferrotype_postgres::PgCatalog;
use ferrotype_s3::S3BlobStore;
use tokio::net::TcpListener;

use crate::config::{Config, Storage};
use crate::jobs;

/// What a `serve` process does. On PostgreSQL, API processes and worker processes scale apart
/// (any number of each, each with its own data folder for upload staging); a SQLite catalog
/// belongs to one process (its data folder's lock), which does everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// Answers the HTTP API, the web UI and live events; runs no jobs.
    Api,
    /// Runs jobs and the scheduled work; answers no HTTP.
    Worker,
    /// Both.
    All,
}

impl Role {
    fn serves_http(self) -> bool {
        matches!(self, Role::Api | Role::All)
    }

    fn runs_jobs(self) -> bool {
        matches!(self, Role::Worker | Role::All)
    }

    fn name(self) -> &'static str {
        match self {
            Role::Api => "api",
            Role::Worker => "worker",
            Role::All => "all",
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// What this process does: `api` (HTTP, web UI, live events), `worker` (jobs and scheduled
    /// work) or `all`. Anything but `all` needs a PostgreSQL catalog (`database.url`).
    #[arg(long, value_enum, default_value = "all", env = "FERROTYPE_ROLE")]
    pub role: Role,
    /// The queues this process's workers take jobs from, comma separated, by Immich's names
    /// (`thumbnailGeneration,metadataExtraction`); all of them when absent.
    #[arg(long, value_delimiter = ',', value_parser = parse_queue, env = "FERROTYPE_QUEUES")]
    pub queues: Vec<QueueName>,
}

fn parse_queue(name: &str) -> Result<QueueName, String> {
    QueueName::parse(name).ok_or_else(|| {
        let known: Vec<&str> = QueueName::ALL.iter().map(|q| q.as_str()).collect();
        format!("unknown queue {name:?}; queues are {}", known.join(", "))
    })
}

/// Held while a server uses a data folder: a second server on the same folder would empty the
/// first one's staging folder under its uploads, so it is refused.
pub struct DataFolderLock {
    _file: std::fs::File,
}

pub(crate) fn lock_data_folder(data_dir: &Path) -> anyhow::Result<DataFolderLock> {
    let path = data_dir.join("ferrotype.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(DataFolderLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "another Ferrotype server is already using the data folder {}",
            data_dir.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

/// What a process opened: its data folder (locked), the catalog and the blob store, and, on
/// PostgreSQL, the catalog's own handle (for the leader's lock).
pub struct OpenData {
    pub lock: DataFolderLock,
    pub catalog: Arc<dyn Catalog>,
    pub blobs: Arc<dyn BlobStore>,
    pub postgres: Option<PgCatalog>,
}

/// The catalog and blob store of a data folder, created if missing, schema up to date, locked
/// for this process. The catalog is SQLite in the data folder or, with a postgres:// `database.url`,
/// PostgreSQL; the blobs live in the data folder or, with an s3:// `storage.url`, in a bucket,
/// reached once here so that a wrong endpoint or secret stops the start.
pub async fn open_data_folder(config: &Config) -> anyhow::Result<OpenData> {
    let data_dir = &config.data_dir;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
    let lock = lock_data_folder(data_dir)?;
    let (catalog, postgres): (Arc<dyn Catalog>, _) = match &config.database_url {
        Some(url) => {
            let postgres = connect_postgres(config, url).await?;
            (Arc::new(postgres.clone()), Some(postgres))
        }
        None => (open_catalog(config).await?, None),
    };
    let blobs: Arc<dyn BlobStore> = match &config.storage {
        Storage::Local => Arc::new(
            LocalBlobStore::open(data_dir)
                .with_context(|| format!("cannot open the file store in {}", data_dir.display()))?,
        ),
        Storage::S3(s3) => {
            let store = S3BlobStore::open(&s3.store_config(data_dir.join("staging")))
                .context("cannot set up the S3 store")?;
            reach_s3(&store, &s3.bucket, &s3.endpoint, "the").await?;
            tracing::info!(bucket = %s3.bucket, prefix = %s3.prefix, "originals and generated files live in S3");
            Arc::new(store)
        }
    };
    Ok(OpenData {
        lock,
        catalog,
        blobs,
        postgres,
    })
}

/// Reaches `store` once, so that a wrong endpoint or secret stops the command at once;
/// `which` says whose bucket it is in the message ("the", "the target").
pub(crate) async fn reach_s3(
    store: &S3BlobStore,
    bucket: &str,
    endpoint: &str,
    which: &str,
) -> anyhow::Result<()> {
    store.check().await.with_context(|| {
        let at = if endpoint.is_empty() { "AWS" } else { endpoint };
        format!("cannot reach {which} S3 bucket {bucket} at {at}")
    })?;
    Ok(())
}

/// The catalog `database.url` names (PostgreSQL), or else the data folder's SQLite file; its
/// schema brought up to date.
pub async fn open_catalog(config: &Config) -> anyhow::Result<Arc<dyn Catalog>> {
    Ok(match &config.database_url {
        Some(url) => Arc::new(connect_postgres(config, url).await?),
        None => Arc::new(
            SqliteCatalog::open(&config.data_dir.join("ferrotype.db")).with_context(|| {
                format!("cannot open the catalog in {}", config.data_dir.display())
            })?,
        ),
    })
}

pub(crate) async fn connect_postgres(config: &Config, url: &str) -> anyhow::Result<PgCatalog> {
    PgCatalog::connect_with_password(url, config.database_password.as_deref())
        .await
        .context("cannot open the PostgreSQL catalog (database.url)")
}

pub async fn run(config: Config, args: ServeArgs) -> anyhow::Result<()> {
    let role = args.role;
    if role != Role::All && config.database_url.is_none() {
        bail!(
            "serve --role {} needs a PostgreSQL catalog (database.url): a SQLite catalog is \
             served by one process, which does everything (--role all)",
            role.name()
        );
    }
    if !args.queues.is_empty() && !role.runs_jobs() {
        bail!("--queues chooses the jobs of a worker: use it with --role worker or all");
    }
    let OpenData {
        lock: _lock,
        catalog,
        blobs,
        postgres,
    } = open_data_folder(&config).await?;
    if postgres.is_none() {
        // The data folder's lock makes this the catalog's only process: any other instance
        // recorded is a crashed predecessor, whose half-done work is repaired now.
        catalog.forget_other_instances().await?;
    }
    // Alive from here on: what this process records as half-done is its own to finish.
    catalog.heartbeat(role.name()).await?;
    let heartbeat = tokio::spawn(heartbeat(catalog.clone(), role));
    let instances = catalog.clone();
    repair_left_behind(catalog.as_ref(), blobs.as_ref()).await?;
    if role.runs_jobs() && catalog.live_instances().await?.len() == 1 {
        // No other process is alive, so a job still marked active was cut short by a crash:
        // run it again. (With others alive, their jobs are theirs to finish.)
        let requeued = catalog.requeue_active_jobs().await?;
        if requeued > 0 {
            tracing::warn!(requeued, "jobs interrupted by a crash are queued again");
        }
    }
    let system_config = Arc::new(load_system_config(&config, catalog.as_ref()).await?);
    let version = {
        let (major, minor, patch) = ferrotype_core::IMMICH_VERSION;
        format!("{major}.{minor}.{patch}")
    };
    if catalog.record_version(&version).await? {
        tracing::info!("version {version} added to the version history");
    }
    record_geodata_state(catalog.as_ref(), &config.geodata_dir).await?;
    let metrics = Arc::new(ferrotype_api::metrics::Metrics::default());
    // Maintenance mode survives a restart: it is on until an admin ends it.
    let maintenance = Arc::new(MaintenanceMode::load(catalog.as_ref()).await?);
    ferrotype_api::log_maintenance_login_url(
        &system_config.get().server.external_domain,
        &maintenance.get(),
    );
    let events = EventHub::start(catalog.clone(), system_config.clone(), maintenance.clone())
        .await
        .context("cannot listen for live events")?;
    // Loaded once, off the start-up path; without the data, places stay empty (one warning).
    let geocoder = Arc::new(Geocoder::new(&config.geodata_dir));
    geocoder.load_in_background();
    let runner = role.runs_jobs().then(|| {
        jobs::runner(
            &config,
            catalog.clone(),
            blobs.clone(),
            system_config.clone(),
            events.clone(),
            geocoder.clone(),
        )
        .only_queues(&args.queues)
        .hold_while({
            let maintenance = maintenance.clone();
            Arc::new(move || maintenance.is_active())
        })
        .observer(Arc::new(jobs::JobMetrics(metrics.clone())))
        .observer(Arc::new(jobs::JobEvents {
            events: events.clone(),
        }))
    });
    let state = AppState {
        metrics,
        events,
        catalog,
        blobs,
        config: Arc::new(ApiConfig {
            max_upload_bytes: config.max_upload_bytes,
            data_dir: config.data_dir.clone(),
            license_keys: if config.staging_license_keys {
                ferrotype_core::license::STAGING
            } else {
                ferrotype_core::license::PRODUCTION
            },
            build_metadata: config.build_metadata.clone(),
            album_update_delay: Duration::from_secs(config.album_update_delay_seconds),
            media_redirects: matches!(&config.storage, Storage::S3(s3) if s3.presigned_redirects),
        }),
        system_config: system_config.clone(),
        geocoder,
        maintenance,
    };
    let mut signals = ShutdownSignals::install()?;
    let scheduled = role.runs_jobs().then(|| {
        tokio::spawn(scheduled_work(
            Leader::new(postgres),
            state.clone(),
            !config.version_check_url.is_empty(),
        ))
    });
    let workers = runner.map(|r| r.start());
    let started = if role.serves_http() {
        serve_http(&config, state, &mut signals).await?
    } else {
        tracing::info!(role = role.name(), queues = ?args.queues, "running jobs; no HTTP");
        let signal = signals.recv().await;
        tracing::info!("{signal}: finishing the jobs in flight");
        None
    };
    let grace = Duration::from_secs(config.shutdown_timeout_seconds);
    let stopping = Instant::now();
    // Requests and jobs finish side by side, within the same grace period.
    let finish_jobs = async {
        if let Some(workers) = workers {
            workers.shutdown(grace).await;
        }
    };
    let finish_http = async {
        let Some(mut server) = started else {
            return Ok(());
        };
        match tokio::time::timeout(grace, &mut server).await {
            Ok(result) => result
                .context("server task failed")?
                .context("server failed"),
            Err(_) => {
                server.abort();
                tracing::warn!("requests still running after {grace:?}; stopped anyway");
                Ok(())
            }
        }
    };
    let (http, ()) = tokio::join!(finish_http, finish_jobs);
    http?;
    if let Some(task) = scheduled {
        task.abort();
    }
    heartbeat.abort();
    // A clean stop: nothing of this process's is half-done, and the others need not wait for
    // its heartbeat to run out.
    if let Err(e) = instances.forget_instance().await {
        tracing::warn!("cannot record this process's stop: {e}");
    }
    tracing::info!(ms = stopping.elapsed().as_millis() as u64, "stopped");
    Ok(())
}

/// Binds and serves the API until a shutdown signal; then stops accepting and returns the
/// server's task, still finishing the requests in flight. `None`: the server ended by itself.
async fn serve_http(
    config: &Config,
    state: AppState,
    signals: &mut ShutdownSignals,
) -> anyhow::Result<Option<tokio::task::JoinHandle<std::io::Result<()>>>> {
    let listener = bind(
        config.listen,
        Duration::from_secs(config.bind_timeout_seconds),
    )
    .await?;
    let local = listener.local_addr()?;
    tracing::info!(data_dir = %config.data_dir.display(), "listening on http://{local}");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, ferrotype_api::app(state))
        .with_graceful_shutdown(async {
            let _ = stop_rx.await;
        })
        .into_future();
    let mut server = tokio::spawn(server);
    tokio::select! {
        result = &mut server => {
            result.context("server task failed")?.context("server failed")?;
            return Ok(None);
        }
        signal = signals.recv() => tracing::info!("{signal}: finishing requests in flight"),
    }
    let _ = stop_tx.send(());
    Ok(Some(server))
}

/// Says every `HEARTBEAT` that this process is alive (see `InstanceRepo`).
async fn heartbeat(catalog: Arc<dyn Catalog>, role: Role) {
    let mut tick = tokio::time::interval(ferrotype_core::catalog::HEARTBEAT);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(e) = catalog.heartbeat(role.name()).await {
            tracing::warn!("cannot record that this process is alive: {e}");
        }
    }
}

/// Repairs what processes now gone left half-done: uploads whose file is stored but whose row
/// is not, moves of originals.
async fn repair_left_behind(catalog: &dyn Catalog, blobs: &dyn BlobStore) -> anyhow::Result<()> {
    let repaired = ferrotype_core::repair::repair_interrupted_uploads(catalog, blobs).await?;
    if repaired > 0 {
        tracing::warn!(repaired, "repaired uploads interrupted by a crash");
    }
    ferrotype_core::repair::repair_interrupted_moves(catalog, blobs).await?;
    Ok(())
}

/// Whether this process leads the scheduled work: always with SQLite (one process); on
/// PostgreSQL while it holds the leader's lock, tried for again at each look.
struct Leader {
    postgres: Option<PgCatalog>,
    held: Option<ferrotype_postgres::Leadership>,
}

impl Leader {
    fn new(postgres: Option<PgCatalog>) -> Self {
        Leader {
            postgres,
            held: None,
        }
    }

    async fn leads(&mut self) -> bool {
        let Some(postgres) = &self.postgres else {
            return true;
        };
        if let Some(held) = &self.held {
            if held.still_held().await {
                return true;
            }
            tracing::warn!("lost the lead of the scheduled work (database connection lost)");
            self.held = None;
        }
        match postgres.try_lead().await {
            Ok(Some(leadership)) => {
                tracing::info!("this process leads the scheduled work");
                self.held = Some(leadership);
                true
            }
            Ok(None) => false,
            Err(e) => {
                tracing::warn!("cannot try for the lead of the scheduled work: {e}");
                false
            }
        }
    }
}

/// How often the leader looks for scheduled work (and a follower tries for the lead).
const SCHEDULE_TICK: Duration = Duration::from_secs(60);

/// The work done on a schedule, by the leader only (so once however many workers run): every
/// minute, the repairs of what gone processes left; every hour, the clean-up; each night, the
/// memory jobs; once a day, the version check (when a release feed is configured).
async fn scheduled_work(mut leader: Leader, state: AppState, version_checks: bool) {
    let mut tick = tokio::time::interval(SCHEDULE_TICK);
    let mut last_clean_up: Option<Instant> = None;
    let mut last_version_check: Option<Instant> = None;
    // The nightly slot already past when this process began is left: like Immich's cron, the
    // nightly jobs run at `nightlyTasks.startTime`, not at start.
    let mut last_nightly = latest_nightly_slot(
        chrono::Utc::now(),
        &state.system_config.get().nightly_tasks.start_time,
    );
    let due = |last: Option<Instant>, every: Duration| last.is_none_or(|t| t.elapsed() >= every);
    loop {
        tick.tick().await;
        if !leader.leads().await {
            continue;
        }
        // Maintenance mode starts no work (Immich runs no cron then); what fell due meanwhile
        // runs once it ends.
        if state.maintenance.is_active() {
            continue;
        }
        if let Err(e) = repair_left_behind(state.catalog.as_ref(), state.blobs.as_ref()).await {
            tracing::error!("cannot repair what stopped processes left: {e:#}");
        }
        if due(last_clean_up, Duration::from_secs(3600)) {
            last_clean_up = Some(Instant::now());
            hourly_clean_up(&state).await;
        }
        let slot = latest_nightly_slot(
            chrono::Utc::now(),
            &state.system_config.get().nightly_tasks.start_time,
        );
        if slot > last_nightly {
            last_nightly = slot;
            nightly_memories(&state).await;
        }
        if version_checks && due(last_version_check, Duration::from_secs(24 * 3600)) {
            last_version_check = Some(Instant::now());
            daily_version_check(&state).await;
        }
    }
}

/// The system config: from Immich's config file when one is given (read-only then, and the admin
/// counts as onboarded, as Immich does), else what the catalog holds.
async fn load_system_config(
    config: &Config,
    catalog: &dyn Catalog,
) -> anyhow::Result<SystemConfigStore> {
    let Some(path) = &config.system_config_file else {
        return Ok(SystemConfigStore::load(catalog).await?);
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the system config file {}", path.display()))?;
    let partial: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "the system config file {} is not valid JSON",
            path.display()
        )
    })?;
    let refused = |why: String| anyhow::anyhow!("the system config file {}: {why}", path.display());
    // The file over the defaults, checked against the contract's SystemConfigDto as a request
    // body would be (types, enums, ranges); then the rules the schema cannot state.
    let whole = SystemConfig::from_partial(&partial).map_err(refused)?;
    let issues = ferrotype_api::contract::check_against(
        "SystemConfigDto",
        &serde_json::to_value(&whole).context("the system config as JSON")?,
    );
    if !issues.is_empty() {
        let listed: Vec<String> = issues
            .iter()
            .map(|i| format!("{}: {}", i.dotted_path(), i.message))
            .collect();
        return Err(refused(listed.join("; ")));
    }
    let store = SystemConfigStore::from_file(path.clone(), whole).map_err(refused)?;
    catalog
        .set_system_metadata(
            keys::ADMIN_ONBOARDING,
            &serde_json::json!({ "isOnboarded": true }),
        )
        .await?;
    tracing::info!(
        "system config read from {}; it cannot be changed through the API",
        path.display()
    );
    Ok(store)
}

/// Immich's reverse geocoding state: which GeoNames file places come from and how new it is
/// (the file's modification time; Immich stores its data's release date).
async fn record_geodata_state(catalog: &dyn Catalog, geodata_dir: &Path) -> anyhow::Result<()> {
    const CITIES: &str = "cities500.txt";
    if geodata_dir.as_os_str().is_empty() {
        return Ok(());
    }
    let Ok(modified) = std::fs::metadata(geodata_dir.join(CITIES)).and_then(|m| m.modified())
    else {
        return Ok(());
    };
    let modified: chrono::DateTime<chrono::Utc> = modified.into();
    let state = serde_json::json!({
        "lastUpdate": modified.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "lastImportFileName": CITIES,
    });
    if catalog
        .system_metadata(keys::REVERSE_GEOCODING_STATE)
        .await?
        != Some(state.clone())
    {
        catalog
            .set_system_metadata(keys::REVERSE_GEOCODING_STATE, &state)
            .await?;
    }
    Ok(())
}

/// Every hour (the first at start): deletes for good what has been in the trash longer than
/// the system config's `trash.days` (everything trashed, with the trash turned off, as Immich
/// does), queues the deletion of accounts deleted more than `user.deleteDelay` days ago, and
/// deletes old notifications.
async fn hourly_clean_up(state: &AppState) {
    let (catalog, blobs, events) = (&state.catalog, &state.blobs, &state.events);
    let trash = state.system_config.get().trash.clone();
    let days = if trash.enabled { trash.days } else { 0 };
    let before = chrono::Utc::now() - chrono::Duration::days(days);
    let selection = ferrotype_core::model::PurgeSelection::TrashedBefore(before);
    match ferrotype_core::assets::purge(catalog.as_ref(), blobs.as_ref(), &selection).await {
        Ok(purged) if purged.is_empty() => {}
        Ok(purged) => {
            tracing::info!(
                deleted = purged.len(),
                days,
                "emptied the trash of assets trashed before {before}"
            );
            for asset in &purged {
                events.asset_delete(asset.owner_id, asset.id).await;
            }
        }
        Err(e) => tracing::error!("cannot empty the trash: {e}"),
    }
    // Accounts deleted longer ago than `user.deleteDelay` days go for good (in a job).
    let delay = state.system_config.get().user.delete_delay;
    let before = chrono::Utc::now() - chrono::Duration::days(delay);
    match catalog.users_deleted_before(before).await {
        Ok(due) if due.is_empty() => {}
        Ok(due) => {
            let jobs: Vec<NewJob> = due
                .into_iter()
                .map(|id| NewJob::of(&UserDeleteJob { id }))
                .collect();
            if let Err(e) = catalog.enqueue_jobs(&jobs).await {
                tracing::error!("cannot queue the deletion of deleted users: {e}");
            }
        }
        Err(e) => tracing::error!("cannot find deleted users: {e}"),
    }
    match catalog.purge_notifications(chrono::Utc::now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(deleted = n, "old notifications deleted"),
        Err(e) => tracing::error!("cannot delete old notifications: {e}"),
    }
}

/// The latest time, at or before `now`, of the nightly tasks' `startTime` (`HH:MM`, UTC: the
/// zone of Immich's containers); midnight when the setting does not read.
fn latest_nightly_slot(
    now: chrono::DateTime<chrono::Utc>,
    start_time: &str,
) -> chrono::DateTime<chrono::Utc> {
    let at =
        chrono::NaiveTime::parse_from_str(start_time, "%H:%M").unwrap_or(chrono::NaiveTime::MIN);
    let today = now.date_naive().and_time(at).and_utc();
    if today <= now {
        today
    } else {
        today - chrono::Duration::days(1)
    }
}

/// Each night at `nightlyTasks.startTime`: queues Immich's nightly memory jobs as its
/// `nightlyTasks` say: `MemoryCleanup` with `databaseCleanup`, then `MemoryGenerate` with
/// `generateMemories` (which makes each day's memories once, however often it runs).
async fn nightly_memories(state: &AppState) {
    let tasks = state.system_config.get().nightly_tasks.clone();
    let mut jobs = Vec::new();
    if tasks.database_cleanup {
        jobs.push(NewJob::of(&MemoryCleanupJob {}));
    }
    if tasks.generate_memories {
        jobs.push(NewJob::of(&MemoryGenerateJob {}));
    }
    if !jobs.is_empty()
        && let Err(e) = state.catalog.enqueue_jobs(&jobs).await
    {
        tracing::error!("cannot queue the nightly memory jobs: {e}");
    }
}

/// Once a day (the first at start): queues a look at the release feed while the admin's
/// `newVersionCheck.enabled` is on (the job checks again when it runs, so a change between
/// the two is honoured). Immich asks its own service hourly; a daily look is plenty for a
/// release feed, and kind to GitHub's limits on unauthenticated requests (60 an hour).
async fn daily_version_check(state: &AppState) {
    if !state.system_config.get().new_version_check.enabled {
        return;
    }
    if let Err(e) = state
        .catalog
        .enqueue_jobs(&[NewJob::of(&VersionCheckJob {})])
        .await
    {
        tracing::error!("cannot queue the version check: {e}");
    }
}

/// Binds `addr`. An address that is not assigned yet (a VPN interface that comes up after
/// boot) is retried with backoff until `patience` runs out; any other failure, such as a port in
/// use, fails at once.
async fn bind(addr: SocketAddr, patience: Duration) -> anyhow::Result<TcpListener> {
    let started = Instant::now();
    let mut wait = Duration::from_millis(250);
    loop {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(e) if e.kind() == ErrorKind::AddrNotAvailable => {
                let waited = started.elapsed();
                if waited >= patience {
                    bail!(
                        "the address {addr} is still not available on this machine after {}s \
                         (server.bind_timeout_seconds): {e}",
                        waited.as_secs()
                    );
                }
                let wait_now = wait.min(patience - waited);
                tracing::warn!(
                    "the address {addr} is not available yet ({e}); retrying in {} ms",
                    wait_now.as_millis()
                );
                tokio::time::sleep(wait_now).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
            Err(e) if e.kind() == ErrorKind::AddrInUse => {
                bail!(
                    "cannot listen on {addr}: the port is already in use by another program ({e})"
                )
            }
            Err(e) => bail!("cannot listen on {addr}: {e}"),
        }
    }
}

/// SIGTERM and SIGINT, listened for from the moment this is made: installed before the server
/// says it listens, so that a signal sent right after that line is never missed (the default
/// action would kill the process without a graceful stop).
struct ShutdownSignals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    fn install() -> anyhow::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(ShutdownSignals {
            term: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
            int: signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?,
        })
    }

    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::latest_nightly_slot;
    use chrono::{TimeZone, Utc};

    #[test]
    fn the_nightly_slot_is_the_last_start_time_passed() {
        let at = |d: u32, h: u32, m: u32| Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap();
        assert_eq!(latest_nightly_slot(at(1, 6, 0), "00:00"), at(1, 0, 0));
        assert_eq!(latest_nightly_slot(at(1, 0, 0), "00:00"), at(1, 0, 0));
        assert_eq!(
            latest_nightly_slot(at(1, 1, 59), "02:30"),
            Utc.with_ymd_and_hms(2026, 11, 30, 2, 30, 0).unwrap()
        );
        assert_eq!(latest_nightly_slot(at(1, 2, 30), "02:30"), at(1, 2, 30));
        assert_eq!(latest_nightly_slot(at(1, 6, 0), "nonsense"), at(1, 0, 0));
    }
}
