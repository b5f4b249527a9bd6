-- The durable job queue. One row per job that is waiting, delayed (waiting with a later
-- run_after), active or failed; completed jobs are counted in queue_state and their rows removed.
-- Claiming picks the oldest runnable row of a queue; on PostgreSQL the same query takes
-- `FOR UPDATE SKIP LOCKED` so that many workers can share the table.

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    name TEXT NOT NULL,
    asset_id TEXT,
    payload TEXT NOT NULL DEFAULT '{}',
    -- At most one waiting job per key (e.g. `AssetExtractMetadata:<asset>`): enqueuing it again
    -- while one waits is a no-op. An active job does not block a new waiting one, so an edit made
    -- while a job runs is picked up by the next run.
    dedupe_key TEXT,
    status TEXT NOT NULL DEFAULT 'waiting', -- waiting | active | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3,
    run_after TEXT NOT NULL,
    worker TEXT,
    heartbeat_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX jobs_claim ON jobs(queue, status, run_after, id);
CREATE UNIQUE INDEX jobs_dedupe_waiting ON jobs(dedupe_key) WHERE status = 'waiting';
CREATE INDEX jobs_asset ON jobs(asset_id);

CREATE TABLE queue_state (
    queue TEXT PRIMARY KEY NOT NULL,
    is_paused INTEGER NOT NULL DEFAULT 0,
    completed INTEGER NOT NULL DEFAULT 0
);

-- When each asset's work was last done, so that "start" without force queues only what is missing.
CREATE TABLE asset_job_status (
    asset_id TEXT PRIMARY KEY NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    metadata_extracted_at TEXT,
    thumbnails_generated_at TEXT
);
