//! One type per job kind: its payload as stored in the job's row (the JSON Ferrotype has always
//! written for it, so rows queued by an earlier version still decode), with the job's name
//! (Immich's `JobName`) and queue. Enqueuers build them (`NewJob::of`); handlers receive them
//! decoded (`TypedJobHandler`).

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Job, NewJob, QueueName, names};

/// A job kind's payload.
pub trait JobPayload: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Immich's `JobName` (stored in the row, shown in the job listings).
    const NAME: &'static str;
    const QUEUE: QueueName;
    /// How many times the job runs at most.
    const MAX_ATTEMPTS: u32 = 3;

    /// The asset the job is about, kept in the row's own `asset_id` column (per-asset dedupe,
    /// listings), not in the stored payload.
    fn asset_id(&self) -> Option<Uuid> {
        None
    }

    /// A job enqueued while one of the same key waits is not queued twice (see `NewJob`).
    fn dedupe_key(&self) -> Option<String> {
        None
    }

    /// The payload of a claimed job of this kind.
    fn decode(job: &Job) -> Result<Self, serde_json::Error> {
        serde_json::from_value(job.payload.clone())
    }
}

impl NewJob {
    /// The job that carries `payload`.
    pub fn of<P: JobPayload>(payload: &P) -> Self {
        NewJob {
            queue: P::QUEUE,
            name: P::NAME,
            asset_id: payload.asset_id(),
            // Plain data types: serializing them cannot fail.
            payload: serde_json::to_value(payload).unwrap_or_default(),
            dedupe_key: payload.dedupe_key(),
            max_attempts: P::MAX_ATTEMPTS,
            delay: None,
        }
    }

    /// Runs no sooner than `delay` after it is enqueued.
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

/// Where a chain of asset jobs began (Immich's `source`): an upload's chain ends with
/// `on_upload_success` to the owner once its thumbnails are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobSource {
    Upload,
}

/// The jobs about one asset: the asset is the row's column, the stored payload only the chain's
/// `source` (`{}`, or `{"source": "upload"}`); deduplicated per (job, asset).
macro_rules! asset_job {
    ($(#[$doc:meta])* $type:ident, $name:expr, $queue:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $type {
            #[serde(skip)]
            pub asset_id: Uuid,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub source: Option<JobSource>,
        }

        impl $type {
            pub fn new(asset_id: Uuid) -> Self {
                $type { asset_id, source: None }
            }

            /// The job of a chain that began with `source`.
            pub fn with_source(asset_id: Uuid, source: Option<JobSource>) -> Self {
                $type { asset_id, source }
            }
        }

        impl JobPayload for $type {
            const NAME: &'static str = $name;
            const QUEUE: QueueName = $queue;

            fn asset_id(&self) -> Option<Uuid> {
                Some(self.asset_id)
            }

            fn dedupe_key(&self) -> Option<String> {
                Some(format!("{}:{}", Self::NAME, self.asset_id))
            }

            fn decode(job: &Job) -> Result<Self, serde_json::Error> {
                let mut payload: Self = serde_json::from_value(job.payload.clone())?;
                payload.asset_id = job.asset_id.ok_or_else(|| {
                    <serde_json::Error as serde::de::Error>::custom("the job has no asset")
                })?;
                Ok(payload)
            }
        }
    };
}

asset_job!(
    /// `AssetExtractMetadata`: reading the original's metadata (then its thumbnails).
    ExtractMetadataJob,
    names::EXTRACT_METADATA,
    QueueName::MetadataExtraction
);

asset_job!(
    /// `AssetGenerateThumbnails`: the thumbnail, preview and thumbhash (then the storage
    /// template).
    GenerateThumbnailsJob,
    names::GENERATE_THUMBNAILS,
    QueueName::ThumbnailGeneration
);

asset_job!(
    /// `StorageTemplateMigrationSingle`: moving an original to the storage template's path
    /// (after its thumbnails are made, so they are not read from a file being moved).
    StorageTemplateJob,
    names::STORAGE_TEMPLATE_MIGRATION_SINGLE,
    QueueName::StorageTemplateMigration
);

asset_job!(
    /// `SidecarWrite`: the asset's tags written into its XMP sidecar (`TagsList`), made beside
    /// the original when it has none.
    SidecarWriteJob,
    names::SIDECAR_WRITE,
    QueueName::Sidecar
);

/// `UserDelete`: deleting an account for good: its files, assets, albums and row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserDeleteJob {
    /// The user.
    pub id: Uuid,
}

impl JobPayload for UserDeleteJob {
    const NAME: &'static str = names::USER_DELETE;
    const QUEUE: QueueName = QueueName::BackgroundTask;

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("{}:{}", Self::NAME, self.id))
    }
}

/// `SendMail`: an email to send over the system config's SMTP server (skipped while it is
/// disabled), rendered when queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendMailJob {
    pub to: String,
    pub subject: String,
    pub html: String,
    pub text: String,
}

