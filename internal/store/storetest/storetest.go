// Package storetest is the one conformance suite every store.Store must pass.
package storetest

import (
	"context"
	"encoding/json"

	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/signature"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

type storeTest struct {
	name string
	fn   func(t *testing.T, s store.Store)
}

// Run runs the suite; open returns a fresh, empty, migrated store for each test.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []storeTest{
		{"AppsAndKeys", testAppsAndKeys},
		{"WebhookCRUD", testWebhookCRUD},
		{"FanOutAndFilters", testFanOut},
		{"Idempotency", testIdempotency},
		{"ClaimLeases", testClaimLeases},
		{"CompleteCounters", testCompleteCounters},
		{"CompleteBatchMix", testCompleteBatchMix},
		{"PauseAndResume", testPauseResume},
		{"DeleteDropsQueue", testDeleteDropsQueue},
		{"ConcurrentClaims", testConcurrentClaims},
		{"Handoff", testHandoff},
		{"Replies", testReplies},
	}
	tests = append(tests, monitorTests...)
	tests = append(tests, securityTests...)
	tests = append(tests, controlTests...)
	tests = append(tests, isolationTests...)
	tests = append(tests, portalTests...)
	tests = append(tests, catalogTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newApp(t testing.TB, s store.Store) *webhook.App {
	t.Helper()
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, t0), Name: "acme", CreatedAt: t0}
	if err := s.CreateApp(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	return app
}

func newWebhook(t testing.TB, s store.Store, appID string, mod func(*webhook.Webhook)) *webhook.Webhook {
	t.Helper()
	w := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, t0), AppID: appID, Name: "hook", URL: "https://example.com/hook",
		Active: true, Secret: signature.NewSecret(), CreatedAt: t0, UpdatedAt: t0, Headers: map[string]string{"X-Team": "billing"}}
	if mod != nil {
		mod(w)
	}
	if err := s.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

