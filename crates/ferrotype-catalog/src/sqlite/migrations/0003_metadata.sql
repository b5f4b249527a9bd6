-- What metadata extraction finds (Immich's asset_exif), and keywords as per-user tags.

CREATE TABLE asset_exif (
    asset_id TEXT PRIMARY KEY NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    make TEXT,
    model TEXT,
    lens_model TEXT,
    exif_image_width INTEGER,
    exif_image_height INTEGER,
    orientation INTEGER,
    date_time_original TEXT,
    time_zone TEXT,
    modify_date TEXT,
    f_number REAL,
    focal_length REAL,
    iso INTEGER,
    exposure_time TEXT,
    latitude REAL,
    longitude REAL,
    city TEXT,
    state TEXT,
    country TEXT,
    description TEXT,
    rating INTEGER,
    file_size_in_byte INTEGER,
    projection_type TEXT,
    profile_description TEXT,
    colorspace TEXT,
    bits_per_sample INTEGER,
    fps REAL,
    live_photo_cid TEXT,
    updated_at TEXT NOT NULL
);

CREATE TABLE tags (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (user_id, value)
);

CREATE TABLE asset_tags (
    asset_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    tag_id TEXT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (asset_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX asset_tags_tag ON asset_tags(tag_id);
