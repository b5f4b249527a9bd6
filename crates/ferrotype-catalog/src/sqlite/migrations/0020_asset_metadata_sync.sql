-- Client metadata reaches the owner's phones (AssetMetadataV1): update_id as every synced
-- table, and removals kept in asset_metadata_audit. A row that goes with its asset (the cascade)
-- is recorded too but never streamed: the sync joins the asset, and AssetDeleteV1 covers it.
ALTER TABLE asset_metadata ADD COLUMN update_id TEXT;
UPDATE asset_metadata SET update_id = uuid7();
CREATE INDEX asset_metadata_update ON asset_metadata(update_id);

CREATE TRIGGER asset_metadata_insert_update_id AFTER INSERT ON asset_metadata
BEGIN
    UPDATE asset_metadata SET update_id = uuid7()
    WHERE asset_id = NEW.asset_id AND key = NEW.key;
END;
CREATE TRIGGER asset_metadata_update_update_id AFTER UPDATE ON asset_metadata
WHEN NEW.update_id IS OLD.update_id
BEGIN
    UPDATE asset_metadata SET update_id = uuid7()
    WHERE asset_id = NEW.asset_id AND key = NEW.key;
END;

CREATE TABLE asset_metadata_audit (
    id TEXT PRIMARY KEY NOT NULL,
    asset_id TEXT NOT NULL,
    key TEXT NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE INDEX asset_metadata_audit_asset ON asset_metadata_audit(asset_id, id);

CREATE TRIGGER asset_metadata_audit AFTER DELETE ON asset_metadata
BEGIN
    INSERT INTO asset_metadata_audit (id, asset_id, key, deleted_at)
    VALUES (uuid7(), OLD.asset_id, OLD.key, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
