package server

import (
	"net/http"
	"strings"
)

// openAPI describes hookd's API as an OpenAPI 3.1 document. openapi_test.go checks its
// operations against the routes the server really registers.

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func param(name, in, typ, desc string) obj {
	p := obj{"name": name, "in": in, "description": desc, "schema": obj{"type": typ}}
	if in == "path" {
		p["required"] = true
	}
	return p
}

func jsonBody(desc, contentType string, schema obj) obj {
	return obj{"description": desc, "content": obj{contentType: obj{"schema": schema}}}
}

// op is one operation with the error responses of its family.
func op(summary, scope string, params []obj, ok obj, errSchema, errType string) obj {
	responses := obj{"200": ok}
	for _, code := range []string{"400", "401", "403", "404"} {
		responses[code] = jsonBody("Error", errType, ref(errSchema))
	}
	o := obj{"summary": summary, "responses": responses, "security": []any{obj{"clientKey": []any{}, "clientSecret": []any{}}, obj{"bearer": []any{}}}}
	if scope != "" {
		o["description"] = "Requires scope " + scope + "."
	}
	if len(params) > 0 {
		o["parameters"] = params
	}
	return o
}

func buildOpenAPI() obj {
	const appJSON, apiJSON = "application/json", jsonAPI
	v0op := func(summary, scope string, params []obj, schema obj) obj {
		return op(summary, scope, params, jsonBody("OK", appJSON, schema), "V0Error", appJSON)
	}
	v1op := func(summary string, params []obj, schema obj) obj {
		return op(summary, "webhook:read", params, jsonBody("OK", appJSON, schema), "V1Error", appJSON)
	}
	v3op := func(summary string, params []obj, schema obj) obj {
		return op(summary, "webhook:read", params, jsonBody("OK", apiJSON, schema), "V3Error", apiJSON)
	}
	readOnly := func(params ...obj) obj {
		return obj{"summary": "Webhook calls are read-only", "parameters": params,
			"responses": obj{"405": jsonBody("Method not allowed", apiJSON, ref("V3Error"))}}
	}
	hookID := param("id", "path", "string", "Webhook id (wh_…)")
	v1Hook := param("webhookId", "path", "string", "Webhook id (wh_…)")
	v1Msg := param("messageId", "path", "string", "Message (event) id (msg_…)")
	v3Hook := param("webhook_id", "path", "string", "The webhook's numeric_id, or its wh_ id")
	callID := param("resource_id", "path", "string", "Call id (atmpt_…)")
	calls := "/api/v3/notification/webhook/{webhook_id}/calls"
	call := calls + "/{resource_id}"
	v3List := []obj{v3Hook,
		param("page[number]", "query", "integer", "Page number, default 1"),
		param("page[size]", "query", "integer", "Items per page, 1–1000, default 1000"),
		param("sort", "query", "string", "Comma-separated id, http_code, created_at; - for descending"),
		param("count", "query", "boolean", "true adds meta.count, the total"),
		param("filter[id]", "query", "string", "Call ids, comma-separated (any of)"),
		param("filter[webhook_id]", "query", "string", "Webhook ids, comma-separated (any of)"),
		param("filter[http_code]", "query", "string", "HTTP codes, comma-separated or a list filter[http_code][]=… (any of)"),
		param("filter[headers]", "query", "string", "Exact response headers text"),
		param("filter[body]", "query", "string", "Exact response body"),
		param("filter[created_at]", "query", "string", "ISO 8601 times, comma-separated (any of)"),
	}
	for _, f := range []string{"http_code", "created_at"} {
		for _, o := range []string{"lte", "gte", "lt", "gt"} {
			v3List = append(v3List, param("filter["+f+"__"+o+"]", "query", "string", f+" "+o))
		}
	}
	sparse := []obj{
		param("fields[notification/webhook/calls]", "query", "string", "Attributes of calls to return: id, http_code, headers, body, created_at (comma-separated, or a list: fields[…][]=id)"),
		param("fields[notification/webhook]", "query", "string", "Attributes of the included webhook"),
		param("included", "query", "string", "webhook: include the webhook resource (also as a list: included[]=webhook; include is a synonym)"),
	}
	v3List = append(v3List, sparse...)

	paths := obj{
		"/api/v0/webhooks/{id}": obj{"get": v0op("Fetch a webhook with delivery statistics (seeds 001, 002)", "webhook:read", []obj{hookID,
			param("include_events", "query", "boolean", "Include recent delivery events (default false)"),
			param("events_limit", "query", "integer", "Number of recent events, 1–50 (default 10)"),
		}, ref("Webhook"))},
		"/api/v0/webhooks/{id}/stats": obj{"get": v0op("Delivery time series from hourly rollups", "webhook:read", []obj{hookID,
			param("since", "query", "string", "ISO 8601 start (default until − 24 h)"),
			param("until", "query", "string", "ISO 8601 end (default now)"),
			param("granularity", "query", "string", "hour (spans up to 7 days) or day; default by span"),
		}, ref("WebhookStats"))},
		"/api/v0/webhooks/{id}/diagnostics": obj{"get": v0op("Health analysis: status, score, tiers, failures by cause", "webhook:read",
			[]obj{hookID}, ref("Diagnostics"))},
		"/v1/webhooks/{webhookId}/messages": obj{"get": v1op("List a webhook's messages, newest first, without payload", []obj{v1Hook,
			param("limit", "query", "integer", "1–250, default 50"),
			param("iterator", "query", "string", "The iterator of the previous page"),
			param("status", "query", "string", "pending, retrying, delivered, failed (comma-separated or repeated)"),
			param("event_types", "query", "string", "Event types (comma-separated or repeated)"),
			param("before", "query", "string", "Only messages created before this ISO 8601 time"),
			param("after", "query", "string", "Only messages created after this ISO 8601 time"),
		}, page("Message"))},
		"/v1/webhooks/{webhookId}/messages/{messageId}": obj{"get": v1op("Get a message with its payload", []obj{v1Hook, v1Msg}, ref("Message"))},
		"/v1/webhooks/{webhookId}/messages/{messageId}/attempts": obj{"get": v1op("List a message's attempts, newest first, without response body", []obj{v1Hook, v1Msg,
			param("limit", "query", "integer", "1–250, default 50"),
			param("iterator", "query", "string", "The iterator of the previous page"),
		}, page("Attempt"))},
		"/v1/webhooks/{webhookId}/messages/{messageId}/attempts/{attemptId}": obj{"get": v1op("Get an attempt with response body and headers",
			[]obj{v1Hook, v1Msg, param("attemptId", "path", "string", "Attempt id (atmpt_…)")}, ref("Attempt"))},
		"/openapi.json": obj{"get": obj{"summary": "This document", "responses": obj{"200": jsonBody("OpenAPI 3.1 document", appJSON, obj{"type": "object"})}}},
		calls: obj{"get": v3op("Return a paginated list of notification/webhook/calls", v3List, ref("CallList")),
			"post": readOnly(v3Hook), "put": readOnly(v3Hook), "patch": readOnly(v3Hook), "delete": readOnly(v3Hook)},
		call: obj{"get": v3op("Show a specific notification/webhook/calls", append([]obj{v3Hook, callID}, sparse...), ref("CallDocument")),
			"post": readOnly(v3Hook, callID), "put": readOnly(v3Hook, callID), "patch": readOnly(v3Hook, callID), "delete": readOnly(v3Hook, callID)},
	}

	mergePaths(paths, coreOperations())

	str, num, integer, boolean := obj{"type": "string"}, obj{"type": "number"}, obj{"type": "integer"}, obj{"type": "boolean"}
	nullable := func(t string) obj { return obj{"type": []string{t, "null"}} }
	object := func(props obj) obj { return obj{"type": "object", "properties": props} }
	headers := obj{"type": "object", "additionalProperties": str}
	healthStatus := obj{"type": "string", "enum": []string{"healthy", "warning", "critical", "inactive", "no_activity"}}
	schemas := obj{
		"V0Error": object(obj{"statusCode": integer, "message": str, "error": str, "details": str}),
		"V1Error": object(obj{"code": str, "detail": str}),
		"V3Error": object(obj{"errors": obj{"type": "array", "items": object(obj{"status": str, "title": str, "detail": str,
			"source": object(obj{"parameter": str})})}}),
		"Webhook": object(obj{"id": str, "numeric_id": integer, "name": str, "url": str, "description": str, "event_types": obj{"type": "array", "items": str},
			"isActive": boolean, "encrypted": boolean, "headers": headers, "rate_limit": integer, "ordered": boolean,
			"retry_schedule": obj{"type": "array", "items": num}, "timeout": num, "created_at": str, "updated_at": str,
			"app": object(obj{"id": str, "name": str}),
			"delivery_stats": object(obj{"total_events": integer, "successful_deliveries": integer, "failed_deliveries": integer,
				"pending_deliveries": integer, "last_delivery": nullable("string"), "success_rate": num, "average_response_time": num,
				"last_24h_events": integer, "last_24h_failures": integer}),
			"recent_events": obj{"type": "array", "items": object(obj{"id": str, "event_id": str, "event_type": str, "delivery_status": str,
				"response_code": nullable("integer"), "response_time": nullable("number"), "error_message": nullable("string"),
				"created_at": str, "delivered_at": nullable("string"), "retry_count": integer, "next_attempt_at": nullable("string")})},
			"circuit_state": obj{"type": "string", "enum": []string{"closed", "open", "half_open"}}, "circuit_until": nullable("string"),
			"consecutive_failures": integer, "disabled_reason": nullable("string"), "disabled_at": nullable("string"),
			"health": object(obj{"status": healthStatus, "score": integer}),
		}),
		"WebhookStats": object(obj{"webhook_id": str, "granularity": str, "since": str, "until": str, "totals": ref("StatsPoint"),
			"series": obj{"type": "array", "items": ref("StatsPoint")}}),
		"StatsPoint": object(obj{"timestamp": str, "events": integer, "successful_deliveries": integer, "failed_deliveries": integer,
			"attempts": integer, "failed_attempts": integer, "success_rate": nullable("number"), "average_response_time": nullable("number")}),
		"Diagnostics": object(obj{"webhook_id": str, "webhook_name": str, "url": str, "isActive": boolean, "encrypted": boolean,
			"status": healthStatus, "health_score": integer, "circuit_state": str, "consecutive_failures": integer,
			"checked_at": str, "metrics": obj{"type": "object"},
			"tiers": object(obj{"success_rate": nullable("string"), "response_time": nullable("string"), "activity": str}),
			"failures": object(obj{"sampled_attempts": integer, "failed": integer, "by_cause": obj{"type": "array",
				"items": object(obj{"cause": str, "count": integer, "advice": str})}}),
			"issues": obj{"type": "array", "items": str}, "recommendations": obj{"type": "array", "items": str}}),
		"Message": object(obj{"id": str, "eventType": str, "payload": obj{}, "timestamp": str, "status": str, "attempts": integer,
			"nextAttempt": nullable("string"), "lastAttempt": nullable("string"), "responseStatusCode": nullable("integer"), "deliveryId": str}),
		"Attempt": object(obj{"id": str, "msgId": str, "endpointId": str, "attemptNumber": integer, "status": str,
			"responseStatusCode": integer, "responseDurationMs": num, "errorClass": nullable("string"), "error": nullable("string"),
			"trigger": obj{"type": "string", "enum": []string{"scheduled", "manual"}}, "timestamp": str,
			"response": str, "responseEncoding": obj{"type": "string", "enum": []string{"base64"}}, "responseTruncated": boolean, "responseHeaders": headers, "requestHeaders": headers}),
		"Call": object(obj{"type": str, "id": str, "attributes": object(obj{"id": str, "http_code": integer, "headers": str, "body": str, "body_encoding": str,
			"created_at": obj{"type": "string", "format": "date-time"}}), "relationships": obj{"type": "object"}}),
		"CallList": object(obj{"data": obj{"type": "array", "items": ref("Call")}, "included": obj{"type": "array", "items": obj{"type": "object"}},
			"meta": object(obj{"count": integer}), "links": obj{"type": "object", "additionalProperties": str}}),
		"CallDocument": object(obj{"data": ref("Call"), "included": obj{"type": "array", "items": obj{"type": "object"}}}),
	}
	for name, schema := range coreSchemas() {
		schemas[name] = schema
	}
	return obj{
		"openapi": "3.1.0",
		"info":    obj{"title": "hookd", "version": "1", "description": "Webhook delivery service: every route hookd serves."},
		"paths":   paths,
		"components": obj{
			"schemas": schemas,
			"securitySchemes": obj{
				"clientKey":    obj{"type": "apiKey", "in": "header", "name": "x-client-key"},
				"clientSecret": obj{"type": "apiKey", "in": "header", "name": "x-client-secret"},
				"bearer":       obj{"type": "http", "scheme": "bearer", "description": "client_key.client_secret"},
			},
		},
	}
}

func page(item string) obj {
	return obj{"type": "object", "properties": obj{"data": obj{"type": "array", "items": ref(item)},
		"iterator": obj{"type": []string{"string", "null"}}, "done": obj{"type": "boolean"}}}
}

// openAPIOperations lists "METHOD /path" for every operation of the document, with path
// parameters in ServeMux form ({id}).
func openAPIOperations(doc obj) []string {
	var out []string
	for path, item := range doc["paths"].(obj) {
		for method := range item.(obj) {
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	return out
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, buildOpenAPI())
}
