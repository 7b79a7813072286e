package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Values of queue.manual.
const (
	scheduled  = 0 // an ordinary delivery
	manual     = 1 // attempts are recorded as manual; breaker, line and throttle still apply (recover)
	manualNow  = 2 // manual and sent at once, past breaker, ordered line and throttle (retry, test)
	openStatus = `status IN ('pending', 'retrying')`
)

// controlSettingsChanged keeps the control state in step with an update of w's settings:
// reactivating starts a fresh breaker and auto-disable clock.
func (s *Store) controlSettingsChanged(ctx context.Context, tx *sql.Tx, w *webhook.Webhook, wasActive bool) error {
	if !wasActive && w.Active {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE webhooks SET circuit_state = ?, circuit_until = NULL, consecutive_failures = 0,
			failing_since = NULL, disabled_reason = '', disabled_at = NULL WHERE id = ?`), webhook.CircuitClosed, w.ID)
		if err != nil {
			return fmt.Errorf("reset control state: %w", err)
		}
		w.Circuit, w.DisabledReason, w.DisabledAt = webhook.CircuitClosed, "", nil
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// notifyEvery is the most often one instance sends NOTIFY for event commits.
const notifyEvery = 5 * time.Millisecond

// notifyLater wakes the other instances (PostgreSQL NOTIFY) after an event commit, outside
// it and at most once per notifyEvery: a NOTIFY in a transaction serializes every commit of
// the cluster behind it, and one wake-up tells a claim loop all that is due.
func (s *Store) notifyLater() {
	if s.d.NotifySQL == "" || !s.notifyPending.CompareAndSwap(false, true) {
		return
	}
	time.AfterFunc(notifyEvery, func() {
		s.notifyPending.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = s.w.ExecContext(ctx, s.d.NotifySQL) // lost, the others' claim loops still poll
	})
}

// notify wakes the other instances from inside tx, for rare writes that make deliveries due.
func (s *Store) notify(ctx context.Context, tx *sql.Tx) error {
	if s.d.NotifySQL == "" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, s.d.NotifySQL); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// RetryDelivery makes one delivery due now as a manual attempt.
func (s *Store) RetryDelivery(ctx context.Context, appID, webhookID, eventID string, now time.Time) (*webhook.Delivery, error) {
	var d *webhook.Delivery
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		d, err = scanDelivery(tx.QueryRowContext(ctx, s.q(`SELECT `+deliveryColumns+` FROM deliveries WHERE webhook_id = ? AND event_id = ? AND app_id = ?`),
			webhookID, eventID, appID))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrDeliveryNotFound
		}
		if err != nil {
			return fmt.Errorf("find delivery: %w", err)
		}
		// requeue locks the delivery (its status decides the counts it moves); the event is
		// read after that, so an expunge that held the delivery first is seen.
		if _, err := s.requeue(ctx, tx, []any{d.ID}, manualNow, now, false, "true"); err != nil {
			return err
		}
		var expunged bool
		if err := tx.QueryRowContext(ctx, s.q(`SELECT expunged FROM events WHERE id = ?`), eventID).Scan(&expunged); err != nil {
			return fmt.Errorf("find event: %w", err)
		}
		if expunged {
			return errExpunged
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if webhook.Final(d.Status) {
		d.Status = webhook.StatusPending
	}
	d.NextAt = &now
	return d, nil
}

// TestEventType is the type of the events POST /webhooks/{id}/test sends.
const TestEventType = "webhook.test"

// CreateTestEvent commits ne (a webhook.test event if it has no type) and its one delivery, to w only.
func (s *Store) CreateTestEvent(ctx context.Context, w *webhook.Webhook, ne store.NewEvent, now time.Time) (*webhook.Event, error) {
	ev := &webhook.Event{ID: webhook.NewID(webhook.PrefixEvent, now), AppID: w.AppID, Type: cmp.Or(ne.Type, TestEventType), Payload: ne.Payload,
		Raw: ne.Raw, CreatedAt: now}
	d := webhook.Delivery{ID: webhook.NewID(webhook.PrefixDelivery, now), AppID: w.AppID, WebhookID: w.ID, EventID: ev.ID, EventType: ev.Type,
		Status: webhook.StatusPending, NextAt: &now, CreatedAt: now}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO events (id, app_id, type, payload, created_at, raw) VALUES (?, ?, ?, ?, ?, ?)`),
			ev.ID, ev.AppID, ev.Type, string(ev.Payload), ms(now), ev.Raw); err != nil {
			return fmt.Errorf("insert test event: %w", err)
		}
		if err := s.insertDelivery(ctx, tx, d, manualNow); err != nil {
			return fmt.Errorf("insert test delivery: %w", err)
		}
		var one int
		err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM webhooks WHERE id = ? AND app_id = ?`), w.ID, w.AppID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrWebhookNotFound
		}
		if err != nil {
			return fmt.Errorf("find webhook: %w", err)
		}
		if err := s.countCreated(ctx, tx, map[string]int64{w.ID: 1}, now); err != nil {
			return err
		}
		return s.notify(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	ev.Deliveries = []webhook.Delivery{d}
	return ev, nil
}

// Trip opens the breakers and disables the webhooks that p says must be, then tells their
// apps (webhook.failing when a breaker opens before the failing streak was reported,
// webhook.disabled) in a transaction of its own.
func (s *Store) Trip(ctx context.Context, webhookIDs []string, p store.Policy, now time.Time) (store.Tripped, error) {
	var t store.Tripped
	if len(webhookIDs) == 0 {
		return t, nil
	}
	ids := make([]any, len(webhookIDs))
	for i, id := range webhookIDs {
		ids[i] = id
	}
	var ns []notice
	err := s.tx(ctx, func(tx *sql.Tx) error {
		t, ns = store.Tripped{}, nil
		lock := map[string]bool{}
		for _, id := range webhookIDs {
			lock[id] = true
		}
		if err := s.lockWebhooks(ctx, tx, lock); err != nil { // every row it may write, in id order
			return err
		}
		if p.BreakerThreshold > 0 {
			opened, err := s.openBreakers(ctx, tx, ids, p, now)
			if err != nil {
				return err
			}
			for _, o := range opened {
				t.Opened = append(t.Opened, o.id)
				reason := fmt.Sprintf("Circuit breaker opened after %d failed attempts in a row; deliveries are held for %s", o.streak, p.BreakerCooldown)
				ns = append(ns, failingNotice(o.appID, o.id, o.name, o.url, o.streak, reason, now))
			}
		}
		if p.DisableAfter <= 0 {
			return nil
		}
		reason := fmt.Sprintf("Disabled automatically: every delivery attempt failed for %s", p.DisableAfter)
		args := append([]any{false, reason, ms(now)}, ids...)
		args = append(args, true, ms(now.Add(-p.DisableAfter)))
		rows, err := tx.QueryContext(ctx, s.q(`UPDATE webhooks SET active = ?, disabled_reason = ?, disabled_at = ? WHERE id IN (`+marks(len(ids))+`)
			AND active = ? AND failing_since IS NOT NULL AND failing_since <= ? RETURNING id, app_id, name, url, consecutive_failures`), args...)
		if err != nil {
			return fmt.Errorf("disable webhooks: %w", err)
		}
		for rows.Next() {
			n := webhookNotice{Reason: reason, At: now.UTC().Format(time.RFC3339Nano), DisabledAt: now.UTC().Format(time.RFC3339Nano)}
			var appID string
			if err := rows.Scan(&n.WebhookID, &appID, &n.Name, &n.URL, &n.ConsecutiveFailures); err != nil {
				rows.Close()
				return err
			}
			t.Disabled = append(t.Disabled, n.WebhookID)
			ns = append(ns, notice{appID: appID, about: n.WebhookID, typ: webhook.EventWebhookDisabled, payload: n})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range t.Disabled {
			// Pending deliveries wait for reactivation, as with a manual pause. Rows a claim
			// or a completion holds are skipped (the webhook row is ours): the next claim
			// parks them, since the webhook is inactive.
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE queue SET next_at = NULL WHERE delivery_id IN (SELECT delivery_id FROM queue
				WHERE webhook_id = ?`+s.skipLocked()+`)`), id); err != nil {
				return fmt.Errorf("pause disabled webhook: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return t, err
	}
	return t, s.sendNotices(ctx, ns, now)
}

