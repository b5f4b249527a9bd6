-- Per-user settings (Immich's user_metadata): preferences, onboarding, ... as JSON by key.
CREATE TABLE user_metadata (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
