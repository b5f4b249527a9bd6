//! Background jobs: Immich's queue names, the jobs Ferrotype runs, and how they are described to
//! the durable queue in the catalog.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;
use uuid::Uuid;

use crate::catalog::BusMessage;
use crate::model::Timestamp;

mod handler;
pub mod memories;
pub mod payloads;
pub mod storage_template;
pub mod user_delete;

pub use handler::{Completion, JobError, JobHandler, JobHandlers, TypedJobHandler};
pub use payloads::{JobPayload, JobSource};

/// Adds the handlers of the jobs whose work is core's own (through its ports): `UserDelete`,
/// `StorageTemplateMigrationSingle`, `MemoryGenerate` and `MemoryCleanup`.
pub fn register(
    handlers: &mut JobHandlers,
    catalog: std::sync::Arc<dyn crate::catalog::Catalog>,
    blobs: std::sync::Arc<dyn crate::blob::BlobStore>,
    system_config: std::sync::Arc<crate::system_config::SystemConfigStore>,
) {
    handlers
        .add(user_delete::DeleteUser {
            catalog: catalog.clone(),
            blobs: blobs.clone(),
        })
        .add(storage_template::ApplyStorageTemplate {
            catalog: catalog.clone(),
            blobs,
            system_config,
            moving: tokio::sync::Mutex::new(()),
        })
        .add(memories::GenerateMemories {
            catalog: catalog.clone(),
        })
        .add(memories::CleanUpMemories { catalog });
}

/// Immich's `QueueName`s, in the order of the OpenAPI document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueueName {
    ThumbnailGeneration,
    MetadataExtraction,
    VideoConversion,
    FaceDetection,
    FacialRecognition,
    SmartSearch,
    DuplicateDetection,
    BackgroundTask,
    StorageTemplateMigration,
    Migration,
    Search,
    Sidecar,
    Library,
    Notifications,
    BackupDatabase,
    Ocr,
    Workflow,
    IntegrityCheck,
    Editor,
}

impl QueueName {
    pub const ALL: [QueueName; 19] = [
        QueueName::ThumbnailGeneration,
        QueueName::MetadataExtraction,
        QueueName::VideoConversion,
        QueueName::FaceDetection,
        QueueName::FacialRecognition,
        QueueName::SmartSearch,
        QueueName::DuplicateDetection,
        QueueName::BackgroundTask,
        QueueName::StorageTemplateMigration,
        QueueName::Migration,
        QueueName::Search,
        QueueName::Sidecar,
        QueueName::Library,
        QueueName::Notifications,
        QueueName::BackupDatabase,
        QueueName::Ocr,
        QueueName::Workflow,
        QueueName::IntegrityCheck,
        QueueName::Editor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::ThumbnailGeneration => "thumbnailGeneration",
            QueueName::MetadataExtraction => "metadataExtraction",
            QueueName::VideoConversion => "videoConversion",
            QueueName::FaceDetection => "faceDetection",
            QueueName::FacialRecognition => "facialRecognition",
            QueueName::SmartSearch => "smartSearch",
            QueueName::DuplicateDetection => "duplicateDetection",
            QueueName::BackgroundTask => "backgroundTask",
            QueueName::StorageTemplateMigration => "storageTemplateMigration",
            QueueName::Migration => "migration",
            QueueName::Search => "search",
            QueueName::Sidecar => "sidecar",
            QueueName::Library => "library",
            QueueName::Notifications => "notifications",
            QueueName::BackupDatabase => "backupDatabase",
            QueueName::Ocr => "ocr",
            QueueName::Workflow => "workflow",
            QueueName::IntegrityCheck => "integrityCheck",
            QueueName::Editor => "editor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|q| q.as_str() == s)
    }

    /// How many jobs of this queue run at once unless configured otherwise (Immich's defaults,
    /// scaled for a small machine).
    pub fn default_concurrency(self) -> usize {
        match self {
            QueueName::ThumbnailGeneration => 2,
            QueueName::MetadataExtraction => 2,
            QueueName::BackgroundTask => 2,
            _ => 1,
        }
    }
}

/// The jobs Ferrotype runs (names from Immich's `JobName`).
pub mod names {
    pub const EXTRACT_METADATA: &str = "AssetExtractMetadata";
    pub const GENERATE_THUMBNAILS: &str = "AssetGenerateThumbnails";
    pub const USER_DELETE: &str = "UserDelete";
    pub const STORAGE_TEMPLATE_MIGRATION_SINGLE: &str = "StorageTemplateMigrationSingle";
    pub const SEND_MAIL: &str = "SendMail";
    pub const VERSION_CHECK: &str = "VersionCheck";
    pub const NOTIFY_ALBUM_UPDATE: &str = "NotifyAlbumUpdate";
    pub const SIDECAR_WRITE: &str = "SidecarWrite";
    pub const MEMORY_GENERATE: &str = "MemoryGenerate";
    pub const MEMORY_CLEANUP: &str = "MemoryCleanup";
    pub const PERSON_GENERATE_THUMBNAIL: &str = "PersonGenerateThumbnail";
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub queue: QueueName,
    pub name: &'static str,
    pub asset_id: Option<Uuid>,
    pub payload: Value,
    /// Enqueuing a job whose key already waits does nothing, unless the job is delayed: then
    /// the waiting one's wait starts again from now (Immich removes and re-adds such a job).
    pub dedupe_key: Option<String>,
    pub max_attempts: u32,
    /// Runs no sooner than this long after it is enqueued.
    pub delay: Option<Duration>,
}

