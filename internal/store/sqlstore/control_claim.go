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
// are parked (next_at NULL: a paused webhook, behind the head of an ordered line until the
// line moves, or behind an open breaker until it closes) or spaced (rate_limit: next_at = the
// slot they may use). The webhook row is locked while its state is read and written, so
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
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE queue SET next_at = ?, leased = 0 WHERE delivery_id = ?`), m.at, m.id); err != nil {
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

// controlWebhook decides for the jobs of one webhook (webhook.Control.Decide) with its row
// locked, and writes the decision: the webhook's new state, and the jobs not sent as moves.
func (s *Store) controlWebhook(ctx context.Context, tx *sql.Tx, jobs []store.Job, modes map[string]int, now time.Time, lease time.Duration) ([]store.Job, []move, error) {
	w := jobs[0].Webhook
	// A no-op update takes the row lock (PostgreSQL) and reads the current state in one statement.
	// The settings too: the claim's first read of them may predate an update that committed
	// while this claim waited for the row (webhook.go, UpdateWebhook).
	var c webhook.Control
	var until sql.NullInt64
	var throttle int64
	err := tx.QueryRowContext(ctx, s.q(`UPDATE webhooks SET throttle_us = throttle_us WHERE id = ?
		RETURNING circuit_state, circuit_until, circuit_probe, throttle_us, line_head, active, ordered, rate_limit`), w.ID).
		Scan(&c.Circuit, &until, &c.Probe, &throttle, &c.LineHead, &c.Active, &c.Ordered, &c.RateLimit)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil // deleted meanwhile
	}
	if err != nil {
		return nil, nil, fmt.Errorf("lock webhook: %w", err)
	}
	if until.Valid {
		c.CircuitUntil = fromMS(until.Int64)
	}
	if throttle > 0 {
		c.NextSlot = time.UnixMicro(throttle)
	}
	claimed := make([]webhook.Claimed, len(jobs))
	for i, j := range jobs {
		claimed[i] = webhook.Claimed{ID: j.DeliveryID, Now: modes[j.DeliveryID] == manualNow}
	}
	if c.Active && c.Ordered && slices.ContainsFunc(claimed, func(j webhook.Claimed) bool { return !j.Now }) {
		if c.LineHead, err = s.lineHead(ctx, tx, w.ID, c.LineHead); err != nil {
			return nil, nil, err
		}
	}
	d := c.Decide(claimed, now, lease)

	if d.Circuit != "" {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE webhooks SET circuit_state = ?, circuit_until = ?, circuit_probe = ? WHERE id = ?`),
			d.Circuit, ms(d.CircuitUntil), d.Probe, w.ID); err != nil {
			return nil, nil, fmt.Errorf("half-open breaker: %w", err)
		}
	}
	if !d.NextSlot.IsZero() {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE webhooks SET throttle_us = ? WHERE id = ?`), d.NextSlot.UnixMicro(), w.ID); err != nil {
			return nil, nil, fmt.Errorf("throttle: %w", err)
		}
	}
	if d.ParkDue {
		if err := s.parkDue(ctx, tx, w.ID, d.Except, now); err != nil {
			return nil, nil, err
		}
	}
	var moves []move
	for _, id := range d.Park {
		moves = append(moves, move{id: id})
	}
	for _, h := range d.Hold {
		moves = append(moves, move{id: h.ID, at: sql.NullInt64{Int64: ms(h.At), Valid: true}})
	}
	send := make(map[string]bool, len(d.Send))
	for _, id := range d.Send {
		send[id] = true
	}
	var kept []store.Job
	for _, j := range jobs {
		if send[j.DeliveryID] {
			kept = append(kept, j)
		}
	}
	return kept, moves, nil
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

// parkBatch bounds how many of a webhook's due deliveries one claim parks.
const parkBatch = 1000

// parkDue parks the webhook's other due deliveries (up to parkBatch, not those an operator
// asked for, not except), so that the claims that follow do not pick them one batch at a time
// only to park them again. On PostgreSQL, rows another instance is claiming are skipped: that
// instance parks them itself.
func (s *Store) parkDue(ctx context.Context, tx *sql.Tx, webhookID, except string, now time.Time) error {
	// webhook_id || '' keeps the planners on the due index: the webhook's index would walk all
	// its queue, parked and leased rows included, the due index only what is due.
	_, err := tx.ExecContext(ctx, s.q(`UPDATE queue SET next_at = NULL, leased = 0 WHERE delivery_id IN (SELECT delivery_id FROM queue WHERE next_at <= ? AND webhook_id || '' = ?
		AND manual <> ? AND delivery_id <> ? LIMIT `+strconv.Itoa(parkBatch)+s.skipLocked()+`)`), ms(now), webhookID, manualNow, except)
	if err != nil {
		return fmt.Errorf("park due deliveries: %w", err)
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

// skipLocked ends a subquery that picks queue rows to move while a webhook row is locked:
// on PostgreSQL, rows another transaction holds are skipped instead of waited for, since that
// transaction (a claim) may be waiting for the webhook row. SQLite has one writer.
func (s *Store) skipLocked() string {
	if s.d.Numbered {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}
