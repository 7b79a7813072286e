package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	svix "github.com/svix/svix-webhooks/go"
)

const loopback = "127.0.0.0/8"

func TestEndToEndSignedDelivery(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	rc := newReceiver(t, nil)
	c := newClient(t, h.URL, key)

	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "payments", "url": rc.URL + "/hook", "headers": map[string]string{"X-Team": "billing"}})
	secret, _ := hook["signing_secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("signing_secret = %q, want whsec_…", secret)
	}
	ev := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "invoice.paid", "payload": map[string]any{"amount": 42}})
	if ev["deliveries"] != float64(1) {
		t.Errorf("deliveries = %v, want 1", ev["deliveries"])
	}
	got := rc.next(t, 5*time.Second)

	if got.header.Get("webhook-id") != ev["id"] || got.header.Get("Content-Type") != "application/json" || got.header.Get("X-Team") != "billing" {
		t.Errorf("headers = %v; want webhook-id %v, JSON and the custom header", got.header, ev["id"])
	}
	var env struct {
		Type      string         `json:"type"`
		Timestamp string         `json:"timestamp"`
		Data      map[string]any `json:"data"`
	}
	if err := json.Unmarshal(got.body, &env); err != nil || env.Type != "invoice.paid" || env.Data["amount"] != float64(42) || env.Timestamp == "" {
		t.Errorf("body = %s (%v), want the Standard Webhooks envelope", got.body, err)
	}
	sw, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Verify(got.body, got.header); err != nil {
		t.Errorf("Standard Webhooks library rejects the delivery: %v", err)
	}
	sv, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := sv.Verify(got.body, got.header); err != nil {
		t.Errorf("Svix verifier rejects the delivery: %v", err)
	}
	other, _ := standardwebhooks.NewWebhook("whsec_" + strings.Repeat("QUFB", 8))
	if other.Verify(got.body, got.header) == nil {
		t.Error("a different secret verifies the delivery")
	}

	id := hook["id"].(string)
	eventually(t, 5*time.Second, "stats show the delivery", func() bool {
		w := c.must(200, "GET", "/api/v0/webhooks/"+id, nil)
		st := w["delivery_stats"].(map[string]any)
		return st["successful_deliveries"] == float64(1) && st["total_events"] == float64(1) && st["last_delivery"] != nil
	})
	w := c.must(200, "GET", "/api/v0/webhooks/"+id, nil)
	if _, leaked := w["signing_secret"]; leaked {
		t.Error("GET webhook returns signing_secret")
	}
	e := c.must(200, "GET", "/api/v0/events/"+ev["id"].(string), nil)
	ds := e["deliveries"].([]any)
	if len(ds) != 1 || ds[0].(map[string]any)["status"] != "delivered" || ds[0].(map[string]any)["response_code"] != float64(200) {
		t.Errorf("event deliveries = %v, want one delivered with 200", ds)
	}
}

func TestRetriesFollowSchedule(t *testing.T) {
	const failures = 3
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	rc := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n <= failures {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	c := newClient(t, h.URL, key)
	schedule := []float64{0.3, 0.6, 0.9, 5}
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "flaky", "url": rc.URL, "retry_schedule": schedule})
	ev := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a.b", "payload": map[string]any{}})

	var arrivals []received
	for range failures + 1 {
		arrivals = append(arrivals, rc.next(t, 10*time.Second))
	}
	for i := 1; i < len(arrivals); i++ {
		gap := arrivals[i].at.Sub(arrivals[i-1].at).Seconds()
		if lo, hi := schedule[i-1]*0.8, schedule[i-1]*1.2+0.5; gap < lo || gap > hi {
			t.Errorf("gap before attempt %d = %.2fs, want %.2f±20%%", i+1, gap, schedule[i-1])
		}
		if arrivals[i].header.Get("webhook-id") != ev["id"] {
			t.Errorf("attempt %d webhook-id = %q, want the same %v on every retry", i+1, arrivals[i].header.Get("webhook-id"), ev["id"])
		}
	}
	eventually(t, 5*time.Second, "delivery recorded as delivered", func() bool {
		e := c.must(200, "GET", "/api/v0/events/"+ev["id"].(string), nil)
		d := e["deliveries"].([]any)[0].(map[string]any)
		return d["status"] == "delivered" && d["attempts"] == float64(failures+1)
	})
	st := c.must(200, "GET", "/api/v0/webhooks/"+hook["id"].(string), nil)["delivery_stats"].(map[string]any)
	if st["total_events"] != float64(1) || st["successful_deliveries"] != float64(1) || st["failed_deliveries"] != float64(0) ||
		st["last_24h_events"] != float64(1) || st["last_24h_failures"] != float64(0) || st["success_rate"] != float64(100) {
		t.Errorf("delivery_stats = %v", st)
	}
	time.Sleep(200 * time.Millisecond)
	if n := rc.count(); n != failures+1 {
		t.Errorf("receiver got %d requests, want %d", n, failures+1)
	}
}