func send(t *testing.T, s store.Store, appID string, types ...string) []store.Created {
	t.Helper()
	var evs []store.NewEvent
	for _, typ := range types {
		evs = append(evs, store.NewEvent{AppID: appID, Type: typ, Payload: json.RawMessage(`{"n":1}`)})
	}
	got, err := s.CreateEvents(context.Background(), evs, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := webhook.ErrorCode(err); err == nil || got != code {
		t.Fatalf("err = %v (code %q), want code %q", err, got, code)
	}
}

func testAppsAndKeys(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	ck, secret := webhook.NewKeyCredentials()
	k := &webhook.Key{ID: webhook.NewID(webhook.PrefixKey, t0), AppID: app.ID, Name: "ci", ClientKey: ck, SecretHash: webhook.HashSecret(secret),
		Scopes: []string{webhook.ScopeWebhookRead, webhook.ScopeEventWrite}, Env: webhook.EnvDevelopment, Active: true, CreatedAt: t0}
	if err := s.CreateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	got, err := s.KeyByClientKey(ctx, ck)
	if err != nil {
		t.Fatal(err)
	}
	if got.AppID != app.ID || !webhook.SecretMatches(got, secret) || webhook.SecretMatches(got, secret+"x") || !got.Active ||
		got.Env != webhook.EnvDevelopment || len(got.Scopes) != 2 || !got.HasScope(webhook.ScopeEventWrite) || got.HasScope(webhook.ScopeAdmin) {
		t.Errorf("KeyByClientKey = %+v, want the key just created", got)
	}
	if err := s.TouchKey(ctx, k.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetKeyActive(ctx, k.ID, false); err != nil {
		t.Fatal(err)
	}
	got, _ = s.KeyByClientKey(ctx, ck)
	if got.Active || got.LastUsedAt == nil || !got.LastUsedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("after revoke and touch: active=%v last_used=%v", got.Active, got.LastUsedAt)
	}
	_, err = s.KeyByClientKey(ctx, "ck_nope")
	wantCode(t, err, webhook.ENotFound)
	wantCode(t, s.SetKeyActive(ctx, "key_nope", false), webhook.ENotFound)
	k2 := *k
	k2.ID, k2.ClientKey, k2.AppID = webhook.NewID(webhook.PrefixKey, t0), "ck_other", "app_missing"
	wantCode(t, s.CreateKey(ctx, &k2), webhook.ENotFound)
	if n, err := s.CountKeys(ctx); err != nil || n != 1 {
		t.Errorf("CountKeys = %d, %v; want 1", n, err)
	}
}

func testWebhookCRUD(t *testing.T, s store.Store) {
	ctx := context.Background()
	app, other := newApp(t, s), newApp(t, s)
	w := newWebhook(t, s, app.ID, func(w *webhook.Webhook) {
		w.EventTypes = []string{"invoice.*"}
		w.RetrySchedule = []time.Duration{time.Second, 2500 * time.Millisecond}
		w.Timeout = 3 * time.Second
		w.Ordered, w.RateLimit, w.Encrypted = true, 7, true
	})
	w2 := newWebhook(t, s, app.ID, nil)
	if w.NumericID == 0 || w2.NumericID <= w.NumericID {
		t.Errorf("numeric ids %d, %d: want increasing, non-zero", w.NumericID, w2.NumericID)
	}
	got, err := s.GetWebhook(ctx, app.ID, w.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != w.Name || got.URL != w.URL || got.Secret != w.Secret || len(got.EventTypes) != 1 || got.Headers["X-Team"] != "billing" ||
		len(got.RetrySchedule) != 2 || got.RetrySchedule[1] != 2500*time.Millisecond || got.Timeout != 3*time.Second ||
		!got.Ordered || got.RateLimit != 7 || !got.Encrypted || !got.CreatedAt.Equal(t0) {
		t.Errorf("GetWebhook = %+v, want %+v", got, w)
	}
	if got2, _ := s.GetWebhook(ctx, app.ID, w2.ID, t0); got2.RetrySchedule != nil {
		t.Errorf("default schedule stored as %v, want nil", got2.RetrySchedule)
	}
	if byNum, err := s.GetWebhookByNumericID(ctx, app.ID, w.NumericID, t0); err != nil || byNum.ID != w.ID {
		t.Errorf("GetWebhookByNumericID = %v, %v", byNum, err)
	}
	_, err = s.GetWebhook(ctx, other.ID, w.ID, t0)
	wantCode(t, err, webhook.ENotFound)
	_, err = s.GetWebhookByNumericID(ctx, other.ID, w.NumericID, t0)
	wantCode(t, err, webhook.ENotFound)

	page, err := s.ListWebhooks(ctx, app.ID, "", 1, t0)
	if err != nil || len(page) != 1 || page[0].ID != w.ID {
		t.Fatalf("first page = %v, %v", page, err)
	}
	page, _ = s.ListWebhooks(ctx, app.ID, page[0].ID, 10, t0)
	if len(page) != 1 || page[0].ID != w2.ID {
		t.Errorf("second page = %v, want [%s]", page, w2.ID)
	}
	if page, _ := s.ListWebhooks(ctx, other.ID, "", 10, t0); len(page) != 0 {
		t.Errorf("other app sees %d webhooks, want 0", len(page))
	}

	got.Name, got.URL, got.UpdatedAt = "renamed", "https://example.org/x", t0.Add(time.Hour)
	if err := s.UpdateWebhook(ctx, got, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	again, _ := s.GetWebhook(ctx, app.ID, w.ID, t0)
	if again.Name != "renamed" || again.URL != "https://example.org/x" || !again.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("after update: %+v", again)
	}
	got.AppID = other.ID
	wantCode(t, s.UpdateWebhook(ctx, got, t0), webhook.ENotFound)
	wantCode(t, s.DeleteWebhook(ctx, other.ID, w.ID), webhook.ENotFound)
	if err := s.DeleteWebhook(ctx, app.ID, w.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetWebhook(ctx, app.ID, w.ID, t0)
	wantCode(t, err, webhook.ENotFound)
}

func testFanOut(t *testing.T, s store.Store) {
	ctx := context.Background()
	app, other := newApp(t, s), newApp(t, s)
	all := newWebhook(t, s, app.ID, nil)
	invoices := newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.EventTypes = []string{"invoice.*"} })
	exact := newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.EventTypes = []string{"user.created"} })
	newWebhook(t, s, app.ID, func(w *webhook.Webhook) { w.Active = false })
	newWebhook(t, s, other.ID, nil)

	got := send(t, s, app.ID, "invoice.paid", "user.created", "user.deleted")
	wantN := []int{2, 2, 1}
	for i, c := range got {
		if c.Deliveries != wantN[i] || c.Duplicate || c.Event == nil || !webhook.ValidID(webhook.PrefixEvent, c.Event.ID) {
			t.Errorf("event %d: %+v, want %d deliveries", i, c, wantN[i])
		}
	}
	ev, err := s.GetEvent(ctx, app.ID, got[0].Event.ID)
	if err != nil {
		t.Fatal(err)
	}
	hooks := map[string]bool{}
	for _, d := range ev.Deliveries {
		hooks[d.WebhookID] = true
		if d.Status != webhook.StatusPending || d.EventType != "invoice.paid" || d.NextAt == nil {
			t.Errorf("delivery %+v: want pending and due", d)
		}
	}
	if !hooks[all.ID] || !hooks[invoices.ID] || len(hooks) != 2 || string(ev.Payload) != `{"n":1}` {
		t.Errorf("invoice.paid went to %v with payload %s; want %s and %s", hooks, ev.Payload, all.ID, invoices.ID)
	}
	_, err = s.GetEvent(ctx, other.ID, got[0].Event.ID)
	wantCode(t, err, webhook.ENotFound)
	for id, want := range map[string]int64{all.ID: 3, invoices.ID: 1, exact.ID: 1} {
		w, _ := s.GetWebhook(ctx, app.ID, id, t0)
		if w.Stats.Created != want || w.Stats.Pending() != want || w.Stats.Sent() != 0 || w.Stats.Last24hEvents != 0 {
			t.Errorf("webhook %s stats %+v, want total %d", id, w.Stats, want)
		}
	}
	if n, err := s.QueueDepth(ctx); err != nil || n != 5 {
		t.Errorf("QueueDepth = %d, %v; want 5", n, err)
	}
}