impl JobPayload for SendMailJob {
    const NAME: &'static str = names::SEND_MAIL;
    const QUEUE: QueueName = QueueName::Notifications;
}

/// `VersionCheck`: looking up the newest release: one at a time, and not retried (the next
/// scheduled check tries again).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionCheckJob {}

impl JobPayload for VersionCheckJob {
    const NAME: &'static str = names::VERSION_CHECK;
    const QUEUE: QueueName = QueueName::BackgroundTask;
    const MAX_ATTEMPTS: u32 = 1;

    fn dedupe_key(&self) -> Option<String> {
        Some(Self::NAME.to_string())
    }
}

/// `NotifyAlbumUpdate`: telling a member of an album that media was added to it, some time
/// after the last addition (`NewJob::delayed`): one per (album, member), its wait restarted by
/// each new addition, so a burst of additions makes one notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotifyAlbumUpdateJob {
    /// The album.
    pub id: Uuid,
    #[serde(rename = "recipientId")]
    pub recipient_id: Uuid,
}

impl JobPayload for NotifyAlbumUpdateJob {
    const NAME: &'static str = names::NOTIFY_ALBUM_UPDATE;
    const QUEUE: QueueName = QueueName::Notifications;

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("{}:{}/{}", Self::NAME, self.id, self.recipient_id))
    }
}

/// `MemoryGenerate`: the "on this day" memories of the days around today, for every user
/// (daily, and when an admin starts `memory-create`); one at a time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemoryGenerateJob {}

impl JobPayload for MemoryGenerateJob {
    const NAME: &'static str = names::MEMORY_GENERATE;
    const QUEUE: QueueName = QueueName::BackgroundTask;

    fn dedupe_key(&self) -> Option<String> {
        Some(Self::NAME.to_string())
    }
}

/// `MemoryCleanup`: unsaved memories older than 30 days deleted, assets that left the timeline
/// taken out of memories (daily, and when an admin starts `memory-cleanup`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemoryCleanupJob {}

impl JobPayload for MemoryCleanupJob {
    const NAME: &'static str = names::MEMORY_CLEANUP;
    const QUEUE: QueueName = QueueName::BackgroundTask;

    fn dedupe_key(&self) -> Option<String> {
        Some(Self::NAME.to_string())
    }
}

/// A person's face thumbnail, cropped from their feature face's asset (Immich's
/// `PersonGenerateThumbnail`, `{id}`: the person).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonThumbnailJob {
    pub id: Uuid,
}

