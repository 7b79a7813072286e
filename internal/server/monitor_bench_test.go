package server

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/ingest"
	"github.com/hookd/hookd/internal/metrics"
	"github.com/hookd/hookd/internal/signature"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/postgres"
	"github.com/hookd/hookd/internal/store/sqlite"
	"github.com/hookd/hookd/internal/webhook"
)

// BenchmarkMonitorMillion loads 1,000,000 attempts (250,000 deliveries of 4 attempts) for one
// webhook and times, through the whole handler (authentication included), the three reads
// SPEC §11 bounds at 20 ms p99. Run:
//
//	HOOKD_TEST_POSTGRES_URL=postgres://… go test ./internal/server -run '^$' -bench MonitorMillion -benchtime 2000x
const (
	benchDeliveries = 250_000
	benchAttempts   = 4 * benchDeliveries
)

func BenchmarkMonitorMillion(b *testing.B) {
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			api, hook, tn := loadMillion(b, db)
			cases := []struct{ name, path string }{
				{"webhook_with_stats", "/api/v0/webhooks/" + hook.ID + "?include_events=true"},
				{"v1_messages_page", "/v1/webhooks/" + hook.ID + "/messages?limit=50"},
				{"v3_calls_filtered_sorted", fmt.Sprintf("/api/v3/notification/webhook/%d/calls?filter[http_code__gte]=500&sort=-created_at&page[size]=100", hook.NumericID)},
			}
			// "api" is the whole handler; "handler" leaves out authentication and the rate
			// limiter (whose per-request count is a write), to show the cost of the read itself.
			direct := directHandler(b, api, tn)
			for _, c := range cases {
				for _, via := range []struct {
					name string
					h    http.Handler
				}{{"api", api.h}, {"handler", direct}} {
					benchGet(b, c.name+"/"+via.name, via.h, c.path, tn)
				}
			}
		})
	}
}

// benchGet times GET path on h and reports p50 and p99 besides the mean.
func benchGet(b *testing.B, name string, h http.Handler, path string, tn monitorTenant) {
	b.Run(name, func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("x-client-key", tn.clientKey)
			req.Header.Set("x-client-secret", tn.secret)
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, req)
			lat = append(lat, time.Since(start))
			if rec.Code != http.StatusOK {
				b.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
			}
		}
		slices.Sort(lat)
		pct := func(p float64) float64 {
			return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))]) / float64(time.Millisecond)
		}
		b.ReportMetric(pct(0.50), "p50-ms")
		b.ReportMetric(pct(0.99), "p99-ms")
	})
}

// directHandler routes the benchmarked reads straight to their handlers as tn's key.
func directHandler(b *testing.B, a *monitorAPI, tn monitorTenant) http.Handler {
	k, err := a.st.KeyByClientKey(context.Background(), tn.clientKey)
	if err != nil {
		b.Fatal(err)
	}
	srv := &Server{store: a.st, log: slog.New(slog.DiscardHandler), now: time.Now}
	as := func(h http.HandlerFunc) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h(w, r.WithContext(context.WithValue(r.Context(), keyCtx, k)))
		})
	}
	mux := http.NewServeMux()
	mux.Handle("GET /api/v0/webhooks/{id}", as(srv.handleWebhookGet))
	mux.Handle("GET /v1/webhooks/{webhookId}/messages", as(srv.handleMessageList))
	mux.Handle("GET /api/v3/notification/webhook/{webhook_id}/calls", as(srv.handleCallList))
	return mux
}

