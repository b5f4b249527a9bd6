-- Memories (Immich's `memory` and `memory_asset`): a user's collections of photos to look back on
-- ("on this day" N years ago, made by the MemoryGenerate job). The SQLite catalog's 0022, with
-- native types. Both tables are synced to the mobile app (MemoriesV1, MemoryToAssetsV1):
-- update_id cursors set by ferrotype_set_update_id, deletions kept in audit tables.
CREATE TABLE memories (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type text NOT NULL,
    data jsonb NOT NULL,
    is_saved boolean NOT NULL DEFAULT false,
    memory_at timestamptz NOT NULL,
    seen_at timestamptz,
    show_at timestamptz,
    hide_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    update_id uuid
);
CREATE INDEX memories_owner ON memories (owner_id, memory_at);
CREATE INDEX memories_owner_update ON memories (owner_id, update_id);
CREATE TRIGGER memories_update_id BEFORE INSERT OR UPDATE ON memories
    FOR EACH ROW EXECUTE FUNCTION ferrotype_set_update_id();

CREATE TABLE memory_assets (
    memory_id uuid NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
    asset_id uuid NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    update_id uuid,
    PRIMARY KEY (memory_id, asset_id)
);
CREATE INDEX memory_assets_asset ON memory_assets (asset_id);
CREATE INDEX memory_assets_update ON memory_assets (memory_id, update_id);
CREATE TRIGGER memory_assets_update_id BEFORE INSERT ON memory_assets
    FOR EACH ROW EXECUTE FUNCTION ferrotype_set_update_id();

CREATE TABLE memory_audit (
    id uuid PRIMARY KEY,
    memory_id uuid NOT NULL,
    user_id uuid NOT NULL,
    deleted_at timestamptz NOT NULL
);
CREATE INDEX memory_audit_user ON memory_audit (user_id, id);
CREATE TABLE memory_asset_audit (
    id uuid PRIMARY KEY,
    memory_id uuid NOT NULL,
    asset_id uuid NOT NULL,
    deleted_at timestamptz NOT NULL
);
CREATE INDEX memory_asset_audit_memory ON memory_asset_audit (memory_id, id);

-- A memory's own deletion is news enough: its rows to assets are not reported one by one, and
-- the earlier reports of them go with it (Immich's audit rows reference the memory).
CREATE FUNCTION ferrotype_memory_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'memories' THEN
        INSERT INTO memory_audit
            VALUES (ferrotype_uuid7(), OLD.id, OLD.owner_id, clock_timestamp());
        DELETE FROM memory_asset_audit WHERE memory_id = OLD.id;
    ELSIF EXISTS (SELECT 1 FROM memories WHERE id = OLD.memory_id) THEN
        INSERT INTO memory_asset_audit
            VALUES (ferrotype_uuid7(), OLD.memory_id, OLD.asset_id, clock_timestamp());
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER memories_audit AFTER DELETE ON memories
    FOR EACH ROW EXECUTE FUNCTION ferrotype_memory_audit();
CREATE TRIGGER memory_assets_audit AFTER DELETE ON memory_assets
    FOR EACH ROW EXECUTE FUNCTION ferrotype_memory_audit();
