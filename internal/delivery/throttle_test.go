package delivery

import (
	"fmt"
	"testing"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// hookFor is a webhook of an app and a host of its own, unless the test sets them.
func hookFor(webhookID string) *webhook.Webhook {
	return &webhook.Webhook{ID: webhookID, AppID: "app_" + webhookID, URL: "https://" + webhookID + ".example.com/hook"}
}

func jobFor(webhookID string, n int) store.Job {
	return store.Job{DeliveryID: fmt.Sprintf("dlv_%s_%d", webhookID, n), Webhook: hookFor(webhookID)}
}

// fill admits n jobs of webhookID and counts how many started and waited.
func fill(l *limiter, webhookID string, n int) (started, waited int) {
	for i := range n {
		start, wait := l.admit(jobFor(webhookID, i))
		if start {
			started++
		}
		if wait {
			waited++
		}
	}
	return started, waited
}

// makeFast marks a webhook as answering quickly, as after one quick request.
func makeFast(l *limiter, webhookID string) {
	if start, _ := l.admit(jobFor(webhookID, -1)); start {
		l.done(webhookID, true, false)
	}
}

func TestLimiterShares(t *testing.T) {
	for _, tc := range []struct {
		name        string
		busy        int // fast webhooks already with one request in flight
		fast        bool
		wantStarted int
	}{
		{"a suspect gets a small share", 0, false, suspectShare},
		{"a fast webhook alone gets PerWebhook", 0, true, 64},
		{"four busy: a quarter of half the workers", 3, true, 256 / (2 * 4)},
		{"a hundred busy: the minimum share", 99, true, minShare},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLimiter(256, 64, 256, 256)
			for i := range tc.busy {
				id := fmt.Sprintf("wh_busy%d", i)
				makeFast(l, id)
				fill(l, id, 1)
			}
			if tc.fast {
				makeFast(l, "wh_x")
			}
			started, waited := fill(l, "wh_x", 200)
			if started != tc.wantStarted {
				t.Errorf("started %d, want %d", started, tc.wantStarted)
			}
			wantWaiting := 0 // a suspect's next slot may be a timeout away: its jobs go back to the store
			if tc.fast {
				wantWaiting = min(tc.wantStarted, 256/4)
			}
			if waited != wantWaiting {
				t.Errorf("kept %d waiting, want %d", waited, wantWaiting)
			}
		})
	}
}

// Dead receivers, arriving one after another with full backlogs, never hold more than their
// suspect shares: the other workers stay free for healthy webhooks.
func TestLimiterDeadReceiversLeaveWorkers(t *testing.T) {
	l := newLimiter(256, 64, 256, 256)
	dead := 0
	for i := range 10 {
		s, _ := fill(l, fmt.Sprintf("wh_dead%d", i), 200)
		dead += s
	}
	if dead != 10*suspectShare {
		t.Errorf("dead receivers hold %d workers, want %d", dead, 10*suspectShare)
	}
	makeFast(l, "wh_healthy")
	if s, _ := fill(l, "wh_healthy", 200); s != 256/(2*11) {
		t.Errorf("a healthy webhook beside them starts %d, want its fair share of half the workers (%d)", s, 256/(2*11))
	}
	// A timeout makes a webhook a suspect again; a quick answer, fast.
	l.done("wh_healthy", false, false)
	if got := l.capFor("wh_healthy"); got != suspectShare {
		t.Errorf("cap after a timeout = %d, want %d", got, suspectShare)
	}
}

func TestLimiterPassesSlotsToWaitingJobs(t *testing.T) {
	l := newLimiter(8, 1, 8, 8) // one in flight per webhook, two workers waiting in all
	makeFast(l, "wh_a")
	makeFast(l, "wh_b")
	if start, _ := l.admit(jobFor("wh_a", 0)); !start {
		t.Fatal("first job did not start")
	}
	if _, wait := l.admit(jobFor("wh_a", 1)); !wait {
		t.Fatal("second job did not wait")
	}
	if start, wait := l.admit(jobFor("wh_a", 2)); start || wait {
		t.Errorf("third job: start=%v wait=%v, want it given back to the store", start, wait)
	}
	next, ok := l.done("wh_a", true, true)
	if !ok || next.DeliveryID != "dlv_wh_a_1" {
		t.Fatalf("done = %v %v, want the waiting job", next.DeliveryID, ok)
	}
	if got := l.free(); got != 8-1 {
		t.Errorf("free = %d, want 7 (the slot passed on)", got)
	}
	if _, ok := l.done("wh_a", true, true); ok {
		t.Error("done passed a slot with nothing waiting")
	}
	if got := l.free(); got != 8 {
		t.Errorf("free after all done = %d, want 8", got)
	}
	l.admit(jobFor("wh_b", 0))
	l.admit(jobFor("wh_b", 1))
	if got := l.drain(); len(got) != 1 || l.free() != 7 {
		t.Errorf("drain = %d jobs, free %d; want 1 and 7", len(got), l.free())
	}
}

