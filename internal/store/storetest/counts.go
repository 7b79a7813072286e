package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// CommitsLockNoWebhookRow checks that ingesting events for a healthy webhook, claiming them
// and recording their successful attempts all go on while another transaction holds the
// webhook's row (lock holds it until unlock is called): the counters those commits change are
// count rows, folded later, so one busy webhook does not serialize its instances' commits.
// Folding, which does write the row, waits for it.
func CommitsLockNoWebhookRow(t *testing.T, s store.Store, lock func(t *testing.T, webhookID string) (unlock func())) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	send(t, s, app.ID, "warm") // the first commit, before the lock
	unlock := lock(t, w.ID)
	defer unlock()

	within, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	now := t0
	if _, err := s.CreateEvents(within, []store.NewEvent{{AppID: app.ID, Type: "a", Payload: []byte(`{}`)}, {AppID: app.ID, Type: "b", Payload: []byte(`{}`)}},
		now, nil); err != nil {
		t.Fatalf("event commit while the webhook row is held: %v", err)
	}
	jobs, err := s.Claim(within, now, time.Minute, 10)
	if err != nil || len(jobs) != 3 {
		t.Fatalf("claim while the webhook row is held = %d, %v; want 3", len(jobs), err)
	}
	var outs []store.Outcome
	for _, j := range jobs {
		outs = append(outs, attemptAt(j, 200, webhook.StatusDelivered, nil, now))
	}
	if err := s.Complete(within, outs); err != nil {
		t.Fatalf("attempt commit while the webhook row is held: %v", err)
	}
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	if _, err := s.FoldCounts(short); err == nil {
		t.Errorf("FoldCounts wrote the held webhook row; the lock given does not hold it")
	}
	unlock()
	if got := stats(t, s, app.ID, w.ID, now).Stats; got.Created != 3 || got.Delivered != 3 {
		t.Errorf("stats = %+v, want 3 created, 3 delivered", got)
	}
}
