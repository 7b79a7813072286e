package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hookd/hookd/internal/signature"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/sqlstore"
	"github.com/hookd/hookd/internal/store/storetest"
	"github.com/hookd/hookd/internal/webhook"
)

// TestPostgresLogPartitionsUpgrade: a store made before migration 015, holding events and
// attempts of months ago and of today, keeps every row readable once partitioned; they are in
// the history partition, whose range ends at the first id of tomorrow, and the next rows go
// to the day partitions made ahead.
func TestPostgresLogPartitionsUpgrade(t *testing.T) {
	ctx := context.Background()
	url := testSchema(t)

	// The store as it was: migrations up to 014, no partitions.
	old, db := storeBefore(t, url, "015")
	now := time.Now()
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "acme", CreatedAt: now}
	if err := old.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	hook := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: app.ID, Name: "hook", URL: "https://example.com/hook",
		Active: true, Secret: signature.NewSecret(), CreatedAt: now, UpdatedAt: now}
	if err := old.CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	// Rows as that schema held them: an event and its delivered delivery and attempt, of
	// months ago and of today.
	var made []string
	for _, at := range []time.Time{now.AddDate(0, -3, 0), now} {
		ev, d, a := webhook.NewID(webhook.PrefixEvent, at), webhook.NewID(webhook.PrefixDelivery, at), webhook.NewID(webhook.PrefixAttempt, at)
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO events (id, app_id, type, payload, created_at) VALUES ($1, $2, 't', '{}', $3)`, []any{ev, app.ID, at.UnixMilli()}},
			{`INSERT INTO deliveries (id, app_id, webhook_id, event_id, event_type, status, attempts, lease, created_at, last_at, response_code)
				VALUES ($1, $2, $3, $4, 't', 'delivered', 1, 1, $5, $5, 200)`, []any{d, app.ID, hook.ID, ev, at.UnixMilli()}},
			{`INSERT INTO attempts (id, delivery_id, webhook_id, app_id, event_id, number, triggered_by, status_code, duration_ms, cause, error,
				request_headers, response_headers, response_body, truncated, created_at) VALUES ($1, $2, $3, $4, $5, 1, 'scheduled', 200, 1, '', '', '{}', '{}', '', false, $6)`,
				[]any{a, d, hook.ID, app.ID, ev, at.UnixMilli()}},
		} {
			if _, err := db.Exec(q.sql, q.args...); err != nil {
				t.Fatal(err)
			}
		}
		made = append(made, ev)
	}

	s, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("open with migration 015: %v", err)
	}
	defer s.Close()
	for _, ev := range made {
		if _, err := s.GetEvent(ctx, app.ID, ev); err != nil {
			t.Errorf("event %s after partitioning: %v", ev, err)
		}
		if as, err := s.ListAttempts(ctx, app.ID, hook.ID, ev, "", 10); err != nil || len(as) != 1 {
			t.Errorf("attempts of %s after partitioning = %d, %v; want 1", ev, len(as), err)
		}
	}
	tomorrow := now.UTC().Truncate(day).Add(day)
	for _, tb := range logTables {
		parts, err := partitions(ctx, db, tb.name)
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string]partition{}
		for _, p := range parts {
			byName[p.name] = p
		}
		if h := byName[tb.name+"_history"]; h.lo != "" || h.hi != webhook.FirstID(tb.prefix, tomorrow) {
			t.Errorf("%s history partition = %+v, want from MINVALUE to %s", tb.name, h, webhook.FirstID(tb.prefix, tomorrow))
		}
		if p := byName[tb.name+"_"+tomorrow.Format("20060102")]; p.lo != webhook.FirstID(tb.prefix, tomorrow) {
			t.Errorf("%s partitions = %+v, want tomorrow's after the history", tb.name, parts)
		}
	}
	// A row of tomorrow goes to tomorrow's partition.
	if _, err := s.CreateEvents(ctx, []store.NewEvent{{AppID: app.ID, Type: "t", Payload: json.RawMessage(`{}`)}}, tomorrow.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM events_` + tomorrow.Format("20060102")).Scan(&n); err != nil || n != 1 {
		t.Errorf("tomorrow's events partition holds %d rows, %v; want 1", n, err)
	}
}

// storeBefore is the store at url migrated up to (not including) migration number next, and
// its database.
func storeBefore(t *testing.T, url, next string) (*sqlstore.Store, *sql.DB) {
	t.Helper()
	before := fstest.MapFS{}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	for _, n := range names {
		if n < "migrations/"+next {
			body, _ := fs.ReadFile(migrations, n)
			before[n[len("migrations/"):]] = &fstest.MapFile{Data: body}
		}
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	old := sqlstore.New(sqlstore.Dialect{Name: "postgres", Numbered: true, ClaimSQL: claimSQL, Migrations: before,
		Unavailable: unavailable, Duplicate: duplicate}, db, db)
	if err := old.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return old, db
}

// TestPostgresQueueUpgrade: a store made before migration 017 keeps its open deliveries, now
// in the queue table, as they were.
func TestPostgresQueueUpgrade(t *testing.T) {
	url := testSchema(t)
	old, db := storeBefore(t, url, "017")
	storetest.QueueUpgrade(t, old, db, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), url)
		if err != nil {
			t.Fatalf("open with migration 017: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
