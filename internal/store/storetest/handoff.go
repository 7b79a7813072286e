package storetest

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// A handed-off delivery is committed claimed: no claim returns it while its lease holds, its
// job completes like a claimed one, and if it is never completed the lease runs out and it is
// claimed again. Webhooks with delivery controls in force are never offered.
func testHandoff(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	plain := newWebhook(t, s, app.ID, nil)
	newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.Ordered = true })
	until := t0.Add(time.Minute)

	var asked []string
	handoff := func(w *webhook.Webhook) (time.Time, bool) {
		asked = append(asked, w.ID)
		return until, len(asked) == 1 // the first delivery is taken, the next refused
	}
	evs := []store.NewEvent{{AppID: app.ID, Type: "a", Payload: json.RawMessage(`{"n":1}`)}, {AppID: app.ID, Type: "a", Payload: json.RawMessage(`{"n":2}`)}}
	created, err := s.CreateEvents(ctx, evs, t0, handoff)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{plain.ID, plain.ID}; !slices.Equal(asked, want) {
		t.Errorf("handoff asked for %v, want %v (never the ordered webhook)", asked, want)
	}
	if len(created[0].Handed) != 1 || len(created[1].Handed) != 0 {
		t.Fatalf("handed %d and %d jobs, want 1 and 0", len(created[0].Handed), len(created[1].Handed))
	}
	j := created[0].Handed[0]
	if j.Lease != 1 || j.Attempts != 0 || j.Webhook.ID != plain.ID || j.Webhook.Secret != plain.Secret || string(j.Event.Payload) != `{"n":1}` {
		t.Errorf("handed job = %+v, webhook %+v, event %+v; want lease 1, no attempts, the plain webhook with its secret, the first event", j, j.Webhook, j.Event)
	}

	claimed, err := s.Claim(ctx, t0, time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) == 0 {
		t.Fatal("claim got nothing; the deliveries not handed off are due")
	}
	for _, c := range claimed {
		if c.DeliveryID == j.DeliveryID {
			t.Fatalf("claim returned the handed-off delivery %s while its lease holds", j.DeliveryID)
		}
	}
	if err := s.Complete(ctx, []store.Outcome{outcome(j, 200, webhook.StatusDelivered, nil)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetWebhook(ctx, app.ID, plain.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Stats.Delivered != 1 {
		t.Errorf("after completing the handed-off job: delivered = %d, want 1", got.Stats.Delivered)
	}

	// Handed off but never completed (the process died): it comes back when the lease ends.
	again, err := s.CreateEvents(ctx, evs[:1], t0, func(*webhook.Webhook) (time.Time, bool) { return until, true })
	if err != nil {
		t.Fatal(err)
	}
	lost := again[0].Handed[0]
	if early, _ := s.Claim(ctx, until.Add(-time.Second), time.Minute, 100); slices.ContainsFunc(early, func(c store.Job) bool { return c.DeliveryID == lost.DeliveryID }) {
		t.Errorf("claimed %s before its lease ended", lost.DeliveryID)
	}
	late, err := s.Claim(ctx, until, time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(late, func(c store.Job) bool { return c.DeliveryID == lost.DeliveryID })
	if i < 0 {
		t.Fatalf("the handed-off delivery %s was not claimed once its lease ended", lost.DeliveryID)
	}
	if late[i].Lease <= lost.Lease {
		t.Errorf("reclaimed with lease %d, want above the handed-off %d", late[i].Lease, lost.Lease)
	}
}
