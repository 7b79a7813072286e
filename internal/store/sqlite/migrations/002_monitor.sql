-- /api/v3 calls sorted or filtered by time within one webhook (newest calls first). Sorting a
-- large log by status code is left to a sort: one more index on attempts would slow every
-- delivery for a rare query.
CREATE INDEX attempts_webhook_created ON attempts(webhook_id, created_at, id);
