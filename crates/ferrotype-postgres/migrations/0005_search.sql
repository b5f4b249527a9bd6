-- Search (Immich's /search/*). File names and descriptions are found by any part of them,
-- ignoring case and accents, as Immich's `f_unaccent(...) ilike '%…%'`, through trigram GIN
-- indexes (pg_trgm) instead of a scan. Both extensions ship with PostgreSQL (contrib) and are
-- trusted: a database owner may create them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent() is only STABLE (its dictionary could change); an index needs an IMMUTABLE function.
CREATE FUNCTION ferrotype_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT unaccent('unaccent'::regdictionary, $1) $$;

CREATE INDEX assets_file_name_trgm ON assets
    USING gin (ferrotype_unaccent(original_file_name) gin_trgm_ops);
CREATE INDEX asset_exif_description_trgm ON asset_exif
    USING gin (ferrotype_unaccent(description) gin_trgm_ops);

-- Search results come newest taken first (then by id), per owner; a search walks this index
-- in time order and stops at the page's end. Filters matching few assets get their own road
-- (the planner chooses by its statistics): a type or a visibility other than the usual (videos,
-- the archive), favourites, and through asset_exif's indexes a city or a camera.
CREATE INDEX assets_owner_taken ON assets (owner_id, file_created_at, id);
CREATE INDEX assets_owner_type_taken ON assets (owner_id, type, file_created_at, id);
CREATE INDEX assets_owner_visibility_taken ON assets (owner_id, visibility, file_created_at, id);
CREATE INDEX assets_owner_favorite_taken ON assets (owner_id, file_created_at, id)
    WHERE is_favorite;
-- Suggestions and the place and camera filters.
CREATE INDEX asset_exif_city ON asset_exif (city) WHERE city IS NOT NULL;
CREATE INDEX asset_exif_make_model ON asset_exif (make, model) WHERE make IS NOT NULL;
