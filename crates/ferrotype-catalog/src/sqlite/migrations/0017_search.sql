-- Search (Immich's /search/*). File names and descriptions are found by any part of them,
-- ignoring case and accents, as Immich's `f_unaccent(...) ilike '%…%'`, through an FTS5 index of
-- trigrams instead of a scan: `asset_search_text` holds the text of each asset under a stable
-- INTEGER key (the assets' own rowids may change on VACUUM), kept by triggers on the tables the
-- text comes from; `asset_search` indexes it (external content: the text is stored once).

CREATE TABLE asset_search_text (
    id INTEGER PRIMARY KEY,
    asset_id TEXT NOT NULL UNIQUE,
    file_name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);

CREATE VIRTUAL TABLE asset_search USING fts5(
    file_name, description,
    content = 'asset_search_text', content_rowid = 'id',
    tokenize = 'trigram remove_diacritics 1'
);

CREATE TRIGGER asset_search_text_insert AFTER INSERT ON asset_search_text BEGIN
    INSERT INTO asset_search (rowid, file_name, description)
        VALUES (new.id, new.file_name, new.description);
END;
CREATE TRIGGER asset_search_text_delete AFTER DELETE ON asset_search_text BEGIN
    INSERT INTO asset_search (asset_search, rowid, file_name, description)
        VALUES ('delete', old.id, old.file_name, old.description);
END;
CREATE TRIGGER asset_search_text_update AFTER UPDATE ON asset_search_text BEGIN
    INSERT INTO asset_search (asset_search, rowid, file_name, description)
        VALUES ('delete', old.id, old.file_name, old.description);
    INSERT INTO asset_search (rowid, file_name, description)
        VALUES (new.id, new.file_name, new.description);
END;

CREATE TRIGGER assets_search_insert AFTER INSERT ON assets BEGIN
    INSERT INTO asset_search_text (asset_id, file_name) VALUES (new.id, new.original_file_name);
END;
CREATE TRIGGER assets_search_rename AFTER UPDATE OF original_file_name ON assets
    WHEN new.original_file_name IS NOT old.original_file_name BEGIN
    UPDATE asset_search_text SET file_name = new.original_file_name WHERE asset_id = new.id;
END;
CREATE TRIGGER assets_search_delete AFTER DELETE ON assets BEGIN
    DELETE FROM asset_search_text WHERE asset_id = old.id;
END;
CREATE TRIGGER asset_exif_search_insert AFTER INSERT ON asset_exif BEGIN
    UPDATE asset_search_text SET description = coalesce(new.description, '')
        WHERE asset_id = new.asset_id;
END;
CREATE TRIGGER asset_exif_search_update AFTER UPDATE OF description ON asset_exif
    WHEN new.description IS NOT old.description BEGIN
    UPDATE asset_search_text SET description = coalesce(new.description, '')
        WHERE asset_id = new.asset_id;
END;
CREATE TRIGGER asset_exif_search_delete AFTER DELETE ON asset_exif BEGIN
    UPDATE asset_search_text SET description = '' WHERE asset_id = old.asset_id;
END;

INSERT INTO asset_search_text (asset_id, file_name, description)
    SELECT a.id, a.original_file_name, coalesce(e.description, '')
    FROM assets a LEFT JOIN asset_exif e ON e.asset_id = a.id;

-- Search results come newest taken first (then by id), per owner; a search walks this index
-- in time order and stops at the page's end. Filters matching few assets get their own road
-- (the planner chooses by its statistics): a type or a visibility other than the usual (videos,
-- the archive), favourites, and through asset_exif's indexes a city or a camera.
CREATE INDEX assets_owner_taken ON assets (owner_id, file_created_at, id);
CREATE INDEX assets_owner_type_taken ON assets (owner_id, type, file_created_at, id);
CREATE INDEX assets_owner_visibility_taken ON assets (owner_id, visibility, file_created_at, id);
CREATE INDEX assets_owner_favorite_taken ON assets (owner_id, file_created_at, id)
    WHERE is_favorite = 1;
-- Suggestions and the place and camera filters.
CREATE INDEX asset_exif_city ON asset_exif (city) WHERE city IS NOT NULL;
CREATE INDEX asset_exif_make_model ON asset_exif (make, model) WHERE make IS NOT NULL;
