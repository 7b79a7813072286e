package server

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/ingest"
	"github.com/hookd/hookd/internal/metrics"
	"github.com/hookd/hookd/internal/signature"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/sqlite"
	"github.com/hookd/hookd/internal/webhook"
)

// accessRoute is one registered route as TestEveryRouteChecksCredentials exercises it.
type accessRoute struct {
	pattern string // exactly as registered
	handler string // the handler method's name, as the routeRegistration names it
	scope   string // the scope it needs; "" for a public route
	family  family
	path    string // request path; {wh} {msg} {atmpt} {job} {app} {spareApp} {spareKey} {ps} are filled from the fixture
	body    string // request body, for writes
	ok      int    // status with the right key
	other   int    // status with another app's key that holds the scope (404: the object is invisible)
}

// credentialOnly marks a route any valid credential may call, whatever its scopes.
const credentialOnly = "credential"

// accessRoutes lists every route. Add a row when you register a route; the test fails until you do.
var accessRoutes = []accessRoute{
	{"GET /healthz", "handleHealthz", "", v0, "/healthz", "", 200, 200},
	{"GET /readyz", "handleReadyz", "", v0, "/readyz", "", 200, 200},
	{"GET /metrics", "Handler", "", v0, "/metrics", "", 200, 200},
	{"GET /openapi.json", "handleOpenAPI", "", v0, "/openapi.json", "", 200, 200},
	// The dashboard is static and public: it holds no data, its pages call the API with a key.
	{"GET /ui", "Handler", "", v0, "/ui", "", 301, 301},
	{"GET /ui/", "Handler", "", v0, "/ui/", "", 200, 200},

	{"POST /api/v0/webhooks", "handleWebhookCreate", webhook.ScopeWebhookWrite, v0, "/api/v0/webhooks", `{"name":"n","url":"https://example.com/h"}`, 201, 201},
	{"GET /api/v0/webhooks", "handleWebhookList", webhook.ScopeWebhookRead, v0, "/api/v0/webhooks", "", 200, 200},
	{"GET /api/v0/webhooks/{id}", "handleWebhookGet", webhook.ScopeWebhookRead, v0, "/api/v0/webhooks/{wh}", "", 200, 404},
	{"PATCH /api/v0/webhooks/{id}", "handleWebhookUpdate", webhook.ScopeWebhookWrite, v0, "/api/v0/webhooks/{wh}", `{"name":"renamed"}`, 200, 404},
	{"DELETE /api/v0/webhooks/{id}", "handleWebhookDelete", webhook.ScopeWebhookWrite, v0, "/api/v0/webhooks/{wh}", "", 204, 404},
	{"GET /api/v0/webhooks/{id}/stats", "handleWebhookStats", webhook.ScopeWebhookRead, v0, "/api/v0/webhooks/{wh}/stats", "", 200, 404},
	{"GET /api/v0/webhooks/{id}/diagnostics", "handleWebhookDiagnostics", webhook.ScopeWebhookRead, v0, "/api/v0/webhooks/{wh}/diagnostics", "", 200, 404},
	{"GET /api/v0/webhooks/{id}/secret", "handleSecretGet", webhook.ScopeWebhookSecret, v0, "/api/v0/webhooks/{wh}/secret", "", 200, 404},
	{"POST /api/v0/webhooks/{id}/secret/rotate", "handleSecretRotate", webhook.ScopeWebhookSecret, v0, "/api/v0/webhooks/{wh}/secret/rotate", `{"grace_period":60}`, 200, 404},

	{"POST /api/v0/webhooks/{id}/events/{message_id}/retry", "handleRetry", webhook.ScopeWebhookWrite, v0, "/api/v0/webhooks/{wh}/events/{msg}/retry", "", 202, 404},
	{"POST /api/v0/webhooks/{id}/test", "handleTest", webhook.ScopeWebhookWrite, v0, "/api/v0/webhooks/{wh}/test", "", 202, 404},
	{"POST /api/v0/webhooks/{id}/recover", "handleRecover", webhook.ScopeWebhookWrite, v0, "/api/v0/webhooks/{wh}/recover", `{"since":"2020-01-01T00:00:00Z"}`, 202, 404},
	{"GET /api/v0/webhooks/{id}/recover/{job_id}", "handleRecoverGet", webhook.ScopeWebhookRead, v0, "/api/v0/webhooks/{wh}/recover/{job}", "", 200, 404},

	{"POST /api/v0/events", "handleEventCreate", webhook.ScopeEventWrite, v0, "/api/v0/events", `{"event_type":"invoice.paid","payload":{"n":1}}`, 202, 202},
	{"POST /api/v0/events/batch", "handleEventBatch", webhook.ScopeEventWrite, v0, "/api/v0/events/batch", `{"events":[{"event_type":"invoice.paid","payload":{"n":1}}]}`, 202, 202},
	{"GET /api/v0/events", "handleEventList", webhook.ScopeEventRead, v0, "/api/v0/events", "", 200, 200},
	{"GET /api/v0/events/{id}", "handleEventGet", webhook.ScopeEventRead, v0, "/api/v0/events/{msg}", "", 200, 404},

	// Any valid credential may ask who it is.
	{"GET /api/v0/me", "handleMe", credentialOnly, v0, "/api/v0/me", "", 200, 200},
	{"POST /api/v0/portal/sessions", "handlePortalSessionCreate", webhook.ScopeWebhookWrite, v0, "/api/v0/portal/sessions", `{"expires_in":600}`, 201, 201},
	// A session may revoke itself (TestPortalSessions); a key needs webhook:write.
	{"DELETE /api/v0/portal/sessions/{id}", "handlePortalSessionDelete", webhook.ScopeWebhookWrite, v0, "/api/v0/portal/sessions/{ps}", "", 204, 404},

	// admin is the operator's scope and reaches every app, so another app's operator key succeeds too.
	// (A tenant app's key cannot hold admin: see "tenant key holding admin" in TestEveryRouteChecksCredentials.)
	{"POST /api/v0/admin/apps", "handleAppCreate", webhook.ScopeAdmin, v0, "/api/v0/admin/apps", `{"name":"tenant"}`, 201, 201},
	{"GET /api/v0/admin/apps", "handleAppList", webhook.ScopeAdmin, v0, "/api/v0/admin/apps", "", 200, 200},
	{"GET /api/v0/admin/apps/{id}", "handleAppGet", webhook.ScopeAdmin, v0, "/api/v0/admin/apps/{app}", "", 200, 200},
	{"DELETE /api/v0/admin/apps/{id}", "handleAppDelete", webhook.ScopeAdmin, v0, "/api/v0/admin/apps/{spareApp}", "", 204, 204},
	{"POST /api/v0/admin/apps/{id}/keys", "handleKeyCreate", webhook.ScopeAdmin, v0, "/api/v0/admin/apps/{app}/keys", `{"scopes":["webhook:read"],"environment":"development"}`, 201, 201},
	{"GET /api/v0/admin/apps/{id}/keys", "handleKeyList", webhook.ScopeAdmin, v0, "/api/v0/admin/apps/{app}/keys", "", 200, 200},
	{"GET /api/v0/admin/keys/{id}", "handleKeyGet", webhook.ScopeAdmin, v0, "/api/v0/admin/keys/{spareKey}", "", 200, 200},
	{"PATCH /api/v0/admin/keys/{id}", "handleKeyUpdate", webhook.ScopeAdmin, v0, "/api/v0/admin/keys/{spareKey}", `{"is_active":false}`, 200, 200},
	{"DELETE /api/v0/admin/keys/{id}", "handleKeyDelete", webhook.ScopeAdmin, v0, "/api/v0/admin/keys/{spareKey}", "", 204, 204},

	{"GET /v1/webhooks/{webhookId}/messages", "handleMessageList", webhook.ScopeWebhookRead, v1, "/v1/webhooks/{wh}/messages", "", 200, 404},
	{"GET /v1/webhooks/{webhookId}/messages/{messageId}", "handleMessageGet", webhook.ScopeWebhookRead, v1, "/v1/webhooks/{wh}/messages/{msg}", "", 200, 404},
	{"GET /v1/webhooks/{webhookId}/messages/{messageId}/attempts", "handleAttemptList", webhook.ScopeWebhookRead, v1, "/v1/webhooks/{wh}/messages/{msg}/attempts", "", 200, 404},
	{"GET /v1/webhooks/{webhookId}/messages/{messageId}/attempts/{attemptId}", "handleAttemptGet", webhook.ScopeWebhookRead, v1, "/v1/webhooks/{wh}/messages/{msg}/attempts/{atmpt}", "", 200, 404},

	{"GET /api/v3/notification/webhook/{webhook_id}/calls", "handleCallList", webhook.ScopeWebhookRead, v3, "/api/v3/notification/webhook/{wh}/calls", "", 200, 404},
	{"GET /api/v3/notification/webhook/{webhook_id}/calls/{resource_id}", "handleCallGet", webhook.ScopeWebhookRead, v3, "/api/v3/notification/webhook/{wh}/calls/{atmpt}", "", 200, 404},
	// The call log is read-only: writes answer 405 before any accessCred check.
	{"POST /api/v3/notification/webhook/{webhook_id}/calls", "handleCallWrite", "", v3, "/api/v3/notification/webhook/{wh}/calls", "{}", 405, 405},
	{"PUT /api/v3/notification/webhook/{webhook_id}/calls", "handleCallWrite", "", v3, "/api/v3/notification/webhook/{wh}/calls", "{}", 405, 405},
	{"PATCH /api/v3/notification/webhook/{webhook_id}/calls", "handleCallWrite", "", v3, "/api/v3/notification/webhook/{wh}/calls", "{}", 405, 405},
	{"DELETE /api/v3/notification/webhook/{webhook_id}/calls", "handleCallWrite", "", v3, "/api/v3/notification/webhook/{wh}/calls", "", 405, 405},
	{"POST /api/v3/notification/webhook/{webhook_id}/calls/{resource_id}", "handleCallWrite", "", v3, "/api/v3/notification/webhook/{wh}/calls/{atmpt}", "{}", 405, 405},
	{"PUT /api/v3/notification/webhook/{webhook_id}/calls/{resource_id}", "handleCallWrite", "", v3, "/api/v3/notification/webhook/{wh}/calls/{atmpt}", "{}", 405, 405},
	{"PATCH /api/v3/notification/webhook/{webhook_id}/calls/{resource_id}", "handleCallWrite", "", v3, "/api/v3/notification/webhook/{wh}/calls/{atmpt}", "{}", 405, 405},
	{"DELETE /api/v3/notification/webhook/{webhook_id}/calls/{resource_id}", "handleCallWrite", "", v3, "/api/v3/notification/webhook/{wh}/calls/{atmpt}", "", 405, 405},

	// Svix's API (svix.go). Ids it cannot resolve are not found: Svix's paths take uids too.
	{"GET /api/v1/health", "handleSvixHealth", "", sx, "/api/v1/health", "", 204, 204},
	{"HEAD /api/v1/health", "handleSvixHealth", "", sx, "/api/v1/health", "", 204, 204},
	{"GET /api/v1/health/ping", "handleSvixHealth", "", sx, "/api/v1/health/ping", "", 204, 204},
	{"HEAD /api/v1/health/ping", "handleSvixHealth", "", sx, "/api/v1/health/ping", "", 204, 204},
	{"POST /api/v1/auth/app-portal-access/{app_ref}", "handleSvixPortalAccess", webhook.ScopeWebhookWrite, sx, "/api/v1/auth/app-portal-access/{app}", "{}", 200, 404},
	{"POST /api/v1/auth/dashboard-access/{app_ref}", "handleSvixPortalAccess", webhook.ScopeWebhookWrite, sx, "/api/v1/auth/dashboard-access/{app}", "", 200, 404},
	// Only a portal session logs out (portalAnswers; TestSvixSDK); a key is refused.
	{"POST /api/v1/auth/logout", "handleSvixLogout", credentialOnly, sx, "/api/v1/auth/logout", "", 403, 403},
	{"GET /api/v1/event-type", "handleSvixEventTypeList", credentialOnly, sx, "/api/v1/event-type", "", 200, 200},
	{"POST /api/v1/event-type", "handleSvixEventTypeCreate", webhook.ScopeAdmin, sx, "/api/v1/event-type", `{"name":"user.created","description":"d"}`, 201, 201},
	{"GET /api/v1/event-type/{event_type_name}", "handleSvixEventTypeGet", credentialOnly, sx, "/api/v1/event-type/invoice.paid", "", 200, 200},
	{"PUT /api/v1/event-type/{event_type_name}", "handleSvixEventTypeUpdate", webhook.ScopeAdmin, sx, "/api/v1/event-type/invoice.paid", `{"description":"x"}`, 200, 200},
	{"PATCH /api/v1/event-type/{event_type_name}", "handleSvixEventTypeUpdate", webhook.ScopeAdmin, sx, "/api/v1/event-type/invoice.paid", `{"description":"x"}`, 200, 200},
	{"DELETE /api/v1/event-type/{event_type_name}", "handleSvixEventTypeDelete", webhook.ScopeAdmin, sx, "/api/v1/event-type/invoice.paid", "", 204, 204},
	{"GET /api/v1/app", "handleSvixAppList", webhook.ScopeAdmin, sx, "/api/v1/app", "", 200, 200},
	{"POST /api/v1/app", "handleSvixAppCreate", webhook.ScopeAdmin, sx, "/api/v1/app", `{"name":"tenant"}`, 201, 201},
	{"GET /api/v1/app/{app_id}", "handleSvixAppGet", webhook.ScopeWebhookRead, sx, "/api/v1/app/{app}", "", 200, 404},
	{"PUT /api/v1/app/{app_id}", "handleSvixAppUpdate", webhook.ScopeAdmin, sx, "/api/v1/app/{app}", `{"name":"renamed"}`, 200, 200},
	{"PATCH /api/v1/app/{app_id}", "handleSvixAppPatch", webhook.ScopeAdmin, sx, "/api/v1/app/{app}", `{"name":"renamed"}`, 200, 200},
	{"DELETE /api/v1/app/{app_id}", "handleSvixAppDelete", webhook.ScopeAdmin, sx, "/api/v1/app/{spareApp}", "", 204, 204},
	{"GET /api/v1/app/{app_id}/endpoint", "handleSvixEndpointList", webhook.ScopeWebhookRead, sx, "/api/v1/app/{app}/endpoint", "", 200, 404},
	{"POST /api/v1/app/{app_id}/endpoint", "handleSvixEndpointCreate", webhook.ScopeWebhookWrite, sx, "/api/v1/app/{app}/endpoint", `{"url":"https://example.com/new"}`, 201, 404},
	{"GET /api/v1/app/{app_id}/endpoint/{endpoint_id}", "handleSvixEndpointGet", webhook.ScopeWebhookRead, sx, "/api/v1/app/{app}/endpoint/{wh}", "", 200, 404},
	{"PUT /api/v1/app/{app_id}/endpoint/{endpoint_id}", "handleSvixEndpointUpdate", webhook.ScopeWebhookWrite, sx, "/api/v1/app/{app}/endpoint/{wh}", `{"url":"https://example.com/x"}`, 200, 404},
	{"PATCH /api/v1/app/{app_id}/endpoint/{endpoint_id}", "handleSvixEndpointPatch", webhook.ScopeWebhookWrite, sx, "/api/v1/app/{app}/endpoint/{wh}", `{"description":"d"}`, 200, 404},
	{"DELETE /api/v1/app/{app_id}/endpoint/{endpoint_id}", "handleSvixEndpointDelete", webhook.ScopeWebhookWrite, sx, "/api/v1/app/{app}/endpoint/{wh}", "", 204, 404},
	{"GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/stats", "handleSvixEndpointStats", webhook.ScopeWebhookRead, sx, "/api/v1/app/{app}/endpoint/{wh}/stats", "", 200, 404},
	{"GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", "handleSvixHeadersGet", webhook.ScopeWebhookRead, sx, "/api/v1/app/{app}/endpoint/{wh}/headers", "", 200, 404},
	{"PUT /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", "handleSvixHeadersUpdate", webhook.ScopeWebhookWrite, sx, "/api/v1/app/{app}/endpoint/{wh}/headers", `{"headers":{"X-A":"1"}}`, 204, 404},
	{"PATCH /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers", "handleSvixHeadersUpdate", webhook.ScopeWebhookWrite, sx, "/api/v1/app/{app}/endpoint/{wh}/headers", `{"headers":{"X-A":"1"}}`, 204, 404},
	{"GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret", "handleSvixSecretGet", webhook.ScopeWebhookSecret, sx, "/api/v1/app/{app}/endpoint/{wh}/secret", "", 200, 404},
	{"POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate", "handleSvixSecretRotate", webhook.ScopeWebhookSecret, sx, "/api/v1/app/{app}/endpoint/{wh}/secret/rotate", "{}", 204, 404},
	{"POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/recover", "handleSvixRecover", webhook.ScopeWebhookWrite, sx, "/api/v1/app/{app}/endpoint/{wh}/recover", `{"since":"2020-01-01T00:00:00Z"}`, 202, 404},
	{"POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/send-example", "handleSvixSendExample", webhook.ScopeWebhookWrite, sx, "/api/v1/app/{app}/endpoint/{wh}/send-example", `{"eventType":"invoice.paid"}`, 200, 404},
	{"GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/msg", "handleSvixEndpointMessages", webhook.ScopeWebhookRead, sx, "/api/v1/app/{app}/endpoint/{wh}/msg", "", 200, 404},
	{"GET /api/v1/app/{app_id}/msg", "handleSvixMessageList", webhook.ScopeWebhookRead, sx, "/api/v1/app/{app}/msg", "", 200, 404},
	{"POST /api/v1/app/{app_id}/msg", "handleSvixMessageCreate", webhook.ScopeEventWrite, sx, "/api/v1/app/{app}/msg", `{"eventType":"invoice.paid","payload":{"n":1}}`, 202, 404},
	{"GET /api/v1/app/{app_id}/msg/{msg_id}", "handleSvixMessageGet", webhook.ScopeWebhookRead, sx, "/api/v1/app/{app}/msg/{msg}", "", 200, 404},
	{"DELETE /api/v1/app/{app_id}/msg/{msg_id}/content", "handleSvixMessageContentDelete", webhook.ScopeWebhookWrite, sx, "/api/v1/app/{app}/msg/{msg}/content", "", 204, 404},
	{"GET /api/v1/app/{app_id}/msg/{msg_id}/endpoint", "handleSvixAttemptedEndpoints", webhook.ScopeWebhookRead, sx, "/api/v1/app/{app}/msg/{msg}/endpoint", "", 200, 404},
	{"GET /api/v1/app/{app_id}/msg/{msg_id}/attempt", "handleSvixAttemptsByMessage", webhook.ScopeWebhookRead, sx, "/api/v1/app/{app}/msg/{msg}/attempt", "", 200, 404},
	{"GET /api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/attempt", "handleSvixAttemptsByMessage", webhook.ScopeWebhookRead, sx, "/api/v1/app/{app}/msg/{msg}/endpoint/{wh}/attempt", "", 200, 404},
	{"GET /api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}", "handleSvixAttemptGet", webhook.ScopeWebhookRead, sx, "/api/v1/app/{app}/msg/{msg}/attempt/{atmpt}", "", 200, 404},
	{"DELETE /api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}/content", "handleSvixAttemptContentDelete", webhook.ScopeWebhookWrite, sx, "/api/v1/app/{app}/msg/{msg}/attempt/{atmpt}/content", "", 204, 404},
	{"POST /api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend", "handleSvixResend", webhook.ScopeWebhookWrite, sx, "/api/v1/app/{app}/msg/{msg}/endpoint/{wh}/resend", "", 202, 404},
	{"GET /api/v1/app/{app_id}/attempt/msg/{msg_id}", "handleSvixAttemptsByMessage", webhook.ScopeWebhookRead, sx, "/api/v1/app/{app}/attempt/msg/{msg}", "", 200, 404},
	{"GET /api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}", "handleSvixAttemptsByEndpoint", webhook.ScopeWebhookRead, sx, "/api/v1/app/{app}/attempt/endpoint/{wh}", "", 200, 404},
}

