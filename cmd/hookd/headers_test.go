package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/signature"
	"github.com/hookd/hookd/internal/store/sqlite"
	"github.com/hookd/hookd/internal/webhook"
)

// Custom header values are a receiver's credentials: they reach the receiver and nowhere else.

func TestHeaderValuesStaySecretSQLite(t *testing.T) {
	dir := t.TempDir()
	secrets, h := testHeaderValuesStaySecret(t, "--data-dir", dir)
	h.stop()
	assertNotInFiles(t, dir, secrets)
}

func TestHeaderValuesStaySecretPostgres(t *testing.T) {
	testHeaderValuesStaySecret(t, "--database-url", postgresSchema(t))
}

// testHeaderValuesStaySecret delivers to a webhook with custom headers, then makes every read a
// webhook:read key can make (and the event read) and checks that none shows a value, nor the
// log; only GET …/secret does. It returns the values and the instance.
func testHeaderValuesStaySecret(t *testing.T, storeArgs ...string) ([]string, *instance) {
	app, full := setup(t, storeArgs...)
	reader := cli(t, append([]string{"keys", "create", "--app", app["id"].(string), "--scopes", "webhook:read"}, storeArgs...)...)
	events := cli(t, append([]string{"keys", "create", "--app", app["id"].(string), "--scopes", "event:read"}, storeArgs...)...)
	h := serve(t, append(storeArgs, "--allow-network", loopback, "--log-level", "debug")...)
	rc := newReceiver(t, nil)
	token, apiKey := "rcv_"+strings.TrimPrefix(signature.NewSecret(), "whsec_"), fmt.Sprintf("key-%d", time.Now().UnixNano())
	secrets := []string{token, apiKey}
	c := newClient(t, h.URL, full)
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "credentials", "url": rc.URL,
		"headers": map[string]string{"Authorization": "Bearer " + token, "X-Api-Key": apiKey}})
	id := hook["id"].(string)
	masked := map[string]any{"Authorization": webhook.HeaderMask, "X-Api-Key": webhook.HeaderMask}
	if !sameJSONValue(hook["headers"], masked) {
		t.Errorf("created webhook headers = %v, want %v", hook["headers"], masked)
	}

	ev := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "invoice.paid", "payload": map[string]any{"n": 1}})
	got := rc.next(t, 5*time.Second)
	if got.header.Get("Authorization") != "Bearer "+token || got.header.Get("X-Api-Key") != apiKey {
		t.Fatalf("receiver got Authorization %q, X-Api-Key %q; want the real values", got.header.Get("Authorization"), got.header.Get("X-Api-Key"))
	}
	msg := ev["id"].(string)
	r := newClient(t, h.URL, reader)
	var attempt string
	eventually(t, 5*time.Second, "the attempt is recorded", func() bool {
		list := r.must(200, "GET", "/v1/webhooks/"+id+"/messages/"+msg+"/attempts", nil)["data"].([]any)
		if len(list) == 1 {
			attempt = list[0].(map[string]any)["id"].(string)
		}
		return attempt != ""
	})

	// Every read a webhook:read key can make of this webhook, its messages, attempts and calls.
	numeric := fmt.Sprint(int64(hook["numeric_id"].(float64)))
	for _, path := range []string{
		"/api/v0/webhooks", "/api/v0/webhooks/" + id, "/api/v0/webhooks/" + id + "?include_events=true&events_limit=50",
		"/api/v0/webhooks/" + id + "/stats", "/api/v0/webhooks/" + id + "/diagnostics",
		"/v1/webhooks/" + id + "/messages", "/v1/webhooks/" + id + "/messages/" + msg,
		"/v1/webhooks/" + id + "/messages/" + msg + "/attempts", "/v1/webhooks/" + id + "/messages/" + msg + "/attempts/" + attempt,
		"/api/v3/notification/webhook/" + id + "/calls", "/api/v3/notification/webhook/" + numeric + "/calls?count=true",
		"/api/v3/notification/webhook/" + id + "/calls/" + attempt,
	} {
		st, _, body := raw(t, h.URL, "GET", path, reader, nil)
		if st != 200 {
			t.Errorf("GET %s = %d %s, want 200", path, st, body)
		}
		assertNotIn(t, "GET "+path, body, secrets)
	}
	if st, _, body := raw(t, h.URL, "GET", "/api/v0/events/"+msg, events, nil); st != 200 {
		t.Errorf("GET event = %d %s", st, body)
	} else {
		assertNotIn(t, "GET /api/v0/events/{id}", body, secrets)
	}
	// The attempt shows which headers were sent, masked.
	a := r.must(200, "GET", "/v1/webhooks/"+id+"/messages/"+msg+"/attempts/"+attempt, nil)
	sent, _ := a["requestHeaders"].(map[string]any)
	if sent["Authorization"] != webhook.HeaderMask || sent["X-Api-Key"] != webhook.HeaderMask || sent["Webhook-Id"] != msg {
		t.Errorf("attempt requestHeaders = %v, want the custom ones masked beside hookd's own", sent)
	}
	// Only webhook:secret shows the values.
	sec := c.must(200, "GET", "/api/v0/webhooks/"+id+"/secret", nil)
	if want := map[string]any{"Authorization": "Bearer " + token, "X-Api-Key": apiKey}; !sameJSONValue(sec["headers"], want) {
		t.Errorf("GET secret headers = %v, want %v", sec["headers"], want)
	}
	r.must(403, "GET", "/api/v0/webhooks/"+id+"/secret", nil)

	// The object sent back as read (masked values) keeps the values.
	obj := c.must(200, "GET", "/api/v0/webhooks/"+id, nil)
	c.must(200, "PATCH", "/api/v0/webhooks/"+id, map[string]any{"name": "renamed", "headers": obj["headers"]})
	c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "invoice.paid", "payload": map[string]any{"n": 2}})
	if got := rc.next(t, 5*time.Second); got.header.Get("Authorization") != "Bearer "+token || got.header.Get("X-Api-Key") != apiKey {
		t.Errorf("after a PATCH with the masked object, the receiver got Authorization %q, X-Api-Key %q", got.header.Get("Authorization"), got.header.Get("X-Api-Key"))
	}
	assertNotIn(t, "the log", []byte(h.stderr.String()), secrets)
	if !strings.Contains(h.stderr.String(), `"msg":"config"`) {
		t.Error("the log holds no config line: the check above read nothing")
	}
	return secrets, h
}