func TestExhaustedAndGoneFail(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	down := newReceiver(t, func(int, http.ResponseWriter) {})
	down.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		down.seen <- received{at: time.Now()}
	})
	gone := newReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusGone) })
	c := newClient(t, h.URL, key)
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "down", "url": down.URL, "retry_schedule": []float64{0.1}, "event_types": []string{"x.down"}})
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "gone", "url": gone.URL, "retry_schedule": []float64{0.1, 0.1}, "event_types": []string{"x.gone"}})
	a := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "x.down", "payload": 1})
	b := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "x.gone", "payload": 2})
	for _, tc := range []struct {
		id       string
		attempts float64
	}{{a["id"].(string), 2}, {b["id"].(string), 1}} {
		eventually(t, 5*time.Second, tc.id+" failed", func() bool {
			d := c.must(200, "GET", "/api/v0/events/"+tc.id, nil)["deliveries"].([]any)[0].(map[string]any)
			return d["status"] == "failed" && d["attempts"] == tc.attempts
		})
	}
	time.Sleep(300 * time.Millisecond)
	if n := gone.count(); n != 1 {
		t.Errorf("410 receiver got %d requests, want 1 (410 stops retries)", n)
	}
}

func TestFanOutFiltersAndInactive(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	c := newClient(t, h.URL, key)
	all, invoices, exact, inactive := newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil)
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "all", "url": all.URL})
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "inv", "url": invoices.URL, "event_types": []string{"invoice.*"}})
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "exact", "url": exact.URL, "event_types": []string{"user.created"}})
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "off", "url": inactive.URL, "isActive": false})

	batch := c.must(202, "POST", "/api/v0/events/batch", map[string]any{"events": []map[string]any{
		{"event_type": "invoice.paid", "payload": 1}, {"event_type": "invoice.line.added", "payload": 2},
		{"event_type": "user.created", "payload": 3}, {"event_type": "invoices", "payload": 4},
	}})
	var counts []float64
	for _, d := range batch["data"].([]any) {
		counts = append(counts, d.(map[string]any)["deliveries"].(float64))
	}
	if fmt.Sprint(counts) != "[2 2 2 1]" {
		t.Errorf("deliveries per event = %v, want [2 2 2 1]", counts)
	}
	eventually(t, 5*time.Second, "every delivery arrives", func() bool {
		return all.count() == 4 && invoices.count() == 2 && exact.count() == 1
	})
	time.Sleep(200 * time.Millisecond)
	if n := inactive.count(); n != 0 {
		t.Errorf("inactive webhook got %d deliveries", n)
	}
}

func TestIdempotencyKey(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	rc := newReceiver(t, nil)
	c := newClient(t, h.URL, key)
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "r", "url": rc.URL})
	first := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a", "payload": 1, "idempotency_key": "order-7"})
	again := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a", "payload": 1, "idempotency_key": "order-7"})
	byHeader := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a", "payload": 1}, "Idempotency-Key", "order-7")
	if again["id"] != first["id"] || byHeader["id"] != first["id"] || again["duplicate"] != true {
		t.Errorf("ids %v %v %v, want one event", first["id"], again["id"], byHeader["id"])
	}
	rc.next(t, 5*time.Second)
	time.Sleep(300 * time.Millisecond)
	if n := rc.count(); n != 1 {
		t.Errorf("receiver got %d deliveries, want 1", n)
	}
}

