-- Album activity (Immich's `activity`): comments and likes on an album or on one of its assets.
-- An activity on an asset goes with the asset's place in the album (the composite key), so
-- removing the asset from the album, the album, the asset or the author removes it too; a NULL
-- asset_id is the album itself and is not checked against album_assets (MATCH SIMPLE).
CREATE TABLE activities (
    id uuid PRIMARY KEY,
    album_id uuid NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    asset_id uuid REFERENCES assets(id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    comment text,
    is_liked boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- Insertion order, for activities made in the same millisecond (SQLite: rowid).
    seq bigint GENERATED ALWAYS AS IDENTITY,
    FOREIGN KEY (album_id, asset_id) REFERENCES album_assets(album_id, asset_id) ON DELETE CASCADE,
    CHECK ((comment IS NULL AND is_liked) OR (comment IS NOT NULL AND NOT is_liked))
);
CREATE INDEX activities_album ON activities (album_id, created_at);
CREATE INDEX activities_asset ON activities (asset_id);
CREATE INDEX activities_user ON activities (user_id);
-- One like per user on the album (asset_id NULL: NULLS NOT DISTINCT, PostgreSQL 15) and on
-- each of its assets.
CREATE UNIQUE INDEX activities_one_like
    ON activities (album_id, user_id, asset_id) NULLS NOT DISTINCT
    WHERE is_liked;
