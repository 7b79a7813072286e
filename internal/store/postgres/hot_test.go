package postgres_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/storetest"
	"github.com/hookd/hookd/internal/webhook"
)

// TestCompletionsUpdateInPlace: one event commit puts its deliveries side by side, and one
// completion batch then updates them all. Every update must be HOT (its new row version on
// the same page, no index entry written): deliveries' pages keep room for it (migration 019).
func TestCompletionsUpdateInPlace(t *testing.T) {
	ctx := context.Background()
	f := newPGFixture(t)
	f.webhook(t, func(*webhook.Webhook) {})
	const n = 200
	events := make([]store.NewEvent, n)
	for i := range events {
		events[i] = store.NewEvent{AppID: f.app.ID, Type: "a", Payload: json.RawMessage(`{"order":12345}`)}
	}
	if _, err := f.s.CreateEvents(ctx, events, f.now, nil); err != nil {
		t.Fatal(err)
	}
	jobs, err := f.s.Claim(ctx, f.now, time.Minute, n)
	if err != nil || len(jobs) != n {
		t.Fatalf("claim = %d jobs, %v; want %d", len(jobs), err, n)
	}
	if err := f.s.Complete(ctx, storetest.Delivered(jobs)); err != nil {
		t.Fatal(err)
	}
	// A server process adds its table counts to the statistics when its connection closes.
	if err := f.s.Close(); err != nil {
		t.Fatal(err)
	}
	var updated, hot int64
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err := f.raw.QueryRowContext(ctx, `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables
			WHERE relid = 'deliveries'::regclass`).Scan(&updated, &hot); err != nil {
			t.Fatal(err)
		}
		if updated >= n || time.Now().After(end) {
			break
		}
	}
	if updated != n || hot != n {
		t.Errorf("deliveries: %d rows updated, %d of them HOT; want %d and %d", updated, hot, n, n)
	}
}
