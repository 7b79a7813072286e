package delivery

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/metrics"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/sqlite"
	"github.com/hookd/hookd/internal/webhook"
)

// TestCompleteRecordsAroundABadOutcome: when a batch of outcomes cannot be recorded because
// of one of them, the others are recorded anyway, one by one; the bad one is kept and tried
// again, and given up only after the store refused it badAfter times while taking others.
func TestCompleteRecordsAroundABadOutcome(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "a", CreatedAt: now}
	hook := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: app.ID, Name: "w", URL: "https://example.com", Active: true,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	var events []store.NewEvent
	for range 4 {
		events = append(events, store.NewEvent{AppID: app.ID, Type: "a", Payload: []byte("1")})
	}
	if _, err := s.CreateEvents(ctx, events, now, nil); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.Claim(ctx, now, time.Minute, 10)
	if err != nil || len(jobs) != 4 {
		t.Fatalf("claim = %d, %v", len(jobs), err)
	}
	delivered := func(j store.Job, attemptID string) store.Outcome {
		return store.Outcome{Job: j, Status: webhook.StatusDelivered, Attempt: &webhook.Attempt{ID: attemptID, DeliveryID: j.DeliveryID,
			WebhookID: hook.ID, AppID: app.ID, EventID: j.Event.ID, Number: 1, Trigger: webhook.TriggerScheduled, StatusCode: 200, CreatedAt: now}}
	}
	first := delivered(jobs[0], webhook.NewID(webhook.PrefixAttempt, now))
	if err := s.Complete(ctx, []store.Outcome{first}); err != nil {
		t.Fatal(err)
	}
	// The last outcome reuses the first's attempt id: the store refuses it, and its batch.
	bad := delivered(jobs[3], first.Attempt.ID)
	batch := []store.Outcome{delivered(jobs[1], webhook.NewID(webhook.PrefixAttempt, now)), delivered(jobs[2], webhook.NewID(webhook.PrefixAttempt, now)), bad}
	if err := s.Complete(ctx, batch); err == nil {
		t.Fatal("the store recorded an attempt id twice; the test needs it to refuse")
	}
	p := NewPool(s, nil, slog.New(slog.DiscardHandler), metrics.New(nil), Options{})
	var waiting []unwritten
	for _, o := range batch {
		waiting = append(waiting, unwritten{outcome: o})
	}
	left := p.write(waiting)
	if len(left) != 1 || left[0].outcome.Job.DeliveryID != bad.Job.DeliveryID || left[0].strikes != 1 {
		t.Fatalf("left unwritten: %+v; want the bad outcome alone, with one strike", left)
	}
	got, err := s.GetWebhook(ctx, app.ID, hook.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.Stats.Delivered != 3 || got.Stats.Pending() != 1 {
		t.Errorf("after the batch: %d delivered, %d pending; want the 2 good outcomes recorded beside the first (3), the bad one pending",
			got.Stats.Delivered, got.Stats.Pending())
	}
	// The store keeps refusing it while it takes others: it is given up after badAfter tries.
	for try := 2; try <= badAfter; try++ {
		left = p.write(append(left, unwritten{outcome: delivered(jobs[1], webhook.NewID(webhook.PrefixAttempt, now))}))
	}
	if len(left) != 0 {
		t.Errorf("still waiting after %d refusals: %+v", badAfter, left)
	}
}
