package main

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// seedVerdicts are what the client code of the webhook monitoring guide concludes from a
// webhook object: the Node checkWebhookHealth and analyzeWebhookPerformance rules and the
// React getHealthStatus badge, as arithmetic on delivery_stats.
type seedVerdicts struct {
	nodeHealthy bool   // checkWebhookHealth().isHealthy
	nodeStatus  string // analyzeWebhookPerformance().status
	reactStatus string // getHealthStatus().status
}

func seedClientRules(hook map[string]any) seedVerdicts {
	st := hook["delivery_stats"].(map[string]any)
	total, failed := st["total_events"].(float64), st["failed_deliveries"].(float64)
	active := hook["isActive"].(bool)
	var v seedVerdicts
	v.nodeHealthy = active && failed/max(total, 1) < 0.1
	failureRate := 0.0
	if total > 0 {
		failureRate = failed / total * 100
	}
	switch {
	case !active:
		v.nodeStatus = "inactive"
	case total == 0:
		v.nodeStatus = "no_activity"
	case failureRate > 20:
		v.nodeStatus = "critical"
	case failureRate > 5:
		v.nodeStatus = "warning"
	default:
		v.nodeStatus = "healthy"
	}
	switch {
	case total == 0:
		v.reactStatus = "No Activity"
	case failed/total > 0.1:
		v.reactStatus = "Unhealthy"
	case failed/total > 0.05:
		v.reactStatus = "Warning"
	default:
		v.reactStatus = "Healthy"
	}
	return v
}

// pythonVerdicts runs the guide's Python WebhookInspector.analyze_webhook_health on each id.
func pythonVerdicts(t *testing.T, base string, key map[string]any, ids ...string) map[string]map[string]any {
	t.Helper()
	if err := exec.Command("python3", "-c", "import requests").Run(); err != nil {
		t.Skipf("python3 with requests is not available: %v", err)
	}
	args := append([]string{"testdata/webhook_inspector.py", base, key["client_key"].(string), key["client_secret"].(string)}, ids...)
	out, err := exec.Command("python3", args...).Output()
	if err != nil {
		t.Fatalf("webhook_inspector.py: %v\n%s", err, out)
	}
	var got map[string]map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("webhook_inspector.py printed %q: %v", out, err)
	}
	return got
}

func TestHealthTellsTheTruth(t *testing.T) {
	testHealthTellsTheTruth(t, "--data-dir", t.TempDir())
}

func TestPostgresHealthTellsTheTruth(t *testing.T) {
	testHealthTellsTheTruth(t, "--database-url", postgresSchema(t))
}