// TestHeaderValuesSealedOnUpgrade: header values a store kept in the clear (hookd before they
// were sealed) are sealed at the next start and leave the database file.
func TestHeaderValuesSealedOnUpgrade(t *testing.T) {
	dir := t.TempDir()
	app, key := setup(t, "--data-dir", dir)
	// Long enough to need overflow pages, which an update frees; fragment finds any piece of it.
	value, fragment := strings.Repeat("rcv_clear_", 400), strings.Repeat("rcv_clear_", 3)
	st, err := sqlite.Open(context.Background(), dir) // no server key: written as hookd did before
	if err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, nil)
	now := time.Now()
	w := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: app["id"].(string), Name: "old", URL: rc.URL, Active: true,
		Secret: signature.NewSecret(), CreatedAt: now, UpdatedAt: now, Headers: map[string]string{"X-Api-Key": value}}
	if err := st.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if !filesContain(t, dir, fragment) {
		t.Fatal("the value is not in the database file before the upgrade: this test would see nothing")
	}

	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	c := newClient(t, h.URL, key)
	c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a.b", "payload": 1})
	if got := rc.next(t, 5*time.Second); got.header.Get("X-Api-Key") != value {
		t.Errorf("receiver got X-Api-Key %q, want the value", got.header.Get("X-Api-Key"))
	}
	if sec := c.must(200, "GET", "/api/v0/webhooks/"+w.ID+"/secret", nil); !sameJSONValue(sec["headers"], map[string]any{"X-Api-Key": value}) {
		t.Errorf("GET secret headers = %v", sec["headers"])
	}
	h.stop()
	if !strings.Contains(h.stderr.String(), "sealed secrets kept in the clear") {
		t.Error("no log line about sealing the values kept in the clear")
	}
	assertNotInFiles(t, dir, []string{fragment})
}

