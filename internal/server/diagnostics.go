package server

import (
	"cmp"
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
	WebhookID           string   `json:"webhook_id"`
	WebhookName         string   `json:"webhook_name"`
	URL                 string   `json:"url"`
	IsActive            bool     `json:"isActive"`
	Encrypted           bool     `json:"encrypted"`
	Status              string   `json:"status"`
	HealthScore         int      `json:"health_score"`
	CircuitState        string   `json:"circuit_state"`
	ConsecutiveFailures int64    `json:"consecutive_failures"`
	CheckedAt           jsonTime `json:"checked_at"`
	Metrics             struct {
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

// diagnose explains hook's health (webhook.Health, the verdict every surface shows) with its
// counters, its tiers and its latest attempts (newest first), broken down by cause.
func diagnose(hook *webhook.Webhook, recent []webhook.Attempt, now time.Time) diagnosticsJSON {
	var d diagnosticsJSON
	d.WebhookID, d.WebhookName, d.URL, d.IsActive, d.Encrypted = hook.ID, hook.Name, hook.URL, hook.Active, hook.Encrypted
	d.CheckedAt = jsonTime(now)
	d.CircuitState, _, _ = controlState(hook)
	d.ConsecutiveFailures = hook.ConsecutiveFailures
	st := hook.Stats
	m := &d.Metrics
	m.TotalEvents, m.SuccessfulDeliveries, m.FailedDeliveries, m.PendingDeliveries = st.Sent(), st.Delivered, st.Failed, st.Pending()
	m.Last24hEvents, m.Last24hFailures, m.LastDelivery = st.Last24hEvents, st.Last24hFails, optTime(st.LastDeliveryAt)
	var failureRate float64
	if rate, ok := st.SuccessRate(); ok {
		m.SuccessRate, failureRate = round2(rate), 100-rate
		m.FailureRate = round2(failureRate)
	}
	if avg, ok := st.AverageResponseMS(); ok {
		avg = round2(avg)
		m.AverageResponseTime = &avg
	}
	hoursSince := -1.0
	if st.LastDeliveryAt != nil {
		hoursSince = now.Sub(*st.LastDeliveryAt).Hours()
		h := round2(hoursSince)
		m.HoursSinceLast = &h
	}

	h := hook.Health(now)
	d.Status, d.HealthScore = h.Status, h.Score
	d.Tiers.SuccessRate, d.Tiers.ResponseTime, d.Tiers.Activity = optString(h.SuccessTier), optString(h.ResponseTier), h.Activity

	// Failures among the latest attempts, by cause.
	counts := map[string]int{}
	for i := range recent {
		a := &recent[i]
		if a.Succeeded() {
			continue
		}
		d.Failures.Failed++
		counts[failureCause(a)]++
	}
	d.Failures.SampledAttempts = len(recent)
	d.Failures.ByCause = []causeJSON{}
	for cause, n := range counts {
		d.Failures.ByCause = append(d.Failures.ByCause, causeJSON{Cause: cause, Count: n, Advice: causeAdvice[cause]})
	}
	slices.SortFunc(d.Failures.ByCause, func(a, b causeJSON) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Cause, b.Cause))
	})

	// Recommendations for the issues the verdict found, as the client code of the monitoring
	// guides words them.
	recs := []string{}
	failingNow := hook.Circuit != webhook.CircuitClosed && hook.Circuit != "" || hook.ConsecutiveFailures >= webhook.FailingStreak
	if !hook.Active {
		recs = append(recs, "Activate webhook to receive events")
	}
	if st.Sent() == 0 {
		recs = append(recs, "No events sent yet - webhook is ready but unused")
	}
	if failingNow {
		recs = append(recs, "The endpoint is failing now: fix it, then send a test event or recover its failed deliveries to resume at once")
	}
	switch {
	case failureRate > 10:
		recs = append(recs, "Check endpoint availability and response codes")
	case failureRate > 5:
		recs = append(recs, "Monitor endpoint performance")
	}
	if len(d.Failures.ByCause) > 0 && (failureRate > 5 || failingNow) {
		recs = append(recs, d.Failures.ByCause[0].Advice)
	}
	if hoursSince > 24 {
		recs = append(recs, "Check if events are being triggered in your application")
	}
	https := strings.HasPrefix(strings.ToLower(hook.URL), "https://")
	if !https {
		recs = append(recs, "Use HTTPS for webhook URLs")
	}
	if !hook.Encrypted && https {
		recs = append(recs, "Consider enabling payload encryption for additional security")
	}
	if h.Status == webhook.HealthHealthy && len(recs) <= 1 {
		recs = append(recs, "Webhook is configured correctly and performing well")
	}
	d.Issues, d.Recommendations = h.Issues, recs
	return d
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
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
