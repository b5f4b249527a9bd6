-- Faces (Immich's `asset_face`), as SQLite's migration 0025: a box on an asset, in the pixels
-- of the image it was drawn on, for a person of the asset's owner or for nobody yet; made by
-- hand (source_type 'manual'); a soft-deleted face (deleted_at) is kept and synced but shown
-- nowhere. people.face_asset_id has no foreign key (a cycle with asset_faces.person_id would
-- leave `ferrotype migrate` no table to copy first): the audit trigger clears it.
CREATE TABLE asset_faces (
    id uuid PRIMARY KEY,
    asset_id uuid NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    person_id uuid REFERENCES people(id) ON DELETE SET NULL,
    image_width integer NOT NULL,
    image_height integer NOT NULL,
    bounding_box_x1 integer NOT NULL,
    bounding_box_y1 integer NOT NULL,
    bounding_box_x2 integer NOT NULL,
    bounding_box_y2 integer NOT NULL,
    source_type text NOT NULL,
    is_visible boolean NOT NULL DEFAULT true,
    deleted_at timestamptz,
    created_at timestamptz NOT NULL,
    update_id uuid
);
CREATE INDEX asset_faces_asset ON asset_faces (asset_id);
CREATE INDEX asset_faces_person ON asset_faces (person_id);
CREATE INDEX asset_faces_update ON asset_faces (update_id);
CREATE TRIGGER asset_faces_update_id BEFORE INSERT OR UPDATE ON asset_faces
    FOR EACH ROW EXECUTE FUNCTION ferrotype_set_update_id();

-- Faces deleted for good, for AssetFaceDeleteV1.
CREATE TABLE face_audit (
    id uuid PRIMARY KEY,
    face_id uuid NOT NULL,
    asset_id uuid NOT NULL,
    deleted_at timestamptz NOT NULL
);
CREATE INDEX face_audit_asset ON face_audit (asset_id);

CREATE FUNCTION ferrotype_face_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO face_audit VALUES (ferrotype_uuid7(), OLD.id, OLD.asset_id, clock_timestamp());
    UPDATE people SET face_asset_id = NULL WHERE face_asset_id = OLD.id;
    RETURN OLD;
END $$;
CREATE TRIGGER asset_faces_audit AFTER DELETE ON asset_faces
    FOR EACH ROW EXECUTE FUNCTION ferrotype_face_audit();
