package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// A delivery is open while it has a row in the queue table; its row in deliveries is its log.
// Every write here keeps the two in step: a delivery enters the queue when it is made or
// reopened, and leaves it when it becomes final (Complete) or is deleted.

// insertDelivery makes d (pending) and its queue row, due at d.CreatedAt with the manual mode.
func (s *Store) insertDelivery(ctx context.Context, tx *sql.Tx, d webhook.Delivery, mode int) error {
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO deliveries (id, app_id, webhook_id, event_id, event_type, status, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`), d.ID, d.AppID, d.WebhookID, d.EventID, d.EventType, d.Status, ms(d.CreatedAt)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO queue (delivery_id, webhook_id, next_at, manual) VALUES (?, ?, ?, ?)`),
		d.ID, d.WebhookID, ms(d.CreatedAt), mode)
	return err
}

// dropOpen deletes open deliveries whose queue rows the caller holds: each with its queue row,
// both or neither. A delivery row another transaction holds is skipped (on PostgreSQL), so
// that a caller holding a webhook row never waits for one (the lock order); that one stays
// whole, and a claim that finds it with its webhook gone deletes it.
func (s *Store) dropOpen(ctx context.Context, tx *sql.Tx, ids []any) error {
	for start := 0; start < len(ids); start += rowsPerInsert {
		some := ids[start:min(len(ids), start+rowsPerInsert)]
		chunk, err := s.ids(ctx, tx, `SELECT id FROM deliveries WHERE id IN (`+marks(len(some))+`)`+s.skipLocked(), some...)
		if err != nil {
			return err
		}
		if len(chunk) == 0 {
			continue
		}
		for _, q := range []string{`DELETE FROM queue WHERE delivery_id IN (`, `DELETE FROM deliveries WHERE id IN (`} {
			if _, err := tx.ExecContext(ctx, s.q(q+marks(len(chunk))+`)`), chunk...); err != nil {
				return err
			}
		}
	}
	return nil
}

// reopen is a delivery moved back into the queue by a retry or a recover.
type reopen struct {
	id, webhookID, status string
}

// requeue makes deliveries due at now with the given manual mode and returns those it moved.
// Their statistics stay: a delivery counts by its latest attempt until the next one is made.
// Final ones re-enter the queue pending, so their webhook's finished count (the queue depth)
// moves back. The lease moves on, so an attempt still in flight for one of them cannot
// complete it.
//
// The queue rows are locked first, then the log rows (the lock order): a completion holds a
// queue row while it writes the log row. With busy set (recover), rows another transaction
// holds and queue rows a worker has leased are skipped; a retry waits for them instead. A
// delivery whose log row no longer matches cond (read under its lock) is left alone, and so
// is one found open whose queue row this did not lock (reopened meanwhile by another).
func (s *Store) requeue(ctx context.Context, tx *sql.Tx, ids []any, mode int, now time.Time, busy bool, cond string) ([]reopen, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	lockQueue, lockLog := s.forUpdate(), s.forUpdate()
	if busy {
		lockQueue, lockLog = ` AND leased = 0`+s.skipLocked(), s.skipLocked()
	}
	heldIDs, err := s.ids(ctx, tx, `SELECT delivery_id FROM queue WHERE delivery_id IN (`+marks(len(ids))+`)`+lockQueue, ids...)
	if err != nil {
		return nil, fmt.Errorf("lock queue rows: %w", err)
	}
	held := map[any]bool{}
	for _, id := range heldIDs {
		held[id] = true
	}
	var others []any
	for _, id := range ids {
		if !held[id] {
			others = append(others, id)
		}
	}
	// The log rows of the queue rows held, and of the deliveries with none (final); never one
	// whose queue row another holds, which that one may be writing.
	var found []reopen
	for _, q := range []struct {
		ids   []any
		where string
	}{
		{heldIDs, ""},
		{others, ` AND NOT EXISTS (SELECT 1 FROM queue q WHERE q.delivery_id = deliveries.id)`},
	} {
		if len(q.ids) == 0 {
			continue
		}
		rows, err := tx.QueryContext(ctx, s.q(`SELECT id, webhook_id, status FROM deliveries WHERE id IN (`+marks(len(q.ids))+`)`+q.where+` AND `+cond+
			` ORDER BY id`+lockLog), q.ids...)
		if err != nil {
			return nil, fmt.Errorf("lock deliveries: %w", err)
		}
		for rows.Next() {
			var d reopen
			if err := rows.Scan(&d.id, &d.webhookID, &d.status); err != nil {
				rows.Close()
				return nil, err
			}
			found = append(found, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var done []reopen
	var open, final []any
	for _, d := range found {
		switch {
		case held[d.id]:
			open = append(open, d.id)
		case webhook.Final(d.status):
			final = append(final, d.id)
		default:
			continue // reopened meanwhile by another
		}
		done = append(done, d)
	}
	if len(open) > 0 {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE queue SET next_at = ?, manual = ?, lease = lease + 1, leased = 0 WHERE delivery_id IN (`+marks(len(open))+`)`),
			append([]any{ms(now), mode}, open...)...); err != nil {
			return nil, fmt.Errorf("requeue delivery: %w", err)
		}
	}
	if len(final) > 0 {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO queue (delivery_id, webhook_id, next_at, manual, lease)
			SELECT id, webhook_id, ?, ?, lease + 1 FROM deliveries WHERE id IN (`+marks(len(final))+`)`), append([]any{ms(now), mode}, final...)...); err != nil {
			return nil, fmt.Errorf("requeue delivery: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE deliveries SET status = ? WHERE id IN (`+marks(len(final))+`)`),
			append([]any{webhook.StatusPending}, final...)...); err != nil {
			return nil, fmt.Errorf("reopen delivery: %w", err)
		}
	}
	reopened := map[string]int64{}
	oldest := map[string]string{} // per webhook, the oldest delivery reopened
	for _, d := range done {
		if o, ok := oldest[d.webhookID]; !ok || d.id < o {
			oldest[d.webhookID] = d.id
		}
		if webhook.Final(d.status) {
			reopened[d.webhookID]++
		}
	}
	for _, id := range sortedKeys(reopened) {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE webhooks SET finished = finished - ? WHERE id = ?`), reopened[id], id); err != nil {
			return nil, fmt.Errorf("requeue counters: %w", err)
		}
	}
	// An ordered line starts again at the oldest delivery reopened, if that is older than its head.
	for _, id := range sortedKeys(oldest) {
		o := oldest[id]
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE webhooks SET line_head = ? WHERE id = ? AND ordered = ? AND line_head > ?`), o, id, true, o); err != nil {
			return nil, fmt.Errorf("requeue into ordered line: %w", err)
		}
	}
	return done, s.notify(ctx, tx)
}

// queueOf locks and returns the webhook's open deliveries, oldest first, skipping (PostgreSQL)
// the queue rows another transaction holds this moment.
func (s *Store) queueOf(ctx context.Context, tx *sql.Tx, webhookID string) ([]any, error) {
	return s.ids(ctx, tx, `SELECT delivery_id FROM queue WHERE webhook_id = ? ORDER BY delivery_id`+s.skipLocked(), webhookID)
}
