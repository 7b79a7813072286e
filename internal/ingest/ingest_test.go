package ingest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/postgres"
	"github.com/hookd/hookd/internal/store/postgres/pgtest"
	"github.com/hookd/hookd/internal/webhook"
)

// TestOneRequestFailsAlone: requests that share a transaction do not share one's failure.
// A payload PostgreSQL refuses (invalid UTF-8, which the API refuses before it gets here)
// fails its own request; the 50 queued with it commit.
func TestOneRequestFailsAlone(t *testing.T) {
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	now := time.Now()
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "a", CreatedAt: now}
	if err := s.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	hook := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: app.ID, Name: "w", URL: "https://example.com", Active: true,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}

	b := New(s, nil)
	const good = 50
	errs := make(chan error, good+1)
	submit := func(payload string) {
		_, err := b.Submit(ctx, []store.NewEvent{{AppID: app.ID, Type: "a", Payload: json.RawMessage(payload)}})
		errs <- err
	}
	go submit("\"\xff\"")
	for i := range good {
		go submit(`{"i":` + string(rune('0'+i%10)) + `}`)
	}
	// Every request is queued before the batcher starts, so they share one transaction.
	for deadline := time.Now().Add(5 * time.Second); len(b.in) < good+1; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests queued", len(b.in), good+1)
		}
		time.Sleep(time.Millisecond)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go b.Run(runCtx)
	failed := 0
	for range good + 1 {
		if err := <-errs; err != nil {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d requests failed, want 1 (the bad payload)", failed)
	}
	if got, _ := s.GetWebhook(ctx, app.ID, hook.ID, time.Now()); got.Stats.Created != good {
		t.Errorf("deliveries created = %d, want %d", got.Stats.Created, good)
	}
}
