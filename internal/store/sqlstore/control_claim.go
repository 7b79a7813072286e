package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// control applies each webhook's delivery controls to freshly claimed jobs, inside the claim's
// transaction, and returns the jobs that may be sent now. The others spend no attempt: they
// are parked (paused webhook, or behind the head of an ordered line: next_at NULL until the
// line moves), held (open breaker: next_at = circuit_until) or spaced (rate_limit: next_at =
// the slot they may use). The webhook row is locked while its state is read and written, so
// instances sharing PostgreSQL agree; rows are locked in id order to avoid deadlocks.
func (s *Store) control(ctx context.Context, tx *sql.Tx, jobs []store.Job, modes map[string]int, now time.Time, lease time.Duration) ([]store.Job, error) {
	byHook := map[string][]store.Job{}
	var ids []string
	for _, j := range jobs {
		w := j.Webhook
		if !controlled(w) {
			continue // the common case: nothing to decide, nothing to lock
		}
		if _, ok := byHook[w.ID]; !ok {
			ids = append(ids, w.ID)
		}
		byHook[w.ID] = append(byHook[w.ID], j)
	}
	if len(ids) == 0 {
		return jobs, nil
	}
	slices.Sort(ids)
	send := map[string]bool{} // delivery ids that may be sent now
	for _, j := range jobs {
		if _, controlled := byHook[j.Webhook.ID]; !controlled {
			send[j.DeliveryID] = true
		}
	}
	var moves []move
	for _, id := range ids {
		kept, mv, err := s.controlWebhook(ctx, tx, byHook[id], modes, now, lease)
		if err != nil {
			return nil, err
		}
		for _, j := range kept {
			send[j.DeliveryID] = true
		}
		moves = append(moves, mv...)
	}
	for _, m := range moves {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE deliveries SET next_at = ?, leased = 0 WHERE id = ?`), m.at, m.id); err != nil {
			return nil, fmt.Errorf("hold delivery: %w", err)
		}
	}
	out := jobs[:0]
	for _, j := range jobs {
		if send[j.DeliveryID] {
			out = append(out, j)
		}
	}
	return out, nil
}

// controlled reports whether a delivery to w needs a decision before it is sent: the
// webhook is paused, its breaker is not closed, it is rate limited or ordered.
func controlled(w *webhook.Webhook) bool {
	return !w.Active || w.Circuit != webhook.CircuitClosed || w.RateLimit > 0 || w.Ordered
}

// move is a claimed delivery given a new due time (NULL: parked) instead of being sent.
type move struct {
	id string
	at sql.NullInt64
}

// controlWebhook decides for the jobs of one webhook, in delivery id (event) order.
func (s *Store) controlWebhook(ctx context.Context, tx *sql.Tx, jobs []store.Job, modes map[string]int, now time.Time, lease time.Duration) ([]store.Job, []move, error) {
	w := jobs[0].Webhook
	// A no-op update takes the row lock (PostgreSQL) and reads the current state in one statement.
	// The settings too: the claim's first read of them may predate an update that committed
	// while this claim waited for the row (webhook.go, UpdateWebhook).
	var state, lineHead string
	var until sql.NullInt64
	var throttle int64
	var active, ordered bool
	var rateLimit int
	err := tx.QueryRowContext(ctx, s.q(`UPDATE webhooks SET throttle_us = throttle_us WHERE id = ?
		RETURNING circuit_state, circuit_until, throttle_us, line_head, active, ordered, rate_limit`), w.ID).
		Scan(&state, &until, &throttle, &lineHead, &active, &ordered, &rateLimit)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil // deleted meanwhile
	}
	if err != nil {
		return nil, nil, fmt.Errorf("lock webhook: %w", err)
	}
	var kept []store.Job
	var moves []move
	park := func(j store.Job) { moves = append(moves, move{id: j.DeliveryID}) }
	holdUntil := func(j store.Job, at int64) {
		moves = append(moves, move{id: j.DeliveryID, at: sql.NullInt64{Int64: at, Valid: true}})
	}

	// Retries and test events asked for by an operator go at once.
	var rest []store.Job
	for _, j := range jobs {
		if modes[j.DeliveryID] == manualNow {
			kept = append(kept, j)
		} else {
			rest = append(rest, j)
		}
	}
	if !active { // paused (or disabled) while these were due: they wait for reactivation
		for _, j := range rest {
			park(j)
		}
		return kept, moves, s.holdDue(ctx, tx, w.ID, sql.NullInt64{}, "", now)
	}

	if ordered && len(rest) > 0 {
		head, err := s.lineHead(ctx, tx, w.ID, lineHead)
		if err != nil {
			return nil, nil, err
		}
		var line []store.Job
		for _, j := range rest {
			if j.DeliveryID == head {
				line = append(line, j)
			} else {
				park(j) // Complete lets the next one go when the head ends
			}
		}
		rest = line
	}

	switch nowMS := ms(now); {
	case len(rest) == 0:
	case state == webhook.CircuitOpen && until.Int64 > nowMS, state == webhook.CircuitHalfOpen && until.Int64 > nowMS:
		for _, j := range rest { // open, or a probe is in flight
			holdUntil(j, until.Int64)
		}
		rest = nil
		if err := s.holdDue(ctx, tx, w.ID, until, "", now); err != nil {
			return nil, nil, err
		}
	case state != webhook.CircuitClosed:
		// The cool-down is over (or the last probe's lease ran out): one probe goes; the rest
		// wait for its outcome, at most one lease.
		probeUntil := ms(now.Add(lease))
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE webhooks SET circuit_state = ?, circuit_until = ? WHERE id = ?`),
			webhook.CircuitHalfOpen, probeUntil, w.ID); err != nil {
			return nil, nil, fmt.Errorf("half-open breaker: %w", err)
		}
		for _, j := range rest[1:] {
			holdUntil(j, probeUntil)
		}
		rest = rest[:1]
		if err := s.holdDue(ctx, tx, w.ID, sql.NullInt64{Int64: probeUntil, Valid: true}, rest[0].DeliveryID, now); err != nil {
			return nil, nil, err
		}
	}

	if rateLimit > 0 && len(rest) > 0 {
		interval := int64(time.Second/time.Microsecond) / int64(rateLimit)
		nowUS := now.UnixMicro()
		slot := max(throttle, nowUS)
		var waiting int64
		for _, j := range rest {
			if slot <= nowUS {
				kept = append(kept, j)
				slot += interval
				continue
			}
			// Not yet: due at its own future slot (rounded up to the millisecond), not reserved.
			at := slot + waiting*interval
			holdUntil(j, (at+999)/1000)
			waiting++
		}
		if slot != throttle {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE webhooks SET throttle_us = ? WHERE id = ?`), slot, w.ID); err != nil {
				return nil, nil, fmt.Errorf("throttle: %w", err)
			}
		}
		rest = nil
	}
	return append(kept, rest...), moves, nil
}

// lineHead returns the oldest open delivery of an ordered webhook ("" when there is none).
// cached is the webhook's line_head: every delivery before it is final, so the head is cached
// itself while it is open, else the first open delivery after it. The caller holds the
// webhook row; line_head moves on with the line.
func (s *Store) lineHead(ctx context.Context, tx *sql.Tx, webhookID, cached string) (string, error) {
	if cached != "" {
		var status string
		err := tx.QueryRowContext(ctx, s.q(`SELECT status FROM deliveries WHERE id = ?`), cached).Scan(&status)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("ordered line head: %w", err)
		}
		if status == webhook.StatusPending || status == webhook.StatusRetrying {
			return cached, nil
		}
	}
	var head string
	err := tx.QueryRowContext(ctx, s.q(`SELECT id FROM deliveries WHERE webhook_id = ? AND id > ? AND `+openStatus+` ORDER BY id LIMIT 1`),
		webhookID, cached).Scan(&head)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil // the line is empty; the next delivery is after cached
	}
	if err != nil {
		return "", fmt.Errorf("ordered line head: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE webhooks SET line_head = ? WHERE id = ?`), head, webhookID); err != nil {
		return "", fmt.Errorf("ordered line head: %w", err)
	}
	return head, nil
}

