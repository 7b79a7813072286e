package main

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd/hookd/internal/store/postgres/pgtest"
)

// postgresSchema returns the URL of a fresh schema (see pgtest.Schema).
func postgresSchema(t *testing.T) string { return pgtest.Schema(t) }

func TestPostgresSignedDelivery(t *testing.T) {
	url := postgresSchema(t)
	_, key := setup(t, "--database-url", url)
	h := serve(t, "--database-url", url, "--allow-network", loopback)
	rc := newReceiver(t, nil)
	c := newClient(t, h.URL, key)

	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "pg", "url": rc.URL + "/hook"})
	ev := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "invoice.paid", "payload": map[string]any{"amount": 42}})
	got := rc.next(t, 5*time.Second)
	if id := got.header.Get("webhook-id"); id != ev["id"] {
		t.Errorf("webhook-id = %q, want %v", id, ev["id"])
	}
	sw, err := standardwebhooks.NewWebhook(hook["signing_secret"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Verify(got.body, got.header); err != nil {
		t.Errorf("Standard Webhooks library rejects the delivery: %v", err)
	}
	eventually(t, 5*time.Second, "the delivery is recorded as delivered", func() bool {
		ds := c.must(200, "GET", "/api/v0/events/"+ev["id"].(string), nil)["deliveries"].([]any)
		return len(ds) == 1 && ds[0].(map[string]any)["status"] == "delivered" && ds[0].(map[string]any)["response_code"] == float64(200)
	})
	eventually(t, 5*time.Second, "stats show the delivery", func() bool {
		st := c.must(200, "GET", "/api/v0/webhooks/"+hook["id"].(string), nil)["delivery_stats"].(map[string]any)
		return st["successful_deliveries"] == float64(1) && st["total_events"] == float64(1)
	})
}

func TestPostgresTwoInstances(t *testing.T) {
	const events, posters = 1000, 8
	url := postgresSchema(t)
	_, key := setup(t, "--database-url", url)
	a := serve(t, "--database-url", url, "--allow-network", loopback)
	b := serve(t, "--database-url", url, "--allow-network", loopback)
	rc := newReceiver(t, func(int, http.ResponseWriter) { time.Sleep(time.Millisecond) })
	ca, cb := newClient(t, a.URL, key), newClient(t, b.URL, key)
	ca.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "both", "url": rc.URL})

	ids := make([]string, events)
	var wg sync.WaitGroup
	for p := range posters {
		wg.Go(func() {
			for i := p; i < events; i += posters {
				c := ca
				if i%2 == 1 {
					c = cb
				}
				st, v := c.do("POST", "/api/v0/events", map[string]any{"event_type": "two.instances", "payload": map[string]any{"n": i}})
				if st != 202 {
					t.Errorf("event %d: POST = %d %v, want 202", i, st, v)
					return
				}
				ids[i] = v["id"].(string)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	eventually(t, 60*time.Second, fmt.Sprintf("%d deliveries arrive", events), func() bool { return rc.count() >= events })
	time.Sleep(500 * time.Millisecond) // let duplicates show

	rc.mu.Lock()
	seen := map[string]int{}
	for _, r := range rc.got {
		seen[r.header.Get("webhook-id")]++
	}
	total := len(rc.got)
	rc.mu.Unlock()
	for _, id := range ids {
		if seen[id] == 0 {
			t.Errorf("event %s was never delivered", id)
		}
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("event %s delivered %d times, want once (no crash)", id, n)
		}
	}
	if total != events || len(seen) != events {
		t.Errorf("receiver got %d requests for %d events, want %d for %d", total, len(seen), events, events)
	}
	const delivered = `hookd_deliveries_total{outcome="delivered"}`
	var byA, byB float64
	eventually(t, 5*time.Second, fmt.Sprintf("the instances record %d deliveries", events), func() bool {
		byA, byB = counterValue(t, a.URL, delivered), counterValue(t, b.URL, delivered)
		return byA+byB == events
	})
	t.Logf("two instances: %d events, %d requests, %d distinct; delivered by A %v, by B %v", events, total, len(seen), byA, byB)
}

// TestPostgresNotifyWakesOtherInstance posts to an instance whose only worker is stuck on a
// slow receiver: the other instance, woken by NOTIFY, delivers the events at once rather than
// at its next poll (1 s).
func TestPostgresNotifyWakesOtherInstance(t *testing.T) {
	const events = 5
	url := postgresSchema(t)
	_, key := setup(t, "--database-url", url)
	fast := newReceiver(t, nil)
	unblock := make(chan struct{})
	slow := newReceiver(t, func(int, http.ResponseWriter) { <-unblock })
	busy := serve(t, "--database-url", url, "--allow-network", loopback, "--workers", "1")
	t.Cleanup(func() { close(unblock) }) // runs before the receivers and instances stop
	c := newClient(t, busy.URL, key)
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "slow", "url": slow.URL, "event_types": []string{"slow"}})
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "fast", "url": fast.URL, "event_types": []string{"fast"}})
	c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "slow", "payload": 1})
	// The busy instance's one worker now waits on the slow receiver.
	eventually(t, 5*time.Second, "the slow receiver is reached", func() bool { return slow.count() == 1 })

	other := serve(t, "--database-url", url, "--allow-network", loopback)
	c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "fast", "payload": 0})
	fast.next(t, 5*time.Second) // the other instance is up and listening

	var late []time.Duration
	for i := range events {
		ev := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "fast", "payload": i + 1})
		posted := time.Now()
		got := fast.next(t, 5*time.Second)
		if got.header.Get("webhook-id") != ev["id"] {
			t.Fatalf("webhook-id = %q, want %v", got.header.Get("webhook-id"), ev["id"])
		}
		if d := got.at.Sub(posted); d > 500*time.Millisecond {
			late = append(late, d)
		}
	}
	if len(late) > 0 {
		t.Errorf("%d of %d events took longer than 500ms (%v): the idle instance was not woken by NOTIFY", len(late), events, late)
	}
	// Outcomes are recorded just after the receiver answers.
	eventually(t, 5*time.Second, fmt.Sprintf("the other instance records %d deliveries", events+1), func() bool {
		return counterValue(t, other.URL, `hookd_deliveries_total{outcome="delivered"}`) == events+1
	})
}
