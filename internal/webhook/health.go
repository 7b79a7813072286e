package webhook

import (
	"fmt"
	"strings"
	"time"
)

// Health statuses, worst first after the two that say the webhook is not in use.
const (
	HealthInactive   = "inactive"    // deactivated, by an operator or by auto-disable
	HealthCritical   = "critical"    // its receiver is failing now, or most deliveries failed
	HealthWarning    = "warning"     // some deliveries fail, or answers are very slow
	HealthHealthy    = "healthy"     //
	HealthNoActivity = "no_activity" // nothing sent yet
)

// FailingStreak is how many failed attempts in a row, with no success since, make a webhook
// critical whatever its history: a receiver that has just died fails every attempt long before
// its failures weigh on the success rate. It is below the breaker's default threshold, so a
// webhook turns critical before its breaker opens.
const FailingStreak = 5

// Health is hookd's one verdict on a webhook: the status and score every surface shows (the
// webhook object, diagnostics, the dashboard), the tiers behind them and the reasons.
type Health struct {
	Status       string
	Score        int      // 0–100; critical is below 50 and warning below 90, as the score tiers read
	SuccessTier  string   // of Stats.SuccessRate: excellent ≥ 99, good ≥ 95, warning ≥ 90, critical; "" before any attempt
	ResponseTier string   // of the average response time: fast < 1 s, acceptable ≤ 3 s, slow ≤ 5 s, critical; "" before any answer
	Activity     string   // active (sent in the last 24 hours), idle, or failing (failing attempts in a row now)
	Issues       []string // why the score is below 100, worst first
}

// SuccessTier names a success rate in percent: excellent ≥ 99, good 95–99, warning 90–95, critical < 90.
func SuccessTier(rate float64) string {
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

// ResponseTier names an average response time: fast < 1 s, acceptable 1–3 s, slow 3–5 s, critical > 5 s.
func ResponseTier(ms float64) string {
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

// Health decides w's health at now from its control state and counters. It reads only the
// webhook, so a list of webhooks costs no more to judge than one.
//
// Critical: the breaker is not closed, the last FailingStreak attempts all failed, or fewer
// than 90 % of the deliveries sent succeeded (the success tier is critical). Warning: the
// success tier is warning or the answers are critically slow. The score starts at 100 and
// loses points for each issue; it is then capped to agree with the status.
func (w *Webhook) Health(now time.Time) Health {
	h := Health{Activity: "idle"}
	st := w.Stats
	score := 100
	issue := func(points int, format string, args ...any) {
		score -= points
		h.Issues = append(h.Issues, fmt.Sprintf(format, args...))
	}
	critical, warning := false, false

	if !w.Active {
		if w.DisabledReason != "" {
			issue(50, "Webhook is inactive: %s", w.DisabledReason)
		} else {
			issue(50, "Webhook is inactive")
		}
	}
	if w.Circuit != "" && w.Circuit != CircuitClosed {
		critical = true
		issue(50, "Circuit breaker is %s after %d failed attempts in a row: deliveries are held", strings.ReplaceAll(w.Circuit, "_", "-"), w.ConsecutiveFailures)
	} else if w.ConsecutiveFailures >= FailingStreak {
		critical = true
		issue(40, "The last %d delivery attempts all failed", w.ConsecutiveFailures)
	}
	if rate, ok := st.SuccessRate(); ok {
		h.SuccessTier = SuccessTier(rate)
		failure := 100 - rate
		switch h.SuccessTier {
		case "critical":
			critical = true
			issue(30, "High failure rate: %.1f%% of %d deliveries failed", failure, st.Sent())
		case "warning":
			warning = true
			issue(15, "Moderate failure rate: %.1f%% of %d deliveries failed", failure, st.Sent())
		case "good":
			issue(5, "Some deliveries failed: %.1f%% of %d", failure, st.Sent())
		}
	}
	if avg, ok := st.AverageResponseMS(); ok {
		h.ResponseTier = ResponseTier(avg)
		switch h.ResponseTier {
		case "critical":
			warning = true
			issue(20, "Very slow responses: %.0f ms on average", avg)
		case "slow":
			issue(10, "Slow responses: %.0f ms on average", avg)
		case "acceptable":
			issue(5, "Responses take %.0f ms on average", avg)
		}
	}
	if last := st.LastDeliveryAt; last != nil {
		if hours := now.Sub(*last).Hours(); hours > 48 {
			issue(10, "No delivery attempt for %d hours", int(hours))
		}
	}
	if !strings.HasPrefix(strings.ToLower(w.URL), "https://") {
		issue(10, "Using insecure HTTP protocol")
	}

	switch {
	case w.ConsecutiveFailures >= 2 || (w.Circuit != "" && w.Circuit != CircuitClosed):
		h.Activity = "failing"
	case st.Last24hEvents > 0 || (st.LastDeliveryAt != nil && now.Sub(*st.LastDeliveryAt) <= 24*time.Hour):
		h.Activity = "active"
	}

	switch {
	case !w.Active:
		h.Status = HealthInactive
	case critical:
		h.Status, score = HealthCritical, min(score, 49)
	case st.Sent() == 0:
		h.Status = HealthNoActivity
	case warning:
		h.Status, score = HealthWarning, min(score, 89)
	default:
		h.Status = HealthHealthy
	}
	h.Score = max(score, 0)
	if h.Issues == nil {
		h.Issues = []string{}
	}
	return h
}
