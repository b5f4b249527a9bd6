-- Tags as a tree (Immich's tag.parentId) with a colour; `value` stays the whole path. A tag's
-- children go with it. Deleting a tag takes its places on assets (asset_tags cascades).
ALTER TABLE tags ADD COLUMN parent_id uuid REFERENCES tags(id) ON DELETE CASCADE;
ALTER TABLE tags ADD COLUMN color text;
CREATE INDEX tags_parent ON tags (parent_id);

-- Keywords read before were kept as whole paths (`a/b`) without the levels above them: add the
-- missing levels, then link every tag to the one a level up.
INSERT INTO tags (id, user_id, value, created_at, updated_at)
SELECT gen_random_uuid(), l.user_id, l.value,
    date_trunc('milliseconds', now()), date_trunc('milliseconds', now())
FROM (
    SELECT DISTINCT t.user_id, array_to_string(p.parts[1:n], '/') AS value
    FROM tags t
    CROSS JOIN LATERAL (SELECT array_remove(string_to_array(t.value, '/'), '') AS parts) p
    CROSS JOIN LATERAL generate_series(1, cardinality(p.parts) - 1) AS n
    WHERE position('/' in t.value) > 0
) l
ON CONFLICT (user_id, value) DO NOTHING;

UPDATE tags t SET parent_id = p.id
FROM tags p
WHERE p.user_id = t.user_id
    AND length(p.value) < length(t.value)
    AND left(t.value, length(p.value) + 1) = p.value || '/'
    AND position('/' in substr(t.value, length(p.value) + 2)) = 0;
