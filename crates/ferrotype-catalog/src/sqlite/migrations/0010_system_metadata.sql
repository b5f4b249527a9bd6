-- Server-wide state as JSON by key (Immich's system_metadata): the system config's changes from
-- the defaults, admin onboarding, the server license, reverse geocoding and version check state.
CREATE TABLE system_metadata (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

-- The versions this server has run, one row each time the version changed (Immich's
-- version_history).
CREATE TABLE version_history (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    version TEXT NOT NULL
);
CREATE INDEX version_history_created_at ON version_history (created_at);
