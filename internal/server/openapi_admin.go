package server

import (
	"net/http"

	"github.com/hookd/hookd/internal/webhook"
)

// openAPIAdmin documents the admin API (admin.go): apps and their keys, for operator keys.
func openAPIAdmin() openAPIPart {
	appID := pathParam("id", "App id (app_…)")
	keyID := pathParam("id", "Key id (key_…)")
	ops := []operation{
		{method: "POST", path: "/api/v0/admin/apps", id: "createApp", summary: "Create an app",
			body: ref("AppInput"), status: http.StatusCreated, result: ref("App"), errors: []int{400, 413}},
		{method: "GET", path: "/api/v0/admin/apps", id: "listApps", summary: "List apps, a page at a time",
			params: []obj{limitParam(50, 250), queryParam("cursor", text(""), "next_cursor of the previous page")},
			status: http.StatusOK, result: ref("AppList"), errors: []int{400}},
		{method: "GET", path: "/api/v0/admin/apps/{id}", id: "getApp", summary: "An app",
			params: []obj{appID}, status: http.StatusOK, result: ref("App"), errors: []int{400, 404}},
		{method: "DELETE", path: "/api/v0/admin/apps/{id}", id: "deleteApp", summary: "Delete an app with its webhooks and keys (never the caller's own)",
			params: []obj{appID}, status: http.StatusNoContent, errors: []int{400, 404, 409}},
		{method: "POST", path: "/api/v0/admin/apps/{id}/keys", id: "createKey",
			summary: "Create a key; the secret and token are shown only here. admin is the operator's scope: a tenant app's key asking for it " +
				"is a 400; \"operator\": true makes an operator key, in the caller's own app only",
			params: []obj{appID}, body: ref("KeyInput"), status: http.StatusCreated, result: ref("KeyCreated"), errors: []int{400, 404, 413}},
		{method: "GET", path: "/api/v0/admin/apps/{id}/keys", id: "listKeys", summary: "List an app's keys (never their secrets)",
			params: []obj{appID}, status: http.StatusOK, result: ref("KeyList"), errors: []int{400, 404}},
		{method: "GET", path: "/api/v0/admin/keys/{id}", id: "getKey", summary: "A key",
			params: []obj{keyID}, status: http.StatusOK, result: ref("Key"), errors: []int{400, 404}},
		{method: "PATCH", path: "/api/v0/admin/keys/{id}", id: "updateKey", summary: "Activate or deactivate a key (never the caller's own)",
			params: []obj{keyID}, body: ref("KeyUpdate"), status: http.StatusOK, result: ref("Key"), errors: []int{400, 404, 409, 413}},
		{method: "DELETE", path: "/api/v0/admin/keys/{id}", id: "deleteKey", summary: "Delete a key (never the caller's own)",
			params: []obj{keyID}, status: http.StatusNoContent, errors: []int{400, 404, 409}},
	}
	for i := range ops {
		ops[i].tag, ops[i].scope = "admin", webhook.ScopeAdmin
	}
	key := obj{
		"id":           text("key_…"),
		"app_id":       text("app_…"),
		"name":         text(""),
		"client_key":   text("The x-client-key header's value"),
		"scopes":       arrayOf(scope()),
		"environment":  environment(),
		"is_active":    boolean(""),
		"operator":     boolean("An operator key: the only kind that may hold admin"),
		"created_at":   timestamp(""),
		"last_used_at": nullable(timestamp("")),
	}
	return openAPIPart{operations: ops, schemas: obj{
		"App":      object(obj{"id": text("app_…"), "name": text(""), "created_at": timestamp("")}),
		"AppInput": object(obj{"name": text("Required, no control characters")}),
		"AppList":  object(obj{"data": arrayOf(ref("App")), "has_more": boolean(""), "next_cursor": text("")}, "next_cursor"),
		"Key":      object(key),
		"KeyCreated": object(extend(key, obj{
			"client_secret": text("The x-client-secret header's value: shown only here"),
			"token":         text("The Bearer token, equivalent to the key and secret: shown only here"),
		})),
		"KeyInput": object(obj{
			"name":        text("Default api"),
			"scopes":      obj{"type": "array", "items": scope(), "minItems": 1, "description": "One scope per entry"},
			"environment": environment(),
			"operator":    boolean("An operator key, which may hold admin; only in the caller's own app"),
		}, "name", "environment", "operator"),
		"KeyUpdate": object(obj{"is_active": boolean("")}),
		"KeyList":   object(obj{"data": arrayOf(ref("Key"))}),
	}}
}

func scope() obj { return enum("", webhook.AllScopes...) }

func environment() obj {
	return enum("Production keys get the higher hourly quota (default production)", webhook.EnvProduction, webhook.EnvDevelopment)
}
