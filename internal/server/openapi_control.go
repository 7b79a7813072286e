package server

import (
	"net/http"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// openAPIControl documents a webhook's signing secret (secret.go) and the actions on its
// deliveries (control.go): retry, test, recover.
func openAPIControl() openAPIPart {
	const r, w, sec = webhook.ScopeWebhookRead, webhook.ScopeWebhookWrite, webhook.ScopeWebhookSecret
	ops := []operation{
		{method: "GET", path: "/api/v0/webhooks/{id}/secret", id: "getWebhookSecret", scope: sec, params: []obj{hookIDParam},
			summary: "The signing secret (and encryption key) and the custom headers with their values: " +
				"the only route that shows header values, which everywhere else read " + maskShown,
			status: http.StatusOK, result: ref("WebhookSecret"), errors: []int{400, 404}},
		{method: "POST", path: "/api/v0/webhooks/{id}/secret/rotate", id: "rotateWebhookSecret", scope: sec, params: []obj{hookIDParam},
			summary: "Rotate the signing secret; the old one signs beside it for grace_period seconds",
			body:    ref("SecretRotation"), bodyOptional: true, status: http.StatusOK, result: ref("WebhookSecret"), errors: []int{400, 404, 413}},
		{method: "POST", path: "/api/v0/webhooks/{id}/events/{message_id}/retry", id: "retryWebhookEvent", scope: w,
			summary: "Attempt one delivery again now (trigger manual); a delivered or failed delivery goes back to pending",
			params:  []obj{hookIDParam, pathParam("message_id", "Event id (msg_…)")},
			status:  http.StatusAccepted, result: ref("RetryQueued"), errors: []int{400, 404}},
		{method: "POST", path: "/api/v0/webhooks/{id}/test", id: "testWebhook", scope: w, params: []obj{hookIDParam},
			summary: "Send a signed webhook.test event to this webhook only",
			body:    ref("TestEvent"), bodyOptional: true, status: http.StatusAccepted, result: ref("EventAccepted"), errors: []int{400, 404, 413}},
		{method: "POST", path: "/api/v0/webhooks/{id}/recover", id: "recoverWebhook", scope: w, params: []obj{hookIDParam},
			summary: "Requeue the failed deliveries created in [since, until) as a background job, readable at Location",
			body:    ref("RecoverRequest"), status: http.StatusAccepted, result: ref("RecoverJob"), errors: []int{400, 404, 413},
			headers: obj{"Location": headerRef("Location")}},
		{method: "GET", path: "/api/v0/webhooks/{id}/recover/{job_id}", id: "getRecoverJob", scope: r, summary: "Progress and result of a recover job",
			params: []obj{hookIDParam, pathParam("job_id", "Job id (job_…)")}, status: http.StatusOK, result: ref("RecoverJob"), errors: []int{400, 404}},
	}
	for i := range ops {
		ops[i].tag = "webhooks"
	}
	return openAPIPart{operations: ops, schemas: obj{
		"WebhookSecret": object(obj{
			"signing_secret":             text("The signing secret (Standard Webhooks form)"),
			"previous_secret_expires_at": timestamp("While a rotated-out secret still signs beside the new one"),
			"encryption_key":             text("Base64 of the 256-bit key, for an encrypted webhook"),
			"headers":                    mapOf(text(""), "Custom headers with their values in clear"),
		}, "previous_secret_expires_at", "encryption_key"),
		"SecretRotation": object(obj{
			"grace_period": between(number("Seconds the old secret keeps signing (default 86400; 0 stops it at once)"), 0, maxGracePeriod.Seconds()),
		}, "grace_period"),
		"RetryQueued": object(obj{
			"delivery_id":     text("dlv_…"),
			"message_id":      text("msg_…"),
			"webhook_id":      text("wh_…"),
			"status":          deliveryStatus(""),
			"attempts":        integer("Attempts made so far"),
			"trigger":         enum("", webhook.TriggerManual),
			"next_attempt_at": nullable(timestamp("")),
		}),
		"TestEvent": object(obj{"payload": anyJSON("Replaces the default test payload: any JSON value")}, "payload"),
		"RecoverRequest": object(obj{
			"since": timestamp("Start of the window (inclusive)"),
			"until": timestamp("End of the window (exclusive; default now)"),
		}, "until"),
		"RecoverJob": object(obj{
			"id":          text("job_…"),
			"webhook_id":  text("wh_…"),
			"status":      enum("", store.RecoverQueued, store.RecoverRunning, store.RecoverCompleted),
			"since":       timestamp(""),
			"until":       timestamp(""),
			"total":       integer("Failed deliveries found in the window"),
			"requeued":    integer(""),
			"progress":    between(number("Percent of total requeued"), 0, 100),
			"created_at":  timestamp(""),
			"finished_at": nullable(timestamp("")),
		}),
	}}
}
