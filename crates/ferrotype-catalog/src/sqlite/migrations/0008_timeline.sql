-- The timeline's month buckets, counted as assets change (triggers), so that listing the
-- buckets of a library of a million assets reads a few hundred rows instead of every asset.
CREATE TABLE timeline_counts (
    owner_id TEXT NOT NULL,
    month TEXT NOT NULL,            -- `2024-05`, from local_date_time
    visibility TEXT NOT NULL,
    trashed INTEGER NOT NULL,
    favorite INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (owner_id, month, visibility, trashed, favorite)
) WITHOUT ROWID;

INSERT INTO timeline_counts (owner_id, month, visibility, trashed, favorite, count)
SELECT owner_id, substr(local_date_time, 1, 7), visibility, deleted_at IS NOT NULL, is_favorite,
       COUNT(*)
FROM assets GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER timeline_counts_insert AFTER INSERT ON assets
BEGIN
    INSERT INTO timeline_counts (owner_id, month, visibility, trashed, favorite, count)
    VALUES (NEW.owner_id, substr(NEW.local_date_time, 1, 7), NEW.visibility,
            NEW.deleted_at IS NOT NULL, NEW.is_favorite, 1)
    ON CONFLICT (owner_id, month, visibility, trashed, favorite) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER timeline_counts_delete AFTER DELETE ON assets
BEGIN
    UPDATE timeline_counts SET count = count - 1
    WHERE owner_id = OLD.owner_id AND month = substr(OLD.local_date_time, 1, 7)
      AND visibility = OLD.visibility AND trashed = (OLD.deleted_at IS NOT NULL)
      AND favorite = OLD.is_favorite;
END;

CREATE TRIGGER timeline_counts_update
AFTER UPDATE OF owner_id, local_date_time, visibility, deleted_at, is_favorite ON assets
WHEN OLD.owner_id IS NOT NEW.owner_id
  OR substr(OLD.local_date_time, 1, 7) IS NOT substr(NEW.local_date_time, 1, 7)
  OR OLD.visibility IS NOT NEW.visibility
  OR (OLD.deleted_at IS NULL) IS NOT (NEW.deleted_at IS NULL)
  OR OLD.is_favorite IS NOT NEW.is_favorite
BEGIN
    UPDATE timeline_counts SET count = count - 1
    WHERE owner_id = OLD.owner_id AND month = substr(OLD.local_date_time, 1, 7)
      AND visibility = OLD.visibility AND trashed = (OLD.deleted_at IS NOT NULL)
      AND favorite = OLD.is_favorite;
    INSERT INTO timeline_counts (owner_id, month, visibility, trashed, favorite, count)
    VALUES (NEW.owner_id, substr(NEW.local_date_time, 1, 7), NEW.visibility,
            NEW.deleted_at IS NOT NULL, NEW.is_favorite, 1)
    ON CONFLICT (owner_id, month, visibility, trashed, favorite) DO UPDATE SET count = count + 1;
END;