// testHealthTellsTheTruth: a receiver failing every request, one failing one request in
// five, and a healthy one, with default flags. hookd's verdict in the list, the webhook and
// its diagnostics, and the seeds' own client rules on the same objects, all agree that the
// first two are not healthy and the third is.
func testHealthTellsTheTruth(t *testing.T, storeArgs ...string) {
	_, key := setup(t, storeArgs...)
	h := serve(t, append(storeArgs, "--allow-network", loopback)...)
	c := newClient(t, h.URL, key)
	dead, _ := newFailingReceiver(t, http.StatusServiceUnavailable)
	flaky := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n%5 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	fine := newReceiver(t, nil)
	create := func(name, url, types string, schedule []float64) string {
		body := map[string]any{"name": name, "url": url, "event_types": []string{types}}
		if schedule != nil {
			body["retry_schedule"] = schedule
		}
		return c.must(201, "POST", "/api/v0/webhooks", body)["id"].(string)
	}
	deadID := create("dead", dead.URL, "dead.*", nil) // the default retry schedule: it keeps retrying
	flakyID := create("flaky", flaky.URL, "flaky.*", []float64{})
	fineID := create("fine", fine.URL, "fine.*", []float64{})
	post := func(typ string, n int) {
		events := make([]map[string]any, n)
		for i := range events {
			events[i] = map[string]any{"event_type": typ, "payload": map[string]any{"i": i}}
		}
		c.must(202, "POST", "/api/v0/events/batch", map[string]any{"events": events})
	}
	post("dead.x", 300)
	post("flaky.x", 50)
	post("fine.x", 50)

	stats := func(id string) map[string]any {
		return c.must(200, "GET", "/api/v0/webhooks/"+id, nil)["delivery_stats"].(map[string]any)
	}
	eventually(t, 20*time.Second, "the flaky and the fine webhook sent their 50 each", func() bool {
		return stats(flakyID)["total_events"] == 50.0 && stats(fineID)["total_events"] == 50.0
	})
	eventually(t, 20*time.Second, "the dead webhook's breaker opens", func() bool {
		return c.must(200, "GET", "/api/v0/webhooks/"+deadID, nil)["circuit_state"] == "open"
	})
	if st := stats(flakyID); st["successful_deliveries"] != 40.0 || st["failed_deliveries"] != 10.0 || st["success_rate"] != 80.0 {
		t.Errorf("flaky delivery_stats = %v, want 40 successful + 10 failed of 50, 80 %%", st)
	}
	if st := stats(deadID); st["successful_deliveries"] != 0.0 || st["failed_deliveries"] != st["total_events"] ||
		st["total_events"].(float64) < 10 || st["total_events"].(float64)+st["pending_deliveries"].(float64) != 300 {
		t.Errorf("dead delivery_stats = %v, want every delivery sent failed, the rest pending, 300 in all", st)
	}

	want := map[string]string{deadID: "critical", flakyID: "critical", fineID: "healthy"}
	list := c.must(200, "GET", "/api/v0/webhooks", nil)["data"].([]any)
	for _, item := range list {
		hook := item.(map[string]any)
		id := hook["id"].(string)
		health := hook["health"].(map[string]any)
		if health["status"] != want[id] {
			t.Errorf("list: %s health = %v, want %s", hook["name"], health, want[id])
		}
		if st := hook["delivery_stats"].(map[string]any); st["last_24h_events"] != st["total_events"] || st["last_24h_failures"] != st["failed_deliveries"] {
			t.Errorf("list: %s last 24 h = %v sent / %v failed, want the totals %v / %v (all from the last 24 h)",
				hook["name"], st["last_24h_events"], st["last_24h_failures"], st["total_events"], st["failed_deliveries"])
		}
	}
	for id, status := range want {
		hook := c.must(200, "GET", "/api/v0/webhooks/"+id, nil)
		health := hook["health"].(map[string]any)
		diag := c.must(200, "GET", "/api/v0/webhooks/"+id+"/diagnostics", nil)
		if health["status"] != status || diag["status"] != status || diag["health_score"] != health["score"] {
			t.Errorf("%s: webhook health %v, diagnostics %v/%v; want %s in both, the same score", hook["name"], health, diag["status"], diag["health_score"], status)
		}
		if score := health["score"].(float64); status == "critical" && score >= 50 || status == "healthy" && score < 90 {
			t.Errorf("%s: score %v does not agree with %s", hook["name"], score, status)
		}
		tiers := diag["tiers"].(map[string]any)
		rate := diag["metrics"].(map[string]any)["success_rate"].(float64)
		if wantTier := map[bool]string{true: "critical", false: "excellent"}[rate < 90]; rate < 90 || rate >= 99 {
			if tiers["success_rate"] != wantTier {
				t.Errorf("%s: success rate %v%% shown with tier %v, want %s", hook["name"], rate, tiers["success_rate"], wantTier)
			}
		}
		seed := seedClientRules(hook)
		healthy := status == "healthy"
		if seed.nodeHealthy != healthy || (seed.nodeStatus == "healthy") != healthy || (seed.reactStatus == "Healthy") != healthy {
			t.Errorf("%s: the guide's Node and React rules say %+v; hookd says %s", hook["name"], seed, status)
		}
	}
	if seed := seedClientRules(c.must(200, "GET", "/api/v0/webhooks/"+deadID, nil)); seed.nodeStatus != "critical" || seed.reactStatus != "Unhealthy" {
		t.Errorf("dead: Node/React rules say %+v, want critical and Unhealthy", seed)
	}

	t.Run("the guide's Python client", func(t *testing.T) {
		got := pythonVerdicts(t, h.URL, key, deadID, flakyID, fineID)
		if s := got[deadID]["status"]; s != "warning" && s != "critical" {
			t.Errorf("Python analyze_webhook_health(dead) = %v, want warning or critical", got[deadID])
		}
		if s := got[flakyID]["status"]; s == "excellent" {
			t.Errorf("Python analyze_webhook_health(flaky) = %v, want below excellent", got[flakyID])
		}
		if s := got[fineID]["status"]; s != "excellent" {
			t.Errorf("Python analyze_webhook_health(fine) = %v, want excellent", got[fineID])
		}
	})
}

