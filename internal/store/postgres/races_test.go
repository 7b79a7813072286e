package postgres_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/signature"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/postgres"
	"github.com/hookd/hookd/internal/store/postgres/pgtest"
	"github.com/hookd/hookd/internal/webhook"
)

// pgFixture is a store on a fresh schema with one app, and a raw connection for transactions
// of the test's own.
type pgFixture struct {
	url string
	s   store.Store
	raw *sql.DB
	app *webhook.App
	now time.Time
}

func newPGFixture(t *testing.T) *pgFixture { return newPGFixtureAt(t, pgtest.Schema(t)) }

// newPGFixtureAt is newPGFixture on the database or schema at url.
func newPGFixtureAt(t *testing.T, url string) *pgFixture {
	ctx := context.Background()
	f := &pgFixture{url: url, now: time.Now().Truncate(time.Millisecond)}
	f.s = f.open(t)
	raw, err := sql.Open("pgx", f.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	f.raw = raw
	f.app = &webhook.App{ID: webhook.NewID(webhook.PrefixApp, f.now), Name: "acme", CreatedAt: f.now}
	if err := f.s.CreateApp(ctx, f.app); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *pgFixture) open(t *testing.T) store.Store {
	s, err := postgres.Open(context.Background(), f.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func (f *pgFixture) webhook(t *testing.T, mod func(*webhook.Webhook)) *webhook.Webhook {
	w := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, f.now), AppID: f.app.ID, Name: "hook", URL: "https://example.com/hook",
		Active: true, Secret: signature.NewSecret(), CreatedAt: f.now, UpdatedAt: f.now}
	mod(w)
	if err := f.s.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

// stmt is one statement of a transaction a test takes step by step.
type stmt struct {
	sql  string
	args []any
}

// execAll runs stmts in tx, in order.
func execAll(t *testing.T, tx *sql.Tx, stmts ...stmt) {
	t.Helper()
	for _, q := range stmts {
		if _, err := tx.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *pgFixture) send(t *testing.T, at time.Time) {
	if _, err := f.s.CreateEvents(context.Background(), []store.NewEvent{{AppID: f.app.ID, Type: "a", Payload: json.RawMessage(`{}`)}}, at, nil); err != nil {
		t.Fatal(err)
	}
}

// An ordered webhook's head H succeeds while a claim of the next delivery N holds the webhook
// row, has read H as still open and parks N: H's completion must wait for that claim and then
// let N go, or N (and the whole line behind it) stays parked for good.
func TestOrderedLineMovesPastAClaim(t *testing.T) {
	ctx := context.Background()
	f := newPGFixture(t)
	w := f.webhook(t, func(w *webhook.Webhook) { w.Ordered = true })
	f.send(t, f.now)
	jobs, err := f.s.Claim(ctx, f.now, time.Minute, 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim of the head = %d, %v", len(jobs), err)
	}
	head := jobs[0]
	t1 := f.now.Add(time.Millisecond)
	f.send(t, t1)
	var n string
	if err := f.raw.QueryRow(`SELECT id FROM deliveries WHERE webhook_id = $1 AND id <> $2`, w.ID, head.DeliveryID).Scan(&n); err != nil {
		t.Fatal(err)
	}

	// The claim of N, step by step as Claim and controlWebhook take it: lease N, hold the
	// webhook row, read the head (open), park N.
	claim, err := f.raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer claim.Rollback()
	execAll(t, claim,
		stmt{`UPDATE queue SET next_at = $1, lease = lease + 1, leased = 1 WHERE delivery_id = $2`, []any{t1.Add(time.Minute).UnixMilli(), n}},
		stmt{`UPDATE webhooks SET throttle_us = throttle_us WHERE id = $1`, []any{w.ID}},
		stmt{`UPDATE queue SET next_at = NULL, leased = 0 WHERE delivery_id = $1 AND (SELECT status FROM deliveries WHERE id = $2) = 'pending'`, []any{n, head.DeliveryID}})

	done := make(chan error, 1)
	go func() {
		a := &webhook.Attempt{ID: webhook.NewID(webhook.PrefixAttempt, t1), DeliveryID: head.DeliveryID, WebhookID: w.ID, AppID: f.app.ID,
			EventID: head.Event.ID, Number: 1, Trigger: webhook.TriggerScheduled, StatusCode: 200, DurationMS: 1,
			RequestHeaders: map[string]string{}, ResponseHeaders: map[string]string{}, CreatedAt: t1}
		done <- f.s.Complete(ctx, []store.Outcome{{Job: head, Attempt: a, Status: webhook.StatusDelivered}})
	}()
	select {
	case err := <-done:
		t.Errorf("the head's completion did not wait for the claim holding the webhook row (err %v)", err)
		done <- err
	case <-time.After(500 * time.Millisecond):
	}
	if err := claim.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, err := f.s.Claim(ctx, t1.Add(time.Minute), time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].DeliveryID != n {
		var next sql.NullInt64
		_ = f.raw.QueryRow(`SELECT next_at FROM queue WHERE delivery_id = $1`, n).Scan(&next)
		t.Fatalf("claim after the head ended = %d jobs, %v; want N (its next_at: %v)", len(got), err, next)
	}
}

// A claim that rolled back remembers the leases it would have taken; another instance then
// claims the same delivery with the same lease number. Giving back the lost leases must not
// take that other instance's delivery from under it.
func TestLostLeaseIsOnlyOurs(t *testing.T) {
	ctx := context.Background()
	f := newPGFixture(t)
	a, b := f.s, f.open(t)
	for _, s := range []store.Store{a, b} {
		if _, err := s.Register(ctx, f.now); err != nil {
			t.Fatal(err)
		}
	}
	w := f.webhook(t, func(w *webhook.Webhook) { w.RateLimit = 1000 }) // its claims take the webhook row
	f.send(t, f.now)

	hold, err := f.raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hold.Exec(`SELECT 1 FROM webhooks WHERE id = $1 FOR UPDATE`, w.ID); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	_, err = a.Claim(short, f.now, time.Minute, 10)
	cancel()
	if err == nil {
		t.Fatal("A's claim went through the held webhook row: this test would see nothing")
	}
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	// B claims it once A's cancelled transaction has let go of the row (SKIP LOCKED until then).
	var got []store.Job
	for deadline := time.Now().Add(5 * time.Second); len(got) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got, err = b.Claim(ctx, f.now, time.Minute, 10); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 1 {
		t.Fatalf("B's claim = %d; want the delivery", len(got))
	}
	again, err := a.Claim(ctx, f.now.Add(time.Second), time.Minute, 10)
	if err != nil || len(again) != 0 {
		t.Errorf("A's next claim = %d jobs, %v; want none: B holds the delivery (lease %d)", len(again), err, got[0].Lease)
	}
}

// A claim holds a delivery and its webhook's row and parks the delivery (a paused webhook, an
// open breaker, an ordered line) while the webhook is being deleted: the delete skips the held row, waits for the webhook row, and
// must then take the parked delivery too, or it stays for good (never due, never purged).
func TestDeletedWebhookLeavesNoParkedDelivery(t *testing.T) {
	ctx := context.Background()
	f := newPGFixture(t)
	w := f.webhook(t, func(w *webhook.Webhook) {})
	f.send(t, f.now)
	f.send(t, f.now)
	var held string
	if err := f.raw.QueryRow(`SELECT id FROM deliveries WHERE webhook_id = $1 ORDER BY id LIMIT 1`, w.ID).Scan(&held); err != nil {
		t.Fatal(err)
	}
	claim, err := f.raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer claim.Rollback()
	execAll(t, claim,
		stmt{`UPDATE queue SET next_at = $1, lease = lease + 1, leased = 1 WHERE delivery_id = $2`, []any{f.now.Add(time.Minute).UnixMilli(), held}},
		stmt{`UPDATE webhooks SET throttle_us = throttle_us WHERE id = $1`, []any{w.ID}})
	done := make(chan error, 1)
	go func() { done <- f.s.DeleteWebhook(ctx, f.app.ID, w.ID) }()
	select {
	case err := <-done:
		t.Fatalf("the delete did not wait for the claim holding the webhook row (err %v)", err)
	case <-time.After(500 * time.Millisecond):
	}
	// The delivery is parked, as controlWebhook does, and the claim ends.
	if _, err := claim.Exec(`UPDATE queue SET next_at = NULL, leased = 0 WHERE delivery_id = $1`, held); err != nil {
		t.Fatal(err)
	}
	if err := claim.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var left int
	if err := f.raw.QueryRow(`SELECT (SELECT count(*) FROM deliveries WHERE webhook_id = $1) + (SELECT count(*) FROM queue WHERE webhook_id = $1)`, w.ID).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d deliveries or queue rows of the deleted webhook left (%v), want none", left, err)
	}
}

// TestDeleteWebhookSkipsAHeldDelivery: a delivery whose log row another transaction holds (a
// recover or a retry that locked it, waiting for the webhook row) does not hold up the
// webhook's delete, which would then wait for it while holding the webhook row (a deadlock).
// The delivery stays whole, queue row and log row, and the first claim that finds it with its
// webhook gone deletes both.
func TestDeleteWebhookSkipsAHeldDelivery(t *testing.T) {
	ctx := context.Background()
	f := newPGFixture(t)
	w := f.webhook(t, func(w *webhook.Webhook) {})
	f.send(t, f.now)
	var held string
	if err := f.raw.QueryRow(`SELECT id FROM deliveries WHERE webhook_id = $1`, w.ID).Scan(&held); err != nil {
		t.Fatal(err)
	}
	holder, err := f.raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	execAll(t, holder, stmt{`SELECT 1 FROM deliveries WHERE id = $1 FOR UPDATE`, []any{held}})
	done := make(chan error, 1)
	go func() { done <- f.s.DeleteWebhook(ctx, f.app.ID, w.ID) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the delete waited for a delivery row another transaction holds")
	}
	if err := holder.Rollback(); err != nil {
		t.Fatal(err)
	}
	count := func() (n int) {
		if err := f.raw.QueryRow(`SELECT (SELECT count(*) FROM deliveries WHERE id = $1) + (SELECT count(*) FROM queue WHERE delivery_id = $1)`, held).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 2 {
		t.Fatalf("the held delivery has %d of its queue and log rows after the delete, want both", n)
	}
	if jobs, err := f.s.Claim(ctx, f.now.Add(time.Second), time.Minute, 10); err != nil || len(jobs) != 0 {
		t.Fatalf("claim = %d jobs, %v; want none (the webhook is gone)", len(jobs), err)
	}
	if n := count(); n != 0 {
		t.Errorf("the deleted webhook's delivery has %d rows left after a claim, want none", n)
	}
}

// TestClaimDropsAQueueRowWithoutADelivery: a queue row whose delivery is gone is not leased
// over and over: the claim that finds it deletes it.
func TestClaimDropsAQueueRowWithoutADelivery(t *testing.T) {
	ctx := context.Background()
	f := newPGFixture(t)
	w := f.webhook(t, func(w *webhook.Webhook) {})
	stray := webhook.NewID(webhook.PrefixDelivery, f.now)
	if _, err := f.raw.Exec(`INSERT INTO queue (delivery_id, webhook_id, next_at) VALUES ($1, $2, $3)`, stray, w.ID, f.now.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	if jobs, err := f.s.Claim(ctx, f.now, time.Minute, 10); err != nil || len(jobs) != 0 {
		t.Fatalf("claim = %d jobs, %v; want none", len(jobs), err)
	}
	var n int
	if err := f.raw.QueryRow(`SELECT count(*) FROM queue WHERE delivery_id = $1`, stray).Scan(&n); err != nil || n != 0 {
		t.Errorf("the stray queue row is still there (%d, %v)", n, err)
	}
}

// TestRecoverLocksOnlyWhatItRequeues: a recover step skips a retrying delivery whose queue
// row another transaction holds (a completion writing it) and must not lock its log row
// either: the completion takes that row next. Here the step waits for the webhook row
// (held by the test) after requeueing a failed delivery; meanwhile the skipped delivery's
// log row is free.
func TestRecoverLocksOnlyWhatItRequeues(t *testing.T) {
	ctx := context.Background()
	f := newPGFixture(t)
	w := f.webhook(t, func(w *webhook.Webhook) {})
	f.send(t, f.now)
	f.send(t, f.now.Add(time.Millisecond))
	jobs, err := f.s.Claim(ctx, f.now.Add(time.Second), time.Minute, 10)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("claim = %d, %v", len(jobs), err)
	}
	at := f.now.Add(time.Second)
	retry := at.Add(time.Hour)
	var outs []store.Outcome
	for i, j := range jobs {
		a := &webhook.Attempt{ID: webhook.NewID(webhook.PrefixAttempt, at), DeliveryID: j.DeliveryID, WebhookID: w.ID, AppID: f.app.ID,
			EventID: j.Event.ID, Number: 1, Trigger: webhook.TriggerScheduled, StatusCode: 500, DurationMS: 1, Cause: webhook.CauseHTTP, Error: "HTTP 500",
			RequestHeaders: map[string]string{}, ResponseHeaders: map[string]string{}, CreatedAt: at}
		o := store.Outcome{Job: j, Attempt: a, Status: webhook.StatusFailed}
		if i == 0 {
			o.Status, o.NextAt = webhook.StatusRetrying, &retry
		}
		outs = append(outs, o)
	}
	if err := f.s.Complete(ctx, outs); err != nil {
		t.Fatal(err)
	}
	retrying, failed := jobs[0].DeliveryID, jobs[1].DeliveryID

	job := &store.RecoverJob{ID: webhook.NewID(webhook.PrefixJob, at), AppID: f.app.ID, WebhookID: w.ID,
		Since: f.now.Add(-time.Hour), Until: at.Add(time.Hour), CreatedAt: at}
	if err := f.s.CreateRecover(ctx, job); err != nil || job.Total != 2 {
		t.Fatalf("recover job = %+v, %v; want 2 failed deliveries", job, err)
	}
	completion, err := f.raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer completion.Rollback()
	execAll(t, completion, stmt{`SELECT 1 FROM queue WHERE delivery_id = $1 FOR UPDATE`, []any{retrying}})
	hook, err := f.raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hook.Rollback()
	execAll(t, hook, stmt{`SELECT 1 FROM webhooks WHERE id = $1 FOR UPDATE`, []any{w.ID}})

	done := make(chan error, 1)
	go func() {
		claimed, err := f.s.ClaimRecover(ctx, at, time.Minute)
		if err == nil && claimed == nil {
			err = errors.New("no recover job to claim")
		}
		if err == nil {
			_, err = f.s.RecoverStep(ctx, claimed, 10, at, time.Minute)
		}
		done <- err
	}()
	// The step reopens the failed delivery and then waits for the webhook row (its finished
	// count); the retrying one's log row is the completion's to take.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting bool
		if err := f.raw.QueryRow(`SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
			AND query LIKE 'UPDATE webhooks SET finished%')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the recover step never reached the webhook row")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := completion.Exec(`SET LOCAL lock_timeout = '2s'`); err != nil {
		t.Fatal(err)
	}
	if _, err := completion.Exec(`UPDATE deliveries SET attempts = attempts WHERE id = $1`, retrying); err != nil {
		t.Errorf("the completion could not take the skipped delivery's log row: %v", err)
	}
	if err := completion.Commit(); err != nil && !strings.Contains(err.Error(), "abort") {
		t.Fatal(err)
	}
	if err := hook.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var status string
	if err := f.raw.QueryRow(`SELECT status FROM deliveries WHERE id = $1`, failed).Scan(&status); err != nil || status != webhook.StatusPending {
		t.Errorf("the failed delivery is %q after the recover (%v), want pending", status, err)
	}
}

// TestDeleteWebhookGoesPastAHeldBatch: the delete takes a webhook's queue a batch at a time;
// a first batch whose log rows are all held by another transaction is skipped, not the end
// of the delete: the deliveries after it go.
func TestDeleteWebhookGoesPastAHeldBatch(t *testing.T) {
	ctx := context.Background()
	f := newPGFixture(t)
	w := f.webhook(t, func(w *webhook.Webhook) {})
	evs := make([]store.NewEvent, 201)
	for i := range evs {
		evs[i] = store.NewEvent{AppID: f.app.ID, Type: "a", Payload: json.RawMessage(`{}`)}
	}
	if _, err := f.s.CreateEvents(ctx, evs, f.now, nil); err != nil {
		t.Fatal(err)
	}
	holder, err := f.raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	execAll(t, holder, stmt{`SELECT 1 FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE webhook_id = $1 ORDER BY id LIMIT 200) FOR UPDATE`, []any{w.ID}})
	if err := f.s.DeleteWebhook(ctx, f.app.ID, w.ID); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := f.raw.QueryRow(`SELECT count(*) FROM queue WHERE webhook_id = $1`, w.ID).Scan(&left); err != nil || left != 200 {
		t.Errorf("%d queue rows left after the delete (%v), want the 200 held ones", left, err)
	}
}
