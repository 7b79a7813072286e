package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Svix message attempts are hookd attempts; Svix's statuses are numbers.
const (
	svixSuccess = 0
	svixPending = 1
	svixFail    = 2
)

var svixStatusText = map[int]string{svixSuccess: "success", svixPending: "pending", svixFail: "fail"}

type svixAttemptOut struct {
	ID                 string   `json:"id"`
	MsgID              string   `json:"msgId"`
	EndpointID         string   `json:"endpointId"`
	URL                string   `json:"url"`
	Response           string   `json:"response"`
	ResponseStatusCode int      `json:"responseStatusCode"`
	ResponseDurationMs int64    `json:"responseDurationMs"`
	Status             int      `json:"status"`
	StatusText         string   `json:"statusText"`
	TriggerType        int      `json:"triggerType"`
	Timestamp          jsonTime `json:"timestamp"`
}

func toSvixAttempt(a *webhook.Attempt, url string) svixAttemptOut {
	st := svixFail
	if a.Succeeded() {
		st = svixSuccess
	}
	trigger := 0
	if a.Trigger == webhook.TriggerManual {
		trigger = 1
	}
	return svixAttemptOut{ID: a.ID, MsgID: a.EventID, EndpointID: a.WebhookID, URL: url, Response: a.ResponseBody,
		ResponseStatusCode: a.StatusCode, ResponseDurationMs: int64(a.DurationMS), Status: st, StatusText: svixStatusText[st],
		TriggerType: trigger, Timestamp: jsonTime(a.CreatedAt)}
}

// svixDeliveryStatus is a delivery's status as Svix numbers it.
func svixDeliveryStatus(status string) int {
	switch status {
	case webhook.StatusDelivered:
		return svixSuccess
	case webhook.StatusFailed:
		return svixFail
	}
	return svixPending
}

// handleSvixAttemptsByEndpoint pages one endpoint's attempts, newest first.
func (s *Server) handleSvixAttemptsByEndpoint(w http.ResponseWriter, r *http.Request, c *svixCall) {
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
	q := store.CallQuery{Sort: []store.CallSort{{Field: store.CallID, Desc: true}}, Limit: limit + 1}
	if iterator != "" {
		q.Filters = append(q.Filters, store.CallFilter{Field: store.CallID, Op: store.OpLt, Values: []any{iterator}})
	}
	attempts, _, err := s.store.ListCalls(r.Context(), c.app.ID, hook.ID, q)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newSvixPage(attempts, limit, func(a *webhook.Attempt) string { return a.ID },
		func(a *webhook.Attempt) svixAttemptOut { return toSvixAttempt(a, hook.URL) }))
}

// msgAttempts are the attempts of one message to every endpoint (or one, with endpoint_id),
// newest first, below the iterator.
func (s *Server) msgAttempts(r *http.Request, c *svixCall, ev *webhook.Event, endpointID, iterator string, limit int) ([]webhook.Attempt, map[string]string, error) {
	urls := map[string]string{}
	var all []webhook.Attempt
	for _, d := range ev.Deliveries {
		if endpointID != "" && d.WebhookID != endpointID {
			continue
		}
		if _, done := urls[d.WebhookID]; done {
			continue
		}
		if hook, err := s.store.GetWebhook(r.Context(), c.app.ID, d.WebhookID, s.now()); err == nil {
			urls[d.WebhookID] = hook.URL
		} else {
			urls[d.WebhookID] = ""
		}
		as, err := s.store.ListAttempts(r.Context(), c.app.ID, d.WebhookID, ev.ID, iterator, limit)
		if err != nil && webhook.ErrorCode(err) != webhook.ENotFound {
			return nil, nil, err
		}
		all = append(all, as...)
	}
	slices.SortFunc(all, func(a, b webhook.Attempt) int { return strings.Compare(b.ID, a.ID) })
	return all, urls, nil
}

func (s *Server) handleSvixAttemptsByMessage(w http.ResponseWriter, r *http.Request, c *svixCall) {
	ev, err := s.svixMessage(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	limit, iterator, err := svixList(r)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	endpointID := r.URL.Query().Get("endpoint_id")
	if r.PathValue("endpoint_id") != "" {
		hook, err := s.svixEndpoint(r, c)
		if err != nil {
			s.writeSvixError(w, r, err)
			return
		}
		endpointID = hook.ID
	}
	attempts, urls, err := s.msgAttempts(r, c, ev, endpointID, iterator, limit+1)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newSvixPage(attempts, limit, func(a *webhook.Attempt) string { return a.ID },
		func(a *webhook.Attempt) svixAttemptOut { return toSvixAttempt(a, urls[a.WebhookID]) }))
}

func (s *Server) handleSvixAttemptGet(w http.ResponseWriter, r *http.Request, c *svixCall) {
	ev, err := s.svixMessage(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	id := r.PathValue("attempt_id")
	for _, d := range ev.Deliveries {
		a, err := s.store.GetAttempt(r.Context(), c.app.ID, d.WebhookID, ev.ID, id)
		if webhook.ErrorCode(err) == webhook.ENotFound {
			continue
		}
		if err != nil {
			s.writeSvixError(w, r, err)
			return
		}
		url := ""
		if hook, err := s.store.GetWebhook(r.Context(), c.app.ID, d.WebhookID, s.now()); err == nil {
			url = hook.URL
		}
		writeJSON(w, http.StatusOK, toSvixAttempt(a, url))
		return
	}
	s.writeSvixError(w, r, errSvixNotFound)
}

// handleSvixResend sends the message to the endpoint again now, as a manual attempt.
func (s *Server) handleSvixResend(w http.ResponseWriter, r *http.Request, c *svixCall) {
	ev, err := s.svixMessage(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	hook, err := s.svixEndpoint(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	if _, err := s.store.RetryDelivery(r.Context(), c.app.ID, hook.ID, ev.ID, s.now()); err != nil {
		if webhook.ErrorCode(err) == webhook.ENotFound {
			err = errSvixNotFound
		}
		s.writeSvixError(w, r, err)
		return
	}
	s.wake()
	writeJSON(w, http.StatusAccepted, struct{}{})
}

// handleSvixAttemptedEndpoints lists the endpoints a message went to, with where it stands.
func (s *Server) handleSvixAttemptedEndpoints(w http.ResponseWriter, r *http.Request, c *svixCall) {
	ev, err := s.svixMessage(r, c)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	type out struct {
		svixEndpointOut
		Status      int       `json:"status"`
		StatusText  string    `json:"statusText"`
		NextAttempt *jsonTime `json:"nextAttempt,omitempty"`
	}
	var rows []out
	for _, d := range ev.Deliveries {
		hook, err := s.store.GetWebhook(r.Context(), c.app.ID, d.WebhookID, s.now())
		if webhook.ErrorCode(err) == webhook.ENotFound {
			continue // deleted since
		}
		if err != nil {
			s.writeSvixError(w, r, err)
			return
		}
		st := svixDeliveryStatus(d.Status)
		o := out{svixEndpointOut: toSvixEndpoint(hook), Status: st, StatusText: svixStatusText[st]}
		if st == svixPending {
			o.NextAttempt = optTime(d.NextAt)
		}
		rows = append(rows, o)
	}
	// Every endpoint of one message fits a page: an event fans out to at most --max-webhooks.
	writeJSON(w, http.StatusOK, newSvixPage(rows, len(rows), func(o *out) string { return o.ID }, func(o *out) out { return *o }))
}
