package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hookd/hookd/internal/webhook"
)

// badSettings are webhook settings HTTP or the stores cannot carry, each with what the 400 must
// name. Bodies are raw JSON so that NUL escapes and bytes that are not UTF-8 reach the server.
var badSettings = []struct {
	name, body, names string
}{
	{"header name with parentheses", `{"headers":{"X(a)":"1"}}`, `headers: "X(a)" is not a valid header name`},
	{"header name with a space", `{"headers":{"X A":"1"}}`, `headers: "X A" is not a valid header name`},
	{"empty header name", `{"headers":{"":"1"}}`, `headers: "" is not a valid header name`},
	{"NUL in a header value", `{"headers":{"X-Token":"a\u0000b"}}`, `headers: the value of "X-Token" holds a character HTTP does not allow`},
	{"DEL in a header value", `{"headers":{"X-Token":"a\u007fb"}}`, `headers: the value of "X-Token" holds a character HTTP does not allow`},
	{"line break in a header value", `{"headers":{"X-Token":"a\r\nX-Evil: 1"}}`, `headers: the value of "X-Token" holds a character HTTP does not allow`},
	{"bytes that are not UTF-8 in a header value", "{\"headers\":{\"X-Token\":\"a\xff\"}}", `headers: the value of "X-Token" is not valid UTF-8`},
	{"Connection", `{"headers":{"connection":"close"}}`, `headers: "connection" is a hop-by-hop header`},
	{"Keep-Alive", `{"headers":{"Keep-Alive":"timeout=5"}}`, `headers: "Keep-Alive" is a hop-by-hop header`},
	{"Proxy-Authorization", `{"headers":{"Proxy-Authorization":"Basic eA=="}}`, `headers: "Proxy-Authorization" is a hop-by-hop header`},
	{"TE", `{"headers":{"TE":"trailers"}}`, `headers: "TE" is a hop-by-hop header`},
	{"Trailer", `{"headers":{"Trailer":"X"}}`, `headers: "Trailer" is a hop-by-hop header`},
	{"Transfer-Encoding", `{"headers":{"Transfer-Encoding":"chunked"}}`, `headers: "Transfer-Encoding" is a hop-by-hop header`},
	{"Upgrade", `{"headers":{"Upgrade":"websocket"}}`, `headers: "Upgrade" is a hop-by-hop header`},
	{"Host", `{"headers":{"Host":"elsewhere.example"}}`, `headers: "Host" is set by hookd`},
	{"Webhook-Signature", `{"headers":{"webhook-signature":"v1,x"}}`, `headers: "webhook-signature" is set by hookd`},
	{"one header twice", `{"headers":{"X-Token":"1","x-token":"2"}}`, `headers: "X-Token" and "x-token" are the same header`},
	{"URL with a space", `{"url":"https://example.com/a b"}`, `url must not contain ' '`},
	{"URL with a space in the query", `{"url":"https://example.com/a?q=a b"}`, `url must not contain ' '`},
	{"URL with a quote", `{"url":"https://example.com/\"x\""}`, `url must not contain '"'`},
	{"URL with braces", `{"url":"https://example.com/{id}"}`, `url must not contain '{'`},
	{"URL with a non-ASCII letter", `{"url":"https://example.com/café"}`, `url must be ASCII`},
	{"URL with a bare %", `{"url":"https://example.com/100%"}`, `url has a % at byte 23 that is not followed by two hex digits`},
	{"URL with a tab", `{"url":"https://example.com/\tx"}`, `url must not contain '\t'`},
	{"NUL in the name", `{"name":"a\u0000b"}`, `name must not contain control characters (found U+0000 at byte 1)`},
	{"a line break in the name", `{"name":"a\nb"}`, `name must not contain control characters`},
	{"bytes that are not UTF-8 in the name", "{\"name\":\"a\xc3\"}", `name is not valid UTF-8`},
	{"NUL in the description", `{"description":"line one\u0000"}`, `description must not contain control characters (found U+0000 at byte 8)`},
	{"DEL in the description", `{"description":"a\u007f"}`, `description must not contain control characters`},
	{"bytes that are not UTF-8 in the description", "{\"description\":\"\xfe\xff\"}", `description is not valid UTF-8`},
}

// withRequired adds the fields a create needs to a settings body that lacks them.
func withRequired(body string) string {
	var fields map[string]json.RawMessage
	_ = json.Unmarshal([]byte(body), &fields)
	extra := ""
	if _, ok := fields["name"]; !ok {
		extra += `"name":"n",`
	}
	if _, ok := fields["url"]; !ok {
		extra += `"url":"https://example.com/h",`
	}
	return "{" + extra + strings.TrimPrefix(body, "{")
}

