package server

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

func TestDiagnose(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	ago := func(h float64) *time.Time { v := now.Add(-time.Duration(h * float64(time.Hour))); return &v }
	tests := []struct {
		name    string
		hook    webhook.Webhook
		recent  []webhook.Attempt
		status  string
		score   int
		success any // tier or nil
		rt      any
		act     string
		issues  []string
		recs    []string
	}{
		{name: "inactive, never used", hook: webhook.Webhook{URL: "https://x.test", Active: false, Encrypted: true},
			status: "inactive", score: 50, success: nil, rt: nil, act: "idle",
			issues: []string{"Webhook is inactive"}, recs: []string{"Activate webhook to receive events", "No events sent yet - webhook is ready but unused"}},
		{name: "no activity", hook: webhook.Webhook{URL: "https://x.test", Active: true, Encrypted: true},
			status: "no_activity", score: 100, success: nil, rt: nil, act: "idle",
			issues: []string{}, recs: []string{"No events sent yet - webhook is ready but unused"}},
		{name: "healthy", hook: webhook.Webhook{URL: "https://x.test", Active: true, Encrypted: true,
			Stats: webhook.Stats{Created: 1000, Delivered: 995, Failed: 2, ResponseTimeMS: 400 * 997, Responses: 997, LastDeliveryAt: ago(1), Last24hEvents: 10}},
			status: "healthy", score: 100, success: "excellent", rt: "fast", act: "active",
			issues: []string{}, recs: []string{"Webhook is configured correctly and performing well"}},
		{name: "recovered after failures", hook: webhook.Webhook{URL: "https://x.test", Active: true, Encrypted: true,
			Stats: webhook.Stats{Created: 100, Delivered: 100, ResponseTimeMS: 100 * 102, Responses: 102, LastDeliveryAt: ago(0.1), Last24hEvents: 5}},
			recent: []webhook.Attempt{
				{StatusCode: 200, CreatedAt: now.Add(-time.Minute)},
				{StatusCode: 500, Cause: webhook.CauseHTTP, CreatedAt: now.Add(-2 * time.Minute)},
				{StatusCode: 500, Cause: webhook.CauseHTTP, CreatedAt: now.Add(-3 * time.Minute)},
			},
			status: "healthy", score: 100, success: "excellent", rt: "fast", act: "active",
			issues: []string{}, recs: []string{"Webhook is configured correctly and performing well"}},
		{name: "warning over http", hook: webhook.Webhook{URL: "http://x.test", Active: true,
			Stats: webhook.Stats{Created: 100, Delivered: 90, Failed: 10, ResponseTimeMS: 2000 * 100, Responses: 100, LastDeliveryAt: ago(30)}},
			recent: []webhook.Attempt{{StatusCode: 502, Cause: webhook.CauseHTTP, CreatedAt: now.Add(-30 * time.Hour)}},
			status: "warning", score: 70, success: "warning", rt: "acceptable", act: "idle",
			issues: []string{"Moderate failure rate: 10.0% of 100 deliveries failed", "Responses take 2000 ms on average", "Using insecure HTTP protocol"},
			recs:   []string{"Monitor endpoint performance", "Check webhook server health and capacity", "Check if events are being triggered in your application", "Use HTTPS for webhook URLs"}},
		{name: "critical and failing", hook: webhook.Webhook{URL: "https://x.test", Active: true, ConsecutiveFailures: 3,
			Stats: webhook.Stats{Created: 10, Delivered: 5, Failed: 5, ResponseTimeMS: 6000 * 10, Responses: 10, LastDeliveryAt: ago(0.1), Last24hEvents: 10}},
			recent: []webhook.Attempt{
				{StatusCode: 0, Cause: webhook.CauseTimeout, CreatedAt: now.Add(-time.Minute)},
				{StatusCode: 404, Cause: webhook.CauseHTTP, CreatedAt: now.Add(-2 * time.Minute)},
				{StatusCode: 0, Cause: webhook.CauseTimeout, CreatedAt: now.Add(-3 * time.Minute)},
				{StatusCode: 200, CreatedAt: now.Add(-4 * time.Minute)},
			},
			status: "critical", score: 49, success: "critical", rt: "critical", act: "failing",
			issues: []string{"High failure rate: 50.0% of 10 deliveries failed", "Very slow responses: 6000 ms on average"},
			recs:   []string{"Check endpoint availability and response codes", "Optimize webhook response time", "Consider enabling payload encryption for additional security"}},
		{name: "breaker open after a spotless history", hook: webhook.Webhook{URL: "https://x.test", Active: true, Encrypted: true,
			Circuit: webhook.CircuitOpen, ConsecutiveFailures: 10,
			Stats: webhook.Stats{Created: 1010, Delivered: 1000, Failed: 10, ResponseTimeMS: 1010 * 50, Responses: 1010, LastDeliveryAt: ago(0.01), Last24hEvents: 1010, Last24hFails: 10}},
			recent: []webhook.Attempt{{StatusCode: 0, Cause: webhook.CauseConnection, CreatedAt: now.Add(-time.Second)}},
			status: "critical", score: 49, success: "excellent", rt: "fast", act: "failing",
			issues: []string{"Circuit breaker is open after 10 failed attempts in a row: deliveries are held"},
			recs: []string{"The endpoint is failing now: fix it, then send a test event or recover its failed deliveries to resume at once",
				"Verify webhook URL and network connectivity"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := diagnose(&tt.hook, tt.recent, now)
			if d.Status != tt.status || d.HealthScore != tt.score || d.Tiers.Activity != tt.act {
				t.Errorf("status %s score %d activity %s, want %s %d %s", d.Status, d.HealthScore, d.Tiers.Activity, tt.status, tt.score, tt.act)
			}
			if got := deref(d.Tiers.SuccessRate); got != tt.success {
				t.Errorf("success tier = %v, want %v", got, tt.success)
			}
			if got := deref(d.Tiers.ResponseTime); got != tt.rt {
				t.Errorf("response time tier = %v, want %v", got, tt.rt)
			}
			if !slices.Equal(d.Issues, tt.issues) {
				t.Errorf("issues = %q, want %q", d.Issues, tt.issues)
			}
			if !slices.Equal(d.Recommendations, tt.recs) {
				t.Errorf("recommendations = %q, want %q", d.Recommendations, tt.recs)
			}
		})
	}
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func TestDiagnosticsFailuresByCause(t *testing.T) {
	a := newMonitorAPI(t)
	hook := a.webhook(a.monitorTenant, "https://example.com/hook")
	now := time.Now()
	a.deliver(a.monitorTenant, hook, "a", now, attemptSpec{code: 404}, attemptSpec{code: 400}, attemptSpec{code: 500}, attemptSpec{code: 0, cause: webhook.CauseTimeout}, attemptSpec{code: 200, final: true})
	a.deliver(a.monitorTenant, hook, "a", now, attemptSpec{code: 0, cause: webhook.CauseConnection}, attemptSpec{code: 0, cause: webhook.CauseTLS},
		attemptSpec{code: 0, cause: webhook.CauseBlocked}, attemptSpec{code: 302}, attemptSpec{code: 404, final: true})
	got := a.mustGet("/api/v0/webhooks/" + hook.ID + "/diagnostics")
	raw, _ := json.Marshal(got["failures"])
	var f struct {
		Sampled int         `json:"sampled_attempts"`
		Failed  int         `json:"failed"`
		ByCause []causeJSON `json:"by_cause"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	want := []causeJSON{
		{"http_4xx", 3, "Check webhook endpoint implementation"},
		{"blocked", 1, causeAdvice["blocked"]},
		{"connection", 1, "Verify webhook URL and network connectivity"},
		{"http_5xx", 1, "Check webhook server health and capacity"},
		{"http_other", 1, causeAdvice["http_other"]},
		{"timeout", 1, "Optimize webhook response time"},
		{"tls", 1, causeAdvice["tls"]},
	}
	if f.Sampled != 10 || f.Failed != 9 || !slices.Equal(f.ByCause, want) {
		t.Errorf("failures = %+v, want 10 sampled, 9 failed, %+v", f, want)
	}
	if score, _ := got["health_score"].(float64); got["status"] != "critical" || score >= 50 {
		t.Errorf("status %v score %v, want critical below 50", got["status"], got["health_score"])
	}
	if r := a.get("/api/v0/webhooks/wh_0000000000000000000000000A/diagnostics"); r.status != 404 {
		t.Errorf("unknown webhook: %d", r.status)
	}
}

func TestWebhookStatsSeries(t *testing.T) {
	a := newMonitorAPI(t)
	hook := a.webhook(a.monitorTenant, "https://example.com/hook")
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	a.deliver(a.monitorTenant, hook, "a", day.Add(1*time.Hour+10*time.Minute), attemptSpec{code: 200, final: true})
	a.deliver(a.monitorTenant, hook, "a", day.Add(1*time.Hour+20*time.Minute), attemptSpec{code: 500}, attemptSpec{code: 500, final: true})
	a.deliver(a.monitorTenant, hook, "a", day.Add(26*time.Hour), attemptSpec{code: 200, final: true})
	q := func(v ...string) string {
		vals := url.Values{}
		for i := 0; i+1 < len(v); i += 2 {
			vals.Set(v[i], v[i+1])
		}
		return "/api/v0/webhooks/" + hook.ID + "/stats?" + vals.Encode()
	}
	hourly := a.mustGet(q("since", day.Format(time.RFC3339), "until", day.Add(3*time.Hour).Format(time.RFC3339)))
	series := hourly["series"].([]any)
	if hourly["granularity"] != "hour" || len(series) != 3 {
		t.Fatalf("hourly = %v", hourly)
	}
	h1 := series[1].(map[string]any)
	want := map[string]any{"timestamp": day.Add(time.Hour).Format(timeFormat), "events": 2.0, "successful_deliveries": 1.0, "failed_deliveries": 1.0,
		"attempts": 3.0, "failed_attempts": 2.0, "success_rate": 50.0, "average_response_time": 133.33}
	for k, v := range want {
		if h1[k] != v {
			t.Errorf("hour 1 %s = %v, want %v", k, h1[k], v)
		}
	}
	if h0 := series[0].(map[string]any); h0["events"] != 0.0 || h0["success_rate"] != nil || h0["average_response_time"] != nil {
		t.Errorf("empty hour = %v, want zeros and nulls", h0)
	}

	daily := a.mustGet(q("since", day.Format(time.RFC3339), "until", day.Add(10*24*time.Hour).Format(time.RFC3339)))
	ds := daily["series"].([]any)
	if daily["granularity"] != "day" || len(ds) != 10 || ds[0].(map[string]any)["events"] != 2.0 || ds[1].(map[string]any)["events"] != 1.0 {
		t.Errorf("daily = %v", daily)
	}
	if tot := daily["totals"].(map[string]any); tot["events"] != 3.0 || tot["attempts"] != 4.0 || tot["successful_deliveries"] != 2.0 {
		t.Errorf("totals = %v", tot)
	}
	forced := a.mustGet(q("since", day.Format(time.RFC3339), "until", day.Add(48*time.Hour).Format(time.RFC3339), "granularity", "day"))
	if len(forced["series"].([]any)) != 2 {
		t.Errorf("granularity=day over 2 days: %d buckets", len(forced["series"].([]any)))
	}
	// "The last 7 days", asked a few milliseconds after its since was computed (as a page does).
	until := day.Add(9 * 24 * time.Hour)
	week := a.mustGet(q("since", until.Add(-7*24*time.Hour-5*time.Millisecond).Format(time.RFC3339Nano), "until", until.Format(time.RFC3339Nano), "granularity", "hour"))
	if week["granularity"] != "hour" || len(week["series"].([]any)) < 7*24 {
		t.Errorf("the last 7 days by hour: granularity %v, %d buckets", week["granularity"], len(week["series"].([]any)))
	}
	for _, bad := range []struct{ path, msg string }{
		{q("granularity", "minute"), `granularity must be hour or day, got "minute"`},
		{q("since", day.Format(time.RFC3339), "until", day.Add(8*24*time.Hour).Format(time.RFC3339), "granularity", "hour"), "granularity hour covers at most 7 days; use day"},
		{q("since", "yesterday"), `since must be an ISO 8601 time such as 2024-03-20T12:00:00Z, got "yesterday"`},
		{q("since", day.Format(time.RFC3339), "until", day.Format(time.RFC3339)), "since must be before until"},
		{q("since", day.Format(time.RFC3339), "until", day.Add(400*24*time.Hour).Format(time.RFC3339)), "since and until may be at most 366 days apart"},
	} {
		r := a.get(bad.path)
		if r.status != 400 || r.json(t)["message"] != bad.msg {
			t.Errorf("GET %s = %d %s, want 400 %q", bad.path, r.status, r.body, bad.msg)
		}
	}
}
