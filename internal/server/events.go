package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

type eventInput struct {
	EventType      string          `json:"event_type"`
	Payload        json.RawMessage `json:"payload"`
	IdempotencyKey string          `json:"idempotency_key"`
}

type eventAccepted struct {
	ID         string   `json:"id"`
	EventType  string   `json:"event_type"`
	CreatedAt  jsonTime `json:"created_at"`
	Deliveries int      `json:"deliveries"`
	Duplicate  bool     `json:"duplicate,omitempty"`
}

// check validates one event and turns it into what the store commits.
func (s *Server) check(appID string, in eventInput, where string) (store.NewEvent, error) {
	if err := webhook.ValidateEventType(in.EventType); err != nil {
		return store.NewEvent{}, webhook.Errorf(webhook.EInvalid, "%s%s", where, webhook.ErrorMessage(err))
	}
	if len(in.Payload) == 0 || string(in.Payload) == "null" {
		return store.NewEvent{}, webhook.Errorf(webhook.EInvalid, "%spayload is required (any JSON value but null)", where)
	}
	if int64(len(in.Payload)) > s.opts.MaxPayload {
		return store.NewEvent{}, webhook.Errorf(webhook.ETooLarge, "%spayload is %d bytes; the limit is %d bytes", where, len(in.Payload), s.opts.MaxPayload)
	}
	if !utf8.Valid(in.Payload) { // JSON strings decode invalid UTF-8 to U+FFFD, but the payload is kept as it came
		return store.NewEvent{}, webhook.Errorf(webhook.EInvalid, "%spayload is not valid UTF-8 (JSON text must be)", where)
	}
	if len(in.IdempotencyKey) > webhook.MaxIdempotencyLen {
		return store.NewEvent{}, webhook.Errorf(webhook.EInvalid, "%sidempotency_key is longer than %d characters", where, webhook.MaxIdempotencyLen)
	}
	if err := webhook.ValidText("idempotency_key", in.IdempotencyKey); err != nil {
		return store.NewEvent{}, webhook.Errorf(webhook.EInvalid, "%s%s", where, webhook.ErrorMessage(err))
	}
	return store.NewEvent{AppID: appID, Type: in.EventType, Payload: in.Payload, IdempotencyKey: in.IdempotencyKey}, nil
}

func accepted(c store.Created) eventAccepted {
	return eventAccepted{ID: c.Event.ID, EventType: c.Event.Type, CreatedAt: jsonTime(c.Event.CreatedAt), Deliveries: c.Deliveries, Duplicate: c.Duplicate}
}

// handleEventCreate answers 202 only once the event and its deliveries are committed.
func (s *Server) handleEventCreate(w http.ResponseWriter, r *http.Request) {
	var in eventInput
	if err := decode(w, r, s.opts.MaxPayload+64<<10, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.IdempotencyKey == "" {
		in.IdempotencyKey = strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	}
	ne, err := s.check(keyFrom(r.Context()).AppID, in, "")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.ingest.Submit(r.Context(), []store.NewEvent{ne})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.metrics.EventsAccepted.Inc()
	writeJSON(w, http.StatusAccepted, accepted(out[0]))
}

// maxBatchBody bounds a batch request: 500 events, most of them small.
const maxBatchBody = 16 << 20

func (s *Server) handleEventBatch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Events []eventInput `json:"events"`
	}
	if err := decode(w, r, maxBatchBody, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(in.Events) == 0 || len(in.Events) > webhook.MaxBatch {
		s.writeError(w, r, webhook.Errorf(webhook.EInvalid, "events must hold between 1 and %d events, got %d", webhook.MaxBatch, len(in.Events)))
		return
	}
	appID := keyFrom(r.Context()).AppID
	events := make([]store.NewEvent, len(in.Events))
	for i, e := range in.Events {
		ne, err := s.check(appID, e, "events["+strconv.Itoa(i)+"]: ")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		events[i] = ne
	}
	out, err := s.ingest.Submit(r.Context(), events)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := struct {
		Data []eventAccepted `json:"data"`
	}{Data: make([]eventAccepted, len(out))}
	for i, c := range out {
		resp.Data[i] = accepted(c)
	}
	s.metrics.EventsAccepted.Add(float64(len(out)))
	writeJSON(w, http.StatusAccepted, resp)
}

type deliveryJSON struct {
	ID            string    `json:"id"`
	WebhookID     string    `json:"webhook_id"`
	Status        string    `json:"status"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt *jsonTime `json:"next_attempt_at"`
	LastAttemptAt *jsonTime `json:"last_attempt_at"`
	ResponseCode  int       `json:"response_code"`
	ResponseTime  float64   `json:"response_time"`
	ErrorMessage  string    `json:"error_message"`
}

func (s *Server) handleEventGet(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !webhook.ValidIDFormat(webhook.PrefixEvent, id) {
		s.writeError(w, r, webhook.Errorf(webhook.EInvalid, "Invalid event ID format"))
		return
	}
	ev, err := s.store.GetEvent(r.Context(), keyFrom(r.Context()).AppID, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := struct {
		ID             string          `json:"id"`
		EventType      string          `json:"event_type"`
		Payload        json.RawMessage `json:"payload"`
		IdempotencyKey string          `json:"idempotency_key,omitempty"`
		CreatedAt      jsonTime        `json:"created_at"`
		Deliveries     []deliveryJSON  `json:"deliveries"`
	}{ID: ev.ID, EventType: ev.Type, Payload: ev.Payload, IdempotencyKey: ev.IdempotencyKey, CreatedAt: jsonTime(ev.CreatedAt), Deliveries: toDeliveriesJSON(ev.Deliveries)}
	writeJSON(w, http.StatusOK, out)
}

func toDeliveriesJSON(ds []webhook.Delivery) []deliveryJSON {
	out := make([]deliveryJSON, 0, len(ds))
	for _, d := range ds {
		next := d.NextAt
		if webhook.Final(d.Status) {
			next = nil
		}
		out = append(out, deliveryJSON{ID: d.ID, WebhookID: d.WebhookID, Status: d.Status, Attempts: d.Attempts,
			NextAttemptAt: optTime(next), LastAttemptAt: optTime(d.LastAt), ResponseCode: d.ResponseCode, ResponseTime: round2(d.ResponseMS), ErrorMessage: d.LastError})
	}
	return out
}
