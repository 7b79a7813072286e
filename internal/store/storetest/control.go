package storetest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// controlTests are the conformance cases for store.Control and the controls Claim applies.
var controlTests = []storeTest{
	{"ControlRetry", testControlRetry},
	{"ControlTestEvent", testControlTestEvent},
	{"ControlRecover", testControlRecover},
	{"ControlBreaker", testControlBreaker},
	{"ControlRecoveryReleasesBacklog", testControlRecoveryReleasesBacklog},
	{"InstancesReleaseDeadLeases", testInstancesReleaseDeadLeases},
	{"FoldCounts", testFoldCounts},
	{"ControlThrottle", testControlThrottle},
	{"ControlOrdered", testControlOrdered},
	{"ControlAutoDisable", testControlAutoDisable},
	{"ControlConcurrentClaims", testControlConcurrentClaims},
	{"ControlOrderedRecover", testControlOrderedRecover},
}

// claimAll claims every delivery due at now.
func claimAll(t *testing.T, s store.Store, now time.Time) []store.Job {
	t.Helper()
	jobs, err := s.Claim(context.Background(), now, time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

func complete(t *testing.T, s store.Store, outs ...store.Outcome) {
	t.Helper()
	if err := s.Complete(context.Background(), outs); err != nil {
		t.Fatal(err)
	}
}

// addsUp reports whether statistics read at one moment hold together: never more deliveries
// finished than events counted, no count below zero.
func addsUp(st webhook.Stats) bool {
	return st.Pending() >= 0 && st.Delivered >= 0 && st.Failed >= 0
}

func stats(t *testing.T, s store.Store, appID, id string, now time.Time) *webhook.Webhook {
	t.Helper()
	w, err := s.GetWebhook(context.Background(), appID, id, now)
	if err != nil {
		t.Fatal(err)
	}
	if !addsUp(w.Stats) {
		t.Errorf("stats %+v do not add up", w.Stats)
	}
	// The hourly rollups tell the same story as the counters.
	rs, err := s.Rollups(context.Background(), id, t0.Add(-30*24*time.Hour), t0.Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var events, delivered, failed int64
	for _, r := range rs {
		events, delivered, failed = events+r.Events, delivered+r.Delivered, failed+r.Failed
		if r.Delivered < 0 || r.Failed < 0 || r.Delivered+r.Failed > r.Events {
			t.Errorf("rollup of %s does not add up: %+v", r.Hour, r)
		}
	}
	if st := w.Stats; events != st.Created || delivered != st.Delivered || failed != st.Failed {
		t.Errorf("rollups sum to events/delivered/failed %d/%d/%d, counters say %d/%d/%d", events, delivered, failed, st.Created, st.Delivered, st.Failed)
	}
	return w
}

// wantStats checks the deliveries created, and of those sent, how many stand delivered and failed.
func wantStats(t *testing.T, w *webhook.Webhook, created, delivered, failed int64) {
	t.Helper()
	if st := w.Stats; st.Created != created || st.Delivered != delivered || st.Failed != failed {
		t.Errorf("stats created/delivered/failed = %d/%d/%d, want %d/%d/%d", st.Created, st.Delivered, st.Failed, created, delivered, failed)
	}
}

func testControlRetry(t *testing.T, s store.Store) {
	ctx := context.Background()
	app, other := newApp(t, s), newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	evs := send(t, s, app.ID, "a", "b")
	jobs := claimAll(t, s, t0)
	complete(t, s, attemptAt(jobs[0], 500, webhook.StatusFailed, nil, t0), attemptAt(jobs[1], 200, webhook.StatusDelivered, nil, t0))
	wantStats(t, stats(t, s, app.ID, w.ID, t0), 2, 1, 1)

	// A retry moves no counter until its attempt is made: a delivery counts by its latest attempt.
	for _, tc := range []struct {
		name, event                string
		code                       int
		delivered, failed          int64 // counters before the retry's attempt
		afterDelivered, afterFaild int64 // and after it
	}{
		{"failed, then succeeds", evs[0].Event.ID, 200, 1, 1, 2, 0},
		{"delivered, then fails", evs[1].Event.ID, 500, 2, 0, 1, 1},
		{"failed, then fails again", evs[1].Event.ID, 503, 1, 1, 1, 1},
		{"failed, then succeeds again", evs[1].Event.ID, 204, 1, 1, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := t0.Add(time.Hour)
			d, err := s.RetryDelivery(ctx, app.ID, w.ID, tc.event, now)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != webhook.StatusPending || d.Attempts == 0 || d.NextAt == nil || !d.NextAt.Equal(now) {
				t.Errorf("retried delivery = %+v, want pending, its attempts kept, due now", d)
			}
			wantStats(t, stats(t, s, app.ID, w.ID, now), 2, tc.delivered, tc.failed)
			got := claimAll(t, s, now)
			if len(got) != 1 || got[0].Event.ID != tc.event || got[0].Trigger != webhook.TriggerManual || got[0].Attempts != d.Attempts {
				t.Fatalf("claim after retry = %+v, want the one delivery, manual, %d attempts before", got, d.Attempts)
			}
			status := webhook.StatusDelivered
			if tc.code >= 300 {
				status = webhook.StatusFailed
			}
			complete(t, s, attemptAt(got[0], tc.code, status, nil, now))
			wantStats(t, stats(t, s, app.ID, w.ID, now), 2, tc.afterDelivered, tc.afterFaild)
		})
	}
	wantStats(t, stats(t, s, app.ID, w.ID, t0), 2, 2, 0)
	if got := claimAll(t, s, t0.Add(2*time.Hour)); len(got) != 0 {
		t.Errorf("claimed %d after the manual attempts completed, want 0", len(got))
	}
	if _, err := s.RetryDelivery(ctx, other.ID, w.ID, evs[0].Event.ID, t0); webhook.ErrorCode(err) != webhook.ENotFound {
		t.Errorf("retry from another app: err = %v, want not found", err)
	}
	if _, err := s.RetryDelivery(ctx, app.ID, w.ID, "msg_missing", t0); webhook.ErrorCode(err) != webhook.ENotFound {
		t.Errorf("retry of an unknown message: err = %v, want not found", err)
	}
}

func testControlTestEvent(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	bystander := newWebhook(t, s, app.ID, nil)
	ev, err := s.CreateTestEvent(ctx, w, store.NewEvent{Payload: json.RawMessage(`{"hello":"world"}`)}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != "webhook.test" || len(ev.Deliveries) != 1 || ev.Deliveries[0].WebhookID != w.ID {
		t.Errorf("test event = %+v, want one webhook.test delivery to %s", ev, w.ID)
	}
	jobs := claimAll(t, s, t0)
	if len(jobs) != 1 || jobs[0].Webhook.ID != w.ID || jobs[0].Trigger != webhook.TriggerManual || string(jobs[0].Event.Payload) != `{"hello":"world"}` {
		t.Fatalf("claim = %+v, want the test delivery only", jobs)
	}
	complete(t, s, attemptAt(jobs[0], 200, webhook.StatusDelivered, nil, t0))
	wantStats(t, stats(t, s, app.ID, w.ID, t0), 1, 1, 0)
	wantStats(t, stats(t, s, app.ID, bystander.ID, t0), 0, 0, 0)
}

func testControlRecover(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	// Five failed deliveries an hour apart, one delivered.
	for i := range 5 {
		sendAt(t, s, app.ID, t0.Add(time.Duration(i)*time.Hour), "a")
	}
	sendAt(t, s, app.ID, t0.Add(90*time.Minute), "ok")
	now := t0.Add(6 * time.Hour)
	var outs []store.Outcome
	for _, j := range claimAll(t, s, now) {
		if j.Event.Type == "ok" {
			outs = append(outs, attemptAt(j, 200, webhook.StatusDelivered, nil, now))
		} else {
			outs = append(outs, attemptAt(j, 500, webhook.StatusFailed, nil, now))
		}
	}
	complete(t, s, outs...)
	wantStats(t, stats(t, s, app.ID, w.ID, now), 6, 1, 5)

	// The window [1h, 4h) holds three of the failures.
	job := &store.RecoverJob{ID: webhook.NewID(webhook.PrefixJob, now), AppID: app.ID, WebhookID: w.ID,
		Since: t0.Add(time.Hour), Until: t0.Add(4 * time.Hour), CreatedAt: now}
	if err := s.CreateRecover(ctx, job); err != nil {
		t.Fatal(err)
	}
	if job.Total != 3 || job.Status != store.RecoverQueued {
		t.Errorf("new job = %+v, want queued with 3 failed deliveries", job)
	}
	claimed, err := s.ClaimRecover(ctx, now, time.Minute)
	if err != nil || claimed == nil || claimed.ID != job.ID {
		t.Fatalf("ClaimRecover = %+v, %v; want the job", claimed, err)
	}
	if again, err := s.ClaimRecover(ctx, now, time.Minute); err != nil || again != nil {
		t.Errorf("second ClaimRecover during the lease = %+v, %v; want none", again, err)
	}
	done, err := s.RecoverStep(ctx, claimed, 2, now, time.Minute)
	if err != nil || done {
		t.Fatalf("first step: done=%v err=%v; want more to do", done, err)
	}
	if got, _ := s.GetRecover(ctx, app.ID, w.ID, job.ID); got == nil || got.Requeued != 2 || got.Status != store.RecoverRunning {
		t.Errorf("progress after one step = %+v, want 2 requeued, running", got)
	}
	// The lease ran out (the instance died): another one resumes where it stopped.
	later := now.Add(2 * time.Minute)
	resumed, err := s.ClaimRecover(ctx, later, time.Minute)
	if err != nil || resumed == nil || resumed.Cursor != claimed.Cursor {
		t.Fatalf("resume = %+v, %v; want the job at cursor %s", resumed, err, claimed.Cursor)
	}
	if done, err := s.RecoverStep(ctx, resumed, 2, later, time.Minute); err != nil || !done {
		t.Fatalf("second step: done=%v err=%v; want done", done, err)
	}
	got, err := s.GetRecover(ctx, app.ID, w.ID, job.ID)
	if err != nil || got.Requeued != 3 || got.Total != 3 || got.Status != store.RecoverCompleted || got.FinishedAt == nil {
		t.Errorf("finished job = %+v, %v; want 3 of 3 requeued, completed", got, err)
	}
	wantStats(t, stats(t, s, app.ID, w.ID, later), 6, 1, 5) // requeued, not yet sent again: still failed
	requeued := claimAll(t, s, later)
	if len(requeued) != 3 {
		t.Fatalf("claimed %d requeued deliveries, want 3", len(requeued))
	}
	for _, j := range requeued {
		if at := j.Event.CreatedAt; at.Before(t0.Add(time.Hour)) || !at.Before(t0.Add(4*time.Hour)) || j.Trigger != webhook.TriggerManual {
			t.Errorf("requeued %s created %s trigger %s; want inside the window, manual", j.DeliveryID, at, j.Trigger)
		}
	}
	stranger := &store.RecoverJob{ID: webhook.NewID(webhook.PrefixJob, now), AppID: newApp(t, s).ID, WebhookID: w.ID, Since: t0, Until: now, CreatedAt: now}
	if err := s.CreateRecover(ctx, stranger); webhook.ErrorCode(err) != webhook.ENotFound {
		t.Errorf("recover on another app's webhook: err = %v, want not found", err)
	}
	if _, err := s.GetRecover(ctx, newApp(t, s).ID, w.ID, job.ID); webhook.ErrorCode(err) != webhook.ENotFound {
		t.Errorf("another app's job: err = %v, want not found", err)
	}
	if j, err := s.ClaimRecover(ctx, later.Add(time.Hour), time.Minute); err != nil || j != nil {
		t.Errorf("ClaimRecover after completion = %+v, %v; want none", j, err)
	}
}

func testControlBreaker(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	healthy := newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.EventTypes = []string{"other"} })
	policy := store.Policy{BreakerThreshold: 3, BreakerCooldown: 30 * time.Second} // shorter than the claims' lease
	evs := send(t, s, app.ID, "a", "a", "a", "a", "a", "a")
	// parked lists the deliveries that wait with no due time, as an open breaker leaves them:
	// at every opening and failed probe they stay as they are, whatever the backlog.
	parked := func() []string {
		t.Helper()
		var ids []string
		for _, e := range evs {
			ev, err := s.GetEvent(ctx, app.ID, e.Event.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range ev.Deliveries {
				if d.NextAt == nil && (d.Status == webhook.StatusPending || d.Status == webhook.StatusRetrying) {
					ids = append(ids, d.ID)
				}
			}
		}
		return ids
	}
	jobs := claimAll(t, s, t0)
	retryAt := t0.Add(time.Second)
	var outs []store.Outcome
	for _, j := range jobs[:3] {
		outs = append(outs, attemptAt(j, 500, webhook.StatusRetrying, &retryAt, t0))
	}
	complete(t, s, outs...)
	if err := s.Release(ctx, jobs[3:], t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Trip(ctx, []string{w.ID, healthy.ID}, policy, t0); err != nil {
		t.Fatal(err)
	}
	if got := stats(t, s, app.ID, w.ID, t0).Circuit; got != webhook.CircuitOpen {
		t.Fatalf("circuit after 3 failures = %q, want open", got)
	}
	if got := stats(t, s, app.ID, healthy.ID, t0).Circuit; got != webhook.CircuitClosed {
		t.Errorf("circuit of a webhook without failures = %q, want closed", got)
	}
	// Open: due deliveries are held until the cool-down ends, without an attempt; all of them,
	// not only those one claim happened to pick.
	if got, err := s.Claim(ctx, t0.Add(2*time.Second), time.Minute, 1); err != nil || len(got) != 0 {
		t.Fatalf("claimed %d (%v) while the breaker is open, want 0", len(got), err)
	}
	if n := len(parked()); n != 6 {
		t.Errorf("%d deliveries parked while the breaker is open, want all 6", n)
	}
	if due, ok, _ := s.NextDue(ctx); !ok || !due.Equal(t0.Add(30*time.Second)) {
		t.Errorf("next due = %v %v, want the end of the cool-down %v", due, ok, t0.Add(30*time.Second))
	}
	// Cool-down over: one probe, the rest held while it is in flight.
	probeAt := t0.Add(30 * time.Second)
	probe := claimAll(t, s, probeAt)
	if len(probe) != 1 || probe[0].Attempts != 1 {
		t.Fatalf("half-open claim = %d jobs, want one probe with its attempts unspent", len(probe))
	}
	if got := stats(t, s, app.ID, w.ID, probeAt).Circuit; got != webhook.CircuitHalfOpen {
		t.Errorf("circuit during the probe = %q, want half_open", got)
	}
	if got := claimAll(t, s, probeAt.Add(time.Second)); len(got) != 0 {
		t.Errorf("claimed %d while the probe is in flight, want 0", len(got))
	}
	// The probe fails: open again, for another cool-down.
	next := probeAt.Add(time.Second)
	complete(t, s, attemptAt(probe[0], 503, webhook.StatusRetrying, &next, probeAt))
	if _, err := s.Trip(ctx, []string{w.ID}, policy, probeAt); err != nil {
		t.Fatal(err)
	}
	if got := stats(t, s, app.ID, w.ID, probeAt).Circuit; got != webhook.CircuitOpen {
		t.Errorf("circuit after a failed probe = %q, want open", got)
	}
	if got := parked(); len(got) != 5 || slices.Contains(got, probe[0].DeliveryID) {
		t.Errorf("parked after a failed probe = %v, want the 5 others, untouched", got)
	}
	if got := claimAll(t, s, probeAt.Add(20*time.Second)); len(got) != 0 {
		t.Errorf("claimed %d during the second cool-down, want 0", len(got))
	}
	if n := len(parked()); n != 6 {
		t.Errorf("%d parked once the failed probe's own retry came due, want all 6", n)
	}
	// The parked deliveries wait for the new cool-down, not the probe's lease.
	if due, ok, _ := s.NextDue(ctx); !ok || !due.Equal(probeAt.Add(30*time.Second)) {
		t.Errorf("next due after a failed probe = %v, want the new cool-down's end %v", due, probeAt.Add(30*time.Second))
	}
	// The next probe succeeds: closed, and every held delivery is due at once.
	probeAt = probeAt.Add(30 * time.Second)
	probe = claimAll(t, s, probeAt)
	if len(probe) != 1 {
		t.Fatalf("second probe claim = %d jobs, want 1", len(probe))
	}
	complete(t, s, attemptAt(probe[0], 200, webhook.StatusDelivered, nil, probeAt))
	if got := stats(t, s, app.ID, w.ID, probeAt).Circuit; got != webhook.CircuitClosed {
		t.Errorf("circuit after a successful probe = %q, want closed", got)
	}
	if got := parked(); len(got) != 0 {
		t.Errorf("still parked after closing: %v", got)
	}
	rest := claimAll(t, s, probeAt)
	if len(rest) != 5 {
		t.Fatalf("claimed %d after closing, want the 5 held", len(rest))
	}
	for _, j := range rest {
		if j.Attempts > 2 {
			t.Errorf("delivery %s has %d attempts; holding must not spend them", j.DeliveryID, j.Attempts)
		}
	}
	wantStats(t, stats(t, s, app.ID, w.ID, probeAt), 6, 1, 2) // the probe succeeded; the other two sent still stand failed
}

func testControlThrottle(t *testing.T, s store.Store) {
	app := newApp(t, s)
	newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.RateLimit = 4 }) // one per 250 ms
	send(t, s, app.ID, "a", "a", "a", "a", "a")
	var sent []time.Time
	for now := t0; now.Before(t0.Add(2 * time.Second)); now = now.Add(50 * time.Millisecond) {
		for range claimAll(t, s, now) {
			sent = append(sent, now)
		}
	}
	if len(sent) != 5 {
		t.Fatalf("sent %d in 2 s, want all 5", len(sent))
	}
	for i, at := range sent {
		if want := t0.Add(time.Duration(i) * 250 * time.Millisecond); at.Before(want) || at.After(want.Add(50*time.Millisecond)) {
			t.Errorf("delivery %d claimed at +%s, want +%s (rate 4/s)", i, at.Sub(t0), want.Sub(t0))
		}
	}
}

func testControlOrdered(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.Ordered = true })
	evs := send(t, s, app.ID, "a", "b", "c")
	head := claimAll(t, s, t0)
	if len(head) != 1 || head[0].Event.ID != evs[0].Event.ID {
		t.Fatalf("ordered claim = %d jobs, want only the first event", len(head))
	}
	// The head fails and retries: the line waits behind it.
	retryAt := t0.Add(time.Second)
	complete(t, s, attemptAt(head[0], 500, webhook.StatusRetrying, &retryAt, t0))
	if got := claimAll(t, s, t0.Add(500*time.Millisecond)); len(got) != 0 {
		t.Fatalf("claimed %d behind a retrying head, want 0", len(got))
	}
	var order []string
	now := retryAt
	for range 10 {
		jobs := claimAll(t, s, now)
		if len(jobs) > 1 {
			t.Fatalf("claimed %d at once from an ordered webhook", len(jobs))
		}
		for _, j := range jobs {
			order = append(order, j.Event.ID)
			complete(t, s, attemptAt(j, 200, webhook.StatusDelivered, nil, now))
		}
		now = now.Add(time.Millisecond)
	}
	want := []string{evs[0].Event.ID, evs[1].Event.ID, evs[2].Event.ID}
	if !sameStrings(order, want) {
		t.Errorf("delivery order = %v, want %v", order, want)
	}
	wantStats(t, stats(t, s, app.ID, w.ID, now), 3, 3, 0)
	// Turning ordering off lets parked deliveries go.
	send(t, s, app.ID, "d", "e")
	if got := claimAll(t, s, now); len(got) != 1 {
		t.Fatalf("claimed %d, want the head", len(got))
	}
	w.Ordered = false
	if err := s.UpdateWebhook(ctx, w, now); err != nil {
		t.Fatal(err)
	}
	if got := claimAll(t, s, now); len(got) != 1 {
		t.Errorf("claimed %d after ordering was turned off, want the parked one", len(got))
	}
}

