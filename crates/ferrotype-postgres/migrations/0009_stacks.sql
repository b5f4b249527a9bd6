-- Stacks (Immich's `stack`), as SQLite's migration 0021: a user's assets shown as one under a
-- primary asset; assets.stack_id; deletions audited for the sync; the primary kept by a trigger
-- (not a foreign key) so that deleting it hands its place to another member.
CREATE TABLE stacks (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    primary_asset_id uuid NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    update_id uuid
);
CREATE INDEX stacks_owner_update ON stacks (owner_id, update_id);
CREATE TRIGGER stacks_update_id BEFORE INSERT OR UPDATE ON stacks
    FOR EACH ROW EXECUTE FUNCTION ferrotype_set_update_id();

ALTER TABLE assets ADD COLUMN stack_id uuid REFERENCES stacks(id) ON DELETE SET NULL;
CREATE INDEX assets_stack ON assets (stack_id) WHERE stack_id IS NOT NULL;

CREATE TABLE stack_audit (
    id uuid PRIMARY KEY,
    stack_id uuid NOT NULL,
    user_id uuid NOT NULL,
    deleted_at timestamptz NOT NULL
);
CREATE INDEX stack_audit_user ON stack_audit (user_id, id);
CREATE FUNCTION ferrotype_stack_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stack_audit VALUES (ferrotype_uuid7(), OLD.id, OLD.owner_id, clock_timestamp());
    RETURN OLD;
END $$;
CREATE TRIGGER stacks_audit AFTER DELETE ON stacks
    FOR EACH ROW EXECUTE FUNCTION ferrotype_stack_audit();

-- An asset leaves its stack (deleted for good, taken out, moved to another stack): a primary
-- that left hands its place to the earliest member outside the trash, and a stack left with
-- fewer than two assets is removed, its last member freed by the foreign key.
CREATE FUNCTION ferrotype_asset_left_stack() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    remaining bigint;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.stack_id IS NOT DISTINCT FROM OLD.stack_id THEN
        RETURN NULL;
    END IF;
    SELECT count(*) INTO remaining FROM assets WHERE stack_id = OLD.stack_id;
    IF remaining < 2 THEN
        DELETE FROM stacks WHERE id = OLD.stack_id;
    ELSE
        UPDATE stacks SET
            primary_asset_id = (SELECT id FROM assets WHERE stack_id = OLD.stack_id
                ORDER BY deleted_at IS NOT NULL, local_date_time, id LIMIT 1),
            updated_at = date_trunc('milliseconds', clock_timestamp())
        WHERE id = OLD.stack_id AND primary_asset_id = OLD.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER assets_left_stack_on_delete AFTER DELETE ON assets
    FOR EACH ROW WHEN (OLD.stack_id IS NOT NULL) EXECUTE FUNCTION ferrotype_asset_left_stack();
CREATE TRIGGER assets_left_stack_on_update AFTER UPDATE OF stack_id ON assets
    FOR EACH ROW WHEN (OLD.stack_id IS NOT NULL) EXECUTE FUNCTION ferrotype_asset_left_stack();

-- Automatic stacking looks for the images of one second of capture.
CREATE INDEX asset_exif_date_time_original ON asset_exif (date_time_original)
    WHERE date_time_original IS NOT NULL;
