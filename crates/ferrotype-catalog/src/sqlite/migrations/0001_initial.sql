-- Users, sessions, API keys, assets and albums. Timestamps are RFC 3339 text in UTC with
-- milliseconds (`2026-11-21T22:40:41.789Z`), which sorts as time does. Ids are UUID text.

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    password_hash TEXT,
    is_admin INTEGER NOT NULL DEFAULT 0,
    avatar_color TEXT NOT NULL,
    profile_image_path TEXT NOT NULL DEFAULT '',
    profile_changed_at TEXT NOT NULL,
    should_change_password INTEGER NOT NULL DEFAULT 0,
    storage_label TEXT,
    oauth_id TEXT NOT NULL DEFAULT '',
    quota_size_in_bytes INTEGER,
    quota_usage_in_bytes INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_type TEXT NOT NULL DEFAULT '',
    device_os TEXT NOT NULL DEFAULT '',
    app_version TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    secret_hash BLOB NOT NULL UNIQUE,
    name TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    permissions TEXT NOT NULL, -- JSON array of permission names
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE assets (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    original_path TEXT NOT NULL UNIQUE,
    original_file_name TEXT NOT NULL,
    checksum BLOB NOT NULL,
    file_size INTEGER NOT NULL,
    file_created_at TEXT NOT NULL,
    file_modified_at TEXT NOT NULL,
    local_date_time TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    visibility TEXT NOT NULL DEFAULT 'timeline',
    is_favorite INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER,
    live_photo_video_id TEXT,
    sidecar_path TEXT,
    device_asset_id TEXT,
    device_id TEXT,
    width INTEGER,
    height INTEGER,
    thumbhash BLOB
);
-- Per-owner dedupe, as Immich's UNIQUE(ownerId, checksum).
CREATE UNIQUE INDEX assets_owner_checksum ON assets(owner_id, checksum);
CREATE INDEX assets_owner_local_date ON assets(owner_id, local_date_time);

-- A file about to be moved into the store. Deleted in the transaction that inserts its asset;
-- any left at start belong to uploads a crash interrupted, and their files are removed.
CREATE TABLE upload_intents (
    path TEXT PRIMARY KEY NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE albums (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    thumbnail_asset_id TEXT REFERENCES assets(id) ON DELETE SET NULL,
    is_activity_enabled INTEGER NOT NULL DEFAULT 1,
    sort_order TEXT NOT NULL DEFAULT 'desc',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX albums_owner ON albums(owner_id);

CREATE TABLE album_assets (
    album_id TEXT NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (album_id, asset_id)
) WITHOUT ROWID;
CREATE INDEX album_assets_asset ON album_assets(asset_id);
