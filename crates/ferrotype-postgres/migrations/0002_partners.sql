-- Partner sharing (Immich's `partner`): shared_by shares their whole library with shared_with,
-- who chooses whether it shows in their timeline. create_id is the cursor from which the
-- partner's assets are news to shared_with's sync (see src/sync.rs).
CREATE TABLE partners (
    shared_by_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    shared_with_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    in_timeline boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    create_id uuid NOT NULL DEFAULT ferrotype_uuid7(),
    update_id uuid,
    PRIMARY KEY (shared_by_id, shared_with_id)
);
CREATE INDEX partners_shared_with ON partners (shared_with_id, shared_by_id);
CREATE INDEX partners_update ON partners (update_id);
CREATE TRIGGER partners_update_id BEFORE INSERT OR UPDATE ON partners
    FOR EACH ROW EXECUTE FUNCTION ferrotype_set_update_id();

-- Ended partnerships, for both users' PartnerDeleteV1.
CREATE TABLE partner_audit (
    id uuid PRIMARY KEY,
    shared_by_id uuid NOT NULL,
    shared_with_id uuid NOT NULL,
    deleted_at timestamptz NOT NULL
);
CREATE INDEX partner_audit_shared_by ON partner_audit (shared_by_id, id);
CREATE INDEX partner_audit_shared_with ON partner_audit (shared_with_id, id);

CREATE FUNCTION ferrotype_partner_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO partner_audit
        VALUES (ferrotype_uuid7(), OLD.shared_by_id, OLD.shared_with_id, clock_timestamp());
    RETURN OLD;
END $$;
CREATE TRIGGER partners_audit AFTER DELETE ON partners
    FOR EACH ROW EXECUTE FUNCTION ferrotype_partner_audit();
