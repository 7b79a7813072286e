package server

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// Diagnostics does on the server what the use-case code of seeds 001 and 002 does on the
// client: status, health score, 002's health tiers, failures by cause with 002's advice.

// diagnosticsSample is how many of the latest attempts the failure breakdown reads (on the
// (webhook_id, id) index, so its cost does not grow with the log).
const diagnosticsSample = 1000

// Failure causes of the breakdown: the attempt's cause, with HTTP split by status class.
const (
	causeHTTP4xx   = "http_4xx"
	causeHTTP5xx   = "http_5xx"
	causeHTTPOther = "http_other"
)

// causeAdvice is 002's troubleshooting guide, plus the causes it does not cover.
var causeAdvice = map[string]string{
	causeHTTP4xx:            "Check webhook endpoint implementation",
	causeHTTP5xx:            "Check webhook server health and capacity",
	causeHTTPOther:          "Redirects are not followed: point the webhook at the final URL and answer 2xx",
	webhook.CauseTimeout:    "Optimize webhook response time",
	webhook.CauseConnection: "Verify webhook URL and network connectivity",
	webhook.CauseTLS:        "Check the endpoint's TLS certificate and configuration",
	webhook.CauseBlocked:    "The URL resolves to a private or reserved address, which hookd does not deliver to; use a public address",
}

type causeJSON struct {
	Cause  string `json:"cause"`
	Count  int    `json:"count"`
	Advice string `json:"advice"`
}

type diagnosticsJSON struct {
	WebhookID   string   `json:"webhook_id"`
	WebhookName string   `json:"webhook_name"`
	URL         string   `json:"url"`
	IsActive    bool     `json:"isActive"`
	Encrypted   bool     `json:"encrypted"`
	Status      string   `json:"status"`
	HealthScore int      `json:"health_score"`
	CheckedAt   jsonTime `json:"checked_at"`
	Metrics     struct {
		TotalEvents          int64     `json:"total_events"`
		SuccessfulDeliveries int64     `json:"successful_deliveries"`
		FailedDeliveries     int64     `json:"failed_deliveries"`
		PendingDeliveries    int64     `json:"pending_deliveries"`
		SuccessRate          float64   `json:"success_rate"`
		FailureRate          float64   `json:"failure_rate"`
		AverageResponseTime  *float64  `json:"average_response_time"`
		LastDelivery         *jsonTime `json:"last_delivery"`
		HoursSinceLast       *float64  `json:"hours_since_last_delivery"`
		Last24hEvents        int64     `json:"last_24h_events"`
		Last24hFailures      int64     `json:"last_24h_failures"`
	} `json:"metrics"`
	Tiers struct {
		SuccessRate  *string `json:"success_rate"`
		ResponseTime *string `json:"response_time"`
		Activity     string  `json:"activity"`
	} `json:"tiers"`
	Failures struct {
		SampledAttempts int         `json:"sampled_attempts"`
		Failed          int         `json:"failed"`
		ByCause         []causeJSON `json:"by_cause"`
	} `json:"failures"`
	Issues          []string `json:"issues"`
	Recommendations []string `json:"recommendations"`
}

// successTier is 002's success rate tier: excellent ≥ 99, good 95–99, warning 90–95, critical < 90.
func successTier(rate float64) string {
	switch {
	case rate >= 99:
		return "excellent"
	case rate >= 95:
		return "good"
	case rate >= 90:
		return "warning"
	default:
		return "critical"
	}
}

// responseTier is 002's response time tier: fast < 1 s, acceptable 1–3 s, slow 3–5 s, critical > 5 s.
func responseTier(ms float64) string {
	switch {
	case ms < 1000:
		return "fast"
	case ms <= 3000:
		return "acceptable"
	case ms <= 5000:
		return "slow"
	default:
		return "critical"
	}
}

// failureCause names an attempt's failure for the breakdown.
func failureCause(a *webhook.Attempt) string {
	if a.Cause != webhook.CauseHTTP {
		return a.Cause
	}
	switch {
	case a.StatusCode >= 400 && a.StatusCode < 500:
		return causeHTTP4xx
	case a.StatusCode >= 500:
		return causeHTTP5xx
	default:
		return causeHTTPOther
	}
}

