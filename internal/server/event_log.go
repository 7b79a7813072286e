package server

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// The event log (SPEC §5): an app's events, newest first, searched by id, type, time,
// delivery status and webhook.

type eventSummaryJSON struct {
	ID             string         `json:"id"`
	EventType      string         `json:"event_type"`
	IdempotencyKey string         `json:"idempotency_key,omitempty"`
	CreatedAt      jsonTime       `json:"created_at"`
	Deliveries     []deliveryJSON `json:"deliveries"`
}

// eventFilter reads the event log's parameters: limit, cursor, id, event_type, since, until,
// status and webhook_id.
func eventFilter(r *http.Request) (store.EventFilter, error) {
	var f store.EventFilter
	var err error
	if f.Limit, err = intParam(r, "limit", 50, 1, 250); err != nil {
		return f, err
	}
	q := r.URL.Query()
	if c := q.Get("cursor"); c != "" {
		if !webhook.ValidIDFormat(webhook.PrefixEvent, c) {
			return f, webhook.Errorf(webhook.EInvalid, "cursor must be an event id from next_cursor")
		}
		f.Before = c
	}
	if id := strings.TrimSpace(q.Get("id")); id != "" {
		if !webhook.ValidIDFormat(webhook.PrefixEvent, id) {
			return f, webhook.Errorf(webhook.EInvalid, "id must be an event id (msg_…), got %q", id)
		}
		f.ID = id
	}
	if wh := strings.TrimSpace(q.Get("webhook_id")); wh != "" {
		if !webhook.ValidIDFormat(webhook.PrefixWebhook, wh) {
			return f, webhook.Errorf(webhook.EInvalid, "webhook_id must be a webhook id (wh_…), got %q", wh)
		}
		f.WebhookID = wh
	}
	for _, st := range listParam(r, "status") {
		if !slices.Contains(deliveryStatuses, st) {
			return f, webhook.Errorf(webhook.EInvalid, "status must be one or more of pending, retrying, delivered, failed; got %q", st)
		}
		f.Statuses = append(f.Statuses, st)
	}
	for _, et := range listParam(r, "event_type") {
		if !utf8.ValidString(et) || strings.ContainsRune(et, 0) { // PostgreSQL text holds neither
			return f, webhook.Errorf(webhook.EInvalid, "event_type must be UTF-8 text without NUL bytes")
		}
		if err := webhook.ValidateEventType(et); err != nil {
			return f, webhook.Errorf(webhook.EInvalid, "event_type: %s", webhook.ErrorMessage(err))
		}
		f.EventTypes = append(f.EventTypes, et)
	}
	if f.Since, err = timeParam(r, "since"); err != nil {
		return f, err
	}
	if f.Until, err = timeParam(r, "until"); err != nil {
		return f, err
	}
	return f, nil
}

func (s *Server) handleEventList(w http.ResponseWriter, r *http.Request) {
	f, err := eventFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit := f.Limit
	f.Limit++
	events, err := s.store.ListEvents(r.Context(), keyFrom(r.Context()).AppID, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page := struct {
		Data       []eventSummaryJSON `json:"data"`
		HasMore    bool               `json:"has_more"`
		NextCursor string             `json:"next_cursor,omitempty"`
	}{Data: []eventSummaryJSON{}}
	if len(events) > limit {
		events, page.HasMore = events[:limit], true
		page.NextCursor = events[limit-1].ID
	}
	for _, ev := range events {
		page.Data = append(page.Data, eventSummaryJSON{ID: ev.ID, EventType: ev.Type, IdempotencyKey: ev.IdempotencyKey,
			CreatedAt: jsonTime(ev.CreatedAt), Deliveries: toDeliveriesJSON(ev.Deliveries)})
	}
	writeJSON(w, http.StatusOK, page)
}