// TestOperationalEvents: a webhook subscribed to webhook.* hears that another one is failing,
// then, after an operator's retry on its open breaker, that it recovered; nothing else. The
// healed receiver's whole backlog goes out at once, not after the cool-down and backoff.
func TestOperationalEvents(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	c := newClient(t, h.URL, key)
	ops, everything := newReceiver(t, nil), newReceiver(t, nil)
	dying, up := newFailingReceiver(t, http.StatusBadGateway)
	opsID := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "ops", "url": ops.URL, "event_types": []string{"webhook.*"}})["id"].(string)
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "all", "url": everything.URL})
	dyingID := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "dying", "url": dying.URL, "event_types": []string{"app.*"}})["id"].(string)

	const n = 20
	var first string
	for i := range n {
		ev := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "app.changed", "payload": i})
		if i == 0 {
			first = ev["id"].(string)
		}
	}
	type notice struct {
		Type string `json:"type"`
		Data struct {
			WebhookID string `json:"webhook_id"`
			Reason    string `json:"reason"`
		} `json:"data"`
	}
	read := func(r received) notice {
		var got notice
		if err := json.Unmarshal(r.body, &got); err != nil {
			t.Fatalf("operational event %s: %v", r.body, err)
		}
		return got
	}
	if got := read(ops.next(t, 10*time.Second)); got.Type != "webhook.failing" || got.Data.WebhookID != dyingID || got.Data.Reason == "" {
		t.Errorf("first operational event = %+v, want webhook.failing about %s with a reason", got, dyingID)
	}
	eventually(t, 10*time.Second, "the dying webhook's breaker opens", func() bool {
		return c.must(200, "GET", "/api/v0/webhooks/"+dyingID, nil)["circuit_state"] == "open"
	})

	up.Store(true)
	healed := time.Now()
	c.must(202, "POST", "/api/v0/webhooks/"+dyingID+"/events/"+first+"/retry", nil)
	eventually(t, 5*time.Second, "the healed receiver's backlog delivered", func() bool {
		st := c.must(200, "GET", "/api/v0/webhooks/"+dyingID, nil)["delivery_stats"].(map[string]any)
		return st["successful_deliveries"] == float64(n)
	})
	t.Logf("backlog of %d delivered %s after the operator's retry (breaker cool-down 30 s, first backoff 5 s)", n, time.Since(healed).Round(time.Millisecond))
	if got := read(ops.next(t, 5*time.Second)); got.Type != "webhook.recovered" || got.Data.WebhookID != dyingID {
		t.Errorf("second operational event = %+v, want webhook.recovered about %s", got, dyingID)
	}
	if got := c.must(200, "GET", "/api/v0/webhooks/"+dyingID, nil)["health"].(map[string]any)["status"]; got != "healthy" {
		t.Errorf("health after recovery = %v, want healthy", got)
	}
	if n := ops.count(); n != 2 {
		t.Errorf("the ops webhook got %d events, want 2 (failing, recovered)", n)
	}
	everything.mu.Lock()
	defer everything.mu.Unlock()
	for _, r := range everything.got {
		var got struct{ Type string }
		if err := json.Unmarshal(r.body, &got); err != nil || got.Type != "app.changed" {
			t.Errorf("the catch-all webhook got %s; hookd's own events go only to webhooks that name them", r.body)
		}
	}
	if got := c.must(200, "GET", "/api/v0/webhooks/"+opsID, nil)["delivery_stats"].(map[string]any)["total_events"]; got != 2.0 {
		t.Errorf("ops webhook total_events = %v, want 2", got)
	}
}

// TestRecoverOnOpenBreaker: with default flags, recovering a healed endpoint whose breaker is
// open sends its whole backlog within seconds: the breaker probes at once and its success
// releases what was held and what waited for its next backoff step.
func TestRecoverOnOpenBreaker(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	c := newClient(t, h.URL, key)
	rc, up := newFailingReceiver(t, http.StatusServiceUnavailable)
	id := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "r", "url": rc.URL})["id"].(string)
	const n = 100
	events := make([]map[string]any, n)
	for i := range events {
		events[i] = map[string]any{"event_type": "a", "payload": i}
	}
	c.must(202, "POST", "/api/v0/events/batch", map[string]any{"events": events})
	eventually(t, 10*time.Second, "the breaker opens", func() bool {
		return c.must(200, "GET", "/api/v0/webhooks/"+id, nil)["circuit_state"] == "open"
	})
	if d := c.must(200, "GET", "/api/v0/webhooks/"+id+"/diagnostics", nil); d["status"] != "critical" ||
		!slices.ContainsFunc(d["issues"].([]any), func(v any) bool { return strings.Contains(v.(string), "Circuit breaker is open") }) {
		t.Errorf("diagnostics with the breaker open = %v / %v, want critical naming the breaker", d["status"], d["issues"])
	}

	up.Store(true)
	healed := time.Now()
	c.must(202, "POST", "/api/v0/webhooks/"+id+"/recover", map[string]any{"since": healed.Add(-time.Hour).UTC().Format(time.RFC3339)})
	eventually(t, 5*time.Second, "the backlog delivered after recover", func() bool {
		st := c.must(200, "GET", "/api/v0/webhooks/"+id, nil)["delivery_stats"].(map[string]any)
		return st["successful_deliveries"] == float64(n) && st["failed_deliveries"] == 0.0
	})
	t.Logf("backlog of %d delivered %s after recover", n, time.Since(healed).Round(time.Millisecond))
	if got := c.must(200, "GET", "/api/v0/webhooks/"+id, nil); got["circuit_state"] != "closed" || got["health"].(map[string]any)["status"] != "healthy" {
		t.Errorf("after recovery: circuit %v, health %v; want closed, healthy", got["circuit_state"], got["health"])
	}
}
