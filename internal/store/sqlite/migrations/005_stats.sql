-- Statistics count deliveries by their latest attempt: delivered once an attempt got a 2xx,
-- failed while the latest did not (a retry scheduled or not), pending before the first.
-- delivered and failed used to count only final deliveries; finished now does (the queue
-- depth is total - finished), and open deliveries already sent join delivered or failed
-- by their latest attempt (last_error is empty after a success, never after a failure).
-- Rollups count, per hour of creation, how that hour's deliveries stand.
ALTER TABLE webhooks ADD COLUMN finished INTEGER NOT NULL DEFAULT 0;
UPDATE webhooks SET finished = delivered + failed;
UPDATE webhooks SET
	delivered = delivered + (SELECT COUNT(*) FROM deliveries d WHERE d.webhook_id = webhooks.id
		AND d.status IN ('pending', 'retrying') AND d.attempts > 0 AND d.last_error = ''),
	failed = failed + (SELECT COUNT(*) FROM deliveries d WHERE d.webhook_id = webhooks.id
		AND d.status IN ('pending', 'retrying') AND d.attempts > 0 AND d.last_error <> '');
INSERT INTO webhook_rollups (webhook_id, hour, delivered, failed)
	SELECT webhook_id, created_at - created_at % 3600000,
		SUM(CASE WHEN last_error = '' THEN 1 ELSE 0 END), SUM(CASE WHEN last_error <> '' THEN 1 ELSE 0 END)
	FROM deliveries WHERE status IN ('pending', 'retrying') AND attempts > 0
	GROUP BY webhook_id, created_at - created_at % 3600000
	ON CONFLICT (webhook_id, hour) DO UPDATE SET delivered = webhook_rollups.delivered + excluded.delivered,
		failed = webhook_rollups.failed + excluded.failed;
-- Operational events: whether the app was told its webhook is failing (webhook.failing), so
-- that it hears webhook.recovered once, when the webhook recovers.
ALTER TABLE webhooks ADD COLUMN failing_notified INTEGER NOT NULL DEFAULT 0;
