package server

import (
	"net/http"

	"github.com/hookd/hookd/internal/webhook"
)

// openAPIEvents documents /api/v0/events (events.go): sending events and the event log.
func openAPIEvents() openAPIPart {
	const ew, er = webhook.ScopeEventWrite, webhook.ScopeEventRead
	ops := []operation{
		{method: "POST", path: "/api/v0/events", id: "createEvent", scope: ew,
			summary: "Send an event; 202 once it and one delivery per matching active webhook are committed",
			params:  []obj{{"name": "Idempotency-Key", "in": "header", "description": "The same key within 24 h returns the first event and creates nothing", "schema": text("")}},
			body:    ref("EventInput"), status: http.StatusAccepted, result: ref("EventAccepted"), errors: []int{400, 413}},
		{method: "POST", path: "/api/v0/events/batch", id: "createEventBatch", scope: ew, summary: "Send up to 500 events in one request",
			body: ref("EventBatch"), status: http.StatusAccepted, result: ref("EventBatchAccepted"), errors: []int{400, 413}},
		{method: "GET", path: "/api/v0/events", id: "listEvents", scope: er,
			summary: "The event log: the app's events, newest first, without payload (GET /api/v0/events/{id} has it)",
			params: []obj{limitParam(50, 250),
				queryParam("cursor", text(""), "next_cursor of the previous page (an msg_ id)"),
				listOf("event_type", text(""), "Exact event types (comma-separated or repeated): any of"),
				queryParam("since", timestamp(""), "Only events created strictly after this RFC 3339 time"),
				queryParam("until", timestamp(""), "Only events created strictly before this RFC 3339 time"),
				listOf("status", deliveryStatus(""), "Only events with at least one delivery in one of these statuses (comma-separated or repeated)"),
				queryParam("webhook_id", text(""), "Only events with a delivery to this webhook (wh_…)"),
				queryParam("id", text(""), "Only the event with this id (msg_…)"),
			},
			status: http.StatusOK, result: ref("EventList"), errors: []int{400}},
		{method: "GET", path: "/api/v0/events/{id}", id: "getEvent", scope: er, summary: "An event with its payload and each delivery's status",
			params: []obj{pathParam("id", "Event id (msg_…)")}, status: http.StatusOK, result: ref("Event"), errors: []int{400, 404}},
	}
	for i := range ops {
		ops[i].tag = "events"
	}
	summary := obj{
		"id":              text("msg_…"),
		"event_type":      text(""),
		"idempotency_key": text("Left out when the event has none"),
		"created_at":      timestamp(""),
		"deliveries":      arrayOf(ref("EventDelivery")),
	}
	return openAPIPart{operations: ops, schemas: obj{
		"EventInput": object(obj{
			"event_type":      text("Such as invoice.paid: no spaces, no *, no control characters"),
			"payload":         anyJSON("Any JSON value but null, up to the payload limit (default 256 KiB)"),
			"idempotency_key": text("The same key within 24 h returns the first event; the Idempotency-Key header works too"),
		}, "idempotency_key"),
		"EventAccepted": object(obj{
			"id":         text("msg_…"),
			"event_type": text(""),
			"created_at": timestamp(""),
			"deliveries": integer("Deliveries made: one per matching active webhook"),
			"duplicate":  boolean("true when an earlier event with the same idempotency key answered"),
		}, "duplicate"),
		"EventBatch":         object(obj{"events": obj{"type": "array", "items": ref("EventInput"), "minItems": 1, "maxItems": webhook.MaxBatch}}),
		"EventBatchAccepted": object(obj{"data": arrayOf(ref("EventAccepted"))}),
		"Event":              object(extend(summary, obj{"payload": anyJSON("The event's payload, as sent")}), "idempotency_key"),
		"EventSummary":       object(summary, "idempotency_key"),
		"EventList":          object(obj{"data": arrayOf(ref("EventSummary")), "has_more": boolean(""), "next_cursor": text("msg_…")}, "next_cursor"),
		"EventDelivery": object(obj{
			"id":              text("dlv_…"),
			"webhook_id":      text("wh_…"),
			"status":          deliveryStatus(""),
			"attempts":        integer(""),
			"next_attempt_at": nullable(timestamp("")),
			"last_attempt_at": nullable(timestamp("")),
			"response_code":   integer("The latest attempt's, 0 before any answer"),
			"response_time":   number("Milliseconds"),
			"error_message":   text("The latest attempt's, empty when none"),
		}),
	}}
}
