-- The open queue apart from the delivery log. A queue row exists while its delivery is open
-- (pending or retrying) and holds what claims change: when it is due (NULL: parked), its lease
-- and who holds it. Claims touch only this small table; a completion deletes or moves the row
-- and writes the delivery's outcome into its log row. The log row keeps the last lease a
-- completion matched, so a delivery that re-enters the queue (retry, recover) leases on from there.
CREATE TABLE queue (
	delivery_id TEXT PRIMARY KEY,
	webhook_id TEXT NOT NULL,
	next_at INTEGER,
	lease INTEGER NOT NULL DEFAULT 0,
	leased INTEGER NOT NULL DEFAULT 0,
	manual INTEGER NOT NULL DEFAULT 0
);
INSERT INTO queue (delivery_id, webhook_id, next_at, lease, leased, manual)
	SELECT id, webhook_id, next_at, lease, leased, manual FROM deliveries WHERE status IN ('pending', 'retrying');
CREATE INDEX queue_due ON queue(next_at) WHERE next_at IS NOT NULL;
-- A webhook's parked deliveries (a breaker's probe, an ordered line, a resume). Nothing else
-- is indexed: each index is written by every claim. What reads a webhook's whole queue
-- (pause, delete) or an instance's leases (a dead instance's release) is rare, and reads the
-- queue, which is as small as the backlog.
CREATE INDEX queue_parked ON queue(webhook_id, delivery_id) WHERE next_at IS NULL;
DROP INDEX deliveries_due;
DROP INDEX deliveries_parked;
DROP INDEX deliveries_leased;
ALTER TABLE deliveries DROP COLUMN next_at;
ALTER TABLE deliveries DROP COLUMN leased;
ALTER TABLE deliveries DROP COLUMN manual;