// opened is a breaker Trip opened.
type opened struct {
	id, appID, name, url string
	streak               int64
}

// openBreakers opens the breakers of the webhooks with enough consecutive failures, until
// the end of a cool-down. Those that were half-open failed their probe; their parked
// deliveries stay parked (a due time per delivery would have to be moved at every opening):
// once the cool-down is over, Claim lets one of them go as the next probe (releaseProbes). It
// returns the breakers that were closed until now (a failed probe reopens one; that is no news).
func (s *Store) openBreakers(ctx context.Context, tx *sql.Tx, ids []any, p store.Policy, now time.Time) ([]opened, error) {
	args := append(append([]any{}, ids...), p.BreakerThreshold, webhook.CircuitOpen)
	rows, err := tx.QueryContext(ctx, s.q(`SELECT id, app_id, name, url, consecutive_failures, circuit_state FROM webhooks WHERE id IN (`+marks(len(ids))+`)
		AND consecutive_failures >= ? AND circuit_state <> ? ORDER BY id`), args...)
	if err != nil {
		return nil, fmt.Errorf("find breakers to open: %w", err)
	}
	var ts []opened
	var closed []bool
	for rows.Next() {
		var o opened
		var state string
		if err := rows.Scan(&o.id, &o.appID, &o.name, &o.url, &o.streak, &state); err != nil {
			rows.Close()
			return nil, err
		}
		ts, closed = append(ts, o), append(closed, state == webhook.CircuitClosed)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []opened
	until := now.Add(p.BreakerCooldown)
	for i, o := range ts {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE webhooks SET circuit_state = ?, circuit_until = ? WHERE id = ?`),
			webhook.CircuitOpen, ms(until), o.id); err != nil {
			return nil, fmt.Errorf("open breaker: %w", err)
		}
		s.probes.expect(until)
		if closed[i] {
			out = append(out, o)
		}
	}
	return out, nil
}

// CircuitCounts counts webhooks by breaker state.
func (s *Store) CircuitCounts(ctx context.Context) (map[string]int64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT circuit_state, COUNT(*) FROM webhooks GROUP BY circuit_state`)
	if err != nil {
		return nil, fmt.Errorf("circuit counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{webhook.CircuitClosed: 0, webhook.CircuitOpen: 0, webhook.CircuitHalfOpen: 0}
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		out[state] = n
	}
	return out, rows.Err()
}
