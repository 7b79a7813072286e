package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// TestPanicIsAPlain500: a handler that panics answers the family's 500 without any detail,
// and the stack goes to the log.
func TestPanicIsAPlain500(t *testing.T) {
	f := newAccessFixture(t, Options{})
	k := f.key(f.appA, webhook.AllScopes, true)
	var logs bytes.Buffer
	s := &Server{store: f.st, log: slog.New(slog.NewTextHandler(&logs, nil)), now: time.Now}
	s.limits = newLimiter(f.st, Limits{}, s.log)
	for _, fam := range []family{v0, v1, v3} {
		h := s.requireScope(fam, webhook.ScopeWebhookRead, func(http.ResponseWriter, *http.Request) { panic("boom: secret detail") })
		req := httptest.NewRequest("GET", "/x", nil)
		req.Header.Set("x-client-key", k.key)
		req.Header.Set("x-client-secret", k.secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 500 || strings.Contains(rec.Body.String(), "boom") || strings.Contains(rec.Body.String(), "goroutine") || !strings.Contains(rec.Body.String(), "Internal error") {
			t.Errorf("family %d: %d %s, want a bare 500", fam, rec.Code, rec.Body)
		}
	}
	if !strings.Contains(logs.String(), "boom: secret detail") || !strings.Contains(logs.String(), "goroutine") {
		t.Errorf("log = %.300s, want the panic and its stack", logs.String())
	}
}
