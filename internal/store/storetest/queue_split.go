package storetest

import (
	"database/sql"
	"testing"
)

// QueueMatchesLog checks, on a store's database, that the queue holds exactly the open
// deliveries: a queue row for every pending or retrying delivery, none for a final or a
// missing one. The stores' conformance runs call it at the end of every test.
func QueueMatchesLog(t *testing.T, db *sql.DB) {
	t.Helper()
	var unqueued, stray int
	err := db.QueryRow(`SELECT
		(SELECT COUNT(*) FROM deliveries d WHERE d.status IN ('pending', 'retrying') AND NOT EXISTS (SELECT 1 FROM queue q WHERE q.delivery_id = d.id)),
		(SELECT COUNT(*) FROM queue q WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = q.delivery_id AND d.status IN ('pending', 'retrying')))`).
		Scan(&unqueued, &stray)
	if err != nil {
		t.Fatalf("compare queue and log: %v", err)
	}
	if unqueued != 0 || stray != 0 {
		t.Errorf("%d open deliveries without a queue row, %d queue rows without an open delivery; want none", unqueued, stray)
	}
}
