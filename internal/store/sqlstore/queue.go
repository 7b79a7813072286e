package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Claim leases up to limit due deliveries. The lease is next_at itself: a claimed delivery
// becomes due again when the lease ends, which is how a crashed worker's work comes back.
func (s *Store) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Job, error) {
	if s.probes.sweep(now) {
		if err := s.releaseProbes(ctx, now, lease); err != nil {
			return nil, err
		}
	}
	var jobs []store.Job
	err := s.relaxedTx(ctx, func(tx *sql.Tx) error {
		jobs = jobs[:0]
		rows, err := tx.QueryContext(ctx, s.q(s.d.ClaimSQL), ms(now), limit, ms(now.Add(lease)), s.owner())
		if err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		leases := map[string]int64{}
		var ids []any
		for rows.Next() {
			var id string
			var l int64
			if err := rows.Scan(&id, &l); err != nil {
				rows.Close()
				return err
			}
			leases[id] = l
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		rows, err = tx.QueryContext(ctx, s.q(`SELECT d.id, d.attempts, d.status, d.last_error, d.manual, d.webhook_id, e.id, e.app_id, e.type, e.payload, e.created_at, e.raw
			FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id IN (`+marks(len(ids))+`) ORDER BY d.id`), ids...)
		if err != nil {
			return fmt.Errorf("claimed deliveries: %w", err)
		}
		webhooks := map[string]*webhook.Webhook{}
		modes := map[string]int{}
		var hookIDs []any
		for rows.Next() {
			var j store.Job
			var ev webhook.Event
			var payload string
			var created int64
			var hookID string
			var mode int
			var d webhook.Delivery
			if err := rows.Scan(&j.DeliveryID, &j.Attempts, &d.Status, &d.LastError, &mode, &hookID, &ev.ID, &ev.AppID, &ev.Type, &payload, &created, &ev.Raw); err != nil {
				rows.Close()
				return err
			}
			d.Attempts = j.Attempts
			j.Counted = d.Outcome()
			ev.Payload, ev.CreatedAt = json.RawMessage(payload), fromMS(created)
			j.Event, j.Lease, j.Trigger = &ev, leases[j.DeliveryID], webhook.TriggerScheduled
			if mode != scheduled {
				j.Trigger, modes[j.DeliveryID] = webhook.TriggerManual, mode
			}
			if _, ok := webhooks[hookID]; !ok {
				webhooks[hookID] = nil
				hookIDs = append(hookIDs, hookID)
			}
			j.Webhook = &webhook.Webhook{ID: hookID} // replaced below
			jobs = append(jobs, j)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, s.q(`SELECT `+webhookColumns+` FROM webhooks WHERE id IN (`+marks(len(hookIDs))+`)`), hookIDs...)
		if err != nil {
			return fmt.Errorf("claimed webhooks: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			w, err := s.scanWebhook(rows)
			if err != nil {
				return err
			}
			webhooks[w.ID] = w
		}
		if err := rows.Err(); err != nil {
			return err
		}
		kept := jobs[:0]
		var orphans []any // deliveries of a webhook deleted while they were in flight
		for _, j := range jobs {
			if w := webhooks[j.Webhook.ID]; w != nil {
				j.Webhook = w
				kept = append(kept, j)
			} else {
				orphans = append(orphans, j.DeliveryID)
			}
		}
		if len(orphans) > 0 {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM deliveries WHERE id IN (`+marks(len(orphans))+`)`), orphans...); err != nil {
				return fmt.Errorf("drop deleted webhooks' deliveries: %w", err)
			}
		}
		jobs, err = s.control(ctx, tx, kept, modes, now, lease) // control_claim.go
		return err
	})
	return jobs, err
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

type rollupDelta struct {
	events, attempts, successes, failures, delivered, failed, rtCount int64
	rtSum                                                             float64
}

func (s *Store) rollup(ctx context.Context, tx *sql.Tx, webhookID string, hour int64, d rollupDelta) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO webhook_rollups (webhook_id, hour, events, attempts, successes, failures, delivered, failed, rt_sum_ms, rt_count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (webhook_id, hour) DO UPDATE SET events = webhook_rollups.events + excluded.events,
			attempts = webhook_rollups.attempts + excluded.attempts, successes = webhook_rollups.successes + excluded.successes,
			failures = webhook_rollups.failures + excluded.failures, delivered = webhook_rollups.delivered + excluded.delivered,
			failed = webhook_rollups.failed + excluded.failed, rt_sum_ms = webhook_rollups.rt_sum_ms + excluded.rt_sum_ms,
			rt_count = webhook_rollups.rt_count + excluded.rt_count`),
		webhookID, hour, d.events, d.attempts, d.successes, d.failures, d.delivered, d.failed, d.rtSum, d.rtCount)
	if err != nil {
		return fmt.Errorf("rollup: %w", err)
	}
	return nil
}

type counterDelta struct {
	delivered, failed, finished, rtCount int64
	rtSum                                float64
	last                                 int64
	health                               health // control_complete.go
}

// count moves one delivery from how it counted (was) to how it counts now, in the webhook's
// counters and in the rollup of the hour it was created in.
func count(c *counterDelta, r *rollupDelta, was, now string) {
	if was == now {
		return
	}
	for _, move := range []struct {
		status string
		by     int64
	}{{was, -1}, {now, 1}} {
		switch move.status {
		case webhook.StatusDelivered:
			c.delivered += move.by
			r.delivered += move.by
		case webhook.StatusFailed:
			c.failed += move.by
			r.failed += move.by
		}
	}
}

// Complete records attempts, moves their deliveries on and updates counters and rollups, in one transaction.
// An outcome whose lease was lost (the delivery was reclaimed) keeps its attempt row but moves nothing.
func (s *Store) Complete(ctx context.Context, outcomes []store.Outcome) error {
	var ns []notice // operational events, sent once the outcomes are committed
	err := s.relaxedTx(ctx, func(tx *sql.Tx) error {
		ns = ns[:0]
		var rows []any
		for _, o := range outcomes {
			a := o.Attempt
			reqH, _ := json.Marshal(a.RequestHeaders)
			respH, _ := json.Marshal(a.ResponseHeaders)
			body, encoding := a.ResponseText()
			rows = append(rows, a.ID, a.DeliveryID, a.WebhookID, a.AppID, a.EventID, a.Number, a.Trigger, a.StatusCode, a.DurationMS,
				a.Cause, webhook.CleanText(a.Error), string(reqH), string(respH), body, encoding, a.Truncated, ms(a.CreatedAt))
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO attempts (id, delivery_id, webhook_id, app_id, event_id, number, triggered_by, status_code, duration_ms,
			cause, error, request_headers, response_headers, response_body, response_encoding, truncated, created_at) VALUES `, 17, rows, ""); err != nil {
			return fmt.Errorf("insert attempts: %w", err)
		}
		counters := map[string]*counterDelta{}
		type hourKey struct {
			webhook string
			hour    int64
		}
		rollups := map[hourKey]*rollupDelta{}
		rollupAt := func(webhookID string, at time.Time) *rollupDelta {
			k := hourKey{webhookID, hourOf(at)}
			r := rollups[k]
			if r == nil {
				r = &rollupDelta{}
				rollups[k] = r
			}
			return r
		}
		lines := map[string]lineEnd{} // ordered webhooks whose head just ended
		var exhausted []store.Outcome // deliveries that failed for good
		moved, err := s.moveDeliveries(ctx, tx, outcomes)
		if err != nil {
			return err
		}
		for i, o := range outcomes {
			a := o.Attempt
			if !moved[i] {
				continue // the lease was lost: the attempt is kept, the delivery is someone else's now
			}
			c := counters[a.WebhookID]
			if c == nil {
				c = &counterDelta{}
				counters[a.WebhookID] = c
			}
			r := rollupAt(a.WebhookID, a.CreatedAt)
			r.attempts++
			standing := webhook.StatusFailed
			if a.Succeeded() {
				r.successes++
				standing = webhook.StatusDelivered
			} else {
				r.failures++
			}
			count(c, rollupAt(a.WebhookID, o.Job.Event.CreatedAt), o.Job.Counted, standing)
			if o.NextAt == nil {
				c.finished++
				if !a.Succeeded() && !webhook.IsOperational(o.Job.Event.Type) {
					exhausted = append(exhausted, o)
				}
			}
			if a.StatusCode > 0 {
				c.rtSum += a.DurationMS
				c.rtCount++
				r.rtSum += a.DurationMS
				r.rtCount++
			}
			c.last = max(c.last, ms(a.CreatedAt))
			c.health.add(a)
			if o.NextAt == nil && o.Job.Webhook != nil && o.Job.Webhook.Ordered {
				end, ok := lines[a.WebhookID]
				if !ok || o.Job.DeliveryID < end.after {
					end.after = o.Job.DeliveryID
				}
				end.at = max(end.at, ms(a.CreatedAt))
				lines[a.WebhookID] = end
			}
		}
		ids := make([]string, 0, len(counters))
		for id := range counters {
			ids = append(ids, id)
		}
		slices.Sort(ids) // lock webhook rows in one order across instances
		for _, id := range ids {
			c := counters[id]
			h := &c.health
			var state, appID, name, url string
			var streak, notified int64
			err := tx.QueryRowContext(ctx, s.q(`UPDATE webhooks SET delivered = delivered + ?, failed = failed + ?, finished = finished + ?,
				rt_sum_ms = rt_sum_ms + ?, rt_count = rt_count + ?,
				last_delivery_at = CASE WHEN last_delivery_at IS NULL OR last_delivery_at < ? THEN ? ELSE last_delivery_at END,
				consecutive_failures = CASE WHEN ? THEN ? ELSE consecutive_failures + ? END,
				failing_since = CASE WHEN ? THEN ? ELSE COALESCE(failing_since, ?) END
				WHERE id = ? RETURNING circuit_state, consecutive_failures, failing_notified, app_id, name, url`),
				c.delivered, c.failed, c.finished, c.rtSum, c.rtCount, c.last, c.last,
				h.succeeded, h.failuresSince, h.failuresSince, h.succeeded, h.failingSince, h.firstFailure, id).Scan(&state, &streak, &notified, &appID, &name, &url)
			if errors.Is(err, sql.ErrNoRows) {
				continue // deleted while the attempt was in flight
			}
			if err != nil {
				return fmt.Errorf("update counters: %w", err)
			}
			at := fromMS(c.last)
			if h.succeeded && (state != webhook.CircuitClosed || notified != 0) {
				if err := s.closeCircuit(ctx, tx, id, c.last); err != nil {
					return err
				}
				if notified != 0 {
					ns = append(ns, recoveredNotice(appID, id, name, url, at))
				}
			}
			if streak >= webhook.FailingStreak && (notified == 0 || h.succeeded) {
				reason := fmt.Sprintf("The last %d delivery attempts all failed", streak)
				ns = append(ns, failingNotice(appID, id, name, url, streak, reason, at))
			}
		}
		// After the webhook rows: a claim of an ordered webhook's next delivery waits for the
		// row, and then sees this head final (control_complete.go).
		if err := s.advanceLines(ctx, tx, lines); err != nil {
			return err
		}
		for _, o := range exhausted {
			a := o.Attempt
			ns = append(ns, notice{appID: a.AppID, about: a.WebhookID, typ: webhook.EventDeliveryExhausted, payload: exhaustedNotice{
				WebhookID: a.WebhookID, DeliveryID: a.DeliveryID, EventID: a.EventID, EventType: o.Job.Event.Type, Attempts: a.Number,
				StatusCode: a.StatusCode, Reason: a.Error, At: a.CreatedAt.UTC().Format(time.RFC3339Nano)}})
		}

		keys := make([]hourKey, 0, len(rollups))
		for k := range rollups {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b hourKey) int {
			return cmp.Or(strings.Compare(a.webhook, b.webhook), cmp.Compare(a.hour, b.hour))
		})
		for _, k := range keys {
			if err := s.rollup(ctx, tx, k.webhook, k.hour, *rollups[k]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || len(ns) == 0 {
		return err
	}
	if err := s.sendNotices(ctx, ns, time.Now()); err != nil {
		return fmt.Errorf("%w: %w", store.ErrNotices, err)
	}
	return nil
}

// Release makes claimed deliveries due again at now.
func (s *Store) Release(ctx context.Context, jobs []store.Job, now time.Time) error {
	return s.relaxedTx(ctx, func(tx *sql.Tx) error {
		for start := 0; start < len(jobs); start += rowsPerInsert {
			chunk := jobs[start:min(len(jobs), start+rowsPerInsert)]
			args := make([]any, 0, 2*len(chunk)+1)
			var b strings.Builder
			b.WriteString(`WITH v(id, lease) AS (VALUES `)
			for i, j := range chunk {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`(CAST(? AS TEXT), CAST(? AS BIGINT))`)
				args = append(args, j.DeliveryID, j.Lease)
			}
			b.WriteString(`) UPDATE deliveries SET next_at = ?, leased = 0 FROM v WHERE deliveries.id = v.id AND deliveries.lease = v.lease`)
			if _, err := tx.ExecContext(ctx, s.q(b.String()), append(args, ms(now))...); err != nil {
				return fmt.Errorf("release: %w", err)
			}
		}
		return nil
	})
}

// NextDue returns the earliest next_at of the queue, or the earliest end of a cool-down of a
// breaker with parked deliveries (a probe goes then), if that comes first.
func (s *Store) NextDue(ctx context.Context) (time.Time, bool, error) {
	var due, probe sql.NullInt64
	if err := s.r.QueryRowContext(ctx, s.q(`SELECT (SELECT MIN(next_at) FROM deliveries WHERE next_at IS NOT NULL),
		(SELECT MIN(w.circuit_until) FROM webhooks w WHERE w.circuit_state <> 'closed' AND w.active = ?
			AND EXISTS (SELECT 1 FROM deliveries d WHERE d.webhook_id = w.id AND d.next_at IS NULL AND d.status IN ('pending', 'retrying')))`), true).
		Scan(&due, &probe); err != nil {
		return time.Time{}, false, fmt.Errorf("next due: %w", err)
	}
	if probe.Valid && (!due.Valid || probe.Int64 < due.Int64) {
		s.probes.expect(fromMS(probe.Int64))
		return fromMS(probe.Int64), true, nil
	}
	return fromMS(due.Int64), due.Valid, nil
}

// QueueDepth is the sum of every webhook's deliveries not yet final: exact, and cheap on any backlog.
func (s *Store) QueueDepth(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT (SELECT COALESCE(SUM(total - finished), 0) FROM webhooks) + (SELECT COALESCE(SUM(n), 0) FROM created_counts)`).Scan(&n)
	return n.Int64, err
}

// moveDeliveries applies the outcomes' next states in one statement per 200 outcomes and
// reports which ones still held their lease.
func (s *Store) moveDeliveries(ctx context.Context, tx *sql.Tx, outcomes []store.Outcome) ([]bool, error) {
	moved := make([]bool, len(outcomes))
	type key struct {
		id    string
		lease int64
	}
	at := map[key]int{}
	for start := 0; start < len(outcomes); start += rowsPerInsert {
		chunk := outcomes[start:min(len(outcomes), start+rowsPerInsert)]
		args := make([]any, 0, 8*len(chunk))
		var b strings.Builder
		b.WriteString(`WITH v(id, lease, status, next_at, last_at, code, ms, err) AS (VALUES `)
		for i, o := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`(CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS INTEGER), CAST(? AS DOUBLE PRECISION), CAST(? AS TEXT))`)
			a := o.Attempt
			args = append(args, o.Job.DeliveryID, o.Job.Lease, o.Status, nullMS(o.NextAt), ms(a.CreatedAt), a.StatusCode, a.DurationMS, lastError(a))
			at[key{o.Job.DeliveryID, o.Job.Lease}] = start + i
		}
		b.WriteString(`) UPDATE deliveries SET status = v.status, attempts = attempts + 1, next_at = v.next_at, last_at = v.last_at,
			response_code = v.code, response_ms = v.ms, last_error = v.err, manual = 0, leased = 0
			FROM v WHERE deliveries.id = v.id AND deliveries.lease = v.lease RETURNING deliveries.id, deliveries.lease`)
		rows, err := tx.QueryContext(ctx, s.q(b.String()), args...)
		if err != nil {
			return nil, fmt.Errorf("update deliveries: %w", err)
		}
		for rows.Next() {
			var k key
			if err := rows.Scan(&k.id, &k.lease); err != nil {
				rows.Close()
				return nil, err
			}
			if i, ok := at[k]; ok {
				moved[i] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return moved, nil
}

// lastError is what a delivery keeps of its latest attempt's error: empty after a success and
// never empty after a failure, which is how webhook.Delivery.Outcome tells them apart.
func lastError(a *webhook.Attempt) string {
	switch {
	case a.Succeeded():
		return ""
	case a.Error != "":
		return webhook.CleanText(a.Error)
	case a.StatusCode > 0:
		return fmt.Sprintf("receiver answered HTTP %d", a.StatusCode)
	default:
		return "delivery attempt failed"
	}
}
