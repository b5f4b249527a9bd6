-- People (Immich's `person`): the people a user names in their photos. Faces (Immich's
-- `asset_face`) are not kept yet: face_asset_id stays NULL and gets its foreign key with them.
-- Synced to the mobile app (PeopleV1): update_id set by triggers, deletions kept in person_audit.
CREATE TABLE people (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    thumbnail_path TEXT NOT NULL DEFAULT '',
    is_hidden INTEGER NOT NULL DEFAULT 0,
    birth_date TEXT,
    face_asset_id TEXT,
    is_favorite INTEGER NOT NULL DEFAULT 0,
    color TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    update_id TEXT
);
CREATE INDEX people_owner_update ON people(owner_id, update_id);

CREATE TRIGGER people_insert_update_id AFTER INSERT ON people
BEGIN UPDATE people SET update_id = uuid7() WHERE id = NEW.id; END;
CREATE TRIGGER people_update_update_id AFTER UPDATE ON people WHEN NEW.update_id IS OLD.update_id
BEGIN UPDATE people SET update_id = uuid7() WHERE id = NEW.id; END;

-- Deleted people, for PersonDeleteV1.
CREATE TABLE person_audit (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE INDEX person_audit_owner ON person_audit(owner_id, id);
CREATE TRIGGER people_audit AFTER DELETE ON people
BEGIN
    INSERT INTO person_audit (id, person_id, owner_id, deleted_at)
    VALUES (uuid7(), OLD.id, OLD.owner_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
