-- Memories (Immich's `memory` and `memory_asset`): a user's collections of photos to look back on
-- ("on this day" N years ago, made by the MemoryGenerate job). Both tables are synced to the
-- mobile app (MemoriesV1, MemoryToAssetsV1): update_id cursors set by triggers, deletions kept in
-- audit tables, as for albums (0005).
CREATE TABLE memories (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    is_saved INTEGER NOT NULL DEFAULT 0,
    memory_at TEXT NOT NULL,
    seen_at TEXT,
    show_at TEXT,
    hide_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    update_id TEXT
);
CREATE INDEX memories_owner ON memories(owner_id, memory_at);
CREATE INDEX memories_owner_update ON memories(owner_id, update_id);

CREATE TABLE memory_assets (
    memory_id TEXT NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    update_id TEXT,
    PRIMARY KEY (memory_id, asset_id)
);
CREATE INDEX memory_assets_asset ON memory_assets(asset_id);
CREATE INDEX memory_assets_update ON memory_assets(memory_id, update_id);

CREATE TRIGGER memories_insert_update_id AFTER INSERT ON memories
BEGIN UPDATE memories SET update_id = uuid7() WHERE id = NEW.id; END;
CREATE TRIGGER memories_update_update_id AFTER UPDATE ON memories
WHEN NEW.update_id IS OLD.update_id
BEGIN UPDATE memories SET update_id = uuid7() WHERE id = NEW.id; END;
CREATE TRIGGER memory_assets_insert_update_id AFTER INSERT ON memory_assets
BEGIN
    UPDATE memory_assets SET update_id = uuid7()
    WHERE memory_id = NEW.memory_id AND asset_id = NEW.asset_id;
END;

CREATE TABLE memory_audit (
    id TEXT PRIMARY KEY NOT NULL,
    memory_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE INDEX memory_audit_user ON memory_audit(user_id, id);
CREATE TABLE memory_asset_audit (
    id TEXT PRIMARY KEY NOT NULL,
    memory_id TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE INDEX memory_asset_audit_memory ON memory_asset_audit(memory_id, id);

-- A memory's own deletion is news enough: its rows to assets are not reported one by one, and
-- the earlier reports of them go with it (Immich's audit rows reference the memory).
CREATE TRIGGER memories_audit AFTER DELETE ON memories
BEGIN
    INSERT INTO memory_audit (id, memory_id, user_id, deleted_at)
    VALUES (uuid7(), OLD.id, OLD.owner_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
    DELETE FROM memory_asset_audit WHERE memory_id = OLD.id;
END;
CREATE TRIGGER memory_assets_audit AFTER DELETE ON memory_assets
WHEN EXISTS (SELECT 1 FROM memories WHERE id = OLD.memory_id)
BEGIN
    INSERT INTO memory_asset_audit (id, memory_id, asset_id, deleted_at)
    VALUES (uuid7(), OLD.memory_id, OLD.asset_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