func TestSSRFGuardBlocksLoopbackByDefault(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir) // no --allow-network
	rc := newReceiver(t, nil)
	c := newClient(t, h.URL, key)
	port := rc.URL[strings.LastIndex(rc.URL, ":")+1:]
	for _, host := range []string{"127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]"} {
		t.Run(host, func(t *testing.T) {
			c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": host, "url": "http://" + host + ":" + port, "retry_schedule": []float64{}, "event_types": []string{"t." + host}})
			ev := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "t." + host, "payload": 1})
			var d map[string]any
			eventually(t, 5*time.Second, "blocked attempt recorded", func() bool {
				d = c.must(200, "GET", "/api/v0/events/"+ev["id"].(string), nil)["deliveries"].([]any)[0].(map[string]any)
				return d["status"] == "failed"
			})
			msg, _ := d["error_message"].(string)
			if !strings.Contains(msg, "blocked") || !strings.Contains(msg, "--allow-network") {
				t.Errorf("error_message = %q, want it to say blocked and how to allow", msg)
			}
		})
	}
	if n := rc.count(); n != 0 {
		t.Errorf("receiver got %d requests through the guard", n)
	}
}

func TestAPIErrors(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--max-payload", "1024")
	c := newClient(t, h.URL, key)
	anon := &client{t: t, base: h.URL}
	bad := &client{t: t, base: h.URL, key: key["client_key"].(string), secret: "cs_wrong"}
	cases := []struct {
		name   string
		c      *client
		method string
		path   string
		body   any
		status int
		want   map[string]any
	}{
		{"missing credentials", anon, "GET", "/api/v0/webhooks/wh_123456789", nil, 401, map[string]any{"statusCode": 401.0, "message": "Client key or secret missing", "error": "Unauthorized", "details": "Please provide both x-client-key and x-client-secret headers"}},
		{"invalid credentials", bad, "GET", "/api/v0/webhooks/wh_123456789", nil, 401, map[string]any{"statusCode": 401.0, "message": "Invalid client app credentials", "error": "Unauthorized", "details": "The provided API key or secret is invalid"}},
		{"not found", c, "GET", "/api/v0/webhooks/wh_123456789", nil, 404, map[string]any{"statusCode": 404.0, "message": "Webhook not found", "error": "Not Found"}},
		{"bad id", c, "GET", "/api/v0/webhooks/not-an-id", nil, 400, map[string]any{"statusCode": 400.0, "message": "Invalid webhook ID format", "error": "Bad Request"}},
		{"bad url", c, "POST", "/api/v0/webhooks", map[string]any{"name": "x", "url": "ftp://x"}, 400, map[string]any{"statusCode": 400.0, "message": `url must be an absolute http or https URL, got "ftp://x"`, "error": "Bad Request"}},
		{"relative url", c, "POST", "/api/v0/webhooks", map[string]any{"name": "x", "url": "/hook"}, 400, map[string]any{"statusCode": 400.0, "message": `url must be an absolute http or https URL, got "/hook"`, "error": "Bad Request"}},
		{"unknown field", c, "POST", "/api/v0/webhooks", map[string]any{"name": "x", "url": "https://x.example", "colour": "red"}, 400, map[string]any{"statusCode": 400.0, "message": `unknown field "colour"`, "error": "Bad Request"}},
		{"wrong type", c, "POST", "/api/v0/webhooks", map[string]any{"name": 5, "url": "https://x.example"}, 400, map[string]any{"statusCode": 400.0, "message": "name must be a string, not number", "error": "Bad Request"}},
		{"payload too large", c, "POST", "/api/v0/events", map[string]any{"event_type": "a", "payload": strings.Repeat("x", 2000)}, 413, map[string]any{"statusCode": 413.0, "message": "payload is 2002 bytes; the limit is 1024 bytes", "error": "Request Entity Too Large"}},
		{"no event type", c, "POST", "/api/v0/events", map[string]any{"payload": 1}, 400, map[string]any{"statusCode": 400.0, "message": "event_type is required", "error": "Bad Request"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, body := tc.c.do(tc.method, tc.path, tc.body)
			if st != tc.status || fmt.Sprint(body) != fmt.Sprint(tc.want) {
				t.Errorf("got %d %v\nwant %d %v", st, body, tc.status, tc.want)
			}
		})
	}
}
