-- What Svix's API names that hookd had no field for: application and endpoint uids and
-- metadata, endpoint and message channels, a message's eventId and raw body, deleting a
-- message's payload, and the event type catalog.
ALTER TABLE apps ADD COLUMN uid TEXT;
ALTER TABLE apps ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
ALTER TABLE apps ADD COLUMN rate_limit INTEGER;
ALTER TABLE apps ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE apps SET updated_at = created_at;
CREATE UNIQUE INDEX apps_uid ON apps(uid);

ALTER TABLE webhooks ADD COLUMN uid TEXT;
ALTER TABLE webhooks ADD COLUMN channels TEXT NOT NULL DEFAULT '[]';
ALTER TABLE webhooks ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
CREATE UNIQUE INDEX webhooks_uid ON webhooks(app_id, uid);

ALTER TABLE events ADD COLUMN channels TEXT NOT NULL DEFAULT '[]';
ALTER TABLE events ADD COLUMN uid TEXT;
-- raw: the body delivered is the payload itself, as Svix's API sends it, not the Standard
-- Webhooks envelope.
ALTER TABLE events ADD COLUMN raw INTEGER NOT NULL DEFAULT 0;
-- expunged: its payload was deleted on request; it is never sent again.
ALTER TABLE events ADD COLUMN expunged INTEGER NOT NULL DEFAULT 0;

CREATE TABLE event_types (
	name TEXT PRIMARY KEY,
	description TEXT NOT NULL,
	schemas TEXT,
	archived INTEGER NOT NULL DEFAULT 0,
	deprecated INTEGER NOT NULL DEFAULT 0,
	feature_flags TEXT NOT NULL DEFAULT '[]',
	group_name TEXT,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