func testIdempotency(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	newWebhook(t, s, app.ID, nil)
	ne := store.NewEvent{AppID: app.ID, Type: "a.b", Payload: json.RawMessage(`{}`), IdempotencyKey: "k1"}
	first, err := s.CreateEvents(ctx, []store.NewEvent{ne, ne}, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if first[0].Duplicate || !first[1].Duplicate || first[1].Event.ID != first[0].Event.ID {
		t.Fatalf("same key twice in one batch: %+v", first)
	}
	again, _ := s.CreateEvents(ctx, []store.NewEvent{ne}, t0.Add(23*time.Hour), nil)
	if !again[0].Duplicate || again[0].Event.ID != first[0].Event.ID || again[0].Deliveries != 1 {
		t.Errorf("same key within 24h: %+v, want duplicate of %s", again[0], first[0].Event.ID)
	}
	later, _ := s.CreateEvents(ctx, []store.NewEvent{ne}, t0.Add(25*time.Hour), nil)
	if later[0].Duplicate || later[0].Event.ID == first[0].Event.ID {
		t.Errorf("same key after 24h: %+v, want a new event", later[0])
	}
	other := newApp(t, s)
	ne.AppID = other.ID
	o, _ := s.CreateEvents(ctx, []store.NewEvent{ne}, t0, nil)
	if o[0].Duplicate {
		t.Error("another app's identical key was treated as a duplicate")
	}
	if n, _ := s.QueueDepth(ctx); n != 2 {
		t.Errorf("QueueDepth = %d, want 2", n)
	}
	// Several keys in one batch, one of them past its window (its record is replaced), are
	// each kept: the batch's events are the ones the next batch finds.
	keyed := func(key string) store.NewEvent {
		e := ne
		e.AppID, e.IdempotencyKey = app.ID, key
		return e
	}
	batch := []store.NewEvent{keyed("k1"), keyed("k2"), keyed("k3")}
	made, err := s.CreateEvents(ctx, batch, t0.Add(50*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	found, err := s.CreateEvents(ctx, batch, t0.Add(51*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range batch {
		if made[i].Duplicate || !found[i].Duplicate || found[i].Event.ID != made[i].Event.ID {
			t.Errorf("key %s: made %+v, then found %+v; want a new event, then it again", batch[i].IdempotencyKey, made[i], found[i])
		}
	}
}

func testClaimLeases(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	send(t, s, app.ID, "a", "b", "c")
	if due, ok, err := s.NextDue(ctx); err != nil || !ok || !due.Equal(t0) {
		t.Fatalf("NextDue = %v, %v, %v; want %v", due, ok, err, t0)
	}
	jobs, err := s.Claim(ctx, t0, time.Minute, 2)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("Claim = %d jobs, %v; want 2", len(jobs), err)
	}
	j := jobs[0]
	if j.Webhook.ID != w.ID || j.Webhook.Secret != w.Secret || j.Event.AppID != app.ID || string(j.Event.Payload) != `{"n":1}` || j.Attempts != 0 {
		t.Errorf("job = %+v / %+v", j, j.Webhook)
	}
	more, _ := s.Claim(ctx, t0, time.Minute, 10)
	if len(more) != 1 {
		t.Fatalf("second claim got %d, want the 1 left", len(more))
	}
	if none, _ := s.Claim(ctx, t0.Add(59*time.Second), time.Minute, 10); len(none) != 0 {
		t.Errorf("claim during lease got %d, want 0", len(none))
	}
	re, _ := s.Claim(ctx, t0.Add(61*time.Second), time.Minute, 10)
	if len(re) != 3 {
		t.Fatalf("claim after lease got %d, want all 3 back", len(re))
	}
	// The first lease is stale: completing it must not move the delivery or the counters.
	if err := s.Complete(ctx, []store.Outcome{outcome(j, 200, webhook.StatusDelivered, nil)}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetWebhook(ctx, app.ID, w.ID, t0)
	if got.Stats.Delivered != 0 {
		t.Errorf("stale lease completed a delivery: %+v", got.Stats)
	}
	// Nor may a stale lease's retry move it, or count an attempt on it.
	later := t0.Add(time.Hour)
	if err := s.Complete(ctx, []store.Outcome{outcome(j, 500, webhook.StatusRetrying, &later)}); err != nil {
		t.Fatal(err)
	}
	ev, err := s.GetEvent(ctx, app.ID, j.Event.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ev.Deliveries {
		if d.ID == j.DeliveryID && (d.Status != webhook.StatusPending || d.Attempts != 0 || d.NextAt != nil && d.NextAt.Equal(later)) {
			t.Errorf("stale lease's retry moved its delivery: %+v", d)
		}
	}
	if err := s.Release(ctx, re, t0.Add(62*time.Second)); err != nil {
		t.Fatal(err)
	}
	// A stale lease's release must not move the delivery either.
	if err := s.Release(ctx, []store.Job{j}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	back, _ := s.Claim(ctx, t0.Add(62*time.Second), time.Minute, 10)
	if len(back) != 3 {
		t.Errorf("claim after release got %d, want 3", len(back))
	}
}

func outcome(j store.Job, code int, status string, next *time.Time) store.Outcome {
	a := &webhook.Attempt{ID: webhook.NewID(webhook.PrefixAttempt, t0), DeliveryID: j.DeliveryID, WebhookID: j.Webhook.ID, AppID: j.Event.AppID,
		EventID: j.Event.ID, Number: j.Attempts + 1, Trigger: webhook.TriggerScheduled, StatusCode: code, DurationMS: 12.5,
		RequestHeaders: map[string]string{"webhook-id": j.Event.ID}, ResponseHeaders: map[string]string{}, ResponseBody: "ok", CreatedAt: t0}
	if code < 200 || code > 299 {
		a.Cause, a.Error = webhook.CauseHTTP, fmt.Sprintf("HTTP %d", code)
	}
	return store.Outcome{Job: j, Attempt: a, Status: status, NextAt: next}
}

func testCompleteCounters(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	send(t, s, app.ID, "a", "b", "c")
	jobs, _ := s.Claim(ctx, t0, time.Minute, 10)
	retryAt := t0.Add(5 * time.Second)
	err := s.Complete(ctx, []store.Outcome{
		outcome(jobs[0], 200, webhook.StatusDelivered, nil),
		outcome(jobs[1], 500, webhook.StatusFailed, nil),
		outcome(jobs[2], 503, webhook.StatusRetrying, &retryAt),
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetWebhook(ctx, app.ID, w.ID, t0)
	st := got.Stats
	// The retrying delivery counts as failed: its latest attempt failed.
	if st.Created != 3 || st.Delivered != 1 || st.Failed != 2 || st.Pending() != 0 || st.Responses != 3 || st.ResponseTimeMS != 37.5 ||
		st.LastDeliveryAt == nil || !st.LastDeliveryAt.Equal(t0) || st.Last24hEvents != 3 || st.Last24hFails != 2 {
		t.Errorf("stats = %+v", st)
	}
	if jobs, _ := s.Claim(ctx, t0.Add(4*time.Second), time.Minute, 10); len(jobs) != 0 {
		t.Errorf("retry claimed %d before it was due", len(jobs))
	}
	retry, _ := s.Claim(ctx, retryAt, time.Minute, 10)
	if len(retry) != 1 || retry[0].DeliveryID != jobs[2].DeliveryID || retry[0].Attempts != 1 {
		t.Fatalf("retry claim = %+v", retry)
	}
	if err := s.Complete(ctx, []store.Outcome{outcome(retry[0], 204, webhook.StatusDelivered, nil)}); err != nil {
		t.Fatal(err)
	}
	ev, _ := s.GetEvent(ctx, app.ID, retry[0].Event.ID)
	d := ev.Deliveries[0]
	if d.Status != webhook.StatusDelivered || d.Attempts != 2 || d.ResponseCode != 204 || d.NextAt != nil || d.LastAt == nil {
		t.Errorf("delivery after retry = %+v", d)
	}
	got, _ = s.GetWebhook(ctx, app.ID, w.ID, t0)
	if got.Stats.Delivered != 2 || got.Stats.Failed != 1 || got.Stats.Pending() != 0 {
		t.Errorf("stats after retry = %+v", got.Stats)
	}
	if got, _ := s.GetWebhook(ctx, app.ID, w.ID, t0.Add(48*time.Hour)); got.Stats.Last24hEvents != 0 || got.Stats.Created != 3 {
		t.Errorf("two days later: %+v; want last 24h empty and totals kept", got.Stats)
	}
	if _, ok, _ := s.NextDue(ctx); ok {
		t.Error("NextDue reports work on an empty queue")
	}
}

func testPauseResume(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	send(t, s, app.ID, "a", "b")
	w.Active = false
	if err := s.UpdateWebhook(ctx, w, t0); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := s.Claim(ctx, t0.Add(time.Hour), time.Minute, 10); len(jobs) != 0 {
		t.Errorf("paused webhook: claimed %d", len(jobs))
	}
	if got := send(t, s, app.ID, "c"); got[0].Deliveries != 0 {
		t.Errorf("inactive webhook got a new delivery")
	}
	w.Active = true
	if err := s.UpdateWebhook(ctx, w, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := s.Claim(ctx, t0.Add(2*time.Hour), time.Minute, 10); len(jobs) != 2 {
		t.Errorf("resumed webhook: claimed %d, want 2", len(jobs))
	}
}

func testDeleteDropsQueue(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	keep := newWebhook(t, s, app.ID, nil)
	send(t, s, app.ID, "a")
	if err := s.DeleteWebhook(ctx, app.ID, w.ID); err != nil {
		t.Fatal(err)
	}
	jobs, _ := s.Claim(ctx, t0, time.Minute, 10)
	if len(jobs) != 1 || jobs[0].Webhook.ID != keep.ID {
		t.Errorf("after delete claimed %v, want only %s's delivery", jobs, keep.ID)
	}
}

func testConcurrentClaims(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	newWebhook(t, s, app.ID, nil)
	types := make([]string, 200)
	for i := range types {
		types[i] = "t"
	}
	send(t, s, app.ID, types...)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			for {
				jobs, err := s.Claim(ctx, t0, time.Minute, 7)
				if err != nil {
					errs <- err
					return
				}
				if len(jobs) == 0 {
					return
				}
				mu.Lock()
				for _, j := range jobs {
					seen[j.DeliveryID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != 200 {
		t.Errorf("claimed %d distinct deliveries, want 200", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s claimed %d times", id, n)
		}
	}
}
