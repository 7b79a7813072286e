package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookd/hookd/internal/store/sqlite"
	"github.com/hookd/hookd/internal/store/sqlstore"
)

// TestCompletionMovesByKey: the statements that move a completion's deliveries find each
// queue row and log row by its key, whatever the size of the queue and the log: none scans
// either table.
func TestCompletionMovesByKey(t *testing.T) {
	dir := t.TempDir()
	s, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 64
	args := make([]any, 0, 8*n)
	for i := range n {
		args = append(args, fmt.Sprintf("dlv_%d", i), 1, "delivered", nil, 0, 200, 1.5, "")
	}
	for i, q := range sqlstore.MoveChunkSQL(n) {
		rows, err := db.Query("EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		got := strings.Join(plan, "\n")
		table := []string{"queue", "queue", "deliveries"}[i]
		if !strings.Contains(got, "SEARCH "+table+" USING INDEX sqlite_autoindex_"+table+"_1") || strings.Contains(got, "SCAN "+table) {
			t.Errorf("statement %d of the move reads\n%s\nwant %s searched by its key, never scanned", i, got, table)
		}
	}
}
