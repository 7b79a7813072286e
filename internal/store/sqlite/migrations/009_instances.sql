-- Every serving process registers as an instance and beats its heartbeat; a delivery a worker
-- holds records its instance in leased (0: none). When an instance dies, the others (PostgreSQL)
-- or its successor on the data directory (SQLite) release its leases at once, instead of
-- waiting out the lease. Markers written before instances existed name none.
CREATE TABLE instances (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	started_at INTEGER NOT NULL,
	heartbeat_at INTEGER NOT NULL
);
UPDATE deliveries SET leased = 0 WHERE leased <> 0;
-- The deliveries in flight, to find a dead instance's leases without reading the queue.
CREATE INDEX deliveries_leased ON deliveries(leased) WHERE leased <> 0;
