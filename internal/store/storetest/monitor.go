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

// monitorTests are the conformance cases for store.Monitor.
var monitorTests = []storeTest{
	{"MonitorMessages", testMonitorMessages},
	{"MonitorAttempts", testMonitorAttempts},
	{"MonitorCalls", testMonitorCalls},
	{"MonitorCallsRejectUnknown", testMonitorCallsRejectUnknown},
	{"MonitorRollups", testMonitorRollups},
	{"MonitorPurge", testMonitorPurge},
	{"MonitorPurgeReadsWindows", testPurgeReadsWindows},
	{"MonitorCountersMatchLog", testCountersMatchLog},
	{"MonitorRetentionJob", testRetentionJob},
}

func sendAt(t *testing.T, s store.Store, appID string, at time.Time, types ...string) []store.Created {
	t.Helper()
	var evs []store.NewEvent
	for i, typ := range types {
		evs = append(evs, store.NewEvent{AppID: appID, Type: typ, Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))})
	}
	got, err := s.CreateEvents(context.Background(), evs, at, nil)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// attemptAt is outcome with the attempt made at a given time and answered with code.
func attemptAt(j store.Job, code int, status string, next *time.Time, at time.Time) store.Outcome {
	o := outcome(j, code, status, next)
	o.Attempt.ID = webhook.NewID(webhook.PrefixAttempt, at)
	o.Attempt.CreatedAt = at
	o.Attempt.ResponseBody = fmt.Sprintf("body %d", code)
	o.Attempt.ResponseHeaders = map[string]string{"X-Code": fmt.Sprint(code)}
	return o
}

