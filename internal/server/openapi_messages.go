package server

import (
	"net/http"

	"github.com/hookd/hookd/internal/webhook"
)

// openAPIMessages documents /v1 (v1.go): a webhook's messages and their attempts.
func openAPIMessages() openAPIPart {
	const r = webhook.ScopeWebhookRead
	hook := pathParam("webhookId", "Webhook id (wh_…)")
	msg := pathParam("messageId", "Message (event) id (msg_…)")
	iterator := queryParam("iterator", text(""), "The iterator of the previous page")
	ops := []operation{
		{method: "GET", path: "/v1/webhooks/{webhookId}/messages", id: "listMessages", summary: "List a webhook's messages, newest first, without payload",
			params: []obj{hook, limitParam(defaultV1Limit, maxV1Limit), iterator,
				listOf("status", deliveryStatus(""), "Delivery statuses (comma-separated or repeated): any of"),
				listOf("event_types", text(""), "Event types (comma-separated or repeated): any of"),
				queryParam("before", timestamp(""), "Only messages created before this ISO 8601 time"),
				queryParam("after", timestamp(""), "Only messages created after this ISO 8601 time"),
			},
			result: ref("MessagePage")},
		{method: "GET", path: "/v1/webhooks/{webhookId}/messages/{messageId}", id: "getMessage", summary: "Get a message with its payload",
			params: []obj{hook, msg}, result: ref("Message")},
		{method: "GET", path: "/v1/webhooks/{webhookId}/messages/{messageId}/attempts", id: "listAttempts",
			summary: "List a message's attempts, newest first, without response body or headers",
			params:  []obj{hook, msg, limitParam(defaultV1Limit, maxV1Limit), iterator}, result: ref("AttemptPage")},
		{method: "GET", path: "/v1/webhooks/{webhookId}/messages/{messageId}/attempts/{attemptId}", id: "getAttempt",
			summary: "Get an attempt with the response body and headers and the request headers sent",
			params:  []obj{hook, msg, pathParam("attemptId", "Attempt id (atmpt_…)")}, result: ref("AttemptDetail")},
	}
	for i := range ops {
		ops[i].tag, ops[i].scope, ops[i].family = "messages", r, v1
		ops[i].status, ops[i].errors = http.StatusOK, []int{400, 404}
	}
	attempt := obj{
		"id":                 text("atmpt_…"),
		"msgId":              text("msg_…"),
		"endpointId":         text("wh_…"),
		"attemptNumber":      integer(""),
		"status":             enum("", "succeeded", "failed"),
		"responseStatusCode": integer("0 when no answer came"),
		"responseDurationMs": number(""),
		"errorClass":         nullable(enum("Why it failed", webhook.CauseHTTP, webhook.CauseTimeout, webhook.CauseConnection, webhook.CauseTLS, webhook.CauseBlocked)),
		"error":              nullable(text("")),
		"trigger":            enum("", webhook.TriggerScheduled, webhook.TriggerManual),
		"timestamp":          timestamp(""),
	}
	return openAPIPart{operations: ops, schemas: obj{
		"Message": object(obj{
			"id":                 text("msg_…"),
			"eventType":          text(""),
			"payload":            anyJSON("The event's payload, as sent (only when getting one message)"),
			"timestamp":          timestamp(""),
			"status":             deliveryStatus(""),
			"attempts":           integer(""),
			"nextAttempt":        nullable(timestamp("")),
			"lastAttempt":        nullable(timestamp("")),
			"responseStatusCode": nullable(integer("")),
			"deliveryId":         text("dlv_…"),
		}, "payload"),
		"MessagePage": v1PageSchema("Message"),
		"Attempt":     object(attempt),
		"AttemptDetail": object(extend(attempt, obj{
			"response":          text("The response body, base64 when responseEncoding says so"),
			"responseEncoding":  enum("Present when the body is not text", webhook.BodyBase64),
			"responseTruncated": boolean("The body was cut at 64 KiB"),
			"responseHeaders":   mapOf(text(""), ""),
			"requestHeaders":    mapOf(text(""), "Custom header values read as "+maskShown),
		}), "responseEncoding"),
		"AttemptPage": v1PageSchema("Attempt"),
	}}
}

// v1PageSchema is a /v1 cursor page of items.
func v1PageSchema(item string) obj {
	return object(obj{"data": arrayOf(ref(item)), "iterator": nullable(text("Pass as iterator for the next page")), "done": boolean("")})
}
