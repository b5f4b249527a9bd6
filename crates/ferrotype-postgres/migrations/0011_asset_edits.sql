-- Non-destructive edits (Immich's `asset_edit`): crop, rotate and mirror actions applied in
-- `sequence` order to the asset's thumbnails, preview and an edited full-size copy; the
-- original file never changes. A PUT replaces an asset's edits as a whole. `parameters` is the
-- action's JSON object; ids are UUID v4 as Immich's. `assets.is_edited` says whether an asset
-- has any (kept by the catalog in the edits' own transaction).
CREATE TABLE asset_edits (
    id uuid PRIMARY KEY,
    asset_id uuid NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    action text NOT NULL,
    parameters jsonb NOT NULL,
    sequence integer NOT NULL,
    updated_at timestamptz NOT NULL,
    update_id uuid,
    UNIQUE (asset_id, sequence)
);
CREATE INDEX asset_edits_update ON asset_edits (update_id);
CREATE TRIGGER asset_edits_update_id BEFORE INSERT OR UPDATE ON asset_edits
    FOR EACH ROW EXECUTE FUNCTION ferrotype_set_update_id();

-- Removed edits, for AssetEditDeleteV1. Those of a deleted asset are never streamed (the sync
-- joins the asset for its owner, as Immich's does): its AssetDeleteV1 says enough.
CREATE TABLE asset_edit_audit (
    id uuid PRIMARY KEY,
    edit_id uuid NOT NULL,
    asset_id uuid NOT NULL,
    deleted_at timestamptz NOT NULL
);
CREATE INDEX asset_edit_audit_asset ON asset_edit_audit (asset_id);

CREATE FUNCTION ferrotype_asset_edit_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO asset_edit_audit VALUES (ferrotype_uuid7(), OLD.id, OLD.asset_id, clock_timestamp());
    RETURN OLD;
END $$;
CREATE TRIGGER asset_edits_audit AFTER DELETE ON asset_edits
    FOR EACH ROW EXECUTE FUNCTION ferrotype_asset_edit_audit();

ALTER TABLE assets ADD COLUMN is_edited boolean NOT NULL DEFAULT false;
