package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// deliveryStats reads a webhook's delivery_stats and checks they add up: total_events counts
// the deliveries sent, each either successful or failed by its latest attempt.
func deliveryStats(t *testing.T, c *client, id string) map[string]any {
	t.Helper()
	st := c.must(200, "GET", "/api/v0/webhooks/"+id, nil)["delivery_stats"].(map[string]any)
	if total, sum := st["total_events"].(float64), st["successful_deliveries"].(float64)+st["failed_deliveries"].(float64); total != sum {
		t.Errorf("delivery_stats %v: total %v != successful + failed = %v", st, total, sum)
	}
	return st
}

// deliveryOf reads the status and attempts of event msg's delivery (to its only webhook).
func deliveryOf(t *testing.T, c *client, msg string) (status string, attempts float64) {
	t.Helper()
	d := c.must(200, "GET", "/api/v0/events/"+msg, nil)["deliveries"].([]any)[0].(map[string]any)
	return d["status"].(string), d["attempts"].(float64)
}

func statsAre(t *testing.T, c *client, id string, total, delivered, failed float64) bool {
	st := deliveryStats(t, c, id)
	return st["total_events"] == total && st["successful_deliveries"] == delivered && st["failed_deliveries"] == failed
}

func attemptTriggers(t *testing.T, c *client, hookID, msgID string) []string {
	t.Helper()
	page := c.must(200, "GET", "/v1/webhooks/"+hookID+"/messages/"+msgID+"/attempts", nil)
	var out []string
	for _, a := range page["data"].([]any) {
		out = append(out, a.(map[string]any)["trigger"].(string))
	}
	return out
}

func TestManualRetry(t *testing.T) {
	dir := t.TempDir()
	app, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	rc, up := newFailingReceiver(t, http.StatusInternalServerError)
	c := newClient(t, h.URL, key)
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "r", "url": rc.URL, "retry_schedule": []float64{0.05}})
	id := hook["id"].(string)
	ev := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a.b", "payload": 1})
	msg := ev["id"].(string)
	eventually(t, 5*time.Second, "delivery failed after 2 attempts", func() bool {
		status, attempts := deliveryOf(t, c, msg)
		return status == "failed" && attempts == 2
	})
	if !statsAre(t, c, id, 1, 0, 1) {
		t.Errorf("stats after the failure = %v, want 1 sent, 1 failed", deliveryStats(t, c, id))
	}

	up.Store(true)
	got := c.must(202, "POST", "/api/v0/webhooks/"+id+"/events/"+msg+"/retry", nil)
	if got["status"] != "pending" || got["trigger"] != "manual" || got["message_id"] != msg || got["attempts"] != float64(2) {
		t.Errorf("retry answer = %v, want pending, manual, 2 attempts so far", got)
	}
	eventually(t, 5*time.Second, "retried delivery delivered", func() bool { return statsAre(t, c, id, 1, 1, 0) })
	if n := rc.count(); n != 3 {
		t.Errorf("receiver got %d requests, want 3 (2 scheduled, 1 manual)", n)
	}
	if got, want := fmt.Sprint(attemptTriggers(t, c, id, msg)), "[manual scheduled scheduled]"; got != want {
		t.Errorf("attempt triggers (newest first) = %s, want %s", got, want)
	}

	// A delivered delivery can be sent again too; it passes through pending and back.
	c.must(202, "POST", "/api/v0/webhooks/"+id+"/events/"+msg+"/retry", nil)
	eventually(t, 5*time.Second, "second manual attempt", func() bool { return rc.count() == 4 })
	eventually(t, 5*time.Second, "delivered again", func() bool { return statsAre(t, c, id, 1, 1, 0) })

	for _, tc := range []struct {
		name, path string
		want       int
		message    string
	}{
		{"malformed message id", "/api/v0/webhooks/" + id + "/events/nope/retry", 400, "Invalid message ID format"},
		{"unknown message", "/api/v0/webhooks/" + id + "/events/msg_01HZZZZZZZZZZZZZZZZZZZZZZZ/retry", 404, "Message not found"},
		{"malformed webhook id", "/api/v0/webhooks/bad/events/" + msg + "/retry", 400, "Invalid webhook ID format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := c.do("POST", tc.path, nil)
			if code != tc.want || body["message"] != tc.message || body["statusCode"] != float64(tc.want) {
				t.Errorf("POST %s = %d %v, want %d %q", tc.path, code, body, tc.want, tc.message)
			}
		})
	}
	reader := newClient(t, h.URL, cli(t, "keys", "create", "--app", app["id"].(string), "--scopes", "webhook:read", "--data-dir", dir))
	if code, body := reader.do("POST", "/api/v0/webhooks/"+id+"/events/"+msg+"/retry", nil); code != 403 {
		t.Errorf("retry with webhook:read only = %d %v, want 403", code, body)
	}
}

