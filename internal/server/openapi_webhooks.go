package server

import (
	"net/http"

	"github.com/hookd/hookd/internal/webhook"
)

// openAPIPart is one surface of the document: its operations and the schemas they name.
type openAPIPart struct {
	operations []operation
	schemas    obj
}

var hookIDParam = pathParam("id", "Webhook id (wh_…)")

// openAPIWebhooks documents /api/v0/webhooks (webhooks.go).
func openAPIWebhooks() openAPIPart {
	const r, w = webhook.ScopeWebhookRead, webhook.ScopeWebhookWrite
	ops := []operation{
		{method: "POST", path: "/api/v0/webhooks", id: "createWebhook", scope: w, body: ref("WebhookCreate"),
			summary: "Create a webhook; the response is the only one with signing_secret (and encryption_key)",
			status:  http.StatusCreated, result: ref("WebhookCreated"), errors: []int{400, 409, 413}},
		{method: "GET", path: "/api/v0/webhooks", id: "listWebhooks", scope: r, summary: "List the app's webhooks, a page at a time",
			params: []obj{limitParam(50, 250), queryParam("cursor", text(""), "next_cursor of the previous page")},
			status: http.StatusOK, result: ref("WebhookList"), errors: []int{400}},
		{method: "GET", path: "/api/v0/webhooks/{id}", id: "getWebhook", scope: r,
			summary: "Fetch a webhook with its app and delivery statistics",
			params: []obj{hookIDParam,
				queryParam("include_events", boolean(""), "Include recent_events, the webhook's latest deliveries (default false)"),
				queryParam("events_limit", between(integer(""), 1, maxEventsLimit), "Number of recent events, 1–50 (default 10)"),
			},
			status: http.StatusOK, result: ref("Webhook"), errors: []int{400, 404}},
		{method: "PATCH", path: "/api/v0/webhooks/{id}", id: "updateWebhook", scope: w, summary: "Update a webhook (only the fields given)",
			params: []obj{hookIDParam}, body: ref("WebhookUpdate"), status: http.StatusOK, result: ref("Webhook"), errors: []int{400, 404, 413}},
		{method: "DELETE", path: "/api/v0/webhooks/{id}", id: "deleteWebhook", scope: w, summary: "Delete a webhook; its unsent deliveries never go out",
			params: []obj{hookIDParam}, status: http.StatusNoContent, errors: []int{400, 404}},
	}
	for i := range ops {
		ops[i].tag = "webhooks"
	}
	return openAPIPart{operations: ops, schemas: webhookSchemas()}
}

// healthStatus is webhook.Health's status: the verdict every surface shows.
func healthStatus() obj {
	return enum("", webhook.HealthHealthy, webhook.HealthWarning, webhook.HealthCritical, webhook.HealthInactive, webhook.HealthNoActivity)
}

// deliveryStatus is a delivery's status as stored: retrying while a retry is scheduled.
func deliveryStatus(desc string) obj {
	return enum(desc, webhook.StatusPending, webhook.StatusRetrying, webhook.StatusDelivered, webhook.StatusFailed)
}

// webhookProps are the properties of webhookJSON.
func webhookProps() obj {
	return obj{
		"id":             text("wh_…"),
		"numeric_id":     integer("The integer id the /api/v3 paths take"),
		"name":           text(""),
		"url":            text(""),
		"description":    text(""),
		"event_types":    arrayOf(text("")),
		"isActive":       boolean(""),
		"encrypted":      boolean(""),
		"headers":        mapOf(text(""), "Custom request headers, each value read as "+maskShown+" (GET …/secret shows the values)"),
		"rate_limit":     integer("Deliveries per second, 0 = none"),
		"ordered":        boolean("One delivery at a time, in event order"),
		"retry_schedule": obj{"type": "array", "items": number(""), "description": "Seconds before each retry; [] when the webhook never retries"},
		"timeout":        number("Seconds"),
		"created_at":     timestamp(""),
		"updated_at":     timestamp(""),
		"app":            ref("AppRef"),
		"delivery_stats": ref("DeliveryStats"),
		"recent_events":  arrayOf(ref("RecentEvent")),

		"circuit_state":        enum("", webhook.CircuitClosed, webhook.CircuitOpen, webhook.CircuitHalfOpen),
		"circuit_until":        nullable(timestamp("")),
		"consecutive_failures": integer(""),
		"disabled_reason":      nullable(text("Why hookd deactivated it (auto-disable)")),
		"disabled_at":          nullable(timestamp("")),
		"health":               ref("WebhookHealth"),
	}
}

