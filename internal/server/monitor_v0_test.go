package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// Seed 002: GET /api/v0/webhooks/{webhook_id}?include_events&events_limit.

const recentEventFields = "created_at,delivered_at,delivery_status,error_message,event_id,event_type,id,next_attempt_at,response_code,response_time,retry_count"

func TestWebhookRecentEvents(t *testing.T) {
	a := newMonitorAPI(t)
	hook := a.webhook(a.monitorTenant, "https://example.com/hook")
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	okEv, _ := a.deliver(a.monitorTenant, hook, "invoice.paid", base, attemptSpec{code: 200, final: true})
	failEv, _ := a.deliver(a.monitorTenant, hook, "invoice.failed", base.Add(time.Minute),
		attemptSpec{code: 500}, attemptSpec{code: 0, cause: webhook.CauseTimeout}, attemptSpec{code: 503, final: true})
	retryEv, _ := a.deliver(a.monitorTenant, hook, "invoice.late", base.Add(2*time.Minute), attemptSpec{code: 502})
	pendEv, _ := a.deliver(a.monitorTenant, hook, "invoice.new", base.Add(3*time.Minute))

	got := a.mustGet("/api/v0/webhooks/" + hook.ID + "?include_events=true")
	if _, leaked := got["signing_secret"]; leaked {
		t.Error("signing_secret is in the webhook object")
	}
	raw, _ := json.Marshal(got["recent_events"])
	var events []map[string]any
	if err := json.Unmarshal(raw, &events); err != nil || len(events) != 4 {
		t.Fatalf("recent_events = %s, want 4 events", raw)
	}
	for _, e := range events {
		if k := objectKeys(e); k != recentEventFields {
			t.Errorf("recent event fields = %s, want %s", k, recentEventFields)
		}
	}
	byEvent := map[any]map[string]any{}
	for _, e := range events {
		byEvent[e["event_id"]] = e
	}
	if events[0]["event_id"] != pendEv || events[3]["event_id"] != okEv {
		t.Errorf("order = %v … %v, want newest (%s) first", events[0]["event_id"], events[3]["event_id"], pendEv)
	}
	tests := []struct {
		event string
		want  map[string]any
	}{
		{okEv, map[string]any{"event_type": "invoice.paid", "delivery_status": "delivered", "response_code": 200.0, "response_time": 100.0,
			"error_message": nil, "retry_count": 0.0}},
		{failEv, map[string]any{"event_type": "invoice.failed", "delivery_status": "failed", "response_code": 503.0, "response_time": 300.0,
			"error_message": "http failure (503)", "retry_count": 2.0}},
		// Retrying after a failed attempt: failed, as the counters count it, with its next attempt beside it.
		{retryEv, map[string]any{"delivery_status": "failed", "response_code": 502.0, "retry_count": 0.0, "error_message": "http failure (502)"}},
		{pendEv, map[string]any{"delivery_status": "pending", "response_code": nil, "response_time": nil, "error_message": nil,
			"delivered_at": nil, "retry_count": 0.0}},
	}
	for _, tt := range tests {
		e := byEvent[tt.event]
		for k, want := range tt.want {
			if e[k] != want {
				t.Errorf("event %s: %s = %v, want %v", tt.event, k, e[k], want)
			}
		}
		if id, _ := e["id"].(string); !webhook.ValidID(webhook.PrefixDelivery, id) {
			t.Errorf("event %s: id = %v, want a delivery id", tt.event, e["id"])
		}
	}
	if byEvent[retryEv]["next_attempt_at"] == nil || byEvent[okEv]["next_attempt_at"] != nil || byEvent[failEv]["next_attempt_at"] != nil {
		t.Errorf("next_attempt_at = %v (retrying), %v (delivered), %v (failed for good); want a time, null, null",
			byEvent[retryEv]["next_attempt_at"], byEvent[okEv]["next_attempt_at"], byEvent[failEv]["next_attempt_at"])
	}
	if e := byEvent[okEv]; e["created_at"] != base.UTC().Format(timeFormat) || e["delivered_at"] != base.UTC().Format(timeFormat) {
		t.Errorf("delivered event times = %v / %v, want %s", e["created_at"], e["delivered_at"], base.UTC().Format(timeFormat))
	}

	st := got["delivery_stats"].(map[string]any)
	// Sent: 3 (one delivered, two whose latest attempt failed); one not sent yet.
	wantStats := map[string]any{"total_events": 3.0, "successful_deliveries": 1.0, "failed_deliveries": 2.0, "pending_deliveries": 1.0,
		"success_rate": 33.33, "last_24h_events": 3.0, "last_24h_failures": 2.0, "average_response_time": 150.0}
	for k, want := range wantStats {
		if st[k] != want {
			t.Errorf("delivery_stats.%s = %v, want %v", k, st[k], want)
		}
	}
	if st["last_delivery"] == nil {
		t.Error("delivery_stats.last_delivery is null after deliveries")
	}
	if app, _ := got["app"].(map[string]any); app["id"] != a.appID || app["name"] != "acme" {
		t.Errorf("app = %v, want %s acme", got["app"], a.appID)
	}
}

