-- Event commits count the deliveries they create here, a row per webhook and hour, instead of
-- adding to webhooks.total and webhook_rollups.events: those rows would be locked by every
-- event commit through its wait for the disk, serializing a busy webhook's ingestion and its
-- completions across instances. FoldCounts moves the rows into the totals about once a
-- second, in a transaction of its own; every read adds what is not folded yet, in the same
-- statement, so the statistics are exact at every read.
CREATE TABLE created_counts (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	webhook_id TEXT NOT NULL,
	hour INTEGER NOT NULL,
	n INTEGER NOT NULL
);
CREATE INDEX created_counts_webhook ON created_counts(webhook_id, hour);
