-- Albums shared with other users, as editors (may add and remove assets) or viewers.

CREATE TABLE album_users (
    album_id TEXT NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL DEFAULT 'editor',
    created_at TEXT NOT NULL,
    update_id TEXT,
    PRIMARY KEY (album_id, user_id)
) WITHOUT ROWID;
CREATE INDEX album_users_user ON album_users(user_id, album_id);
CREATE INDEX album_users_update ON album_users(update_id);

CREATE TRIGGER album_users_insert_update_id AFTER INSERT ON album_users
BEGIN
    UPDATE album_users SET update_id = uuid7()
    WHERE album_id = NEW.album_id AND user_id = NEW.user_id;
END;
CREATE TRIGGER album_users_update_update_id AFTER UPDATE ON album_users
WHEN NEW.update_id IS OLD.update_id
BEGIN
    UPDATE album_users SET update_id = uuid7()
    WHERE album_id = NEW.album_id AND user_id = NEW.user_id;
END;

CREATE TABLE album_user_audit (
    id TEXT PRIMARY KEY NOT NULL,
    album_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE INDEX album_user_audit_album ON album_user_audit(album_id, id);
CREATE INDEX album_user_audit_user ON album_user_audit(user_id, id);

-- A member who leaves (or is removed) learns the album is gone for them; the others learn the
-- member left.
CREATE TRIGGER album_users_audit AFTER DELETE ON album_users
BEGIN
    INSERT INTO album_user_audit (id, album_id, user_id, deleted_at)
    VALUES (uuid7(), OLD.album_id, OLD.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
    INSERT INTO album_audit (id, album_id, user_id, deleted_at)
    VALUES (uuid7(), OLD.album_id, OLD.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
