package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Claim leases up to limit due deliveries. The lease is next_at itself: a claimed delivery
// becomes due again when the lease ends, which is how a crashed worker's work comes back.
// A claim (or an event commit handing deliveries off) that fails may still have committed (the
// connection was lost during the commit): its leases are released by the next Claim, so that
// its deliveries wait for the store to come back, not for their leases to end.
func (s *Store) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Job, error) {
	if lost := s.lostLeases.take(); len(lost) > 0 {
		if err := s.release(ctx, lost, now); err != nil {
			s.lostLeases.put(lost)
			return nil, err
		}
	}
	if s.probes.sweep(now) {
		if err := s.releaseProbes(ctx, now, lease); err != nil {
			return nil, err
		}
	}
	var jobs, claimed []store.Job
	owner := s.owner()
	err := s.relaxedTx(ctx, func(tx *sql.Tx) error {
		jobs, claimed = jobs[:0], claimed[:0]
		rows, err := s.claimRows(ctx, tx, now, lease, limit, owner)
		if err != nil || rows == nil {
			return err
		}
		webhooks := map[string]*webhook.Webhook{}
		modes := map[string]int{}
		var hookIDs, strays []any
		for rows.Next() {
			j, mode, hookID, hasEvent, err := scanJob(rows.Scan)
			if err != nil {
				rows.Close()
				return err
			}
			claimed = append(claimed, store.Job{DeliveryID: j.DeliveryID, Lease: j.Lease})
			if j.Counted == "" {
				strays = append(strays, j.DeliveryID) // a queue row whose delivery is gone
			}
			if !hasEvent {
				continue
			}
			j.Trigger = webhook.TriggerScheduled
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
		if len(strays) > 0 {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM queue WHERE delivery_id IN (`+marks(len(strays))+`)`), strays...); err != nil {
				return fmt.Errorf("drop queue rows without a delivery: %w", err)
			}
		}
		if len(jobs) == 0 {
			return nil
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
			if err := s.dropOpen(ctx, tx, orphans); err != nil {
				return fmt.Errorf("drop deleted webhooks' deliveries: %w", err)
			}
		}
		jobs, err = s.control(ctx, tx, kept, modes, now, lease) // control_claim.go
		return err
	})
	if err != nil {
		s.lostLeases.add(claimed, owner) // the release matches only the leases this claim would have taken
		return nil, err
	}
	return jobs, nil
}

// ClaimedColumns are what a claim reads of each queue row it leased (q), its delivery (d) and
// its event (e), in scanJob's order, from the queue rows and claimedJoins; both are LEFT
// JOINed, so a queue row whose delivery or event is gone is still counted as claimed (a
// delivery's status reads "" when it is gone).
const (
	ClaimedColumns = `q.delivery_id, q.lease, COALESCE(d.attempts, 0), COALESCE(d.status, ''), COALESCE(d.last_error, ''), q.manual, q.webhook_id,
	e.id, e.app_id, e.type, e.payload, e.created_at, e.raw`
	claimedJoins = `LEFT JOIN deliveries d ON d.id = q.delivery_id LEFT JOIN events e ON e.id = d.event_id`
)

// claimRows leases up to limit due deliveries and returns them (ClaimedColumns), nil when
// none: in one statement where the dialect has ClaimReadSQL, else with ClaimSQL and a read.
func (s *Store) claimRows(ctx context.Context, tx *sql.Tx, now time.Time, lease time.Duration, limit int, owner int64) (*sql.Rows, error) {
	args := []any{ms(now), limit, ms(now.Add(lease)), owner}
	if s.d.ClaimReadSQL != "" {
		rows, err := tx.QueryContext(ctx, s.q(s.d.ClaimReadSQL), args...)
		if err != nil {
			return nil, fmt.Errorf("claim: %w", err)
		}
		return rows, nil
	}
	rows, err := tx.QueryContext(ctx, s.q(s.d.ClaimSQL), args...)
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	var ids []any
	for rows.Next() {
		var id string
		var l int64
		if err := rows.Scan(&id, &l); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, s.q(`SELECT `+ClaimedColumns+` FROM queue q `+claimedJoins+`
		WHERE q.delivery_id IN (`+marks(len(ids))+`) ORDER BY q.delivery_id`), ids...)
	if err != nil {
		return nil, fmt.Errorf("claimed deliveries: %w", err)
	}
	return rows, nil
}

// scanJob reads a claimed delivery and its event (ClaimedColumns); hasEvent is false when
// the event is gone.
func scanJob(scan func(...any) error) (j store.Job, mode int, hookID string, hasEvent bool, err error) {
	var d webhook.Delivery
	var eventID, appID, typ, payload sql.NullString
	var created sql.NullInt64
	var raw sql.NullBool
	if err := scan(&j.DeliveryID, &j.Lease, &j.Attempts, &d.Status, &d.LastError, &mode, &hookID, &eventID, &appID, &typ, &payload, &created, &raw); err != nil {
		return j, 0, "", false, err
	}
	d.Attempts = j.Attempts
	if d.Status != "" { // "": the delivery is gone (ClaimedColumns)
		j.Counted = d.Outcome()
	}
	j.Event = &webhook.Event{ID: eventID.String, AppID: appID.String, Type: typ.String, Payload: json.RawMessage(payload.String),
		CreatedAt: fromMS(created.Int64), Raw: raw.Bool}
	return j, mode, hookID, eventID.Valid, nil
}

// lostJobs are the leases of transactions that failed, perhaps after committing, to release:
// a release matches only a lease still as that transaction would have left it, this
// instance's (another's claim of the same delivery after a rollback has the same lease number).
type lostJobs struct {
	mu     sync.Mutex
	leases []lease
}

// lease is a delivery's lease as one owner (an instance) took it.
type lease struct {
	id    string
	lease int64
	owner int64
}

// leasesOf are the leases of jobs, as owner holds them.
func leasesOf(jobs []store.Job, owner int64) []lease {
	ls := make([]lease, len(jobs))
	for i, j := range jobs {
		ls[i] = lease{j.DeliveryID, j.Lease, owner}
	}
	return ls
}

func (l *lostJobs) add(jobs []store.Job, owner int64) { l.put(leasesOf(jobs, owner)) }

func (l *lostJobs) put(ls []lease) {
	if len(ls) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.leases = append(l.leases, ls...)
}

func (l *lostJobs) take() []lease {
	l.mu.Lock()
	defer l.mu.Unlock()
	ls := l.leases
	l.leases = nil
	return ls
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

// Complete records attempts, moves their deliveries on and counts them (count rows, counts.go),
// in one transaction. Only the webhooks whose failing streak, breaker or failing notice changes
// have their row written: a batch of successes to a healthy webhook locks no webhook row.
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
			cause, error, request_headers, response_headers, response_body, response_encoding, truncated, created_at)`, 17, rows, ""); err != nil {
			return fmt.Errorf("insert attempts: %w", err)
		}
		moved, err := s.moveDeliveries(ctx, tx, outcomes)
		if err != nil {
			return err
		}
		t := tally(outcomes, moved)
		if err := s.insertCounts(ctx, tx, t.counts); err != nil {
			return err
		}
		for _, id := range sortedKeys(t.health) { // lock webhook rows in one order across instances
			h := t.health[id]
			var state, appID, name, url string
			var streak, notified int64
			// Written only if a failure is to be counted, a streak, breaker or notice to be
			// ended, or an ordered line moved on (advanceLines below needs the row held: a
			// claim of the line's next delivery holds it while it decides): a row the WHERE
			// leaves out is not locked.
			_, lineMoved := t.lines[id]
			err := tx.QueryRowContext(ctx, s.q(`UPDATE webhooks SET consecutive_failures = CASE WHEN ? THEN ? ELSE consecutive_failures + ? END,
				failing_since = CASE WHEN ? THEN ? ELSE COALESCE(failing_since, ?) END
				WHERE id = ? AND (? OR consecutive_failures <> 0 OR failing_since IS NOT NULL OR circuit_state <> ? OR failing_notified <> 0)
				RETURNING circuit_state, consecutive_failures, failing_notified, app_id, name, url`),
				h.succeeded, h.failuresSince, h.failuresSince, h.succeeded, h.failingSince, h.firstFailure, id, h.firstFailure.Valid || lineMoved,
				webhook.CircuitClosed).
				Scan(&state, &streak, &notified, &appID, &name, &url)
			if errors.Is(err, sql.ErrNoRows) {
				continue // healthy, nothing to change; or deleted while the attempt was in flight
			}
			if err != nil {
				return fmt.Errorf("update webhook health: %w", err)
			}
			at := fromMS(h.last)
			if h.succeeded && (state != webhook.CircuitClosed || notified != 0) {
				if err := s.closeCircuit(ctx, tx, id, h.last); err != nil {
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
		if err := s.advanceLines(ctx, tx, t.lines); err != nil {
			return err
		}
		for _, o := range t.exhausted {
			a := o.Attempt
			ns = append(ns, notice{appID: a.AppID, about: a.WebhookID, typ: webhook.EventDeliveryExhausted, payload: exhaustedNotice{
				WebhookID: a.WebhookID, DeliveryID: a.DeliveryID, EventID: a.EventID, EventType: o.Job.Event.Type, Attempts: a.Number,
				StatusCode: a.StatusCode, Reason: a.Error, At: a.CreatedAt.UTC().Format(time.RFC3339Nano)}})
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
	return s.release(ctx, leasesOf(jobs, anyOwner), now)
}

// anyOwner, as a lease's owner, matches whoever holds it (never a lease's owner: an instance
// id, or unregistered).
const anyOwner = 0

// release makes the deliveries whose leases are still ls due at now.
func (s *Store) release(ctx context.Context, ls []lease, now time.Time) error {
	if len(ls) == 0 {
		return nil
	}
	return s.relaxedTx(ctx, func(tx *sql.Tx) error {
		if !s.d.Arrays {
			for _, l := range ls {
				if _, err := tx.ExecContext(ctx, s.q(`UPDATE queue SET next_at = ?, leased = 0 WHERE delivery_id = ? AND lease = ?
					AND (? = 0 OR leased = ?)`), ms(now), l.id, l.lease, l.owner, l.owner); err != nil {
					return fmt.Errorf("release: %w", err)
				}
			}
			return nil
		}
		args := make([]any, 0, 3*len(ls))
		for _, l := range ls {
			args = append(args, l.id, l.lease, l.owner)
		}
		rows, arrays, err := unnestRows(3, args)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`WITH v(id, lease, owner) AS (SELECT * FROM `+rows+`)
			UPDATE queue SET next_at = ?, leased = 0 FROM v WHERE queue.delivery_id = v.id AND queue.lease = v.lease
			AND (v.owner = 0 OR queue.leased = v.owner)`), append(arrays, ms(now))...); err != nil {
			return fmt.Errorf("release: %w", err)
		}
		return nil
	})
}

// NextDue returns the earliest next_at of the queue, or the earliest end of a cool-down of a
// breaker with parked deliveries (a probe goes then), if that comes first.
func (s *Store) NextDue(ctx context.Context) (time.Time, bool, error) {
	var due, probe sql.NullInt64
	if err := s.r.QueryRowContext(ctx, s.q(`SELECT (SELECT MIN(next_at) FROM queue WHERE next_at IS NOT NULL),
		(SELECT MIN(w.circuit_until) FROM webhooks w WHERE w.circuit_state <> 'closed' AND w.active = ?
			AND EXISTS (SELECT 1 FROM queue q WHERE q.webhook_id = w.id AND q.next_at IS NULL))`), true).
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
	err := s.r.QueryRowContext(ctx, `SELECT (SELECT COALESCE(SUM(total - finished), 0) FROM webhooks) + (SELECT COALESCE(SUM(events - finished), 0) FROM count_deltas)`).Scan(&n)
	return n.Int64, err
}

// moveDeliveries applies the outcomes' next states and reports which ones still held their
// lease. The queue row goes first (the lock order): a final outcome deletes it, a retry sets
// its next time; then the delivery's log row takes the outcome, for the queue rows that
// matched. PostgreSQL does all three in one statement (moveAll), SQLite in three per chunk
// of outcomes (moveChunks). Of two outcomes under one lease, only the first can move its
// delivery, as if they came one after the other: the lease has moved on for the second.
func (s *Store) moveDeliveries(ctx context.Context, tx *sql.Tx, outcomes []store.Outcome) ([]bool, error) {
	move := s.moveChunks
	if s.d.Arrays {
		move = s.moveAll
	}
	at := make(map[lease]int, len(outcomes))
	firsts := make([]store.Outcome, 0, len(outcomes))
	for i, o := range outcomes {
		l := lease{id: o.Job.DeliveryID, lease: o.Job.Lease}
		if _, seen := at[l]; !seen {
			at[l] = i
			firsts = append(firsts, o)
		}
	}
	matched, err := move(ctx, tx, firsts)
	if err != nil {
		return nil, fmt.Errorf("update deliveries: %w", err)
	}
	moved := make([]bool, len(outcomes))
	for _, l := range matched {
		if i, ok := at[l]; ok {
			moved[i] = true
		}
	}
	return moved, nil
}

// moveAll is moveDeliveries in one statement, the outcomes passed as arrays (Dialect.Arrays).
func (s *Store) moveAll(ctx context.Context, tx *sql.Tx, outcomes []store.Outcome) ([]lease, error) {
	if len(outcomes) == 0 {
		return nil, nil
	}
	rows, arrays, err := unnestRows(outcomeCols, outcomeArgs(outcomes))
	if err != nil {
		return nil, err
	}
	return s.queryLeases(ctx, tx, moveAllSQL(rows), arrays)
}

// moveAllSQL is moveAll's statement over the outcomes' rows (unnestRows).
func moveAllSQL(rows string) string {
	return `WITH v(id, lease, status, next_at, last_at, code, ms, err) AS (SELECT * FROM ` + rows + `),
		done AS (DELETE FROM queue q USING v WHERE q.delivery_id = v.id AND q.lease = v.lease AND ` + finalIn("v") + ` RETURNING q.delivery_id, q.lease),
		again AS (UPDATE queue q SET next_at = v.next_at, leased = 0, manual = 0 FROM v
			WHERE q.delivery_id = v.id AND q.lease = v.lease AND NOT ` + finalIn("v") + ` RETURNING q.delivery_id, q.lease),
		m AS (SELECT * FROM done UNION ALL SELECT * FROM again)
		UPDATE deliveries SET status = v.status, attempts = attempts + 1, last_at = v.last_at,
			response_code = v.code, response_ms = v.ms, last_error = v.err, lease = v.lease
		FROM v JOIN m ON m.delivery_id = v.id AND m.lease = v.lease WHERE deliveries.id = v.id RETURNING v.id, v.lease`
}

// MoveAllSQL is the statement with which a completion moves its deliveries on PostgreSQL
// (numbered parameters: eight arrays, one per column of the outcomes), for tests of its plan.
func MoveAllSQL() string {
	rows, _, _ := unnestRows(outcomeCols, outcomeArgs([]store.Outcome{{Attempt: &webhook.Attempt{}}}))
	return numbered(moveAllSQL(rows))
}

// moveChunks is moveDeliveries without Dialect.Arrays (SQLite), in chunks of outcomes
// (chunkRows) that are each moved with three statements: the queue rows whose leases still
// hold are deleted (final outcomes) or given their next time (retries), and then the log rows
// of those that matched are written.
func (s *Store) moveChunks(ctx context.Context, tx *sql.Tx, outcomes []store.Outcome) ([]lease, error) {
	var matched []lease
	err := inChunks(len(outcomes), func(lo, hi int) error {
		m, err := s.moveChunk(ctx, tx, outcomes[lo:hi])
		matched = append(matched, m...)
		return err
	})
	return matched, err
}

// MoveChunkSQL is what moveChunk runs for n outcomes (each the row outcomeArgs makes): the
// deletion of the final ones' queue rows, the retries' next times, and the log rows' update.
func MoveChunkSQL(n int) [3]string {
	v := `WITH v(id, lease, status, next_at, last_at, code, ms, err) AS (VALUES ` + placeholders(n, outcomeCols) + `) `
	return [3]string{
		v + `DELETE FROM queue WHERE (delivery_id, lease) IN (SELECT id, lease FROM v WHERE ` + finalIn("v") + `) RETURNING delivery_id, lease`,
		v + `UPDATE queue SET next_at = v.next_at, leased = 0, manual = 0 FROM v
			WHERE queue.delivery_id = v.id AND queue.lease = v.lease AND NOT ` + finalIn("v") + ` RETURNING queue.delivery_id, queue.lease`,
		v + `UPDATE deliveries SET status = v.status, attempts = attempts + 1, last_at = v.last_at,
			response_code = v.code, response_ms = v.ms, last_error = v.err, lease = v.lease FROM v WHERE deliveries.id = v.id`,
	}
}

// moveChunk moves one chunk of moveChunks with MoveChunkSQL's three statements and returns
// the leases that held.
func (s *Store) moveChunk(ctx context.Context, tx *sql.Tx, outcomes []store.Outcome) ([]lease, error) {
	move := MoveChunkSQL(len(outcomes))
	args := outcomeArgs(outcomes)
	done, err := s.queryLeases(ctx, tx, move[0], args)
	if err != nil {
		return nil, err
	}
	again, err := s.queryLeases(ctx, tx, move[1], args)
	if err != nil {
		return nil, err
	}
	matched := append(done, again...)
	if len(matched) == 0 {
		return nil, nil // every lease had moved on
	}
	// The log rows of the outcomes that matched: the others' ids are blanked, which no row has.
	hit := make(map[lease]bool, len(matched))
	for _, l := range matched {
		hit[l] = true
	}
	for i, o := range outcomes {
		if !hit[lease{id: o.Job.DeliveryID, lease: o.Job.Lease}] {
			args[i*outcomeCols] = ""
		}
	}
	if _, err := tx.ExecContext(ctx, s.q(move[2]), args...); err != nil {
		return nil, err
	}
	return matched, nil
}

// finalIn is true for the rows of alias whose status is final.
func finalIn(alias string) string {
	return alias + `.status IN ('` + webhook.StatusDelivered + `', '` + webhook.StatusFailed + `')`
}

// outcomeCols is the number of values outcomeArgs gives per outcome.
const outcomeCols = 8

// outcomeArgs gives each outcome as the row (id, lease, status, next_at, last_at, code, ms, err).
func outcomeArgs(outcomes []store.Outcome) []any {
	args := make([]any, 0, outcomeCols*len(outcomes))
	for _, o := range outcomes {
		a := o.Attempt
		args = append(args, o.Job.DeliveryID, o.Job.Lease, o.Status, nullMS(o.NextAt), ms(a.CreatedAt), a.StatusCode, a.DurationMS, lastError(a))
	}
	return args
}

// queryLeases runs a statement returning (delivery id, lease) rows.
func (s *Store) queryLeases(ctx context.Context, tx *sql.Tx, query string, args []any) ([]lease, error) {
	rows, err := tx.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []lease
	for rows.Next() {
		var l lease
		if err := rows.Scan(&l.id, &l.lease); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
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
