-- Non-destructive edits (Immich's `asset_edit`): crop, rotate and mirror actions applied in
-- `sequence` order to the asset's thumbnails, preview and an edited full-size copy; the
-- original file never changes. A PUT replaces an asset's edits as a whole. `parameters` is the
-- action's JSON object; ids are UUID v4 as Immich's. `assets.is_edited` says whether an asset
-- has any (kept by the catalog in the edits' own transaction).
CREATE TABLE asset_edits (
    id TEXT PRIMARY KEY NOT NULL,
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    parameters TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    update_id TEXT,
    UNIQUE (asset_id, sequence)
);
CREATE INDEX asset_edits_update ON asset_edits(update_id);

CREATE TRIGGER asset_edits_insert_update_id AFTER INSERT ON asset_edits
BEGIN UPDATE asset_edits SET update_id = uuid7() WHERE id = NEW.id; END;
CREATE TRIGGER asset_edits_update_update_id AFTER UPDATE ON asset_edits
WHEN NEW.update_id IS OLD.update_id
BEGIN UPDATE asset_edits SET update_id = uuid7() WHERE id = NEW.id; END;

-- Removed edits, for AssetEditDeleteV1. Those of a deleted asset are never streamed (the sync
-- joins the asset for its owner, as Immich's does): its AssetDeleteV1 says enough.
CREATE TABLE asset_edit_audit (
    id TEXT PRIMARY KEY NOT NULL,
    edit_id TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE INDEX asset_edit_audit_asset ON asset_edit_audit(asset_id);

CREATE TRIGGER asset_edits_audit AFTER DELETE ON asset_edits
BEGIN
    INSERT INTO asset_edit_audit (id, edit_id, asset_id, deleted_at)
    VALUES (uuid7(), OLD.id, OLD.asset_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

ALTER TABLE assets ADD COLUMN is_edited INTEGER NOT NULL DEFAULT 0;
