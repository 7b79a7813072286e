package postgres_test

import (
	"context"
	"database/sql"
	"os"
	"sync"
	"testing"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/postgres"
	"github.com/hookd/hookd/internal/store/postgres/pgtest"
	"github.com/hookd/hookd/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		url := pgtest.Schema(t)
		s, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		db, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		t.Cleanup(func() { storetest.QueueMatchesLog(t, db) })
		return s
	})
}

func BenchmarkStore(b *testing.B) {
	base := os.Getenv("HOOKD_TEST_POSTGRES_URL")
	if base == "" {
		b.Skip("HOOKD_TEST_POSTGRES_URL not set")
	}
	storetest.Bench(b, func(b *testing.B) store.Store {
		url, drop, err := postgres.NewSchema(context.Background(), base)
		if err != nil {
			b.Fatal(err)
		}
		s, err := postgres.Open(context.Background(), url)
		if err != nil {
			drop()
			b.Fatal(err)
		}
		b.Cleanup(func() {
			s.Close()
			if err := drop(); err != nil {
				b.Errorf("drop schema: %v", err)
			}
		})
		return s
	})
}

// TestAdminUpgrade: see storetest.AdminUpgrade.
func TestAdminUpgrade(t *testing.T) {
	url := pgtest.Schema(t)
	storetest.AdminUpgrade(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, func(t *testing.T, query string) {
		db, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(query); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	})
}

// TestCommitsLockNoWebhookRow: see storetest.CommitsLockNoWebhookRow; the row is held by
// another connection's SELECT … FOR UPDATE.
func TestCommitsLockNoWebhookRow(t *testing.T) {
	f := newPGFixture(t)
	storetest.CommitsLockNoWebhookRow(t, f.s, func(t *testing.T, webhookID string) func() {
		tx, err := f.raw.Begin()
		if err != nil {
			t.Fatal(err)
		}
		var one int
		if err := tx.QueryRow(`SELECT 1 FROM webhooks WHERE id = $1 FOR UPDATE`, webhookID).Scan(&one); err != nil {
			t.Fatal(err)
		}
		var once sync.Once
		return func() { once.Do(func() { _ = tx.Rollback() }) }
	})
}

// TestPostgresLogDays: see storetest.LogDays.
func TestPostgresLogDays(t *testing.T) {
	f := newPGFixture(t)
	storetest.LogDays(t, f.s, func(t *testing.T, table string) []string {
		rows, err := f.raw.Query(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass`, table)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			names = append(names, n)
		}
		return names
	})
}

// TestBreakerLeavesItsBacklogAlone: see storetest.BreakerLeavesItsBacklogAlone; a trigger
// counts the queue's updated rows in a sequence, which locks no row (a counter row would make
// every writer of the queue wait for the others).
func TestBreakerLeavesItsBacklogAlone(t *testing.T) {
	f := newPGFixture(t)
	for _, q := range []string{`CREATE SEQUENCE queue_updates`,
		`CREATE FUNCTION count_queue_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('queue_updates'); RETURN NULL; END $$`,
		`CREATE TRIGGER queue_updated AFTER UPDATE ON queue FOR EACH ROW EXECUTE FUNCTION count_queue_update()`} {
		if _, err := f.raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	storetest.BreakerLeavesItsBacklogAlone(t, f.s, func(t *testing.T) int64 {
		var n int64
		if err := f.raw.QueryRow(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM queue_updates`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
}
