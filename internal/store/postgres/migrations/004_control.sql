-- Delivery control. The circuit breaker, throttle and auto-disable state live on the webhook
-- row, so every instance sharing the database sees and updates the same state.
-- circuit_until: while open, the end of the cool-down; while half_open, the end of the probe's
-- lease. Held deliveries wait with next_at = circuit_until.
ALTER TABLE webhooks ADD COLUMN circuit_state TEXT NOT NULL DEFAULT 'closed';
ALTER TABLE webhooks ADD COLUMN circuit_until BIGINT;
ALTER TABLE webhooks ADD COLUMN consecutive_failures BIGINT NOT NULL DEFAULT 0;
-- failing_since: the first failed attempt since the last success (NULL after a success).
ALTER TABLE webhooks ADD COLUMN failing_since BIGINT;
ALTER TABLE webhooks ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN disabled_at BIGINT;
-- throttle_us: with a rate_limit, the earliest time (Unix microseconds) the next delivery may start.
ALTER TABLE webhooks ADD COLUMN throttle_us BIGINT NOT NULL DEFAULT 0;

-- manual: 0 scheduled; 1 manual (recover: the breaker still applies); 2 manual now (retry, test).
ALTER TABLE deliveries ADD COLUMN manual BIGINT NOT NULL DEFAULT 0;
-- line_head: for an ordered webhook, its oldest open delivery as last seen (every delivery
-- before it is final), so finding the head of the line is a primary-key read, with no index
-- kept on every delivery for the few ordered webhooks.
ALTER TABLE webhooks ADD COLUMN line_head TEXT NOT NULL DEFAULT '';

-- Recover jobs: requeue a webhook's failed deliveries in a time window, in batches, resumable
-- by any instance (lease_until) after a crash.
CREATE TABLE recover_jobs (
	id TEXT PRIMARY KEY,
	app_id TEXT NOT NULL,
	webhook_id TEXT NOT NULL,
	since_at BIGINT NOT NULL,
	until_at BIGINT NOT NULL,
	status TEXT NOT NULL,
	total BIGINT NOT NULL,
	requeued BIGINT NOT NULL DEFAULT 0,
	cursor_id TEXT NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	finished_at BIGINT
);
CREATE INDEX recover_jobs_open ON recover_jobs(lease_until) WHERE status IN ('queued', 'running');