func testControlAutoDisable(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.EventTypes = []string{"a", "b"} })
	ops := newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.EventTypes = []string{"webhook.disabled"} })
	policy := store.Policy{DisableAfter: 5 * 24 * time.Hour}
	send(t, s, app.ID, "a", "b")
	catchAll := newWebhook(t, s, app.ID, nil) // subscribes to every event type, but not to hookd's own
	day := 24 * time.Hour
	now := t0
	fail := func(j store.Job) {
		next := now.Add(day)
		complete(t, s, attemptAt(j, 500, webhook.StatusRetrying, &next, now))
		if _, err := s.Trip(ctx, []string{w.ID}, policy, now); err != nil {
			t.Fatal(err)
		}
	}
	jobs := claimAll(t, s, now)
	fail(jobs[0])
	complete(t, s, attemptAt(jobs[1], 200, webhook.StatusDelivered, nil, now)) // a success resets the clock
	now = now.Add(day)
	jobs = claimAll(t, s, now)
	fail(jobs[0]) // failing since now
	for range 4 {
		now = now.Add(day)
		fail(claimAll(t, s, now)[0])
	}
	if got := stats(t, s, app.ID, w.ID, now); !got.Active {
		t.Fatalf("disabled after 4 days of failures, want active until 5")
	}
	now = now.Add(day)
	fail(claimAll(t, s, now)[0])
	got := stats(t, s, app.ID, w.ID, now)
	if got.Active || got.DisabledReason == "" || got.DisabledAt == nil || !got.DisabledAt.Equal(now) {
		t.Fatalf("after 5 days: active=%v reason=%q at=%v; want inactive with a reason and time", got.Active, got.DisabledReason, got.DisabledAt)
	}
	// The app hears of it on its operational webhook only; the disabled webhook's delivery waits.
	notice := claimAll(t, s, now.Add(2*day))
	if len(notice) != 1 || notice[0].Webhook.ID != ops.ID || notice[0].Event.Type != "webhook.disabled" ||
		!strings.Contains(string(notice[0].Event.Payload), w.ID) {
		t.Fatalf("claim after disabling = %+v, want one webhook.disabled event to the operational webhook", notice)
	}
	complete(t, s, attemptAt(notice[0], 200, webhook.StatusDelivered, nil, now))
	wantStats(t, stats(t, s, app.ID, ops.ID, now), 1, 1, 0)
	wantStats(t, stats(t, s, app.ID, catchAll.ID, now), 0, 0, 0)
	got.Active = true
	if err := s.UpdateWebhook(ctx, got, now.Add(2*day)); err != nil {
		t.Fatal(err)
	}
	got = stats(t, s, app.ID, w.ID, now)
	if got.DisabledReason != "" || got.DisabledAt != nil || got.Circuit != webhook.CircuitClosed {
		t.Errorf("after reactivation: reason=%q at=%v circuit=%q; want cleared", got.DisabledReason, got.DisabledAt, got.Circuit)
	}
	jobs = claimAll(t, s, now.Add(2*day))
	if len(jobs) != 1 {
		t.Fatalf("claimed %d after reactivation, want the waiting delivery", len(jobs))
	}
	// The clock starts again: one more failure does not disable it.
	now = now.Add(2 * day)
	fail(jobs[0])
	if got := stats(t, s, app.ID, w.ID, now); !got.Active {
		t.Error("disabled again at the first failure after reactivation")
	}
	wantStats(t, stats(t, s, app.ID, w.ID, now), 2, 1, 1)
}

