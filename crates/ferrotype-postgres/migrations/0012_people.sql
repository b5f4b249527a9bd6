-- People (Immich's `person`), as SQLite's migration 0024: the people a user names in their
-- photos. Faces (Immich's `asset_face`) are not kept yet: face_asset_id stays NULL and gets its
-- foreign key with them. Synced to the mobile app (PeopleV1): update_id set by
-- ferrotype_set_update_id, deletions kept in person_audit.
CREATE TABLE people (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name text NOT NULL DEFAULT '',
    thumbnail_path text NOT NULL DEFAULT '',
    is_hidden boolean NOT NULL DEFAULT false,
    birth_date date,
    face_asset_id uuid,
    is_favorite boolean NOT NULL DEFAULT false,
    color text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    update_id uuid
);
CREATE INDEX people_owner_update ON people (owner_id, update_id);
CREATE TRIGGER people_update_id BEFORE INSERT OR UPDATE ON people
    FOR EACH ROW EXECUTE FUNCTION ferrotype_set_update_id();

CREATE TABLE person_audit (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    owner_id uuid NOT NULL,
    deleted_at timestamptz NOT NULL
);
CREATE INDEX person_audit_owner ON person_audit (owner_id, id);
CREATE FUNCTION ferrotype_person_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO person_audit VALUES (ferrotype_uuid7(), OLD.id, OLD.owner_id, clock_timestamp());
    RETURN OLD;
END $$;
CREATE TRIGGER people_audit AFTER DELETE ON people
    FOR EACH ROW EXECUTE FUNCTION ferrotype_person_audit();
