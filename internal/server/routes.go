package server

import (
	"net/http"

	"github.com/hookd/hookd/internal/webhook"
)

// routes lists the whole API.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.Handle("GET /metrics", s.metrics.Handler())

	mux.Handle("POST /api/v0/webhooks", s.requireScope(webhook.ScopeWebhookWrite, s.handleWebhookCreate))
	mux.Handle("GET /api/v0/webhooks", s.requireScope(webhook.ScopeWebhookRead, s.handleWebhookList))
	mux.Handle("GET /api/v0/webhooks/{id}", s.requireScope(webhook.ScopeWebhookRead, s.handleWebhookGet))
	mux.Handle("PATCH /api/v0/webhooks/{id}", s.requireScope(webhook.ScopeWebhookWrite, s.handleWebhookUpdate))
	mux.Handle("DELETE /api/v0/webhooks/{id}", s.requireScope(webhook.ScopeWebhookWrite, s.handleWebhookDelete))

	mux.Handle("POST /api/v0/events", s.requireScope(webhook.ScopeEventWrite, s.handleEventCreate))
	mux.Handle("POST /api/v0/events/batch", s.requireScope(webhook.ScopeEventWrite, s.handleEventBatch))
	mux.Handle("GET /api/v0/events/{id}", s.requireScope(webhook.ScopeEventRead, s.handleEventGet))
}
