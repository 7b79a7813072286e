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
	svixSending = 3 // never reported: a delivery in flight reads pending
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

// toSvixAttempt is a as Svix shows it; without content, its response body is left out.
func toSvixAttempt(a *webhook.Attempt, url string, content bool) svixAttemptOut {
	st := svixFail
	if a.Succeeded() {
		st = svixSuccess
	}
	trigger := 0
	if a.Trigger == webhook.TriggerManual {
		trigger = 1
	}
	body := a.ResponseBody
	if !content {
		body = ""
	}
	return svixAttemptOut{ID: a.ID, MsgID: a.EventID, EndpointID: a.WebhookID, URL: url, Response: body,
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

// handleSvixAttemptsByEndpoint pages one endpoint's attempts, newest first. Its filters are
// applied as the attempts are read, up to svixScanRows rows a page: a page may then hold
// fewer than limit attempts, with an iterator to read on from.
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
	f, err := parseSvixAttemptFilter(r)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	events := map[string]bool{} // event id → passes event_types and channel
	match := func(a *webhook.Attempt) (bool, error) {
		if !f.matchAttempt(a) {
			return false, nil
		}
		if len(f.eventTypes) == 0 && f.channel == "" {
			return true, nil
		}
		if ok, seen := events[a.EventID]; seen {
			return ok, nil
		}
		ev, err := s.store.GetEvent(r.Context(), c.app.ID, a.EventID)
		if webhook.ErrorCode(err) == webhook.ENotFound {
			events[a.EventID] = false
			return false, nil
		}
		if err != nil {
			return false, err
		}
		events[a.EventID] = f.matchEvent(ev)
		return events[a.EventID], nil
	}
	batch := limit + 1
	if f.status != nil || f.class != nil || len(f.eventTypes) > 0 || f.channel != "" {
		batch = svixScanBatch
	}
	var found []webhook.Attempt
	// An attempt is never pending or sending: filtered so, the list is empty without a read.
	cursor, done := iterator, f.status != nil && *f.status != svixSuccess && *f.status != svixFail
	for scanned := 0; len(found) <= limit && !done && scanned < svixScanRows; scanned += batch {
		q := store.CallQuery{Sort: []store.CallSort{{Field: store.CallID, Desc: true}}, Limit: batch}
		if cursor != "" {
			q.Filters = append(q.Filters, store.CallFilter{Field: store.CallID, Op: store.OpLt, Values: []any{cursor}})
		}
		if f.before != nil {
			q.Filters = append(q.Filters, store.CallFilter{Field: store.CallCreatedAt, Op: store.OpLt, Values: []any{*f.before}})
		}
		if f.after != nil {
			q.Filters = append(q.Filters, store.CallFilter{Field: store.CallCreatedAt, Op: store.OpGt, Values: []any{*f.after}})
		}
		rows, _, err := s.store.ListCalls(r.Context(), c.app.ID, hook.ID, q)
		if err != nil {
			s.writeSvixError(w, r, err)
			return
		}
		done = len(rows) < batch
		for i := range rows {
			cursor = rows[i].ID
			ok, err := match(&rows[i])
			if err != nil {
				s.writeSvixError(w, r, err)
				return
			}
			if ok {
				if found = append(found, rows[i]); len(found) > limit {
					break
				}
			}
		}
	}
	page := newSvixPage(found, limit, func(a *webhook.Attempt) string { return a.ID },
		func(a *webhook.Attempt) svixAttemptOut { return toSvixAttempt(a, hook.URL, f.content) })
	if len(found) <= limit && !done { // the scan stopped before the end: read on from where it did
		page.Done, page.Iterator = false, &cursor
	}
	writeJSON(w, http.StatusOK, page)
}

// How far one page of a filtered attempt list reads: rows per read, and in all.
const (
	svixScanBatch = 250
	svixScanRows  = 10 * svixScanBatch
)

// msgAttempts are the attempts of one message to every endpoint (or one, with endpoint_id),
// newest first, below the iterator, that pass f.
func (s *Server) msgAttempts(r *http.Request, c *svixCall, ev *webhook.Event, endpointID, iterator string, f svixAttemptFilter) ([]webhook.Attempt, map[string]string, error) {
	urls := map[string]string{}
	var all []webhook.Attempt
	if !f.matchEvent(ev) {
		return nil, urls, nil
	}
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
		// A delivery's attempts are few (its retry schedule, and manual ones): all of them.
		as, err := s.store.ListAttempts(r.Context(), c.app.ID, d.WebhookID, ev.ID, iterator, maxDeliveryAttempts)
		if err != nil && webhook.ErrorCode(err) != webhook.ENotFound {
			return nil, nil, err
		}
		for i := range as {
			if f.matchAttempt(&as[i]) {
				all = append(all, as[i])
			}
		}
	}
	slices.SortFunc(all, func(a, b webhook.Attempt) int { return strings.Compare(b.ID, a.ID) })
	return all, urls, nil
}

// maxDeliveryAttempts bounds the attempts of one delivery msgAttempts reads.
const maxDeliveryAttempts = 1000

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
	f, err := parseSvixAttemptFilter(r)
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
	attempts, urls, err := s.msgAttempts(r, c, ev, endpointID, iterator, f)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newSvixPage(attempts, limit, func(a *webhook.Attempt) string { return a.ID },
		func(a *webhook.Attempt) svixAttemptOut { return toSvixAttempt(a, urls[a.WebhookID], f.content) }))
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
		writeJSON(w, http.StatusOK, toSvixAttempt(a, url, true))
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
	limit, iterator, err := svixList(r)
	if err != nil {
		s.writeSvixError(w, r, err)
		return
	}
	deliveries := slices.Clone(ev.Deliveries)
	slices.SortFunc(deliveries, func(a, b webhook.Delivery) int { return strings.Compare(a.WebhookID, b.WebhookID) })
	var rows []out
	for _, d := range deliveries {
		if iterator != "" && d.WebhookID <= iterator {
			continue
		}
		if len(rows) > limit {
			break
		}
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
	writeJSON(w, http.StatusOK, newSvixPage(rows, limit, func(o *out) string { return o.ID }, func(o *out) out { return *o }))
}
