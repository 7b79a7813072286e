package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// /v1 (seed 000): the messages of one webhook and their delivery attempts, in the shape of the
// Svix-style API the seed documents: camelCase fields, cursor pages {"data","iterator","done"}.

const (
	defaultV1Limit = 50
	maxV1Limit     = 250
)

var (
	errBadMessageID = webhook.Errorf(webhook.EInvalid, "Invalid message ID format")
	errBadAttemptID = webhook.Errorf(webhook.EInvalid, "Invalid attempt ID format")
)

var deliveryStatuses = []string{webhook.StatusPending, webhook.StatusRetrying, webhook.StatusDelivered, webhook.StatusFailed}

// messageJSON is one event as delivered to one webhook. The list leaves payload out.
type messageJSON struct {
	ID                 string          `json:"id"`
	EventType          string          `json:"eventType"`
	Payload            json.RawMessage `json:"payload,omitempty"`
	Timestamp          jsonTime        `json:"timestamp"`
	Status             string          `json:"status"`
	Attempts           int             `json:"attempts"`
	NextAttempt        *jsonTime       `json:"nextAttempt"`
	LastAttempt        *jsonTime       `json:"lastAttempt"`
	ResponseStatusCode *int            `json:"responseStatusCode"`
	DeliveryID         string          `json:"deliveryId"`
}

func toMessage(d *webhook.Delivery) messageJSON {
	m := messageJSON{ID: d.EventID, EventType: d.EventType, Timestamp: jsonTime(d.CreatedAt), Status: d.Status, Attempts: d.Attempts,
		LastAttempt: optTime(d.LastAt), DeliveryID: d.ID}
	if d.Status == webhook.StatusPending || d.Status == webhook.StatusRetrying {
		m.NextAttempt = optTime(d.NextAt)
	}
	if d.Attempts > 0 && d.ResponseCode > 0 {
		code := d.ResponseCode
		m.ResponseStatusCode = &code
	}
	return m
}

// attemptJSON is one attempt as listed: without the response body or any headers.
type attemptJSON struct {
	ID                 string   `json:"id"`
	MsgID              string   `json:"msgId"`
	EndpointID         string   `json:"endpointId"`
	AttemptNumber      int      `json:"attemptNumber"`
	Status             string   `json:"status"`
	ResponseStatusCode int      `json:"responseStatusCode"`
	ResponseDurationMs float64  `json:"responseDurationMs"`
	ErrorClass         *string  `json:"errorClass"`
	Error              *string  `json:"error"`
	Trigger            string   `json:"trigger"`
	Timestamp          jsonTime `json:"timestamp"`
}

// attemptDetailJSON is one attempt in full: what came back and the headers sent.
type attemptDetailJSON struct {
	attemptJSON
	Response          string            `json:"response"`
	ResponseEncoding  string            `json:"responseEncoding,omitempty"` // "base64" when the body is not text
	ResponseTruncated bool              `json:"responseTruncated"`
	ResponseHeaders   map[string]string `json:"responseHeaders"`
	RequestHeaders    map[string]string `json:"requestHeaders"`
}

func toAttempt(a *webhook.Attempt) attemptJSON {
	out := attemptJSON{ID: a.ID, MsgID: a.EventID, EndpointID: a.WebhookID, AttemptNumber: a.Number, Status: "failed",
		ResponseStatusCode: a.StatusCode, ResponseDurationMs: round2(a.DurationMS), Trigger: a.Trigger, Timestamp: jsonTime(a.CreatedAt)}
	if a.Succeeded() {
		out.Status = "succeeded"
	}
	if a.Cause != "" {
		c := a.Cause
		out.ErrorClass = &c
	}
	if a.Error != "" {
		e := a.Error
		out.Error = &e
	}
	return out
}

func toAttemptDetail(a *webhook.Attempt) attemptDetailJSON {
	body, encoding := a.ResponseText()
	return attemptDetailJSON{attemptJSON: toAttempt(a), Response: body, ResponseEncoding: encoding, ResponseTruncated: a.Truncated,
		ResponseHeaders: nonNilHeaders(a.ResponseHeaders), RequestHeaders: nonNilHeaders(a.RequestHeaders)}
}

func nonNilHeaders(h map[string]string) map[string]string {
	if h == nil {
		return map[string]string{}
	}
	return h
}

// v1Page is seed 000's cursor page.
type v1Page[T any] struct {
	Data     []T     `json:"data"`
	Iterator *string `json:"iterator"`
	Done     bool    `json:"done"`
}

// v1Path reads and checks the path ids present in the route.
func v1Path(r *http.Request) (hookID, msgID, attemptID string, err error) {
	hookID, msgID, attemptID = r.PathValue("webhookId"), r.PathValue("messageId"), r.PathValue("attemptId")
	switch {
	case !webhook.ValidIDFormat(webhook.PrefixWebhook, hookID):
		return "", "", "", errBadWebhookID
	case msgID != "" && !webhook.ValidIDFormat(webhook.PrefixEvent, msgID):
		return "", "", "", errBadMessageID
	case attemptID != "" && !webhook.ValidIDFormat(webhook.PrefixAttempt, attemptID):
		return "", "", "", errBadAttemptID
	}
	return hookID, msgID, attemptID, nil
}