// loadMillion opens a store, creates a tenant and a webhook, and fills the log with SQL
// (generate_series / a recursive CTE), then sets the counters and rollups to match.
func loadMillion(b *testing.B, db string) (*monitorAPI, *webhook.Webhook, monitorTenant) {
	ctx := context.Background()
	var st store.Store
	var raw *sql.DB
	var err error
	switch db {
	case "sqlite":
		dir := b.TempDir()
		if st, err = sqlite.Open(ctx, dir); err != nil {
			b.Fatal(err)
		}
		raw, err = sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	default:
		base := os.Getenv("HOOKD_TEST_POSTGRES_URL")
		if base == "" {
			b.Skip("HOOKD_TEST_POSTGRES_URL not set")
		}
		url, drop, err := postgres.NewSchema(ctx, base)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = drop() })
		if st, err = postgres.Open(ctx, url); err != nil {
			b.Fatal(err)
		}
		raw, err = sql.Open("pgx", url)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close(); st.Close() })

	h := New(st, ingest.New(st, nil), metrics.New(st.QueueDepth), slog.New(slog.DiscardHandler),
		Options{Limits: Limits{Production: 1 << 30, Development: 1 << 30}})
	a := &monitorAPI{t: b, st: st, h: h}
	tn := a.newTenant("bench")
	now := time.Now()
	hook := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: tn.appID, Name: "bench", URL: "https://example.com/hook",
		Active: true, Secret: signature.NewSecret(), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateWebhook(ctx, hook); err != nil {
		b.Fatal(err)
	}

	start := time.Now()
	base := now.Add(-6 * time.Hour).UnixMilli() // attempts 10 ms apart: the last lands about 3 hours ago
	pad := "printf('%026d', n)"
	if db == "postgres" {
		pad = "lpad(n::text, 26, '0')"
	}
	// gen makes body select from the integers 0..last: {{WITH}} and {{FROM}} mark where.
	gen := func(last int, body string) string {
		with, from := fmt.Sprintf("WITH RECURSIVE c(n) AS (SELECT 0 UNION ALL SELECT n+1 FROM c WHERE n < %d) ", last), "FROM c"
		if db == "postgres" {
			with, from = "", fmt.Sprintf("FROM generate_series(0, %d) AS n", last)
		}
		return strings.ReplaceAll(strings.ReplaceAll(body, "{{WITH}}", with), "{{FROM}}", from)
	}
	boolean := "0"
	if db == "postgres" {
		boolean = "false"
	}
	// Attempt n belongs to delivery n/4; codes cycle 200, 200, 200, 500, 404, 200, 503.
	code := "CASE n % 7 WHEN 3 THEN 500 WHEN 4 THEN 404 WHEN 6 THEN 503 ELSE 200 END"
	stmts := []string{
		gen(benchDeliveries-1, `{{WITH}}INSERT INTO events (id, app_id, type, payload, idempotency_key, created_at)
			SELECT 'msg_' || `+pad+`, '`+tn.appID+`', 'invoice.paid', '{"amount":42}', NULL, `+fmt.Sprint(base)+` + n * 40 {{FROM}}`),
		gen(benchDeliveries-1, `{{WITH}}INSERT INTO deliveries (id, app_id, webhook_id, event_id, event_type, status, attempts, lease, created_at, last_at, response_code, response_ms, last_error)
			SELECT 'dlv_' || `+pad+`, '`+tn.appID+`', '`+hook.ID+`', 'msg_' || `+pad+`, 'invoice.paid',
				CASE WHEN n % 10 = 0 THEN 'failed' ELSE 'delivered' END, 4, 4, `+fmt.Sprint(base)+` + n * 40, `+fmt.Sprint(base)+` + n * 40 + 30, 200, 120, '' {{FROM}}`),
		gen(benchAttempts-1, `{{WITH}}INSERT INTO attempts (id, delivery_id, webhook_id, app_id, event_id, number, triggered_by, status_code, duration_ms, cause, error,
				request_headers, response_headers, response_body, truncated, created_at)
			SELECT 'atmpt_' || `+pad+`, 'dlv_' || `+pad0(db, "n / 4")+`, '`+hook.ID+`', '`+tn.appID+`', 'msg_' || `+pad0(db, "n / 4")+`, n % 4 + 1, 'scheduled',
				`+code+`, 120, CASE WHEN `+code+` = 200 THEN '' ELSE 'http' END, '', '{"webhook-id":"x"}', '{"Content-Type":"text/plain"}', 'ok', `+boolean+`,
				`+fmt.Sprint(base)+` + n * 10 {{FROM}}`),
		fmt.Sprintf(`UPDATE webhooks SET total = %d, delivered = %d, failed = %d, rt_sum_ms = %d, rt_count = %d, last_delivery_at = %d WHERE id = '%s'`,
			benchDeliveries, benchDeliveries*9/10, benchDeliveries/10, 120*benchAttempts, benchAttempts, base+10*benchAttempts, hook.ID),
	}
	for _, q := range stmts {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			b.Fatalf("load: %v\n%s", err, q)
		}
	}
	for i := range 24 {
		hour := now.Add(-time.Duration(i) * time.Hour).Truncate(time.Hour).UnixMilli()
		if _, err := raw.ExecContext(ctx, fmt.Sprintf(`INSERT INTO webhook_rollups (webhook_id, hour, events, attempts, successes, failures, delivered, failed, rt_sum_ms, rt_count)
			VALUES ('%s', %d, 1000, 4000, 2300, 1700, 900, 100, 480000, 4000)`, hook.ID, hour)); err != nil {
			b.Fatal(err)
		}
	}
	analyze := "ANALYZE"
	if _, err := raw.ExecContext(ctx, analyze); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: loaded %d attempts in %s", db, benchAttempts, time.Since(start).Round(time.Millisecond))
	got, err := st.GetWebhook(ctx, tn.appID, hook.ID, now)
	if err != nil {
		b.Fatal(err)
	}
	return a, got, tn
}

// pad0 zero-pads an integer expression to 26 digits.
func pad0(db, expr string) string {
	if db == "postgres" {
		return "lpad((" + expr + ")::text, 26, '0')"
	}
	return "printf('%026d', " + expr + ")"
}
