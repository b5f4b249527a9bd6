-- Faces (Immich's `asset_face`): a box on an asset, in the pixels of the image it was drawn on
-- (image_width x image_height), for a person of the asset's owner or for nobody yet. Made by
-- hand (`POST /faces`, source_type 'manual'); Immich's machine learning and EXIF faces come
-- later. A soft-deleted face (deleted_at) is kept and synced (AssetFaceV2) but shown nowhere.
-- people.face_asset_id (the person's feature face) has no foreign key: asset_faces points at
-- people already, and a cycle would leave `ferrotype migrate` no table to copy first; a trigger
-- clears it instead when its face goes.
CREATE TABLE asset_faces (
    id TEXT PRIMARY KEY NOT NULL,
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    person_id TEXT REFERENCES people(id) ON DELETE SET NULL,
    image_width INTEGER NOT NULL,
    image_height INTEGER NOT NULL,
    bounding_box_x1 INTEGER NOT NULL,
    bounding_box_y1 INTEGER NOT NULL,
    bounding_box_x2 INTEGER NOT NULL,
    bounding_box_y2 INTEGER NOT NULL,
    source_type TEXT NOT NULL,
    is_visible INTEGER NOT NULL DEFAULT 1,
    deleted_at TEXT,
    created_at TEXT NOT NULL,
    update_id TEXT
);
CREATE INDEX asset_faces_asset ON asset_faces(asset_id);
CREATE INDEX asset_faces_person ON asset_faces(person_id);
CREATE INDEX asset_faces_update ON asset_faces(update_id);

CREATE TRIGGER asset_faces_insert_update_id AFTER INSERT ON asset_faces
BEGIN UPDATE asset_faces SET update_id = uuid7() WHERE id = NEW.id; END;
CREATE TRIGGER asset_faces_update_update_id AFTER UPDATE ON asset_faces
WHEN NEW.update_id IS OLD.update_id
BEGIN UPDATE asset_faces SET update_id = uuid7() WHERE id = NEW.id; END;

-- Faces deleted for good, for AssetFaceDeleteV1 (those of a deleted asset are never streamed:
-- the sync joins the asset for its owner, and AssetDeleteV1 says enough).
CREATE TABLE face_audit (
    id TEXT PRIMARY KEY NOT NULL,
    face_id TEXT NOT NULL,
    asset_id TEXT NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE INDEX face_audit_asset ON face_audit(asset_id);

CREATE TRIGGER asset_faces_audit AFTER DELETE ON asset_faces
BEGIN
    INSERT INTO face_audit (id, face_id, asset_id, deleted_at)
    VALUES (uuid7(), OLD.id, OLD.asset_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
    UPDATE people SET face_asset_id = NULL WHERE face_asset_id = OLD.id;
END;
