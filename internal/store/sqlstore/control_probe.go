package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// probeSweepEvery is how often a busy instance looks for breakers whose cool-down is over; an
// idle one wakes for the earliest (NextDue), and Trip tells its own instance when its ends.
const probeSweepEvery = time.Second

// probeClock says when Claim next runs releaseProbes: at the end of a cool-down this instance
// knows of, and at least every probeSweepEvery (another instance may have opened a breaker).
type probeClock struct {
	due  atomic.Int64 // ms: the earliest cool-down end known; MaxInt64 when none
	last atomic.Int64 // ms: the last sweep
}

// expect notes a cool-down that ends at at.
func (c *probeClock) expect(at time.Time) {
	v := ms(at)
	for {
		cur := c.due.Load()
		if cur != 0 && cur <= v || c.due.CompareAndSwap(cur, v) {
			return
		}
	}
}

// sweep reports whether a sweep is due at now, and if so counts it as done.
func (c *probeClock) sweep(now time.Time) bool {
	n := ms(now)
	last, due := c.last.Load(), c.due.Load()
	if due == 0 {
		due = math.MaxInt64
	}
	if n < due && n >= last && n-last < probeSweepEvery.Milliseconds() {
		return false
	}
	c.last.Store(n)
	c.due.Store(math.MaxInt64)
	return true
}

// releaseProbes lets one parked delivery of each active webhook whose breaker cool-down (or
// last probe's lease) is over go now as its probe: the breaker turns half_open for one lease
// and names the probe, so the claim sends it and parks the others (webhook.Control.Decide).
// Parked deliveries otherwise stay untouched while the breaker is open, however often it
// reopens. Rows another transaction holds are skipped (that may be a claim of this webhook's
// deliveries, which makes a probe itself); the next sweep finds them.
func (s *Store) releaseProbes(ctx context.Context, now time.Time, lease time.Duration) error {
	return s.relaxedTx(ctx, func(tx *sql.Tx) error {
		lock := ""
		if s.d.Numbered {
			lock = " FOR UPDATE OF w SKIP LOCKED"
		}
		rows, err := tx.QueryContext(ctx, s.q(`SELECT w.id, (SELECT q.delivery_id FROM queue q WHERE q.webhook_id = w.id AND q.next_at IS NULL
			ORDER BY q.delivery_id LIMIT 1) FROM webhooks w
			WHERE w.circuit_state <> 'closed' AND w.circuit_until <= ? AND w.active = ? ORDER BY w.id`+lock), ms(now), true)
		if err != nil {
			return fmt.Errorf("find breakers to probe: %w", err)
		}
		type probe struct{ webhookID, deliveryID string }
		var ps []probe
		for rows.Next() {
			var p probe
			var d sql.NullString
			if err := rows.Scan(&p.webhookID, &d); err != nil {
				rows.Close()
				return err
			}
			if d.Valid {
				p.deliveryID = d.String
				ps = append(ps, p)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, p := range ps {
			// The webhook row is held: a queue row only with SKIP LOCKED (the lock order).
			res, err := tx.ExecContext(ctx, s.q(`UPDATE queue SET next_at = ? WHERE delivery_id IN (SELECT delivery_id FROM queue
				WHERE delivery_id = ? AND next_at IS NULL`+s.skipLocked()+`)`), ms(now), p.deliveryID)
			if err != nil {
				return fmt.Errorf("release probe: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // taken meanwhile; the next sweep picks another
			}
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE webhooks SET circuit_state = ?, circuit_until = ?, circuit_probe = ? WHERE id = ?`),
				webhook.CircuitHalfOpen, ms(now.Add(lease)), p.deliveryID, p.webhookID); err != nil {
				return fmt.Errorf("half-open breaker: %w", err)
			}
		}
		return nil
	})
}