// Claims racing at the same moment (several instances) still send one delivery per throttle
// slot, one probe per half-open breaker and one head per ordered line.
func testControlConcurrentClaims(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.RateLimit = 1; w.EventTypes = []string{"throttled"} })
	newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.Ordered = true; w.EventTypes = []string{"ordered"} })
	broken := newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.EventTypes = []string{"broken"} })
	var types []string
	for range 10 {
		types = append(types, "throttled", "ordered", "broken")
	}
	send(t, s, app.ID, types...)
	// Open the broken webhook's breaker with a failure, before the race.
	policy := store.Policy{BreakerThreshold: 1, BreakerCooldown: time.Second}
	for _, j := range claimAll(t, s, t0) {
		if j.Webhook.ID == broken.ID {
			retry := t0
			complete(t, s, attemptAt(j, 500, webhook.StatusRetrying, &retry, t0))
			if _, err := s.Trip(ctx, []string{broken.ID}, policy, t0); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	// Two minutes on, the leases of that first claim have run out, the cool-down is over and
	// everything is due again: the claims race.
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for range 8 { // small claims, so that racing claims get different deliveries of one webhook
		wg.Go(func() {
			jobs, err := s.Claim(ctx, t0.Add(2*time.Minute), time.Minute, 3)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, j := range jobs {
				got[j.Event.Type]++
			}
		})
	}
	wg.Wait()
	for _, typ := range []string{"throttled", "ordered", "broken"} {
		if got[typ] != 1 {
			t.Errorf("racing claims sent %d %s deliveries at one moment, want 1 (all: %v)", got[typ], typ, got)
		}
	}
}

// A failed delivery recovered into an ordered line goes first again: the line is in event order.
func testControlOrderedRecover(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.Ordered = true })
	send(t, s, app.ID, "x", "y", "z")
	one := func(now time.Time, want string) store.Job {
		t.Helper()
		jobs := claimAll(t, s, now)
		if len(jobs) != 1 || jobs[0].Event.Type != want {
			var got []string
			for _, j := range jobs {
				got = append(got, j.Event.Type)
			}
			t.Fatalf("claim at +%s = %v, want only %s", now.Sub(t0), got, want)
		}
		return jobs[0]
	}
	complete(t, s, attemptAt(one(t0, "x"), 500, webhook.StatusFailed, nil, t0)) // x exhausts its retries
	retryAt := t0.Add(time.Hour)
	complete(t, s, attemptAt(one(t0, "y"), 500, webhook.StatusRetrying, &retryAt, t0)) // y waits for a retry, z behind it

	now := t0.Add(time.Minute)
	job := &store.RecoverJob{ID: webhook.NewID(webhook.PrefixJob, now), AppID: app.ID, WebhookID: w.ID, Since: t0.Add(-time.Hour), Until: now, CreatedAt: now}
	if err := s.CreateRecover(ctx, job); err != nil {
		t.Fatal(err)
	}
	// Both failed: x for good, y while it waits for its retry. Recovering does not wait for it.
	if done, err := s.RecoverStep(ctx, job, 10, now, time.Minute); err != nil || !done || job.Requeued != 2 {
		t.Fatalf("recover: done=%v requeued=%d err=%v; want x and y requeued", done, job.Requeued, err)
	}
	complete(t, s, attemptAt(one(now, "x"), 200, webhook.StatusDelivered, nil, now))
	complete(t, s, attemptAt(one(now, "y"), 200, webhook.StatusDelivered, nil, now))
	complete(t, s, attemptAt(one(now, "z"), 200, webhook.StatusDelivered, nil, now))
	if jobs := claimAll(t, s, retryAt); len(jobs) != 0 {
		t.Fatalf("claimed %d at y's old retry time, want 0", len(jobs))
	}
	wantStats(t, stats(t, s, app.ID, w.ID, retryAt), 3, 3, 0)
}

