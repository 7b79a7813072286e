package server

import "github.com/hookd/hookd/internal/webhook"

// controlRoutes adds the control routes: operator actions on a webhook's deliveries (control.go).
func (s *Server) controlRoutes(mux router) {
	mux.Handle("POST /api/v0/webhooks/{id}/events/{message_id}/retry", s.requireScope(v0, webhook.ScopeWebhookWrite, s.handleRetry))
	mux.Handle("POST /api/v0/webhooks/{id}/test", s.requireScope(v0, webhook.ScopeWebhookWrite, s.handleTest))
	mux.Handle("POST /api/v0/webhooks/{id}/recover", s.requireScope(v0, webhook.ScopeWebhookWrite, s.handleRecover))
	mux.Handle("GET /api/v0/webhooks/{id}/recover/{job_id}", s.requireScope(v0, webhook.ScopeWebhookRead, s.handleRecoverGet))
}
