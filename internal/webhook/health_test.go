package webhook

import (
	"testing"
	"time"
)

func TestHealth(t *testing.T) {
	now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	recent := now.Add(-time.Minute)
	old := now.Add(-72 * time.Hour)
	base := func(mod func(w *Webhook)) *Webhook {
		w := &Webhook{URL: "https://example.com/hook", Active: true, Circuit: CircuitClosed}
		mod(w)
		return w
	}
	stats := func(delivered, failed int64) func(w *Webhook) {
		return func(w *Webhook) {
			w.Stats = Stats{Created: delivered + failed, Delivered: delivered, Failed: failed, LastDeliveryAt: &recent,
				Responses: delivered + failed, ResponseTimeMS: float64(delivered+failed) * 40, Last24hEvents: delivered + failed, Last24hFails: failed}
		}
	}
	for _, tc := range []struct {
		name        string
		w           *Webhook
		status      string
		successTier string
		activity    string
		minScore    int // inclusive
		maxScore    int // inclusive
	}{
		{"all delivered", base(stats(300, 0)), HealthHealthy, "excellent", "active", 100, 100},
		{"99 % is excellent and healthy", base(stats(99, 1)), HealthHealthy, "excellent", "active", 100, 100},
		{"96 % is good and healthy", base(stats(96, 4)), HealthHealthy, "good", "active", 90, 95},
		{"92 % is warning", base(stats(92, 8)), HealthWarning, "warning", "active", 50, 89},
		{"80 % success is tier critical", base(stats(40, 10)), HealthCritical, "critical", "active", 0, 49},
		{"every attempt failed", base(func(w *Webhook) { stats(0, 300)(w); w.ConsecutiveFailures = 300 }), HealthCritical, "critical", "failing", 0, 49},
		{"breaker open with a spotless history", base(func(w *Webhook) {
			stats(1000, 0)(w)
			w.Circuit, w.ConsecutiveFailures = CircuitOpen, 10
		}), HealthCritical, "excellent", "failing", 0, 49},
		{"breaker half-open", base(func(w *Webhook) { stats(1000, 3)(w); w.Circuit = CircuitHalfOpen }), HealthCritical, "excellent", "failing", 0, 49},
		{"a failing streak before the breaker opens", base(func(w *Webhook) {
			stats(1000, 5)(w)
			w.ConsecutiveFailures = FailingStreak
		}), HealthCritical, "excellent", "failing", 0, 49},
		{"one failure in a row is not a streak", base(func(w *Webhook) { stats(1000, 1)(w); w.ConsecutiveFailures = 1 }), HealthHealthy, "excellent", "active", 100, 100},
		{"inactive wins over critical", base(func(w *Webhook) {
			stats(0, 50)(w)
			w.Active, w.Circuit, w.DisabledReason = false, CircuitOpen, "Disabled automatically"
		}), HealthInactive, "critical", "failing", 0, 49},
		{"nothing sent yet", base(func(w *Webhook) { w.Stats.Created = 3 }), HealthNoActivity, "", "idle", 100, 100},
		{"plain HTTP costs 10 points", base(func(w *Webhook) { stats(10, 0)(w); w.URL = "http://example.com" }), HealthHealthy, "excellent", "active", 90, 90},
		{"critically slow answers", base(func(w *Webhook) { stats(10, 0)(w); w.Stats.ResponseTimeMS = 10 * 6000 }), HealthWarning, "excellent", "active", 50, 89},
		{"idle for three days", base(func(w *Webhook) {
			stats(10, 0)(w)
			w.Stats.LastDeliveryAt, w.Stats.Last24hEvents, w.Stats.Last24hFails = &old, 0, 0
		}), HealthHealthy, "excellent", "idle", 90, 90},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.w.Health(now)
			if h.Status != tc.status || h.SuccessTier != tc.successTier || h.Activity != tc.activity {
				t.Errorf("status/success tier/activity = %s/%s/%s, want %s/%s/%s (issues %q)",
					h.Status, h.SuccessTier, h.Activity, tc.status, tc.successTier, tc.activity, h.Issues)
			}
			if h.Score < tc.minScore || h.Score > tc.maxScore {
				t.Errorf("score = %d, want %d–%d (issues %q)", h.Score, tc.minScore, tc.maxScore, h.Issues)
			}
			if h.Score < 100 && len(h.Issues) == 0 {
				t.Errorf("score %d with no issue named", h.Score)
			}
		})
	}
}

func TestTiersAgreeWithTheirNumbers(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		want string
	}{{100, "excellent"}, {99, "excellent"}, {98.9, "good"}, {95, "good"}, {94.9, "warning"}, {90, "warning"}, {89.9, "critical"}, {80, "critical"}, {0, "critical"}} {
		if got := SuccessTier(tc.rate); got != tc.want {
			t.Errorf("SuccessTier(%v) = %s, want %s", tc.rate, got, tc.want)
		}
	}
	for _, tc := range []struct {
		ms   float64
		want string
	}{{10, "fast"}, {999, "fast"}, {1000, "acceptable"}, {3000, "acceptable"}, {3001, "slow"}, {5000, "slow"}, {5001, "critical"}} {
		if got := ResponseTier(tc.ms); got != tc.want {
			t.Errorf("ResponseTier(%v) = %s, want %s", tc.ms, got, tc.want)
		}
	}
}

func TestDeliveryOutcome(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    Delivery
		want string
	}{
		{"never sent", Delivery{Status: StatusPending}, StatusPending},
		{"retrying after a failure", Delivery{Status: StatusRetrying, Attempts: 2, LastError: "receiver answered HTTP 503"}, StatusFailed},
		{"failed for good", Delivery{Status: StatusFailed, Attempts: 8, LastError: "timeout"}, StatusFailed},
		{"delivered", Delivery{Status: StatusDelivered, Attempts: 1}, StatusDelivered},
		{"sent again by hand after a success", Delivery{Status: StatusPending, Attempts: 1}, StatusDelivered},
		{"recovered after a failure", Delivery{Status: StatusPending, Attempts: 3, LastError: "connection failed"}, StatusFailed},
	} {
		if got := tc.d.Outcome(); got != tc.want {
			t.Errorf("%s: Outcome() = %s, want %s", tc.name, got, tc.want)
		}
	}
}
