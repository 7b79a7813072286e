package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// rowsPerInsert bounds the ids of one IN list or VALUES list, under every driver's limit of
// parameters per statement.
const rowsPerInsert = 200

// CreateEvents commits events with their deliveries, idempotency records and counters in one transaction.
func (s *Store) CreateEvents(ctx context.Context, events []store.NewEvent, now time.Time, handoff store.Handoff) ([]store.Created, error) {
	out := make([]store.Created, len(events))
	due := false // some delivery is left for a claim (not handed off)
	owner := s.owner()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		targets := map[string][]*webhook.Webhook{} // app id → active webhooks
		seen := map[[2]string]int{}                // (app, idempotency key) → index in this batch
		var evRows, dlvRows, queueRows, idemRows []any
		due = false
		perWebhook := map[string]int64{}
		for i, ne := range events {
			out[i] = store.Created{}
			if ne.IdempotencyKey != "" {
				k := [2]string{ne.AppID, ne.IdempotencyKey}
				if j, ok := seen[k]; ok {
					out[i] = store.Created{Event: out[j].Event, Deliveries: out[j].Deliveries, Duplicate: true}
					continue
				}
				prev, n, err := s.idempotent(ctx, tx, ne.AppID, ne.IdempotencyKey, now)
				if err != nil {
					return err
				}
				if prev != nil {
					out[i] = store.Created{Event: prev, Deliveries: n, Duplicate: true}
					seen[k] = i
					continue
				}
				seen[k] = i
			}
			ts, ok := targets[ne.AppID]
			if !ok {
				var err error
				if ts, err = s.activeWebhooks(ctx, tx, ne.AppID); err != nil {
					return err
				}
				targets[ne.AppID] = ts
			}
			ev := &webhook.Event{ID: cmp.Or(ne.ID, webhook.NewID(webhook.PrefixEvent, now)), AppID: ne.AppID, Type: ne.Type, Payload: ne.Payload,
				IdempotencyKey: ne.IdempotencyKey, Channels: ne.Channels, UID: ne.UID, Raw: ne.Raw, CreatedAt: now}
			evRows = append(evRows, ev.ID, ev.AppID, ev.Type, string(ev.Payload), nullString(ne.IdempotencyKey), ms(now), jsonList(ne.Channels), nullString(ne.UID), ne.Raw)
			n := 0
			var handed []store.Job
			for _, w := range ts {
				if !webhook.Matches(w.EventTypes, ne.Type) || !webhook.OnChannel(w.Channels, ne.Channels) {
					continue
				}
				n++
				perWebhook[w.ID]++
				id, next, lease := webhook.NewID(webhook.PrefixDelivery, now), now, int64(0)
				if handoff != nil && !controlled(w) {
					if until, ok := handoff(w); ok {
						next, lease = until, 1
						handed = append(handed, store.Job{DeliveryID: id, Lease: lease, Trigger: webhook.TriggerScheduled, Event: ev, Webhook: w})
					}
				}
				due = due || lease == 0
				dlvRows = append(dlvRows, id, ne.AppID, w.ID, ev.ID, ne.Type, webhook.StatusPending, ms(now))
				queueRows = append(queueRows, id, w.ID, ms(next), lease, leasedBy(lease, owner))
			}
			if ne.IdempotencyKey != "" {
				idemRows = append(idemRows, ne.AppID, ne.IdempotencyKey, ev.ID, n, ms(now))
			}
			out[i] = store.Created{Event: ev, Deliveries: n, Handed: handed}
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO events (id, app_id, type, payload, idempotency_key, created_at, channels, uid, raw)`, 9, evRows, ""); err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO deliveries (id, app_id, webhook_id, event_id, event_type, status, created_at)`, 7, dlvRows, ""); err != nil {
			return fmt.Errorf("insert deliveries: %w", err)
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO queue (delivery_id, webhook_id, next_at, lease, leased)`, 5, queueRows, ""); err != nil {
			return fmt.Errorf("queue deliveries: %w", err)
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO idempotency_keys (app_id, idem_key, event_id, deliveries, created_at)`, 5, idemRows,
			` ON CONFLICT (app_id, idem_key) DO UPDATE SET event_id = excluded.event_id, deliveries = excluded.deliveries, created_at = excluded.created_at`); err != nil {
			return fmt.Errorf("insert idempotency keys: %w", err)
		}
		return s.countCreated(ctx, tx, perWebhook, now) // counts.go: no webhook row locked
	})
	if err != nil {
		// The commit may have happened all the same (the connection was lost during it): the
		// next Claim gives back the deliveries it would have handed off, so they wait for the
		// store to come back, not for their leases to end.
		for _, c := range out {
			s.lostLeases.add(c.Handed, owner)
		}
		return nil, err
	}
	if due { // deliveries the other instances may claim: wake them, after the commit
		s.notifyLater()
	}
	return out, nil
}