// A fresh delivery is handed a slot only while the pool is less than half busy and no older
// job of its webhook waits; cancel gives the slot back.
func TestLimiterTake(t *testing.T) {
	l := newLimiter(8, 8, 8, 8)
	makeFast(l, "wh_a")
	makeFast(l, "wh_b")
	for i := range 4 {
		if !l.take(hookFor("wh_a")) {
			t.Fatalf("take %d refused with %d of 8 workers busy", i+1, i)
		}
	}
	if l.take(hookFor("wh_b")) {
		t.Error("take granted with half the workers busy")
	}
	l.cancel("wh_a")
	if !l.take(hookFor("wh_b")) {
		t.Error("take refused after cancel freed a slot")
	}
	l.cancel("wh_b")
	// wh_a at its cap: a claimed job of it waits, so a fresh one must not jump ahead.
	l2 := newLimiter(64, 2, 64, 64)
	makeFast(l2, "wh_a")
	if started, waited := fill(l2, "wh_a", 3); started != 2 || waited != 1 {
		t.Fatalf("started %d, waited %d; want 2 and 1", started, waited)
	}
	l2.done("wh_a", true, false) // a slot frees, but the waiting job is not started in this test
	if l2.take(hookFor("wh_a")) {
		t.Error("take granted while an older job of the webhook waits")
	}
}

// An app, however many webhooks it has, and a host, however many webhooks point at it, hold
// at most their caps; of those, at most a quarter of the workers for suspects (that may hang).
func TestLimiterAppAndHostCaps(t *testing.T) {
	const workers = 256
	for _, tc := range []struct {
		name     string
		hook     func(i int) *webhook.Webhook
		fast     bool
		wantHeld int
	}{
		{"sixty hanging webhooks of one app, each its own host", func(i int) *webhook.Webhook {
			return &webhook.Webhook{ID: fmt.Sprintf("wh_b%d", i), AppID: "app_b", URL: fmt.Sprintf("https://h%d.example.com", i)}
		}, false, workers / 4},
		{"sixty hanging webhooks of sixty apps, one host", func(i int) *webhook.Webhook {
			return &webhook.Webhook{ID: fmt.Sprintf("wh_b%d", i), AppID: fmt.Sprintf("app_%d", i), URL: "https://hooks.example.com/x"}
		}, false, workers / 4},
		{"sixty fast webhooks of one app: the app's cap", func(i int) *webhook.Webhook {
			return &webhook.Webhook{ID: fmt.Sprintf("wh_b%d", i), AppID: "app_b", URL: fmt.Sprintf("https://h%d.example.com", i)}
		}, true, workers / 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLimiter(workers, 64, workers/2, workers/2)
			held := 0
			for i := range 60 {
				w := tc.hook(i)
				if tc.fast {
					if start, _ := l.admit(store.Job{DeliveryID: "warm", Webhook: w}); start {
						l.done(w.ID, true, false)
					}
				}
				for n := range 20 {
					if start, _ := l.admit(store.Job{DeliveryID: fmt.Sprintf("dlv_%d_%d", i, n), Webhook: w}); start {
						held++
					}
				}
			}
			if held != tc.wantHeld {
				t.Errorf("held %d workers, want %d", held, tc.wantHeld)
			}
			// Another app's healthy webhook on another host still starts at once.
			a := &webhook.Webhook{ID: "wh_a", AppID: "app_a", URL: "https://a.example.net/hook"}
			if start, _ := l.admit(store.Job{DeliveryID: "dlv_a", Webhook: a}); !start {
				t.Error("another app's delivery did not start")
			}
			// Released slots count down every cap.
			l.done("wh_a", true, false)
			for i := range 60 {
				for l.perHook[tc.hook(i).ID] > 0 {
					l.done(tc.hook(i).ID, false, false)
				}
			}
			if l.inFlight != 0 || len(l.byApp) != 0 || len(l.byHost) != 0 || len(l.slowApp) != 0 || len(l.slowHost) != 0 || len(l.slowHook) != 0 {
				t.Errorf("after every request ended: in flight %d, by app %v, by host %v, suspects %v %v %v",
					l.inFlight, l.byApp, l.byHost, l.slowApp, l.slowHost, l.slowHook)
			}
		})
	}
}
