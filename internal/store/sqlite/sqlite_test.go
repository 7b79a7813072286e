package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/sqlite"
	"github.com/hookd/hookd/internal/store/storetest"
	"github.com/hookd/hookd/internal/webhook"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, db := openWithHandle(t, "&_pragma=query_only(1)")
		t.Cleanup(func() { storetest.QueueMatchesLog(t, db) })
		return s
	})
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store {
		s, err := sqlite.Open(context.Background(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	})
}

// TestMigrateStats opens a store whose counters follow the rules before migration 005
// (delivered and failed counted only final deliveries) and checks that the migration moves
// them to counting every sent delivery by its latest attempt, rollups and queue depth included.
func TestMigrateStats(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "a", CreatedAt: now}
	w := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: app.ID, Name: "w", URL: "https://example.com", Active: true,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateEvents(ctx, []store.NewEvent{{AppID: app.ID, Type: "a", Payload: []byte("1")}, {AppID: app.ID, Type: "a", Payload: []byte("2")},
		{AppID: app.ID, Type: "a", Payload: []byte("3")}, {AppID: app.ID, Type: "a", Payload: []byte("4")}}, now, nil); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.Claim(ctx, now, time.Minute, 3)
	if err != nil || len(jobs) != 3 {
		t.Fatalf("claim = %d, %v", len(jobs), err)
	}
	next := now.Add(time.Hour)
	attempt := func(j store.Job, code int) *webhook.Attempt {
		a := &webhook.Attempt{ID: webhook.NewID(webhook.PrefixAttempt, now), DeliveryID: j.DeliveryID, WebhookID: w.ID, AppID: app.ID, EventID: j.Event.ID,
			Number: 1, Trigger: webhook.TriggerScheduled, StatusCode: code, RequestHeaders: map[string]string{}, ResponseHeaders: map[string]string{}, CreatedAt: now}
		if code >= 300 {
			a.Cause, a.Error = webhook.CauseHTTP, "receiver answered HTTP 500"
		}
		return a
	}
	if err := s.Complete(ctx, []store.Outcome{
		{Job: jobs[0], Attempt: attempt(jobs[0], 200), Status: webhook.StatusDelivered},
		{Job: jobs[1], Attempt: attempt(jobs[1], 500), Status: webhook.StatusFailed},
		{Job: jobs[2], Attempt: attempt(jobs[2], 500), Status: webhook.StatusRetrying, NextAt: &next},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FoldCounts(ctx); err != nil { // into the counters the old rules kept
		t.Fatal(err)
	}
	s.Close()

	// Put the counters back the way the previous rules kept them, and forget migration 005.
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE webhooks SET delivered = 1, failed = 1`, // final deliveries only; the retrying one counted as pending
		`UPDATE webhook_rollups SET delivered = 1, failed = 1`,
		`ALTER TABLE webhooks DROP COLUMN finished`,
		`ALTER TABLE webhooks DROP COLUMN failing_notified`,
		`DELETE FROM schema_migrations WHERE version = 5`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err = sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.GetWebhook(ctx, app.ID, w.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if st := got.Stats; st.Created != 4 || st.Delivered != 1 || st.Failed != 2 || st.Pending() != 1 || st.Last24hEvents != 3 || st.Last24hFails != 2 {
		t.Errorf("migrated stats = %+v, want 4 created: 1 delivered, 2 failed (one retrying), 1 pending; last 24 h 3 sent, 2 failed", st)
	}
	if n, err := s.QueueDepth(ctx); err != nil || n != 2 {
		t.Errorf("migrated queue depth = %d, %v; want 2 (the retrying and the pending)", n, err)
	}
}

// TestAdminUpgrade: see storetest.AdminUpgrade.
func TestAdminUpgrade(t *testing.T) {
	dir := t.TempDir()
	storetest.AdminUpgrade(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, func(t *testing.T, query string) {
		db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(query); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	})
	// The values the upgrade masked are gone from the file, not just from what the store reads.
	b, err := os.ReadFile(filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"Bearer rcv_old", "billing-secret", "key_old"} {
		if bytes.Contains(b, []byte(v)) {
			t.Errorf("the database file still holds %q", v)
		}
	}
}

// Retention reads the log by primary key from its oldest row and stops after a batch: no step
// of a find scans a whole table, so a round costs what its batches cost at any size of the log.
func TestPurgeReadsByPrimaryKey(t *testing.T) {
	s, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	plans, err := s.PurgePlans(context.Background(), time.Now(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, what := range []string{"attempts", "deliveries", "events"} {
		plan := strings.Join(plans[what], "\n")
		t.Logf("%s:\n%s", what, plan)
		// The window of batch rows may be read again as a subquery's result ("SCAN w"), but
		// no table or index is scanned: each is searched by its key.
		scans := strings.ReplaceAll(plan, "SCAN w", "")
		if !strings.Contains(plan, "USING INDEX sqlite_autoindex_"+what+"_1 (id>? AND id<?)") || strings.Contains(scans, "SCAN") ||
			strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("purge of %s reads\n%s\nwant a search of its primary key by id range, in id order, with no scan", what, plan)
		}
	}
	if plan := strings.Join(plans["events"], "\n"); !strings.Contains(plan, "SEARCH d USING COVERING INDEX deliveries_event (event_id=?)") {
		t.Errorf("purge of events reads\n%s\nwant each event's deliveries found by deliveries_event", plan)
	}
	// Idempotency keys have no time-ordered id: they are found by the time they were made.
	plan := strings.Join(plans["idempotency keys"], "\n")
	t.Logf("idempotency keys:\n%s", plan)
	if !strings.Contains(plan, "USING INDEX idempotency_keys_created (created_at<?)") || strings.Contains(plan, "SCAN") ||
		strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("purge of idempotency keys reads\n%s\nwant a search of idempotency_keys_created, with no scan", plan)
	}
}

// TestBreakerLeavesItsBacklogAlone: see storetest.BreakerLeavesItsBacklogAlone; a trigger
// counts the queue's updated rows.
func TestBreakerLeavesItsBacklogAlone(t *testing.T) {
	s, db := openWithHandle(t, "")
	for _, q := range []string{`CREATE TABLE queue_updates (n INTEGER NOT NULL)`, `INSERT INTO queue_updates VALUES (0)`,
		`CREATE TRIGGER queue_updated AFTER UPDATE ON queue BEGIN UPDATE queue_updates SET n = n + 1; END`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	storetest.BreakerLeavesItsBacklogAlone(t, s, func(t *testing.T) int64 {
		var n int64
		if err := db.QueryRow(`SELECT n FROM queue_updates`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	})
}

// openWithHandle opens a store in a fresh directory, and a database handle of the test's own
// on its file with the extra DSN parameters more; both are closed when the test ends.
func openWithHandle(t *testing.T, more string) (store.Store, *sql.DB) {
	t.Helper()
	dir := t.TempDir()
	s, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+"?_pragma=busy_timeout(10000)"+more)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return s, db
}
