package server

import (
	"net/http"

	"github.com/hookd/hookd/internal/webhook"
)

// openAPIMonitor documents a webhook's statistics over time (stats.go) and its diagnostics
// (diagnostics.go).
func openAPIMonitor() openAPIPart {
	const r = webhook.ScopeWebhookRead
	ops := []operation{
		{method: "GET", path: "/api/v0/webhooks/{id}/stats", id: "getWebhookStats", scope: r, summary: "Delivery time series from hourly rollups",
			params: []obj{hookIDParam,
				queryParam("since", timestamp(""), "ISO 8601 start (default until − 24 h)"),
				queryParam("until", timestamp(""), "ISO 8601 end (default now)"),
				queryParam("granularity", enum("", "hour", "day"), "hour (spans up to 7 days) or day; default by span"),
			},
			status: http.StatusOK, result: ref("WebhookStats"), errors: []int{400, 404}},
		{method: "GET", path: "/api/v0/webhooks/{id}/diagnostics", id: "getWebhookDiagnostics", scope: r,
			summary: "Health analysis: status, score, tiers, failures by cause, recommendations",
			params:  []obj{hookIDParam}, status: http.StatusOK, result: ref("Diagnostics"), errors: []int{400, 404}},
	}
	for i := range ops {
		ops[i].tag = "monitoring"
	}
	return openAPIPart{operations: ops, schemas: obj{
		"WebhookStats": object(obj{
			"webhook_id":  text("wh_…"),
			"granularity": enum("", "hour", "day"),
			"since":       timestamp("Start of the first bucket"),
			"until":       timestamp("End of the last bucket"),
			"totals":      ref("StatsPoint"),
			"series":      arrayOf(ref("StatsPoint")),
		}),
		"StatsPoint": object(obj{
			"timestamp":             timestamp("Start of the bucket"),
			"events":                integer(""),
			"successful_deliveries": integer(""),
			"failed_deliveries":     integer(""),
			"attempts":              integer(""),
			"failed_attempts":       integer(""),
			"success_rate":          nullable(number("Percent; null without a finished delivery")),
			"average_response_time": nullable(number("Milliseconds; null without an answer")),
		}),
		"Diagnostics": object(obj{
			"webhook_id":           text("wh_…"),
			"webhook_name":         text(""),
			"url":                  text(""),
			"isActive":             boolean(""),
			"encrypted":            boolean(""),
			"status":               healthStatus(),
			"health_score":         between(integer(""), 0, 100),
			"circuit_state":        enum("", webhook.CircuitClosed, webhook.CircuitOpen, webhook.CircuitHalfOpen),
			"consecutive_failures": integer(""),
			"checked_at":           timestamp(""),
			"metrics": object(obj{
				"total_events":              integer(""),
				"successful_deliveries":     integer(""),
				"failed_deliveries":         integer(""),
				"pending_deliveries":        integer(""),
				"success_rate":              number("Percent"),
				"failure_rate":              number("Percent"),
				"average_response_time":     nullable(number("Milliseconds")),
				"last_delivery":             nullable(timestamp("")),
				"hours_since_last_delivery": nullable(number("")),
				"last_24h_events":           integer(""),
				"last_24h_failures":         integer(""),
			}),
			"tiers": object(obj{
				"success_rate":  nullable(enum("excellent ≥ 99, good 95–99, warning 90–95, critical < 90; null before any attempt", "excellent", "good", "warning", "critical")),
				"response_time": nullable(enum("fast < 1 s, acceptable 1–3 s, slow 3–5 s, critical > 5 s; null before any answer", "fast", "acceptable", "slow", "critical")),
				"activity":      enum("", "active", "idle", "failing"),
			}),
			"failures": object(obj{
				"sampled_attempts": integer("How many of the latest attempts were read"),
				"failed":           integer(""),
				"by_cause":         arrayOf(ref("FailureCause")),
			}),
			"issues":          arrayOf(text("")),
			"recommendations": arrayOf(text("")),
		}),
		"FailureCause": object(obj{
			"cause":  enum("", causeHTTP4xx, causeHTTP5xx, causeHTTPOther, webhook.CauseTimeout, webhook.CauseConnection, webhook.CauseTLS, webhook.CauseBlocked),
			"count":  integer(""),
			"advice": text("What to do about it"),
		}),
	}}
}
