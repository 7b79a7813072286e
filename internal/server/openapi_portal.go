package server

import (
	"net/http"

	"github.com/hookd/hookd/internal/webhook"
)

// openAPIPortal documents the tenant portal's sessions (portal.go) and /api/v0/me (me.go).
func openAPIPortal() openAPIPart {
	ops := []operation{
		{method: "POST", path: "/api/v0/portal/sessions", id: "createPortalSession", scope: webhook.ScopeWebhookWrite,
			summary: "Open a portal session: a Bearer token for one app's webhooks, their monitoring and (unless read_only) their actions; " +
				"never events, admin or new sessions",
			note: "A tenant key opens sessions for its own app; an operator key may name any app_id. A portal session asking is refused (403). " +
				"Portal sessions have their own hourly rate limit and never spend the creating key's.",
			body: ref("PortalSessionInput"), bodyOptional: true, status: http.StatusCreated, result: ref("PortalSession"), errors: []int{400, 404, 413}},
		{method: "DELETE", path: "/api/v0/portal/sessions/{id}", id: "deletePortalSession", scope: webhook.ScopeWebhookWrite,
			summary: "Revoke a portal session",
			note:    "A portal session may revoke itself (signing out), read-only or not; an operator key may revoke any app's. Another app's session answers 404.",
			params:  []obj{pathParam("id", "Portal session id (ps_…)")}, status: http.StatusNoContent, errors: []int{400, 404}},
		{method: "GET", path: "/api/v0/me", id: "getMe", scope: anyCredential,
			summary: "The calling key or portal session: its app, scopes, environment and rate limit",
			status:  http.StatusOK, result: ref("Me")},
	}
	for i := range ops {
		ops[i].tag = "portal"
	}
	session := obj{
		"id":         text("ps_…"),
		"read_only":  boolean(""),
		"expires_at": timestamp(""),
	}
	return openAPIPart{operations: ops, schemas: obj{
		"PortalSessionInput": object(obj{
			"expires_in": between(integer("Seconds, default 3600"), webhook.MinPortalTTL.Seconds(), webhook.MaxPortalTTL.Seconds()),
			"read_only":  boolean("Only webhook:read (default false)"),
			"app_id":     text("app_…: the app the session is for, which only an operator key may choose (default the caller's own app)"),
		}, "expires_in", "read_only", "app_id"),
		"PortalSession": object(extend(session, obj{
			"app_id": text("app_…"),
			"token":  text("A Bearer token for this app alone"),
			"url":    text("The dashboard with the token after # (never in a query string): <public URL>/ui/#token=<token>"),
			"scopes": arrayOf(scope()),
		})),
		"Me": object(obj{
			"key_id":      text("key_… or, for a portal session, ps_…"),
			"name":        text(""),
			"app":         ref("AppRef"),
			"scopes":      arrayOf(scope()),
			"environment": enum("", webhook.EnvProduction, webhook.EnvDevelopment),
			"operator":    boolean(""),
			"portal":      nullable(ref("PortalSessionInfo")),
			"rate_limit": object(obj{
				"limit":     integer("Requests per hour"),
				"remaining": integer(""),
				"reset":     integer("When the window ends, in Unix seconds"),
			}),
		}),
		"PortalSessionInfo": object(session),
	}}
}