// TestWebhookSettingsRefusedSQLite and …Postgres: settings HTTP cannot carry get the same 400
// on both stores, at create and at update, and nothing reaches the database.
func TestWebhookSettingsRefusedSQLite(t *testing.T) {
	testWebhookSettingsRefused(t, "--data-dir", t.TempDir())
}

func TestWebhookSettingsRefusedPostgres(t *testing.T) {
	testWebhookSettingsRefused(t, "--database-url", postgresSchema(t))
}

func testWebhookSettingsRefused(t *testing.T, storeArgs ...string) {
	_, key := setup(t, storeArgs...)
	h := serve(t, storeArgs...)
	c := newClient(t, h.URL, key)
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "ok", "url": "https://example.com/h"})
	id := hook["id"].(string)
	for _, tc := range []struct {
		field string
		value any
		says  string
	}{
		{"headers", map[string]string{"X(a)": "1"}, `headers: "X(a)" is not a valid header name`},
		{"headers", map[string]string{"X-A": "a\x00b"}, `headers: the value of "X-A" holds a character HTTP does not allow`},
		{"headers", map[string]string{"X-A": "a\x7f"}, `headers: the value of "X-A" holds a character HTTP does not allow`},
		{"headers", map[string]string{"Connection": "close"}, `headers: "Connection" is a hop-by-hop header`},
		{"headers", map[string]string{"Proxy-Authorization": "x"}, `headers: "Proxy-Authorization" is a hop-by-hop header`},
		{"url", "https://example.com/a b", `url must not contain ' '`},
		{"name", "a\x00b", "name must not contain control characters"},
		{"description", "a\x00b", "description must not contain control characters"},
	} {
		body := map[string]any{"name": "n", "url": "https://example.com/h", tc.field: tc.value}
		for _, call := range []struct {
			method, path string
			body         any
		}{{"POST", "/api/v0/webhooks", body}, {"PATCH", "/api/v0/webhooks/" + id, map[string]any{tc.field: tc.value}}} {
			st, v := c.do(call.method, call.path, call.body)
			if msg, _ := v["message"].(string); st != 400 || !strings.HasPrefix(msg, tc.says) {
				t.Errorf("%s %s with %s %q: %d %v, want 400 saying %q", call.method, call.path, tc.field, tc.value, st, v, tc.says)
			}
		}
	}
	if list := c.must(200, "GET", "/api/v0/webhooks", nil)["data"].([]any); len(list) != 1 {
		t.Errorf("%d webhooks after the refusals, want 1", len(list))
	}
	if got := c.must(200, "GET", "/api/v0/webhooks/"+id, nil); got["name"] != "ok" || got["url"] != "https://example.com/h" || len(got["headers"].(map[string]any)) != 0 {
		t.Errorf("webhook after refused updates = %v, want it unchanged", got)
	}
	if strings.Contains(h.stderr.String(), "request failed") {
		t.Errorf("a refusal reached the store and failed there:\n%s", h.stderr.String())
	}
}

func sameJSONValue(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func assertNotIn(t *testing.T, where string, b []byte, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("%s shows the secret %q", where, s)
		}
	}
}

// filesContain reports whether any file of the data directory (database, WAL, key) holds s.
func filesContain(t *testing.T, dir, s string) bool {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue // a WAL removed meanwhile
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// assertNotInFiles checks the data directory's files once the instance has stopped and the
// store is closed: SQLite then has copied its write-ahead log into the database and removed it.
func assertNotInFiles(t *testing.T, dir string, secrets []string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err != nil {
		t.Fatalf("no database file: %v", err)
	}
	eventually(t, 10*time.Second, "the store is closed (its WAL removed)", func() bool {
		_, err := os.Stat(filepath.Join(dir, sqlite.FileName+"-wal"))
		return errors.Is(err, fs.ErrNotExist)
	})
	for _, s := range secrets {
		if filesContain(t, dir, s) {
			t.Errorf("the data directory holds the secret %q in the clear", s)
		}
	}
}
