package server

import (
	"bytes"
	"math"
	"net/url"
	"strings"
	"testing"

	"github.com/hookd/hookd/internal/webhook"
)

// noCrash fails when an answer is a 500 or shows a stack trace or Go internals.
func noCrash(t *testing.T, what string, got apiResponse) {
	t.Helper()
	if got.status >= 500 {
		t.Fatalf("%s: status %d %s", what, got.status, got.body)
	}
	for _, bad := range []string{"goroutine ", "panic", "runtime error", ".go:"} {
		if bytes.Contains(got.body, []byte(bad)) {
			t.Fatalf("%s: answer shows %q: %s", what, bad, got.body)
		}
	}
}

// bodyRoutes are the routes that decode a request body.
var bodyRoutes = []struct{ method, path string }{
	{"POST", "/api/v0/webhooks"},
	{"PATCH", "/api/v0/webhooks/{wh}"},
	{"POST", "/api/v0/events"},
	{"POST", "/api/v0/events/batch"},
	{"POST", "/api/v0/webhooks/{wh}/secret/rotate"},
	{"POST", "/api/v0/webhooks/{wh}/recover"},
	{"POST", "/api/v0/webhooks/{wh}/test"},
	{"POST", "/api/v0/admin/apps"},
	{"POST", "/api/v0/admin/apps/{app}/keys"},
	{"PATCH", "/api/v0/admin/keys/{spareKey}"},
}

// FuzzRequestDecoding sends arbitrary bodies to every route that reads one: the answer is
// never a 500 and never shows internals. Corpus: testdata/fuzz/FuzzRequestDecoding.
func FuzzRequestDecoding(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `"x"`, `{"name":1}`, `{"name":"n","url":"http://2130706433/"}`, `{"url":"javascript:alert(1)"}`,
		`{"event_type":"a.b","payload":{"n":1}}`, `{"events":[{"event_type":"a.b","payload":1}]}`, `{"events":null}`,
		`{"grace_period":1e308}`, `{"grace_period":-0}`, `{"since":"not a time"}`, `{"scopes":["admin","x"]}`, `{"is_active":"yes"}`,
		`{"retry_schedule":[1e309]}`, `{"timeout":NaN}`, `{"headers":{"Host":"x"}}`, `{"a":1}{"b":2}`, `{"name":"\u0000"}`,
		strings.Repeat(`[`, 10000), `{"event_types":["` + strings.Repeat("*", 5000) + `"]}`,
	} {
		f.Add([]byte(s))
	}
	fx := newAccessFixture(f, Options{Limits: Limits{Production: math.MaxInt32}}) // fuzzing outruns any hourly quota
	full := fx.key(fx.appA, webhook.AllScopes, true)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, rt := range bodyRoutes {
			noCrash(t, rt.method+" "+rt.path, fx.do(rt.method, rt.path, string(body), full, "headers"))
		}
	})
}

// idRoutes are the GET routes with ids in their path.
var idRoutes = []struct {
	path   string
	prefix string // the id the placeholder wants
}{
	{"/api/v0/webhooks/{x}", webhook.PrefixWebhook},
	{"/api/v0/webhooks/{x}/stats", webhook.PrefixWebhook},
	{"/api/v0/webhooks/{x}/diagnostics", webhook.PrefixWebhook},
	{"/api/v0/webhooks/{x}/secret", webhook.PrefixWebhook},
	{"/api/v0/events/{x}", webhook.PrefixEvent},
	{"/api/v0/admin/apps/{x}", webhook.PrefixApp},
	{"/api/v0/admin/keys/{x}", webhook.PrefixKey},
	{"/v1/webhooks/{x}/messages", webhook.PrefixWebhook},
	{"/v1/webhooks/{wh}/messages/{x}", webhook.PrefixEvent},
	{"/v1/webhooks/{wh}/messages/{msg}/attempts/{x}", webhook.PrefixAttempt},
	{"/api/v3/notification/webhook/{x}/calls", ""}, // a wh_ id or a number
	{"/api/v3/notification/webhook/{wh}/calls/{x}", webhook.PrefixAttempt},
}

// FuzzPathIDs puts arbitrary ids in every id path segment: a malformed id is a 400, a
// well-formed one that names nothing a 404, never a 500. Corpus: testdata/fuzz/FuzzPathIDs.
func FuzzPathIDs(f *testing.F) {
	for _, s := range []string{"", "wh_", "wh_01HZZZZZZZZZZZZZZZZZZZZZZZ", "123", "-1", "99999999999999999999999", "0x10", "wh_%00",
		"msg_" + strings.Repeat("A", 64), "msg_" + strings.Repeat("A", 65), "../../etc/passwd", "wh_💥", "atmpt_1", "app_1", "key_1", " wh_1", "1e3"} {
		f.Add(s)
	}
	fx := newAccessFixture(f, Options{Limits: Limits{Production: math.MaxInt32}}) // fuzzing outruns any hourly quota
	full := fx.key(fx.appA, webhook.AllScopes, true)
	f.Fuzz(func(t *testing.T, id string) {
		if id == "" || id == "." || id == ".." {
			return // no path segment at all: the mux answers before any handler
		}
		for _, rt := range idRoutes {
			path := strings.Replace(rt.path, "{x}", url.PathEscape(id), 1)
			got := fx.do("GET", path, "", full, "headers")
			what := "GET " + path
			noCrash(t, what, got)
			if rt.prefix != "" && !webhook.ValidIDFormat(rt.prefix, id) && got.status != 400 {
				t.Fatalf("%s: malformed id answered %d %s, want 400", what, got.status, got.body)
			}
			if rt.prefix != "" && webhook.ValidIDFormat(rt.prefix, id) && got.status != 404 && got.status != 200 {
				t.Fatalf("%s: well-formed id answered %d %s, want 404", what, got.status, got.body)
			}
		}
	})
}
