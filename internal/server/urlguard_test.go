package server

import (
	"strings"
	"testing"

	"github.com/hookd/hookd/internal/webhook"
)

func TestCheckURLHost(t *testing.T) {
	tests := []struct {
		url  string
		want string // "" = accepted; else the canonical address the error must name
	}{
		{"http://2130706433/", "127.0.0.1"},
		{"http://0177.0.0.1:8080/x", "127.0.0.1"},
		{"http://0x7f.1/", "127.0.0.1"},
		{"http://0x7f000001/", "127.0.0.1"},
		{"http://127.1/", "127.0.0.1"},
		{"http://127.0.0.1./", "127.0.0.1"},
		{"http://017700000001/", "127.0.0.1"},
		{"http://127.0.0.1:9/", ""},
		{"http://[::1]:9/", ""},
		{"http://[::ffff:127.0.0.1]:9/", ""}, // one meaning; the dial guard unmaps and refuses it
		{"https://example.com/hook", ""},
		{"https://0x.example.com/hook", ""},
	}
	for _, tt := range tests {
		err := checkURLHost(tt.url)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("checkURLHost(%q) = %v, want accepted", tt.url, err)
		case tt.want != "" && (webhook.ErrorCode(err) != webhook.EInvalid || !strings.Contains(webhook.ErrorMessage(err), "write it as "+tt.want)):
			t.Errorf("checkURLHost(%q) = %v, want a 400 saying to write it as %s", tt.url, err, tt.want)
		}
	}
}

// TestWebhookCreateRefusesObscureIPv4 goes through the API: create and update both refuse.
func TestWebhookCreateRefusesObscureIPv4(t *testing.T) {
	f := newAccessFixture(t, Options{})
	k := f.key(f.appA, webhook.AllScopes, true)
	for _, host := range []string{"2130706433", "0177.0.0.1", "0x7f.1"} {
		got := f.do("POST", "/api/v0/webhooks", `{"name":"n","url":"http://`+host+`:8080/"}`, k, "headers")
		if got.status != 400 || !strings.Contains(string(got.body), "write it as 127.0.0.1") {
			t.Errorf("create with %s: %d %s, want 400 naming 127.0.0.1", host, got.status, got.body)
		}
		got = f.do("PATCH", "/api/v0/webhooks/{wh}", `{"url":"http://`+host+`/"}`, k, "headers")
		if got.status != 400 {
			t.Errorf("update to %s: %d %s, want 400", host, got.status, got.body)
		}
	}
}
