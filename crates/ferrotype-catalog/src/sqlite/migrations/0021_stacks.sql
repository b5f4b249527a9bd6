-- Stacks (Immich's `stack`): a user's assets shown as one, under a primary asset. An asset
-- belongs to at most one stack (assets.stack_id). The primary is kept by the triggers below
-- rather than a foreign key, so that deleting the primary can hand its place to another member
-- within the same statement.
CREATE TABLE stacks (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    primary_asset_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    update_id TEXT
);
CREATE INDEX stacks_owner_update ON stacks(owner_id, update_id);

ALTER TABLE assets ADD COLUMN stack_id TEXT REFERENCES stacks(id) ON DELETE SET NULL;
CREATE INDEX assets_stack ON assets(stack_id) WHERE stack_id IS NOT NULL;

CREATE TRIGGER stacks_insert_update_id AFTER INSERT ON stacks
BEGIN UPDATE stacks SET update_id = uuid7() WHERE id = NEW.id; END;
CREATE TRIGGER stacks_update_update_id AFTER UPDATE ON stacks WHEN NEW.update_id IS OLD.update_id
BEGIN UPDATE stacks SET update_id = uuid7() WHERE id = NEW.id; END;

-- Deleted stacks, for StackDeleteV1 and PartnerStackDeleteV1.
CREATE TABLE stack_audit (
    id TEXT PRIMARY KEY NOT NULL,
    stack_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE INDEX stack_audit_user ON stack_audit(user_id, id);
CREATE TRIGGER stacks_audit AFTER DELETE ON stacks
BEGIN
    INSERT INTO stack_audit (id, stack_id, user_id, deleted_at)
    VALUES (uuid7(), OLD.id, OLD.owner_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

-- An asset leaves its stack (deleted for good, taken out, moved to another stack): a primary
-- that left hands its place to the earliest member outside the trash (else the earliest), and
-- a stack left with fewer than two assets is removed, its last member freed by the foreign key.
CREATE TRIGGER assets_left_stack_on_delete AFTER DELETE ON assets
WHEN OLD.stack_id IS NOT NULL
BEGIN
    UPDATE stacks SET
        primary_asset_id = (SELECT id FROM assets WHERE stack_id = OLD.stack_id
            ORDER BY deleted_at IS NOT NULL, local_date_time, id LIMIT 1),
        updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE id = OLD.stack_id AND primary_asset_id = OLD.id
      AND (SELECT count(*) FROM assets WHERE stack_id = OLD.stack_id) >= 2;
    DELETE FROM stacks WHERE id = OLD.stack_id
      AND (SELECT count(*) FROM assets WHERE stack_id = OLD.stack_id) < 2;
END;
CREATE TRIGGER assets_left_stack_on_update AFTER UPDATE OF stack_id ON assets
WHEN OLD.stack_id IS NOT NULL AND NEW.stack_id IS NOT OLD.stack_id
BEGIN
    UPDATE stacks SET
        primary_asset_id = (SELECT id FROM assets WHERE stack_id = OLD.stack_id
            ORDER BY deleted_at IS NOT NULL, local_date_time, id LIMIT 1),
        updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE id = OLD.stack_id AND primary_asset_id = OLD.id
      AND (SELECT count(*) FROM assets WHERE stack_id = OLD.stack_id) >= 2;
    DELETE FROM stacks WHERE id = OLD.stack_id
      AND (SELECT count(*) FROM assets WHERE stack_id = OLD.stack_id) < 2;
END;

-- Automatic stacking looks for the images of one second of capture.
CREATE INDEX asset_exif_date_time_original ON asset_exif(date_time_original)
    WHERE date_time_original IS NOT NULL;
