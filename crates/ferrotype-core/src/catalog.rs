//! The Catalog port: everything Ferrotype keeps about users, assets and albums.
//! Implemented by `ferrotype-catalog` (SQLite today, PostgreSQL later).

use async_trait::async_trait;
use uuid::Uuid;

use crate::jobs::{AssetSelection, Job, JobState, NewJob, QueueName, QueueStatus};
use crate::model::*;
use crate::notifications::{Notification, NotificationFilter};
use crate::sync::{SyncItem, SyncQuery};

/// Receives streamed sync rows, on a blocking thread; returns false to stop (the client left).
pub type SyncSink = Box<dyn FnMut(SyncItem) -> bool + Send>;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A uniqueness rule was broken (e.g. an email already in use).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("catalog backend: {0}")]
    Backend(String),
}

pub type CatalogResult<T> = Result<T, CatalogError>;

#[async_trait]
pub trait Catalog: Send + Sync + 'static {
    // Users
    /// Creates `user` as the first admin, atomically refusing if an admin exists. Returns false if one did.
    async fn create_first_admin(&self, user: &User) -> CatalogResult<bool>;
    async fn create_user(&self, user: &User) -> CatalogResult<()>;
    async fn admin_exists(&self) -> CatalogResult<bool>;
    /// Every user in order of creation; soft-deleted ones only when asked.
    async fn users(&self, with_deleted: bool) -> CatalogResult<Vec<User>>;
    async fn user_by_id(&self, id: Uuid) -> CatalogResult<Option<User>>;
    /// Case-insensitive.
    async fn user_by_email(&self, email: &str) -> CatalogResult<Option<User>>;
    async fn set_password(&self, user_id: Uuid, password_hash: &str) -> CatalogResult<()>;
    /// Deletes the user's row for good (their sessions, keys, albums and metadata go with it);
    /// their assets must have been purged first.
    async fn delete_user(&self, user_id: Uuid) -> CatalogResult<()>;
    /// Users deleted (softly) before `before`: due to be deleted for good.
    async fn users_deleted_before(&self, before: Timestamp) -> CatalogResult<Vec<Uuid>>;
    /// Changes what the change gives; a taken email is a `Conflict`.
    async fn update_user(&self, user_id: Uuid, change: &UserChange) -> CatalogResult<()>;
    async fn user_metadata(
        &self,
        user_id: Uuid,
        key: &str,
    ) -> CatalogResult<Option<serde_json::Value>>;
    async fn set_user_metadata(
        &self,
        user_id: Uuid,
        key: &str,
        value: &serde_json::Value,
    ) -> CatalogResult<()>;
    async fn delete_user_metadata(&self, user_id: Uuid, key: &str) -> CatalogResult<()>;

    // Server-wide state (Immich's system_metadata): JSON values by key, see `system_config::keys`.
    async fn system_metadata(&self, key: &str) -> CatalogResult<Option<serde_json::Value>>;
    async fn set_system_metadata(&self, key: &str, value: &serde_json::Value) -> CatalogResult<()>;
    async fn delete_system_metadata(&self, key: &str) -> CatalogResult<()>;
    /// Adds `version` to the version history unless it is already the latest entry; returns
    /// whether it was added.
    async fn record_version(&self, version: &str) -> CatalogResult<bool>;
    /// The versions this server has run, newest first.
    async fn version_history(&self) -> CatalogResult<Vec<VersionRecord>>;

    // Sessions
    async fn create_session(&self, session: &Session, token_hash: &[u8]) -> CatalogResult<()>;
    async fn session_by_token_hash(
        &self,
        token_hash: &[u8],
    ) -> CatalogResult<Option<(Session, User)>>;
    async fn delete_session(&self, id: Uuid) -> CatalogResult<()>;
    /// The user's sessions, newest first.
    async fn sessions_of(&self, user_id: Uuid) -> CatalogResult<Vec<Session>>;
    /// Changes a session's PIN unlock time and sync reset flag (fields left `None` stay).
    async fn update_session(&self, id: Uuid, change: &SessionChange) -> CatalogResult<()>;
    /// Locks every session of the user (their PIN code was reset).
    async fn lock_sessions_of(&self, user_id: Uuid) -> CatalogResult<()>;
    /// The argon2 hash of the user's PIN code, if they set one.
    async fn pin_code_hash(&self, user_id: Uuid) -> CatalogResult<Option<String>>;
    async fn set_pin_code_hash(&self, user_id: Uuid, hash: Option<&str>) -> CatalogResult<()>;
    /// Deletes the user's sessions except `keep`; returns how many.
    async fn delete_sessions_of(&self, user_id: Uuid, keep: Option<Uuid>) -> CatalogResult<u64>;
    /// Deletes one of the user's sessions; false if they have no such session.
    async fn delete_session_of(&self, user_id: Uuid, id: Uuid) -> CatalogResult<bool>;

    // API keys
    async fn create_api_key(&self, key: &ApiKey, secret_hash: &[u8]) -> CatalogResult<()>;
    async fn api_key_by_secret_hash(
        &self,
        secret_hash: &[u8],
    ) -> CatalogResult<Option<(ApiKey, User)>>;
    async fn api_keys_of(&self, user_id: Uuid) -> CatalogResult<Vec<ApiKey>>;
    async fn api_key(&self, user_id: Uuid, id: Uuid) -> CatalogResult<Option<ApiKey>>;
    async fn update_api_key(&self, key: &ApiKey) -> CatalogResult<()>;
    /// Returns false if the user had no such key.
    async fn delete_api_key(&self, user_id: Uuid, id: Uuid) -> CatalogResult<bool>;

    // Assets
    async fn assets_by_checksums(
        &self,
        owner_id: Uuid,
        checksums: &[Vec<u8>],
    ) -> CatalogResult<Vec<ChecksumMatch>>;
    /// Records that a file is about to be moved to `path`, so a crash before its row is committed
    /// can be repaired at start (see `pending_upload_intents`).
    async fn record_upload_intent(&self, path: &str) -> CatalogResult<()>;
    /// Inserts the asset row and its client metadata (key, JSON object), clears its upload
    /// intent, adds its size to the owner's usage, hides the motion part it names as a live
    /// photo, and enqueues its first jobs, in one transaction. A concurrent upload of the same
    /// checksum yields `Duplicate` and changes nothing.
    async fn insert_asset(
        &self,
        asset: &Asset,
        metadata: &[(String, String)],
        jobs: &[NewJob],
    ) -> CatalogResult<InsertOutcome>;
    /// An asset's client metadata: (key, JSON object, updated at), by key.
    async fn asset_metadata(
        &self,
        asset_id: Uuid,
    ) -> CatalogResult<Vec<(String, String, Timestamp)>>;
    /// Paths whose upload was interrupted: intents with no committed asset row.
    async fn pending_upload_intents(&self) -> CatalogResult<Vec<String>>;
    async fn clear_upload_intent(&self, path: &str) -> CatalogResult<()>;
    /// Records that an original (and its sidecar) is about to be moved.
    async fn begin_move(&self, mv: &PendingMove) -> CatalogResult<()>;
    /// Records the moved paths of `mv` on its asset and forgets the move, in one transaction.
    async fn finish_move(&self, mv: &PendingMove) -> CatalogResult<()>;
    /// Forgets a move that did not happen.
    async fn cancel_move(&self, asset_id: Uuid) -> CatalogResult<()>;
    /// Moves begun and neither finished nor cancelled (a crash came between).
    async fn pending_moves(&self) -> CatalogResult<Vec<PendingMove>>;
    async fn asset(&self, id: Uuid) -> CatalogResult<Option<Asset>>;
    /// Stores what metadata extraction found, moves the asset to its capture time, sets its
    /// displayed size, links its keyword tags and enqueues `next`, in one transaction.
    async fn save_metadata(
        &self,
        asset_id: Uuid,
        info: &ExifInfo,
        displayed_size: Option<(i64, i64)>,
        next: &[NewJob],
    ) -> CatalogResult<()>;
    async fn asset_exif(&self, asset_id: Uuid) -> CatalogResult<Option<ExifInfo>>;
    /// Records that the thumbnails exist: the thumbhash, and the size the decoder found when it
    /// is the original's own (not an embedded preview's); enqueues `next` in the same transaction.
    async fn save_thumbnails(
        &self,
        asset_id: Uuid,
        thumbhash: &[u8],
        size: Option<(i64, i64)>,
        next: &[NewJob],
    ) -> CatalogResult<()>;
    async fn asset_tags(&self, asset_id: Uuid) -> CatalogResult<Vec<Tag>>;
    /// Assets not in the trash per UTC day (`YYYY-MM-DD`) in `[from, to)` (dates), by upload
    /// time or, with `by_taken`, by the local time they were taken.
    async fn daily_asset_counts(
        &self,
        owner_id: Uuid,
        from: &str,
        to: &str,
        by_taken: bool,
    ) -> CatalogResult<Vec<(String, i64)>>;
    async fn asset_stats(
        &self,
        owner_id: Uuid,
        filter: &AssetStatsFilter,
    ) -> CatalogResult<AssetStats>;
    /// Applies an edit to the owner's assets among `ids` (others are left alone); returns how
    /// many changed.
    async fn update_assets(
        &self,
        owner_id: Uuid,
        ids: &[Uuid],
        change: &AssetChange,
    ) -> CatalogResult<u64>;
    /// Moves the owner's assets among `ids` to the trash; returns how many moved.
    async fn trash_assets(&self, owner_id: Uuid, ids: &[Uuid]) -> CatalogResult<u64>;
    /// Brings the owner's trashed assets back: those among `ids`, or all with `None`.
    async fn restore_assets(&self, owner_id: Uuid, ids: Option<&[Uuid]>) -> CatalogResult<u64>;
    /// Deletes assets for good (see `PurgeSelection`). The rows go in one transaction that also
    /// records their files as pending deletion, so a crash before the files are gone is repaired
    /// at start (`pending_upload_intents`). Returns the deleted assets, each with the file keys
    /// to delete and then clear with `clear_upload_intent`.
    async fn purge_assets(&self, selection: &PurgeSelection) -> CatalogResult<Vec<PurgedAsset>>;

    /// Per user, in order of creation: counts and bytes of their (non-trashed) photos and videos.
    async fn usage_by_user(&self) -> CatalogResult<Vec<UserUsage>>;

    // Albums
    async fn create_album(&self, album: &Album) -> CatalogResult<()>;
    async fn album(&self, id: Uuid) -> CatalogResult<Option<AlbumSummary>>;
    /// The albums a user owns or is a member of, newest first; only those holding
    /// `containing` when it is given.
    async fn albums_of(
        &self,
        user_id: Uuid,
        containing: Option<Uuid>,
    ) -> CatalogResult<Vec<AlbumSummary>>;
    /// Adds each asset `actor` may add (their own) and reports per id.
    async fn add_album_assets(
        &self,
        album_id: Uuid,
        actor_id: Uuid,
        asset_ids: &[Uuid],
    ) -> CatalogResult<Vec<(Uuid, AlbumAddResult)>>;
    /// Applies a change to the album's settings.
    async fn update_album(&self, album_id: Uuid, change: &AlbumChange) -> CatalogResult<()>;
    /// Deletes the album (its assets stay).
    async fn delete_album(&self, album_id: Uuid) -> CatalogResult<()>;
    /// Who contributed the album's assets not in the trash: (owner, count), most first.
    async fn album_contributor_counts(&self, album_id: Uuid) -> CatalogResult<Vec<(Uuid, i64)>>;
    /// Whether the asset is in the album.
    async fn album_contains(&self, album_id: Uuid, asset_id: Uuid) -> CatalogResult<bool>;
    /// Removes assets from the album and reports per id: anything when `any`, else only the
    /// assets `actor` owns. A removed cover is replaced by the oldest remaining asset.
    async fn remove_album_assets(
        &self,
        album_id: Uuid,
        actor_id: Uuid,
        any: bool,
        asset_ids: &[Uuid],
    ) -> CatalogResult<Vec<(Uuid, AlbumRemoveResult)>>;
    /// Assets not in the trash, oldest first: the owner's, or an album's when `album_id` is given.
    async fn assets_for_download(
        &self,
        owner_id: Option<Uuid>,
        album_id: Option<Uuid>,
    ) -> CatalogResult<Vec<Asset>>;
    /// The album's (non-trashed) assets that have a place.
    async fn album_map_markers(&self, album_id: Uuid) -> CatalogResult<Vec<MapMarker>>;
    /// Shares the album with these users; false (and nothing changed) when one of them is
    /// already a member.
    async fn add_album_members(
        &self,
        album_id: Uuid,
        members: &[(Uuid, AlbumRole)],
    ) -> CatalogResult<bool>;
    /// Whether the asset is in an album the user owns or is a member of (so they may see it).
    async fn asset_in_shared_album(&self, user_id: Uuid, asset_id: Uuid) -> CatalogResult<bool>;
    /// Whether the user was a member.
    async fn remove_album_member(&self, album_id: Uuid, user_id: Uuid) -> CatalogResult<bool>;
    /// Whether the user is a member.
    async fn set_album_member_role(
        &self,
        album_id: Uuid,
        user_id: Uuid,
        role: AlbumRole,
    ) -> CatalogResult<bool>;

    // Jobs: the durable queue. See `ferrotype-jobs` for the workers that use it.
    /// Returns how many were added (a job whose dedupe key already waits is skipped).
    async fn enqueue_jobs(&self, jobs: &[NewJob]) -> CatalogResult<u64>;
    /// Enqueues one job per selected asset (deduplicated as usual).
    async fn enqueue_asset_jobs(
        &self,
        queue: QueueName,
        name: &'static str,
        selection: AssetSelection,
    ) -> CatalogResult<u64>;
    /// Takes the oldest runnable job of an unpaused queue and marks it active for `worker`.
    async fn claim_job(&self, queue: QueueName, worker: &str) -> CatalogResult<Option<Job>>;
    async fn complete_job(&self, id: i64) -> CatalogResult<()>;
    /// A failed attempt: back to waiting until `retry_at`, or, with `None`, failed for good with
    /// its reason kept.
    async fn fail_job(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> CatalogResult<()>;
    /// Puts an active job back to waiting without counting the attempt (on shutdown).
    async fn release_job(&self, id: i64) -> CatalogResult<()>;
    /// Puts every active job back to waiting: at start, when this process is the only worker,
    /// whatever is active was interrupted by a crash.
    async fn requeue_active_jobs(&self) -> CatalogResult<u64>;
    async fn queue_status(&self, queue: QueueName) -> CatalogResult<QueueStatus>;
    async fn set_queue_paused(&self, queue: QueueName, paused: bool) -> CatalogResult<()>;
    /// Removes waiting and delayed jobs; returns how many.
    async fn empty_queue(&self, queue: QueueName) -> CatalogResult<u64>;
    /// Removes failed jobs; returns how many.
    async fn clear_failed_jobs(&self, queue: QueueName) -> CatalogResult<u64>;
    async fn list_jobs(
        &self,
        queue: QueueName,
        states: &[JobState],
        limit: u32,
    ) -> CatalogResult<Vec<(Job, JobState)>>;

    // Shared links
    /// Stores the link with its assets (for individual links); a taken slug is a Conflict.
    async fn create_shared_link(&self, link: &SharedLink, asset_ids: &[Uuid]) -> CatalogResult<()>;
    async fn shared_link(&self, id: Uuid) -> CatalogResult<Option<SharedLink>>;
    async fn shared_link_by_key(&self, key: &[u8]) -> CatalogResult<Option<SharedLink>>;
    async fn shared_link_by_slug(&self, slug: &str) -> CatalogResult<Option<SharedLink>>;
    /// The user's links, newest first; only those of `album_id` when given.
    async fn shared_links_of(
        &self,
        user_id: Uuid,
        album_id: Option<Uuid>,
    ) -> CatalogResult<Vec<SharedLink>>;
    /// Saves the link's settings (slug, description, password, expiry, permissions); a taken
    /// slug is a Conflict.
    async fn update_shared_link(&self, link: &SharedLink) -> CatalogResult<()>;
    async fn delete_shared_link(&self, id: Uuid) -> CatalogResult<()>;
    /// The assets an individual link shows, oldest first.
    async fn shared_link_assets(&self, id: Uuid) -> CatalogResult<Vec<Asset>>;
    /// Whether the link reaches the asset: one of its assets, or an asset of its album.
    async fn shared_link_reaches(&self, link: &SharedLink, asset_id: Uuid) -> CatalogResult<bool>;
    /// Adds (the link owner's own) assets to an individual link, or removes them.
    async fn change_shared_link_assets(
        &self,
        link: &SharedLink,
        asset_ids: &[Uuid],
        add: bool,
    ) -> CatalogResult<Vec<(Uuid, LinkAssetResult)>>;

    // Notifications
    async fn create_notification(&self, notification: &Notification) -> CatalogResult<()>;
    /// The user's notifications that match and are not deleted, newest first.
    async fn notifications_of(
        &self,
        user_id: Uuid,
        filter: &NotificationFilter,
    ) -> CatalogResult<Vec<Notification>>;
    /// One notification, deleted or not.
    async fn notification(&self, id: Uuid) -> CatalogResult<Option<Notification>>;
    /// Those of `ids` that belong to the user (deleted ones too): Immich's access check.
    async fn notifications_owned(&self, user_id: Uuid, ids: &[Uuid]) -> CatalogResult<Vec<Uuid>>;
    /// Sets (or, with `None`, clears) when these notifications were read; deleted ones are left
    /// alone. Returns how many changed.
    async fn set_notifications_read(
        &self,
        ids: &[Uuid],
        read_at: Option<Timestamp>,
    ) -> CatalogResult<u64>;
    /// Marks these notifications deleted (they leave every listing at once).
    async fn delete_notifications(&self, ids: &[Uuid]) -> CatalogResult<u64>;
    /// Deletes for good what `notifications::retention` no longer keeps; returns how many.
    async fn purge_notifications(&self, now: Timestamp) -> CatalogResult<u64>;

    // Timeline
    /// Months (`2024-05`) with how many assets each holds, in the query's order; empty months
    /// are left out.
    async fn timeline_buckets(&self, query: &TimelineQuery) -> CatalogResult<Vec<(String, i64)>>;
    /// The assets of one month (`2024-05`), in the query's order.
    async fn timeline_bucket(
        &self,
        query: &TimelineQuery,
        month: &str,
    ) -> CatalogResult<Vec<TimelineAsset>>;

    // Sync
    /// Streams, from one snapshot, every row of the requested types changed after the query's
    /// checkpoints: per type deletes first, then upserts, each in `update_id` order. Returns the
    /// cursor that stands for "now" (the `SyncCompleteV1` ack).
    async fn stream_sync(&self, query: SyncQuery, sink: SyncSink) -> CatalogResult<String>;
    /// The session's checkpoints: (entity type, ack).
    async fn sync_checkpoints(&self, session_id: Uuid) -> CatalogResult<Vec<(String, String)>>;
    /// Stores acks (entity type, ack), replacing the previous one of each type.
    async fn set_sync_checkpoints(
        &self,
        session_id: Uuid,
        acks: &[(String, String)],
    ) -> CatalogResult<()>;
    /// Deletes the session's checkpoints of these types (all when `None`); deleting all also
    /// clears a pending reset.
    async fn delete_sync_checkpoints(
        &self,
        session_id: Uuid,
        types: Option<&[String]>,
    ) -> CatalogResult<()>;
    /// Whether the session must start its sync over (`SyncResetV1`).
    async fn sync_reset_pending(&self, session_id: Uuid) -> CatalogResult<bool>;
}
