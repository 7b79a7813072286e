-- Attempt commits count here too, as event commits did in created_counts: a row per webhook
-- and hour with what the commit adds to the webhook's counters and to that hour's rollup, so
-- that no completion locks a webhook or rollup row (only a webhook whose breaker or failing
-- streak changes is written). FoldCounts moves the rows into the counters and rollups about
-- once a second; every read adds the rows not folded yet in the same statement.
CREATE TABLE count_deltas (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
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
	finished INTEGER NOT NULL DEFAULT 0,
	last_at INTEGER
);
CREATE INDEX count_deltas_webhook ON count_deltas(webhook_id, hour);
INSERT INTO count_deltas (webhook_id, hour, events) SELECT webhook_id, hour, n FROM created_counts;
DROP TABLE created_counts;
