-- The processes working on this database, each as of its last heartbeat: what one left half-done
-- (an upload, a move) is repaired only once it is gone, never under a process still at it.
CREATE TABLE server_instances (
    id uuid PRIMARY KEY,
    role text NOT NULL,
    started_at timestamptz NOT NULL,
    seen_at timestamptz NOT NULL
);

-- Who recorded an intent or a move (NULL: a deletion's files, which anyone may finish).
ALTER TABLE upload_intents ADD COLUMN instance_id uuid;
ALTER TABLE pending_moves ADD COLUMN instance_id uuid;