// A success after the breaker opened lets the deliveries waiting for their next backoff step
// go at once, but never one a worker still holds.
func testControlRecoveryReleasesBacklog(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	send(t, s, app.ID, "a", "b", "c")
	jobs := claimAll(t, s, t0)
	if len(jobs) != 3 {
		t.Fatalf("claimed %d, want 3", len(jobs))
	}
	retryAt := t0.Add(time.Hour)
	complete(t, s, attemptAt(jobs[0], 503, webhook.StatusRetrying, &retryAt, t0))
	if _, err := s.Trip(ctx, []string{w.ID}, store.Policy{BreakerThreshold: 1, BreakerCooldown: time.Minute}, t0); err != nil {
		t.Fatal(err)
	}
	if got := stats(t, s, app.ID, w.ID, t0).Circuit; got != webhook.CircuitOpen {
		t.Fatalf("circuit = %s, want open", got)
	}
	// jobs[1] is still in flight; jobs[2] succeeds.
	now := t0.Add(time.Second)
	complete(t, s, attemptAt(jobs[2], 200, webhook.StatusDelivered, nil, now))
	got := claimAll(t, s, now)
	if len(got) != 1 || got[0].DeliveryID != jobs[0].DeliveryID {
		var ids []string
		for _, j := range got {
			ids = append(ids, j.DeliveryID)
		}
		t.Fatalf("claimed %v after the success, want only %s (the retry-scheduled one; %s is in flight)", ids, jobs[0].DeliveryID, jobs[1].DeliveryID)
	}
	if got[0].Counted != webhook.StatusFailed {
		t.Errorf("the released delivery counts as %q before its next attempt, want failed", got[0].Counted)
	}
}

