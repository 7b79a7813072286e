package server

import (
	"net/url"
	"strings"
	"testing"

	"github.com/hookd/hookd/internal/webhook"
)

// TestEventLog pages the event log through the API and checks its parameters are read, or
// refused with a message naming the parameter.
func TestEventLog(t *testing.T) {
	f := newAccessFixture(t, Options{})
	k := f.key(f.appA, []string{webhook.ScopeEventRead, webhook.ScopeEventWrite}, true)
	sent := []string{f.ids["msg"]} // the fixture's event, delivered
	for _, typ := range []string{"user.created", "invoice.paid", "user.created"} {
		got := f.do("POST", "/api/v0/events", `{"event_type":"`+typ+`","payload":{"big":"payload"}}`, k, "bearer")
		if got.status != 202 {
			t.Fatalf("send = %d %s", got.status, got.body)
		}
		sent = append(sent, got.json(t)["id"].(string))
	}
	list := func(query string) (ids []string, page map[string]any) {
		t.Helper()
		got := f.do("GET", "/api/v0/events?"+query, "", k, "bearer")
		if got.status != 200 {
			t.Fatalf("GET /api/v0/events?%s = %d %s", query, got.status, got.body)
		}
		page = got.json(t)
		for _, e := range page["data"].([]any) {
			ev := e.(map[string]any)
			if _, ok := ev["payload"]; ok {
				t.Errorf("the list shows a payload: %v", ev)
			}
			ids = append(ids, ev["id"].(string))
		}
		return ids, page
	}
	ids, page := list("limit=2")
	if strings.Join(ids, ",") != sent[3]+","+sent[2] || page["has_more"] != true || page["next_cursor"] != sent[2] {
		t.Fatalf("first page = %v %v, want the two newest and a cursor", ids, page)
	}
	ids, page = list("limit=2&cursor=" + sent[2])
	if strings.Join(ids, ",") != sent[1]+","+sent[0] || page["has_more"] != false || page["next_cursor"] != nil {
		t.Errorf("second page = %v %v, want the two oldest and no cursor", ids, page)
	}
	if ids, _ = list("event_type=user.created"); strings.Join(ids, ",") != sent[3]+","+sent[1] {
		t.Errorf("by type = %v", ids)
	}
	if ids, _ = list("id=" + sent[2]); strings.Join(ids, ",") != sent[2] {
		t.Errorf("by id = %v", ids)
	}
	ids, page = list("status=delivered&webhook_id=" + f.ids["wh"])
	if strings.Join(ids, ",") != sent[0] {
		t.Fatalf("delivered to the webhook = %v, want the fixture's event", ids)
	}
	d := page["data"].([]any)[0].(map[string]any)["deliveries"].([]any)[0].(map[string]any)
	if d["webhook_id"] != f.ids["wh"] || d["status"] != "delivered" || d["response_code"] != float64(200) {
		t.Errorf("delivery = %v", d)
	}
	if ids, _ = list("until=" + url.QueryEscape("2000-01-01T00:00:00Z")); len(ids) != 0 {
		t.Errorf("until 2000 = %v, want none", ids)
	}

	for query, names := range map[string]string{
		"status=lost":              "status",
		"since=yesterday":          "since",
		"until=2024-13-01":         "until",
		"limit=0":                  "limit",
		"limit=251":                "limit",
		"cursor=wh_1":              "cursor",
		"id=nope":                  "id",
		"webhook_id=msg_1":         "webhook_id",
		"event_type=" + "a%00b":    "event_type",
		"event_type=" + "a%FF%FEb": "event_type",
	} {
		got := f.do("GET", "/api/v0/events?"+query, "", k, "bearer")
		if got.status != 400 || !strings.Contains(got.json(t)["message"].(string), names) {
			t.Errorf("?%s = %d %s, want 400 naming %s", query, got.status, got.body, names)
		}
	}
	// Another app's webhook is not found, as everywhere.
	b := f.key(f.ids["appB"], []string{webhook.ScopeEventRead}, true)
	if got := f.do("GET", "/api/v0/events?webhook_id="+f.ids["wh"], "", b, "bearer"); got.status != 404 {
		t.Errorf("app B filtering by app A's webhook = %d %s, want 404", got.status, got.body)
	}
}
