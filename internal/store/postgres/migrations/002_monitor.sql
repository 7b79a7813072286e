-- Indexes for the monitoring reads: /api/v3 calls sorted by status code or time within one
-- webhook.
CREATE INDEX attempts_webhook_code ON attempts(webhook_id, status_code, id);
CREATE INDEX attempts_webhook_created ON attempts(webhook_id, created_at, id);
