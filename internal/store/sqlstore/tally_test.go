package sqlstore

import (
	"reflect"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

func TestTally(t *testing.T) {
	hour := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	evAt, at := hour.Add(-2*time.Hour+time.Minute), hour.Add(5*time.Minute) // events two hours before their attempts
	ordered := &webhook.Webhook{ID: "wh_o", Ordered: true}
	plain := &webhook.Webhook{ID: "wh_p"}
	out := func(w *webhook.Webhook, delivery, counted string, code int, next *time.Time, typ string, sec int) store.Outcome {
		a := &webhook.Attempt{DeliveryID: delivery, WebhookID: w.ID, StatusCode: code, DurationMS: 10, CreatedAt: at.Add(time.Duration(sec) * time.Second)}
		if code == 0 || code >= 300 {
			a.Error = "failed"
		}
		return store.Outcome{Job: store.Job{DeliveryID: delivery, Webhook: w, Counted: counted, Event: &webhook.Event{Type: typ, CreatedAt: evAt}},
			Attempt: a, NextAt: next}
	}
	later := at.Add(time.Hour)
	outcomes := []store.Outcome{
		out(plain, "d1", webhook.StatusPending, 200, nil, "a", 0),                            // delivered
		out(plain, "d2", webhook.StatusPending, 500, &later, "a", 1),                         // failed, retrying
		out(plain, "d3", webhook.StatusFailed, 0, nil, "a", 2),                               // failed again, for good: no response time
		out(plain, "d4", webhook.StatusPending, 200, nil, "a", 3),                            // lease lost: nothing moves
		out(ordered, "o2", webhook.StatusPending, 200, nil, "a", 0),                          // the line's head ends
		out(ordered, "o1", webhook.StatusDelivered, 503, nil, "a", 4),                        // an older one retried and exhausted
		out(ordered, "o3", webhook.StatusPending, 500, nil, webhook.EventWebhookDisabled, 5), // operational: no exhausted notice
	}
	moved := []bool{true, true, true, false, true, true, true}
	got := tally(outcomes, moved)

	attemptHour, eventHour := hourOf(at), hourOf(evAt)
	wantCounts := counts{
		{"wh_p", attemptHour}: {Rollup: store.Rollup{Attempts: 3, Successes: 1, Failures: 2, RTSumMS: 20, RTCount: 2}, finished: 2, last: ms(at.Add(2 * time.Second))},
		{"wh_p", eventHour}:   {Rollup: store.Rollup{Delivered: 1, Failed: 1}},
		{"wh_o", attemptHour}: {Rollup: store.Rollup{Attempts: 3, Successes: 1, Failures: 2, RTSumMS: 30, RTCount: 3}, finished: 3, last: ms(at.Add(5 * time.Second))},
		{"wh_o", eventHour}:   {Rollup: store.Rollup{Delivered: 0, Failed: 2}}, // o2 pending → delivered, o1 delivered → failed, o3 pending → failed
	}
	if !reflect.DeepEqual(got.counts, wantCounts) {
		for k, d := range got.counts {
			t.Logf("got %v: %+v", k, *d)
		}
		t.Errorf("counts differ from %v", wantCounts)
	}
	if h := got.health["wh_p"]; h == nil || h.succeeded != true || h.failuresSince != 2 || h.failingSince.Int64 != ms(at.Add(time.Second)) ||
		h.firstFailure.Int64 != ms(at.Add(time.Second)) {
		t.Errorf("health of wh_p = %+v; want succeeded, then 2 failures since %v", h, at.Add(time.Second))
	}
	if end := got.lines["wh_o"]; end.after != "o1" || end.at != ms(at.Add(5*time.Second)) || len(got.lines) != 1 {
		t.Errorf("lines = %+v; want wh_o's after o1, at its last attempt", got.lines)
	}
	var exhausted []string
	for _, o := range got.exhausted {
		exhausted = append(exhausted, o.Job.DeliveryID)
	}
	if !reflect.DeepEqual(exhausted, []string{"d3", "o1"}) {
		t.Errorf("exhausted = %v, want d3 and o1 (not the operational o3, not the retrying d2)", exhausted)
	}
}
