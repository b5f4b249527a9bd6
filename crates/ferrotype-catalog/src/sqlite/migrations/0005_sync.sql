-- The mobile app's sync stream. Every synced row carries `update_id`, a UUIDv7 that triggers set
-- on insert and on every update (`uuid7()` is registered on each connection by the catalog, and
-- only one transaction writes at a time, so ids grow in commit order: a client's cursor never
-- skips a row). Deletions are recorded in audit tables, so a client that was away for a month
-- still learns of them. Checkpoints are one per (session, entity type).

ALTER TABLE users ADD COLUMN update_id TEXT;
ALTER TABLE assets ADD COLUMN update_id TEXT;
ALTER TABLE asset_exif ADD COLUMN update_id TEXT;
ALTER TABLE albums ADD COLUMN update_id TEXT;
ALTER TABLE album_assets ADD COLUMN update_id TEXT;
UPDATE users SET update_id = uuid7();
UPDATE assets SET update_id = uuid7();
UPDATE asset_exif SET update_id = uuid7();
UPDATE albums SET update_id = uuid7();
UPDATE album_assets SET update_id = uuid7();

-- Fields a user edited by hand (Immich's lockedProperties: dateTimeOriginal, timeZone,
-- latitude, longitude, description, rating), as a JSON array; metadata extraction keeps them.
ALTER TABLE asset_exif ADD COLUMN locked_properties TEXT NOT NULL DEFAULT '[]';

CREATE INDEX users_update ON users(update_id);
CREATE INDEX assets_owner_update ON assets(owner_id, update_id);
CREATE INDEX asset_exif_update ON asset_exif(update_id);
CREATE INDEX albums_owner_update ON albums(owner_id, update_id);
CREATE INDEX album_assets_update ON album_assets(album_id, update_id);

CREATE TRIGGER users_insert_update_id AFTER INSERT ON users
BEGIN UPDATE users SET update_id = uuid7() WHERE id = NEW.id; END;
CREATE TRIGGER users_update_update_id AFTER UPDATE ON users WHEN NEW.update_id IS OLD.update_id
BEGIN UPDATE users SET update_id = uuid7() WHERE id = NEW.id; END;

CREATE TRIGGER assets_insert_update_id AFTER INSERT ON assets
BEGIN UPDATE assets SET update_id = uuid7() WHERE id = NEW.id; END;
CREATE TRIGGER assets_update_update_id AFTER UPDATE ON assets WHEN NEW.update_id IS OLD.update_id
BEGIN UPDATE assets SET update_id = uuid7() WHERE id = NEW.id; END;

CREATE TRIGGER asset_exif_insert_update_id AFTER INSERT ON asset_exif
BEGIN UPDATE asset_exif SET update_id = uuid7() WHERE asset_id = NEW.asset_id; END;
CREATE TRIGGER asset_exif_update_update_id AFTER UPDATE ON asset_exif
WHEN NEW.update_id IS OLD.update_id
BEGIN UPDATE asset_exif SET update_id = uuid7() WHERE asset_id = NEW.asset_id; END;

CREATE TRIGGER albums_insert_update_id AFTER INSERT ON albums
BEGIN UPDATE albums SET update_id = uuid7() WHERE id = NEW.id; END;
CREATE TRIGGER albums_update_update_id AFTER UPDATE ON albums WHEN NEW.update_id IS OLD.update_id
BEGIN UPDATE albums SET update_id = uuid7() WHERE id = NEW.id; END;

CREATE TRIGGER album_assets_insert_update_id AFTER INSERT ON album_assets
BEGIN
    UPDATE album_assets SET update_id = uuid7()
    WHERE album_id = NEW.album_id AND asset_id = NEW.asset_id;
END;

-- Deletions, by UUIDv7 id (the delete's cursor).
CREATE TABLE user_audit (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE TABLE asset_audit (
    id TEXT PRIMARY KEY NOT NULL,
    asset_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE INDEX asset_audit_owner ON asset_audit(owner_id, id);
CREATE TABLE album_audit (
    id TEXT PRIMARY KEY NOT NULL,
    album_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE INDEX album_audit_user ON album_audit(user_id, id);
CREATE TABLE album_asset_audit (
    id TEXT PRIMARY KEY NOT NULL,
    album_id TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE INDEX album_asset_audit_album ON album_asset_audit(album_id, id);

CREATE TRIGGER users_audit AFTER DELETE ON users
BEGIN
    INSERT INTO user_audit (id, user_id, deleted_at)
    VALUES (uuid7(), OLD.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER assets_audit AFTER DELETE ON assets
BEGIN
    INSERT INTO asset_audit (id, asset_id, owner_id, deleted_at)
    VALUES (uuid7(), OLD.id, OLD.owner_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER albums_audit AFTER DELETE ON albums
BEGIN
    INSERT INTO album_audit (id, album_id, user_id, deleted_at)
    VALUES (uuid7(), OLD.id, OLD.owner_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
-- An album's own deletion is news enough: its rows to assets are not reported one by one.
CREATE TRIGGER album_assets_audit AFTER DELETE ON album_assets
WHEN EXISTS (SELECT 1 FROM albums WHERE id = OLD.album_id)
BEGIN
    INSERT INTO album_asset_audit (id, album_id, asset_id, deleted_at)
    VALUES (uuid7(), OLD.album_id, OLD.asset_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

ALTER TABLE sessions ADD COLUMN is_pending_sync_reset INTEGER NOT NULL DEFAULT 0;
CREATE TABLE session_sync_checkpoints (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    ack TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (session_id, type)
) WITHOUT ROWID;
