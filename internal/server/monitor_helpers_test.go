package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
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

// monitorAPI is the whole API over a fresh SQLite store, with one monitorTenant and its key.
type monitorAPI struct {
	t  testing.TB
	st store.Store
	h  http.Handler
	monitorTenant
}

// monitorTenant is an app and a key of it holding webhook:read.
type monitorTenant struct {
	appID, clientKey, secret string
}

func newMonitorAPI(t testing.TB) *monitorAPI {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return newMonitorAPIOn(t, st)
}

// newMonitorAPIOn serves the API over st, which it closes at the end of the test.
func newMonitorAPIOn(t testing.TB, st store.Store) *monitorAPI {
	t.Cleanup(func() { st.Close() })
	h := New(st, ingest.New(st, nil), metrics.New(st.QueueDepth), slog.New(slog.DiscardHandler), Options{})
	a := &monitorAPI{t: t, st: st, h: h}
	a.monitorTenant = a.newTenant("acme")
	return a
}

func (a *monitorAPI) newTenant(name string) monitorTenant {
	a.t.Helper()
	ctx, now := context.Background(), time.Now()
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: name, CreatedAt: now}
	if err := a.st.CreateApp(ctx, app); err != nil {
		a.t.Fatal(err)
	}
	ck, secret := webhook.NewKeyCredentials()
	k := &webhook.Key{ID: webhook.NewID(webhook.PrefixKey, now), AppID: app.ID, Name: "monitor", ClientKey: ck, SecretHash: webhook.HashSecret(secret),
		Scopes: []string{webhook.ScopeWebhookRead}, Env: webhook.EnvProduction, Active: true, CreatedAt: now}
	if err := a.st.CreateKey(ctx, k); err != nil {
		a.t.Fatal(err)
	}
	return monitorTenant{appID: app.ID, clientKey: ck, secret: secret}
}

// apiResponse is one answer of the API, for every test of this package.
type apiResponse struct {
	status int
	header http.Header
	body   []byte
}

func (r apiResponse) json(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return v
}

// call sends a request as monitorTenant tn (x-client-key/x-client-secret), or with the given headers.
func (a *monitorAPI) call(tn monitorTenant, method, path string, header ...string) apiResponse {
	a.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if len(header) == 0 {
		req.Header.Set("x-client-key", tn.clientKey)
		req.Header.Set("x-client-secret", tn.secret)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return apiResponse{status: rec.Code, header: rec.Header(), body: body}
}

func (a *monitorAPI) get(path string) apiResponse {
	a.t.Helper()
	return a.call(a.monitorTenant, "GET", path)
}

// mustGet requires a 200 and decodes the object.
func (a *monitorAPI) mustGet(path string) map[string]any {
	a.t.Helper()
	r := a.get(path)
	if r.status != http.StatusOK {
		a.t.Fatalf("GET %s = %d %s, want 200", path, r.status, r.body)
	}
	return r.json(a.t)
}

func (a *monitorAPI) webhook(tn monitorTenant, url string) *webhook.Webhook {
	a.t.Helper()
	now := time.Now()
	w := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: tn.appID, Name: "payments", URL: url, Active: true,
		Secret: signature.NewSecret(), CreatedAt: now, UpdatedAt: now}
	if err := a.st.CreateWebhook(context.Background(), w); err != nil {
		a.t.Fatal(err)
	}
	return w
}

// attemptSpec describes one attempt to make: a status code (0 = no answer) and its cause.
type attemptSpec struct {
	code  int
	cause string
	final bool // the delivery ends after it (delivered on 2xx, failed otherwise)
}

// deliver creates one event of type typ for tn and runs the attempts on its delivery to hook,
// the last at time at. It returns the event id and the attempt ids, oldest first.
func (a *monitorAPI) deliver(tn monitorTenant, hook *webhook.Webhook, typ string, at time.Time, attempts ...attemptSpec) (string, []string) {
	a.t.Helper()
	ctx := context.Background()
	created, err := a.st.CreateEvents(ctx, []store.NewEvent{{AppID: tn.appID, Type: typ, Payload: json.RawMessage(`{"amount":42}`)}}, at, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	ev := created[0].Event.ID
	var ids []string
	for i, spec := range attempts {
		jobs, err := a.st.Claim(ctx, at.Add(time.Hour), time.Minute, 1000)
		if err != nil {
			a.t.Fatal(err)
		}
		var job *store.Job
		for k := range jobs {
			if jobs[k].Event.ID == ev && jobs[k].Webhook.ID == hook.ID {
				job = &jobs[k]
			}
		}
		if job == nil {
			a.t.Fatalf("delivery of %s to %s not claimable", ev, hook.ID)
		}
		if err := a.st.Release(ctx, jobsExcept(jobs, job.DeliveryID), at); err != nil {
			a.t.Fatal(err)
		}
		when := at.Add(time.Duration(i-len(attempts)+1) * time.Second)
		att := &webhook.Attempt{ID: webhook.NewID(webhook.PrefixAttempt, when), DeliveryID: job.DeliveryID, WebhookID: hook.ID, AppID: tn.appID,
			EventID: ev, Number: i + 1, Trigger: webhook.TriggerScheduled, StatusCode: spec.code, DurationMS: 100 * float64(i+1), Cause: spec.cause,
			RequestHeaders:  map[string]string{"webhook-id": ev, "content-type": "application/json"},
			ResponseHeaders: map[string]string{"Content-Type": "text/plain"}, ResponseBody: fmt.Sprintf("answer %d", spec.code), CreatedAt: when}
		if spec.cause == "" && (spec.code < 200 || spec.code > 299) {
			att.Cause = webhook.CauseHTTP
		}
		if att.Cause != "" {
			att.Error = fmt.Sprintf("%s failure (%d)", att.Cause, spec.code)
		}
		if i == 0 && len(attempts) > 2 {
			att.Trigger = webhook.TriggerManual
		}
		o := store.Outcome{Job: *job, Attempt: att, Status: webhook.StatusRetrying}
		next := at
		o.NextAt = &next
		if spec.final {
			o.NextAt = nil
			o.Status = webhook.StatusFailed
			if att.Succeeded() {
				o.Status = webhook.StatusDelivered
			}
		}
		if err := a.st.Complete(ctx, []store.Outcome{o}); err != nil {
			a.t.Fatal(err)
		}
		ids = append(ids, att.ID)
	}
	return ev, ids
}

func jobsExcept(jobs []store.Job, deliveryID string) []store.Job {
	var out []store.Job
	for _, j := range jobs {
		if j.DeliveryID != deliveryID {
			out = append(out, j)
		}
	}
	return out
}

// keys returns the sorted keys of an object, for exact field-set checks.
func objectKeys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, ",")
}
