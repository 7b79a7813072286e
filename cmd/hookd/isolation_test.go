package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// png is the start of a PNG file: binary bytes, NUL and invalid UTF-8 included.
var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\xff\xfe")

func TestBinaryResponses(t *testing.T) {
	testBinaryResponses(t, "--data-dir", t.TempDir())
}

func TestPostgresBinaryResponses(t *testing.T) {
	testBinaryResponses(t, "--database-url", postgresSchema(t))
}

// testBinaryResponses: one app's receiver answers with binary bytes, another app's with text,
// side by side. Every delivery of both is recorded once, as successful, nothing is sent twice,
// and the binary answer reads back, base64-encoded and saying so, through /v1 and /api/v3.
func testBinaryResponses(t *testing.T, storeArgs ...string) {
	const n = 100
	_, key := setup(t, storeArgs...)
	other := cli(t, append([]string{"apps", "create", "--name", "other"}, storeArgs...)...)
	otherKey := cli(t, append([]string{"keys", "create", "--app", other["id"].(string), "--env", "production",
		"--scopes", "webhook:read,webhook:write,event:write"}, storeArgs...)...)
	h := serve(t, append(storeArgs, "--allow-network", loopback)...)
	binary := newReceiver(t, func(_ int, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(png)
	})
	text := newReceiver(t, func(_ int, w http.ResponseWriter) { fmt.Fprint(w, "ok") })
	cb, ct := newClient(t, h.URL, key), newClient(t, h.URL, otherKey)
	binID := cb.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "images", "url": binary.URL})["id"].(string)
	textID := ct.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "text", "url": text.URL})["id"].(string)
	events := make([]map[string]any, n)
	for i := range events {
		events[i] = map[string]any{"event_type": "a", "payload": i}
	}
	cb.must(202, "POST", "/api/v0/events/batch", map[string]any{"events": events})
	ct.must(202, "POST", "/api/v0/events/batch", map[string]any{"events": events})
	for _, w := range []struct {
		c  *client
		id string
		rc *receiver
	}{{cb, binID, binary}, {ct, textID, text}} {
		eventually(t, 20*time.Second, "every delivery recorded as successful", func() bool {
			return statsAre(t, w.c, w.id, n, n, 0)
		})
		calls := w.c.must(200, "GET", fmt.Sprintf("/api/v3/notification/webhook/%s/calls?count=true&page[size]=1", w.id), nil)
		if total := calls["meta"].(map[string]any)["count"]; total != float64(n) {
			t.Errorf("webhook %s: %v attempts recorded, want %d", w.id, total, n)
		}
		if got := w.rc.count(); got != n {
			t.Errorf("webhook %s: the receiver got %d requests for %d deliveries", w.id, got, n)
		}
	}

	call := cb.must(200, "GET", "/api/v3/notification/webhook/"+binID+"/calls?page[size]=1", nil)["data"].([]any)[0].(map[string]any)
	attrs := call["attributes"].(map[string]any)
	if body, _ := base64.StdEncoding.DecodeString(attrs["body"].(string)); attrs["body_encoding"] != "base64" || !bytes.Equal(body, png) {
		t.Errorf("/api/v3 call body = %v (%v), want the PNG bytes base64-encoded", attrs["body"], attrs["body_encoding"])
	}
	msgs := cb.must(200, "GET", "/v1/webhooks/"+binID+"/messages?limit=1", nil)["data"].([]any)
	msg := msgs[0].(map[string]any)["id"].(string)
	attempts := cb.must(200, "GET", "/v1/webhooks/"+binID+"/messages/"+msg+"/attempts", nil)["data"].([]any)
	detail := cb.must(200, "GET", "/v1/webhooks/"+binID+"/messages/"+msg+"/attempts/"+attempts[0].(map[string]any)["id"].(string), nil)
	if body, _ := base64.StdEncoding.DecodeString(detail["response"].(string)); detail["responseEncoding"] != "base64" || !bytes.Equal(body, png) {
		t.Errorf("/v1 attempt response = %v (%v), want the PNG bytes base64-encoded", detail["response"], detail["responseEncoding"])
	}
	textCall := ct.must(200, "GET", "/api/v3/notification/webhook/"+textID+"/calls?page[size]=1", nil)["data"].([]any)[0].(map[string]any)
	if a := textCall["attributes"].(map[string]any); a["body"] != "ok" || a["body_encoding"] != nil {
		t.Errorf("a text answer reads %v (%v), want ok as it is", a["body"], a["body_encoding"])
	}
}

func TestPoisonedInput(t *testing.T) {
	testPoisonedInput(t, "--data-dir", t.TempDir())
}

func TestPostgresPoisonedInput(t *testing.T) {
	testPoisonedInput(t, "--database-url", postgresSchema(t))
}

