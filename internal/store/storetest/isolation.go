package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// isolationTests check that one tenant's odd input or receiver never fails, delays or
// duplicates another's deliveries.
var isolationTests = []storeTest{
	{"ConcurrentWritersNeverDeadlock", testConcurrentWriters},
	{"InFlightStaysInFlight", testInFlightStaysInFlight},
}

// testConcurrentWriters runs every kind of write transaction at once over the same webhooks:
// event commits fanning out to all of them, claims with delivery controls, completions
// (successes and failures, with the breaker policy applied), manual retries and recovers,
// test events, settings changes and webhooks created and deleted. On PostgreSQL rows are locked by many transactions at
// once, and any error (a deadlock first of all) fails the test.
func testConcurrentWriters(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	var hooks []*webhook.Webhook
	for i := range 6 {
		hooks = append(hooks, newWebhook(t, s, app.ID, func(w *webhook.Webhook) {
			w.Ordered = i == 4
			w.RateLimit = map[bool]int{true: 50}[i == 5]
		}))
	}
	policy := store.Policy{BreakerThreshold: 3, BreakerCooldown: time.Second}
	var (
		mu     sync.Mutex
		events []string
	)
	begin := time.Now()
	deadline := begin.Add(3 * time.Second)
	errs := make(chan error, 64)
	var wg sync.WaitGroup
	loop := func(name string, seed uint64, step func(rng *rand.Rand, now time.Time) error) {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, 7))
			for time.Now().Before(deadline) {
				if err := step(rng, t0.Add(time.Since(begin))); err != nil {
					errs <- fmt.Errorf("%s: %w", name, err)
					return
				}
			}
		})
	}
	for w := range 3 {
		loop("create events", uint64(w), func(rng *rand.Rand, now time.Time) error {
			batch := make([]store.NewEvent, 1+rng.IntN(20))
			for i := range batch {
				batch[i] = store.NewEvent{AppID: app.ID, Type: "t", Payload: json.RawMessage(`{}`)}
			}
			out, err := s.CreateEvents(ctx, batch, now, nil)
			mu.Lock()
			for _, c := range out {
				events = append(events, c.Event.ID)
			}
			mu.Unlock()
			return err
		})
	}
	for w := range 3 {
		loop("claim and complete", 10+uint64(w), func(rng *rand.Rand, now time.Time) error {
			jobs, err := s.Claim(ctx, now, time.Minute, 1+rng.IntN(40))
			if err != nil {
				return err
			}
			var outs []store.Outcome
			var ids []string
			for _, j := range jobs {
				code, status, next := 200, webhook.StatusDelivered, (*time.Time)(nil)
				if rng.IntN(3) == 0 {
					at := now.Add(time.Duration(rng.IntN(500)) * time.Millisecond)
					code, status, next = 503, webhook.StatusRetrying, &at
				}
				outs = append(outs, attemptAt(j, code, status, next, now))
				ids = append(ids, j.Webhook.ID)
			}
			rng.Shuffle(len(outs), func(i, k int) { outs[i], outs[k] = outs[k], outs[i] })
			if err := s.Complete(ctx, outs); err != nil {
				return err
			}
			_, err = s.Trip(ctx, sortedUnique(ids), policy, now)
			return err
		})
	}
	loop("retry and recover", 20, func(rng *rand.Rand, now time.Time) error {
		mu.Lock()
		var ev string
		if len(events) > 0 {
			ev = events[rng.IntN(len(events))]
		}
		mu.Unlock()
		h := hooks[rng.IntN(len(hooks))]
		if ev != "" {
			if _, err := s.RetryDelivery(ctx, app.ID, h.ID, ev, now); err != nil && webhook.ErrorCode(err) != webhook.ENotFound {
				return err
			}
		}
		job := &store.RecoverJob{ID: webhook.NewID(webhook.PrefixJob, now), AppID: app.ID, WebhookID: h.ID, Since: now.Add(-time.Hour), Until: now, CreatedAt: now}
		if err := s.CreateRecover(ctx, job); err != nil {
			return err
		}
		_, err := s.RecoverStep(ctx, job, 20, now, time.Minute)
		return err
	})
	loop("test events and settings", 30, func(rng *rand.Rand, now time.Time) error {
		h := *hooks[rng.IntN(len(hooks))]
		if _, err := s.CreateTestEvent(ctx, &h, store.NewEvent{Payload: json.RawMessage(`{}`)}, now); err != nil {
			return err
		}
		w, err := s.GetWebhook(ctx, app.ID, h.ID, now)
		if err != nil {
			return err
		}
		switch rng.IntN(3) {
		case 0:
			w.Active = !w.Active
		case 1:
			w.Ordered = !w.Ordered
		default:
			w.RateLimit = rng.IntN(2) * 100
		}
		w.UpdatedAt = now
		return s.UpdateWebhook(ctx, w, now)
	})
	for w := range 2 { // as two instances do, each taking rows the other has not locked
		loop("fold counts", 50+uint64(w), func(rng *rand.Rand, now time.Time) error {
			_, err := s.FoldCounts(ctx)
			time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
			return err
		})
	}
	loop("read statistics", 60, func(rng *rand.Rand, now time.Time) error {
		h := hooks[rng.IntN(len(hooks))]
		w, err := s.GetWebhook(ctx, app.ID, h.ID, now)
		if err != nil {
			return err
		}
		// One read is one moment, whatever is being committed or folded meanwhile.
		if !addsUp(w.Stats) {
			return fmt.Errorf("statistics of %s read while others write do not add up: %+v", h.ID, w.Stats)
		}
		return nil
	})
	loop("create and delete webhooks", 40, func(rng *rand.Rand, now time.Time) error {
		w := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: app.ID, Name: "brief", URL: "https://example.com/brief",
			Active: true, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: now, UpdatedAt: now}
		if err := s.CreateWebhook(ctx, w); err != nil {
			return err
		}
		time.Sleep(time.Duration(rng.IntN(50)) * time.Millisecond) // let events fan out to it and claims take some
		return s.DeleteWebhook(ctx, app.ID, w.ID)
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(events) == 0 {
		t.Fatal("no event was committed")
	}
	// Every webhook's statistics add up (stats checks); on a loaded machine one of them (the
	// ordered one, or one left inactive by the settings loop) may send nothing in 3 s, so
	// only all of them sending nothing means completions were not exercised.
	var sent int64
	for _, h := range hooks {
		sent += stats(t, s, app.ID, h.ID, t0.Add(time.Since(begin))).Stats.Sent()
	}
	if sent == 0 {
		t.Error("no webhook sent anything; the test did not exercise completions")
	}
}

