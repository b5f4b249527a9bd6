-- Search in the page's order at a million assets (issue #13's benchmark). A search sorts by the
-- time taken; a filter on a camera or a place, or a description word, found its matches through
-- an index and then looked up each match's asset row by its TEXT id only to learn its time
-- (about 4 us each): 5,000 matches of one city in 1.3 s when the walk of the timeline chose
-- wrongly, 25 ms at best. Here the search's own tables carry a copy of each asset's owner and
-- time taken, kept by triggers, so that:
-- * a camera or place filter walks `asset_search_exif`'s (value, owner, taken) index in the
--   page's order and stops when the page is full (a city: about 1 ms), and
-- * a description or file name word found on a few thousand assets sorts its matches by the
--   copy before reading any asset row.
-- These tables are search's own (`ferrotype migrate` skips `asset_search*` and rebuilds them).

-- Only the text columns change the full-text index: a new time must not re-index the text.
DROP TRIGGER asset_search_text_update;
CREATE TRIGGER asset_search_text_update AFTER UPDATE OF file_name, description
    ON asset_search_text BEGIN
    INSERT INTO asset_search (asset_search, rowid, file_name, description)
        VALUES ('delete', old.id, old.file_name, old.description);
    INSERT INTO asset_search (rowid, file_name, description)
        VALUES (new.id, new.file_name, new.description);
END;

ALTER TABLE asset_search_text ADD COLUMN owner_id TEXT;
ALTER TABLE asset_search_text ADD COLUMN taken TEXT;
UPDATE asset_search_text SET (owner_id, taken) =
    (SELECT a.owner_id, a.file_created_at FROM assets a WHERE a.id = asset_search_text.asset_id);

DROP TRIGGER assets_search_insert;
CREATE TRIGGER assets_search_insert AFTER INSERT ON assets BEGIN
    INSERT INTO asset_search_text (asset_id, file_name, owner_id, taken)
        VALUES (new.id, new.original_file_name, new.owner_id, new.file_created_at);
END;

CREATE TABLE asset_search_exif (
    asset_id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL,
    taken TEXT NOT NULL,
    make TEXT,
    model TEXT,
    lens_model TEXT,
    city TEXT,
    state TEXT,
    country TEXT
);
INSERT INTO asset_search_exif
    SELECT e.asset_id, a.owner_id, a.file_created_at, e.make, e.model, e.lens_model, e.city,
        e.state, e.country
    FROM asset_exif e JOIN assets a ON a.id = e.asset_id;

-- One index per filter, each in the page's order (`IS NULL` uses it too: "no city").
CREATE INDEX asset_search_exif_make ON asset_search_exif (make, owner_id, taken, asset_id);
CREATE INDEX asset_search_exif_model ON asset_search_exif (model, owner_id, taken, asset_id);
CREATE INDEX asset_search_exif_lens ON asset_search_exif (lens_model, owner_id, taken, asset_id);
CREATE INDEX asset_search_exif_city ON asset_search_exif (city, owner_id, taken, asset_id);
CREATE INDEX asset_search_exif_state ON asset_search_exif (state, owner_id, taken, asset_id);
CREATE INDEX asset_search_exif_country ON asset_search_exif (country, owner_id, taken, asset_id);

-- `INSERT OR REPLACE INTO asset_exif` (the metadata job) fires no delete trigger for the row it
-- replaces (recursive triggers are off): the insert trigger replaces the copy itself.
CREATE TRIGGER asset_exif_search_exif_insert AFTER INSERT ON asset_exif BEGIN
    INSERT OR REPLACE INTO asset_search_exif
        SELECT new.asset_id, a.owner_id, a.file_created_at, new.make, new.model, new.lens_model,
            new.city, new.state, new.country
        FROM assets a WHERE a.id = new.asset_id;
END;
CREATE TRIGGER asset_exif_search_exif_update
    AFTER UPDATE OF make, model, lens_model, city, state, country ON asset_exif BEGIN
    UPDATE asset_search_exif SET make = new.make, model = new.model,
        lens_model = new.lens_model, city = new.city, state = new.state, country = new.country
        WHERE asset_id = new.asset_id;
END;
CREATE TRIGGER asset_exif_search_exif_delete AFTER DELETE ON asset_exif BEGIN
    DELETE FROM asset_search_exif WHERE asset_id = old.asset_id;
END;

-- A new capture time (a date edit, the metadata job) moves the asset in both copies.
CREATE TRIGGER assets_search_taken AFTER UPDATE OF file_created_at ON assets
    WHEN new.file_created_at IS NOT old.file_created_at BEGIN
    UPDATE asset_search_text SET taken = new.file_created_at WHERE asset_id = new.id;
    UPDATE asset_search_exif SET taken = new.file_created_at WHERE asset_id = new.id;
END;
