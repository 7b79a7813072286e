package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

// Every transaction sets its own commit durability, so a relaxed one (a claim, attempt
// records) never leaves the connection relaxed for the next event commit.
func TestCommitDurability(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "d.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	s := New(Dialect{Name: "sqlite", DurableConnSQL: "PRAGMA synchronous=FULL", RelaxedConnSQL: "PRAGMA synchronous=NORMAL"}, db, db)
	ctx := context.Background()
	level := func(run func(context.Context, func(*sql.Tx) error) error) int {
		var n int
		if err := run(ctx, func(tx *sql.Tx) error { return tx.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&n) }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const normal, full = 1, 2
	for i, c := range []struct {
		run  func(context.Context, func(*sql.Tx) error) error
		want int
	}{{s.relaxedTx, normal}, {s.tx, full}, {s.relaxedTx, normal}, {s.relaxedTx, normal}, {s.tx, full}} {
		if got := level(c.run); got != c.want {
			t.Errorf("transaction %d: synchronous = %d, want %d", i, got, c.want)
		}
	}
}
