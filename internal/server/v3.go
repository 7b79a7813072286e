package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/hookd/hookd/internal/webhook"
)

// /api/v3 (seed 003): a webhook's call log as JSON:API documents. Read-only.

const jsonAPI = "application/vnd.api+json"

var errBadCallID = webhook.Errorf(webhook.EInvalid, "Invalid call ID format")

type resourceJSON struct {
	Type          string         `json:"type"`
	ID            string         `json:"id"`
	Attributes    any            `json:"attributes"`
	Relationships map[string]any `json:"relationships,omitempty"`
}

// callAttributesJSON holds the attributes of a call; a sparse fieldset leaves some nil.
type callAttributesJSON struct {
	ID       *string `json:"id,omitempty"`
	HTTPCode *int    `json:"http_code,omitempty"`
	Headers  *string `json:"headers,omitempty"`
	Body     *string `json:"body,omitempty"`
	// BodyEncoding is "base64" when the body is not text (and left out when it is).
	BodyEncoding *string   `json:"body_encoding,omitempty"`
	CreatedAt    *jsonTime `json:"created_at,omitempty"`
}

// loadV3Webhook reads {webhook_id}: the webhook's integer id or its wh_ id.
func (s *Server) loadV3Webhook(r *http.Request) (*webhook.Webhook, error) {
	id, appID := r.PathValue("webhook_id"), keyFrom(r.Context()).AppID
	if allDigits(id) && len(id) <= 18 {
		n, _ := strconv.ParseInt(id, 10, 64)
		return s.store.GetWebhookByNumericID(r.Context(), appID, n, s.now())
	}
	if !webhook.ValidIDFormat(webhook.PrefixWebhook, id) {
		return nil, errBadWebhookID
	}
	return s.store.GetWebhook(r.Context(), appID, id, s.now())
}

// v3Request parses a calls route's query and loads its webhook; on failure it has answered.
func (s *Server) v3Request(w http.ResponseWriter, r *http.Request, list bool) (*v3Query, *webhook.Webhook, bool) {
	q, qe := parseV3Query(r.URL.RawQuery, list)
	if qe != nil {
		s.writeV3(w, r, qe)
		return nil, nil, false
	}
	hook, err := s.loadV3Webhook(r)
	if err != nil {
		s.writeV3(w, r, err)
		return nil, nil, false
	}
	return q, hook, true
}

// writeV3 answers a JSON:API error, naming the query parameter when the query was at fault.
func (s *Server) writeV3(w http.ResponseWriter, r *http.Request, err error) {
	var qe *queryError
	if errors.As(err, &qe) {
		s.writeV3Error(w, r, qe.err, qe.param)
		return
	}
	s.writeV3Error(w, r, err, "")
}

func writeJSONAPI(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", jsonAPI)
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(v)
}

func (q *v3Query) callResource(a *webhook.Attempt, rel map[string]any) resourceJSON {
	var attrs callAttributesJSON
	if q.wants(callType, "id") {
		attrs.ID = &a.ID
	}
	if q.wants(callType, "http_code") {
		attrs.HTTPCode = &a.StatusCode
	}
	if q.wants(callType, "headers") {
		h, _ := json.Marshal(nonNilHeaders(a.ResponseHeaders)) // the stored text: filter[headers] compares with it
		text := string(h)
		attrs.Headers = &text
	}
	if q.wants(callType, "body") {
		body, encoding := a.ResponseText()
		attrs.Body = &body
		if encoding != "" {
			attrs.BodyEncoding = &encoding
		}
	}
	if q.wants(callType, "created_at") {
		t := jsonTime(a.CreatedAt)
		attrs.CreatedAt = &t
	}
	return resourceJSON{Type: callType, ID: a.ID, Attributes: attrs, Relationships: rel}
}

// webhookRelationship is every call's relationship to its webhook.
func webhookRelationship(hook *webhook.Webhook) map[string]any {
	return map[string]any{"webhook": map[string]any{"data": map[string]string{"type": webhookType, "id": strconv.FormatInt(hook.NumericID, 10)}}}
}