func messageIDs(ds []webhook.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.EventID
	}
	return out
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testMonitorMessages(t *testing.T, s store.Store) {
	ctx := context.Background()
	app, other := newApp(t, s), newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	newWebhook(t, s, other.ID, nil)
	var evs []string // oldest first
	for i, typ := range []string{"a.x", "b.x", "a.x", "c.x", "a.x"} {
		c := sendAt(t, s, app.ID, t0.Add(time.Duration(i)*time.Hour), typ)
		evs = append(evs, c[0].Event.ID)
	}
	sendAt(t, s, other.ID, t0.Add(10*time.Hour), "a.x")            // not due when the two oldest are claimed
	jobs, err := s.Claim(ctx, t0.Add(5*time.Hour), time.Minute, 2) // the two oldest
	if err != nil || len(jobs) != 2 {
		t.Fatalf("claim = %d, %v", len(jobs), err)
	}
	at := t0.Add(5 * time.Hour)
	if err := s.Complete(ctx, []store.Outcome{attemptAt(jobs[0], 200, webhook.StatusDelivered, nil, at), attemptAt(jobs[1], 500, webhook.StatusFailed, nil, at)}); err != nil {
		t.Fatal(err)
	}
	newest := []string{evs[4], evs[3], evs[2], evs[1], evs[0]}
	tests := []struct {
		name string
		f    store.MessageFilter
		want []string
	}{
		{"all newest first", store.MessageFilter{Limit: 10}, newest},
		{"limit", store.MessageFilter{Limit: 2}, newest[:2]},
		{"status", store.MessageFilter{Limit: 10, Statuses: []string{webhook.StatusDelivered, webhook.StatusFailed}}, []string{evs[1], evs[0]}},
		{"pending", store.MessageFilter{Limit: 10, Statuses: []string{webhook.StatusPending}}, newest[:3]},
		{"event types", store.MessageFilter{Limit: 10, EventTypes: []string{"a.x", "c.x"}}, []string{evs[4], evs[3], evs[2], evs[0]}},
		{"since", store.MessageFilter{Limit: 10, Since: ptr(t0.Add(2 * time.Hour))}, newest[:2]},
		{"until", store.MessageFilter{Limit: 10, Until: ptr(t0.Add(2 * time.Hour))}, []string{evs[1], evs[0]}},
		{"window", store.MessageFilter{Limit: 10, Since: ptr(t0), Until: ptr(t0.Add(3 * time.Hour))}, []string{evs[2], evs[1]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListMessages(ctx, app.ID, w.ID, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if ids := messageIDs(got); !sameStrings(ids, tt.want) {
				t.Errorf("got %v, want %v", ids, tt.want)
			}
		})
	}
	// Cursor pages cover everything once.
	var all []string
	f := store.MessageFilter{Limit: 2}
	for range 10 {
		page, err := s.ListMessages(ctx, app.ID, w.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, messageIDs(page)...)
		f.Before = page[len(page)-1].ID
	}
	if !sameStrings(all, newest) {
		t.Errorf("paged: got %v, want %v", all, newest)
	}

	d, ev, err := s.GetMessage(ctx, app.ID, w.ID, evs[1])
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != webhook.StatusFailed || d.ResponseCode != 500 || d.Attempts != 1 || string(ev.Payload) != `{"n":0}` || ev.Type != "b.x" {
		t.Errorf("GetMessage = %+v, %+v; want the failed b.x with its payload", d, ev)
	}
	_, err = s.ListMessages(ctx, other.ID, w.ID, store.MessageFilter{Limit: 10})
	wantCode(t, err, webhook.ENotFound)
	_, _, err = s.GetMessage(ctx, other.ID, w.ID, evs[1])
	wantCode(t, err, webhook.ENotFound)
	_, _, err = s.GetMessage(ctx, app.ID, w.ID, webhook.NewID(webhook.PrefixEvent, t0))
	if err != store.ErrMessageNotFound {
		t.Errorf("unknown message: err = %v, want %v", err, store.ErrMessageNotFound)
	}
}

func sameStats(a, b webhook.Stats) bool {
	la, lb := a.LastDeliveryAt, b.LastDeliveryAt
	a.LastDeliveryAt, b.LastDeliveryAt = nil, nil
	return a == b && (la == nil) == (lb == nil) && (la == nil || la.Equal(*lb))
}

func ptr[T any](v T) *T { return &v }

func testMonitorAttempts(t *testing.T, s store.Store) {
	ctx := context.Background()
	app, other := newApp(t, s), newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	ev := sendAt(t, s, app.ID, t0, "a.x")[0].Event.ID
	var ids []string
	for i, code := range []int{500, 502, 200} {
		at := t0.Add(time.Duration(i) * time.Minute)
		jobs, err := s.Claim(ctx, at, time.Second, 10)
		if err != nil || len(jobs) != 1 {
			t.Fatalf("claim %d = %d, %v", i, len(jobs), err)
		}
		status, next := webhook.StatusRetrying, ptr(at.Add(time.Minute))
		if code == 200 {
			status, next = webhook.StatusDelivered, nil
		}
		o := attemptAt(jobs[0], code, status, next, at)
		ids = append(ids, o.Attempt.ID)
		if err := s.Complete(ctx, []store.Outcome{o}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ListAttempts(ctx, app.ID, w.ID, ev, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != ids[2] || got[2].ID != ids[0] || got[0].Number != 3 || got[0].StatusCode != 200 {
		t.Fatalf("ListAttempts = %+v, want 3 newest first", got)
	}
	for _, a := range got {
		if a.ResponseBody != "" {
			t.Errorf("attempt %s in a list carries its body %q", a.ID, a.ResponseBody)
		}
	}
	page, _ := s.ListAttempts(ctx, app.ID, w.ID, ev, ids[2], 1)
	if len(page) != 1 || page[0].ID != ids[1] {
		t.Errorf("page after %s = %v, want [%s]", ids[2], page, ids[1])
	}
	a, err := s.GetAttempt(ctx, app.ID, w.ID, ev, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if a.ResponseBody != "body 500" || a.ResponseHeaders["X-Code"] != "500" || a.RequestHeaders["webhook-id"] != ev ||
		a.Cause != webhook.CauseHTTP || a.Trigger != webhook.TriggerScheduled || !a.CreatedAt.Equal(t0) {
		t.Errorf("GetAttempt = %+v", a)
	}
	c, err := s.GetCall(ctx, app.ID, w.ID, ids[1])
	if err != nil || c.ResponseBody != "body 502" {
		t.Errorf("GetCall = %+v, %v", c, err)
	}
	recent, err := s.RecentAttempts(ctx, app.ID, w.ID, 2)
	if err != nil || len(recent) != 2 || recent[0].ID != ids[2] {
		t.Errorf("RecentAttempts = %v, %v", recent, err)
	}
	for _, call := range []func() error{
		func() error { _, err := s.ListAttempts(ctx, other.ID, w.ID, ev, "", 10); return err },
		func() error { _, err := s.GetAttempt(ctx, other.ID, w.ID, ev, ids[0]); return err },
		func() error { _, err := s.GetCall(ctx, other.ID, w.ID, ids[0]); return err },
		func() error { _, err := s.RecentAttempts(ctx, other.ID, w.ID, 10); return err },
		func() error {
			_, err := s.GetAttempt(ctx, app.ID, w.ID, ev, webhook.NewID(webhook.PrefixAttempt, t0))
			return err
		},
		func() error {
			_, err := s.GetCall(ctx, app.ID, w.ID, webhook.NewID(webhook.PrefixAttempt, t0))
			return err
		},
	} {
		wantCode(t, call(), webhook.ENotFound)
	}
}

// callsFixture makes one webhook with six attempts: codes 200, 500, 404, 200, 503, 200, a minute apart.
func callsFixture(t *testing.T, s store.Store) (appID, webhookID string, ids []string) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	codes := []int{200, 500, 404, 200, 503, 200}
	sendAt(t, s, app.ID, t0, "a", "a", "a", "a", "a", "a")
	jobs, err := s.Claim(ctx, t0, time.Minute, 10)
	if err != nil || len(jobs) != 6 {
		t.Fatalf("claim = %d, %v", len(jobs), err)
	}
	for i, code := range codes {
		status := webhook.StatusDelivered
		if code != 200 {
			status = webhook.StatusFailed
		}
		o := attemptAt(jobs[i], code, status, nil, t0.Add(time.Duration(i)*time.Minute))
		ids = append(ids, o.Attempt.ID)
		if err := s.Complete(ctx, []store.Outcome{o}); err != nil {
			t.Fatal(err)
		}
	}
	return app.ID, w.ID, ids
}

func testMonitorCalls(t *testing.T, s store.Store) {
	ctx := context.Background()
	appID, hookID, ids := callsFixture(t, s)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	pick := func(is ...int) []string {
		out := make([]string, len(is))
		for k, i := range is {
			out[k] = ids[i]
		}
		return out
	}
	tests := []struct {
		name  string
		q     store.CallQuery
		want  []string
		total int64
	}{
		{"default id order", store.CallQuery{Limit: 10}, pick(0, 1, 2, 3, 4, 5), 0},
		{"page", store.CallQuery{Limit: 2, Offset: 2, Count: true}, pick(2, 3), 6},
		{"code any of", store.CallQuery{Limit: 10, Filters: []store.CallFilter{{Field: store.CallHTTPCode, Op: store.OpEq, Values: []any{int64(500), int64(404)}}}}, pick(1, 2), 0},
		{"code gte, sorted desc", store.CallQuery{Limit: 10, Count: true, Filters: []store.CallFilter{{Field: store.CallHTTPCode, Op: store.OpGte, Values: []any{int64(400)}}},
			Sort: []store.CallSort{{Field: store.CallHTTPCode, Desc: true}}}, pick(4, 1, 2), 3},
		{"code lt", store.CallQuery{Limit: 10, Filters: []store.CallFilter{{Field: store.CallHTTPCode, Op: store.OpLt, Values: []any{int64(404)}}}}, pick(0, 3, 5), 0},
		{"created window", store.CallQuery{Limit: 10, Filters: []store.CallFilter{
			{Field: store.CallCreatedAt, Op: store.OpGt, Values: []any{at(1)}}, {Field: store.CallCreatedAt, Op: store.OpLte, Values: []any{at(4)}}}}, pick(2, 3, 4), 0},
		{"created equal", store.CallQuery{Limit: 10, Filters: []store.CallFilter{{Field: store.CallCreatedAt, Values: []any{at(5), at(0)}}}}, pick(0, 5), 0},
		{"newest first", store.CallQuery{Limit: 3, Sort: []store.CallSort{{Field: store.CallCreatedAt, Desc: true}}}, pick(5, 4, 3), 0},
		{"code then newest", store.CallQuery{Limit: 10, Sort: []store.CallSort{{Field: store.CallHTTPCode}, {Field: store.CallCreatedAt, Desc: true}}}, pick(5, 3, 0, 2, 1, 4), 0},
		{"id any of", store.CallQuery{Limit: 10, Filters: []store.CallFilter{{Field: store.CallID, Values: []any{ids[3], ids[1]}}}}, pick(1, 3), 0},
		{"body", store.CallQuery{Limit: 10, Count: true, Filters: []store.CallFilter{{Field: store.CallBody, Values: []any{"body 200"}}}}, pick(0, 3, 5), 3},
		{"headers", store.CallQuery{Limit: 10, Filters: []store.CallFilter{{Field: store.CallHeaders, Values: []any{`{"X-Code":"404"}`}}}}, pick(2), 0},
		{"nothing", store.CallQuery{Limit: 10, Count: true, Filters: []store.CallFilter{{Field: store.CallHTTPCode, Values: []any{int64(418)}}}}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := s.ListCalls(ctx, appID, hookID, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			gotIDs := make([]string, len(got))
			for i, a := range got {
				gotIDs[i] = a.ID
			}
			if !sameStrings(gotIDs, tt.want) && !(len(gotIDs) == 0 && len(tt.want) == 0) {
				t.Errorf("got %v, want %v", gotIDs, tt.want)
			}
			if total != tt.total {
				t.Errorf("total = %d, want %d", total, tt.total)
			}
		})
	}
	other := newApp(t, s)
	_, _, err := s.ListCalls(ctx, other.ID, hookID, store.CallQuery{Limit: 10})
	wantCode(t, err, webhook.ENotFound)
}

func testMonitorCallsRejectUnknown(t *testing.T, s store.Store) {
	ctx := context.Background()
	appID, hookID, _ := callsFixture(t, s)
	bad := []store.CallQuery{
		{Limit: 10, Filters: []store.CallFilter{{Field: "secret", Values: []any{"x"}}}},
		{Limit: 10, Filters: []store.CallFilter{{Field: "id; DROP TABLE attempts", Values: []any{"x"}}}},
		{Limit: 10, Filters: []store.CallFilter{{Field: store.CallHTTPCode, Op: "like", Values: []any{int64(1)}}}},
		{Limit: 10, Filters: []store.CallFilter{{Field: store.CallBody, Op: store.OpLt, Values: []any{"a"}}}},
		{Limit: 10, Filters: []store.CallFilter{{Field: store.CallHTTPCode, Values: []any{"200"}}}},
		{Limit: 10, Filters: []store.CallFilter{{Field: store.CallHTTPCode, Op: store.OpGt, Values: []any{int64(1), int64(2)}}}},
		{Limit: 10, Filters: []store.CallFilter{{Field: store.CallHTTPCode}}},
		{Limit: 10, Sort: []store.CallSort{{Field: "body"}}},
		{Limit: 0},
	}
	for i, q := range bad {
		_, _, err := s.ListCalls(ctx, appID, hookID, q)
		if webhook.ErrorCode(err) != webhook.EInvalid {
			t.Errorf("query %d (%+v): err = %v, want an invalid-input error", i, q, err)
		}
	}
	if _, _, err := s.ListCalls(ctx, appID, hookID, store.CallQuery{Limit: 1}); err != nil {
		t.Errorf("attempts table unusable after rejected queries: %v", err)
	}
}

func testMonitorRollups(t *testing.T, s store.Store) {
	ctx := context.Background()
	appID, hookID, _ := callsFixture(t, s)
	sendAt(t, s, appID, t0.Add(2*time.Hour+30*time.Minute), "a")
	got, err := s.Rollups(ctx, hookID, t0.Add(-time.Hour), t0.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].Hour.Equal(t0) || !got[1].Hour.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("rollups = %+v, want hours %v and %v", got, t0, t0.Add(2*time.Hour))
	}
	r := got[0]
	if r.Events != 6 || r.Attempts != 6 || r.Successes != 3 || r.Failures != 3 || r.Delivered != 3 || r.Failed != 3 || r.RTCount != 6 || r.RTSumMS != 75 {
		t.Errorf("hour %v = %+v", r.Hour, r)
	}
	if got[1].Events != 1 || got[1].Attempts != 0 {
		t.Errorf("hour %v = %+v, want one event", got[1].Hour, got[1])
	}
	if none, _ := s.Rollups(ctx, hookID, t0.Add(time.Hour), t0.Add(2*time.Hour)); len(none) != 0 {
		t.Errorf("empty window: %v", none)
	}
}

func testMonitorPurge(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	old := sendAt(t, s, app.ID, t0, "a", "a", "a", "a", "a") // 5 deliveries
	jobs, _ := s.Claim(ctx, t0, time.Minute, 10)
	var outs []store.Outcome
	for i, j := range jobs[:4] {
		code, status := 200, webhook.StatusDelivered
		if i == 3 {
			code, status = 500, webhook.StatusFailed
		}
		outs = append(outs, attemptAt(j, code, status, nil, t0))
	}
	if err := s.Complete(ctx, outs); err != nil {
		t.Fatal(err)
	}
	// jobs[4] stays pending: its delivery and event must survive.
	fresh := sendAt(t, s, app.ID, t0.Add(50*24*time.Hour), "b")
	before, _ := s.GetWebhook(ctx, app.ID, w.ID, t0)
	rollBefore, _ := s.Rollups(ctx, w.ID, t0.Add(-time.Hour), t0.Add(60*24*time.Hour))

	cut := t0.Add(24 * time.Hour)
	var total store.Purged
	for range 20 {
		p, err := s.Purge(ctx, cut, 2)
		if err != nil {
			t.Fatal(err)
		}
		if p.Attempts > 2 || p.Deliveries > 2 || p.Events > 2 {
			t.Fatalf("one batch deleted %+v, more than 2 of a kind", p)
		}
		total.Add(p)
		if p.Total() == 0 && !p.More {
			break
		}
	}
	if total != (store.Purged{Attempts: 4, Deliveries: 4, Events: 4}) {
		t.Errorf("purged %+v, want 4 attempts, 4 deliveries, 4 events", total)
	}
	msgs, _ := s.ListMessages(ctx, app.ID, w.ID, store.MessageFilter{Limit: 10})
	if ids := messageIDs(msgs); !sameStrings(ids, []string{fresh[0].Event.ID, jobs[4].Event.ID}) {
		t.Errorf("messages left = %v, want the fresh one and the pending one", ids)
	}
	if _, err := s.GetEvent(ctx, app.ID, old[0].Event.ID); webhook.ErrorCode(err) != webhook.ENotFound {
		t.Errorf("purged event still readable: %v", err)
	}
	if calls, _, _ := s.ListCalls(ctx, app.ID, w.ID, store.CallQuery{Limit: 10}); len(calls) != 0 {
		t.Errorf("%d attempts left, want 0", len(calls))
	}
	after, _ := s.GetWebhook(ctx, app.ID, w.ID, t0)
	if !sameStats(after.Stats, before.Stats) {
		t.Errorf("counters changed by purge: %+v, were %+v", after.Stats, before.Stats)
	}
	rollAfter, _ := s.Rollups(ctx, w.ID, t0.Add(-time.Hour), t0.Add(60*24*time.Hour))
	if len(rollAfter) != len(rollBefore) || rollAfter[0] != rollBefore[0] {
		t.Errorf("rollups changed by purge: %+v, were %+v", rollAfter, rollBefore)
	}
	// The pending delivery is still claimable with its payload.
	if j, _ := s.Claim(ctx, t0.Add(51*24*time.Hour), time.Minute, 10); len(j) != 2 {
		t.Errorf("claim after purge = %d jobs, want 2 (the pending and the fresh)", len(j))
	}
}

// testPurgeReadsWindows keeps more rows before the cutoff than a batch (deliveries still open,
// and their events) ahead of rows that may go: each Purge call reads one batch of each kind,
// so the first deletes none of those deliveries and events but says there is more, and the
// calls that follow go on past the kept rows instead of reading them again. A retention round
// goes on until every kind has been read up to the cutoff. Rows kept in one sweep go in a
// later one once they may.
func testPurgeReadsWindows(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	const batch, kept, gone = 4, 13, 6
	open := sendAt(t, s, app.ID, t0, slices.Repeat([]string{"open"}, kept)...)
	final := sendAt(t, s, app.ID, t0.Add(time.Hour), slices.Repeat([]string{"final"}, gone)...)
	jobs, err := s.Claim(ctx, t0.Add(time.Hour), time.Hour, 100)
	if err != nil || len(jobs) != kept+gone {
		t.Fatalf("claimed %d (%v), want %d", len(jobs), err, kept+gone)
	}
	finalEvents := map[string]bool{}
	for _, c := range final {
		finalEvents[c.Event.ID] = true
	}
	var outs, later []store.Outcome
	for _, j := range jobs {
		o := attemptAt(j, 200, webhook.StatusDelivered, nil, t0.Add(time.Hour))
		if finalEvents[j.Event.ID] {
			outs = append(outs, o)
		} else {
			later = append(later, o) // leased: open until completed below
		}
	}
	if err := s.Complete(ctx, outs); err != nil {
		t.Fatal(err)
	}
	cut := t0.Add(24 * time.Hour)
	first, err := s.Purge(ctx, cut, batch)
	if err != nil {
		t.Fatal(err)
	}
	if first.Deliveries != 0 || first.Events != 0 || first.Attempts != batch || !first.More {
		t.Errorf("first call purged %+v; want %d attempts, no delivery or event (its window holds only open ones), and more to read", first, batch)
	}
	r := &store.Retention{Store: s, Batch: batch, Wait: time.Nanosecond, Age: time.Hour, Now: func() time.Time { return cut.Add(time.Hour) }}
	p, err := r.Once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.Add(first)
	if p != (store.Purged{Attempts: gone, Deliveries: gone, Events: gone}) {
		t.Errorf("retention purged %+v in all, want the %d final deliveries with their events and attempts", p, gone)
	}
	msgs, _ := s.ListMessages(ctx, app.ID, w.ID, store.MessageFilter{Limit: 100})
	if len(msgs) != kept {
		t.Errorf("%d messages left, want the %d open ones", len(msgs), kept)
	}
	for _, c := range open[:1] {
		if _, err := s.GetEvent(ctx, app.ID, c.Event.ID); err != nil {
			t.Errorf("an event an open delivery refers to: %v", err)
		}
	}
	// Delivered now: the next sweep of the same cutoff takes them.
	if err := s.Complete(ctx, later); err != nil {
		t.Fatal(err)
	}
	var total store.Purged
	for range 3 * (kept/batch + 1) {
		p, err := s.Purge(ctx, cut, batch)
		if err != nil {
			t.Fatal(err)
		}
		if p.Attempts > batch || p.Deliveries > batch || p.Events > batch {
			t.Fatalf("one call purged %+v, more than %d of a kind", p, batch)
		}
		total.Add(p)
		if total.Events == kept {
			break
		}
	}
	if total != (store.Purged{Attempts: kept, Deliveries: kept, Events: kept}) {
		t.Errorf("after the open deliveries ended, purged %+v, want %d of each", total, kept)
	}
}

// testCountersMatchLog drives random outcomes (retries, failures) from concurrent workers,
// with manual retries, a recover job and breaker holds between rounds, while retention
// deletes an older generation of deliveries. Then the counters and rollups must equal what
// the log says plus what retention removed: every delivery counts by its latest attempt, so
// sent = delivered + failed.
func testCountersMatchLog(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	hooks := []*webhook.Webhook{newWebhook(t, s, app.ID, nil), newWebhook(t, s, app.ID, nil)}
	// The old generation: 20 events 90 days ago, delivered at once, due for retention.
	const oldN = 20
	old := t0.Add(-90 * 24 * time.Hour)
	sendAt(t, s, app.ID, old, make([]string, oldN)...)
	oldJobs, err := s.Claim(ctx, old, time.Minute, 100)
	if err != nil || len(oldJobs) != 2*oldN {
		t.Fatalf("claim old = %d, %v", len(oldJobs), err)
	}
	var oldOuts []store.Outcome
	for _, j := range oldJobs {
		oldOuts = append(oldOuts, attemptAt(j, 200, webhook.StatusDelivered, nil, old))
	}
	if err := s.Complete(ctx, oldOuts); err != nil {
		t.Fatal(err)
	}

	types := make([]string, 60)
	for i := range types {
		types[i] = "t"
	}
	sent := sendAt(t, s, app.ID, t0, types...)
	breaker := store.Policy{BreakerThreshold: 4, BreakerCooldown: 30 * time.Minute}
	now := t0
	var mu sync.Mutex
	for round := 0; round < 12; round++ {
		now = now.Add(time.Hour)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		wg.Go(func() { // retention, concurrently with the workers
			if _, err := s.Purge(ctx, t0.Add(-60*24*time.Hour), 4); err != nil {
				errs <- err
			}
		})
		for worker := range 3 {
			rng := rand.New(rand.NewPCG(uint64(round), uint64(worker)))
			wg.Go(func() {
				jobs, err := s.Claim(ctx, now, 30*time.Minute, 15)
				if err != nil {
					errs <- err
					return
				}
				var outs []store.Outcome
				for _, j := range jobs {
					mu.Lock()
					r := rng.IntN(10)
					mu.Unlock()
					at := now.Add(time.Duration(r) * time.Minute)
					switch {
					case r < 4:
						outs = append(outs, attemptAt(j, 200, webhook.StatusDelivered, nil, at))
					case r < 6:
						outs = append(outs, attemptAt(j, 500, webhook.StatusFailed, nil, at))
					default:
						next := now.Add(time.Hour)
						outs = append(outs, attemptAt(j, 503, webhook.StatusRetrying, &next, at))
					}
				}
				if err := s.Complete(ctx, outs); err != nil {
					errs <- err
				}
				if _, err := s.Trip(ctx, []string{hooks[0].ID, hooks[1].ID}, breaker, now); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// An operator retries one delivery by hand, whatever it stands at.
		ev := sent[(round*7)%len(sent)].Event.ID
		if _, err := s.RetryDelivery(ctx, app.ID, hooks[round%2].ID, ev, now); err != nil {
			t.Fatal(err)
		}
		if round == 6 { // and recovers the first webhook's failures of the whole window
			job := &store.RecoverJob{ID: webhook.NewID(webhook.PrefixJob, now), AppID: app.ID, WebhookID: hooks[0].ID,
				Since: t0.Add(-time.Hour), Until: now, CreatedAt: now}
			if err := s.CreateRecover(ctx, job); err != nil {
				t.Fatal(err)
			}
			for done := false; !done; {
				if done, err = s.RecoverStep(ctx, job, 7, now, time.Minute); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for { // finish what retention has left of the old generation
		p, err := s.Purge(ctx, t0.Add(-60*24*time.Hour), 100)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total() == 0 && !p.More {
			break
		}
	}
	for _, h := range hooks {
		w, err := s.GetWebhook(ctx, app.ID, h.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		msgs, _ := s.ListMessages(ctx, app.ID, h.ID, store.MessageFilter{Limit: 1000})
		byOutcome := map[string]int64{}
		for _, d := range msgs {
			byOutcome[d.Outcome()]++
		}
		calls, nCalls, _ := s.ListCalls(ctx, app.ID, h.ID, store.CallQuery{Limit: 1000, Count: true})
		var ok, failed int64
		for _, c := range calls {
			if c.StatusCode == 200 {
				ok++
			} else {
				failed++
			}
		}
		if byOutcome[webhook.StatusFailed] == 0 || byOutcome[webhook.StatusDelivered] == 0 {
			t.Errorf("webhook %s: the log has %v; the drive should leave both delivered and failed deliveries", h.ID, byOutcome)
		}
		st := w.Stats
		st.Created, st.Delivered, st.Responses = st.Created-oldN, st.Delivered-oldN, st.Responses-oldN // what retention removed
		if st.Created != int64(len(msgs)) || st.Delivered != byOutcome[webhook.StatusDelivered] || st.Failed != byOutcome[webhook.StatusFailed] ||
			st.Pending() != byOutcome[webhook.StatusPending] || st.Responses != nCalls {
			t.Errorf("webhook %s: counters %+v, log has %d deliveries %v and %d attempts", h.ID, st, len(msgs), byOutcome, nCalls)
		}
		rs, _ := s.Rollups(ctx, h.ID, t0.Add(-time.Hour), now.Add(2*time.Hour))
		var sum store.Rollup
		for _, r := range rs {
			sum.Events += r.Events
			sum.Attempts += r.Attempts
			sum.Successes += r.Successes
			sum.Failures += r.Failures
			sum.Delivered += r.Delivered
			sum.Failed += r.Failed
		}
		if oldRs, _ := s.Rollups(ctx, h.ID, old.Add(-time.Hour), old.Add(time.Hour)); len(oldRs) != 1 || oldRs[0].Events != oldN || oldRs[0].Delivered != oldN {
			t.Errorf("webhook %s: rollups of the purged generation = %+v, want %d events delivered", h.ID, oldRs, oldN)
		}
		if sum.Events != st.Created || sum.Attempts != nCalls || sum.Successes != ok || sum.Failures != failed ||
			sum.Delivered != st.Delivered || sum.Failed != st.Failed {
			t.Errorf("webhook %s: rollups sum to %+v; log: %d attempts (%d ok, %d failed), counters %+v", h.ID, sum, nCalls, ok, failed, st)
		}
		if w.Stats.Last24hEvents != sum.Delivered+sum.Failed || w.Stats.Last24hFails != sum.Failed {
			t.Errorf("webhook %s: last 24 h = %d sent, %d failed; want all %d sent, %d failed (every delivery is from the last 24 h)",
				h.ID, w.Stats.Last24hEvents, w.Stats.Last24hFails, sum.Delivered+sum.Failed, sum.Failed)
		}
	}
}

func testRetentionJob(t *testing.T, s store.Store) {
	ctx := context.Background()
	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	sendAt(t, s, app.ID, t0, "a", "a", "a")
	jobs, _ := s.Claim(ctx, t0, time.Minute, 10)
	var outs []store.Outcome
	for _, j := range jobs {
		outs = append(outs, attemptAt(j, 200, webhook.StatusDelivered, nil, t0))
	}
	if err := s.Complete(ctx, outs); err != nil {
		t.Fatal(err)
	}
	young := sendAt(t, s, app.ID, t0.Add(59*24*time.Hour), "b")
	// A keyed event with no webhook to go to: its event and its idempotency key go too.
	keyed := store.NewEvent{AppID: newApp(t, s).ID, Type: "k", Payload: json.RawMessage(`{}`), IdempotencyKey: "once"}
	if _, err := s.CreateEvents(ctx, []store.NewEvent{keyed}, t0, nil); err != nil {
		t.Fatal(err)
	}
	r := &store.Retention{Store: s, Batch: 1, Wait: time.Nanosecond, Now: func() time.Time { return t0.Add(60*24*time.Hour + time.Minute) }}
	p, err := r.Once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p != (store.Purged{Attempts: 3, Deliveries: 3, Events: 4, IdempotencyKeys: 1}) {
		t.Errorf("purged %+v after 60 days, want 3 attempts, 3 deliveries, 4 events, 1 idempotency key", p)
	}
	msgs, _ := s.ListMessages(ctx, app.ID, w.ID, store.MessageFilter{Limit: 10})
	if ids := messageIDs(msgs); !sameStrings(ids, []string{young[0].Event.ID}) {
		t.Errorf("left %v, want only the 59-day-old message", ids)
	}
	if got, _ := s.GetWebhook(ctx, app.ID, w.ID, t0); got.Stats.Created != 4 || got.Stats.Delivered != 3 {
		t.Errorf("counters after retention = %+v, want total 4, delivered 3", got.Stats)
	}
	// Run stops with its context.
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil on cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop after cancel")
	}
}
