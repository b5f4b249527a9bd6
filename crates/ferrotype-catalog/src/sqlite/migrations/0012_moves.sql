-- Originals being moved by the storage template (Immich's move_history): written before the
-- file is renamed and removed in the transaction that records the new path, so a crash between
-- the two is finished at start from what is on disk.
CREATE TABLE pending_moves (
    asset_id TEXT PRIMARY KEY REFERENCES assets(id) ON DELETE CASCADE,
    old_path TEXT NOT NULL,
    new_path TEXT NOT NULL,
    old_sidecar_path TEXT,
    new_sidecar_path TEXT
);
