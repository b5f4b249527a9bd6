-- Messages to one user (Immich's `notification` table): level and type are Immich's enum
-- strings, data a JSON object as text. Deleting one sets deleted_at; the hourly clean-up
-- deletes the row later.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    level TEXT NOT NULL DEFAULT 'info'
        CHECK (level IN ('success', 'error', 'warning', 'info')),
    type TEXT NOT NULL DEFAULT 'Custom'
        CHECK (type IN ('JobFailed', 'BackupFailed', 'SystemMessage', 'AlbumInvite', 'AlbumUpdate', 'Custom')),
    title TEXT NOT NULL,
    description TEXT,
    data TEXT,
    read_at TEXT
);
-- The panel's listing: a user's notifications, newest first.
CREATE INDEX notifications_user_created ON notifications(user_id, created_at);
