//! Which jobs this process runs, with which handlers and how many at once.

use std::sync::Arc;
use std::time::Duration;

use ferrotype_api::AlbumUpdateNotifier;
use ferrotype_api::events::EventHub;
use ferrotype_core::blob::BlobStore;
use ferrotype_core::catalog::Catalog;
use ferrotype_core::jobs::{Job, QueueName, names};
use ferrotype_core::system_config::SystemConfigStore;
use ferrotype_jobs::handlers::mail::SendMail;
use ferrotype_jobs::handlers::metadata::ExtractMetadata;
use ferrotype_jobs::handlers::storage_template::ApplyStorageTemplate;
use ferrotype_jobs::handlers::thumbnails::GenerateThumbnails;
use ferrotype_jobs::handlers::users::DeleteUser;
use ferrotype_jobs::handlers::version_check::VersionCheck;
use ferrotype_jobs::{Completion, JobError, JobHandler, JobObserver, JobRunner, Outcome};
use ferrotype_media::exiftool::ExifTool;
use ferrotype_media::geocode::Geocoder;
use ferrotype_media::thumbnail::ThumbnailSettings;

use crate::config::Config;

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
        .handle(
            QueueName::MetadataExtraction,
            names::EXTRACT_METADATA,
            Arc::new(ExtractMetadata {
                catalog: catalog.clone(),
                blobs: blobs.clone(),
                exiftool: exiftool.clone(),
                geocoder,
                system_config: system_config.clone(),
            }),
        )
        .handle(
            QueueName::StorageTemplateMigration,
            names::STORAGE_TEMPLATE_MIGRATION_SINGLE,
            Arc::new(ApplyStorageTemplate {
                catalog: catalog.clone(),
                blobs: blobs.clone(),
                system_config: system_config.clone(),
                moving: tokio::sync::Mutex::new(()),
            }),
        )
        .handle(
            QueueName::ThumbnailGeneration,
            names::GENERATE_THUMBNAILS,
            Arc::new(GenerateThumbnails {
                catalog: catalog.clone(),
                blobs: blobs.clone(),
                exiftool,
                settings,
                system_config: system_config.clone(),
            }),
        )
        .handle(
            QueueName::BackgroundTask,
            names::USER_DELETE,
            Arc::new(DeleteUser {
                catalog: catalog.clone(),
                blobs,
            }),
        )
        .handle(
            QueueName::BackgroundTask,
            names::VERSION_CHECK,
            Arc::new(VersionCheck {
                catalog,
                system_config: system_config.clone(),
                feed_url: config.version_check_url.clone(),
                client: VersionCheck::client(),
                announce: Arc::new(move |release| {
                    let events = events.clone();
                    tokio::spawn(async move { events.new_release(&release).await });
                }),
            }),
        )
        .handle(
            QueueName::Notifications,
            names::SEND_MAIL,
            Arc::new(SendMail { system_config }),
        )
        .handle(
            QueueName::Notifications,
            names::NOTIFY_ALBUM_UPDATE,
            Arc::new(NotifyAlbumUpdate(album_updates)),
        )
}

/// `NotifyAlbumUpdate`: an album's user told that media was added to it (see
/// `AlbumUpdateNotifier`); the payload names the album (`id`) and the user (`recipientId`).
struct NotifyAlbumUpdate(AlbumUpdateNotifier);

#[async_trait::async_trait]
impl JobHandler for NotifyAlbumUpdate {
    async fn run(&self, job: &Job) -> Result<Completion, JobError> {
        let id = |name: &str| {
            job.payload[name]
                .as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| JobError::Fatal(format!("job has no {name}")))
        };
        self.0
            .notify(id("id")?, id("recipientId")?)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        Ok(Completion::Done)
    }
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
            && let Some(user_id) = ferrotype_jobs::handlers::users::user_of(job)
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
