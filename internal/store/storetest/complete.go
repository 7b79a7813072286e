package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// testCompleteBatchMix completes 70 deliveries in one batch (on SQLite, more than one
// statement's worth: 64 + 4 + 2) that mixes successes, failures, retries and stale leases:
// each moves as it would alone, and a stale lease moves and counts nothing. Two outcomes more
// are for deliveries already in it: one under the current lease of a delivery whose stale
// outcome is there too (it moves it), one a second outcome under the same lease as another
// (the first moves it, as if they came one after the other).
func testCompleteBatchMix(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	types := slices.Repeat([]string{"a"}, 70)
	send(t, s, app.ID, types...)
	first, err := s.Claim(ctx, t0, time.Minute, 100)
	if err != nil || len(first) != len(types) {
		t.Fatalf("claim = %d, %v; want %d", len(first), err, len(types))
	}
	reclaimedAt := t0.Add(61 * time.Second) // the first leases have ended
	again, err := s.Claim(ctx, reclaimedAt, time.Minute, 100)
	if err != nil || len(again) != len(types) {
		t.Fatalf("claim after the leases = %d, %v; want %d", len(again), err, len(types))
	}
	current := map[string]store.Job{}
	for _, j := range again {
		current[j.DeliveryID] = j
	}
	retryAt := t0.Add(time.Hour)
	var outcomes []store.Outcome
	want := map[string]string{} // delivery → status after the batch
	var delivered, failed, retries, stale int64
	for i, old := range first {
		j := current[old.DeliveryID]
		switch {
		case i%5 == 0: // the lease it was sent under has been taken again
			outcomes = append(outcomes, outcome(old, 200, webhook.StatusDelivered, nil))
			want[j.DeliveryID] = webhook.StatusPending
			stale++
		case i%3 == 0:
			outcomes = append(outcomes, outcome(j, 503, webhook.StatusRetrying, &retryAt))
			want[j.DeliveryID] = webhook.StatusRetrying
			retries++
		case i%2 == 0:
			outcomes = append(outcomes, outcome(j, 500, webhook.StatusFailed, nil))
			want[j.DeliveryID] = webhook.StatusFailed
			failed++
		default:
			outcomes = append(outcomes, outcome(j, 200, webhook.StatusDelivered, nil))
			want[j.DeliveryID] = webhook.StatusDelivered
			delivered++
		}
	}
	// first[0] (stale above) gets its current lease's outcome too; first[1] (delivered above)
	// a second outcome under its lease, which does not move it.
	j0, j1 := current[first[0].DeliveryID], current[first[1].DeliveryID]
	outcomes = append(outcomes, outcome(j0, 200, webhook.StatusDelivered, nil), outcome(j1, 503, webhook.StatusRetrying, &retryAt))
	want[j0.DeliveryID] = webhook.StatusDelivered
	delivered++
	stale--
	if err := s.Complete(ctx, outcomes); err != nil {
		t.Fatal(err)
	}
	leaseEnd := reclaimedAt.Add(time.Minute) // the stale ones are still leased by the second claim
	for _, j := range first {
		ev, err := s.GetEvent(ctx, app.ID, j.Event.ID)
		if err != nil || len(ev.Deliveries) != 1 {
			t.Fatalf("event %s: %v, %+v", j.Event.ID, err, ev)
		}
		d := ev.Deliveries[0]
		attempts, next := 1, (*time.Time)(nil)
		switch want[d.ID] {
		case webhook.StatusPending:
			attempts, next = 0, &leaseEnd
		case webhook.StatusRetrying:
			next = &retryAt
		}
		if d.Status != want[d.ID] || d.Attempts != attempts || (d.NextAt == nil) != (next == nil) || next != nil && !d.NextAt.Equal(*next) {
			t.Errorf("delivery %s = %s, %d attempts, next %v; want %s, %d, %v", d.ID, d.Status, d.Attempts, d.NextAt, want[d.ID], attempts, next)
		}
	}
	got, err := s.GetWebhook(ctx, app.ID, w.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	// A retrying delivery counts as failed, by its latest attempt.
	if st := got.Stats; st.Delivered != delivered || st.Failed != failed+retries || st.Pending() != stale {
		t.Errorf("stats = %d delivered, %d failed, %d pending; want %d, %d, %d", st.Delivered, st.Failed, st.Pending(), delivered, failed+retries, stale)
	}
	// The retries are due at their time, the stale ones when the second lease ends, and no
	// final one is claimed again.
	due, err := s.Claim(ctx, retryAt, time.Minute, 100)
	if err != nil || int64(len(due)) != retries+stale {
		t.Errorf("claim at the retry time = %d, %v; want the %d retries and %d stale", len(due), err, retries, stale)
	}
}