// routeRegistration is one Handle or HandleFunc call (on the mux or any router) found in the package's source.
type routeRegistration struct {
	at      string // file:line
	pattern string // "" when not a string literal
	handler string
}

// routeRegistrations reads every route routeRegistration in the package's non-test files.
func routeRegistrations(t *testing.T) []routeRegistration {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	var out []routeRegistration
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "http" {
				return true // the package-level functions register on the default mux, which hookd never serves
			}
			r := routeRegistration{at: fset.Position(call.Pos()).String()}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				r.pattern, _ = strconv.Unquote(lit.Value)
			}
			// The handler is the last handleX named in the second argument (s.handleX or
			// s.requireScope(f, scope, s.handleX)), or else its first selector (s.metrics.Handler()).
			var names []string
			ast.Inspect(call.Args[1], func(n ast.Node) bool {
				if s, ok := n.(*ast.SelectorExpr); ok && s.Sel.Name != "requireScope" {
					names = append(names, s.Sel.Name)
				}
				return true
			})
			for _, n := range names {
				if strings.HasPrefix(n, "handle") || r.handler == "" {
					r.handler = n
				}
			}
			out = append(out, r)
			return true
		})
	}
	return out
}

// TestRouteTableIsComplete keeps accessRoutes in step with the routes the server registers.
func TestRouteTableIsComplete(t *testing.T) {
	regs := routeRegistrations(t)
	if len(regs) < 10 {
		t.Fatalf("found only %d route routeRegistrations in the source; the scan is broken", len(regs))
	}
	for _, r := range regs {
		switch {
		case r.pattern != "":
			i := slices.IndexFunc(accessRoutes, func(a accessRoute) bool { return a.pattern == r.pattern })
			if i < 0 {
				t.Errorf("%s registers %q (handler %s), which accessRoutes in access_test.go does not list.\n"+
					"Add a row: {%q, %q, <scope or \"\" if public>, <v0|v1|v3>, <path with {wh} {msg} {atmpt} {job} {app} {spareApp} {spareKey}>, <body>, <status with the right key>, <status with another app's key>}",
					r.at, r.pattern, r.handler, r.pattern, r.handler)
			} else if accessRoutes[i].handler != r.handler {
				t.Errorf("%s: %q is handled by %s, but accessRoutes says %s", r.at, r.pattern, r.handler, accessRoutes[i].handler)
			}
		default:
			if !slices.ContainsFunc(accessRoutes, func(a accessRoute) bool { return a.handler == r.handler }) {
				t.Errorf("%s registers routes with a computed pattern (handler %s) that accessRoutes in access_test.go does not list; "+
					"add one row per pattern it registers", r.at, r.handler)
			}
		}
	}
	// And every row must be a registered route: the mux must route its request to its pattern.
	mux := http.NewServeMux()
	(&Server{metrics: metrics.New(nil)}).routes(mux)
	for _, a := range accessRoutes {
		method, _, _ := strings.Cut(a.pattern, " ")
		req := httptest.NewRequest(method, fillIDs(a.path, sampleIDs()), nil)
		if _, got := mux.Handler(req); got != a.pattern {
			t.Errorf("accessRoutes row %q: %s %s is routed to %q; remove or correct the row", a.pattern, method, req.URL.Path, got)
		}
	}
}