/// The `source` of the jobs an upload starts.
pub const SOURCE_UPLOAD: &str = "upload";

/// A claimed (or listed) job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub queue: QueueName,
    pub name: String,
    pub asset_id: Option<Uuid>,
    pub payload: Value,
    /// Including the current one, once claimed.
    pub attempts: u32,
    pub max_attempts: u32,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    /// The worker whose lease it runs under, while active.
    pub holder: Option<String>,
}

impl Job {
    /// Whether the job belongs to an upload's chain (see `JobSource`).
    pub fn is_from_upload(&self) -> bool {
        self.payload.get("source").and_then(Value::as_str) == Some(SOURCE_UPLOAD)
    }
}

/// What a job's last write records in its own transaction, besides its data: the job completed
/// by the worker holding it, and the jobs that follow it. A worker killed before that commit
/// leaves the job to be taken over with nothing of its run recorded; after it, the job is done.
/// Never half of each: a chain's next job enqueued by a run whose job then runs again.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobEnd {
    /// The job and its holder; the write changes nothing if that worker no longer holds it.
    pub completes: Option<(i64, String)>,
    pub next: Vec<NewJob>,
    /// Sent on the bus when the write commits (PostgreSQL delivers a NOTIFY made in the
    /// transaction at its commit, and never without it).
    pub announce: Vec<BusMessage>,
}

impl JobEnd {
    /// `job` completed by its holder, and `next` enqueued.
    pub fn of(job: &Job, next: Vec<NewJob>) -> Self {
        JobEnd {
            completes: job.holder.clone().map(|worker| (job.id, worker)),
            next,
            announce: Vec::new(),
        }
    }

    /// Only `next` enqueued: a write made outside any job.
    pub fn enqueue(next: Vec<NewJob>) -> Self {
        JobEnd {
            completes: None,
            next,
            announce: Vec::new(),
        }
    }
}

/// Wake-ups for idle workers, one counter per queue, bumped when a job of that queue becomes
/// waiting (enqueued, retried, released, requeued) or the queue is resumed. Each backend bumps
/// them from what it sees: PostgreSQL from `LISTEN` (any process's commits), SQLite after its
/// own commits (one process per data folder). A worker subscribes once and, after a claim that
/// found nothing, waits for its counter to move: a bump between the claim and the wait is not
/// lost, since the counter moved past what the worker last saw.
pub struct JobWakeups {
    queues: HashMap<QueueName, watch::Sender<u64>>,
    listening: watch::Sender<bool>,
}

/// One worker's view of a queue's wake-ups.
pub struct JobWakeup {
    rx: watch::Receiver<u64>,
}

impl JobWakeup {
    /// Waits until a job became waiting on the queue since the last wait (or the subscription),
    /// or `timeout` passed; returns whether it was woken.
    pub async fn wait(&mut self, timeout: Duration) -> bool {
        matches!(
            tokio::time::timeout(timeout, self.rx.changed()).await,
            Ok(Ok(()))
        )
    }
}

impl JobWakeups {
    /// `listening`: whether wake-ups already arrive (false for a backend that must first
    /// connect, which calls `set_listening` once it does).
    pub fn new(listening: bool) -> Self {
        JobWakeups {
            queues: QueueName::ALL
                .into_iter()
                .map(|q| (q, watch::channel(0).0))
                .collect(),
            listening: watch::channel(listening).0,
        }
    }

    pub fn subscribe(&self, queue: QueueName) -> JobWakeup {
        JobWakeup {
            rx: self.queues[&queue].subscribe(),
        }
    }

    /// A job of `queue` became waiting.
    pub fn wake(&self, queue: QueueName) {
        self.queues[&queue].send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Every worker looks once (e.g. after wake-ups may have been missed).
    pub fn wake_all(&self) {
        for queue in QueueName::ALL {
            self.wake(queue);
        }
    }

    pub fn set_listening(&self, up: bool) {
        self.listening.send_replace(up);
    }

    /// Resolves once wake-ups arrive (at once if they do).
    pub async fn listening(&self) {
        let mut rx = self.listening.subscribe();
        let _ = rx.wait_for(|up| *up).await;
    }
}

/// The counts of `QueueStatisticsDto`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub active: i64,
    pub completed: i64,
    pub failed: i64,
    pub delayed: i64,
    pub waiting: i64,
    pub paused: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStatus {
    pub counts: QueueCounts,
    pub is_paused: bool,
}

/// A job's state as the listing endpoints name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Waiting,
    Delayed,
    Active,
    Failed,
}

impl JobState {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "waiting" | "paused" => JobState::Waiting,
            "delayed" => JobState::Delayed,
            "active" => JobState::Active,
            "failed" => JobState::Failed,
            _ => return None,
        })
    }
}

/// Which assets "start" queues work for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetSelection {
    /// Every asset (the `force` flag).
    All,
    /// Assets whose metadata was never extracted.
    MissingMetadata,
    /// Assets whose thumbnails were never made.
    MissingThumbnails,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_match_the_openapi_document() {
        let spec: Value =
            serde_json::from_str(include_str!("../../../spec/immich-openapi-3.1.0.json")).unwrap();
        let names: Vec<&str> = spec["components"]["schemas"]["QueueName"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let ours: Vec<&str> = QueueName::ALL.iter().map(|q| q.as_str()).collect();
        assert_eq!(ours, names);
        for n in names {
            assert_eq!(QueueName::parse(n).unwrap().as_str(), n);
        }
    }
}
