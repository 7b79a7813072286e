-- Times are Unix milliseconds. Deliveries are the queue: next_at is when a delivery is due
-- (a claim pushes it to the lease's end); NULL once it is final or while its webhook is paused.
CREATE TABLE apps (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
	id TEXT PRIMARY KEY,
	app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	client_key TEXT NOT NULL UNIQUE,
	secret_hash BLOB NOT NULL,
	scopes TEXT NOT NULL,
	env TEXT NOT NULL,
	active INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	last_used_at INTEGER
);

CREATE TABLE webhooks (
	numeric_id INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	url TEXT NOT NULL,
	description TEXT NOT NULL,
	event_types TEXT NOT NULL,
	active INTEGER NOT NULL,
	encrypted INTEGER NOT NULL,
	headers TEXT NOT NULL,
	rate_limit INTEGER NOT NULL,
	ordered INTEGER NOT NULL,
	retry_schedule TEXT,
	timeout_ms INTEGER NOT NULL,
	secret TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	total INTEGER NOT NULL DEFAULT 0,
	delivered INTEGER NOT NULL DEFAULT 0,
	failed INTEGER NOT NULL DEFAULT 0,
	last_delivery_at INTEGER,
	rt_sum_ms REAL NOT NULL DEFAULT 0,
	rt_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_app ON webhooks(app_id, id);

CREATE TABLE events (
	id TEXT PRIMARY KEY,
	app_id TEXT NOT NULL,
	type TEXT NOT NULL,
	payload TEXT NOT NULL,
	idempotency_key TEXT,
	created_at INTEGER NOT NULL
);
CREATE INDEX events_app ON events(app_id, id);

CREATE TABLE idempotency_keys (
	app_id TEXT NOT NULL,
	idem_key TEXT NOT NULL,
	event_id TEXT NOT NULL,
	deliveries INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (app_id, idem_key)
);

CREATE TABLE deliveries (
	id TEXT PRIMARY KEY,
	app_id TEXT NOT NULL,
	webhook_id TEXT NOT NULL,
	event_id TEXT NOT NULL,
	event_type TEXT NOT NULL,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER,
	lease INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	last_at INTEGER,
	response_code INTEGER NOT NULL DEFAULT 0,
	response_ms REAL NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX deliveries_due ON deliveries(next_at) WHERE next_at IS NOT NULL;
CREATE INDEX deliveries_webhook ON deliveries(webhook_id, id);
CREATE INDEX deliveries_event ON deliveries(event_id);

CREATE TABLE attempts (
	id TEXT PRIMARY KEY,
	delivery_id TEXT NOT NULL,
	webhook_id TEXT NOT NULL,
	app_id TEXT NOT NULL,
	event_id TEXT NOT NULL,
	number INTEGER NOT NULL,
	triggered_by TEXT NOT NULL,
	status_code INTEGER NOT NULL,
	duration_ms REAL NOT NULL,
	cause TEXT NOT NULL,
	error TEXT NOT NULL,
	request_headers TEXT NOT NULL,
	response_headers TEXT NOT NULL,
	response_body TEXT NOT NULL,
	truncated INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX attempts_delivery ON attempts(delivery_id, id);
CREATE INDEX attempts_webhook ON attempts(webhook_id, id);

-- Hourly rollups per webhook, updated with every state change; they outlive log retention.
CREATE TABLE webhook_rollups (
	webhook_id TEXT NOT NULL,
	hour INTEGER NOT NULL,
	events INTEGER NOT NULL DEFAULT 0,
	attempts INTEGER NOT NULL DEFAULT 0,
	successes INTEGER NOT NULL DEFAULT 0,
	failures INTEGER NOT NULL DEFAULT 0,
	delivered INTEGER NOT NULL DEFAULT 0,
	failed INTEGER NOT NULL DEFAULT 0,
	rt_sum_ms REAL NOT NULL DEFAULT 0,
	rt_count INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (webhook_id, hour)
);
