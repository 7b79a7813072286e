package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"
	"github.com/svix/svix-webhooks/go/utils"
)

// svixClient is Svix's official Go SDK pointed at hookd, as a migrating team points it, with
// an HTTP client that checks every answer against both documents (checkingClient).
func svixClient(t *testing.T, base, token string) *svix.Svix {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	svx, err := svix.New(token, &svix.SvixOptions{ServerUrl: u, HTTPClient: checkingClient(t)})
	if err != nil {
		t.Fatal(err)
	}
	return svx
}

// svixDocument is Svix's own OpenAPI document, shipped in the SDK's module: the contract its
// SDKs are generated from. It is taken as it is: not validated, since kin-openapi refuses it
// (an example its own schema refuses, four operations that do not declare {app_id}), and its
// objects left open, as it leaves them: Svix's SDKs ignore fields they do not know, and
// hookd's document, whose objects are closed, holds every field hookd adds.
var svixDocument = sync.OnceValues(func() (*openAPIValidator, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/svix/svix-webhooks").Output()
	if err != nil {
		return nil, fmt.Errorf("find the module of Svix's SDK: go list -m: %w", err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return nil, errors.New("go list -m: the module of Svix's SDK is not in the module cache")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "server", "openapi.json"))
	if err != nil {
		return nil, err
	}
	return loadOpenAPIValidator("Svix's openapi.json", raw, false)
})

// checkingClient is an HTTP client whose every answer is checked against the /openapi.json of
// the hookd that gave it and against Svix's document.
func checkingClient(t *testing.T) *http.Client {
	t.Helper()
	svixDoc, err := svixDocument()
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: &checkingTransport{t: t, next: http.DefaultTransport, svix: svixDoc}}
}

type checkingTransport struct {
	t    *testing.T
	next http.RoundTripper
	svix *openAPIValidator
}

func (c *checkingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	hookd, err := validatorOf(req.URL.Scheme + "://" + req.URL.Host)
	if err != nil {
		c.t.Errorf("%s/openapi.json: %v", req.URL.Host, err)
	} else if err := hookd.check(req, resp.StatusCode, resp.Header, body); err != nil {
		c.t.Errorf("openapi: %v", err)
	}
	route, _, err := c.svix.router.FindRoute(req)
	if gap := err == nil && svixUndocumented[route.Operation.OperationID] == resp.StatusCode; !gap {
		if err := c.svix.check(req, resp.StatusCode, resp.Header, body); err != nil {
			c.t.Errorf("openapi: %v", err)
		}
	}
	return resp, nil
}

// svixUndocumented are answers of Svix's own server that its document leaves out, by Svix's
// operationId: the content deletions list no success status, and answer 204 No Content.
var svixUndocumented = map[string]int{
	"v1.message.expunge-content":         http.StatusNoContent,
	"v1.message-attempt.expunge-content": http.StatusNoContent,
}

// svixStatus is the HTTP status of an SDK error, 0 for none.
func svixStatus(err error) int {
	var e *svix.Error
	if errors.As(err, &e) {
		return e.Status()
	}
	return 0
}

func ptr[T any](v T) *T { return &v }

// verifyWith checks a delivery with Svix's own verifier and returns its payload.
func verifyWith(t *testing.T, secret string, got received) map[string]any {
	t.Helper()
	wh, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(got.body, got.header); err != nil {
		t.Fatalf("svix Verify refuses the delivery: %v\nheaders %v", err, got.header)
	}
	// Receivers written for Svix read its own header names.
	for _, name := range []string{"Id", "Timestamp", "Signature"} {
		if v := got.header.Get("Svix-" + name); v == "" || v != got.header.Get("Webhook-"+name) {
			t.Errorf("Svix-%s = %q, want Webhook-%s's %q", name, v, name, got.header.Get("Webhook-"+name))
		}
	}
	var payload map[string]any
	if err := json.Unmarshal(got.body, &payload); err != nil {
		t.Fatalf("delivery body %q: %v", got.body, err)
	}
	return payload
}

