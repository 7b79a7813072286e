package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// openAPI describes hookd's API as an OpenAPI 3.1 document, built here from one list of
// operations per surface (openapi_*.go). openapi_test.go checks it against the routes the
// server registers; the end-to-end tests validate every response against it.

// openAPIParts are the surfaces of the document.
func openAPIParts() []openAPIPart {
	return []openAPIPart{openAPIService(), openAPIWebhooks(), openAPIControl(), openAPIMonitor(), openAPIEvents(),
		openAPIMessages(), openAPICalls(), openAPIAdmin(), openAPIPortal(), openAPISvix()}
}

// openAPIService documents the routes for operators and their tools: liveness, readiness,
// metrics and this document (health.go).
func openAPIService() openAPIPart {
	status := func(values ...string) obj { return enum("", values...) }
	ops := []operation{
		{method: "GET", path: "/healthz", id: "getLiveness", summary: "Liveness: the process answers", status: http.StatusOK, result: ref("Liveness")},
		{method: "GET", path: "/readyz", id: "getReadiness", summary: "Readiness: the store takes writes and has refused none lately",
			status: http.StatusOK, result: ref("Readiness"),
			responses: obj{"503": obj{"description": "Not ready", "headers": obj{"Retry-After": headerRef("RetryAfter")},
				"content": obj{contentJSON: obj{"schema": ref("Unreadiness")}}}}},
		{method: "GET", path: "/metrics", id: "getMetrics", summary: "Prometheus metrics",
			responses: obj{"200": obj{"description": "Metrics in the Prometheus text format (or OpenMetrics, as the Accept header asks)",
				"content": obj{"text/plain": obj{"schema": text("")}, "application/openmetrics-text": obj{"schema": text("")}}}}},
		{method: "GET", path: "/openapi.json", id: "getOpenAPI", summary: "This document", status: http.StatusOK,
			result: object(obj{"openapi": text(""), "info": anyJSON("The title and version"), "paths": anyJSON("Every operation, by path"),
				"tags":       arrayOf(object(obj{"name": text(""), "description": text("")})),
				"components": anyJSON("The schemas, responses, headers and security schemes the operations name")})},
	}
	for i := range ops {
		ops[i].tag = "service"
	}
	return openAPIPart{operations: ops, schemas: obj{
		"Liveness":    object(obj{"status": status("ok")}),
		"Readiness":   object(obj{"status": status("ready")}),
		"Unreadiness": object(obj{"status": status("unavailable"), "reason": text("What is wrong, naming no credential, host or database")}),
	}}
}

// buildOpenAPI assembles the document.
func buildOpenAPI() obj {
	paths, schemas, responses := obj{}, errorSchemas(), obj{}
	for _, part := range openAPIParts() {
		for _, o := range part.operations {
			item, _ := paths[o.path].(obj)
			if item == nil {
				item = obj{}
				paths[o.path] = item
			}
			item[strings.ToLower(o.method)] = o.build(responses)
		}
		for name, s := range part.schemas {
			if _, dup := schemas[name]; dup {
				panic(fmt.Sprintf("openapi: schema %s is defined twice", name))
			}
			schemas[name] = s
		}
	}
	return obj{
		"openapi": "3.1.0",
		"info":    obj{"title": "hookd", "version": "1", "description": "Webhook delivery service: every route hookd serves."},
		"tags": []obj{
			{"name": "webhooks", "description": "Webhooks, their signing secrets and actions on their deliveries (/api/v0)"},
			{"name": "monitoring", "description": "A webhook's statistics over time and its diagnostics (/api/v0)"},
			{"name": "events", "description": "Sending events and the event log (/api/v0)"},
			{"name": "messages", "description": "A webhook's messages and attempts (/v1)"},
			{"name": "calls", "description": "A webhook's call log as JSON:API (/api/v3)"},
			{"name": "admin", "description": "Apps and keys, for operator keys (/api/v0/admin)"},
			{"name": "portal", "description": "Portal sessions for an app's own customers, and who a credential is (/api/v0)"},
			{"name": "svix", "description": "Svix's API, for Svix's SDKs: applications (apps), endpoints (webhooks), messages (events), attempts and the event type catalog (/api/v1)"},
			{"name": "service", "description": "Liveness, readiness, metrics and this document"},
		},
		"paths": paths,
		"components": obj{
			"schemas":   schemas,
			"responses": responses,
			"headers":   openAPIHeaders(),
			"securitySchemes": obj{
				"clientKey":    obj{"type": "apiKey", "in": "header", "name": "x-client-key"},
				"clientSecret": obj{"type": "apiKey", "in": "header", "name": "x-client-secret"},
				"bearer":       obj{"type": "http", "scheme": "bearer", "description": "The key's token (or a portal session's), equivalent to x-client-key and x-client-secret"},
			},
		},
	}
}

// openAPIJSON is the document as served: the same on every request, so built once.
var openAPIJSON = sync.OnceValue(func() []byte {
	b, err := json.Marshal(buildOpenAPI())
	if err != nil {
		panic(fmt.Sprintf("openapi: %v", err))
	}
	return b
})

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
	w.Header().Set("Content-Type", contentJSON)
	_, _ = w.Write(openAPIJSON())
}
