package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// FuzzMonitorQuery sends arbitrary query strings to the /api/v0 and /v1 monitoring reads: the
// answer is a 200 or a 400 with a JSON error body, never anything else.
func FuzzMonitorQuery(f *testing.F) {
	for _, seed := range []struct {
		route uint8
		raw   string
	}{
		{0, "include_events=true&events_limit=50"}, {0, "include_events=1"}, {0, "events_limit=0"},
		{1, "since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z&granularity=hour"}, {1, "granularity=day"}, {1, "since=0000-01-01T00:00:00Z"},
		{2, "limit=2&status=failed,pending&event_types=a.b"}, {2, "iterator=dlv_1&before=2026-01-01T00:00:00Z"}, {2, "event_types=%ff"},
		{3, "limit=1&iterator=atmpt_1"}, {4, ""},
	} {
		f.Add(seed.route, seed.raw)
	}
	a := newMonitorAPI(f)
	hook := a.webhook(a.monitorTenant, "https://example.com/hook")
	ev, _ := a.deliver(a.monitorTenant, hook, "a.b", time.Now(), attemptSpec{code: 500}, attemptSpec{code: 200, final: true})
	k, err := a.st.KeyByClientKey(context.Background(), a.clientKey)
	if err != nil {
		f.Fatal(err)
	}
	srv := &Server{store: a.st, log: slog.New(slog.DiscardHandler), now: time.Now}
	f.Fuzz(func(t *testing.T, route uint8, raw string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.RawQuery = raw
		req = req.WithContext(context.WithValue(req.Context(), keyCtx, k))
		var h http.HandlerFunc
		switch route % 5 {
		case 0:
			req.SetPathValue("id", hook.ID)
			h = srv.handleWebhookGet
		case 1:
			req.SetPathValue("id", hook.ID)
			h = srv.handleWebhookStats
		case 2:
			req.SetPathValue("webhookId", hook.ID)
			h = srv.handleMessageList
		case 3:
			req.SetPathValue("webhookId", hook.ID)
			req.SetPathValue("messageId", ev)
			h = srv.handleAttemptList
		default:
			req.SetPathValue("id", hook.ID)
			h = srv.handleWebhookDiagnostics
		}
		rec := httptest.NewRecorder()
		h(rec, req)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("route %d query %q: body %q is not a JSON object", route%5, raw, rec.Body)
		}
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("route %d query %q: status %d %s", route%5, raw, rec.Code, rec.Body)
		}
	})
}
