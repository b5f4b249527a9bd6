-- Key-value metadata that clients attach to assets (Immich's asset_metadata), e.g. the iOS
-- app's `mobile-app` entry with the photo library's cloud id. Values are JSON objects.
CREATE TABLE asset_metadata (
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (asset_id, key)
) WITHOUT ROWID;
