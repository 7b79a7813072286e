-- Signing secret rotation and encrypted webhooks. Secrets and keys are sealed with the
-- server key (internal/secretbox) before they reach these columns.
ALTER TABLE webhooks ADD COLUMN secret_prev TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN secret_prev_until BIGINT;
ALTER TABLE webhooks ADD COLUMN encryption_key TEXT NOT NULL DEFAULT '';

-- Requests per API key per fixed hourly window, shared by every instance on one database.
CREATE TABLE rate_limits (
	key_id TEXT NOT NULL,
	window_start BIGINT NOT NULL,
	count BIGINT NOT NULL,
	PRIMARY KEY (key_id, window_start)
);