// diagnose computes the diagnostics of hook from its counters and its latest attempts (newest first).
func diagnose(hook *webhook.Webhook, recent []webhook.Attempt, now time.Time) diagnosticsJSON {
	var d diagnosticsJSON
	d.WebhookID, d.WebhookName, d.URL, d.IsActive, d.Encrypted = hook.ID, hook.Name, hook.URL, hook.Active, hook.Encrypted
	d.CheckedAt = jsonTime(now)
	st := hook.Stats
	m := &d.Metrics
	m.TotalEvents, m.SuccessfulDeliveries, m.FailedDeliveries, m.PendingDeliveries = st.Total, st.Delivered, st.Failed, st.Pending()
	m.Last24hEvents, m.Last24hFailures, m.LastDelivery = st.Last24hEvents, st.Last24hFails, optTime(st.LastDeliveryAt)
	var failureRate float64
	if st.Total > 0 {
		m.SuccessRate = round2(float64(st.Delivered) / float64(st.Total) * 100)
		failureRate = float64(st.Failed) / float64(st.Total) * 100
		m.FailureRate = round2(failureRate)
	}
	if st.Responses > 0 {
		avg := round2(st.ResponseTimeMS / float64(st.Responses))
		m.AverageResponseTime = &avg
		tier := responseTier(avg)
		d.Tiers.ResponseTime = &tier
	}
	if final := st.Delivered + st.Failed; final > 0 { // pending deliveries have no outcome yet
		tier := successTier(float64(st.Delivered) / float64(final) * 100)
		d.Tiers.SuccessRate = &tier
	}
	hoursSince := -1.0
	if st.LastDeliveryAt != nil {
		hoursSince = now.Sub(*st.LastDeliveryAt).Hours()
		h := round2(hoursSince)
		m.HoursSinceLast = &h
	}

	// Failures among the latest attempts, by cause.
	counts := map[string]int{}
	recentFailures := 0 // among the last 10 attempts of the last 24 hours
	for i := range recent {
		a := &recent[i]
		if a.Succeeded() {
			continue
		}
		d.Failures.Failed++
		counts[failureCause(a)]++
		if i < 10 && now.Sub(a.CreatedAt) < 24*time.Hour {
			recentFailures++
		}
	}
	d.Failures.SampledAttempts = len(recent)
	d.Failures.ByCause = []causeJSON{}
	for cause, n := range counts {
		d.Failures.ByCause = append(d.Failures.ByCause, causeJSON{Cause: cause, Count: n, Advice: causeAdvice[cause]})
	}
	slices.SortFunc(d.Failures.ByCause, func(a, b causeJSON) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Cause, b.Cause))
	})

	switch {
	case recentFailures >= 2 && !recent[0].Succeeded(): // still failing now, not recovered
		d.Tiers.Activity = "failing"
	case st.Last24hEvents > 0 || (hoursSince >= 0 && hoursSince <= 24):
		d.Tiers.Activity = "active"
	default:
		d.Tiers.Activity = "idle"
	}

	// Status as 001's analyzeWebhookPerformance decides it.
	switch {
	case !hook.Active:
		d.Status = "inactive"
	case st.Total == 0:
		d.Status = "no_activity"
	case failureRate > 20:
		d.Status = "critical"
	case failureRate > 5:
		d.Status = "warning"
	default:
		d.Status = "healthy"
	}

	// Score, issues and recommendations as 001's analyze_webhook_health and generateRecommendations.
	score := 100
	issues, recs := []string{}, []string{}
	if !hook.Active {
		issues = append(issues, "Webhook is inactive")
		recs = append(recs, "Activate webhook to receive events")
		score -= 50
	}
	switch {
	case st.Total == 0:
		recs = append(recs, "No events sent yet - webhook is ready but unused")
	case failureRate > 20:
		issues = append(issues, fmt.Sprintf("High failure rate: %.1f%%", failureRate))
		recs = append(recs, "Check endpoint availability and response codes")
		score -= 30
	case failureRate > 5:
		issues = append(issues, fmt.Sprintf("Moderate failure rate: %.1f%%", failureRate))
		recs = append(recs, "Monitor endpoint performance")
		score -= 15
	}
	if len(d.Failures.ByCause) > 0 && failureRate > 5 {
		recs = append(recs, d.Failures.ByCause[0].Advice)
	}
	if hoursSince > 24 {
		issues = append(issues, fmt.Sprintf("No events delivered in %d hours", int(hoursSince)))
		recs = append(recs, "Check if events are being triggered in your application")
		if hoursSince > 48 {
			score -= 10
		}
	}
	https := strings.HasPrefix(strings.ToLower(hook.URL), "https://")
	if !https {
		issues = append(issues, "Using insecure HTTP protocol")
		recs = append(recs, "Use HTTPS for webhook URLs")
		score -= 10
	}
	if !hook.Encrypted && https {
		recs = append(recs, "Consider enabling payload encryption for additional security")
	}
	if len(issues) == 0 && st.Total > 0 && len(recs) <= 1 {
		recs = append(recs, "Webhook is configured correctly and performing well")
	}
	d.HealthScore = max(score, 0)
	d.Issues, d.Recommendations = issues, recs
	return d
}

func (s *Server) handleWebhookDiagnostics(w http.ResponseWriter, r *http.Request) {
	hook, err := s.loadWebhook(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	recent, err := s.store.RecentAttempts(r.Context(), hook.AppID, hook.ID, diagnosticsSample)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, diagnose(hook, recent, s.now()))
}