func TestTestEvent(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	target, bystander := newReceiver(t, nil), newReceiver(t, nil)
	c := newClient(t, h.URL, key)
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "t", "url": target.URL})
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "other", "url": bystander.URL})
	id := hook["id"].(string)

	ev := c.must(202, "POST", "/api/v0/webhooks/"+id+"/test", nil)
	if ev["event_type"] != "webhook.test" || ev["deliveries"] != float64(1) {
		t.Errorf("test answer = %v, want one webhook.test delivery", ev)
	}
	got := target.next(t, 5*time.Second)
	var env struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(got.body, &env); err != nil || env.Type != "webhook.test" || env.Data["webhook_id"] != id {
		t.Errorf("test body = %s, want a webhook.test envelope naming the webhook", got.body)
	}
	sw, err := standardwebhooks.NewWebhook(hook["signing_secret"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Verify(got.body, got.header); err != nil {
		t.Errorf("test event signature does not verify: %v", err)
	}
	if got.header.Get("webhook-id") != ev["id"] {
		t.Errorf("webhook-id = %q, want the test event %v", got.header.Get("webhook-id"), ev["id"])
	}
	c.must(202, "POST", "/api/v0/webhooks/"+id+"/test", map[string]any{"payload": map[string]any{"custom": true}})
	if got := target.next(t, 5*time.Second); !json.Valid(got.body) || string(got.body) == "" {
		t.Errorf("custom test body = %s", got.body)
	}
	eventually(t, 5*time.Second, "both test deliveries counted", func() bool { return statsAre(t, c, id, 2, 2, 0) })
	time.Sleep(200 * time.Millisecond)
	if n := bystander.count(); n != 0 {
		t.Errorf("another webhook of the app got %d test deliveries, want 0", n)
	}
	if code, body := c.do("POST", "/api/v0/webhooks/wh_01HZZZZZZZZZZZZZZZZZZZZZZZ/test", nil); code != 404 || body["message"] != "Webhook not found" {
		t.Errorf("test on an unknown webhook = %d %v, want 404", code, body)
	}
}

func TestRecover(t *testing.T) {
	dir := t.TempDir()
	app, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	rc, up := newFailingReceiver(t, http.StatusServiceUnavailable)
	c := newClient(t, h.URL, key)
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "r", "url": rc.URL, "retry_schedule": []float64{}})
	id := hook["id"].(string)
	const n = 5
	for i := range n {
		c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a.b", "payload": i})
	}
	eventually(t, 5*time.Second, "all failed", func() bool { return statsAre(t, c, id, n, 0, n) })

	up.Store(true)
	since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	job := c.must(202, "POST", "/api/v0/webhooks/"+id+"/recover", map[string]any{"since": since})
	jobID, _ := job["id"].(string)
	if job["status"] != "queued" || job["total"] != float64(n) || jobID == "" {
		t.Fatalf("recover answer = %v, want a queued job over %d failed deliveries", job, n)
	}
	eventually(t, 5*time.Second, "recover job completed", func() bool {
		j := c.must(200, "GET", "/api/v0/webhooks/"+id+"/recover/"+jobID, nil)
		return j["status"] == "completed" && j["requeued"] == float64(n) && j["progress"] == float64(100) && j["finished_at"] != nil
	})
	eventually(t, 5*time.Second, "recovered deliveries delivered", func() bool { return statsAre(t, c, id, n, n, 0) })
	if got := rc.count(); got != 2*n {
		t.Errorf("receiver got %d requests, want %d", got, 2*n)
	}

	// The CLI queues the same job and shows its progress while the server works through it.
	up.Store(false)
	for i := range 2 {
		c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a.b", "payload": n + i})
	}
	eventually(t, 5*time.Second, "two more failed", func() bool { return statsAre(t, c, id, n+2, n, 2) })
	up.Store(true)
	var out, progress bytes.Buffer
	if err := run(context.Background(), []string{"recover", "--app", app["id"].(string), "--webhook", id, "--since", since, "--data-dir", dir},
		noEnv, &out, &progress); err != nil {
		t.Fatalf("hookd recover: %v\n%s", err, progress.String())
	}
	var res map[string]any
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res["status"] != "completed" || res["requeued"] != float64(2) || res["total"] != float64(2) {
		t.Errorf("hookd recover printed %s (%v), want a completed job over 2 deliveries", out.String(), err)
	}
	if !strings.Contains(progress.String(), "2 of 2 requeued") {
		t.Errorf("hookd recover progress = %q, want it to count the requeued deliveries", progress.String())
	}
	eventually(t, 5*time.Second, "recovered by the CLI's job", func() bool { return statsAre(t, c, id, n+2, n+2, 0) })

	for _, tc := range []struct {
		name string
		body any
		want string
	}{
		{"no since", map[string]any{}, "since is required (an RFC 3339 time)"},
		{"until before since", map[string]any{"since": since, "until": time.Now().Add(-2 * time.Hour).Format(time.RFC3339)}, "since must be before until"},
		{"unknown field", map[string]any{"since": since, "from": since}, `unknown field "from"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := c.do("POST", "/api/v0/webhooks/"+id+"/recover", tc.body); code != 400 || body["message"] != tc.want {
				t.Errorf("recover %v = %d %v, want 400 %q", tc.body, code, body, tc.want)
			}
		})
	}
	if code, body := c.do("GET", "/api/v0/webhooks/"+id+"/recover/job_01HZZZZZZZZZZZZZZZZZZZZZZZ", nil); code != 404 {
		t.Errorf("unknown job = %d %v, want 404", code, body)
	}
	if code, _ := c.do("GET", "/api/v0/webhooks/"+id+"/recover/nope", nil); code != 400 {
		t.Errorf("malformed job id = %d, want 400", code)
	}
}

func metricLine(t *testing.T, base, prefix string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}

func eventAttempts(t *testing.T, c *client, id string) float64 {
	t.Helper()
	return c.must(200, "GET", "/api/v0/events/"+id, nil)["deliveries"].([]any)[0].(map[string]any)["attempts"].(float64)
}

func TestCircuitBreaker(t *testing.T) {
	const cooldown = 500 * time.Millisecond
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback, "--breaker-threshold", "3", "--breaker-cooldown", cooldown.String())
	rc, up := newFailingReceiver(t, http.StatusBadGateway)
	c := newClient(t, h.URL, key)
	schedule := make([]float64, 10) // without the breaker, every retry would be spent within a second
	for i := range schedule {
		schedule[i] = 0.05
	}
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "b", "url": rc.URL, "retry_schedule": schedule})
	id := hook["id"].(string)
	if hook["circuit_state"] != "closed" {
		t.Errorf("new webhook circuit_state = %v, want closed", hook["circuit_state"])
	}
	first := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a", "payload": 0})["id"].(string)
	eventually(t, 5*time.Second, "breaker opens", func() bool {
		return c.must(200, "GET", "/api/v0/webhooks/"+id, nil)["circuit_state"] == "open"
	})
	if got := metricLine(t, h.URL, `hookd_circuit_breakers{state="open"}`); got != `hookd_circuit_breakers{state="open"} 1` {
		t.Errorf("metrics: %q, want one open breaker", got)
	}
	opened := rc.count()
	if opened != 3 {
		t.Errorf("receiver got %d requests before the breaker opened, want 3", opened)
	}
	var held []string
	for i := range 2 {
		held = append(held, c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a", "payload": i + 1})["id"].(string))
	}
	time.Sleep(cooldown / 2)
	if n := rc.count(); n != opened {
		t.Errorf("receiver got %d requests while the breaker was open, want %d", n, opened)
	}
	if a := eventAttempts(t, c, first); a != 3 {
		t.Errorf("attempts while open = %v, want 3: holding must not spend retries", a)
	}
	// The half-open probe fails: one request after the cool-down, then another cool-down.
	var last received
	for range opened {
		last = rc.next(t, time.Second)
	}
	probe := rc.next(t, 5*time.Second)
	if gap := probe.at.Sub(last.at); gap < cooldown*9/10 {
		t.Errorf("probe came %s after the last failure, want the cool-down %s", gap, cooldown)
	}
	time.Sleep(cooldown / 2)
	if n := rc.count(); n != opened+1 {
		t.Errorf("receiver got %d requests after the cool-down, want %d (one probe)", n, opened+1)
	}
	up.Store(true)
	eventually(t, 5*time.Second, "every delivery delivered after the breaker closes", func() bool { return statsAre(t, c, id, 3, 3, 0) })
	if got := c.must(200, "GET", "/api/v0/webhooks/"+id, nil)["circuit_state"]; got != "closed" {
		t.Errorf("circuit_state after a successful probe = %v, want closed", got)
	}
	total := eventAttempts(t, c, first)
	for _, ev := range held {
		total += eventAttempts(t, c, ev)
	}
	if n := rc.count(); float64(n) != total || n > 3+2+2 {
		t.Errorf("receiver got %d requests for %v attempts; want them equal and at most 7 (3, two probes, the two held)", n, total)
	}
}

func TestThrottleSpacing(t *testing.T) {
	const rate, n = 5, 6 // one delivery per 200 ms
	interval := time.Second / rate
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	rc := newReceiver(t, nil)
	c := newClient(t, h.URL, key)
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "slow", "url": rc.URL, "rate_limit": rate})
	events := make([]map[string]any, n)
	for i := range events {
		events[i] = map[string]any{"event_type": "a", "payload": i}
	}
	posted := time.Now()
	c.must(202, "POST", "/api/v0/events/batch", map[string]any{"events": events})
	var got []received
	for range n {
		got = append(got, rc.next(t, 5*time.Second))
	}
	for i, r := range got {
		// The first slot is no earlier than the post, and each next one an interval later.
		if d := r.at.Sub(posted); d < time.Duration(i)*interval {
			t.Errorf("delivery %d arrived %s after the post, want at least %s (rate %d/s)", i, d, time.Duration(i)*interval, rate)
		}
	}
	eventually(t, 5*time.Second, "all delivered, none failed", func() bool { return statsAre(t, c, hook["id"].(string), n, n, 0) })
}

func TestOrderedUnderFailures(t *testing.T) {
	const n = 6
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback)
	var mu sync.Mutex
	attempts := map[string]int{}
	var inFlight, maxInFlight atomic.Int32
	rc := newReceiver(t, nil)
	rc.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if cur <= m || maxInFlight.CompareAndSwap(m, cur) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		id := r.Header.Get("webhook-id")
		mu.Lock()
		attempts[id]++
		k := attempts[id]
		mu.Unlock()
		if k <= 2 { // every event fails twice before it succeeds
			w.WriteHeader(http.StatusInternalServerError)
		}
		rc.seen <- received{at: time.Now(), header: r.Header.Clone()}
	})
	c := newClient(t, h.URL, key)
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "fifo", "url": rc.URL, "ordered": true,
		"retry_schedule": []float64{0.02, 0.02, 0.02}})
	events := make([]map[string]any, n)
	for i := range events {
		events[i] = map[string]any{"event_type": "a", "payload": i}
	}
	batch := c.must(202, "POST", "/api/v0/events/batch", map[string]any{"events": events})
	var want []string
	for _, d := range batch["data"].([]any) {
		want = append(want, d.(map[string]any)["id"].(string))
	}
	var order []string
	for range 3 * n {
		r := rc.next(t, 5*time.Second)
		order = append(order, r.header.Get("webhook-id"))
	}
	var expect []string
	for _, id := range want {
		expect = append(expect, id, id, id)
	}
	if fmt.Sprint(order) != fmt.Sprint(expect) {
		t.Errorf("arrivals = %v\nwant each event three times, in event order: %v", order, expect)
	}
	if m := maxInFlight.Load(); m != 1 {
		t.Errorf("at most %d requests in flight at once, want 1", m)
	}
	eventually(t, 5*time.Second, "all delivered", func() bool { return statsAre(t, c, hook["id"].(string), n, n, 0) })
}

func TestAutoDisableAndResume(t *testing.T) {
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	h := serve(t, "--data-dir", dir, "--allow-network", loopback, "--disable-after", "400ms", "--breaker-threshold", "-1")
	rc, up := newFailingReceiver(t, http.StatusServiceUnavailable)
	c := newClient(t, h.URL, key)
	schedule := make([]float64, 20)
	for i := range schedule {
		schedule[i] = 0.1
	}
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "d", "url": rc.URL, "retry_schedule": schedule, "event_types": []string{"a"}})
	id := hook["id"].(string)
	ops := newReceiver(t, nil)
	c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "ops", "url": ops.URL, "event_types": []string{"webhook.disabled"}})
	ev := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a", "payload": 1})["id"].(string)
	var w map[string]any
	eventually(t, 5*time.Second, "webhook disabled", func() bool {
		w = c.must(200, "GET", "/api/v0/webhooks/"+id, nil)
		return w["isActive"] == false
	})
	if reason, _ := w["disabled_reason"].(string); !strings.Contains(reason, "failed") || w["disabled_at"] == nil {
		t.Errorf("disabled webhook: reason %q at %v, want both", reason, w["disabled_at"])
	}
	notice := ops.next(t, 5*time.Second)
	var env struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(notice.body, &env); err != nil || env.Type != "webhook.disabled" || env.Data["webhook_id"] != id || env.Data["reason"] != w["disabled_reason"] {
		t.Errorf("operational webhook got %s, want a webhook.disabled event naming %s and the reason", notice.body, id)
	}
	stopped := rc.count()
	if stopped < 4 {
		t.Errorf("disabled after %d attempts; want it to fail for 400 ms (about 5 attempts) first", stopped)
	}
	// Pending deliveries wait, and new events create none.
	c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "a", "payload": 2})
	time.Sleep(400 * time.Millisecond)
	if n := rc.count(); n != stopped {
		t.Errorf("receiver got %d requests while disabled, want %d", n, stopped)
	}
	up.Store(true)
	w = c.must(200, "PATCH", "/api/v0/webhooks/"+id, map[string]any{"isActive": true})
	if w["disabled_reason"] != nil || w["disabled_at"] != nil || w["isActive"] != true {
		t.Errorf("reactivated webhook = %v, want active without a disabled reason", w)
	}
	eventually(t, 5*time.Second, "waiting delivery resumes and succeeds", func() bool { return statsAre(t, c, id, 1, 1, 0) })
	if a := eventAttempts(t, c, ev); float64(stopped+1) != a {
		t.Errorf("attempts = %v, want %d (the failures and the success after resuming)", a, stopped+1)
	}
}

// Two instances on one PostgreSQL database share each webhook's throttle and breaker.
func TestPostgresControlAcrossInstances(t *testing.T) {
	url := postgresSchema(t)
	_, key := setup(t, "--database-url", url)
	args := []string{"--database-url", url, "--allow-network", loopback, "--breaker-threshold", "3", "--breaker-cooldown", "1s"}
	a, b := serve(t, args...), serve(t, args...)
	ca, cb := newClient(t, a.URL, key), newClient(t, b.URL, key)

	t.Run("throttle", func(t *testing.T) {
		const rate, n = 4, 8
		interval := time.Second / rate
		rc := newReceiver(t, nil)
		ca.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "slow", "url": rc.URL, "rate_limit": rate, "event_types": []string{"throttled"}})
		posted := time.Now()
		for i := range n { // posted through both instances: both claim
			c := ca
			if i%2 == 1 {
				c = cb
			}
			c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "throttled", "payload": i})
		}
		var got []received
		for range n {
			got = append(got, rc.next(t, 10*time.Second))
		}
		for i, r := range got {
			if d := r.at.Sub(posted); d < time.Duration(i)*interval {
				t.Errorf("delivery %d arrived %s after the first post, want at least %s (rate %d/s across instances)", i, d, time.Duration(i)*interval, rate)
			}
		}
	})

	t.Run("breaker", func(t *testing.T) {
		rc := newReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) })
		schedule := []float64{0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05}
		hook := ca.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "down", "url": rc.URL, "retry_schedule": schedule, "event_types": []string{"down"}})
		id := hook["id"].(string)
		for i := range 4 {
			cb.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "down", "payload": i})
		}
		eventually(t, 5*time.Second, "breaker open, seen through the other instance", func() bool {
			return cb.must(200, "GET", "/api/v0/webhooks/"+id, nil)["circuit_state"] == "open"
		})
		time.Sleep(100 * time.Millisecond) // requests in flight when it opened
		opened := rc.count()
		time.Sleep(600 * time.Millisecond)
		if n := rc.count(); n != opened {
			t.Errorf("receiver got %d requests while the breaker was open, want %d: neither instance may send", n, opened)
		}
		if line := metricLine(t, b.URL, `hookd_circuit_breakers{state="open"}`); line != `hookd_circuit_breakers{state="open"} 1` {
			t.Errorf("metrics of the other instance: %q, want one open breaker", line)
		}
	})
}
