package server

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// Seed 000: /v1/webhooks/{webhookId}/messages…, Bearer token.

func pageIDs(t *testing.T, page map[string]any) []string {
	t.Helper()
	data, ok := page["data"].([]any)
	if !ok {
		t.Fatalf("page %v has no data array", page)
	}
	out := []string{}
	for _, d := range data {
		out = append(out, d.(map[string]any)["id"].(string))
	}
	return out
}

func TestV1Messages(t *testing.T) {
	a := newMonitorAPI(t)
	hook := a.webhook(a.monitorTenant, "https://example.com/hook")
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var evs []string // oldest first
	for i, spec := range []struct {
		typ      string
		attempts []attemptSpec
	}{
		{"invoice.paid", []attemptSpec{{code: 200, final: true}}},
		{"invoice.failed", []attemptSpec{{code: 500}, {code: 500, final: true}}},
		{"user.created", []attemptSpec{{code: 200, final: true}}},
		{"invoice.paid", []attemptSpec{{code: 503}}},
		{"invoice.paid", nil},
	} {
		ev, _ := a.deliver(a.monitorTenant, hook, spec.typ, base.Add(time.Duration(i)*time.Hour), spec.attempts...)
		evs = append(evs, ev)
	}
	newest := []string{evs[4], evs[3], evs[2], evs[1], evs[0]}
	prefix := "/v1/webhooks/" + hook.ID + "/messages"
	tests := []struct {
		query string
		want  []string
	}{
		{"", newest},
		{"?status=delivered", []string{evs[2], evs[0]}},
		{"?status=failed,pending", []string{evs[4], evs[1]}},
		{"?status=retrying", []string{evs[3]}},
		{"?event_types=invoice.paid", []string{evs[4], evs[3], evs[0]}},
		{"?event_types=user.created&event_types=invoice.failed", []string{evs[2], evs[1]}},
		{"?before=" + url.QueryEscape(base.Add(90*time.Minute).Format(time.RFC3339)), []string{evs[1], evs[0]}},
		{"?after=" + url.QueryEscape(base.Add(90*time.Minute).Format(time.RFC3339)), []string{evs[4], evs[3], evs[2]}},
		{"?after=2026-03-01T12:30:00Z&before=2026-03-01T14:30:00Z&status=failed", []string{evs[1]}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			page := a.mustGet(prefix + tt.query)
			if got := pageIDs(t, page); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if page["done"] != true {
				t.Errorf("done = %v, want true", page["done"])
			}
		})
	}

	// Pages of two follow the iterator to the end, each item once.
	var all []string
	q := "?limit=2"
	for range 5 {
		page := a.mustGet(prefix + q)
		all = append(all, pageIDs(t, page)...)
		if page["done"] == true {
			break
		}
		it, _ := page["iterator"].(string)
		if it == "" {
			t.Fatalf("page %v: not done but no iterator", page)
		}
		q = "?limit=2&iterator=" + it
	}
	if !slices.Equal(all, newest) {
		t.Errorf("paged = %v, want %v", all, newest)
	}

	// The list has no payload; the message has.
	page := a.mustGet(prefix + "?limit=1")
	item := page["data"].([]any)[0].(map[string]any)
	if _, ok := item["payload"]; ok {
		t.Errorf("list item carries a payload: %v", item)
	}
	if item["eventType"] != "invoice.paid" || item["status"] != "pending" || item["attempts"] != 0.0 || item["nextAttempt"] == nil {
		t.Errorf("list item = %v", item)
	}
	msg := a.mustGet(prefix + "/" + evs[1])
	if p, _ := msg["payload"].(map[string]any); p["amount"] != 42.0 {
		t.Errorf("message payload = %v, want {amount: 42}", msg["payload"])
	}
	if msg["id"] != evs[1] || msg["status"] != "failed" || msg["attempts"] != 2.0 || msg["responseStatusCode"] != 500.0 ||
		msg["nextAttempt"] != nil || msg["timestamp"] != base.Add(time.Hour).Format(timeFormat) {
		t.Errorf("message = %v", msg)
	}
}

func TestV1Attempts(t *testing.T) {
	a := newMonitorAPI(t)
	hook := a.webhook(a.monitorTenant, "https://example.com/hook")
	ev, atts := a.deliver(a.monitorTenant, hook, "invoice.paid", time.Now(), attemptSpec{code: 0, cause: webhook.CauseTimeout}, attemptSpec{code: 500}, attemptSpec{code: 200, final: true})
	prefix := "/v1/webhooks/" + hook.ID + "/messages/" + ev + "/attempts"
	list := a.mustGet(prefix)
	if got, want := pageIDs(t, list), []string{atts[2], atts[1], atts[0]}; !slices.Equal(got, want) {
		t.Fatalf("attempts = %v, want newest first %v", got, want)
	}
	const listFields = "attemptNumber,endpointId,error,errorClass,id,msgId,responseDurationMs,responseStatusCode,status,timestamp,trigger"
	data := list["data"].([]any)
	for _, d := range data {
		if k := objectKeys(d.(map[string]any)); k != listFields {
			t.Errorf("list attempt fields = %s, want %s (no response body or headers)", k, listFields)
		}
	}
	first := data[2].(map[string]any)
	if first["trigger"] != "manual" || first["errorClass"] != "timeout" || first["status"] != "failed" || first["attemptNumber"] != 1.0 {
		t.Errorf("first attempt = %v", first)
	}
	if last := data[0].(map[string]any); last["trigger"] != "scheduled" || last["status"] != "succeeded" || last["errorClass"] != nil ||
		last["responseStatusCode"] != 200.0 || last["responseDurationMs"] != 300.0 || last["msgId"] != ev || last["endpointId"] != hook.ID {
		t.Errorf("last attempt = %v", last)
	}
	one := a.mustGet(prefix + "/" + atts[1])
	if one["response"] != "answer 500" || one["responseTruncated"] != false {
		t.Errorf("attempt response = %v / %v, want the body", one["response"], one["responseTruncated"])
	}
	if h, _ := one["responseHeaders"].(map[string]any); h["Content-Type"] != "text/plain" {
		t.Errorf("responseHeaders = %v", one["responseHeaders"])
	}
	if h, _ := one["requestHeaders"].(map[string]any); h["webhook-id"] != ev {
		t.Errorf("requestHeaders = %v, want the webhook-id sent", one["requestHeaders"])
	}
	page := a.mustGet(prefix + "?limit=2")
	if page["done"] != false || len(page["data"].([]any)) != 2 {
		t.Errorf("limit=2: %v", page)
	}
	rest := a.mustGet(prefix + "?limit=2&iterator=" + page["iterator"].(string))
	if got := pageIDs(t, rest); rest["done"] != true || !slices.Equal(got, []string{atts[0]}) {
		t.Errorf("second page = %v", rest)
	}
}

