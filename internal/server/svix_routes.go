package server

import "github.com/hookd/hookd/internal/webhook"

// svixRoutes lists Svix's API (svix.go): the paths of Svix's open-source server.
func (s *Server) svixRoutes(mux router) {
	const r, w, sec, ew, admin = webhook.ScopeWebhookRead, webhook.ScopeWebhookWrite, webhook.ScopeWebhookSecret, webhook.ScopeEventWrite, webhook.ScopeAdmin
	mux.HandleFunc("GET /api/v1/health", s.handleSvixHealth)
	mux.HandleFunc("HEAD /api/v1/health", s.handleSvixHealth)
	mux.HandleFunc("GET /api/v1/health/ping", s.handleSvixHealth)
	mux.HandleFunc("HEAD /api/v1/health/ping", s.handleSvixHealth)

	mux.Handle("POST /api/v1/auth/app-portal-access/{app_ref}", s.svixRoute(w, s.handleSvixPortalAccess))
	mux.Handle("POST /api/v1/auth/dashboard-access/{app_ref}", s.svixRoute(w, s.handleSvixPortalAccess))
	mux.Handle("POST /api/v1/auth/logout", s.svixRoute(anyScope, s.handleSvixLogout))

	mux.Handle("GET /api/v1/event-type", s.svixRoute(anyScope, s.handleSvixEventTypeList))
	mux.Handle("POST /api/v1/event-type", s.svixRoute(admin, s.handleSvixEventTypeCreate))
	mux.Handle("GET /api/v1/event-type/{event_type_name}", s.svixRoute(anyScope, s.handleSvixEventTypeGet))
	mux.Handle("PUT /api/v1/event-type/{event_type_name}", s.svixRoute(admin, s.handleSvixEventTypeUpdate))
	mux.Handle("PATCH /api/v1/event-type/{event_type_name}", s.svixRoute(admin, s.handleSvixEventTypeUpdate))
	mux.Handle("DELETE /api/v1/event-type/{event_type_name}", s.svixRoute(admin, s.handleSvixEventTypeDelete))

	mux.Handle("GET /api/v1/app", s.svixRoute(admin, s.handleSvixAppList))
	mux.Handle("POST /api/v1/app", s.svixRoute(admin, s.handleSvixAppCreate))
	mux.Handle("GET /api/v1/app/{app_id}", s.svixRoute(r, s.handleSvixAppGet))
	mux.Handle("PUT /api/v1/app/{app_id}", s.svixRoute(admin, s.handleSvixAppUpdate))
	mux.Handle("PATCH /api/v1/app/{app_id}", s.svixRoute(admin, s.handleSvixAppPatch))
	mux.Handle("DELETE /api/v1/app/{app_id}", s.svixRoute(admin, s.handleSvixAppDelete))

	mux.Handle("GET /api/v1/app/{app_id}/endpoint", s.svixRoute(r, s.handleSvixEndpointList))
	mux.Handle("POST /api/v1/app/{app_id}/endpoint", s.svixRoute(w, s.handleSvixEndpointCreate))
	mux.Handle("GET /api/v1/app/{app_id}/endpoint/{endpoint_id}", s.svixRoute(r, s.handleSvixEndpointGet))
	mux.Handle("PUT /api/v1/app/{app_id}/endpoint/{endpoint_id}", s.svixRoute(w, s.handleSvixEndpointUpdate))
	mux.Handle("PATCH /api/v1/app/{app_id}/endpoint/{endpoint_id}", s.svixRoute(w, s.handleSvixEndpointPatch))
	mux.Handle("DELETE /api/v1/app/{app_id}/endpoint/{endpoint_id}", s.svixRoute(w, s.handleSvixEndpointDelete))
	mux.Handle("GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/stats", s.svixRoute(r, s.handleSvixEndpointStats))
	mux.Handle("GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", s.svixRoute(r, s.handleSvixHeadersGet))
	mux.Handle("PUT /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", s.svixRoute(w, s.handleSvixHeadersUpdate))
	mux.Handle("PATCH /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", s.svixRoute(w, s.handleSvixHeadersUpdate))
	mux.Handle("GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret", s.svixRoute(sec, s.handleSvixSecretGet))
	mux.Handle("POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate", s.svixRoute(sec, s.handleSvixSecretRotate))
	mux.Handle("POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/recover", s.svixRoute(w, s.handleSvixRecover))
	mux.Handle("POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/send-example", s.svixRoute(w, s.handleSvixSendExample))
	mux.Handle("GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/msg", s.svixRoute(r, s.handleSvixEndpointMessages))

	mux.Handle("GET /api/v1/app/{app_id}/msg", s.svixRoute(r, s.handleSvixMessageList))
	mux.Handle("POST /api/v1/app/{app_id}/msg", s.svixRoute(ew, s.handleSvixMessageCreate))
	mux.Handle("GET /api/v1/app/{app_id}/msg/{msg_id}", s.svixRoute(r, s.handleSvixMessageGet))
	mux.Handle("DELETE /api/v1/app/{app_id}/msg/{msg_id}/content", s.svixRoute(w, s.handleSvixMessageContentDelete))
	mux.Handle("GET /api/v1/app/{app_id}/msg/{msg_id}/endpoint", s.svixRoute(r, s.handleSvixAttemptedEndpoints))
	mux.Handle("GET /api/v1/app/{app_id}/msg/{msg_id}/attempt", s.svixRoute(r, s.handleSvixAttemptsByMessage))
	mux.Handle("GET /api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/attempt", s.svixRoute(r, s.handleSvixAttemptsByMessage))
	mux.Handle("GET /api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}", s.svixRoute(r, s.handleSvixAttemptGet))
	mux.Handle("DELETE /api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}/content", s.svixRoute(w, s.handleSvixAttemptContentDelete))
	mux.Handle("POST /api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend", s.svixRoute(w, s.handleSvixResend))
	mux.Handle("GET /api/v1/app/{app_id}/attempt/msg/{msg_id}", s.svixRoute(r, s.handleSvixAttemptsByMessage))
	mux.Handle("GET /api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}", s.svixRoute(r, s.handleSvixAttemptsByEndpoint))
}
