-- Links that show chosen assets, or an album, to people without an account. The key is 50
-- random bytes; the password is kept as given, as Immich does (its owner sees it again).
CREATE TABLE shared_links (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key BLOB NOT NULL UNIQUE,
    slug TEXT UNIQUE,
    type TEXT NOT NULL,
    album_id TEXT REFERENCES albums(id) ON DELETE CASCADE,
    description TEXT,
    password TEXT,
    expires_at TEXT,
    allow_upload INTEGER NOT NULL DEFAULT 0,
    allow_download INTEGER NOT NULL DEFAULT 1,
    show_exif INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE INDEX shared_links_user ON shared_links(user_id);
CREATE INDEX shared_links_album ON shared_links(album_id);

CREATE TABLE shared_link_assets (
    link_id TEXT NOT NULL REFERENCES shared_links(id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (link_id, asset_id)
) WITHOUT ROWID;
CREATE INDEX shared_link_assets_asset ON shared_link_assets(asset_id);
