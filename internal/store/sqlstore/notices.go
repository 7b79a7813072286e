package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// notice is an operational event about one webhook (its subject), for the app that owns it.
type notice struct {
	appID, about, typ string
	payload           any
	// when, if set, is checked and applied under the subject's row lock: the notice goes only
	// if it matches a row (so of two instances seeing the same change, one tells the app).
	when     string
	whenArgs []any
}

// webhookNotice is the payload of webhook.failing, webhook.recovered and webhook.disabled.
type webhookNotice struct {
	WebhookID           string `json:"webhook_id"`
	Name                string `json:"name"`
	URL                 string `json:"url"`
	Reason              string `json:"reason"`
	ConsecutiveFailures int64  `json:"consecutive_failures"`
	At                  string `json:"at"`
	DisabledAt          string `json:"disabled_at,omitempty"`
}

// exhaustedNotice is the payload of delivery.exhausted.
type exhaustedNotice struct {
	WebhookID  string `json:"webhook_id"`
	DeliveryID string `json:"delivery_id"`
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type"`
	Attempts   int    `json:"attempts"`
	StatusCode int    `json:"status_code"`
	Reason     string `json:"reason"`
	At         string `json:"at"`
}

// sendNotices commits operational events in a transaction of their own, after the one that
// decided them: each goes to the app's active webhooks that subscribe to its type by name or
// by a prefix.* pattern (never to catch-all webhooks, never to its subject), and events about
// operational deliveries are never raised, so notices cannot feed each other. Every webhook
// row it writes is locked first, in id order, as every transaction that locks several does.
func (s *Store) sendNotices(ctx context.Context, ns []notice, now time.Time) error {
	if len(ns) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		targets := map[string][]*webhook.Webhook{}
		lock := map[string]bool{}
		for _, n := range ns {
			if _, ok := targets[n.appID]; !ok {
				ts, err := s.activeWebhooks(ctx, tx, n.appID)
				if err != nil {
					return err
				}
				targets[n.appID] = ts
			}
			if n.when != "" {
				lock[n.about] = true
			}
			for _, w := range recipients(targets[n.appID], n) {
				lock[w.ID] = true
			}
		}
		if err := s.lockWebhooks(ctx, tx, lock); err != nil {
			return err
		}
		for _, n := range ns {
			if n.when != "" {
				res, err := tx.ExecContext(ctx, s.q(n.when), n.whenArgs...)
				if err != nil {
					return fmt.Errorf("%s: %w", n.typ, err)
				}
				if k, _ := res.RowsAffected(); k == 0 {
					continue // told already, or no longer true
				}
			}
			if err := s.insertNotice(ctx, tx, n, recipients(targets[n.appID], n), now); err != nil {
				return err
			}
		}
		return s.notify(ctx, tx)
	})
}

// recipients are the webhooks of ts that n goes to.
func recipients(ts []*webhook.Webhook, n notice) []*webhook.Webhook {
	var out []*webhook.Webhook
	for _, w := range ts {
		if w.ID != n.about && webhook.SubscribesTo(w.EventTypes, n.typ) {
			out = append(out, w)
		}
	}
	return out
}

// lockWebhooks takes the row locks of ids in id order (PostgreSQL; SQLite has one writer).
func (s *Store) lockWebhooks(ctx context.Context, tx *sql.Tx, ids map[string]bool) error {
	if !s.d.Numbered || len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, len(ids))
	for id := range ids {
		args = append(args, id)
	}
	slices.SortFunc(args, func(a, b any) int {
		switch {
		case a.(string) < b.(string):
			return -1
		case a.(string) > b.(string):
			return 1
		}
		return 0
	})
	rows, err := tx.QueryContext(ctx, s.q(`SELECT id FROM webhooks WHERE id IN (`+marks(len(args))+`) ORDER BY id FOR UPDATE`), args...)
	if err != nil {
		return fmt.Errorf("lock webhooks: %w", err)
	}
	rows.Close()
	return rows.Err()
}

// insertNotice records n's event and one delivery per recipient; with none, nothing.
func (s *Store) insertNotice(ctx context.Context, tx *sql.Tx, n notice, to []*webhook.Webhook, now time.Time) error {
	if len(to) == 0 {
		return nil
	}
	payload, err := json.Marshal(n.payload)
	if err != nil {
		return err
	}
	ev := webhook.NewID(webhook.PrefixEvent, now)
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO events (id, app_id, type, payload, created_at) VALUES (?, ?, ?, ?, ?)`),
		ev, n.appID, n.typ, string(payload), ms(now)); err != nil {
		return fmt.Errorf("insert operational event: %w", err)
	}
	created := map[string]int64{}
	for _, w := range to {
		d := webhook.Delivery{ID: webhook.NewID(webhook.PrefixDelivery, now), AppID: n.appID, WebhookID: w.ID, EventID: ev, EventType: n.typ,
			Status: webhook.StatusPending, CreatedAt: now}
		if err := s.insertDelivery(ctx, tx, d, scheduled); err != nil {
			return fmt.Errorf("insert operational delivery: %w", err)
		}
		created[w.ID]++
	}
	return s.countCreated(ctx, tx, created, now)
}

// failingNotice tells the app that its webhook w is failing now, once: the next is sent
// after it has recovered.
func failingNotice(appID, id, name, url string, streak int64, reason string, now time.Time) notice {
	return notice{appID: appID, about: id, typ: webhook.EventWebhookFailing,
		payload: webhookNotice{WebhookID: id, Name: name, URL: url, Reason: reason, ConsecutiveFailures: streak, At: now.UTC().Format(time.RFC3339Nano)},
		when:    `UPDATE webhooks SET failing_notified = 1 WHERE id = ? AND failing_notified = 0 AND consecutive_failures > 0`, whenArgs: []any{id}}
}

// recoveredNotice tells the app that its webhook, reported failing, got a success again.
func recoveredNotice(appID, id, name, url string, now time.Time) notice {
	return notice{appID: appID, about: id, typ: webhook.EventWebhookRecovered,
		payload: webhookNotice{WebhookID: id, Name: name, URL: url, Reason: "A delivery attempt succeeded again", At: now.UTC().Format(time.RFC3339Nano)},
		when:    `UPDATE webhooks SET failing_notified = 0 WHERE id = ? AND failing_notified = 1 AND consecutive_failures = 0`, whenArgs: []any{id}}
}
