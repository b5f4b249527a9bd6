-- Partner sharing (Immich's `partner`): shared_by shares their whole library with shared_with,
-- who chooses whether it shows in their timeline. create_id (a UUIDv7 set on insert) is the
-- cursor from which the partner's assets are news to shared_with's sync; update_id as every
-- synced table.
CREATE TABLE partners (
    shared_by_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    shared_with_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    in_timeline INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    create_id TEXT NOT NULL,
    update_id TEXT,
    PRIMARY KEY (shared_by_id, shared_with_id)
) WITHOUT ROWID;
CREATE INDEX partners_shared_with ON partners(shared_with_id, shared_by_id);
CREATE INDEX partners_update ON partners(update_id);

CREATE TRIGGER partners_insert_update_id AFTER INSERT ON partners
BEGIN
    UPDATE partners SET update_id = uuid7()
    WHERE shared_by_id = NEW.shared_by_id AND shared_with_id = NEW.shared_with_id;
END;
CREATE TRIGGER partners_update_update_id AFTER UPDATE ON partners
WHEN NEW.update_id IS OLD.update_id
BEGIN
    UPDATE partners SET update_id = uuid7()
    WHERE shared_by_id = NEW.shared_by_id AND shared_with_id = NEW.shared_with_id;
END;

-- Ended partnerships, for both users' PartnerDeleteV1.
CREATE TABLE partner_audit (
    id TEXT PRIMARY KEY NOT NULL,
    shared_by_id TEXT NOT NULL,
    shared_with_id TEXT NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE INDEX partner_audit_shared_by ON partner_audit(shared_by_id, id);
CREATE INDEX partner_audit_shared_with ON partner_audit(shared_with_id, id);

CREATE TRIGGER partners_audit AFTER DELETE ON partners
BEGIN
    INSERT INTO partner_audit (id, shared_by_id, shared_with_id, deleted_at)
    VALUES (uuid7(), OLD.shared_by_id, OLD.shared_with_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