func sortedUnique(ids []string) []string {
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	return sortedKeys(seen)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Operator actions never make a delivery in flight due again: pausing and resuming its webhook,
// or recovering its failures while its retry is being sent.
func testInFlightStaysInFlight(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	send(t, s, app.ID, "a")
	jobs := claimAll(t, s, t0)
	if len(jobs) != 1 {
		t.Fatalf("claimed %d, want 1", len(jobs))
	}
	w.Active = false
	if err := s.UpdateWebhook(ctx, w, t0); err != nil {
		t.Fatal(err)
	}
	w.Active = true
	if err := s.UpdateWebhook(ctx, w, t0); err != nil {
		t.Fatal(err)
	}
	if again := claimAll(t, s, t0.Add(time.Second)); len(again) != 0 {
		t.Errorf("pause and resume: claimed %d while the first attempt is in flight, want 0", len(again))
	}
	retryAt := t0.Add(5 * time.Second)
	complete(t, s, attemptAt(jobs[0], 503, webhook.StatusRetrying, &retryAt, t0))
	retry := claimAll(t, s, retryAt) // the retry is in flight now
	if len(retry) != 1 {
		t.Fatalf("retry claimed %d, want 1", len(retry))
	}
	job := &store.RecoverJob{ID: webhook.NewID(webhook.PrefixJob, retryAt), AppID: app.ID, WebhookID: w.ID, Since: t0.Add(-time.Hour), Until: retryAt.Add(time.Hour), CreatedAt: retryAt}
	if err := s.CreateRecover(ctx, job); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecoverStep(ctx, job, 100, retryAt, time.Minute); err != nil {
		t.Fatal(err)
	}
	if again := claimAll(t, s, retryAt.Add(time.Second)); len(again) != 0 {
		t.Errorf("recover: claimed %d while the retry is in flight, want 0 (requeued %d)", len(again), job.Requeued)
	}
	complete(t, s, attemptAt(retry[0], 200, webhook.StatusDelivered, nil, retryAt))
	wantStats(t, stats(t, s, app.ID, w.ID, retryAt), 1, 1, 0)
}
