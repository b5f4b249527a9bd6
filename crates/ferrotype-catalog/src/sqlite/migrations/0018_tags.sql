-- Tags as a tree (Immich's tag.parentId) with a colour; `value` stays the whole path. A tag's
-- children go with it. Deleting a tag takes its places on assets (asset_tags cascades).
ALTER TABLE tags ADD COLUMN parent_id TEXT REFERENCES tags(id) ON DELETE CASCADE;
ALTER TABLE tags ADD COLUMN color TEXT;
CREATE INDEX tags_parent ON tags(parent_id);

-- Keywords read before were kept as whole paths (`a/b`) without the levels above them: add the
-- missing levels, then link every tag to the one a level up.
WITH RECURSIVE levels(user_id, prefix, rest) AS (
    SELECT user_id, '', value || '/' FROM tags WHERE instr(value, '/') > 0
    UNION ALL
    SELECT user_id,
        CASE
            WHEN instr(rest, '/') = 1 THEN prefix
            WHEN prefix = '' THEN substr(rest, 1, instr(rest, '/') - 1)
            ELSE prefix || '/' || substr(rest, 1, instr(rest, '/') - 1)
        END,
        substr(rest, instr(rest, '/') + 1)
    FROM levels WHERE rest <> ''
)
INSERT INTO tags (id, user_id, value, created_at, updated_at)
SELECT
    lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
        || '-' || substr('89ab', 1 + abs(random()) % 4, 1) || substr(hex(randomblob(2)), 2)
        || '-' || hex(randomblob(6))),
    user_id, prefix,
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM (SELECT DISTINCT user_id, prefix FROM levels WHERE prefix <> '')
WHERE true
ON CONFLICT (user_id, value) DO NOTHING;

UPDATE tags SET parent_id = (
    SELECT p.id FROM tags p
    WHERE p.user_id = tags.user_id
        AND length(p.value) < length(tags.value)
        AND substr(tags.value, 1, length(p.value) + 1) = p.value || '/'
        AND instr(substr(tags.value, length(p.value) + 2), '/') = 0
)
WHERE instr(value, '/') > 0;
