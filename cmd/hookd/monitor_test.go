package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store/postgres/pgtest"
)

// Every monitoring surface over a real delivery: two 500s, then a 200.
func TestMonitoringEndToEnd(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		testMonitoringEndToEnd(t, "--data-dir", dir)
	})
	t.Run("postgres", func(t *testing.T) {
		testMonitoringEndToEnd(t, "--database-url", pgtest.Schema(t))
	})
}

func testMonitoringEndToEnd(t *testing.T, storeArgs ...string) {
	_, key := setup(t, storeArgs...)
	h := serve(t, append(storeArgs, "--allow-network", loopback, "--retention", "720h")...)
	rc := newReceiver(t, func(n int, w http.ResponseWriter) {
		w.Header().Set("X-Receiver", "yes")
		if n <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "down")
			return
		}
		fmt.Fprint(w, "ok")
	})
	c := newClient(t, h.URL, key)
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "monitored", "url": rc.URL, "retry_schedule": []float64{0.1, 0.1, 0.1}})
	id := hook["id"].(string)
	ev := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "invoice.paid", "payload": map[string]any{"amount": 42}})
	msg := ev["id"].(string)
	eventually(t, 10*time.Second, "the third attempt succeeds", func() bool {
		m := c.must(200, "GET", "/v1/webhooks/"+id+"/messages/"+msg, nil)
		return m["status"] == "delivered"
	})
	bearer := []string{"Authorization", "Bearer " + key["token"].(string)}

	// /v1 (seed 000).
	list := c.must(200, "GET", "/v1/webhooks/"+id+"/messages", nil, bearer...)
	data := list["data"].([]any)
	if len(data) != 1 || list["done"] != true {
		t.Fatalf("messages = %v", list)
	}
	if m := data[0].(map[string]any); m["id"] != msg || m["attempts"] != 3.0 || m["payload"] != nil {
		t.Errorf("message in list = %v, want %s with 3 attempts and no payload", m, msg)
	}
	m := c.must(200, "GET", "/v1/webhooks/"+id+"/messages/"+msg, nil, bearer...)
	if p, _ := m["payload"].(map[string]any); p["amount"] != 42.0 {
		t.Errorf("message payload = %v", m["payload"])
	}
	atts := c.must(200, "GET", "/v1/webhooks/"+id+"/messages/"+msg+"/attempts", nil, bearer...)["data"].([]any)
	if len(atts) != 3 {
		t.Fatalf("attempts = %v", atts)
	}
	first := atts[2].(map[string]any)
	if first["responseStatusCode"] != 500.0 || first["errorClass"] != "http" || first["trigger"] != "scheduled" || first["response"] != nil {
		t.Errorf("first attempt in list = %v", first)
	}
	full := c.must(200, "GET", "/v1/webhooks/"+id+"/messages/"+msg+"/attempts/"+atts[0].(map[string]any)["id"].(string), nil, bearer...)
	req, _ := full["requestHeaders"].(map[string]any)
	resp, _ := full["responseHeaders"].(map[string]any)
	if full["response"] != "ok" || full["status"] != "succeeded" || req == nil || resp == nil {
		t.Fatalf("attempt = %v", full)
	}
	if req["webhook-id"] != msg && req["Webhook-Id"] != msg {
		t.Errorf("request headers sent = %v, want webhook-id %s", req, msg)
	}
	if resp["X-Receiver"] != "yes" {
		t.Errorf("response headers = %v, want X-Receiver", resp)
	}

	// /api/v3 (seed 003), by numeric id.
	calls := fmt.Sprintf("/api/v3/notification/webhook/%.0f/calls", hook["numeric_id"].(float64))
	doc := c.must(200, "GET", calls+"?filter[http_code__gte]=500&sort=-created_at&count=true", nil)
	if cd := doc["data"].([]any); len(cd) != 2 || doc["meta"].(map[string]any)["count"] != 2.0 {
		t.Errorf("5xx calls = %v", doc)
	} else if a := cd[0].(map[string]any)["attributes"].(map[string]any); a["body"] != "down" || a["http_code"] != 500.0 {
		t.Errorf("call attributes = %v", a)
	}

	// /api/v0 (seeds 001, 002).
	w := c.must(200, "GET", "/api/v0/webhooks/"+id+"?include_events=true&events_limit=5", nil)
	re := w["recent_events"].([]any)
	if len(re) != 1 || re[0].(map[string]any)["delivery_status"] != "delivered" || re[0].(map[string]any)["retry_count"] != 2.0 {
		t.Errorf("recent_events = %v", re)
	}
	d := c.must(200, "GET", "/api/v0/webhooks/"+id+"/diagnostics", nil)
	causes := d["failures"].(map[string]any)["by_cause"].([]any)
	if d["status"] != "healthy" || len(causes) != 1 || causes[0].(map[string]any)["cause"] != "http_5xx" || d["tiers"].(map[string]any)["activity"] != "active" {
		t.Errorf("diagnostics = %v", d)
	}
	st := c.must(200, "GET", "/api/v0/webhooks/"+id+"/stats", nil)
	if tot := st["totals"].(map[string]any); tot["events"] != 1.0 || tot["attempts"] != 3.0 || tot["failed_attempts"] != 2.0 || len(st["series"].([]any)) < 24 {
		t.Errorf("stats = %v", st)
	}
	if code, _ := c.do("GET", "/openapi.json", nil); code != 200 {
		t.Errorf("GET /openapi.json = %d", code)
	}
}
