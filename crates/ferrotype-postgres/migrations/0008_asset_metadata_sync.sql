-- Client metadata reaches the owner's phones (AssetMetadataV1): update_id as every synced
-- table, and removals kept in asset_metadata_audit (see the SQLite migration 0020).
ALTER TABLE asset_metadata ADD COLUMN update_id uuid;
UPDATE asset_metadata SET update_id = ferrotype_uuid7();
CREATE INDEX asset_metadata_update ON asset_metadata (update_id);
CREATE TRIGGER asset_metadata_update_id BEFORE INSERT OR UPDATE ON asset_metadata
    FOR EACH ROW EXECUTE FUNCTION ferrotype_set_update_id();

CREATE TABLE asset_metadata_audit (
    id uuid PRIMARY KEY,
    asset_id uuid NOT NULL,
    key text NOT NULL,
    deleted_at timestamptz NOT NULL
);
CREATE INDEX asset_metadata_audit_asset ON asset_metadata_audit (asset_id, id);

CREATE FUNCTION ferrotype_asset_metadata_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO asset_metadata_audit
        VALUES (ferrotype_uuid7(), OLD.asset_id, OLD.key, clock_timestamp());
    RETURN OLD;
END $$;
CREATE TRIGGER asset_metadata_audit AFTER DELETE ON asset_metadata
    FOR EACH ROW EXECUTE FUNCTION ferrotype_asset_metadata_audit();
