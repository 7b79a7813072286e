package server

import (
	"cmp"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Svix messages are hookd events; eventId is the event's uid.

type svixMessageOut struct {
	ID        string          `json:"id"`
	EventID   *string         `json:"eventId,omitempty"`
	EventType string          `json:"eventType"`
	Payload   json.RawMessage `json:"payload"`
	Channels  []string        `json:"channels,omitempty"`
	Timestamp jsonTime        `json:"timestamp"`
}

func toSvixMessage(ev *webhook.Event, withContent bool) svixMessageOut {
	out := svixMessageOut{ID: ev.ID, EventType: ev.Type, Payload: ev.Payload, Channels: ev.Channels, Timestamp: jsonTime(ev.CreatedAt)}
	if !withContent || len(out.Payload) == 0 {
		out.Payload = json.RawMessage(`{}`)
	}
	if ev.UID != "" {
		out.EventID = &ev.UID
	}
	return out
}

func withContent(r *http.Request) bool { return r.URL.Query().Get("with_content") != "false" }

// svixMessageCreate is the pattern of handleSvixMessageCreate, whose app may not exist yet.
const svixMessageCreate = "POST /api/v1/app/{app_id}/msg"

// handleSvixMessageCreate commits an event; 202 once it and its deliveries are committed.
// Given "application", the operator's message to an app that does not exist makes it first.
// The idempotency-key header (Svix's SDKs send one with every POST) or else the eventId makes
// a retry of the same message return the first one.
func (s *Server) handleSvixMessageCreate(w http.ResponseWriter, r *http.Request, c *svixCall) {
	var in struct {
		EventType   string          `json:"eventType"`
		Payload     json.RawMessage `json:"payload"`
		Channels    []string        `json:"channels"`
		EventID     string          `json:"eventId,omitempty"`
		Application *svixAppIn      `json:"application"`
	}
	if err := svixDecode(w, r, s.opts.MaxPayload+64<<10, &in); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	if p := strings.TrimSpace(string(in.Payload)); !strings.HasPrefix(p, "{") {
		s.writeSvixError(w, r, webhook.Errorf(webhook.EInvalid, "payload: must be a JSON object"))
		return
	}
	if err := webhook.ValidateChannels("channels", in.Channels); err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	if in.EventID != "" {
		if err := webhook.ValidateUID("eventId", in.EventID); err != nil {
			s.writeSvixError(w, r, err)
			return
		}
	}
	if c.app == nil && (in.Application == nil || !c.key.HasScope(webhook.ScopeAdmin)) {
		s.writeSvixError(w, r, errSvixNotFound) // the operator may make it with the message
		return
	}
	key := cmp.Or(strings.TrimSpace(r.Header.Get("idempotency-key")), in.EventID)
	ne, err := s.check("", eventInput{EventType: in.EventType, Payload: in.Payload, IdempotencyKey: key}, "")
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	if c.app == nil { // only now that the message is known to be valid
		if c.app, err = s.svixAppFor(r, c.key, r.PathValue("app_id"), in.Application); err != nil {
			s.writeSvixError(w, r, err)
			return
		}
	}
	ne.AppID = c.app.ID
	ne.Channels, ne.UID, ne.Raw = in.Channels, in.EventID, true
	out, err := s.ingest.Submit(r.Context(), []store.NewEvent{ne})
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	s.metrics.EventsAccepted.Inc()
	ev := out[0].Event
	if len(ev.Payload) == 0 { // a duplicate whose first event retention removed
		ev.Payload = in.Payload
	}
	writeJSON(w, http.StatusAccepted, toSvixMessage(ev, withContent(r)))
}

// handleSvixMessageList pages the app's messages, newest first.
func (s *Server) handleSvixMessageList(w http.ResponseWriter, r *http.Request, c *svixCall) {
	limit, iterator, err := svixList(r)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	f := store.EventFilter{Limit: limit + 1, Payload: withContent(r), EventTypes: listParam(r, "event_types"), Channel: r.URL.Query().Get("channel")}
	if iterator != "" {
		if !webhook.ValidIDFormat(webhook.PrefixEvent, iterator) {
			s.writeSvixError(w, r, webhook.Errorf(webhook.EInvalid, "iterator: not an iterator of this list"))
			return
		}
		f.Before = iterator
	}
	if f.Until, err = timeParam(r, "before"); err == nil {
		f.Since, err = timeParam(r, "after")
	}
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	events, err := s.store.ListEvents(r.Context(), c.app.ID, f)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	wc := withContent(r)
	writeJSON(w, http.StatusOK, newSvixPage(events, limit, func(ev *webhook.Event) string { return ev.ID },
		func(ev *webhook.Event) svixMessageOut { return toSvixMessage(ev, wc) }))
}

// svixMessage finds one of the app's events by {msg_id}: its id, else its eventId.
func (s *Server) svixMessage(r *http.Request, c *svixCall) (*webhook.Event, error) {
	id := r.PathValue("msg_id")
	if !webhook.ValidIDFormat(webhook.PrefixEvent, id) {
		found, err := s.store.ListEvents(r.Context(), c.app.ID, store.EventFilter{UID: id, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, errSvixNotFound
		}
		id = found[0].ID
	}
	ev, err := s.store.GetEvent(r.Context(), c.app.ID, id)
	if webhook.ErrorCode(err) == webhook.ENotFound {
		return nil, errSvixNotFound
	}
	return ev, err
}

func (s *Server) handleSvixMessageGet(w http.ResponseWriter, r *http.Request, c *svixCall) {
	ev, err := s.svixMessage(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toSvixMessage(ev, withContent(r)))
}

// handleSvixEndpointMessages pages the messages sent to one endpoint, newest first, each
// with where its delivery there stands.
func (s *Server) handleSvixEndpointMessages(w http.ResponseWriter, r *http.Request, c *svixCall) {
	hook, err := s.svixEndpoint(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	limit, iterator, err := svixList(r)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	f := store.EventFilter{Limit: limit + 1, Payload: withContent(r), WebhookID: hook.ID, Channel: r.URL.Query().Get("channel"),
		EventTypes: listParam(r, "event_types")}
	if iterator != "" && webhook.ValidIDFormat(webhook.PrefixEvent, iterator) {
		f.Before = iterator
	}
	status, err := svixIntParam(r, "status", svixSuccess, svixPending, svixFail, svixSending)
	if err == nil {
		f.Until, err = timeParam(r, "before")
	}
	if err == nil {
		f.Since, err = timeParam(r, "after")
	}
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	var events []webhook.Event
	if status != nil {
		f.Statuses = svixStatuses(*status)
	}
	if status == nil || len(f.Statuses) > 0 { // "sending" is never reported: none are
		events, err = s.store.ListEvents(r.Context(), c.app.ID, f)
	}
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	type out struct {
		svixMessageOut
		Status      int       `json:"status"`
		StatusText  string    `json:"statusText"`
		NextAttempt *jsonTime `json:"nextAttempt,omitempty"`
	}
	wc := withContent(r)
	writeJSON(w, http.StatusOK, newSvixPage(events, limit, func(ev *webhook.Event) string { return ev.ID }, func(ev *webhook.Event) out {
		o := out{svixMessageOut: toSvixMessage(ev, wc), Status: svixPending}
		for _, d := range ev.Deliveries {
			if d.WebhookID == hook.ID {
				o.Status = svixDeliveryStatus(d.Status)
				if o.Status == svixPending {
					o.NextAttempt = optTime(d.NextAt)
				}
			}
		}
		o.StatusText = svixStatusText[o.Status]
		return o
	}))
}

// handleSvixMessageContentDelete deletes a message's payload (a payload sent by mistake):
// refused while a delivery of it is still waiting; the message is never sent again.
func (s *Server) handleSvixMessageContentDelete(w http.ResponseWriter, r *http.Request, c *svixCall) {
	ev, err := s.svixMessage(r, c)
	if err == nil {
		err = s.store.ExpungeEvent(r.Context(), c.app.ID, ev.ID)
	}
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleSvixAttemptContentDelete deletes an attempt's response body.
func (s *Server) handleSvixAttemptContentDelete(w http.ResponseWriter, r *http.Request, c *svixCall) {
	ev, err := s.svixMessage(r, c)
	if err == nil {
		err = s.store.ExpungeAttempt(r.Context(), c.app.ID, ev.ID, r.PathValue("attempt_id"))
	}
	if webhook.ErrorCode(err) == webhook.ENotFound {
		err = errSvixNotFound
	}
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
