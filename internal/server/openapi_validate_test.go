package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/hookd/hookd/internal/webhook"
)

// openAPIValidator checks answers against the document (cmd/hookd's end-to-end tests hold the
// same, for a running server). It is stricter than the document in one way: an object with
// properties may have no others, so a field the handler writes and the document leaves out fails.
type openAPIValidator struct {
	router routers.Router
}

// newOpenAPIValidator loads the document, which must be valid OpenAPI.
func newOpenAPIValidator(raw []byte) (*openAPIValidator, error) {
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("invalid: %w", err)
	}
	closeObjects(doc)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	return &openAPIValidator{router: router}, nil
}

// closeObjects forbids properties an object schema does not list, unless it says otherwise.
func closeObjects(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			s.AdditionalProperties.Has = new(bool)
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		walk(s.AdditionalProperties.Schema)
		for _, list := range [][]*openapi3.SchemaRef{s.AnyOf, s.OneOf, s.AllOf} {
			for _, sub := range list {
				walk(sub)
			}
		}
	}
	for _, s := range doc.Components.Schemas {
		walk(s)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, r := range op.Responses.Map() {
				for _, mt := range r.Value.Content {
					walk(mt.Schema)
				}
			}
		}
	}
}

// check validates one answer to req; the error names the operation and what does not match.
func (v *openAPIValidator) check(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("%s %s is not documented: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		// kin-openapi's message ends with dumps of the schema and the value; the body says enough.
		msg, _, _ := strings.Cut(err.Error(), "\nSchema:")
		return fmt.Errorf("%s %s (%s) answered %d, which the document does not allow: %s\nbody: %.400s",
			route.Method, route.Path, route.Operation.OperationID, status, msg, body)
	}
	return nil
}

// servedValidator is the validator of the document this package serves, built once.
var servedValidator = sync.OnceValues(func() (*openAPIValidator, error) { return newOpenAPIValidator(openAPIJSON()) })

func mustValidator(t testing.TB) *openAPIValidator {
	t.Helper()
	v, err := servedValidator()
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return v
}