func TestV1AuthAndErrors(t *testing.T) {
	a := newMonitorAPI(t)
	hook := a.webhook(a.monitorTenant, "https://example.com/hook")
	ev, atts := a.deliver(a.monitorTenant, hook, "invoice.paid", time.Now(), attemptSpec{code: 200, final: true})
	token := webhook.Token(a.clientKey, a.secret)
	paths := []string{
		"/v1/webhooks/" + hook.ID + "/messages",
		"/v1/webhooks/" + hook.ID + "/messages/" + ev,
		"/v1/webhooks/" + hook.ID + "/messages/" + ev + "/attempts",
		"/v1/webhooks/" + hook.ID + "/messages/" + ev + "/attempts/" + atts[0],
	}
	for _, p := range paths {
		if got := a.call(a.monitorTenant, "GET", p, "Authorization", "Bearer "+token, "Accept", "application/json"); got.status != http.StatusOK {
			t.Errorf("Bearer GET %s = %d %s, want 200", p, got.status, got.body)
		}
		if got := a.call(a.monitorTenant, "GET", p, "Accept", "application/json"); got.status != http.StatusUnauthorized || got.json(t)["code"] != "unauthorized" {
			t.Errorf("no credentials GET %s = %d %s, want 401 in the /v1 shape", p, got.status, got.body)
		}
		if got := a.call(a.monitorTenant, "GET", p, "Authorization", "Bearer "+token+"x"); got.status != http.StatusUnauthorized {
			t.Errorf("bad token GET %s = %d, want 401", p, got.status)
		}
	}
	missing := webhook.NewID(webhook.PrefixEvent, time.Now())
	tests := []struct {
		path   string
		status int
		detail string
	}{
		{"/v1/webhooks/ep_2RqbEdIw7bfvHnCymJWvQrP23zG/messages", 400, "Invalid webhook ID format"},
		{"/v1/webhooks/" + hook.ID + "/messages/nope", 400, "Invalid message ID format"},
		{"/v1/webhooks/" + hook.ID + "/messages/" + ev + "/attempts/msg_1", 400, "Invalid attempt ID format"},
		{"/v1/webhooks/wh_0000000000000000000000000A/messages", 404, "Webhook not found"},
		{"/v1/webhooks/" + hook.ID + "/messages/" + missing, 404, "Message not found"},
		{"/v1/webhooks/" + hook.ID + "/messages/" + missing + "/attempts", 404, "Message not found"},
		{"/v1/webhooks/" + hook.ID + "/messages/" + ev + "/attempts/" + webhook.NewID(webhook.PrefixAttempt, time.Now()), 404, "Attempt not found"},
		{"/v1/webhooks/" + hook.ID + "/messages?limit=0", 400, "limit must be an integer between 1 and 250"},
		{"/v1/webhooks/" + hook.ID + "/messages?limit=251", 400, "limit must be an integer between 1 and 250"},
		{"/v1/webhooks/" + hook.ID + "/messages?iterator=x", 400, "iterator must be the iterator of a previous page"},
		{"/v1/webhooks/" + hook.ID + "/messages?status=sent", 400, `status must be one or more of pending, retrying, delivered, failed; got "sent"`},
		{"/v1/webhooks/" + hook.ID + "/messages?before=yesterday", 400, `before must be an ISO 8601 time such as 2024-03-20T12:00:00Z, got "yesterday"`},
		{"/v1/webhooks/" + hook.ID + "/messages?event_types=%ff", 400, "event_types must be UTF-8 text without NUL bytes"},
		{"/v1/webhooks/" + hook.ID + "/messages?event_types=a%00b", 400, "event_types must be UTF-8 text without NUL bytes"},
		{"/v1/webhooks/" + hook.ID + "/messages?after=1", 400, `after must be an ISO 8601 time such as 2024-03-20T12:00:00Z, got "1"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got := a.get(tt.path)
			if got.status != tt.status || got.json(t)["detail"] != tt.detail {
				t.Errorf("got %d %s, want %d detail %q", got.status, got.body, tt.status, tt.detail)
			}
		})
	}
}