// listParam reads a parameter given as a comma-separated list, repeated, or both.
func listParam(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func timeParam(r *http.Request, name string) (*time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, webhook.Errorf(webhook.EInvalid, "%s must be an ISO 8601 time such as 2024-03-20T12:00:00Z, got %q", name, v)
	}
	return &t, nil
}

// messageFilter reads the list parameters: limit, iterator, status, event_types, before, after.
func messageFilter(r *http.Request) (store.MessageFilter, error) {
	var f store.MessageFilter
	limit, err := intParam(r, "limit", defaultV1Limit, 1, maxV1Limit)
	if err != nil {
		return f, err
	}
	f.Limit = limit
	if it := r.URL.Query().Get("iterator"); it != "" {
		if !webhook.ValidIDFormat(webhook.PrefixDelivery, it) {
			return f, webhook.Errorf(webhook.EInvalid, "iterator must be the iterator of a previous page")
		}
		f.Before = it
	}
	for _, st := range listParam(r, "status") {
		if !slices.Contains(deliveryStatuses, st) {
			return f, webhook.Errorf(webhook.EInvalid, "status must be one or more of pending, retrying, delivered, failed; got %q", st)
		}
		f.Statuses = append(f.Statuses, st)
	}
	for _, et := range listParam(r, "event_types") {
		if !utf8.ValidString(et) || strings.ContainsRune(et, 0) { // PostgreSQL text holds neither
			return f, webhook.Errorf(webhook.EInvalid, "event_types must be UTF-8 text without NUL bytes")
		}
		if err := webhook.ValidateEventType(et); err != nil {
			return f, webhook.Errorf(webhook.EInvalid, "event_types: %s", webhook.ErrorMessage(err))
		}
		f.EventTypes = append(f.EventTypes, et)
	}
	if f.Until, err = timeParam(r, "before"); err != nil {
		return f, err
	}
	if f.Since, err = timeParam(r, "after"); err != nil {
		return f, err
	}
	return f, nil
}

func (s *Server) handleMessageList(w http.ResponseWriter, r *http.Request) {
	hookID, _, _, err := v1Path(r)
	if err != nil {
		s.writeV1Error(w, r, err)
		return
	}
	f, err := messageFilter(r)
	if err != nil {
		s.writeV1Error(w, r, err)
		return
	}
	limit := f.Limit
	f.Limit++
	ds, err := s.store.ListMessages(r.Context(), keyFrom(r.Context()).AppID, hookID, f)
	if err != nil {
		s.writeV1Error(w, r, err)
		return
	}
	page := v1Page[messageJSON]{Data: []messageJSON{}, Done: len(ds) <= limit}
	ds = ds[:min(len(ds), limit)]
	for i := range ds {
		page.Data = append(page.Data, toMessage(&ds[i]))
	}
	if len(ds) > 0 {
		it := ds[len(ds)-1].ID
		page.Iterator = &it
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) handleMessageGet(w http.ResponseWriter, r *http.Request) {
	hookID, msgID, _, err := v1Path(r)
	if err != nil {
		s.writeV1Error(w, r, err)
		return
	}
	d, ev, err := s.store.GetMessage(r.Context(), keyFrom(r.Context()).AppID, hookID, msgID)
	if err != nil {
		s.writeV1Error(w, r, err)
		return
	}
	m := toMessage(d)
	m.Payload = ev.Payload
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) handleAttemptList(w http.ResponseWriter, r *http.Request) {
	hookID, msgID, _, err := v1Path(r)
	if err != nil {
		s.writeV1Error(w, r, err)
		return
	}
	limit, err := intParam(r, "limit", defaultV1Limit, 1, maxV1Limit)
	if err != nil {
		s.writeV1Error(w, r, err)
		return
	}
	before := r.URL.Query().Get("iterator")
	if before != "" && !webhook.ValidIDFormat(webhook.PrefixAttempt, before) {
		s.writeV1Error(w, r, webhook.Errorf(webhook.EInvalid, "iterator must be the iterator of a previous page"))
		return
	}
	as, err := s.store.ListAttempts(r.Context(), keyFrom(r.Context()).AppID, hookID, msgID, before, limit+1)
	if err != nil {
		s.writeV1Error(w, r, err)
		return
	}
	page := v1Page[attemptJSON]{Data: []attemptJSON{}, Done: len(as) <= limit}
	as = as[:min(len(as), limit)]
	for i := range as {
		page.Data = append(page.Data, toAttempt(&as[i]))
	}
	if len(as) > 0 {
		it := as[len(as)-1].ID
		page.Iterator = &it
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) handleAttemptGet(w http.ResponseWriter, r *http.Request) {
	hookID, msgID, attemptID, err := v1Path(r)
	if err != nil {
		s.writeV1Error(w, r, err)
		return
	}
	a, err := s.store.GetAttempt(r.Context(), keyFrom(r.Context()).AppID, hookID, msgID, attemptID)
	if err != nil {
		s.writeV1Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAttemptDetail(a))
}
