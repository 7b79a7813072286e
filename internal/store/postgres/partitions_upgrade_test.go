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
	before := fstest.MapFS{}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	for _, n := range names {
		if n < "migrations/015" {
			body, _ := fs.ReadFile(migrations, n)
			before[n[len("migrations/"):]] = &fstest.MapFile{Data: body}
		}
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old := sqlstore.New(sqlstore.Dialect{Name: "postgres", Numbered: true, ClaimSQL: claimSQL, Migrations: before,
		Unavailable: unavailable, Duplicate: duplicate}, db, db)
	if err := old.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
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
	var made []store.Created
	for _, at := range []time.Time{now.AddDate(0, -3, 0), now} {
		c, err := old.CreateEvents(ctx, []store.NewEvent{{AppID: app.ID, Type: "t", Payload: json.RawMessage(`{"at":"` + at.String() + `"}`)}}, at, nil)
		if err != nil {
			t.Fatal(err)
		}
		jobs, err := old.Claim(ctx, at, time.Minute, 10)
		if err != nil || len(jobs) != 1 {
			t.Fatalf("claim = %d, %v", len(jobs), err)
		}
		a := &webhook.Attempt{ID: webhook.NewID(webhook.PrefixAttempt, at), DeliveryID: jobs[0].DeliveryID, WebhookID: hook.ID, AppID: app.ID,
			EventID: jobs[0].Event.ID, Number: 1, Trigger: webhook.TriggerScheduled, StatusCode: 200, RequestHeaders: map[string]string{},
			ResponseHeaders: map[string]string{}, CreatedAt: at}
		if err := old.Complete(ctx, []store.Outcome{{Job: jobs[0], Attempt: a, Status: webhook.StatusDelivered}}); err != nil {
			t.Fatal(err)
		}
		made = append(made, c...)
	}

	s, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("open with migration 015: %v", err)
	}
	defer s.Close()
	for _, c := range made {
		if _, err := s.GetEvent(ctx, app.ID, c.Event.ID); err != nil {
			t.Errorf("event %s after partitioning: %v", c.Event.ID, err)
		}
		if as, err := s.ListAttempts(ctx, app.ID, hook.ID, c.Event.ID, "", 10); err != nil || len(as) != 1 {
			t.Errorf("attempts of %s after partitioning = %d, %v; want 1", c.Event.ID, len(as), err)
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