// idempotent returns the event first created with this key within the window, if any.
func (s *Store) idempotent(ctx context.Context, tx *sql.Tx, appID, key string, now time.Time) (*webhook.Event, int, error) {
	var eventID string
	var n int
	err := tx.QueryRowContext(ctx, s.q(`SELECT event_id, deliveries FROM idempotency_keys WHERE app_id = ? AND idem_key = ? AND created_at > ?`),
		appID, key, ms(now.Add(-webhook.IdempotencyWindow))).Scan(&eventID, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("idempotency key: %w", err)
	}
	ev, err := scanEvent(tx.QueryRowContext(ctx, s.q(`SELECT `+eventColumns+` FROM events WHERE id = ?`), eventID))
	if errors.Is(err, sql.ErrNoRows) { // removed by retention: the key still holds
		return &webhook.Event{ID: eventID, AppID: appID, IdempotencyKey: key}, n, nil
	}
	return ev, n, err
}

func (s *Store) activeWebhooks(ctx context.Context, tx *sql.Tx, appID string) ([]*webhook.Webhook, error) {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT `+webhookColumns+` FROM webhooks WHERE app_id = ? AND active = ?`), appID, true)
	if err != nil {
		return nil, fmt.Errorf("active webhooks: %w", err)
	}
	defer rows.Close()
	var out []*webhook.Webhook
	for rows.Next() {
		w, err := s.scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

const eventColumns = `id, app_id, type, payload, idempotency_key, created_at, channels, uid, raw, expunged`

func scanEvent(row scanner) (*webhook.Event, error) {
	var ev webhook.Event
	var payload string
	var idem, uid sql.NullString
	var created int64
	var channels string
	if err := row.Scan(&ev.ID, &ev.AppID, &ev.Type, &payload, &idem, &created, &channels, &uid, &ev.Raw, &ev.Expunged); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(channels), &ev.Channels); err != nil {
		return nil, fmt.Errorf("event %s channels: %w", ev.ID, err)
	}
	ev.UID = uid.String
	ev.Payload = json.RawMessage(payload)
	ev.IdempotencyKey = idem.String
	ev.CreatedAt = fromMS(created)
	return &ev, nil
}

// GetEvent returns one of appID's events with its deliveries.
func (s *Store) GetEvent(ctx context.Context, appID, id string) (*webhook.Event, error) {
	ev, err := scanEvent(s.r.QueryRowContext(ctx, s.q(`SELECT `+eventColumns+` FROM events WHERE id = ? AND app_id = ?`), id, appID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrEventNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get event: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+deliveryColumns+` FROM deliveries WHERE event_id = ? ORDER BY id`), id)
	if err != nil {
		return nil, fmt.Errorf("event deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		ev.Deliveries = append(ev.Deliveries, *d)
	}
	return ev, rows.Err()
}

// deliveryColumns are what scanDelivery reads of the deliveries table (unaliased) and, for
// next_at, its queue row.
const deliveryColumns = `id, app_id, webhook_id, event_id, event_type, status, attempts,
	(SELECT q.next_at FROM queue q WHERE q.delivery_id = deliveries.id), created_at, last_at, response_code, response_ms, last_error`

func scanDelivery(row scanner) (*webhook.Delivery, error) {
	var d webhook.Delivery
	var next, last sql.NullInt64
	var created int64
	err := row.Scan(&d.ID, &d.AppID, &d.WebhookID, &d.EventID, &d.EventType, &d.Status, &d.Attempts, &next, &created, &last, &d.ResponseCode, &d.ResponseMS, &d.LastError)
	if err != nil {
		return nil, err
	}
	d.NextAt, d.LastAt = timePtr(next), timePtr(last)
	d.CreatedAt = fromMS(created)
	return &d, nil
}

// leasedBy is the leased marker of a delivery inserted with lease: handed off, it is owner's.
func leasedBy(lease, owner int64) int64 {
	if lease == 0 {
		return 0
	}
	return owner
}
