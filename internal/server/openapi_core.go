package server

import "github.com/hookd/hookd/internal/webhook"

// coreOperations documents the routes outside the monitoring surfaces: operations, webhooks
// and events, the signing secret, delivery control and the admin API.
func coreOperations() obj {
	const appJSON = "application/json"
	object := obj{"type": "object"}
	v0 := func(status, summary, scope string, params []obj, body obj, schema obj) obj {
		o := op(summary, scope, params, jsonBody("OK", appJSON, schema), "V0Error", appJSON)
		if status != "200" {
			responses := o["responses"].(obj)
			responses[status] = responses["200"]
			delete(responses, "200")
		}
		if body != nil {
			o["requestBody"] = jsonBody("Request", appJSON, body)
		}
		return o
	}
	open := func(summary, contentType string) obj {
		return obj{"summary": summary, "responses": obj{"200": jsonBody("OK", contentType, object)}}
	}
	hookID := param("id", "path", "string", "Webhook id (wh_…)")
	appID := param("id", "path", "string", "App id (app_…)")
	keyID := param("id", "path", "string", "Key id (key_…)")
	list := []obj{param("limit", "query", "integer", "Page size"), param("cursor", "query", "string", "next_cursor of the previous page")}
	const w, r, sec, ew, er, admin = "webhook:write", "webhook:read", "webhook:secret", "event:write", "event:read", "admin"
	return obj{
		"/healthz": obj{"get": open("Liveness", appJSON)},
		"/readyz":  obj{"get": open("Readiness: the store answers", appJSON)},
		"/metrics": obj{"get": open("Prometheus metrics", "text/plain")},
		"/api/v0/webhooks": obj{
			"post": v0("201", "Create a webhook; the response is the only one with signing_secret (and encryption_key)", w, nil, ref("WebhookInput"), ref("Webhook")),
			"get":  v0("200", "List the app's webhooks", r, list, object, object),
		},
		"/api/v0/webhooks/{id}": obj{
			"patch":  v0("200", "Update a webhook (only the fields given)", w, []obj{hookID}, ref("WebhookInput"), ref("Webhook")),
			"delete": v0("204", "Delete a webhook; its unsent deliveries never go out", w, []obj{hookID}, nil, object),
		},
		"/api/v0/webhooks/{id}/secret": obj{"get": v0("200", "The signing secret (and encryption key) and the custom headers with their values: "+
			"the only route that shows header values, which everywhere else read "+maskShown, sec, []obj{hookID}, nil, ref("Secret"))},
		"/api/v0/webhooks/{id}/secret/rotate": obj{"post": v0("200", "Rotate the signing secret; the old one signs beside it for grace_period seconds", sec, []obj{hookID}, object, ref("Secret"))},
		"/api/v0/webhooks/{id}/test":          obj{"post": v0("202", "Send a signed webhook.test event to this webhook only", w, []obj{hookID}, object, ref("EventAccepted"))},
		"/api/v0/webhooks/{id}/events/{message_id}/retry": obj{"post": v0("202", "Attempt one delivery again now (trigger manual)", w,
			[]obj{hookID, param("message_id", "path", "string", "Event id (msg_…)")}, nil, object)},
		"/api/v0/webhooks/{id}/recover": obj{"post": v0("202", "Requeue the failed deliveries created in [since, until) as a background job", w, []obj{hookID},
			object, ref("RecoverJob"))},
		"/api/v0/webhooks/{id}/recover/{job_id}": obj{"get": v0("200", "Progress and result of a recover job", r,
			[]obj{hookID, param("job_id", "path", "string", "Job id (job_…)")}, nil, ref("RecoverJob"))},
		"/api/v0/events": obj{
			"post": v0("202", "Send an event; 202 once it and its deliveries are committed", ew,
				[]obj{param("Idempotency-Key", "header", "string", "Same key within 24 h returns the first event")}, ref("EventInput"), ref("EventAccepted")),
			"get": v0("200", "The event log, newest first, without payloads", er, append(list, param("id", "query", "string", "Event id"),
				param("event_type", "query", "string", "Event types, comma-separated"), param("since", "query", "string", "Created after (RFC 3339)"),
				param("until", "query", "string", "Created before (RFC 3339)"), param("status", "query", "string", "With a delivery in this status"),
				param("webhook_id", "query", "string", "With a delivery to this webhook")), nil, object),
		},
		"/api/v0/me":              obj{"get": v0("200", "What the credential is: app, scopes, environment, portal session, rate limit", "", nil, nil, object)},
		"/api/v0/portal/sessions": obj{"post": v0("201", "Create a portal session: a Bearer token and a dashboard link for the app", w, nil, object, object)},
		"/api/v0/portal/sessions/{id}": obj{"delete": v0("204", "Revoke a portal session", w,
			[]obj{param("id", "path", "string", "Portal session id (ps_…)")}, nil, object)},
		"/api/v0/events/batch": obj{"post": v0("202", "Send up to 500 events in one request", ew, nil, object, object)},
		"/api/v0/events/{id}": obj{"get": v0("200", "An event with its payload and each delivery's status", er,
			[]obj{param("id", "path", "string", "Event id (msg_…)")}, nil, object)},
		"/api/v0/admin/apps": obj{
			"post": v0("201", "Create an app", admin, nil, object, object),
			"get":  v0("200", "List apps", admin, list, nil, object),
		},
		"/api/v0/admin/apps/{id}": obj{
			"get":    v0("200", "An app", admin, []obj{appID}, nil, object),
			"delete": v0("204", "Delete an app with its webhooks and keys", admin, []obj{appID}, nil, object),
		},
		"/api/v0/admin/apps/{id}/keys": obj{
			"post": v0("201", "Create a key; the secret and token are shown only here. admin is the operator's scope: a tenant app's key asking for it "+
				"is a 400; \"operator\": true makes an operator key, in the caller's own app only", admin, []obj{appID}, ref("KeyInput"), ref("Key")),
			"get": v0("200", "List an app's keys (never their secrets)", admin, []obj{appID}, nil, object),
		},
		"/api/v0/admin/keys/{id}": obj{
			"get":    v0("200", "A key", admin, []obj{keyID}, nil, ref("Key")),
			"patch":  v0("200", "Activate or deactivate a key: {\"is_active\": false}", admin, []obj{keyID}, object, ref("Key")),
			"delete": v0("204", "Delete a key", admin, []obj{keyID}, nil, object),
		},
	}
}