// sampleIDs are well-formed ids, for routing checks that need no data.
func sampleIDs() map[string]string {
	now := time.Now()
	return map[string]string{"wh": webhook.NewID(webhook.PrefixWebhook, now), "msg": webhook.NewID(webhook.PrefixEvent, now), "ps": webhook.NewID(webhook.PrefixPortal, now),
		"atmpt": webhook.NewID(webhook.PrefixAttempt, now), "app": webhook.NewID(webhook.PrefixApp, now), "job": webhook.NewID(webhook.PrefixJob, now),
		"spareApp": webhook.NewID(webhook.PrefixApp, now), "spareKey": webhook.NewID(webhook.PrefixKey, now)}
}

func fillIDs(path string, ids map[string]string) string {
	for k, v := range ids {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	return path
}

// accessCred is a client key and secret.
type accessCred struct{ key, secret string }

// accessFixture is a server with two apps: A owns a webhook with one delivered event; B owns its own.
// Each webhook has a custom header whose value is a secret.
type accessFixture struct {
	t       testing.TB
	h       http.Handler
	st      store.Store
	ids     map[string]string
	appA    string
	logs    *bytes.Buffer
	secrets []string // every signing secret and key accessCred secret made, to look for leaks
	headers []string // every custom header value, shown only by the secret routes
}

func newAccessFixture(t testing.TB, opts Options) *accessFixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b := ingest.New(st, nil)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = b.Run(runCtx) }()
	t.Cleanup(func() { cancel(); <-done })
	logs := &bytes.Buffer{}
	f := &accessFixture{t: t, st: st, logs: logs,
		h: New(st, b, metrics.New(st.QueueDepth), slog.New(slog.NewTextHandler(logs, nil)), opts)}
	now := time.Now()
	apps := map[string]string{}
	for _, name := range []string{"a", "b", "spare"} {
		app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "app-" + name, CreatedAt: now}
		if err := st.CreateApp(ctx, app); err != nil {
			t.Fatal(err)
		}
		apps[name] = app.ID
	}
	f.appA = apps["a"]
	hooks := map[string]*webhook.Webhook{}
	for _, name := range []string{"a", "b"} {
		w := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: apps[name], Name: "hook-" + name, URL: "https://example.com/" + name,
			Active: true, Secret: signature.NewSecret(), CreatedAt: now, UpdatedAt: now,
			Headers: map[string]string{"X-Receiver-Token": "rcv_" + name + "_" + signature.NewSecret()}}
		if err := st.CreateWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
		hooks[name] = w
		f.secrets = append(f.secrets, w.Secret)
		f.headers = append(f.headers, w.Headers["X-Receiver-Token"])
	}
	created, err := st.CreateEvents(ctx, []store.NewEvent{{AppID: apps["a"], Type: "invoice.paid", Payload: json.RawMessage(`{"n":1}`)}}, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := st.Claim(ctx, now.Add(time.Second), time.Minute, 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim = %d jobs, %v; want 1", len(jobs), err)
	}
	a := &webhook.Attempt{ID: webhook.NewID(webhook.PrefixAttempt, now), DeliveryID: jobs[0].DeliveryID, WebhookID: hooks["a"].ID, AppID: apps["a"],
		EventID: created[0].Event.ID, Number: 1, Trigger: webhook.TriggerScheduled, StatusCode: 200, DurationMS: 12, CreatedAt: now,
		RequestHeaders: map[string]string{}, ResponseHeaders: map[string]string{}}
	if err := st.Complete(ctx, []store.Outcome{{Job: jobs[0], Attempt: a, Status: webhook.StatusDelivered}}); err != nil {
		t.Fatal(err)
	}
	f.ids = map[string]string{"wh": hooks["a"].ID, "msg": created[0].Event.ID, "atmpt": a.ID, "app": apps["a"], "spareApp": apps["spare"]}
	spare := f.key(apps["a"], []string{webhook.ScopeWebhookRead}, true)
	k, _ := st.KeyByClientKey(ctx, spare.key)
	f.ids["spareKey"] = k.ID
	f.ids["appB"] = apps["b"]
	f.ids["ps"] = f.portalSession(apps["a"], false, time.Hour).id
	// A recover job of A's webhook, made through the API.
	full := f.key(apps["a"], webhook.AllScopes, true)
	got := f.do("POST", "/api/v0/webhooks/{wh}/recover", `{"since":"2020-01-01T00:00:00Z"}`, full, "headers")
	if got.status != 202 {
		t.Fatalf("fixture: start a recover job = %d %s", got.status, got.body)
	}
	f.ids["job"], _ = got.json(t)["id"].(string)
	// An entry of the event type catalog, for Svix's event-type routes.
	if err := st.CreateEventType(ctx, &webhook.EventTypeInfo{Name: "invoice.paid", Description: "paid", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	return f
}

// key makes a key of appID and returns its credentials. A key holding admin is an operator key,
// as only those may hold it; tenantKeyHoldingAdmin makes the other kind.
func (f *accessFixture) key(appID string, scopes []string, active bool) accessCred {
	f.t.Helper()
	return f.makeKey(appID, scopes, active, slices.Contains(scopes, webhook.ScopeAdmin))
}

// tenantKeyHoldingAdmin makes a tenant app's key that holds admin anyway, as one written before
// admin became the operator's (or straight into the database) would.
func (f *accessFixture) tenantKeyHoldingAdmin(appID string) accessCred {
	f.t.Helper()
	return f.makeKey(appID, []string{webhook.ScopeAdmin}, true, false)
}

func (f *accessFixture) makeKey(appID string, scopes []string, active, operator bool) accessCred {
	f.t.Helper()
	ck, secret := webhook.NewKeyCredentials()
	now := time.Now()
	k := &webhook.Key{ID: webhook.NewID(webhook.PrefixKey, now), AppID: appID, Name: "test", ClientKey: ck, SecretHash: webhook.HashSecret(secret),
		Scopes: scopes, Env: webhook.EnvProduction, Active: active, Operator: operator, CreatedAt: now}
	if err := f.st.CreateKey(context.Background(), k); err != nil {
		f.t.Fatal(err)
	}
	f.secrets = append(f.secrets, secret)
	return accessCred{ck, secret}
}

// do sends one request; auth is "headers", "bearer" or "" (no credentials).
func (f *accessFixture) do(method, path, body string, c accessCred, auth string) apiResponse {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, fillIDs(path, f.ids), rd)
	req.Header.Set("Content-Type", "application/json")
	switch auth {
	case "headers":
		req.Header.Set("x-client-key", c.key)
		req.Header.Set("x-client-secret", c.secret)
	case "bearer":
		req.Header.Set("Authorization", "Bearer "+webhook.Token(c.key, c.secret))
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return apiResponse{rec.Code, rec.Header(), rec.Body.Bytes()}
}

// wantFamilyError is the body a family answers an error with.
func wantFamilyError(f family, status int, message, details string) map[string]any {
	switch f {
	case v1:
		code := map[int]string{401: webhook.EUnauthorized, 403: webhook.EForbidden, 404: webhook.ENotFound}[status]
		return map[string]any{"code": code, "detail": message}
	case v3:
		return map[string]any{"errors": []any{map[string]any{"status": strconv.Itoa(status), "title": http.StatusText(status), "detail": message}}}
	case sx:
		code := map[int]string{401: "authentication_failed", 403: "insufficient access", 404: "not_found"}[status]
		return map[string]any{"code": code, "detail": message}
	default:
		out := map[string]any{"statusCode": float64(status), "message": message, "error": http.StatusText(status)}
		if details != "" {
			out["details"] = details
		}
		return out
	}
}

func sameJSON(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestEveryRouteChecksCredentials sends every route every kind of accessCred and checks the
// status and body: seed 001's exact bodies on /api/v0, the family shapes on /v1 and /api/v3.
func TestEveryRouteChecksCredentials(t *testing.T) {
	for _, rt := range accessRoutes {
		t.Run(rt.pattern, func(t *testing.T) {
			t.Parallel()
			method, _, _ := strings.Cut(rt.pattern, " ")
			f := newAccessFixture(t, Options{})
			others := slices.DeleteFunc(slices.Clone(webhook.AllScopes), func(s string) bool { return s == rt.scope || s == webhook.ScopeAdmin })
			withScope := []string{rt.scope}
			if rt.scope == "" || rt.scope == credentialOnly {
				withScope = []string{webhook.ScopeWebhookRead}
			}
			right := f.key(f.appA, withScope, true)
			failures := []struct {
				name    string
				cred    accessCred
				auth    string
				status  int
				message string
				details string
			}{
				{"no credentials", accessCred{}, "", 401, "Client key or secret missing", "Please provide both x-client-key and x-client-secret headers"},
				{"wrong secret", accessCred{right.key, "cs_wrong"}, "headers", 401, "Invalid client app credentials", "The provided API key or secret is invalid"},
				{"wrong secret, bearer", accessCred{right.key, "cs_wrong"}, "bearer", 401, "Invalid client app credentials", "The provided API key or secret is invalid"},
				{"unknown key", accessCred{"ck_nobody", "cs_nothing"}, "headers", 401, "Invalid client app credentials", "The provided API key or secret is invalid"},
				{"inactive key", f.key(f.appA, webhook.AllScopes, false), "headers", 403, "API key is inactive", "The provided API key has been deactivated"},
				{"missing scope", f.key(f.appA, others, true), "headers", 403, "Missing required scope", "API key does not have the required " + rt.scope + " scope"},
				// admin is the operator's: a tenant app's key holding it gets nothing from it, on any route.
				{"tenant key holding admin", f.tenantKeyHoldingAdmin(f.appA), "headers", 403, "Missing required scope", "API key does not have the required " + rt.scope + " scope"},
			}
			for _, c := range failures {
				if rt.scope == credentialOnly && (c.name == "missing scope" || c.name == "tenant key holding admin") {
					continue // no scope to miss
				}
				got := f.do(method, rt.path, rt.body, c.cred, c.auth)
				if rt.scope == "" { // public: credentials change nothing
					if got.status != rt.ok {
						t.Errorf("%s: status %d, want %d", c.name, got.status, rt.ok)
					}
					continue
				}
				if got.status != c.status {
					t.Errorf("%s: status %d %s, want %d", c.name, got.status, got.body, c.status)
					continue
				}
				if want := wantFamilyError(rt.family, c.status, c.message, c.details); !sameJSON(got.json(t), want) {
					t.Errorf("%s: body %s, want %v", c.name, got.body, want)
				}
			}
			t.Run("another app's key", func(t *testing.T) {
				f := newAccessFixture(t, Options{})
				other := f.key(f.ids["appB"], withScope, true)
				got := f.do(method, rt.path, rt.body, other, "headers")
				if got.status != rt.other {
					t.Fatalf("status %d %s, want %d", got.status, got.body, rt.other)
				}
				if rt.other == 404 {
					// Exactly what a missing object answers.
					mine := f.key(f.appA, withScope, true)
					missing := f.do(method, fillIDs(rt.path, sampleIDs()), rt.body, mine, "headers")
					if missing.status != 404 || !bytes.Equal(missing.body, got.body) {
						t.Errorf("another app's object answers %s; a missing one answers %d %s", got.body, missing.status, missing.body)
					}
					body := got.json(t)
					switch rt.family {
					case v0:
						if want := wantFamilyError(v0, 404, "Webhook not found", ""); strings.Contains(rt.path, "{wh}") && !sameJSON(body, want) {
							t.Errorf("body %s, want %v", got.body, want)
						}
					case v1:
						if body["code"] != webhook.ENotFound || body["detail"] == nil || len(body) != 2 {
							t.Errorf("body %s, want {code: not_found, detail}", got.body)
						}
					case v3:
						errs, _ := body["errors"].([]any)
						if len(errs) != 1 || errs[0].(map[string]any)["status"] != "404" {
							t.Errorf("body %s, want one JSON:API error with status 404", got.body)
						}
					}
				}
				// Nothing of app A shows: not its webhook, its event, its attempt or its name.
				if rt.scope != webhook.ScopeAdmin && rt.scope != "" {
					for _, leak := range []string{f.ids["wh"], f.ids["msg"], f.ids["atmpt"], "hook-a", "https://example.com/a"} {
						if bytes.Contains(got.body, []byte(leak)) {
							t.Errorf("another app's key sees %q: %s", leak, got.body)
						}
					}
				}
			})
			// An operator key holding only admin passes every route of its own app.
			t.Run("operator key holding only admin", func(t *testing.T) {
				f := newAccessFixture(t, Options{})
				got := f.do(method, rt.path, rt.body, f.key(f.appA, []string{webhook.ScopeAdmin}, true), "headers")
				if got.status != rt.ok {
					t.Errorf("status %d %s, want %d", got.status, got.body, rt.ok)
				}
			})
			// Portal sessions (SPEC §3): the app's webhook routes their scopes allow, read-only ones
			// only reads; never events, admin, Svix's organisation routes or new sessions; another
			// app's session sees what another app's key sees; revoked and expired ones nothing.
			t.Run("portal sessions", func(t *testing.T) {
				f := newAccessFixture(t, Options{})
				for _, ro := range []bool{false, true} {
					want := portalStatus(rt, ro)
					if got := f.do(method, rt.path, rt.body, f.portalSession(f.appA, ro, time.Hour).cred, "bearer"); got.status != want {
						t.Errorf("read-only %v: status %d %s, want %d", ro, got.status, got.body, want)
					}
				}
				if rt.scope == "" {
					return
				}
				other := 403
				if answer, ok := portalAnswers[rt.pattern]; ok {
					other = answer
				} else if portalStatus(rt, false) != 403 {
					other = rt.other
				}
				if got := f.do(method, rt.path, rt.body, f.portalSession(f.ids["appB"], false, time.Hour).cred, "bearer"); got.status != other {
					t.Errorf("another app's session: status %d %s, want %d", got.status, got.body, other)
				}
				revoked := f.portalSession(f.appA, false, time.Hour)
				if got := f.do("DELETE", "/api/v0/portal/sessions/"+revoked.id, "", revoked.cred, "bearer"); got.status != 204 {
					t.Fatalf("revoke = %d %s", got.status, got.body)
				}
				if got := f.do(method, rt.path, rt.body, revoked.cred, "bearer"); got.status != 401 {
					t.Errorf("revoked session: status %d %s, want 401", got.status, got.body)
				}
				if got := f.do(method, rt.path, rt.body, f.expiredSession(f.appA), "bearer"); got.status != 401 {
					t.Errorf("expired session: status %d %s, want 401", got.status, got.body)
				}
			})
			for _, auth := range []string{"headers", "bearer"} {
				t.Run("right key, "+auth, func(t *testing.T) {
					f := newAccessFixture(t, Options{})
					right := f.key(f.appA, withScope, true)
					got := f.do(method, rt.path, rt.body, right, auth)
					if got.status != rt.ok {
						t.Fatalf("status %d %s, want %d", got.status, got.body, rt.ok)
					}
					if rt.scope != "" {
						for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
							if got.header.Get(h) == "" {
								t.Errorf("no %s header", h)
							}
						}
					}
					// A signing secret appears only where it must: creation and the secret routes.
					mayShow := rt.pattern == "POST /api/v0/webhooks" || strings.Contains(rt.pattern, "/secret")
					if !mayShow && bytes.Contains(got.body, []byte("whsec_")) {
						t.Errorf("apiResponse shows a signing secret: %s", got.body)
					}
					// Custom header values are secrets too: only the secret routes show them.
					for _, v := range f.headers {
						if !strings.Contains(rt.pattern, "/secret") && bytes.Contains(got.body, []byte(v)) {
							t.Errorf("apiResponse shows a custom header value: %s", got.body)
						}
					}
				})
			}
		})
	}
}

// TestMalformedIDsAre400 checks that an id of the wrong form is a 400 in the route's family, not a 404 or 500.
func TestMalformedIDsAre400(t *testing.T) {
	f := newAccessFixture(t, Options{})
	full := f.key(f.appA, webhook.AllScopes, true)
	for _, rt := range accessRoutes {
		if rt.scope == "" || !strings.Contains(rt.path, "{") || rt.family == sx {
			continue // Svix's paths take uids as well as ids: one hookd cannot parse is not found
		}
		method, _, _ := strings.Cut(rt.pattern, " ")
		for _, bad := range []string{"123abc", "wh_../x", "wh_" + strings.Repeat("A", 65), "%00", "wh_💥"} {
			ids := map[string]string{}
			for k, v := range f.ids {
				ids[k] = v
			}
			// Break the first id in the path.
			first := rt.path[strings.Index(rt.path, "{")+1 : strings.Index(rt.path, "}")]
			path := strings.Replace(rt.path, "{"+first+"}", bad, 1)
			got := f.do(method, path, rt.body, full, "headers")
			if got.status != 400 && !(got.status == 404 && strings.Contains(bad, "/")) {
				t.Errorf("%s with id %q: status %d %s, want 400", rt.pattern, bad, got.status, got.body)
			}
		}
	}
	if strings.Contains(f.logs.String(), "request failed") {
		t.Errorf("malformed ids logged internal errors:\n%s", f.logs.String())
	}
}

// portalStatus is what a portal session of the route's app gets from rt: rt.ok where the
// session's scopes allow the route and it is not one sessions are refused, else 403.
func portalStatus(rt accessRoute, readOnly bool) int {
	if answer, ok := portalAnswers[rt.pattern]; ok {
		return answer
	}
	if rt.scope == "" {
		return rt.ok
	}
	if portalRefused[rt.pattern] || (rt.scope != credentialOnly && !slices.Contains(webhook.PortalScopes(readOnly), rt.scope)) {
		return 403
	}
	return rt.ok
}

// portalRefused are the routes a session's scopes would allow but sessions may not call.
var portalRefused = map[string]bool{
	"POST /api/v0/portal/sessions":                  true,
	"POST /api/v1/auth/app-portal-access/{app_ref}": true,
	"POST /api/v1/auth/dashboard-access/{app_ref}":  true,
}

// portalAnswers are the routes that answer every session alike: Svix's logout signs the
// session out (a key is refused), and a session revokes only itself (the fixture's {ps} is
// another session, as missing to it as to another app).
var portalAnswers = map[string]int{
	"POST /api/v1/auth/logout":            204,
	"DELETE /api/v0/portal/sessions/{id}": 404,
}

// expiredSession stores a session of appID whose time was up an instant ago.
func (f *accessFixture) expiredSession(appID string) accessCred {
	f.t.Helper()
	ck, secret := webhook.NewKeyCredentials()
	now := time.Now()
	ended := now.Add(-time.Millisecond)
	k := &webhook.Key{ID: webhook.NewID(webhook.PrefixPortal, now), AppID: appID, Name: "portal session", ClientKey: ck, SecretHash: webhook.HashSecret(secret),
		Scopes: webhook.PortalScopes(false), Env: webhook.EnvProduction, Active: true, Portal: true, CreatedAt: now.Add(-time.Hour), ExpiresAt: &ended}
	if err := f.st.CreateKey(context.Background(), k); err != nil {
		f.t.Fatal(err)
	}
	return accessCred{ck, secret}
}