func (q *v3Query) webhookResource(hook *webhook.Webhook) resourceJSON {
	all := map[string]any{"id": hook.ID, "numeric_id": hook.NumericID, "name": hook.Name, "url": hook.URL, "isActive": hook.Active,
		"encrypted": hook.Encrypted, "created_at": jsonTime(hook.CreatedAt), "updated_at": jsonTime(hook.UpdatedAt)}
	attrs := map[string]any{}
	for _, name := range webhookAttributes {
		if q.wants(webhookType, name) {
			attrs[name] = all[name]
		}
	}
	return resourceJSON{Type: webhookType, ID: strconv.FormatInt(hook.NumericID, 10), Attributes: attrs}
}

func (q *v3Query) included(hook *webhook.Webhook) []resourceJSON {
	if !q.Include {
		return nil
	}
	return []resourceJSON{q.webhookResource(hook)}
}

func (s *Server) handleCallList(w http.ResponseWriter, r *http.Request) {
	q, hook, ok := s.v3Request(w, r, true)
	if !ok {
		return
	}
	doc := struct {
		Data     []resourceJSON    `json:"data"`
		Included []resourceJSON    `json:"included,omitempty"`
		Meta     map[string]any    `json:"meta,omitempty"`
		Links    map[string]string `json:"links"`
	}{Data: []resourceJSON{}, Included: q.included(hook)}
	hasNext, total := false, int64(-1) // -1: not counted
	if q.matchesWebhook(hook) {
		cq := q.CallQuery
		cq.Limit++ // one more tells whether a next page exists
		calls, n, err := s.store.ListCalls(r.Context(), hook.AppID, hook.ID, cq)
		if err != nil {
			s.writeV3(w, r, err)
			return
		}
		if hasNext = len(calls) > q.Size; hasNext {
			calls = calls[:q.Size]
		}
		doc.Data = make([]resourceJSON, len(calls))
		rel := webhookRelationship(hook) // the same for every call: built once
		for i := range calls {
			doc.Data[i] = q.callResource(&calls[i], rel)
		}
		if q.Count {
			total = n
		}
	} else if q.Count {
		total = 0
	}
	if total >= 0 {
		doc.Meta = map[string]any{"count": total}
	}
	doc.Links = pageLinks(r, q, hasNext, total)
	writeJSONAPI(w, doc)
}

// pageLinks are JSON:API pagination links keeping every other parameter of the request; last
// only when the total was counted (total >= 0).
func pageLinks(r *http.Request, q *v3Query, hasNext bool, total int64) map[string]string {
	link := func(page int) string {
		v, _ := url.ParseQuery(r.URL.RawQuery)
		v.Set("page[number]", strconv.Itoa(page))
		u := url.URL{Path: r.URL.Path, RawQuery: v.Encode()}
		return u.String()
	}
	links := map[string]string{"self": link(q.Page), "first": link(1)}
	if q.Page > 1 {
		links["prev"] = link(q.Page - 1)
	}
	if hasNext {
		links["next"] = link(q.Page + 1)
	}
	if total >= 0 {
		links["last"] = link(int(max((total+int64(q.Size)-1)/int64(q.Size), 1)))
	}
	return links
}

func (s *Server) handleCallGet(w http.ResponseWriter, r *http.Request) {
	q, hook, ok := s.v3Request(w, r, false)
	if !ok {
		return
	}
	id := r.PathValue("resource_id")
	if !webhook.ValidIDFormat(webhook.PrefixAttempt, id) {
		s.writeV3(w, r, errBadCallID)
		return
	}
	a, err := s.store.GetCall(r.Context(), hook.AppID, hook.ID, id)
	if err != nil {
		s.writeV3(w, r, err)
		return
	}
	writeJSONAPI(w, struct {
		Data     resourceJSON   `json:"data"`
		Included []resourceJSON `json:"included,omitempty"`
	}{q.callResource(a, webhookRelationship(hook)), q.included(hook)})
}

// handleCallWrite answers every write to the call log: it is read-only.
func (s *Server) handleCallWrite(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET, HEAD")
	st := http.StatusMethodNotAllowed
	w.Header().Set("Content-Type", jsonAPI)
	w.WriteHeader(st)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]string{
		"status": strconv.Itoa(st), "title": http.StatusText(st), "detail": "Webhook calls are read-only",
	}}})
}