// TestSvixSDK drives hookd through the official Svix Go SDK, as a team moving from Svix
// would: the catalog, an application with a uid, an endpoint, messages, attempts, resend,
// stats, headers, secret rotation, recover, an example, a portal token and its logout.
// It runs on both stores.
func TestSvixSDK(t *testing.T) {
	for _, tc := range []struct {
		name      string
		storeArgs func(t *testing.T) []string
	}{
		{"sqlite", func(t *testing.T) []string { return []string{"--data-dir", t.TempDir()} }},
		{"postgres", func(t *testing.T) []string { return []string{"--database-url", postgresSchema(t)} }},
	} {
		t.Run(tc.name, func(t *testing.T) { svixSDKFlow(t, tc.storeArgs(t)) })
	}
}

func svixSDKFlow(t *testing.T, storeArgs []string) {
	ctx := context.Background()
	cli(t, append([]string{"migrate"}, storeArgs...)...)
	own := cli(t, append([]string{"apps", "create", "--name", "platform"}, storeArgs...)...)
	op := cli(t, append([]string{"keys", "create", "--app", own["id"].(string), "--operator"}, storeArgs...)...)
	h := serve(t, append(storeArgs, "--allow-network", loopback)...)
	svx := svixClient(t, h.URL, op["token"].(string))

	resp, err := checkingClient(t).Get(h.URL + "/api/v1/health")
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("GET /api/v1/health = %v, %v; want 204", resp, err)
	}
	resp.Body.Close()

	// The catalog.
	schemas := map[string]any{"1": map[string]any{"type": "object", "examples": []any{map[string]any{"amount": 1200, "currency": "EUR"}}}}
	et, err := svx.EventType.Create(ctx, models.EventTypeIn{Name: "invoice.paid", Description: "An invoice was paid", Schemas: &schemas}, nil)
	if err != nil || et.Name != "invoice.paid" || et.Deprecated {
		t.Fatalf("EventType.Create = %+v, %v", et, err)
	}
	if _, err := svx.EventType.Create(ctx, models.EventTypeIn{Name: "user.created", Description: "A user signed up"}, nil); err != nil {
		t.Fatal(err)
	}
	types, err := svx.EventType.List(ctx, &svix.EventTypeListOptions{WithContent: ptr(true)})
	if err != nil || len(types.Data) != 2 || types.Data[0].Name != "invoice.paid" || types.Data[0].Schemas == nil {
		t.Fatalf("EventType.List = %+v, %v", types, err)
	}
	if _, err := svx.EventType.Patch(ctx, "user.created", models.EventTypePatch{Description: ptr("Renamed")}); err != nil {
		t.Fatal(err)
	}
	if got, err := svx.EventType.Get(ctx, "user.created"); err != nil || got.Description != "Renamed" {
		t.Errorf("EventType.Get after Patch = %+v, %v", got, err)
	}

	// PUT makes an event type the catalog lacks (201).
	if sent, err := svx.EventType.Update(ctx, "invoice.sent", models.EventTypeUpdate{Description: "An invoice was sent"}); err != nil || sent.Name != "invoice.sent" {
		t.Errorf("EventType.Update of a new type = %+v, %v", sent, err)
	}

	// An application with a uid: found by it, created once.
	app, err := svx.Application.Create(ctx, models.ApplicationIn{Name: "Customer 1", Uid: ptr("customer-1"), Metadata: &map[string]string{"plan": "pro"}}, nil)
	if err != nil || app.Uid == nil || *app.Uid != "customer-1" || app.Metadata["plan"] != "pro" {
		t.Fatalf("Application.Create = %+v, %v", app, err)
	}
	if _, err := svx.Application.Create(ctx, models.ApplicationIn{Name: "again", Uid: ptr("customer-1")}, nil); svixStatus(err) != 409 {
		t.Errorf("Create with a taken uid: %v, want 409", err)
	}
	if _, err := svx.Application.Create(ctx, models.ApplicationIn{Name: "bad", Uid: ptr("not a uid")}, nil); svixStatus(err) != 422 {
		t.Errorf("Create with an invalid uid: %v, want 422", err)
	}
	again, err := svx.Application.GetOrCreate(ctx, models.ApplicationIn{Name: "again", Uid: ptr("customer-1")}, nil)
	if err != nil || again.Id != app.Id {
		t.Errorf("GetOrCreate = %+v, %v; want the app %s", again, err, app.Id)
	}
	// An idempotency-key (the SDK sends one with every POST, and retries with it): a retry
	// after a lost answer gets the first answer, not a second application; the key sent with
	// another body is refused.
	once := &svix.ApplicationCreateOptions{IdempotencyKey: ptr("create-billing-once")}
	first, err := svx.Application.Create(ctx, models.ApplicationIn{Name: "Billing"}, once)
	if err != nil {
		t.Fatal(err)
	}
	if retried, err := svx.Application.Create(ctx, models.ApplicationIn{Name: "Billing"}, once); err != nil || retried.Id != first.Id {
		t.Errorf("Create retried with its idempotency-key = %+v, %v; want the first answer, app %s", retried, err, first.Id)
	}
	if _, err := svx.Application.Create(ctx, models.ApplicationIn{Name: "Payroll"}, once); svixStatus(err) != 422 {
		t.Errorf("the key with another body: %v, want 422", err)
	}
	if err := svx.Application.Delete(ctx, first.Id); err != nil {
		t.Fatal(err)
	}
	if got, err := svx.Application.Get(ctx, "customer-1"); err != nil || got.Id != app.Id {
		t.Errorf("Application.Get by uid = %+v, %v", got, err)
	}
	_, err = svx.Application.Get(ctx, "no-such-app")
	var svixErr *svix.Error
	if !errors.As(err, &svixErr) || svixErr.Status() != 404 {
		t.Fatalf("Get of a missing application = %v, want a Svix 404", err)
	}
	var body struct{ Code, Detail string }
	if json.Unmarshal(svixErr.Body(), &body) != nil || body.Code != "not_found" {
		t.Errorf("404 body = %s, want Svix's {code: not_found, detail}", svixErr.Body())
	}

	// An endpoint, a message, and Svix's verifier accepts the delivery.
	rc := newReceiver(t, nil)
	ep, err := svx.Endpoint.Create(ctx, "customer-1", models.EndpointIn{Url: rc.URL + "/hook", Uid: ptr("main"), FilterTypes: []string{"invoice.paid"},
		Description: ptr("Billing")}, nil)
	if err != nil || ep.Url != rc.URL+"/hook" || ep.Version != 1 || len(ep.FilterTypes) != 1 {
		t.Fatalf("Endpoint.Create = %+v, %v", ep, err)
	}
	secret, err := svx.Endpoint.GetSecret(ctx, "customer-1", "main")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := svx.Message.Create(ctx, "customer-1", models.MessageIn{EventType: "invoice.paid", Payload: map[string]any{"n": 0}, EventId: ptr("evt-0")}, nil)
	if err != nil || msg.EventId == nil || *msg.EventId != "evt-0" || msg.Payload["n"] != float64(0) {
		t.Fatalf("Message.Create = %+v, %v", msg, err)
	}
	if got := verifyWith(t, secret.Key, rc.next(t, 10*time.Second)); got["n"] != float64(0) {
		t.Errorf("delivered payload = %v", got)
	}
	// A message to an application that does not exist yet: with "application" the operator's
	// makes it (uid from the path), without it is a 404.
	if _, err := svx.Message.Create(ctx, "customer-9", models.MessageIn{EventType: "invoice.paid", Payload: map[string]any{}}, nil); svixStatus(err) != 404 {
		t.Errorf("a message to a missing application: %v, want 404", err)
	}
	if _, err := svx.Message.Create(ctx, "customer-9", models.MessageIn{EventType: "invoice.paid", Payload: map[string]any{},
		Application: &models.ApplicationIn{Name: "Customer 9"}}, nil); err != nil {
		t.Errorf("a message making its application: %v", err)
	}
	if made, err := svx.Application.Get(ctx, "customer-9"); err != nil || made.Name != "Customer 9" {
		t.Errorf("the application the message made = %+v, %v", made, err)
	} else if err := svx.Application.Delete(ctx, made.Id); err != nil {
		t.Fatal(err)
	}
	if got, err := svx.Message.Get(ctx, "customer-1", "evt-0", nil); err != nil || got.Id != msg.Id {
		t.Errorf("Message.Get by eventId = %+v, %v; want %s", got, err, msg.Id)
	}
	if _, err := svx.Message.Create(ctx, "customer-1", models.MessageIn{EventType: "user.created", Payload: map[string]any{}}, nil); err != nil {
		t.Fatal(err) // filtered out: the endpoint takes invoice.paid only
	}
	for i := 1; i <= 3; i++ {
		if _, err := svx.Message.Create(ctx, "customer-1", models.MessageIn{EventType: "invoice.paid", Payload: map[string]any{"n": i}}, nil); err != nil {
			t.Fatal(err)
		}
		rc.next(t, 10*time.Second)
	}

	// Pages: messages, then attempts.
	var ids []string
	for it := (*string)(nil); ; {
		page, err := svx.Message.List(ctx, "customer-1", &svix.MessageListOptions{Limit: ptr(uint64(2)), Iterator: it})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Data {
			ids = append(ids, m.Id)
		}
		if page.Done {
			break
		}
		it = page.Iterator
	}
	if len(ids) != 5 || ids[4] != msg.Id {
		t.Errorf("Message.List pages = %v, want 5 messages, the first one last", ids)
	}
	attempts, err := svx.MessageAttempt.ListByEndpoint(ctx, "customer-1", "main", &svix.MessageAttemptListByEndpointOptions{Limit: ptr(uint64(3))})
	if err != nil || len(attempts.Data) != 3 || attempts.Done {
		t.Fatalf("ListByEndpoint = %+v, %v; want a first page of 3", attempts, err)
	}
	rest, err := svx.MessageAttempt.ListByEndpoint(ctx, "customer-1", "main", &svix.MessageAttemptListByEndpointOptions{Iterator: attempts.Iterator})
	if err != nil || len(rest.Data) != 1 || !rest.Done || rest.Data[0].MsgId != msg.Id {
		t.Fatalf("ListByEndpoint second page = %+v, %v", rest, err)
	}
	a := rest.Data[0]
	if a.Status != models.MESSAGESTATUS_SUCCESS || a.ResponseStatusCode != 200 || a.EndpointId != ep.Id || a.TriggerType != models.MESSAGEATTEMPTTRIGGERTYPE_SCHEDULED {
		t.Errorf("attempt = %+v", a)
	}
	if got, err := svx.MessageAttempt.Get(ctx, "customer-1", msg.Id, a.Id); err != nil || got.Id != a.Id || got.Url != rc.URL+"/hook" {
		t.Errorf("MessageAttempt.Get = %+v, %v", got, err)
	}
	dests, err := svx.MessageAttempt.ListAttemptedDestinations(ctx, "customer-1", msg.Id, nil)
	if err != nil || len(dests.Data) != 1 || dests.Data[0].Id != ep.Id || dests.Data[0].Status != models.MESSAGESTATUS_SUCCESS {
		t.Errorf("ListAttemptedDestinations = %+v, %v", dests, err)
	}

	// Resend: a manual attempt, and the attempts of the message show both.
	if _, err := svx.MessageAttempt.Resend(ctx, "customer-1", msg.Id, "main", nil); err != nil {
		t.Fatal(err)
	}
	verifyWith(t, secret.Key, rc.next(t, 10*time.Second))
	eventually(t, 10*time.Second, "the resend is recorded", func() bool {
		byMsg, err := svx.MessageAttempt.ListByMsg(ctx, "customer-1", msg.Id, nil)
		return err == nil && len(byMsg.Data) == 2 && byMsg.Data[0].TriggerType == models.MESSAGEATTEMPTTRIGGERTYPE_MANUAL
	})
	sent, err := svx.MessageAttempt.ListAttemptedMessages(ctx, "customer-1", "main", &svix.MessageAttemptListAttemptedMessagesOptions{Limit: ptr(uint64(2))})
	if err != nil || len(sent.Data) != 2 || sent.Done || sent.Data[0].Status != models.MESSAGESTATUS_SUCCESS {
		t.Errorf("ListAttemptedMessages = %+v, %v; want a first page of 2, delivered", sent, err)
	}
	if got, err := svx.Message.Get(ctx, "customer-1", msg.Id, &svix.MessageGetOptions{WithContent: ptr(false)}); err != nil || len(got.Payload) != 0 {
		t.Errorf("Message.Get without content = %+v, %v", got, err)
	}
	stats, err := svx.Endpoint.GetStats(ctx, "customer-1", "main", nil)
	if err != nil || stats.Success != 4 || stats.Fail != 0 || stats.Pending != 0 {
		t.Errorf("GetStats = %+v, %v; want 4 delivered", stats, err)
	}
	hourAgo, inAnHour := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	if win, err := svx.Endpoint.GetStats(ctx, "customer-1", "main", &svix.EndpointGetStatsOptions{Since: &hourAgo}); err != nil || win.Success != 4 {
		t.Errorf("GetStats since an hour ago = %+v, %v; want the 4", win, err)
	}
	if win, err := svx.Endpoint.GetStats(ctx, "customer-1", "main", &svix.EndpointGetStatsOptions{Since: &inAnHour}); err != nil || win.Success != 0 {
		t.Errorf("GetStats from an hour on = %+v, %v; want none", win, err)
	}

	// The lists' filters, with an endpoint whose receiver answers 503.
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer failing.Close()
	if _, err := svx.Endpoint.Create(ctx, "customer-1", models.EndpointIn{Url: failing.URL + "/hook", Uid: ptr("broken"), FilterTypes: []string{"user.created"}}, nil); err != nil {
		t.Fatal(err)
	}
	failed, err := svx.Message.Create(ctx, "customer-1", models.MessageIn{EventType: "user.created", Payload: map[string]any{"n": 100}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the failed attempt is recorded", func() bool {
		got, err := svx.MessageAttempt.ListByEndpoint(ctx, "customer-1", "broken", nil)
		return err == nil && len(got.Data) == 1
	})
	status := func(s models.MessageStatus) *models.MessageStatus { return &s }
	class := func(c models.StatusCodeClass) *models.StatusCodeClass { return &c }
	for _, c := range []struct {
		name     string
		endpoint string
		o        svix.MessageAttemptListByEndpointOptions
		want     int
	}{
		{"failed ones of the failing endpoint", "broken", svix.MessageAttemptListByEndpointOptions{Status: status(models.MESSAGESTATUS_FAIL)}, 1},
		{"successful ones of the failing endpoint", "broken", svix.MessageAttemptListByEndpointOptions{Status: status(models.MESSAGESTATUS_SUCCESS)}, 0},
		{"pending ones of the failing endpoint (an attempt never is)", "broken", svix.MessageAttemptListByEndpointOptions{Status: status(models.MESSAGESTATUS_PENDING)}, 0},
		{"5xx of the failing endpoint", "broken", svix.MessageAttemptListByEndpointOptions{StatusCodeClass: class(models.STATUSCODECLASS_CODE5XX)}, 1},
		{"2xx of the failing endpoint", "broken", svix.MessageAttemptListByEndpointOptions{StatusCodeClass: class(models.STATUSCODECLASS_CODE2XX)}, 0},
		{"failed ones of main", "main", svix.MessageAttemptListByEndpointOptions{Status: status(models.MESSAGESTATUS_FAIL)}, 0},
		{"2xx of main", "main", svix.MessageAttemptListByEndpointOptions{StatusCodeClass: class(models.STATUSCODECLASS_CODE2XX)}, 5},
		{"main's before an hour ago", "main", svix.MessageAttemptListByEndpointOptions{Before: &hourAgo}, 0},
		{"main's after an hour ago", "main", svix.MessageAttemptListByEndpointOptions{After: &hourAgo}, 5},
		{"main's of another event type", "main", svix.MessageAttemptListByEndpointOptions{EventTypes: &[]string{"user.created"}}, 0},
		{"main's of its event type", "main", svix.MessageAttemptListByEndpointOptions{EventTypes: &[]string{"invoice.paid"}}, 5},
	} {
		got, err := svx.MessageAttempt.ListByEndpoint(ctx, "customer-1", c.endpoint, &c.o)
		if err != nil || len(got.Data) != c.want || !got.Done {
			t.Errorf("ListByEndpoint, %s = %+v, %v; want %d", c.name, got, err, c.want)
		}
	}
	if got, err := svx.MessageAttempt.ListByEndpoint(ctx, "customer-1", "main", &svix.MessageAttemptListByEndpointOptions{WithContent: ptr(false)}); err != nil ||
		len(got.Data) != 5 || got.Data[0].Response != "" {
		t.Errorf("ListByEndpoint without content = %+v, %v; want no response bodies", got, err)
	}
	if got, err := svx.MessageAttempt.ListByMsg(ctx, "customer-1", msg.Id, &svix.MessageAttemptListByMsgOptions{Status: status(models.MESSAGESTATUS_FAIL)}); err != nil || len(got.Data) != 0 {
		t.Errorf("ListByMsg of failed ones = %+v, %v; want none", got, err)
	}
	if got, err := svx.MessageAttempt.ListByMsg(ctx, "customer-1", failed.Id, &svix.MessageAttemptListByMsgOptions{StatusCodeClass: class(models.STATUSCODECLASS_CODE5XX)}); err != nil || len(got.Data) != 1 {
		t.Errorf("ListByMsg of 5xx = %+v, %v; want the failed attempt", got, err)
	}
	for st, want := range map[models.MessageStatus]int{models.MESSAGESTATUS_PENDING: 1, models.MESSAGESTATUS_SUCCESS: 0, models.MESSAGESTATUS_FAIL: 0} {
		got, err := svx.MessageAttempt.ListAttemptedMessages(ctx, "customer-1", "broken", &svix.MessageAttemptListAttemptedMessagesOptions{Status: status(st)})
		if err != nil || len(got.Data) != want {
			t.Errorf("ListAttemptedMessages with status %d = %+v, %v; want %d (a 503 is retried: pending)", st, got, err, want)
		}
	}
	if err := svx.Endpoint.Delete(ctx, "customer-1", "broken"); err != nil {
		t.Fatal(err)
	}

	// Headers, then an example of the catalog's type.
	if err := svx.Endpoint.UpdateHeaders(ctx, "customer-1", "main", models.EndpointHeadersIn{Headers: map[string]string{"X-Team": "billing", "X-Old": "1"}}); err != nil {
		t.Fatal(err)
	}
	if err := svx.Endpoint.PatchHeaders(ctx, "customer-1", "main", models.EndpointHeadersPatchIn{Headers: map[string]string{"X-Env": "prod"}, DeleteHeaders: []string{"X-Old"}}); err != nil {
		t.Fatal(err)
	}
	hdrs, err := svx.Endpoint.GetHeaders(ctx, "customer-1", "main")
	if err != nil || len(hdrs.Headers) != 2 || hdrs.Headers["X-Team"] != "billing" || hdrs.Headers["X-Env"] != "prod" {
		t.Errorf("GetHeaders = %+v, %v", hdrs, err)
	}
	if _, err := svx.Endpoint.SendExample(ctx, "customer-1", "main", models.EventExampleIn{EventType: "invoice.paid"}, nil); err != nil {
		t.Fatal(err)
	}
	ex := rc.next(t, 10*time.Second)
	if got := verifyWith(t, secret.Key, ex); got["currency"] != "EUR" || ex.header.Get("X-Team") != "billing" {
		t.Errorf("example = %v with headers %v; want the schema's example and the custom header", got, ex.header)
	}

	// Rotate: the next delivery verifies with the new secret.
	if err := svx.Endpoint.RotateSecret(ctx, "customer-1", "main", models.EndpointSecretRotateIn{}, nil); err != nil {
		t.Fatal(err)
	}
	rotated, err := svx.Endpoint.GetSecret(ctx, "customer-1", "main")
	if err != nil || rotated.Key == secret.Key {
		t.Fatalf("GetSecret after rotate = %v, %v; want a new secret", rotated, err)
	}
	if _, err := svx.Message.Create(ctx, "customer-1", models.MessageIn{EventType: "invoice.paid", Payload: map[string]any{"n": 9}}, nil); err != nil {
		t.Fatal(err)
	}
	verifyWith(t, rotated.Key, rc.next(t, 10*time.Second))

	// A payload sent by mistake is deleted, and never sent again; so is a response body.
	if err := svx.MessageAttempt.ExpungeContent(ctx, "customer-1", msg.Id, a.Id); err != nil {
		t.Fatal(err)
	}
	if got, err := svx.MessageAttempt.Get(ctx, "customer-1", msg.Id, a.Id); err != nil || got.Response != "" || got.ResponseStatusCode != 200 {
		t.Errorf("attempt after ExpungeContent = %+v, %v; want its status and no response", got, err)
	}
	if err := svx.Message.ExpungeContent(ctx, "customer-1", msg.Id); err != nil {
		t.Fatal(err)
	}
	if got, err := svx.Message.Get(ctx, "customer-1", msg.Id, nil); err != nil || len(got.Payload) != 0 {
		t.Errorf("message after ExpungeContent = %+v, %v; want an empty payload", got, err)
	}
	if _, err := svx.MessageAttempt.Resend(ctx, "customer-1", msg.Id, "main", nil); svixStatus(err) != 409 {
		t.Errorf("resending an expunged message: %v, want 409", err)
	}

	// Recover starts a job.
	rec, err := svx.Endpoint.Recover(ctx, "customer-1", "main", models.RecoverIn{Since: time.Now().Add(-time.Hour)}, nil)
	if err != nil || rec.Id == "" || rec.Status != models.BACKGROUNDTASKSTATUS_RUNNING {
		t.Errorf("Recover = %+v, %v", rec, err)
	}

	// Update and patch.
	if got, err := svx.Endpoint.Update(ctx, "customer-1", "main", models.EndpointUpdate{Url: rc.URL + "/hook", Uid: ptr("main"),
		FilterTypes: []string{"invoice.paid"}, Description: ptr("Billing")}); err != nil || got.Uid == nil || len(got.FilterTypes) != 1 {
		t.Errorf("Endpoint.Update = %+v, %v", got, err)
	}
	if _, err := svx.Endpoint.Patch(ctx, "customer-1", "main", models.EndpointPatch{Description: ptr("Billing EU"), Channels: utils.NewNullable([]string{"eu"})}); err != nil {
		t.Fatal(err)
	}
	if got, err := svx.Endpoint.Get(ctx, "customer-1", ep.Id); err != nil || got.Description != "Billing EU" || len(got.Channels) != 1 || got.Uid == nil {
		t.Errorf("Endpoint.Get after Patch = %+v, %v", got, err)
	}
	if _, err := svx.Application.Update(ctx, "customer-1", models.ApplicationIn{Name: "Customer One", Uid: ptr("customer-1")}); err != nil {
		t.Fatal(err)
	}
	if got, err := svx.Application.Patch(ctx, "customer-1", models.ApplicationPatch{Metadata: &map[string]string{"tier": "gold"}}); err != nil ||
		got.Name != "Customer One" || got.Metadata["tier"] != "gold" {
		t.Errorf("Application.Patch = %+v, %v", got, err)
	}

	// A portal token sees that application's endpoints and nothing else, until it logs out.
	other, err := svx.Application.Create(ctx, models.ApplicationIn{Name: "Customer 2", Uid: ptr("customer-2")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Fields hookd does not use (featureFlags, sessionId) are ignored, as Svix's server ignores those it does not know.
	// The paths this SDK has no call for (the older attempt lists, health/ping), as a client
	// of an older SDK calls them.
	hc := checkingClient(t)
	for _, path := range []string{"/api/v1/app/customer-1/msg/" + msg.Id + "/attempt", "/api/v1/app/customer-1/msg/" + msg.Id + "/endpoint/main/attempt"} {
		req, _ := http.NewRequest("GET", h.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+op["token"].(string))
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page models.ListResponseMessageAttemptOut
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != 200 || len(page.Data) != 2 || page.Data[0].MsgId != msg.Id {
			t.Errorf("GET %s = %d %+v, %v; want the message's 2 attempts", path, resp.StatusCode, page, err)
		}
		resp.Body.Close()
	}
	if resp, err := hc.Get(h.URL + "/api/v1/health/ping"); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Errorf("GET /api/v1/health/ping = %v, %v; want 204", resp, err)
	} else {
		resp.Body.Close()
	}
	dash, err := svx.Authentication.DashboardAccess(ctx, "customer-1", nil)
	if err != nil || dash.Token == "" || !strings.Contains(dash.Url, "#token=") {
		t.Errorf("DashboardAccess = %+v, %v", dash, err)
	}

	access, err := svx.Authentication.AppPortalAccess(ctx, "customer-1", models.AppPortalAccessIn{FeatureFlags: []string{"beta"}, SessionId: ptr("s-1")}, nil)
	if err != nil || access.Token == "" || access.Url == "" {
		t.Fatalf("AppPortalAccess = %+v, %v", access, err)
	}
	portal := svixClient(t, h.URL, access.Token)
	eps, err := portal.Endpoint.List(ctx, app.Id, nil)
	if err != nil || len(eps.Data) != 1 || eps.Data[0].Id != ep.Id {
		t.Errorf("portal Endpoint.List = %+v, %v; want the one endpoint", eps, err)
	}
	if _, err := portal.Endpoint.List(ctx, other.Id, nil); svixStatus(err) != 404 {
		t.Errorf("portal token on another application: %v, want 404", err)
	}
	if _, err := portal.Application.List(ctx, nil); svixStatus(err) != 403 {
		t.Errorf("portal token listing applications: %v, want 403", err)
	}
	if _, err := portal.Message.Create(ctx, app.Id, models.MessageIn{EventType: "invoice.paid", Payload: map[string]any{}}, nil); svixStatus(err) != 403 {
		t.Errorf("portal token sending a message: %v, want 403", err)
	}
	if err := portal.Authentication.Logout(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := portal.Endpoint.List(ctx, app.Id, nil); svixStatus(err) != 401 {
		t.Errorf("after logout: %v, want 401", err)
	}

	// Deletes.
	if err := svx.Endpoint.Delete(ctx, "customer-1", "main"); err != nil {
		t.Fatal(err)
	}
	if _, err := svx.Endpoint.Get(ctx, "customer-1", "main"); svixStatus(err) != 404 {
		t.Errorf("deleted endpoint: %v, want 404", err)
	}
	if err := svx.EventType.Delete(ctx, "user.created", nil); err != nil {
		t.Fatal(err)
	}
	if left, err := svx.EventType.List(ctx, nil); err != nil || len(left.Data) != 2 {
		t.Errorf("after archiving one, EventType.List = %+v, %v", left, err)
	}
	if err := svx.Application.Delete(ctx, "customer-2"); err != nil {
		t.Fatal(err)
	}
	apps, err := svx.Application.List(ctx, nil)
	if err != nil || len(apps.Data) != 2 {
		t.Errorf("Application.List = %+v, %v; want the platform's and customer-1", apps, err)
	}
}
