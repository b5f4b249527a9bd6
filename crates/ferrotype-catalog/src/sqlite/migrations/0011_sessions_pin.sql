-- PIN codes and what sessions need for them and for casting (Immich 3.x): a user's PIN code
-- (an argon2 hash, as passwords); a session's parent (child sessions made by a logged-in
-- device), its expiry, and until when it is unlocked for the locked folder.
ALTER TABLE users ADD COLUMN pin_code_hash TEXT;
ALTER TABLE sessions ADD COLUMN parent_id TEXT REFERENCES sessions(id) ON DELETE CASCADE;
ALTER TABLE sessions ADD COLUMN expires_at TEXT;
ALTER TABLE sessions ADD COLUMN pin_expires_at TEXT;
