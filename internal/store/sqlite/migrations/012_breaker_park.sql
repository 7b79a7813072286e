-- An open breaker parks its webhook's deliveries (next_at NULL) until it closes, instead of
-- moving each one's due time at every opening and failed probe. Once the cool-down is over,
-- the oldest parked delivery is let go as the probe, which the webhook row names.
ALTER TABLE webhooks ADD COLUMN circuit_probe TEXT NOT NULL DEFAULT '';
CREATE INDEX webhooks_breaker ON webhooks(circuit_until) WHERE circuit_state <> 'closed';
CREATE INDEX deliveries_parked ON deliveries(webhook_id, id) WHERE next_at IS NULL AND status IN ('pending', 'retrying');