// maskShown is what a custom header's value reads as outside GET …/secret.
const maskShown = `"` + webhook.HeaderMask + `"`

// webhookSettings are the properties of webhookInput: create takes every one, update those given.
func webhookSettings() obj {
	return obj{
		"name":        text("No control characters, valid UTF-8"),
		"url":         text("Absolute http(s) URL; characters a URL cannot hold as they are (a space, quotes, non-ASCII) must be percent-encoded"),
		"description": text("Valid UTF-8; no control characters but tabs and line breaks"),
		"event_types": obj{"type": "array", "items": text(""), "description": "Event types to receive, exact or with wildcards (invoice.*); empty = all"},
		"isActive":    boolean(""),
		"encrypted":   boolean("Deliver the body as a JWE (dir, A256GCM) under the webhook's own key"),
		"headers": mapOf(text(""), "Custom request headers. Names and values as HTTP allows "+
			"(no control characters such as NUL or DEL); no hop-by-hop header (Connection, Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, "+
			"Upgrade) and none hookd sets (Content-Type, Content-Length, Content-Encoding, Host, User-Agent, Webhook-*). Values are secrets: sealed at rest, "+
			"shown only by GET /api/v0/webhooks/{id}/secret, read as "+maskShown+" everywhere else; sending "+maskShown+" back for a header "+
			"the webhook has keeps its value"),
		"rate_limit":     integer("Deliveries per second, 0 = none"),
		"ordered":        boolean(""),
		"retry_schedule": obj{"type": "array", "items": number(""), "description": "Seconds before each retry, overriding the default schedule"},
		"timeout":        number("Seconds to wait for an answer"),
	}
}

func webhookSchemas() obj {
	settings := webhookSettings()
	allOptional := make([]string, 0, len(settings))
	for name := range settings {
		if name != "name" && name != "url" {
			allOptional = append(allOptional, name)
		}
	}
	return obj{
		"Webhook": object(webhookProps(), "app", "recent_events"),
		"WebhookCreated": object(extend(webhookProps(), obj{
			"signing_secret": text("The signing secret (Standard Webhooks form): shown here and by GET …/secret only"),
			"encryption_key": text("Base64 of the 256-bit key of an encrypted webhook"),
		}), "recent_events", "encryption_key"),
		"WebhookList":   object(obj{"data": arrayOf(ref("Webhook")), "has_more": boolean(""), "next_cursor": text("")}, "next_cursor"),
		"WebhookCreate": object(settings, allOptional...),
		"WebhookUpdate": object(webhookSettings(), append(allOptional, "name", "url")...),
		"AppRef":        object(obj{"id": text("app_…"), "name": text("")}),
		"WebhookHealth": object(obj{"status": healthStatus(), "score": between(integer(""), 0, 100)}),
		"DeliveryStats": object(obj{
			"total_events":          integer("Deliveries sent at least once = successful_deliveries + failed_deliveries"),
			"successful_deliveries": integer(""),
			"failed_deliveries":     integer(""),
			"pending_deliveries":    integer("Deliveries not sent yet"),
			"last_delivery":         nullable(timestamp("")),
			"success_rate":          number("Percent"),
			"average_response_time": number("Milliseconds"),
			"last_24h_events":       integer(""),
			"last_24h_failures":     integer(""),
		}),
		"RecentEvent": object(obj{
			"id":              text("dlv_…: the delivery"),
			"event_id":        text("msg_…"),
			"event_type":      text(""),
			"delivery_status": enum("As the statistics count it", webhook.StatusPending, webhook.StatusDelivered, webhook.StatusFailed),
			"response_code":   nullable(integer("")),
			"response_time":   nullable(number("Milliseconds")),
			"error_message":   nullable(text("")),
			"created_at":      timestamp(""),
			"delivered_at":    nullable(timestamp("The latest attempt")),
			"retry_count":     integer(""),
			"next_attempt_at": nullable(timestamp("")),
		}),
	}
}