// TestOpenAPIValidatorCatchesMismatches: the validator fails answers the document does not
// allow, or every test using it would pass whatever the handlers write.
func TestOpenAPIValidatorCatchesMismatches(t *testing.T) {
	v := mustValidator(t)
	rate := http.Header{"Content-Type": {"application/json"}, "X-Ratelimit-Limit": {"1000"}, "X-Ratelimit-Remaining": {"999"}, "X-Ratelimit-Reset": {"1700000000"}}
	noRate := http.Header{"Content-Type": {"application/json"}}
	app := `{"id":"app_1","name":"acme","created_at":"2024-03-20T12:00:00.000Z"}`
	for _, tc := range []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		ok                 bool
	}{
		{"as documented", "GET", "/api/v0/admin/apps/app_1", 200, rate, app, true},
		{"an undocumented field", "GET", "/api/v0/admin/apps/app_1", 200, rate, strings.Replace(app, `"name"`, `"extra":1,"name"`, 1), false},
		{"a missing field", "GET", "/api/v0/admin/apps/app_1", 200, rate, `{"id":"app_1","name":"acme"}`, false},
		{"a wrong type", "GET", "/api/v0/admin/apps/app_1", 200, rate, strings.Replace(app, `"acme"`, `7`, 1), false},
		{"no rate limit headers", "GET", "/api/v0/admin/apps/app_1", 200, noRate, app, false},
		{"an undocumented status", "GET", "/api/v0/admin/apps/app_1", 418, rate, app, false},
		{"an error in another family's shape", "GET", "/api/v0/admin/apps/app_1", 404, rate, `{"code":"not_found","detail":"App not found"}`, false},
		{"an error in its family's shape", "GET", "/api/v0/admin/apps/app_1", 404, rate,
			`{"statusCode":404,"message":"App not found","error":"Not Found"}`, true},
		{"an undocumented route", "GET", "/api/v0/nothing", 200, rate, `{}`, false},
		{"a null where the document has an array", "GET", "/api/v0/admin/apps/app_1/keys", 200, rate, `{"data":null}`, false},
		{"a Svix error", "GET", "/api/v1/app/customer-1", 404, rate, `{"code":"not_found","detail":"Entity not found"}`, true},
		{"a Svix error with a code Svix's API never answers", "GET", "/api/v1/app/customer-1", 404, rate, `{"code":"missing","detail":"Entity not found"}`, false},
		{"a Svix 422 in the validation shape", "POST", "/api/v1/app", 422, rate,
			`{"detail":[{"loc":["body","name"],"msg":"name: required","type":"value_error"}]}`, true},
		{"a Svix 422 in the error shape", "POST", "/api/v1/app", 422, rate, `{"code":"invalid","detail":"name: required"}`, false},
		{"a Svix 404 in the validation shape", "GET", "/api/v1/app/customer-1", 404, rate, `{"detail":[{"loc":["path"],"msg":"x","type":"value_error"}]}`, false},
		{"a HEAD answer without a body", "HEAD", "/api/v1/health", 503, http.Header{"Retry-After": {"5"}}, "", true},
	} {
		err := v.check(httptest.NewRequest(tc.method, tc.path, nil), tc.status, tc.header, []byte(tc.body))
		if (err == nil) != tc.ok {
			t.Errorf("%s: check = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

// TestResponsesMatchOpenAPI sends every route the requests of the access tests (every kind of
// credential, malformed ids and queries, oversized bodies, portal sessions) and checks every
// answer against the document.
func TestResponsesMatchOpenAPI(t *testing.T) {
	v := mustValidator(t)
	big := strings.Repeat("x", 70<<10)
	oversized := []string{`{"name":"` + big + `"}`, `{"event_type":"big.one","payload":"` + big + `"}`,
		`{"events":[{"event_type":"big.one","payload":"` + big + `"}]}`}
	badQuery := "?limit=0&cursor=nope&events_limit=99&include_events=maybe&granularity=week&since=yesterday&status=lost&page[size]=0&sort=colour"
	for _, rt := range accessRoutes {
		if strings.HasPrefix(rt.pattern, "GET /ui") {
			continue // the dashboard: HTML, not an API operation
		}
		t.Run(rt.pattern, func(t *testing.T) {
			t.Parallel()
			method, _, _ := strings.Cut(rt.pattern, " ")
			if _, _, err := v.router.FindRoute(httptest.NewRequest(method, fillIDs(rt.path, sampleIDs()), nil)); err != nil {
				t.Fatalf("%s is not in /openapi.json (%v): add its operation to an openapi_*.go part", rt.pattern, err)
			}
			f := newAccessFixture(t, Options{MaxPayload: 1024})
			send := func(what, path, body string, c accessCred, auth string) {
				t.Helper()
				got := f.do(method, path, body, c, auth)
				if err := v.check(httptest.NewRequest(method, fillIDs(path, f.ids), nil), got.status, got.header, got.body); err != nil {
					t.Errorf("%s: %v", what, err)
				}
			}
			full := f.key(f.appA, webhook.AllScopes, true)
			scope := rt.scope
			if scope == "" || scope == credentialOnly {
				scope = webhook.ScopeWebhookRead
			}
			var others []string
			for _, s := range webhook.AllScopes {
				if s != scope && s != webhook.ScopeAdmin {
					others = append(others, s)
				}
			}
			send("no credentials", rt.path, rt.body, accessCred{}, "")
			send("wrong secret", rt.path, rt.body, accessCred{full.key, "cs_wrong"}, "bearer")
			send("inactive key", rt.path, rt.body, f.key(f.appA, webhook.AllScopes, false), "headers")
			send("missing scope", rt.path, rt.body, f.key(f.appA, others, true), "headers")
			send("another app's key", rt.path, rt.body, f.key(f.ids["appB"], []string{scope}, true), "headers")
			if i := strings.Index(rt.path, "{"); i >= 0 {
				j := strings.Index(rt.path, "}")
				send("malformed id", rt.path[:i]+"123abc"+rt.path[j+1:], rt.body, full, "headers")
				send("missing object", fillIDs(rt.path, sampleIDs()), rt.body, full, "headers")
			}
			send("bad query", rt.path+badQuery, rt.body, full, "headers")
			if method == "POST" || method == "PATCH" || method == "PUT" {
				for _, body := range oversized {
					send(fmt.Sprintf("oversized body %.30s…", body), rt.path, body, full, "headers")
				}
				send("not JSON", rt.path, `{"name":`, full, "headers")
				send("unknown field", rt.path, `{"colour":"blue"}`, full, "headers")
			}
			for _, readOnly := range []bool{true, false} {
				session := f.do("POST", "/api/v0/portal/sessions", fmt.Sprintf(`{"read_only":%v}`, readOnly), full, "headers")
				if session.status != http.StatusCreated {
					t.Fatalf("open a portal session = %d %s", session.status, session.body)
				}
				ck, secret, ok := webhook.ParseToken(session.json(t)["token"].(string))
				if !ok {
					t.Fatalf("portal session token %s does not parse", session.body)
				}
				send(fmt.Sprintf("portal session (read-only %v)", readOnly), rt.path, rt.body, accessCred{ck, secret}, "bearer")
			}
			send("operator key holding only admin", rt.path, rt.body, f.key(f.appA, []string{webhook.ScopeAdmin}, true), "headers")
			send("right key, headers", rt.path, rt.body, f.key(f.appA, []string{scope}, true), "headers")
			send("right key, bearer", rt.path, rt.body, full, "bearer")
			if rt.family != sx {
				return
			}
			// Svix's paths take uids, and its answers have fields only Svix's API sets.
			svixDetails(t, f)
			send("Svix: by uid", strings.NewReplacer("{app}", "tenant-a", "{wh}", "main").Replace(rt.path), rt.body, full, "bearer")
			send("Svix: without content", rt.path+"?limit=1&with_content=false", rt.body, full, "bearer")
			send("Svix: with content", rt.path+"?with_content=true&include_archived=true&iterator=zzz", rt.body, full, "bearer")
			send("Svix: an id that is no id", strings.NewReplacer("{app}", "app_"+strings.Repeat("A", 65), "{wh}", "%00", "{msg}", "msg_💥", "{atmpt}", "123abc").Replace(rt.path), rt.body, full, "bearer")
			if strings.Contains(rt.path, "/invoice.paid") {
				send("Svix: a missing event type", strings.Replace(rt.path, "/invoice.paid", "/no.such.type", 1), rt.body, full, "bearer")
			}
		})
	}
}

// svixDetails gives app A and its webhook the fields only Svix's API shows (uids, metadata,
// filters, channels), sends a message with an eventId on a channel and an event whose payload
// is no object, and adds an event type with every field, so that Svix's answers hold their
// optional fields and odd values too.
func svixDetails(t *testing.T, f *accessFixture) {
	t.Helper()
	ctx, now := context.Background(), time.Now()
	app, err := f.st.GetApp(ctx, f.appA)
	if err != nil {
		t.Fatal(err)
	}
	app.UID, app.Metadata, app.RateLimit = "tenant-a", map[string]string{"plan": "pro"}, 10
	if err := f.st.UpdateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if hook, err := f.st.GetWebhook(ctx, f.appA, f.ids["wh"], now); err == nil { // the route may have deleted it
		hook.UID, hook.Metadata, hook.RateLimit, hook.EventTypes, hook.Channels = "main", map[string]string{"team": "billing"}, 5, []string{"invoice.*"}, []string{"eu"}
		if err := f.st.UpdateWebhook(ctx, hook, now); err != nil {
			t.Fatal(err)
		}
	}
	got := f.do("POST", "/api/v1/app/{app}/msg", `{"eventType":"invoice.paid","payload":{"n":2},"eventId":"evt-2","channels":["eu"]}`,
		f.key(f.appA, []string{webhook.ScopeEventWrite}, true), "headers")
	if got.status != http.StatusAccepted {
		t.Fatalf("send a message on a channel = %d %s", got.status, got.body)
	}
	// An event sent through hookd's own API, which takes any JSON payload, shows in Svix's lists too.
	got = f.do("POST", "/api/v0/events", `{"event_type":"invoice.voided","payload":[1,2]}`, f.key(f.appA, []string{webhook.ScopeEventWrite}, true), "headers")
	if got.status != http.StatusAccepted {
		t.Fatalf("send an event with an array payload = %d %s", got.status, got.body)
	}
	et := &webhook.EventTypeInfo{Name: "invoice.sent", Description: "sent", Schemas: json.RawMessage(`{"1":{"type":"object","examples":[{"n":1}]}}`),
		Deprecated: true, FeatureFlags: []string{"beta"}, GroupName: "invoice", CreatedAt: now, UpdatedAt: now}
	if err := f.st.CreateEventType(ctx, et); err != nil {
		t.Fatal(err)
	}
}

// TestRateLimitedResponsesMatchOpenAPI: a 429 in each family, and the ingest limit's.
func TestRateLimitedResponsesMatchOpenAPI(t *testing.T) {
	v := mustValidator(t)
	f := newAccessFixture(t, Options{Limits: Limits{Production: 1, Development: 1, Portal: 1, Ingest: 1}})
	for _, path := range []string{"/api/v0/webhooks", "/v1/webhooks/{wh}/messages", "/api/v3/notification/webhook/{wh}/calls", "/api/v1/app/{app}/endpoint"} {
		k := f.key(f.appA, []string{webhook.ScopeWebhookRead}, true)
		var statuses []int
		for range 2 {
			got := f.do("GET", path, "", k, "headers")
			statuses = append(statuses, got.status)
			if err := v.check(httptest.NewRequest("GET", fillIDs(path, f.ids), nil), got.status, got.header, got.body); err != nil {
				t.Error(err)
			}
		}
		if statuses[1] != http.StatusTooManyRequests {
			t.Errorf("GET %s twice at 1 request per hour = %v, want a 429 second", path, statuses)
		}
	}
	k := f.key(f.appA, []string{webhook.ScopeEventWrite}, true)
	statuses := map[int]bool{}
	for range 5 {
		got := f.do("POST", "/api/v0/events", `{"event_type":"invoice.paid","payload":{"n":1}}`, k, "headers")
		statuses[got.status] = true
		if err := v.check(httptest.NewRequest("POST", "/api/v0/events", nil), got.status, got.header, got.body); err != nil {
			t.Error(err)
		}
	}
	if !statuses[http.StatusTooManyRequests] {
		t.Errorf("5 events at an ingest limit of 1 per second answered %v, never 429", statuses)
	}
}
