package server

import "github.com/hookd/hookd/internal/webhook"

// securityRoutes adds the admin API (apps and keys) and the signing secret routes.
func (s *Server) securityRoutes(mux router) {
	admin := webhook.ScopeAdmin
	mux.Handle("POST /api/v0/admin/apps", s.requireScope(v0, admin, s.handleAppCreate))
	mux.Handle("GET /api/v0/admin/apps", s.requireScope(v0, admin, s.handleAppList))
	mux.Handle("GET /api/v0/admin/apps/{id}", s.requireScope(v0, admin, s.handleAppGet))
	mux.Handle("DELETE /api/v0/admin/apps/{id}", s.requireScope(v0, admin, s.handleAppDelete))
	mux.Handle("POST /api/v0/admin/apps/{id}/keys", s.requireScope(v0, admin, s.handleKeyCreate))
	mux.Handle("GET /api/v0/admin/apps/{id}/keys", s.requireScope(v0, admin, s.handleKeyList))
	mux.Handle("GET /api/v0/admin/keys/{id}", s.requireScope(v0, admin, s.handleKeyGet))
	mux.Handle("PATCH /api/v0/admin/keys/{id}", s.requireScope(v0, admin, s.handleKeyUpdate))
	mux.Handle("DELETE /api/v0/admin/keys/{id}", s.requireScope(v0, admin, s.handleKeyDelete))

	secret := webhook.ScopeWebhookSecret
	mux.Handle("GET /api/v0/webhooks/{id}/secret", s.requireScope(v0, secret, s.handleSecretGet))
	mux.Handle("POST /api/v0/webhooks/{id}/secret/rotate", s.requireScope(v0, secret, s.handleSecretRotate))
}
