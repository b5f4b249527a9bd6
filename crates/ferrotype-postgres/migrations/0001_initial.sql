-- The PostgreSQL catalog: the same tables as the SQLite one (crates/ferrotype-catalog/src/sqlite/
-- migrations, 0001 to 0013), with native types: uuid ids, timestamptz times, bytea hashes,
-- jsonb values. No extension is needed: ferrotype_uuid7() is written here.

-- A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds of `at`, then random bits taken from a v4.
-- Sync cursors are made from the time their TRANSACTION began (now()), not the time of the
-- write: the sync stream bounds what it sends by the start of the oldest transaction still
-- open, so a row committed late never lands behind a cursor a client already acknowledged
-- (see src/sync.rs).
CREATE FUNCTION ferrotype_uuid7(at timestamptz DEFAULT now()) RETURNS uuid
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    millis bigint := floor(extract(epoch FROM at) * 1000);
    bytes bytea := uuid_send(gen_random_uuid());
BEGIN
    bytes := overlay(bytes PLACING substring(int8send(millis) FROM 3 FOR 6) FROM 1 FOR 6);
    bytes := set_byte(bytes, 6, (get_byte(bytes, 6) & 15) | 112);
    RETURN encode(bytes, 'hex')::uuid;
END $$;

-- Every synced row carries update_id, set on insert and on every update that does not set it
-- itself: the sync stream's cursor. Deletions get audit rows whose ids are cursors likewise.
CREATE FUNCTION ferrotype_set_update_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.update_id IS NOT DISTINCT FROM OLD.update_id THEN
        NEW.update_id := ferrotype_uuid7();
    END IF;
    RETURN NEW;
END $$;

CREATE TABLE users (
    id uuid PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL,
    password_hash text,
    is_admin boolean NOT NULL DEFAULT false,
    avatar_color text NOT NULL,
    profile_image_path text NOT NULL DEFAULT '',
    profile_changed_at timestamptz NOT NULL,
    should_change_password boolean NOT NULL DEFAULT false,
    storage_label text,
    oauth_id text NOT NULL DEFAULT '',
    quota_size_in_bytes bigint,
    quota_usage_in_bytes bigint NOT NULL DEFAULT 0,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removing', 'deleted')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    pin_code_hash text,
    update_id uuid
);
-- Emails are unique regardless of case (SQLite: COLLATE NOCASE).
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE INDEX users_update ON users (update_id);
CREATE TRIGGER users_update_id BEFORE INSERT OR UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION ferrotype_set_update_id();

