package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// QueueUpgrade checks the migration that moves the open queue out of the deliveries table.
// before is a store migrated up to just before it, over db; open migrates the same database
// and returns the store. Four deliveries are written as that schema held them (delivered;
// retrying, due soon, lease 3; pending, leased by instance 7; pending, parked, manual): the
// three open ones must be in the queue as they were, and go on from there.
func QueueUpgrade(t *testing.T, before store.Store, db *sql.DB, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	app := newApp(t, before)
	w := newWebhook(t, before, app.ID, nil)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	type old struct {
		status              string
		attempts, lease     int
		leased, manual      int
		next, last, code    string
		lastError, deliID   string
		eventID             string
		wantNext, wantQueue bool
	}
	rows := []*old{
		{status: webhook.StatusDelivered, attempts: 1, lease: 1, next: "NULL", last: fmt.Sprint(at(0).UnixMilli()), code: "200"},
		{status: webhook.StatusRetrying, attempts: 1, lease: 3, next: fmt.Sprint(t0.Add(time.Minute).UnixMilli()), last: fmt.Sprint(at(1).UnixMilli()),
			code: "500", lastError: "receiver answered HTTP 500", wantNext: true, wantQueue: true},
		{status: webhook.StatusPending, lease: 1, leased: 7, next: fmt.Sprint(t0.Add(5 * time.Minute).UnixMilli()), last: "NULL", code: "0", wantNext: true, wantQueue: true},
		{status: webhook.StatusPending, manual: 1, next: "NULL", last: "NULL", code: "0", wantQueue: true},
	}
	for i, r := range rows {
		r.eventID, r.deliID = webhook.NewID(webhook.PrefixEvent, at(i)), webhook.NewID(webhook.PrefixDelivery, at(i))
		for _, q := range []string{
			fmt.Sprintf(`INSERT INTO events (id, app_id, type, payload, created_at) VALUES ('%s', '%s', 'order.paid', '{"n":%d}', %d)`,
				r.eventID, app.ID, i, at(i).UnixMilli()),
			fmt.Sprintf(`INSERT INTO deliveries (id, app_id, webhook_id, event_id, event_type, status, attempts, next_at, lease, leased, manual,
				created_at, last_at, response_code, last_error) VALUES ('%s', '%s', '%s', '%s', 'order.paid', '%s', %d, %s, %d, %d, %d, %d, %s, %s, '%s')`,
				r.deliID, app.ID, w.ID, r.eventID, r.status, r.attempts, r.next, r.lease, r.leased, r.manual, at(i).UnixMilli(), r.last, r.code, r.lastError),
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	s := open(t)

	type queued struct {
		next                  sql.NullInt64
		lease, leased, manual int
	}
	queue := func() map[string]queued {
		got := map[string]queued{}
		qr, err := db.QueryContext(ctx, `SELECT delivery_id, next_at, lease, leased, manual FROM queue`)
		if err != nil {
			t.Fatal(err)
		}
		defer qr.Close()
		for qr.Next() {
			var id string
			var q queued
			if err := qr.Scan(&id, &q.next, &q.lease, &q.leased, &q.manual); err != nil {
				t.Fatal(err)
			}
			got[id] = q
		}
		return got
	}
	got := queue()
	for _, r := range rows {
		q, ok := got[r.deliID]
		if ok != r.wantQueue {
			t.Errorf("%s delivery in the queue: %v, want %v", r.status, ok, r.wantQueue)
			continue
		}
		if ok && (q.lease != r.lease || q.leased != r.leased || q.manual != r.manual || fmt.Sprint(q.next.Int64) != r.next && q.next.Valid) {
			t.Errorf("%s delivery's queue row = %+v, want next_at %s, lease %d, leased %d, manual %d", r.status, q, r.next, r.lease, r.leased, r.manual)
		}
		ev, err := s.GetEvent(ctx, app.ID, r.eventID)
		if err != nil || len(ev.Deliveries) != 1 {
			t.Fatalf("event after the upgrade = %+v, %v", ev, err)
		}
		if d := ev.Deliveries[0]; d.Status != r.status || d.Attempts != r.attempts || (d.NextAt != nil) != r.wantNext {
			t.Errorf("delivery after the upgrade = %s, %d attempts, next %v; want %s, %d, next set %v", d.Status, d.Attempts, d.NextAt, r.status, r.attempts, r.wantNext)
		}
	}

	// The retrying one is due first and leases on from 3; the leased one waits for its lease.
	retrying := rows[1]
	jobs, err := s.Claim(ctx, t0.Add(2*time.Minute), time.Minute, 10)
	if err != nil || len(jobs) != 1 || jobs[0].DeliveryID != retrying.deliID || jobs[0].Lease != 4 || jobs[0].Attempts != 1 {
		t.Fatalf("claim after the upgrade = %+v, %v; want the retrying delivery, lease 4, 1 attempt made", jobs, err)
	}
	if err := s.Complete(ctx, []store.Outcome{outcome(jobs[0], 200, webhook.StatusDelivered, nil)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := queue()[retrying.deliID]; ok {
		t.Errorf("a delivered delivery is still in the queue")
	}
	// Reopened, it leases on past every lease it had: an attempt of lease 4 still in flight
	// cannot complete it.
	if _, err := s.RetryDelivery(ctx, app.ID, w.ID, retrying.eventID, t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	jobs, err = s.Claim(ctx, t0.Add(3*time.Minute), time.Minute, 10)
	if err != nil || len(jobs) != 1 || jobs[0].DeliveryID != retrying.deliID || jobs[0].Lease <= 4 || jobs[0].Attempts != 2 {
		t.Fatalf("claim after a retry = %+v, %v; want the delivery again, a lease past 4, 2 attempts made", jobs, err)
	}
	stale := outcome(jobs[0], 200, webhook.StatusDelivered, nil)
	stale.Job.Lease = 4
	if err := s.Complete(ctx, []store.Outcome{stale}); err != nil {
		t.Fatal(err)
	}
	if _, ok := queue()[retrying.deliID]; !ok {
		t.Errorf("an outcome of an earlier lease completed the reopened delivery")
	}
}