// holdBatch bounds how many of a webhook's due deliveries one claim moves out of the way.
const holdBatch = 1000

// holdDue gives the webhook's other due deliveries (up to holdBatch, not those an operator
// asked for, not except) the due time at (NULL: parked), so that the claims that follow do not
// pick them one batch at a time only to hold them again. On PostgreSQL, rows another
// instance is claiming are skipped: that instance holds them itself.
func (s *Store) holdDue(ctx context.Context, tx *sql.Tx, webhookID string, at sql.NullInt64, except string, now time.Time) error {
	lock := s.skipLocked()
	// webhook_id || '' keeps the planners on the due index: the webhook's index would walk its
	// whole history, the due index only the queue.
	_, err := tx.ExecContext(ctx, s.q(`UPDATE deliveries SET next_at = ?, leased = 0 WHERE id IN (SELECT id FROM deliveries WHERE next_at <= ? AND webhook_id || '' = ?
		AND `+openStatus+` AND manual <> ? AND id <> ? LIMIT `+strconv.Itoa(holdBatch)+lock+`)`), at, ms(now), webhookID, manualNow, except)
	if err != nil {
		return fmt.Errorf("hold due deliveries: %w", err)
	}
	return nil
}

// forUpdate ends a SELECT that locks the rows it reads (PostgreSQL; SQLite has one writer).
func (s *Store) forUpdate() string {
	if s.d.Numbered {
		return " FOR UPDATE"
	}
	return ""
}

// skipLocked ends a subquery that picks delivery rows to move while a webhook row is locked:
// on PostgreSQL, rows another transaction holds are skipped instead of waited for, since that
// transaction (a claim) may be waiting for the webhook row. SQLite has one writer.
func (s *Store) skipLocked() string {
	if s.d.Numbered {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}
