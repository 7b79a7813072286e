package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func num(v any) string { return strconv.FormatFloat(v.(float64), 'f', -1, 64) }

// webhookLoaded waits until the webhook page has finished more loads than before, and returns the count.
func (b *browser) webhookLoaded(step string, before int) int {
	b.t.Helper()
	loads := `Number(document.getElementById('webhook-page')?.dataset.loads ?? 0)`
	b.waitFor(step, fmt.Sprintf(`%s > %d`, loads, before))
	return eval[int](b, loads)
}

// lastBody is the body of the latest request the receiver got.
func (rc *receiver) lastBody() string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.got) == 0 {
		return ""
	}
	return string(rc.got[len(rc.got)-1].body)
}

// healthLabels are the dashboard's words for the health statuses the API answers.
var healthLabels = map[string]string{"healthy": "Healthy", "warning": "Warning", "critical": "Critical", "inactive": "Inactive", "no_activity": "No activity"}

// showsHealth waits until the health badge and score within scope show hook's health as the API gives it.
func (b *browser) showsHealth(scope string, hook map[string]any) {
	b.t.Helper()
	health := hook["health"].(map[string]any)
	b.waitText(scope+" .health-badge", healthLabels[health["status"].(string)])
	b.waitText(scope+" .health-score", num(health["score"])+"/100")
}

// showsBreaker checks the breaker note within scope against hook's circuit state: absent while
// the breaker is closed; otherwise the state, until when, and the failures in a row.
func (b *browser) showsBreaker(scope string, hook map[string]any) {
	b.t.Helper()
	state := hook["circuit_state"].(string)
	if state == "closed" {
		if n := b.count(scope + " .breaker"); n != 0 {
			b.t.Errorf("%s shows a breaker note %q with the breaker closed", scope, b.text(scope+" .breaker"))
		}
		return
	}
	want := "Circuit breaker: " + strings.ReplaceAll(state, "_", "-")
	if hook["circuit_until"] != nil {
		want += " until"
	}
	b.waitTextContains(scope+" .breaker", want)
	b.waitTextContains(scope+" .breaker", fmt.Sprintf("(%s consecutive failures)", num(hook["consecutive_failures"])))
	if hook["circuit_until"] != nil {
		until := eval[string](b, `document.querySelector(`+js(scope+" .breaker time")+`)?.getAttribute('datetime') ?? '<missing>'`)
		if until != hook["circuit_until"] {
			b.t.Errorf("%s: breaker %s until %s, the API says %v", scope, state, until, hook["circuit_until"])
		}
	}
}

