package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// BreakerLeavesItsBacklogAlone: an open breaker parks a dead webhook's due deliveries once.
// Then each cycle of its probes (the cool-down ends, one probe goes, it fails, the breaker
// opens again) writes a few queue rows, the probe's and the next probe's, never the backlog's
// again, however long the backlog is. queueUpdates counts the queue rows updated so far (a
// trigger the caller installs).
func BreakerLeavesItsBacklogAlone(t *testing.T, s store.Store, queueUpdates func(t *testing.T) int64) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	policy := store.Policy{BreakerThreshold: 3, BreakerCooldown: 30 * time.Second}
	const backlog, cycles = 300, 3
	types := make([]string, backlog)
	for i := range types {
		types[i] = "a"
	}
	send(t, s, app.ID, types...)
	jobs, err := s.Claim(ctx, t0, time.Minute, 3)
	if err != nil || len(jobs) != 3 {
		t.Fatalf("claim = %d jobs, %v; want 3", len(jobs), err)
	}
	retryAt := t0.Add(time.Second)
	var outs []store.Outcome
	for _, j := range jobs {
		outs = append(outs, attemptAt(j, 500, webhook.StatusRetrying, &retryAt, t0))
	}
	complete(t, s, outs...)
	if _, err := s.Trip(ctx, []string{w.ID}, policy, t0); err != nil {
		t.Fatal(err)
	}
	// The first claim after the opening parks the backlog.
	if got := claimAll(t, s, t0.Add(2*time.Second)); len(got) != 0 {
		t.Fatalf("claimed %d while the breaker is open, want 0", len(got))
	}
	before := queueUpdates(t)
	at := t0
	for cycle := range cycles {
		at = at.Add(policy.BreakerCooldown)
		probe := claimAll(t, s, at)
		if len(probe) != 1 {
			t.Fatalf("cycle %d: %d jobs at the end of the cool-down, want one probe", cycle, len(probe))
		}
		next := at.Add(time.Second)
		complete(t, s, attemptAt(probe[0], 503, webhook.StatusRetrying, &next, at))
		if _, err := s.Trip(ctx, []string{w.ID}, policy, at); err != nil {
			t.Fatal(err)
		}
		if got := stats(t, s, app.ID, w.ID, at).Circuit; got != webhook.CircuitOpen {
			t.Fatalf("cycle %d: circuit after a failed probe = %q, want open", cycle, got)
		}
		// The probe's retry comes due in the cool-down: it is parked with the others.
		if got := claimAll(t, s, at.Add(2*time.Second)); len(got) != 0 {
			t.Fatalf("cycle %d: claimed %d in the cool-down, want 0", cycle, len(got))
		}
	}
	// A probe's cycle updates the probe's row (claimed, retried, parked) and holds the next
	// probe: a handful of rows. Holding the backlog again would be hundreds per cycle.
	n := queueUpdates(t) - before
	t.Logf("%d probe cycles updated %d queue rows", cycles, n)
	if n > cycles*10 {
		t.Errorf("%d probe cycles updated %d queue rows with %d deliveries parked, want at most %d", cycles, n, backlog, cycles*10)
	}
	if got := stats(t, s, app.ID, w.ID, at).Stats; got.Created != backlog || got.Delivered != 0 {
		t.Errorf("stats = %+v, want %d events and none delivered", got, backlog)
	}
}
