package server

import "github.com/hookd/hookd/internal/webhook"

// monitorRoutes adds the monitoring surfaces: webhook stats and diagnostics (/api/v0), messages
// and attempts (/v1, seed 000), the call log (/api/v3, seed 003) and the OpenAPI document.
func (s *Server) monitorRoutes(mux router) {
	read := webhook.ScopeWebhookRead
	mux.Handle("GET /api/v0/webhooks/{id}/stats", s.requireScope(v0, read, s.handleWebhookStats))
	mux.Handle("GET /api/v0/webhooks/{id}/diagnostics", s.requireScope(v0, read, s.handleWebhookDiagnostics))

	mux.Handle("GET /v1/webhooks/{webhookId}/messages", s.requireScope(v1, read, s.handleMessageList))
	mux.Handle("GET /v1/webhooks/{webhookId}/messages/{messageId}", s.requireScope(v1, read, s.handleMessageGet))
	mux.Handle("GET /v1/webhooks/{webhookId}/messages/{messageId}/attempts", s.requireScope(v1, read, s.handleAttemptList))
	mux.Handle("GET /v1/webhooks/{webhookId}/messages/{messageId}/attempts/{attemptId}", s.requireScope(v1, read, s.handleAttemptGet))

	mux.Handle("GET /api/v3/notification/webhook/{webhook_id}/calls", s.requireScope(v3, read, s.handleCallList))
	mux.Handle("GET /api/v3/notification/webhook/{webhook_id}/calls/{resource_id}", s.requireScope(v3, read, s.handleCallGet))
	// The call log is read-only: every write answers 405 in the JSON:API shape.
	for _, p := range []string{"/api/v3/notification/webhook/{webhook_id}/calls", "/api/v3/notification/webhook/{webhook_id}/calls/{resource_id}"} {
		for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			mux.HandleFunc(m+" "+p, s.handleCallWrite)
		}
	}

	mux.HandleFunc("GET /openapi.json", s.handleOpenAPI)
}
