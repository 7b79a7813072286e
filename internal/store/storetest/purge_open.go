package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// purgePastOpenEnd is the time of the last round of PurgePastOpen's last run.
var purgePastOpenEnd time.Time

// PurgePastOpen is what the stores' BenchmarkPurgePastOpen share: retention rounds on a log
// whose oldest rows are open deliveries (a receiver down for days: its deliveries retry, or
// wait behind its breaker), open of them with their events, all before the cutoff and kept.
// After them each round has 2000 final deliveries, with their events and attempts, to delete
// (four batches of each kind). Reported per round: the time of its Purge calls (ns/op, batch
// 500, no pauses), the calls and the slowest one. A find that read the kept rows again at
// every call would cost open rows a call.
func PurgePastOpen(b *testing.B, s store.Store, open int) {
	const perRound, batch = 2000, store.DefaultPurgeBatch
	ctx := context.Background()
	// Ids are made in order within a process (webhook.NewID): a run starts past the last one's rounds.
	base := time.Now().Add(-90 * 24 * time.Hour).Truncate(time.Millisecond)
	if next := purgePastOpenEnd.Add(time.Minute); base.Before(next) {
		base = next
	}
	purgePastOpenEnd = base.Add(time.Duration(b.N) * time.Minute)
	app := newApp(b, s)
	w := newWebhook(b, s, app.ID, nil)
	// send makes n events at `at` and claims their deliveries, leased for a year.
	send := func(n int, at time.Time) []store.Job {
		for done := 0; done < n; done += 1000 {
			evs := make([]store.NewEvent, min(1000, n-done))
			for i := range evs {
				evs[i] = store.NewEvent{AppID: app.ID, Type: "invoice.paid", Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, done+i))}
			}
			if _, err := s.CreateEvents(ctx, evs, at, nil); err != nil {
				b.Fatal(err)
			}
		}
		var jobs []store.Job
		for len(jobs) < n {
			got, err := s.Claim(ctx, at, 365*24*time.Hour, 1000)
			if err != nil || len(got) == 0 {
				b.Fatalf("claimed %d of %d: %v", len(jobs), n, err)
			}
			jobs = append(jobs, got...)
		}
		return jobs
	}
	send(open, base) // never completed: open for a year
	var calls int
	var slowest, took time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		at := base.Add(time.Duration(i+1) * time.Minute)
		var outs []store.Outcome
		for _, j := range send(perRound, at) {
			a := &webhook.Attempt{ID: webhook.NewID(webhook.PrefixAttempt, at), DeliveryID: j.DeliveryID, WebhookID: w.ID, AppID: app.ID,
				EventID: j.Event.ID, Number: 1, Trigger: webhook.TriggerScheduled, StatusCode: 200, DurationMS: 12.5, ResponseBody: "ok", CreatedAt: at}
			outs = append(outs, store.Outcome{Job: j, Attempt: a, Status: webhook.StatusDelivered})
		}
		if err := s.Complete(ctx, outs); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		var round store.Purged
		for {
			start := time.Now()
			p, err := s.Purge(ctx, at.Add(time.Second), batch)
			d := time.Since(start)
			if err != nil {
				b.Fatal(err)
			}
			calls++
			took += d
			slowest = max(slowest, d)
			round.Add(p)
			if p.Total() == 0 && !p.More {
				break
			}
		}
		if round.Deliveries != perRound || round.Events != perRound || round.Attempts != perRound {
			b.Fatalf("round %d purged %+v, want %d of each kind", i, round, perRound)
		}
	}
	b.ReportMetric(float64(calls)/float64(b.N), "purges/op")
	b.ReportMetric(float64(slowest.Microseconds())/1000, "max-purge-ms")
	b.ReportMetric(float64(took.Microseconds())/1000/float64(calls), "ms/purge")
}
