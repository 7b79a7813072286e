package server

import (
	"context"
	"strings"
	"testing"

	"github.com/hookd/hookd/internal/webhook"
)

// TestKeyCreateAdminIsOperators: the admin API gives admin only to operator keys, and makes
// operator keys only in the operator's own app; every refusal is a 400 in seed 001's shape
// that says why.
func TestKeyCreateAdminIsOperators(t *testing.T) {
	f := newAccessFixture(t, Options{})
	op := f.key(f.appA, []string{webhook.ScopeAdmin}, true)
	tenantKeys := "/api/v0/admin/apps/" + f.ids["appB"] + "/keys"
	ownKeys := "/api/v0/admin/apps/" + f.appA + "/keys"
	refusals := []struct {
		name, path, body, says string
	}{
		{"a tenant key asking for admin", tenantKeys, `{"scopes":["admin"]}`, "admin is the operator's scope"},
		{"a tenant key asking for admin among others", tenantKeys, `{"scopes":["webhook:read","admin"]}`, "only an operator key may hold it"},
		{"a key of the operator's own app without operator", ownKeys, `{"scopes":["admin"]}`, `send "operator": true`},
		{"an operator key in a tenant's app", tenantKeys, `{"scopes":["admin"],"operator":true}`, "made only in the operator's own app"},
	}
	for _, tc := range refusals {
		got := f.do("POST", tc.path, tc.body, op, "headers")
		body := got.json(t)
		msg, _ := body["message"].(string)
		if got.status != 400 || body["statusCode"] != float64(400) || body["error"] != "Bad Request" || !strings.Contains(msg, tc.says) {
			t.Errorf("%s: %d %s, want 400 in seed 001's shape saying %q", tc.name, got.status, got.body, tc.says)
		}
	}
	if keys, _ := f.st.ListKeys(t.Context(), f.ids["appB"]); len(keys) != 0 {
		t.Errorf("the refusals made %d keys in the tenant's app", len(keys))
	}

	// A tenant key without admin, and an operator key in the operator's own app.
	tenant := f.do("POST", tenantKeys, `{"scopes":["webhook:read"]}`, op, "headers")
	if tenant.status != 201 || tenant.json(t)["operator"] != false {
		t.Fatalf("tenant key: %d %s, want 201 with operator false", tenant.status, tenant.body)
	}
	tk := accessCred{tenant.json(t)["client_key"].(string), tenant.json(t)["client_secret"].(string)}
	if got := f.do("GET", "/api/v0/admin/apps", "", tk, "headers"); got.status != 403 {
		t.Errorf("tenant key on the admin API: %d, want 403", got.status)
	}
	made := f.do("POST", ownKeys, `{"scopes":["admin"],"operator":true}`, op, "headers")
	if made.status != 201 || made.json(t)["operator"] != true {
		t.Fatalf("operator key: %d %s, want 201 with operator true", made.status, made.body)
	}
	ok := accessCred{made.json(t)["client_key"].(string), made.json(t)["client_secret"].(string)}
	if got := f.do("GET", "/api/v0/admin/apps", "", ok, "headers"); got.status != 200 {
		t.Errorf("new operator key on the admin API: %d %s, want 200", got.status, got.body)
	}
	if got := f.do("GET", "/api/v0/admin/keys/"+made.json(t)["id"].(string), "", op, "headers"); got.json(t)["operator"] != true {
		t.Errorf("GET key = %s, want operator true", got.body)
	}
}

// TestAdminNamesAreText: app and key names refuse what no store keeps faithfully.
func TestAdminNamesAreText(t *testing.T) {
	f := newAccessFixture(t, Options{})
	op := f.key(f.appA, []string{webhook.ScopeAdmin}, true)
	for _, tc := range []struct{ path, body string }{
		{"/api/v0/admin/apps", `{"name":"a\u0000b"}`},
		{"/api/v0/admin/apps/" + f.appA + "/keys", `{"name":"ci\u0000","scopes":["webhook:read"]}`},
	} {
		got := f.do("POST", tc.path, tc.body, op, "headers")
		if msg, _ := got.json(t)["message"].(string); got.status != 400 || !strings.HasPrefix(msg, "name must not contain control characters") {
			t.Errorf("POST %s %s: %d %s, want 400 naming name", tc.path, tc.body, got.status, got.body)
		}
	}
}

// TestOnlyTheOperatorMakesAppsThroughSvix: a call naming an application that does not exist,
// with "application" in its body, makes it for the operator's key only; a tenant key (and its
// portal token) gets the 404 of a missing application, and no app is made.
func TestOnlyTheOperatorMakesAppsThroughSvix(t *testing.T) {
	f := newAccessFixture(t, Options{})
	tenant := f.key(f.appA, webhook.AllScopes[:len(webhook.AllScopes)-1], true) // every scope but admin
	operator := f.key(f.ids["spareApp"], []string{webhook.ScopeAdmin}, true)
	calls := []struct{ path, body string }{
		{"/api/v1/auth/app-portal-access/new-customer", `{"application":{"name":"New"}}`},
		{"/api/v1/app/new-customer/msg", `{"eventType":"invoice.paid","payload":{},"application":{"name":"New"}}`},
	}
	for _, c := range calls {
		if got := f.do("POST", c.path, c.body, tenant, "bearer"); got.status != 404 {
			t.Errorf("tenant key: POST %s = %d %s, want 404", c.path, got.status, got.body)
		}
	}
	// The operator's message that is not valid makes no app either.
	if got := f.do("POST", "/api/v1/app/new-customer/msg", `{"eventType":"invoice.paid","payload":5,"application":{"name":"New"}}`, operator, "bearer"); got.status != 422 {
		t.Errorf("operator key, invalid message: %d %s, want 422", got.status, got.body)
	}
	if _, err := f.st.AppByUID(context.Background(), "new-customer"); webhook.ErrorCode(err) != webhook.ENotFound {
		t.Fatalf("an app was made for a tenant key or an invalid message: %v", err)
	}
	for i, want := range []int{200, 202} { // the first call makes it, the second finds it
		if got := f.do("POST", calls[i].path, calls[i].body, operator, "bearer"); got.status != want {
			t.Errorf("operator key: POST %s = %d %s, want %d", calls[i].path, got.status, got.body, want)
		}
	}
	if app, err := f.st.AppByUID(context.Background(), "new-customer"); err != nil || app.Name != "New" {
		t.Errorf("the operator's app = %+v, %v", app, err)
	}
}
