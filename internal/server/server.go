// Package server is hookd's HTTP API. routes.go lists every route.
package server

import (
	"cmp"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hookd/hookd/internal/ingest"
	"github.com/hookd/hookd/internal/metrics"
	"github.com/hookd/hookd/internal/ratelog"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Options are the server's limits; zero values take defaults.
type Options struct {
	MaxPayload  int64 // bytes of one event's payload (default 256 KiB)
	MaxWebhooks int   // webhooks one app may have (default DefaultMaxWebhooks)
	// CORSOrigins may call the API from a page (cors.go); FrameAncestors may embed the dashboard.
	CORSOrigins, FrameAncestors []string
	// PublicURL is where people reach this server, for portal session links; empty: the request's host.
	PublicURL string
	Limits    Limits // per-key hourly quotas and the per-app ingest limit (ratelimit.go)
	Wake      func() // tells the workers a retry, test or recover job is due (control.go); may be nil
}

// DefaultMaxWebhooks bounds an app's webhooks: every event fans out to each matching one, so
// the bound is also how many deliveries one event can make.
const DefaultMaxWebhooks = 100

// Server holds the API's dependencies.
type Server struct {
	store   store.Store
	ingest  *ingest.Batcher
	metrics *metrics.Metrics
	log     *slog.Logger
	opts    Options
	now     func() time.Time
	touched touchedKeys
	outage  ratelog.Errors // store errors, logged once per interval
	refused atomic.Int64   // when the store last failed a request as unavailable (Unix ms)
	keys    keyCache
	limits  *limiter
	handler http.Handler // the routes, instrumented
}

// New returns the API as one handler; Close it once it serves no more requests.
func New(s store.Store, b *ingest.Batcher, m *metrics.Metrics, log *slog.Logger, opts Options) *Server {
	opts.MaxPayload = cmp.Or(opts.MaxPayload, webhook.DefaultMaxPayload)
	opts.MaxWebhooks = cmp.Or(opts.MaxWebhooks, DefaultMaxWebhooks)
	srv := &Server{store: s, ingest: b, metrics: m, log: log, opts: opts, now: time.Now}
	srv.limits = newLimiter(s, opts.Limits, log)
	mux := http.NewServeMux()
	srv.routes(mux)
	srv.handler = srv.instrument(srv.cors(mux))
	return srv
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close writes back what the server holds for the store (rate-limit counts kept in memory)
// and stops writing to it: call it after the HTTP server has shut down, before the store is
// closed.
func (s *Server) Close() { s.limits.close() }

// instrument counts requests by route pattern and status.
func (s *Server) instrument(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		mux.ServeHTTP(rec, r)
		pattern := r.Pattern
		if pattern == "" {
			pattern = "unmatched"
		}
		s.metrics.APIRequests.WithLabelValues(pattern, strconv.Itoa(rec.status)).Inc()
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