// maskShown is what a custom header's value reads as outside GET …/secret.
const maskShown = `"` + webhook.HeaderMask + `"`

// coreSchemas are the request and response shapes of coreOperations.
func coreSchemas() obj {
	str, num, integer, boolean := obj{"type": "string"}, obj{"type": "number"}, obj{"type": "integer"}, obj{"type": "boolean"}
	strs := obj{"type": "array", "items": str}
	return obj{
		"WebhookInput": obj{"type": "object", "properties": obj{
			"name":        obj{"type": "string", "description": "No control characters, valid UTF-8"},
			"url":         obj{"type": "string", "description": "Absolute http(s) URL; characters a URL cannot hold as they are (a space, quotes, non-ASCII) must be percent-encoded"},
			"description": obj{"type": "string", "description": "Valid UTF-8; no control characters but tabs and line breaks"},
			"event_types": strs, "isActive": boolean, "encrypted": boolean,
			"headers": obj{"type": "object", "additionalProperties": str, "description": "Custom request headers. Names and values as HTTP allows " +
				"(no control characters such as NUL or DEL); no hop-by-hop header (Connection, Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, " +
				"Upgrade) and none hookd sets (Content-Type, Content-Length, Content-Encoding, Host, User-Agent, Webhook-*). Values are secrets: sealed at rest, " +
				"shown only by GET /api/v0/webhooks/{id}/secret, read as " + maskShown + " everywhere else; sending " + maskShown + " back for a header " +
				"the webhook has keeps its value"},
			"rate_limit": integer, "ordered": boolean, "retry_schedule": obj{"type": "array", "items": num}, "timeout": num}},
		"Secret": obj{"type": "object", "properties": obj{"signing_secret": str, "previous_secret_expires_at": str, "encryption_key": str,
			"headers": obj{"type": "object", "additionalProperties": str, "description": "Custom headers with their values in clear"}}},
		"KeyInput": obj{"type": "object", "properties": obj{"name": str, "scopes": strs, "environment": obj{"type": "string", "enum": []string{"production", "development"}},
			"operator": obj{"type": "boolean", "description": "An operator key, which may hold admin; only in the caller's own app"}}},
		"Key": obj{"type": "object", "properties": obj{"id": str, "app_id": str, "name": str, "client_key": str, "scopes": strs, "environment": str,
			"is_active": boolean, "operator": boolean, "created_at": str, "last_used_at": str, "client_secret": str, "token": str}},
		"EventInput":    obj{"type": "object", "required": []string{"event_type", "payload"}, "properties": obj{"event_type": str, "payload": obj{}, "idempotency_key": str}},
		"EventAccepted": obj{"type": "object", "properties": obj{"id": str, "event_type": str, "created_at": str, "deliveries": integer, "duplicate": boolean}},
		"RecoverJob":    obj{"type": "object"},
	}
}

// mergePaths adds extra's operations to paths, path by path and method by method.
func mergePaths(paths, extra obj) {
	for path, ops := range extra {
		existing, ok := paths[path].(obj)
		if !ok {
			paths[path] = ops
			continue
		}
		for method, o := range ops.(obj) {
			existing[method] = o
		}
	}
}