impl JobPayload for PersonThumbnailJob {
    const NAME: &'static str = names::PERSON_GENERATE_THUMBNAIL;
    const QUEUE: QueueName = QueueName::ThumbnailGeneration;

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("{}:{}", Self::NAME, self.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{Completion, JobError, JobHandlers, TypedJobHandler};
    use serde_json::{Value, json};

    /// A stored job as the catalog gives it back.
    fn stored(job: &NewJob) -> Job {
        Job {
            id: 7,
            queue: job.queue,
            name: job.name.to_string(),
            asset_id: job.asset_id,
            payload: job.payload.clone(),
            attempts: 1,
            max_attempts: job.max_attempts,
            last_error: None,
            created_at: chrono::Utc::now(),
            holder: Some("w".into()),
        }
    }

    /// `payload` enqueued is exactly `expected` (the row the previous version wrote), and that
    /// row decodes back to `payload`.
    fn round_trip<P: JobPayload + PartialEq + std::fmt::Debug>(payload: P, expected: NewJob) {
        let job = NewJob::of(&payload);
        assert_eq!(job, expected);
        assert_eq!(P::decode(&stored(&expected)).unwrap(), payload);
    }

    fn asset_job(queue: QueueName, name: &'static str, asset: Uuid, payload: Value) -> NewJob {
        NewJob {
            queue,
            name,
            asset_id: Some(asset),
            payload,
            dedupe_key: Some(format!("{name}:{asset}")),
            max_attempts: 3,
            delay: None,
        }
    }

    #[test]
    fn asset_jobs_store_only_the_chain_source() {
        let asset = Uuid::new_v4();
        round_trip(
            ExtractMetadataJob::new(asset),
            asset_job(
                QueueName::MetadataExtraction,
                "AssetExtractMetadata",
                asset,
                json!({}),
            ),
        );
        round_trip(
            ExtractMetadataJob::with_source(asset, Some(JobSource::Upload)),
            asset_job(
                QueueName::MetadataExtraction,
                "AssetExtractMetadata",
                asset,
                json!({ "source": "upload" }),
            ),
        );
        round_trip(
            GenerateThumbnailsJob::with_source(asset, Some(JobSource::Upload)),
            asset_job(
                QueueName::ThumbnailGeneration,
                "AssetGenerateThumbnails",
                asset,
                json!({ "source": "upload" }),
            ),
        );
        round_trip(
            StorageTemplateJob::new(asset),
            asset_job(
                QueueName::StorageTemplateMigration,
                "StorageTemplateMigrationSingle",
                asset,
                json!({}),
            ),
        );
        let upload = NewJob::of(&GenerateThumbnailsJob::with_source(
            asset,
            Some(JobSource::Upload),
        ));
        assert!(stored(&upload).is_from_upload());
        assert!(!stored(&NewJob::of(&GenerateThumbnailsJob::new(asset))).is_from_upload());
    }

    #[test]
    fn other_jobs_keep_their_payload_shapes() {
        let (user, album) = (Uuid::new_v4(), Uuid::new_v4());
        round_trip(
            UserDeleteJob { id: user },
            NewJob {
                queue: QueueName::BackgroundTask,
                name: "UserDelete",
                asset_id: None,
                payload: json!({ "id": user.to_string() }),
                dedupe_key: Some(format!("UserDelete:{user}")),
                max_attempts: 3,
                delay: None,
            },
        );
        round_trip(
            SendMailJob {
                to: "a@example.com".into(),
                subject: "Hi".into(),
                html: "<p>Hi</p>".into(),
                text: "Hi".into(),
            },
            NewJob {
                queue: QueueName::Notifications,
                name: "SendMail",
                asset_id: None,
                payload: json!({
                    "to": "a@example.com", "subject": "Hi", "html": "<p>Hi</p>", "text": "Hi"
                }),
                dedupe_key: None,
                max_attempts: 3,
                delay: None,
            },
        );
        round_trip(
            VersionCheckJob {},
            NewJob {
                queue: QueueName::BackgroundTask,
                name: "VersionCheck",
                asset_id: None,
                payload: json!({}),
                dedupe_key: Some("VersionCheck".into()),
                max_attempts: 1,
                delay: None,
            },
        );
        round_trip(
            NotifyAlbumUpdateJob {
                id: album,
                recipient_id: user,
            },
            NewJob {
                queue: QueueName::Notifications,
                name: "NotifyAlbumUpdate",
                asset_id: None,
                payload: json!({ "id": album.to_string(), "recipientId": user.to_string() }),
                dedupe_key: Some(format!("NotifyAlbumUpdate:{album}/{user}")),
                max_attempts: 3,
                delay: None,
            },
        );
        let delayed = NewJob::of(&NotifyAlbumUpdateJob {
            id: album,
            recipient_id: user,
        })
        .delayed(Duration::from_secs(600));
        assert_eq!(delayed.delay, Some(Duration::from_secs(600)));
    }

    struct Deletes;

    #[async_trait::async_trait]
    impl TypedJobHandler for Deletes {
        type Payload = UserDeleteJob;

        async fn run(&self, _job: &Job, _payload: UserDeleteJob) -> Result<Completion, JobError> {
            Ok(Completion::Done)
        }
    }

    #[tokio::test]
    async fn a_payload_that_does_not_decode_fails_its_job_at_once() {
        let mut handlers = JobHandlers::new();
        handlers.add(Deletes);
        let (queue, handler) = handlers.get("UserDelete").unwrap().clone();
        assert_eq!(queue, QueueName::BackgroundTask);
        let mut job = stored(&NewJob::of(&UserDeleteJob { id: Uuid::new_v4() }));
        assert_eq!(handler.run(&job).await.unwrap(), Completion::Done);

        job.payload = json!({ "id": "not-a-uuid" });
        match handler.run(&job).await {
            Err(JobError::Fatal(reason)) => {
                assert!(
                    reason.starts_with("the payload of job 7 (UserDelete) does not decode: "),
                    "{reason}"
                );
                assert!(reason.contains("UUID"), "{reason}");
            }
            other => panic!("expected a fatal error, got {other:?}"),
        }

        // An asset job without its asset.
        let mut handlers = JobHandlers::new();
        handlers.add(ThumbnailsOf);
        let (_, handler) = handlers.get("AssetGenerateThumbnails").unwrap().clone();
        let mut job = stored(&NewJob::of(&GenerateThumbnailsJob::new(Uuid::new_v4())));
        job.asset_id = None;
        match handler.run(&job).await {
            Err(JobError::Fatal(reason)) => assert_eq!(
                reason,
                "the payload of job 7 (AssetGenerateThumbnails) does not decode: the job has no asset"
            ),
            other => panic!("expected a fatal error, got {other:?}"),
        }
    }

    struct ThumbnailsOf;

    #[async_trait::async_trait]
    impl TypedJobHandler for ThumbnailsOf {
        type Payload = GenerateThumbnailsJob;

        async fn run(
            &self,
            _job: &Job,
            _payload: GenerateThumbnailsJob,
        ) -> Result<Completion, JobError> {
            Ok(Completion::Done)
        }
    }
}
