package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hookd/hookd/internal/webhook"
)

// health sums up one webhook's attempts in a Complete batch, in order, for the breaker and
// auto-disable state on its row.
type health struct {
	succeeded     bool          // at least one attempt succeeded
	failuresSince int64         // failed attempts after the last success (all of them without one)
	failingSince  sql.NullInt64 // the first failure after the last success
	firstFailure  sql.NullInt64 // the first failure of the batch
	last          int64         // ms of the latest attempt
}

func (h *health) add(a *webhook.Attempt) {
	h.last = max(h.last, ms(a.CreatedAt))
	if a.Succeeded() {
		h.succeeded, h.failuresSince, h.failingSince = true, 0, sql.NullInt64{}
		return
	}
	h.failuresSince++
	at := sql.NullInt64{Int64: ms(a.CreatedAt), Valid: true}
	if !h.failingSince.Valid {
		h.failingSince = at
	}
	if !h.firstFailure.Valid {
		h.firstFailure = at
	}
}

// closeCircuit closes a webhook's breaker after a success and lets every delivery it was
// keeping waiting go now: those parked while it was open (an ordered webhook's oldest only:
// its line lets the rest go one by one) and those waiting for their next backoff step, since
// the receiver answers again; never one a worker holds, and none of a paused webhook.
func (s *Store) closeCircuit(ctx context.Context, tx *sql.Tx, webhookID string, now int64) error {
	var active, ordered bool
	err := tx.QueryRowContext(ctx, s.q(`UPDATE webhooks SET circuit_state = ?, circuit_until = NULL, circuit_probe = '' WHERE id = ? RETURNING active, ordered`),
		webhook.CircuitClosed, webhookID).Scan(&active, &ordered)
	if err != nil || !active {
		return err
	}
	// Rows a claim is taking are skipped: that claim holds our webhook row's next lock in line
	// while it waits, and it sends or parks them itself.
	oldest := ""
	if ordered {
		oldest = " ORDER BY delivery_id LIMIT 1"
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE queue SET next_at = ? WHERE delivery_id IN (SELECT delivery_id FROM queue
		WHERE webhook_id = ? AND next_at IS NULL`+oldest+s.skipLocked()+`)`), now, webhookID); err != nil {
		return fmt.Errorf("release parked deliveries: %w", err)
	}
	// The due index from now on (an empty string appended to webhook_id keeps the planners on
	// it): the open queue.
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE queue SET next_at = ? WHERE delivery_id IN (SELECT delivery_id FROM queue
		WHERE next_at > ? AND leased = 0 AND webhook_id || '' = ?`+s.skipLocked()+`)`), now, now, webhookID); err != nil {
		return fmt.Errorf("release held deliveries: %w", err)
	}
	return nil
}

// lineEnd is where an ordered webhook's line moved in a Complete batch.
type lineEnd struct {
	after string // the oldest delivery of the webhook that ended
	at    int64  // when
}

// advanceLines lets the next delivery of each ordered webhook whose head just ended go: the
// first open one after it, if it is parked and the webhook is active. Complete calls it with
// the webhook rows locked, so a claim of that next delivery waits for the row and then finds
// the head final; the next claim moves line_head on. A delivery a claim holds is skipped (that
// claim sends it or parks it, and then the one after it is released too early: its claim finds
// it is not the head and parks it again). Should an older delivery be open (reopened by a
// retry), the claim likewise parks this one again.
func (s *Store) advanceLines(ctx context.Context, tx *sql.Tx, lines map[string]lineEnd) error {
	for id, end := range lines {
		// The next open delivery from the log's index by webhook, its queue row only if parked.
		_, err := tx.ExecContext(ctx, s.q(`UPDATE queue SET next_at = ? WHERE delivery_id IN (SELECT delivery_id FROM queue WHERE delivery_id =
			(SELECT id FROM deliveries WHERE webhook_id = ? AND id > ? AND `+openStatus+` ORDER BY id LIMIT 1) AND next_at IS NULL`+s.skipLocked()+`)
			AND EXISTS (SELECT 1 FROM webhooks WHERE id = ? AND active = ?)`), end.at, id, end.after, id, true)
		if err != nil {
			return fmt.Errorf("advance ordered line: %w", err)
		}
	}
	return nil
}
