-- Album activity (Immich's `activity`): comments and likes on an album or on one of its assets.
-- An activity on an asset goes with the asset's place in the album (the composite key), so
-- removing the asset from the album, the album, the asset or the author removes it too; a NULL
-- asset_id is the album itself and is not checked against album_assets.
CREATE TABLE activities (
    id TEXT PRIMARY KEY NOT NULL,
    album_id TEXT NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    asset_id TEXT REFERENCES assets(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    comment TEXT,
    is_liked INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (album_id, asset_id) REFERENCES album_assets(album_id, asset_id) ON DELETE CASCADE,
    CHECK ((comment IS NULL AND is_liked = 1) OR (comment IS NOT NULL AND is_liked = 0))
);
CREATE INDEX activities_album ON activities(album_id, created_at);
CREATE INDEX activities_asset ON activities(asset_id);
CREATE INDEX activities_user ON activities(user_id);
-- One like per user on the album (asset_id NULL) and on each of its assets.
CREATE UNIQUE INDEX activities_one_like
    ON activities(album_id, user_id, ifnull(asset_id, ''))
    WHERE is_liked = 1;
