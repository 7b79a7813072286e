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
// (four batches of each kind), by store.Retention.Once with batches of 500 and no pauses.
// Reported per round: its time (ns/op), its Purge calls, their mean and the slowest one. A find that read the kept rows again at
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
	newWebhook(b, s, app.ID, nil)
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
	tp := &TimedPurge{Monitor: s}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		at := base.Add(time.Duration(i+1) * time.Minute)
		var outs []store.Outcome
		for _, j := range send(perRound, at) {
			outs = append(outs, attemptAt(j, 200, webhook.StatusDelivered, nil, at))
		}
		if err := s.Complete(ctx, outs); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		r := &store.Retention{Store: tp, Age: time.Hour, Batch: batch, Wait: time.Nanosecond, Now: func() time.Time { return at.Add(time.Hour + time.Second) }}
		round, err := r.Once(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if round.Deliveries != perRound || round.Events != perRound || round.Attempts != perRound {
			b.Fatalf("round %d purged %+v, want %d of each kind", i, round, perRound)
		}
	}
	b.ReportMetric(float64(tp.Calls)/float64(b.N), "purges/op")
	b.ReportMetric(float64(tp.Max.Microseconds())/1000, "max-purge-ms")
	b.ReportMetric(float64(tp.Took.Microseconds())/1000/float64(tp.Calls), "ms/purge")
}