// TestDashboard drives the real dashboard in a headless Chromium against a real hookd: sign-in,
// the list and the webhook page against the API's numbers and health verdicts (a failing
// receiver's webhook shown critical with its breaker open), the 7-day chart, a delivery, an
// attempt, every action, and untrusted text staying text.
func TestDashboard(t *testing.T) {
	start := time.Now()
	b := newBrowser(t, 90*time.Second)
	dir := t.TempDir()
	_, key := setup(t, "--data-dir", dir)
	// A breaker that opens after 3 failed attempts and stays open for the whole test.
	h := serve(t, "--data-dir", dir, "--allow-network", loopback, "--breaker-threshold", "3", "--breaker-cooldown", "1h")
	var failing atomic.Bool
	const answer = `<script>window.pwned = 2</script>ok`
	rc := newReceiver(t, func(_ int, w http.ResponseWriter) {
		if failing.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "receiver down")
			return
		}
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, answer)
	})
	c := newClient(t, h.URL, key)

	// The page is served with its protections, through the real server.
	resp, err := http.Get(h.URL + "/ui/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); resp.StatusCode != 200 || !strings.HasPrefix(csp, "default-src 'self'") ||
		resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("GET /ui/ = %d with CSP %q, X-Frame-Options %q", resp.StatusCode, csp, resp.Header.Get("X-Frame-Options"))
	}

	// A webhook with one retry 50 ms apart, so a failure is final quickly (two failed attempts,
	// short of the breaker); and an inactive one.
	const description = `<b>bold</b> & <i>not markup</i>`
	hook := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "payments", "url": rc.URL + "/hook",
		"event_types": []string{"invoice.paid"}, "retry_schedule": []float64{0.05}, "description": description})
	id := hook["id"].(string)
	idle := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "idle", "url": rc.URL + "/idle", "isActive": false})
	const xss = `<img src=x onerror=window.pwned=1>` // no quotes, so JSON shows it unescaped
	var msgs []string
	for _, p := range []any{map[string]any{"invoice": "in_1"}, map[string]any{"invoice": "in_2"}, map[string]any{"note": xss}} {
		msgs = append(msgs, c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "invoice.paid", "payload": p})["id"].(string))
	}
	xssMsg := msgs[2]
	eventually(t, 10*time.Second, "three deliveries delivered", func() bool { return statsAre(t, c, id, 3, 3, 0) })
	failing.Store(true)
	failedMsg := c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "invoice.paid", "payload": map[string]any{"invoice": "in_4"}})["id"].(string)
	eventually(t, 10*time.Second, "the fourth delivery failed after its retry", func() bool {
		status, attempts := deliveryOf(t, c, failedMsg)
		return status == "failed" && attempts == 2
	})
	failing.Store(false)
	if !statsAre(t, c, id, 4, 3, 1) {
		t.Fatalf("payments delivery_stats = %v, want 4 sent, 3 delivered, 1 failed", deliveryStats(t, c, id))
	}

	// A webhook whose receiver fails every request, without retries: three failed deliveries
	// open its breaker, and two more events wait behind it, never sent.
	dead, _ := newFailingReceiver(t, http.StatusServiceUnavailable)
	deadID := c.must(201, "POST", "/api/v0/webhooks", map[string]any{"name": "outage", "url": dead.URL + "/dead",
		"event_types": []string{"outage.detected"}, "retry_schedule": []float64{}})["id"].(string)
	outage := func(n int) {
		for i := range n {
			c.must(202, "POST", "/api/v0/events", map[string]any{"event_type": "outage.detected", "payload": map[string]any{"i": i}})
		}
	}
	outage(3)
	eventually(t, 10*time.Second, "the failing receiver's breaker opens", func() bool {
		return c.must(200, "GET", "/api/v0/webhooks/"+deadID, nil)["circuit_state"] == "open"
	})
	outage(2)
	eventually(t, 10*time.Second, "two deliveries held by the open breaker", func() bool {
		return deliveryStats(t, c, deadID)["pending_deliveries"] == 2.0
	})
	if st := deliveryStats(t, c, deadID); st["total_events"] != 3.0 || st["failed_deliveries"] != 3.0 {
		t.Fatalf("outage delivery_stats = %v, want 3 sent, 3 failed, 2 pending", st)
	}

	// step runs one part; a failed part stops the test, since the next ones build on it.
	step := func(name string, f func(t *testing.T)) {
		ok := t.Run(name, func(t *testing.T) {
			b.t = t
			f(t)
		})
		b.t = t
		if !ok {
			t.FailNow()
		}
	}

	step("sign in", func(t *testing.T) {
		b.navigate(h.URL + "/ui")
		b.waitFor("redirected to the sign-in page", `location.pathname === '/ui/' && location.hash === '#/signin'`)
		b.setValue("#token", "ck_nobody.cs_nothing")
		b.click("#signin")
		b.waitTextContains("#error", "Sign-in failed: Invalid client app credentials")
		if got := eval[bool](b, `sessionStorage.getItem('hookd.token') === null`); !got {
			t.Error("a rejected key was kept in sessionStorage")
		}
		b.setValue("#token", key["token"].(string))
		b.click("#signin")
		b.waitFor("the webhooks list", `location.hash === '#/webhooks' && document.querySelectorAll('#webhooks tbody tr').length === 3`)
		if got := eval[string](b, `sessionStorage.getItem('hookd.token')`); got != key["token"] {
			t.Errorf("sessionStorage holds %q, want the key", got)
		}
	})

	step("list", func(t *testing.T) {
		// Each row shows the list API's own verdict and breaker state for its webhook.
		list := c.must(200, "GET", "/api/v0/webhooks", nil)["data"].([]any)
		if len(list) != 3 {
			t.Fatalf("the API lists %d webhooks, want 3", len(list))
		}
		health := map[string]string{}
		for _, item := range list {
			w := item.(map[string]any)
			row := fmt.Sprintf(`tr[data-webhook=%q]`, w["id"])
			b.waitText(row+" .webhook-link", w["name"].(string))
			b.waitText(row+" .status-badge", map[bool]string{true: "Active", false: "Inactive"}[w["isActive"].(bool)])
			b.showsHealth(row, w)
			b.showsBreaker(row, w)
			health[w["id"].(string)] = w["health"].(map[string]any)["status"].(string)
		}
		// And that verdict is the right one: 1 of 4 failed is critical, so is a dead receiver.
		for _, want := range []struct{ id, name, status string }{
			{id, "payments, 1 of 4 deliveries failed", "critical"},
			{deadID, "outage, every delivery failed, breaker open", "critical"},
			{idle["id"].(string), "idle, inactive", "inactive"},
		} {
			if health[want.id] != want.status {
				t.Errorf("API health of %s = %q, want %s", want.name, health[want.id], want.status)
			}
		}
		if n := b.count(fmt.Sprintf(`tr[data-webhook=%q] .breaker`, deadID)); n != 1 {
			t.Errorf("the outage row shows %d breaker notes, want 1", n)
		}
	})

	step("open breaker", func(t *testing.T) {
		b.click(fmt.Sprintf(`tr[data-webhook=%q] .webhook-link`, deadID))
		b.webhookLoaded("open the outage webhook's page", 0)
		got := c.must(200, "GET", "/api/v0/webhooks/"+deadID, nil)
		b.waitText("#webhook-name", "outage")
		b.showsHealth(".page-head", got)
		if b.text(".page-head .health-badge") != "Critical" {
			t.Errorf("a webhook whose receiver fails every request shows %q, want Critical", b.text(".page-head .health-badge"))
		}
		if n := b.count("#breaker"); n != 1 {
			t.Fatalf("the page shows %d breaker notes with the breaker %v, want 1", n, got["circuit_state"])
		}
		b.showsBreaker("#webhook-page", got)
		b.waitTextContains("#breaker", "Circuit breaker: open until")
		b.waitText("#config-circuit", "open")
		b.waitText("#config-consecutive-failures", num(got["consecutive_failures"]))
		st := got["delivery_stats"].(map[string]any)
		for _, f := range []string{"total_events", "successful_deliveries", "failed_deliveries", "pending_deliveries"} {
			b.waitText("#stat-"+f, num(st[f]))
		}
		b.waitText("#stat-pending_deliveries", "2")
		diag := c.must(200, "GET", "/api/v0/webhooks/"+deadID+"/diagnostics", nil)
		b.waitText("#diag-status", got["health"].(map[string]any)["status"].(string))
		b.waitText("#health-score", num(diag["health_score"]))
		b.waitText("#diag-circuit", "open")
		b.waitTextContains("#issues", "Circuit breaker is open")
		b.goHash("#/webhooks")
		b.waitFor("back on the list", `document.querySelectorAll('#webhooks tbody tr').length === 3`)
	})

	step("webhook page", func(t *testing.T) {
		b.click(fmt.Sprintf(`tr[data-webhook=%q] .webhook-link`, id))
		b.webhookLoaded("open the webhook page", 0)
		if !strings.Contains(eval[string](b, `location.hash`), id) {
			t.Errorf("location is %s, want the webhook's page", eval[string](b, `location.hash`))
		}
		b.waitText("#webhook-name", "payments")
		b.waitText("#config-url", rc.URL+"/hook")
		b.waitText("#config-description", description)
		if n := b.count("#config-description b, #config-description i"); n != 0 {
			t.Errorf("the description became %d elements; it must stay text", n)
		}
		got := c.must(200, "GET", "/api/v0/webhooks/"+id, nil)
		st := got["delivery_stats"].(map[string]any)
		for _, f := range []string{"total_events", "successful_deliveries", "failed_deliveries", "pending_deliveries", "last_24h_events", "last_24h_failures"} {
			b.waitText("#stat-"+f, num(st[f]))
		}
		b.waitText("#stat-success_rate", num(st["success_rate"])+"%")
		b.waitText("#stat-average_response_time", num(st["average_response_time"])+" ms")
		if st["success_rate"] != 75.0 {
			t.Errorf("API success_rate = %v, want 75 (3 of 4)", st["success_rate"])
		}

		// The header shows the webhook's own verdict; diagnostics gives the same one, with reasons.
		b.showsHealth(".page-head", got)
		b.showsBreaker("#webhook-page", got)
		diag := c.must(200, "GET", "/api/v0/webhooks/"+id+"/diagnostics", nil)
		if health := got["health"].(map[string]any); diag["status"] != health["status"] || diag["health_score"] != health["score"] {
			t.Errorf("diagnostics say %v/%v, the webhook %v", diag["status"], diag["health_score"], health)
		}
		b.waitText("#health-score", num(diag["health_score"]))
		b.waitText("#diag-status", diag["status"].(string))
		b.waitTextContains("#issues", "High failure rate: 25.0%")
		if n := b.count(`#failure-causes tr[data-cause="http_5xx"]`); n != 1 {
			t.Errorf("failures by cause show %d http_5xx rows, want 1", n)
		}

		// The chart's bars add up to the stats endpoint's totals.
		stats := c.must(200, "GET", "/api/v0/webhooks/"+id+"/stats", nil)
		totals := stats["totals"].(map[string]any)
		if n := b.count("#chart .bucket"); n < 24 || n > 25 {
			t.Errorf("chart has %d hourly buckets, want 24 or 25 for a day", n)
		}
		sum := func(attr string) int {
			return eval[int](b, `[...document.querySelectorAll('#chart .bucket')].reduce((s, g) => s + Number(g.dataset.`+attr+`), 0)`)
		}
		if d, f := sum("delivered"), sum("failed"); float64(d) != totals["successful_deliveries"] || float64(f) != totals["failed_deliveries"] {
			t.Errorf("chart bars sum to %d delivered, %d failed; the stats endpoint says %v, %v", d, f, totals["successful_deliveries"], totals["failed_deliveries"])
		}
		b.waitText("#chart-delivered", num(totals["successful_deliveries"]))
		b.waitText("#chart-failed", num(totals["failed_deliveries"]))

		b.waitFor("four recent deliveries", `document.querySelectorAll('#deliveries tbody tr').length === 4`)
		b.waitText(fmt.Sprintf(`tr[data-message=%q] .delivery-badge`, failedMsg), "failed")
		b.waitText(fmt.Sprintf(`tr[data-message=%q] .delivery-badge`, xssMsg), "delivered")
		if page := eval[string](b, `document.body.textContent`); strings.Contains(page, hook["signing_secret"].(string)) {
			t.Error("the webhook page shows the signing secret")
		}
	})

	step("7-day chart", func(t *testing.T) {
		b.setValue("#chart-range", "7d")
		b.waitFor("the 7-day chart or its error",
			`document.getElementById('chart-error') || document.getElementById('chart-totals')?.textContent.startsWith('Last 7 days')`)
		if n := b.count("#chart-error"); n != 0 {
			t.Fatalf("the 7-day chart failed: %s", b.text("#chart-error"))
		}
		if n := b.count("#chart .bucket"); n < 7*24 || n > 7*24+1 {
			t.Errorf("chart has %d hourly buckets, want %d or %d for 7 days", n, 7*24, 7*24+1)
		}
		q := url.Values{"since": {time.Now().Add(-7 * 24 * time.Hour).UTC().Format(time.RFC3339Nano)}, "granularity": {"hour"}}
		totals := c.must(200, "GET", "/api/v0/webhooks/"+id+"/stats?"+q.Encode(), nil)["totals"].(map[string]any)
		b.waitText("#chart-delivered", num(totals["successful_deliveries"]))
		b.waitText("#chart-failed", num(totals["failed_deliveries"]))
		if totals["successful_deliveries"] != 3.0 || totals["failed_deliveries"] != 1.0 {
			t.Errorf("7-day totals = %v, want 3 delivered, 1 failed", totals)
		}
	})

	step("delivery and attempt", func(t *testing.T) {
		b.click(fmt.Sprintf(`tr[data-message=%q] .message-link`, xssMsg))
		b.waitTextContains("#payload", xss)
		if n := b.count("#payload *"); n != 0 {
			t.Errorf("the payload became %d elements; it must stay text", n)
		}
		if n := b.count("img"); n != 0 {
			t.Errorf("the page has %d img elements; the payload's <img> must not become one", n)
		}
		b.waitFor("one attempt", `document.querySelectorAll('#attempts tbody tr').length === 1`)
		b.waitText("#attempts tbody tr .trigger", "scheduled")

		b.click("#attempts tbody tr .attempt-link")
		attemptID := strings.TrimPrefix(eval[string](b, `location.hash`), "#/webhooks/"+id+"/messages/"+xssMsg+"/attempts/")
		b.waitText("#response-code", "200")
		a := c.must(200, "GET", "/v1/webhooks/"+id+"/messages/"+xssMsg+"/attempts/"+attemptID, nil)
		if a["response"] != answer {
			t.Fatalf("API attempt response = %v, want the receiver's %q", a["response"], answer)
		}
		b.waitText("#response", answer)
		if n := b.count("#response *"); n != 0 {
			t.Errorf("the response body became %d elements; it must stay text", n)
		}
		b.waitFor("response headers", `document.getElementById('response-headers').textContent.toLowerCase().includes('content-type')`)
		b.waitFor("request headers", `document.getElementById('request-headers').textContent.toLowerCase().includes('webhook-signature')`)
		if pwned := eval[bool](b, `window.pwned !== undefined`); pwned {
			t.Error("a payload or response ran as script")
		}
	})

	step("retry", func(t *testing.T) {
		b.goHash("#/webhooks/" + id + "/messages/" + xssMsg)
		b.waitFor("the delivery page", `document.querySelectorAll('#attempts tbody tr').length === 1`)
		before := rc.count()
		b.click("#retry")
		b.waitTextContains("#notice", "Retry queued")
		eventually(t, 20*time.Second, "the receiver got the retry", func() bool { return rc.count() == before+1 })
		b.waitFor("the manual attempt shows", `document.querySelectorAll('#attempts tbody tr').length === 2`)
		b.waitText("#attempts tbody tr .trigger", "manual")
		if got := attemptTriggers(t, c, id, xssMsg); len(got) != 2 || got[0] != "manual" {
			t.Errorf("API attempt triggers = %v, want [manual scheduled]", got)
		}
	})

	step("send test", func(t *testing.T) {
		b.goHash("#/webhooks/" + id)
		loads := b.webhookLoaded("the webhook page", 0)
		before := rc.count()
		b.click("#send-test")
		b.waitFor("the test event's link", `document.getElementById('test-event')`)
		b.webhookLoaded("reload after the test", loads)
		testID := b.text("#test-event")
		eventually(t, 20*time.Second, "the receiver got the test event", func() bool { return rc.count() == before+1 })
		var env struct{ Type string }
		if err := json.Unmarshal([]byte(rc.lastBody()), &env); err != nil || env.Type != "webhook.test" {
			t.Errorf("receiver got %s, want a webhook.test event", rc.lastBody())
		}
		if m := c.must(200, "GET", "/v1/webhooks/"+id+"/messages/"+testID, nil); m["eventType"] != "webhook.test" {
			t.Errorf("the test event the page names is %v, want webhook.test", m["eventType"])
		}
	})

	step("recover", func(t *testing.T) {
		loads := b.webhookLoaded("the webhook page", 0)
		before := rc.count()
		b.click("#recover")
		b.waitText("#recover-status .job-status", "completed")
		b.waitTextContains("#recover-status", "1 of 1 failed deliveries requeued")
		loads = b.webhookLoaded("reload after the recover job", loads)
		eventually(t, 20*time.Second, "the failed delivery delivered after recover", func() bool { return statsAre(t, c, id, 5, 5, 0) })
		if rc.count() <= before {
			t.Error("the receiver got nothing after recover")
		}
		b.click("#refresh")
		b.webhookLoaded("refresh", loads)
		b.waitText("#stat-failed_deliveries", "0")
		b.waitText("#stat-success_rate", "100%")
		b.waitText(".page-head .health-badge", "Healthy")
		b.showsHealth(".page-head", c.must(200, "GET", "/api/v0/webhooks/"+id, nil))
		b.waitText(fmt.Sprintf(`tr[data-message=%q] .delivery-badge`, failedMsg), "delivered")
	})

	step("deactivate and activate", func(t *testing.T) {
		loads := b.webhookLoaded("the webhook page", 0)
		b.waitText("#toggle-active", "Deactivate")
		b.click("#toggle-active")
		loads = b.webhookLoaded("reload after deactivate", loads)
		b.waitText(".page-head .status-badge", "Inactive")
		b.waitText(".page-head .health-badge", "Inactive")
		if got := c.must(200, "GET", "/api/v0/webhooks/"+id, nil); got["isActive"] != false {
			t.Errorf("after Deactivate the API says isActive %v", got["isActive"])
		}
		b.waitText("#toggle-active", "Activate")
		b.click("#toggle-active")
		b.webhookLoaded("reload after activate", loads)
		b.waitText(".page-head .status-badge", "Active")
		if got := c.must(200, "GET", "/api/v0/webhooks/"+id, nil); got["isActive"] != true {
			t.Errorf("after Activate the API says isActive %v", got["isActive"])
		}
	})

	step("rotate secret", func(t *testing.T) {
		b.webhookLoaded("the webhook page", 0)
		if n := b.count("#new-secret"); n != 0 {
			t.Fatalf("a secret shows before any rotation")
		}
		b.click("#rotate-secret")
		b.waitTextContains("#new-secret", "whsec_")
		shown := b.text("#new-secret")
		got := c.must(200, "GET", "/api/v0/webhooks/"+id+"/secret", nil)
		if shown != got["signing_secret"] || shown == hook["signing_secret"] {
			t.Errorf("page shows %q; the API's secret is %v, the old one %v", shown, got["signing_secret"], hook["signing_secret"])
		}
		if stored := eval[string](b, `JSON.stringify(sessionStorage) + JSON.stringify(localStorage)`); strings.Contains(stored, "whsec_") {
			t.Error("the secret was stored in the browser")
		}
		// Shown once: leaving the page forgets it.
		b.goHash("#/webhooks")
		b.waitFor("the list", `document.querySelectorAll('#webhooks tbody tr').length === 3`)
		b.goHash("#/webhooks/" + id)
		b.webhookLoaded("the webhook page again", 0)
		if n := b.count("#new-secret"); n != 0 {
			t.Error("the rotated secret still shows after leaving the page")
		}
	})

	step("edit", func(t *testing.T) {
		b.click("#edit")
		b.waitFor("the edit form", `document.getElementById('edit-form')`)
		// A value the API refuses: its message is shown, nothing changes.
		_, refused := c.do("PATCH", "/api/v0/webhooks/"+id, map[string]any{"url": "ftp://example.com/x"})
		b.setValue("#edit-url", "ftp://example.com/x")
		b.click("#save")
		b.waitText("#error", refused["message"].(string))
		b.setValue("#edit-url", rc.URL+"/hook")
		b.setValue("#edit-name", "payments v2")
		b.setValue("#edit-description", "plain now")
		b.click("#save")
		b.webhookLoaded("back on the webhook page", 0)
		b.waitText("#webhook-name", "payments v2")
		b.waitText("#config-description", "plain now")
		got := c.must(200, "GET", "/api/v0/webhooks/"+id, nil)
		if got["name"] != "payments v2" || got["description"] != "plain now" || got["url"] != rc.URL+"/hook" {
			t.Errorf("after Edit the API says name %v, description %v, url %v", got["name"], got["description"], got["url"])
		}
	})

	step("sign out", func(t *testing.T) {
		b.click("#signout")
		b.waitFor("the sign-in page", `location.hash === '#/signin' && document.getElementById('token')`)
		if got := eval[bool](b, `sessionStorage.getItem('hookd.token') === null`); !got {
			t.Error("sign-out left the key in sessionStorage")
		}
		b.goHash("#/webhooks")
		b.waitFor("signed out, the list sends to sign-in", `location.hash === '#/signin' && document.getElementById('token')`)
	})

	b.noExceptions()
	t.Logf("dashboard test took %s", time.Since(start).Round(time.Millisecond))
}
