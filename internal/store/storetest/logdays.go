package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// LogDays checks a store that keeps attempts and events in day partitions (PostgreSQL):
// partitions reads the names of a table's partitions. The coming days' partitions are ready
// when the store opens and as PrepareLog moves on; retention drops a past day of attempts
// whole, keeps a day of events some open delivery refers to (deleting its other events only
// a day later, by batches), and drops it once nothing refers to it; nothing younger goes, and
// an open delivery keeps its payload throughout.
func LogDays(t *testing.T, s store.Store, partitions func(t *testing.T, table string) []string) {
	ctx := context.Background()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	name := func(table string, d time.Time) string { return table + "_" + d.Format("20060102") }
	for _, table := range []string{"attempts", "events"} {
		got := partitions(t, table)
		for d := today.AddDate(0, 0, 1); d.Before(today.AddDate(0, 0, 8)); d = d.AddDate(0, 0, 1) {
			if !slices.Contains(got, name(table, d)) {
				t.Fatalf("%s partitions = %v, want %s ready (a week ahead)", table, got, name(table, d))
			}
		}
	}
	if err := s.PrepareLog(ctx, time.Now().AddDate(0, 0, 3)); err != nil {
		t.Fatal(err)
	}
	if got := partitions(t, "attempts"); !slices.Contains(got, name("attempts", today.AddDate(0, 0, 10))) {
		t.Fatalf("attempts partitions = %v after preparing 3 days on, want %s", got, name("attempts", today.AddDate(0, 0, 10)))
	}

	app := newApp(t, s)
	w := newWebhook(t, s, app.ID, nil)
	day1, day2 := today.AddDate(0, 0, 1).Add(12*time.Hour), today.AddDate(0, 0, 2).Add(12*time.Hour)
	first := sendAt(t, s, app.ID, day1, "a", "a", "a")
	deliver := func(at time.Time, keepOpen string) {
		t.Helper()
		jobs, err := s.Claim(ctx, at, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		var outs []store.Outcome
		for _, j := range jobs {
			if j.Event.ID == keepOpen {
				next := at.AddDate(1, 0, 0)
				outs = append(outs, attemptAt(j, 500, webhook.StatusRetrying, &next, at))
				continue
			}
			outs = append(outs, attemptAt(j, 200, webhook.StatusDelivered, nil, at))
		}
		if err := s.Complete(ctx, outs); err != nil {
			t.Fatal(err)
		}
	}
	open := first[2].Event.ID
	deliver(day1, open)
	second := sendAt(t, s, app.ID, day2, "b", "b")
	deliver(day2, "")

	purge := func(before time.Time) store.Purged {
		t.Helper()
		var total store.Purged
		for {
			p, err := s.Purge(ctx, before, 1)
			if err != nil {
				t.Fatal(err)
			}
			total.Add(p)
			if p.Total() == 0 {
				return total
			}
		}
	}
	left := func(want ...string) {
		t.Helper()
		msgs, err := s.ListMessages(ctx, app.ID, w.ID, store.MessageFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if got := messageIDs(msgs); !sameStrings(got, want) {
			t.Errorf("messages left = %v, want %v", got, want)
		}
	}

	// Day 1 is past: its attempts go whole, its two delivered deliveries by batches; its
	// events stay, one of them being where the open delivery reads its payload. The history
	// partitions (empty: made before day 1) stay, for ids older than every day.
	if p := purge(day2.Add(-time.Hour)); p != (store.Purged{Deliveries: 2, Partitions: 1}) {
		t.Errorf("purge past day 1 = %+v, want its 2 final deliveries and its attempts' partition", p)
	}
	if got := partitions(t, "attempts"); slices.Contains(got, name("attempts", day1)) || !slices.Contains(got, name("attempts", day2)) {
		t.Errorf("attempts partitions = %v, want day 1 dropped, day 2 kept", got)
	}
	if calls, _, _ := s.ListCalls(ctx, app.ID, w.ID, store.CallQuery{Limit: 10}); len(calls) != 2 {
		t.Errorf("%d attempts left, want day 2's 2", len(calls))
	}
	left(second[1].Event.ID, second[0].Event.ID, open)
	if _, err := s.GetEvent(ctx, app.ID, first[0].Event.ID); err != nil {
		t.Errorf("an event of day 1 = %v, want kept while a delivery refers to its day", err)
	}

	// A day later day 1 still cannot go: its unreferenced events go by batches. Day 2 is
	// past: its attempts go whole, its deliveries by batches, and then its events whole.
	if p := purge(day2.AddDate(0, 0, 1).Add(-time.Hour)); p != (store.Purged{Deliveries: 2, Events: 2, Partitions: 2}) {
		t.Errorf("purge past day 2 = %+v, want day 2's 2 deliveries, day 1's 2 unreferenced events, day 2's two partitions", p)
	}
	for _, e := range first[:2] {
		if _, err := s.GetEvent(ctx, app.ID, e.Event.ID); webhook.ErrorCode(err) != webhook.ENotFound {
			t.Errorf("unreferenced event of day 1 = %v, want gone", err)
		}
	}
	left(open)
	jobs, err := s.Claim(ctx, day1.AddDate(1, 0, 1), time.Minute, 10)
	if err != nil || len(jobs) != 1 || string(jobs[0].Event.Payload) != `{"n":2}` {
		t.Fatalf("claim of the open delivery = %+v, %v; want it with its payload", jobs, err)
	}

	// Once the open delivery is final and gone, its event goes (by batches: day 1 is over a
	// day past), and day 1's partition with it.
	if err := s.Complete(ctx, []store.Outcome{attemptAt(jobs[0], 200, webhook.StatusDelivered, nil, day2.AddDate(0, 0, 1))}); err != nil {
		t.Fatal(err)
	}
	if p := purge(day2.AddDate(0, 0, 1).Add(time.Hour)); p != (store.Purged{Deliveries: 1, Events: 1, Partitions: 1}) {
		t.Errorf("purge after the last delivery = %+v, want it, its event and day 1's events' partition", p)
	}
	if got := partitions(t, "events"); slices.Contains(got, name("events", day1)) || slices.Contains(got, name("events", day2)) ||
		!slices.Contains(got, name("events", day2.AddDate(0, 0, 1))) {
		t.Errorf("events partitions = %v, want days 1 and 2 dropped, day 3 kept", got)
	}
	left()
}
