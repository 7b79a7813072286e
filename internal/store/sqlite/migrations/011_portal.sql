-- Portal sessions are keys too: portal ones have their own rate limit and end at expires_at
-- (Unix ms; NULL for keys, which never expire).
ALTER TABLE api_keys ADD COLUMN portal INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