// TestWebhookSettingsHTTPCannotCarry: create and update refuse each bad setting with a 400 that
// names it (and never shows a header's value), and nothing is saved.
func TestWebhookSettingsHTTPCannotCarry(t *testing.T) {
	f := newAccessFixture(t, Options{})
	k := f.key(f.appA, []string{webhook.ScopeWebhookRead, webhook.ScopeWebhookWrite, webhook.ScopeWebhookSecret}, true)
	before := f.do("GET", "/api/v0/webhooks/{wh}", "", k, "headers").body
	for _, tc := range badSettings {
		for _, call := range []struct{ method, path, body string }{
			{"POST", "/api/v0/webhooks", withRequired(tc.body)},
			{"PATCH", "/api/v0/webhooks/{wh}", tc.body},
		} {
			got := f.do(call.method, call.path, call.body, k, "headers")
			msg, _ := got.json(t)["message"].(string)
			if got.status != 400 || !strings.HasPrefix(msg, tc.names) {
				t.Errorf("%s: %s = %d %s, want 400 with a message starting %q", tc.name, call.method, got.status, got.body, tc.names)
			}
			if strings.Contains(msg, "a\\u0000b") || strings.Contains(msg, "X-Evil") {
				t.Errorf("%s: the message shows the header's value: %s", tc.name, msg)
			}
		}
	}
	if got := f.do("GET", "/api/v0/webhooks", "", k, "headers").json(t)["data"].([]any); len(got) != 1 {
		t.Errorf("after refused creates the app has %d webhooks, want 1", len(got))
	}
	if after := f.do("GET", "/api/v0/webhooks/{wh}", "", k, "headers").body; string(after) != string(before) {
		t.Errorf("after refused updates the webhook changed:\n%s\nwas\n%s", after, before)
	}

	// What HTTP allows passes: any token as a name, visible ASCII, tabs and UTF-8 in values, a
	// percent-encoded URL, a description of several lines.
	good := `{"name":"Billing (EU) – prod","url":"https://example.com/hooks/a%20b?x=1&y=%C3%A9#frag","description":"line one\n\tline two",` +
		`"headers":{"X-Api-Key":"sk_live_1","x-custom.v2_!#$%&'*+^` + "`" + `|~":"a\tb é \"quoted\""}}`
	if got := f.do("POST", "/api/v0/webhooks", good, k, "headers"); got.status != 201 {
		t.Errorf("allowed settings: %d %s, want 201", got.status, got.body)
	}
}

// TestHeaderValuesMasked: the webhook object shows custom headers' names with masked values;
// the secret route shows the values; an object sent back as it was read keeps them.
func TestHeaderValuesMasked(t *testing.T) {
	f := newAccessFixture(t, Options{})
	rw := f.key(f.appA, []string{webhook.ScopeWebhookRead, webhook.ScopeWebhookWrite}, true)
	sec := f.key(f.appA, []string{webhook.ScopeWebhookSecret}, true)
	created := f.do("POST", "/api/v0/webhooks", `{"name":"n","url":"https://example.com/h","headers":{"Authorization":"Bearer rcv_1","X-Team":"billing"}}`, rw, "headers")
	if created.status != 201 {
		t.Fatalf("create: %d %s", created.status, created.body)
	}
	obj := created.json(t)
	id := obj["id"].(string)
	wantMasked := map[string]any{"Authorization": webhook.HeaderMask, "X-Team": webhook.HeaderMask}
	if !sameJSON(obj["headers"].(map[string]any), wantMasked) || strings.Contains(string(created.body), "rcv_1") {
		t.Errorf("created object headers = %v, want %v", obj["headers"], wantMasked)
	}
	secret := func() map[string]any {
		t.Helper()
		got := f.do("GET", "/api/v0/webhooks/"+id+"/secret", "", sec, "headers")
		if got.status != 200 || got.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("GET secret: %d %s (Cache-Control %q), want 200 no-store", got.status, got.body, got.header.Get("Cache-Control"))
		}
		return got.json(t)["headers"].(map[string]any)
	}
	if got := secret(); !sameJSON(got, map[string]any{"Authorization": "Bearer rcv_1", "X-Team": "billing"}) {
		t.Errorf("GET secret headers = %v, want the values", got)
	}
	if got := f.do("GET", "/api/v0/webhooks/"+id+"/secret", "", rw, "headers"); got.status != 403 {
		t.Errorf("GET secret without webhook:secret: %d, want 403", got.status)
	}

	// Send the object back as read, with one header changed and one added: masked values stay.
	read := f.do("GET", "/api/v0/webhooks/"+id, "", rw, "headers").json(t)
	h := read["headers"].(map[string]any)
	h["X-Team"], h["X-New"] = "payments", "n1"
	body, _ := json.Marshal(map[string]any{"name": "renamed", "headers": h})
	if got := f.do("PATCH", "/api/v0/webhooks/"+id, string(body), rw, "headers"); got.status != 200 || strings.Contains(string(got.body), "payments") {
		t.Fatalf("PATCH: %d %s, want 200 with masked values", got.status, got.body)
	}
	if got := secret(); !sameJSON(got, map[string]any{"Authorization": "Bearer rcv_1", "X-Team": "payments", "X-New": "n1"}) {
		t.Errorf("after PATCH with a masked value, headers = %v; want the kept value beside the changed and new ones", got)
	}
	// The mask is no value for a header the webhook does not have.
	got := f.do("PATCH", "/api/v0/webhooks/"+id, `{"headers":{"X-Other":"`+webhook.HeaderMask+`"}}`, rw, "headers")
	if msg, _ := got.json(t)["message"].(string); got.status != 400 || !strings.Contains(msg, `"X-Other"`) {
		t.Errorf("PATCH a new header with the mask as value: %d %s, want 400 naming it", got.status, got.body)
	}
}
