package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/sqlstore"
	"github.com/hookd/hookd/internal/store/storetest"
)

// TestQueueUpgrade: a store made before migration 016 keeps its open deliveries, now in the
// queue table, as they were.
func TestQueueUpgrade(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	before := fstest.MapFS{}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	for _, n := range names {
		if n < "migrations/016" {
			body, _ := fs.ReadFile(migrations, n)
			before[n[len("migrations/"):]] = &fstest.MapFile{Data: body}
		}
	}
	db, err := sql.Open(driverName, "file:"+filepath.Join(dir, FileName)+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	old := sqlstore.New(sqlstore.Dialect{Name: "sqlite", ClaimSQL: claimSQL, Migrations: before, Unavailable: unavailable, Duplicate: duplicate}, db, db)
	if err := old.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	storetest.QueueUpgrade(t, old, db, func(t *testing.T) store.Store {
		s, err := Open(ctx, dir)
		if err != nil {
			t.Fatalf("open with migration 016: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