CREATE TABLE user_metadata (
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key text NOT NULL,
    value jsonb NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_type text NOT NULL DEFAULT '',
    device_os text NOT NULL DEFAULT '',
    app_version text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    parent_id uuid REFERENCES sessions(id) ON DELETE CASCADE,
    expires_at timestamptz,
    pin_expires_at timestamptz,
    is_pending_sync_reset boolean NOT NULL DEFAULT false
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_parent ON sessions (parent_id);

CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    secret_hash bytea NOT NULL UNIQUE,
    name text NOT NULL,
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    permissions jsonb NOT NULL, -- array of permission names
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE system_metadata (
    key text PRIMARY KEY,
    value jsonb NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE version_history (
    id uuid PRIMARY KEY,
    created_at timestamptz NOT NULL,
    version text NOT NULL
);
CREATE INDEX version_history_created_at ON version_history (created_at);

CREATE TABLE assets (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type text NOT NULL,
    original_path text NOT NULL UNIQUE,
    original_file_name text NOT NULL,
    checksum bytea NOT NULL,
    file_size bigint NOT NULL,
    file_created_at timestamptz NOT NULL,
    file_modified_at timestamptz NOT NULL,
    local_date_time timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    visibility text NOT NULL DEFAULT 'timeline',
    is_favorite boolean NOT NULL DEFAULT false,
    duration_ms bigint,
    live_photo_video_id uuid,
    sidecar_path text,
    device_asset_id text,
    device_id text,
    width bigint,
    height bigint,
    thumbhash bytea,
    update_id uuid
);
-- Per-owner dedupe, as Immich's UNIQUE(ownerId, checksum).
CREATE UNIQUE INDEX assets_owner_checksum ON assets (owner_id, checksum);
CREATE INDEX assets_owner_local_date ON assets (owner_id, local_date_time);
CREATE INDEX assets_owner_update ON assets (owner_id, update_id);
CREATE INDEX assets_sidecar_path ON assets (sidecar_path) WHERE sidecar_path IS NOT NULL;
CREATE TRIGGER assets_update_id BEFORE INSERT OR UPDATE ON assets
    FOR EACH ROW EXECUTE FUNCTION ferrotype_set_update_id();

-- Files about to be moved into (or deleted from) the store; see the SQLite schema.
CREATE TABLE upload_intents (
    path text PRIMARY KEY,
    created_at timestamptz NOT NULL
);

-- Key-value metadata clients attach to assets; the value is kept as the client's JSON text.
CREATE TABLE asset_metadata (
    asset_id uuid NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    key text NOT NULL,
    value text NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (asset_id, key)
);

CREATE TABLE pending_moves (
    asset_id uuid PRIMARY KEY REFERENCES assets(id) ON DELETE CASCADE,
    old_path text NOT NULL,
    new_path text NOT NULL,
    old_sidecar_path text,
    new_sidecar_path text
);

CREATE TABLE asset_exif (
    asset_id uuid PRIMARY KEY REFERENCES assets(id) ON DELETE CASCADE,
    make text,
    model text,
    lens_model text,
    exif_image_width bigint,
    exif_image_height bigint,
    orientation bigint,
    date_time_original timestamptz,
    time_zone text,
    modify_date timestamptz,
    f_number double precision,
    focal_length double precision,
    iso bigint,
    exposure_time text,
    latitude double precision,
    longitude double precision,
    city text,
    state text,
    country text,
    description text,
    rating bigint,
    file_size_in_byte bigint,
    projection_type text,
    profile_description text,
    colorspace text,
    bits_per_sample bigint,
    fps double precision,
    live_photo_cid text,
    updated_at timestamptz NOT NULL,
    locked_properties jsonb NOT NULL DEFAULT '[]',
    update_id uuid
);
CREATE INDEX asset_exif_update ON asset_exif (update_id);
CREATE TRIGGER asset_exif_update_id BEFORE INSERT OR UPDATE ON asset_exif
    FOR EACH ROW EXECUTE FUNCTION ferrotype_set_update_id();

CREATE TABLE tags (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    value text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (user_id, value)
);

CREATE TABLE asset_tags (
    asset_id uuid NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    tag_id uuid NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (asset_id, tag_id)
);
CREATE INDEX asset_tags_tag ON asset_tags (tag_id);

CREATE TABLE albums (
    id uuid PRIMARY KEY,
    owner_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    thumbnail_asset_id uuid REFERENCES assets(id) ON DELETE SET NULL,
    is_activity_enabled boolean NOT NULL DEFAULT true,
    sort_order text NOT NULL DEFAULT 'desc',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    update_id uuid
);
CREATE INDEX albums_owner ON albums (owner_id);
CREATE INDEX albums_owner_update ON albums (owner_id, update_id);
CREATE INDEX albums_thumbnail ON albums (thumbnail_asset_id);
CREATE TRIGGER albums_update_id BEFORE INSERT OR UPDATE ON albums
    FOR EACH ROW EXECUTE FUNCTION ferrotype_set_update_id();

CREATE TABLE album_assets (
    album_id uuid NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    asset_id uuid NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    update_id uuid,
    PRIMARY KEY (album_id, asset_id)
);
CREATE INDEX album_assets_asset ON album_assets (asset_id);
CREATE INDEX album_assets_update ON album_assets (album_id, update_id);
CREATE TRIGGER album_assets_update_id BEFORE INSERT ON album_assets
    FOR EACH ROW EXECUTE FUNCTION ferrotype_set_update_id();

CREATE TABLE album_users (
    album_id uuid NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role text NOT NULL DEFAULT 'editor',
    created_at timestamptz NOT NULL,
    update_id uuid,
    PRIMARY KEY (album_id, user_id)
);
CREATE INDEX album_users_user ON album_users (user_id, album_id);
CREATE INDEX album_users_update ON album_users (update_id);
CREATE TRIGGER album_users_update_id BEFORE INSERT OR UPDATE ON album_users
    FOR EACH ROW EXECUTE FUNCTION ferrotype_set_update_id();

-- Deletions, by UUIDv7 id (the delete's cursor), so a client away for a month learns of them.
CREATE TABLE user_audit (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    deleted_at timestamptz NOT NULL
);
CREATE TABLE asset_audit (
    id uuid PRIMARY KEY,
    asset_id uuid NOT NULL,
    owner_id uuid NOT NULL,
    deleted_at timestamptz NOT NULL
);
CREATE INDEX asset_audit_owner ON asset_audit (owner_id, id);
CREATE TABLE album_audit (
    id uuid PRIMARY KEY,
    album_id uuid NOT NULL,
    user_id uuid NOT NULL,
    deleted_at timestamptz NOT NULL
);
CREATE INDEX album_audit_user ON album_audit (user_id, id);
CREATE TABLE album_asset_audit (
    id uuid PRIMARY KEY,
    album_id uuid NOT NULL,
    asset_id uuid NOT NULL,
    deleted_at timestamptz NOT NULL
);
CREATE INDEX album_asset_audit_album ON album_asset_audit (album_id, id);
CREATE TABLE album_user_audit (
    id uuid PRIMARY KEY,
    album_id uuid NOT NULL,
    user_id uuid NOT NULL,
    deleted_at timestamptz NOT NULL
);
CREATE INDEX album_user_audit_album ON album_user_audit (album_id, id);
CREATE INDEX album_user_audit_user ON album_user_audit (user_id, id);

CREATE FUNCTION ferrotype_audit_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        INSERT INTO user_audit VALUES (ferrotype_uuid7(), OLD.id, clock_timestamp());
    ELSIF TG_TABLE_NAME = 'assets' THEN
        INSERT INTO asset_audit VALUES (ferrotype_uuid7(), OLD.id, OLD.owner_id, clock_timestamp());
    ELSIF TG_TABLE_NAME = 'albums' THEN
        INSERT INTO album_audit VALUES (ferrotype_uuid7(), OLD.id, OLD.owner_id, clock_timestamp());
    ELSIF TG_TABLE_NAME = 'album_assets' THEN
        -- An album's own deletion is news enough: its rows to assets are not reported one by one.
        IF EXISTS (SELECT 1 FROM albums WHERE id = OLD.album_id) THEN
            INSERT INTO album_asset_audit
                VALUES (ferrotype_uuid7(), OLD.album_id, OLD.asset_id, clock_timestamp());
        END IF;
    ELSIF TG_TABLE_NAME = 'album_users' THEN
        -- A member who leaves learns the album is gone for them; the others that they left.
        INSERT INTO album_user_audit
            VALUES (ferrotype_uuid7(), OLD.album_id, OLD.user_id, clock_timestamp());
        INSERT INTO album_audit
            VALUES (ferrotype_uuid7(), OLD.album_id, OLD.user_id, clock_timestamp());
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER users_audit AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION ferrotype_audit_delete();
CREATE TRIGGER assets_audit AFTER DELETE ON assets
    FOR EACH ROW EXECUTE FUNCTION ferrotype_audit_delete();
CREATE TRIGGER albums_audit AFTER DELETE ON albums
    FOR EACH ROW EXECUTE FUNCTION ferrotype_audit_delete();
CREATE TRIGGER album_assets_audit AFTER DELETE ON album_assets
    FOR EACH ROW EXECUTE FUNCTION ferrotype_audit_delete();
CREATE TRIGGER album_users_audit AFTER DELETE ON album_users
    FOR EACH ROW EXECUTE FUNCTION ferrotype_audit_delete();

CREATE TABLE session_sync_checkpoints (
    session_id uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    type text NOT NULL,
    ack text NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (session_id, type)
);

-- The timeline's month buckets, counted as assets change, so listing the buckets of a million
-- assets reads a few hundred rows. The month is that of local_date_time (a wall-clock time
-- stored as UTC).
CREATE TABLE timeline_counts (
    owner_id uuid NOT NULL,
    month text NOT NULL,
    visibility text NOT NULL,
    trashed boolean NOT NULL,
    favorite boolean NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (owner_id, month, visibility, trashed, favorite)
);

CREATE FUNCTION ferrotype_timeline_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.owner_id = NEW.owner_id
       AND to_char(OLD.local_date_time AT TIME ZONE 'UTC', 'YYYY-MM')
           = to_char(NEW.local_date_time AT TIME ZONE 'UTC', 'YYYY-MM')
       AND OLD.visibility = NEW.visibility
       AND (OLD.deleted_at IS NULL) = (NEW.deleted_at IS NULL)
       AND OLD.is_favorite = NEW.is_favorite THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE timeline_counts SET count = count - 1
        WHERE owner_id = OLD.owner_id
          AND month = to_char(OLD.local_date_time AT TIME ZONE 'UTC', 'YYYY-MM')
          AND visibility = OLD.visibility AND trashed = (OLD.deleted_at IS NOT NULL)
          AND favorite = OLD.is_favorite;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO timeline_counts (owner_id, month, visibility, trashed, favorite, count)
        VALUES (NEW.owner_id, to_char(NEW.local_date_time AT TIME ZONE 'UTC', 'YYYY-MM'),
                NEW.visibility, NEW.deleted_at IS NOT NULL, NEW.is_favorite, 1)
        ON CONFLICT (owner_id, month, visibility, trashed, favorite)
        DO UPDATE SET count = timeline_counts.count + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER assets_timeline_count AFTER INSERT OR DELETE OR UPDATE ON assets
    FOR EACH ROW EXECUTE FUNCTION ferrotype_timeline_count();

CREATE TABLE shared_links (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key bytea NOT NULL UNIQUE,
    slug text UNIQUE,
    type text NOT NULL,
    album_id uuid REFERENCES albums(id) ON DELETE CASCADE,
    description text,
    password text,
    expires_at timestamptz,
    allow_upload boolean NOT NULL DEFAULT false,
    allow_download boolean NOT NULL DEFAULT true,
    show_exif boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL
);
CREATE INDEX shared_links_user ON shared_links (user_id);
CREATE INDEX shared_links_album ON shared_links (album_id);

CREATE TABLE shared_link_assets (
    link_id uuid NOT NULL REFERENCES shared_links(id) ON DELETE CASCADE,
    asset_id uuid NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (link_id, asset_id)
);
CREATE INDEX shared_link_assets_asset ON shared_link_assets (asset_id);

CREATE TABLE notifications (
    id uuid PRIMARY KEY,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    level text NOT NULL DEFAULT 'info'
        CHECK (level IN ('success', 'error', 'warning', 'info')),
    type text NOT NULL DEFAULT 'Custom'
        CHECK (type IN ('JobFailed', 'BackupFailed', 'SystemMessage', 'AlbumInvite',
                        'AlbumUpdate', 'Custom')),
    title text NOT NULL,
    description text,
    data jsonb,
    read_at timestamptz,
    -- Insertion order, for notifications made in the same millisecond (SQLite: rowid).
    seq bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX notifications_user_created ON notifications (user_id, created_at);

-- The durable job queue, shared by any number of worker processes: a claim takes the oldest
-- runnable row with FOR UPDATE SKIP LOCKED. Completed jobs are counted in queue_state and their
-- rows removed.
CREATE TABLE jobs (
    id bigserial PRIMARY KEY,
    queue text NOT NULL,
    name text NOT NULL,
    asset_id uuid,
    payload jsonb NOT NULL DEFAULT '{}',
    -- At most one waiting job per key; an active one does not block a new waiting one.
    dedupe_key text,
    status text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'active', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 3,
    run_after timestamptz NOT NULL,
    worker text,
    heartbeat_at timestamptz,
    last_error text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX jobs_claim ON jobs (queue, run_after, id) WHERE status = 'waiting';
CREATE INDEX jobs_queue_status ON jobs (queue, status);
CREATE UNIQUE INDEX jobs_dedupe_waiting ON jobs (dedupe_key) WHERE status = 'waiting';
CREATE INDEX jobs_asset ON jobs (asset_id);

-- Idle workers LISTEN on ferrotype_jobs: a job that becomes waiting wakes them at commit (one
-- notification per queue and transaction: PostgreSQL folds duplicates).
CREATE FUNCTION ferrotype_notify_job() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ferrotype_jobs', NEW.queue);
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE OF status ON jobs
    FOR EACH ROW WHEN (NEW.status = 'waiting') EXECUTE FUNCTION ferrotype_notify_job();

CREATE TABLE queue_state (
    queue text PRIMARY KEY,
    is_paused boolean NOT NULL DEFAULT false,
    completed bigint NOT NULL DEFAULT 0
);

-- When each asset's work of a kind was last done (one row per asset and job name), so that
-- "start" without force queues only what is missing.
CREATE TABLE asset_job_status (
    asset_id uuid NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    job text NOT NULL,
    done_at timestamptz NOT NULL,
    PRIMARY KEY (asset_id, job)
);
