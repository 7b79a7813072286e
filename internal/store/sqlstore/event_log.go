package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// ListEvents returns a page of appID's event log, newest first, each event with its
// deliveries (and its payload when asked).
func (s *Store) ListEvents(ctx context.Context, appID string, f store.EventFilter) ([]webhook.Event, error) {
	if f.WebhookID != "" {
		if err := s.ownWebhook(ctx, appID, f.WebhookID); err != nil {
			return nil, err
		}
	}
	var where strings.Builder
	args := []any{appID}
	where.WriteString(`e.app_id = ?`)
	if f.ID != "" {
		where.WriteString(` AND e.id = ?`)
		args = append(args, f.ID)
	}
	if f.UID != "" {
		where.WriteString(` AND e.uid = ?`)
		args = append(args, f.UID)
	}
	if f.Before != "" {
		where.WriteString(` AND e.id < ?`)
		args = append(args, f.Before)
	}
	if f.Since != nil {
		// ids begin with their creation time, so the time bound is also an id bound the index can use.
		where.WriteString(` AND e.created_at > ? AND e.id >= ?`)
		args = append(args, ms(*f.Since), webhook.FirstID(webhook.PrefixEvent, *f.Since))
	}
	if f.Until != nil {
		where.WriteString(` AND e.created_at < ?`)
		args = append(args, ms(*f.Until))
	}
	if len(f.EventTypes) > 0 {
		where.WriteString(` AND e.type IN (` + marks(len(f.EventTypes)) + `)`)
		for _, v := range f.EventTypes {
			args = append(args, v)
		}
	}
	if f.Channel != "" {
		// channels are stored as a JSON array of names that hold no quote and no %.
		where.WriteString(` AND e.channels LIKE ? ESCAPE '\'`)
		args = append(args, `%"`+strings.ReplaceAll(f.Channel, "_", `\_`)+`"%`)
	}
	if len(f.Statuses) > 0 || f.WebhookID != "" {
		where.WriteString(` AND EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id`)
		if len(f.Statuses) > 0 {
			where.WriteString(` AND d.status IN (` + marks(len(f.Statuses)) + `)`)
			for _, v := range f.Statuses {
				args = append(args, v)
			}
		}
		if f.WebhookID != "" {
			where.WriteString(` AND d.webhook_id = ?`)
			args = append(args, f.WebhookID)
		}
		where.WriteString(`)`)
	}
	args = append(args, f.Limit)
	payload := `''`
	if f.Payload {
		payload = `e.payload`
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT e.id, e.app_id, e.type, e.idempotency_key, e.created_at, e.channels, e.uid, `+payload+` FROM events e
		WHERE `+where.String()+` ORDER BY e.id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	events := []webhook.Event{}
	for rows.Next() {
		var ev webhook.Event
		var idem, uid sql.NullString
		var created int64
		var channels, body string
		if err := rows.Scan(&ev.ID, &ev.AppID, &ev.Type, &idem, &created, &channels, &uid, &body); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(channels), &ev.Channels); err != nil {
			return nil, fmt.Errorf("event %s channels: %w", ev.ID, err)
		}
		ev.IdempotencyKey, ev.UID, ev.CreatedAt = idem.String, uid.String, fromMS(created)
		if f.Payload {
			ev.Payload = json.RawMessage(body)
		}
		events = append(events, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return events, s.eventDeliveries(ctx, events)
}

// eventDeliveries fills in the deliveries of events, in one read.
func (s *Store) eventDeliveries(ctx context.Context, events []webhook.Event) error {
	if len(events) == 0 {
		return nil
	}
	at := make(map[string]int, len(events))
	args := make([]any, len(events))
	for i, ev := range events {
		at[ev.ID], args[i] = i, ev.ID
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+deliveryColumns+` FROM deliveries WHERE event_id IN (`+marks(len(events))+`) ORDER BY id`), args...)
	if err != nil {
		return fmt.Errorf("event deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return err
		}
		ev := &events[at[d.EventID]]
		ev.Deliveries = append(ev.Deliveries, *d)
	}
	return rows.Err()
}