func TestWebhookEventsLimit(t *testing.T) {
	a := newMonitorAPI(t)
	hook := a.webhook(a.monitorTenant, "https://example.com/hook")
	now := time.Now()
	for i := range 12 {
		a.deliver(a.monitorTenant, hook, "a.b", now.Add(time.Duration(i)*time.Second))
	}
	tests := []struct {
		query string
		want  int // -1: no recent_events key
	}{
		{"", -1},
		{"?include_events=false", -1},
		{"?events_limit=5", -1},
		{"?include_events=true", 10},
		{"?include_events=true&events_limit=1", 1},
		{"?include_events=true&events_limit=3", 3},
		{"?include_events=true&events_limit=50", 12},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := a.mustGet("/api/v0/webhooks/" + hook.ID + tt.query)
			ev, ok := got["recent_events"].([]any)
			switch {
			case tt.want < 0 && ok:
				t.Errorf("recent_events present (%d), want absent", len(ev))
			case tt.want >= 0 && len(ev) != tt.want:
				t.Errorf("recent_events has %d, want %d", len(ev), tt.want)
			}
		})
	}
	empty := a.webhook(a.monitorTenant, "https://example.com/empty")
	got := a.get("/api/v0/webhooks/" + empty.ID + "?include_events=true")
	if string(got.body) == "" || got.json(t)["recent_events"] == nil {
		t.Errorf("no deliveries: %s, want recent_events: []", got.body)
	}
}

// Seed 001's and 002's errors, to the byte.
func TestWebhookGetErrors(t *testing.T) {
	a := newMonitorAPI(t)
	hook := a.webhook(a.monitorTenant, "https://example.com/hook")
	limitMsg := `{"statusCode":400,"message":"events_limit must be an integer between 1 and 50","error":"Bad Request"}`
	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/api/v0/webhooks/not-an-id", 400, `{"statusCode":400,"message":"Invalid webhook ID format","error":"Bad Request"}`},
		{"/api/v0/webhooks/wh_0000000000000000000000000A", 404, `{"statusCode":404,"message":"Webhook not found","error":"Not Found"}`},
		{"/api/v0/webhooks/" + hook.ID + "?include_events=true&events_limit=0", 400, limitMsg},
		{"/api/v0/webhooks/" + hook.ID + "?include_events=true&events_limit=51", 400, limitMsg},
		{"/api/v0/webhooks/" + hook.ID + "?include_events=true&events_limit=ten", 400, limitMsg},
		{"/api/v0/webhooks/" + hook.ID + "?events_limit=-1", 400, limitMsg},
		{"/api/v0/webhooks/" + hook.ID + "?include_events=yes", 400, `{"statusCode":400,"message":"include_events must be true or false, got \"yes\"","error":"Bad Request"}`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got := a.get(tt.path)
			if got.status != tt.status || !monitorBodyIs(got.body, tt.body) {
				t.Errorf("got %d %s, want %d %s", got.status, got.body, tt.status, tt.body)
			}
		})
	}
	noCreds := a.call(a.monitorTenant, "GET", "/api/v0/webhooks/"+hook.ID, "Accept", "application/json")
	want := `{"statusCode":401,"message":"Client key or secret missing","error":"Unauthorized","details":"Please provide both x-client-key and x-client-secret headers"}`
	if noCreds.status != http.StatusUnauthorized || !monitorBodyIs(noCreds.body, want) {
		t.Errorf("no credentials: %d %s, want 401 %s", noCreds.status, noCreds.body, want)
	}
}

func monitorBodyIs(got []byte, want string) bool {
	var g, w any
	if json.Unmarshal(got, &g) != nil || json.Unmarshal([]byte(want), &w) != nil {
		return false
	}
	return fmt.Sprint(g) == fmt.Sprint(w)
}