// testPoisonedInput: while one app posts 600 good events, another posts input no store can
// keep as text (NUL, invalid UTF-8, control characters). Each bad request gets a 400 naming
// its field, the same on both stores; every good one gets its 202.
func testPoisonedInput(t *testing.T, storeArgs ...string) {
	_, key := setup(t, storeArgs...)
	other := cli(t, append([]string{"apps", "create", "--name", "mallory"}, storeArgs...)...)
	otherKey := cli(t, append([]string{"keys", "create", "--app", other["id"].(string), "--env", "production",
		"--scopes", "webhook:read,webhook:write,event:write"}, storeArgs...)...)
	h := serve(t, append(storeArgs, "--allow-network", loopback)...)
	good, bad := newClient(t, h.URL, key), newClient(t, h.URL, otherKey)
	rc := newReceiver(t, nil)
	good.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "good", "url": rc.URL})
	bad.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "bad", "url": rc.URL})

	poison := []struct {
		name, body, want string
	}{
		{"NUL in the event type", `{"event_type":"a\u0000b","payload":{}}`, "event_type must not contain control characters (found U+0000 at byte 1)"},
		{"a control character in the event type", `{"event_type":"a\u0007b","payload":{}}`, "event_type must not contain control characters (found U+0007 at byte 1)"},
		{"invalid UTF-8 in the payload", "{\"event_type\":\"a\",\"payload\":{\"k\":\"\xff\xfe\"}}", "payload is not valid UTF-8 (JSON text must be)"},
		{"NUL in the idempotency key", `{"event_type":"a","payload":1,"idempotency_key":"k\u0000"}`, "idempotency_key must not contain control characters (found U+0000 at byte 1)"},
		{"in a batch", `{"events":[{"event_type":"ok","payload":1},{"event_type":"x\u0000","payload":1}]}`, "events[1]: event_type must not contain control characters (found U+0000 at byte 1)"},
	}
	const posters, each = 8, 75 // 600 good events
	var wg sync.WaitGroup
	codes := make(chan int, posters*each)
	for range posters {
		wg.Go(func() {
			for i := range each {
				code, _ := good.do("POST", "/api/v0/events", map[string]any{"event_type": "order.created", "payload": map[string]any{"i": i, "note": "\u00e9\u0000 fine inside a JSON string"}})
				codes <- code
			}
		})
	}
	for round := range 6 {
		for _, p := range poison {
			path := "/api/v0/events"
			if strings.HasPrefix(p.body, `{"events"`) {
				path += "/batch"
			}
			req, _ := http.NewRequest("POST", h.URL+path, strings.NewReader(p.body))
			req.Header.Set("x-client-key", otherKey["client_key"].(string))
			req.Header.Set("x-client-secret", otherKey["client_secret"].(string))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if round == 0 && (resp.StatusCode != 400 || body["message"] != p.want) {
				t.Errorf("%s: %d %v, want 400 %q", p.name, resp.StatusCode, body["message"], p.want)
			} else if resp.StatusCode != 400 {
				t.Errorf("%s (round %d): %d, want 400", p.name, round, resp.StatusCode)
			}
		}
	}
	wg.Wait()
	close(codes)
	counts := map[int]int{}
	for c := range codes {
		counts[c]++
	}
	if counts[202] != posters*each {
		t.Errorf("the other app's good events got %v, want all %d answered 202", counts, posters*each)
	}
	eventually(t, 20*time.Second, "every good event delivered", func() bool { return rc.count() == posters*each })
}

// TestHangingTenantLeavesOthersAlone: app B has 60 webhooks pointing at a server that accepts
// connections and never answers; its backlog is queued first. App A's events, sent one by
// one meanwhile with default flags, each arrive within a second.
func TestHangingTenantLeavesOthersAlone(t *testing.T) {
	dir := t.TempDir()
	_, keyA := setup(t, "--data-dir", dir)
	appB := cli(t, "apps", "create", "--name", "b", "--data-dir", dir)
	keyB := cli(t, "keys", "create", "--app", appB["id"].(string), "--env", "production", "--scopes", "webhook:write,event:write", "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	release := make(chan struct{})
	hang := newReceiver(t, func(int, http.ResponseWriter) { <-release })
	t.Cleanup(func() { close(release) }) // runs before the receiver closes: it waits for its handlers
	fine := newReceiver(t, nil)
	a, b := newClient(t, h.URL, keyA), newClient(t, h.URL, keyB)
	for i := range 60 {
		b.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": fmt.Sprintf("hang%d", i), "url": hang.URL, "timeout": 10})
	}
	events := make([]map[string]any, 20)
	for i := range events {
		events[i] = map[string]any{"event_type": "b", "payload": i}
	}
	b.must(202, "POST", "/api/v0/events/batch", map[string]any{"events": events}) // 1,200 deliveries
	eventually(t, 10*time.Second, "app B's requests hang", func() bool { return hang.count() >= 60 })

	a.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "fine", "url": fine.URL})
	var worst time.Duration
	for i := range 20 {
		sent := time.Now()
		a.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a", "payload": i})
		fine.next(t, 5*time.Second)
		worst = max(worst, time.Since(sent))
	}
	if worst > time.Second {
		t.Errorf("app A's slowest delivery took %s while app B's webhooks hang, want under 1 s", worst)
	}
	t.Logf("app A: 20 deliveries, slowest %s; app B's hanging requests in flight: %d", worst.Round(time.Millisecond), hang.count())
}

// TestWebhooksPerApp: an app may have --max-webhooks webhooks; one more is a 409 that says
// why and what to do, and deleting one makes room.
func TestWebhooksPerApp(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback, "--max-webhooks", "2")
	c := newClient(t, h.URL, key)
	first := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "1", "url": "https://example.com/1"})["id"].(string)
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "2", "url": "https://example.com/2"})
	code, body := c.do("POST", "/api/v0/webhooks", map[string]any{"name": "3", "url": "https://example.com/3"})
	if want := "this app has 2 webhooks, the most one app may have (every event fans out to each); delete one first, or raise --max-webhooks"; code != 409 || body["message"] != want {
		t.Errorf("third webhook = %d %v, want 409 %q", code, body, want)
	}
	c.must(204, "DELETE", "/api/v0/webhooks/"+first, nil)
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "3", "url": "https://example.com/3"})
}
