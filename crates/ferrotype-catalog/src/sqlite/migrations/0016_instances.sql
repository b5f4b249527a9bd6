-- The processes working on this catalog, each as of its last heartbeat: what one left half-done
-- (an upload, a move) is repaired only once it is gone. One process per data folder with
-- SQLite, but the same rule keeps the repairs right while it runs.
CREATE TABLE server_instances (
    id TEXT PRIMARY KEY NOT NULL,
    role TEXT NOT NULL,
    started_at TEXT NOT NULL,
    seen_at TEXT NOT NULL
);

-- Who recorded an intent or a move (NULL: a deletion's files, which anyone may finish).
ALTER TABLE upload_intents ADD COLUMN instance_id TEXT;
ALTER TABLE pending_moves ADD COLUMN instance_id TEXT;