// A restarted (or surviving) instance releases the leases of one that stopped beating; its
// own, and those of live instances, stay.
func testInstancesReleaseDeadLeases(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	newWebhook(t, s, app.ID, nil)
	send(t, s, app.ID, "a", "b", "c")
	dead, err := s.Register(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := s.Claim(ctx, t0, 2*time.Minute, 2) // held by the first instance, until t0+2min
	if err != nil || len(jobs) != 2 {
		t.Fatalf("claim = %d, %v", len(jobs), err)
	}
	now := t0.Add(20 * time.Second)
	if n, err := s.ReleaseLeases(ctx, now.Add(-10*time.Second), now); err != nil || n != 0 {
		t.Errorf("released %d (%v) of this instance's own leases, want 0", n, err)
	}
	// The process dies and another takes over.
	alive, err := s.Register(ctx, now)
	if err != nil || alive == dead {
		t.Fatalf("second instance = %d, %v", alive, err)
	}
	mine, err := s.Claim(ctx, now, 2*time.Minute, 10) // the third delivery, now the new instance's
	if err != nil || len(mine) != 1 {
		t.Fatalf("claim by the new instance = %d, %v", len(mine), err)
	}
	if n, err := s.ReleaseLeases(ctx, now.Add(-10*time.Second), now); err != nil || n != 2 {
		t.Errorf("released %d (%v), want the dead instance's 2", n, err)
	}
	again := claimAll(t, s, now)
	if len(again) != 2 || again[0].Lease <= jobs[0].Lease && again[1].Lease <= jobs[1].Lease {
		t.Errorf("claimed %d after the release, want the dead instance's 2 with new leases", len(again))
	}
	if n, err := s.ReleaseLeases(ctx, now.Add(time.Hour), now.Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("released %d (%v) with no other instance left, want 0", n, err)
	}
	if err := s.Beat(ctx, now.Add(time.Hour)); err != nil {
		t.Errorf("heartbeat: %v", err)
	}
}

// Event commits count their deliveries in rows of their own; folding them into the totals
// changes no statistic: every read is exact before, during and after.
func testFoldCounts(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	sendAt(t, s, app.ID, t0, "a", "b")
	sendAt(t, s, app.ID, t0.Add(2*time.Hour), "c")
	before := stats(t, s, app.ID, w.ID, t0)
	rollups := func() []store.Rollup {
		rs, err := s.Rollups(ctx, w.ID, t0.Add(-time.Hour), t0.Add(5*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	rsBefore := rollups()
	depth, _ := s.QueueDepth(ctx)
	if before.Stats.Created != 3 || len(rsBefore) != 2 || rsBefore[0].Events != 2 || rsBefore[1].Events != 1 || depth != 3 {
		t.Fatalf("before folding: created %d, rollups %+v, queue depth %d; want 3, 2 then 1 by hour, 3", before.Stats.Created, rsBefore, depth)
	}
	n, err := s.FoldCounts(ctx)
	if err != nil || n != 2 {
		t.Fatalf("FoldCounts = %d, %v; want the 2 commits' counts", n, err)
	}
	if n, err := s.FoldCounts(ctx); err != nil || n != 0 {
		t.Errorf("second FoldCounts = %d, %v; want nothing left", n, err)
	}
	after := stats(t, s, app.ID, w.ID, t0)
	depth, _ = s.QueueDepth(ctx)
	if after.Stats.Created != 3 || !slices.Equal(rollups(), rsBefore) || depth != 3 {
		t.Errorf("after folding: created %d, rollups %+v, queue depth %d; want them unchanged", after.Stats.Created, rollups(), depth)
	}
	sendAt(t, s, app.ID, t0, "d") // half folded, half not
	if got := stats(t, s, app.ID, w.ID, t0); got.Stats.Created != 4 {
		t.Errorf("created with a new commit unfolded = %d, want 4", got.Stats.Created)
	}

	// Attempts are counted the same way: exact before and after folding.
	jobs := claimAll(t, s, t0.Add(2*time.Hour))
	if len(jobs) != 4 {
		t.Fatalf("claimed %d, want 4", len(jobs))
	}
	at := t0.Add(3 * time.Hour)
	next := at.Add(time.Hour)
	complete(t, s, attemptAt(jobs[0], 200, webhook.StatusDelivered, nil, at), attemptAt(jobs[1], 500, webhook.StatusFailed, nil, at))
	complete(t, s, attemptAt(jobs[2], 503, webhook.StatusRetrying, &next, at.Add(time.Minute)))
	check := func(when string) {
		t.Helper()
		got := stats(t, s, app.ID, w.ID, at) // the counters and the rollups agree (stats)
		depth, _ := s.QueueDepth(ctx)
		var attempts, successes int64
		for _, r := range rollups() {
			attempts, successes = attempts+r.Attempts, successes+r.Successes
		}
		if st := got.Stats; st.Created != 4 || st.Delivered != 1 || st.Failed != 2 || st.Pending() != 1 || st.LastDeliveryAt == nil ||
			!st.LastDeliveryAt.Equal(at.Add(time.Minute)) || depth != 2 || attempts != 3 || successes != 1 {
			t.Errorf("%s: stats %+v, queue depth %d, rollups %d attempts %d successes; want 4 created, 1 delivered, 2 failed, 1 pending, "+
				"last at %v, depth 2 (the retrying and the unsent), 3 attempts, 1 success", when, st, depth, attempts, successes, at.Add(time.Minute))
		}
	}
	check("before folding")
	// Rows per commit and hour: the event commit's; each attempt commit's, in the hour of its
	// attempts and in that of the events whose deliveries it moved.
	if n, err := s.FoldCounts(ctx); err != nil || n != 5 {
		t.Errorf("FoldCounts = %d, %v; want 5 rows: 1 of the event commit, 2 of each attempt commit", n, err)
	}
	check("after folding")
}
