//! Which jobs this process runs, with which handlers and how many at once.

use std::sync::Arc;
use std::time::Duration;

use ferrotype_api::AlbumUpdateNotifier;
use ferrotype_api::events::EventHub;
use ferrotype_core::blob::BlobStore;
use ferrotype_core::catalog::Catalog;
use ferrotype_core::jobs::payloads::UserDeleteJob;
use ferrotype_core::jobs::{Job, JobPayload, QueueName, names};
use ferrotype_core::system_config::SystemConfigStore;
use ferrotype_jobs::{JobHandlers, JobObserver, JobRunner, Outcome};
use ferrotype_media::exiftool::ExifTool;
use ferrotype_media::geocode::Geocoder;
use ferrotype_media::jobs::MediaJobs;
use ferrotype_media::thumbnail::ThumbnailSettings;

use crate::config::Config;
use crate::version_check::VersionCheck;

pub fn runner(
    config: &Config,
    catalog: Arc<dyn Catalog>,
    blobs: Arc<dyn BlobStore>,
    system_config: Arc<SystemConfigStore>,
    events: EventHub,
    geocoder: Arc<Geocoder>,
) -> JobRunner {
    let concurrency = |queue: QueueName| {
        config
            .job_concurrency
            .iter()
            .find(|(q, _)| *q == queue)
            .map_or(queue.default_concurrency(), |(_, n)| *n)
    };
    let worker = format!("{}-{}", hostname(), std::process::id());
    let metadata = concurrency(QueueName::MetadataExtraction);
    let thumbnails = concurrency(QueueName::ThumbnailGeneration);
    // One exiftool process per job that can run at once (thumbnails use it for RAW previews).
    let exiftool = Arc::new(ExifTool::new(metadata + thumbnails));
    let settings = ThumbnailSettings {
        max_pixels: config.max_pixels,
        ..ThumbnailSettings::default()
    };
    let live_config = system_config.clone();
    let runner = JobRunner::new(catalog.clone(), worker);
    let album_updates = AlbumUpdateNotifier {
        catalog: catalog.clone(),
        events: events.clone(),
        system_config: system_config.clone(),
    };
    // Each crate that owns some work registers its jobs' handlers; here, the version check
    // (this crate's HTTP client) and the API's album notifier, which need what only the binary
    // holds (the feed URL, the event hub).
    let mut handlers = JobHandlers::new();
    ferrotype_core::jobs::register(
        &mut handlers,
        catalog.clone(),
        blobs.clone(),
        system_config.clone(),
    );
    ferrotype_media::jobs::register(
        &mut handlers,
        MediaJobs {
            catalog: catalog.clone(),
            blobs,
            exiftool,
            geocoder,
            thumbnail_settings: settings,
            system_config: system_config.clone(),
        },
    );
    ferrotype_mail::jobs::register(&mut handlers, system_config.clone());
    handlers
        .add(VersionCheck {
            catalog,
            system_config: system_config.clone(),
            feed_url: config.version_check_url.clone(),
            client: VersionCheck::client(),
            announce: Arc::new(move |release| {
                let events = events.clone();
                tokio::spawn(async move { events.new_release(&release).await });
            }),
        })
        .add(album_updates);
    runner
        .concurrency(QueueName::MetadataExtraction, metadata)
        .concurrency(QueueName::ThumbnailGeneration, thumbnails)
        .concurrency(
            QueueName::BackgroundTask,
            concurrency(QueueName::BackgroundTask),
        )
        // The admin's setting (system config `job.<queue>.concurrency`), within the bounds above.
        .wanted_concurrency(Arc::new(move |queue| {
            live_config.get().job.concurrency_of(queue)
        }))
        .handlers(handlers)
}

/// Job outcomes and durations, into the metrics served at `/metrics`.
pub struct JobMetrics(pub Arc<ferrotype_api::metrics::Metrics>);

impl JobObserver for JobMetrics {
    fn finished(&self, job: &Job, outcome: Outcome, elapsed: Duration) {
        let outcome = match outcome {
            Outcome::Completed => "completed",
            Outcome::Retried => "retried",
            Outcome::Failed => "failed",
        };
        self.0.record_job(job.queue, &job.name, outcome, elapsed);
    }
}

/// Live events for finished jobs: an account deleted for good is announced to everyone
/// (`on_user_delete`). (An upload ready to show is announced by its thumbnail job's own write:
/// `BusMessage::UploadReady`.)
pub struct JobEvents {
    pub events: EventHub,
}

impl JobObserver for JobEvents {
    fn finished(&self, job: &Job, outcome: Outcome, _elapsed: Duration) {
        if outcome == Outcome::Completed
            && job.name == names::USER_DELETE
            && let Ok(UserDeleteJob { id: user_id }) = UserDeleteJob::decode(job)
        {
            let events = self.events.clone();
            tokio::spawn(async move { events.user_delete(user_id).await });
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "ferrotype".to_string())
}
