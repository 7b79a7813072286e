package server

import (
	"net/http"

	"github.com/hookd/hookd/internal/dashboard"
	"github.com/hookd/hookd/internal/webhook"
)

// router is the part of http.ServeMux the routes use; tests list the routes through it.
type router interface {
	Handle(pattern string, h http.Handler)
	HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request))
}

// routes lists the whole API.
func (s *Server) routes(mux router) {
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.Handle("GET /metrics", s.metrics.Handler())

	mux.Handle("POST /api/v0/webhooks", s.requireScope(v0, webhook.ScopeWebhookWrite, s.handleWebhookCreate))
	mux.Handle("GET /api/v0/webhooks", s.requireScope(v0, webhook.ScopeWebhookRead, s.handleWebhookList))
	mux.Handle("GET /api/v0/webhooks/{id}", s.requireScope(v0, webhook.ScopeWebhookRead, s.handleWebhookGet))
	mux.Handle("PATCH /api/v0/webhooks/{id}", s.requireScope(v0, webhook.ScopeWebhookWrite, s.handleWebhookUpdate))
	mux.Handle("DELETE /api/v0/webhooks/{id}", s.requireScope(v0, webhook.ScopeWebhookWrite, s.handleWebhookDelete))

	mux.Handle("POST /api/v0/events", s.requireScope(v0, webhook.ScopeEventWrite, s.handleEventCreate))
	mux.Handle("POST /api/v0/events/batch", s.requireScope(v0, webhook.ScopeEventWrite, s.handleEventBatch))
	mux.Handle("GET /api/v0/events", s.requireScope(v0, webhook.ScopeEventRead, s.handleEventList))
	mux.Handle("GET /api/v0/events/{id}", s.requireScope(v0, webhook.ScopeEventRead, s.handleEventGet))

	mux.Handle("GET /api/v0/me", s.requireScope(v0, anyScope, s.handleMe))
	mux.Handle("POST /api/v0/portal/sessions", s.requireScope(v0, webhook.ScopeWebhookWrite, s.handlePortalSessionCreate))
	mux.Handle("DELETE /api/v0/portal/sessions/{id}", s.requireScope(v0, anyScope, s.handlePortalSessionDelete))

	s.monitorRoutes(mux)
	s.securityRoutes(mux)
	s.controlRoutes(mux)
	s.svixRoutes(mux)

	// The dashboard: static files that call the routes above with the user's key.
	mux.Handle("GET /ui", dashboard.Handler(s.opts.FrameAncestors...))
	mux.Handle("GET /ui/", dashboard.Handler(s.opts.FrameAncestors...))
}
