package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hookd/hookd/internal/delivery"
	"github.com/hookd/hookd/internal/ingest"
	"github.com/hookd/hookd/internal/metrics"
	"github.com/hookd/hookd/internal/netguard"
	"github.com/hookd/hookd/internal/server"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/postgres"
	"github.com/hookd/hookd/internal/store/sqlite"
	"github.com/hookd/hookd/internal/webhook"
)

type serveConfig struct {
	store          storeFlags
	addr           string
	allowNetwork   listFlag
	workers        int
	perWebhook     int
	perApp         int
	maxWebhooks    int
	corsOrigins    listFlag
	frameAncestors listFlag
	publicURL      string
	perHost        int
	storeWait      time.Duration
	shutdown       time.Duration
	maxPayload     int64
	logLevel       string
	lease          time.Duration
	retention      time.Duration
	security       securityFlags // server key and rate limits (secretkey.go)
	// circuit breaker and auto-disable thresholds only
	breaker delivery.Options
}

func (c *serveConfig) register(fs *flag.FlagSet, getenv func(string) string) {
	c.store.register(fs, getenv)
	c.security.register(fs, getenv)
	fs.StringVar(&c.addr, "addr", envOr(getenv, "HOOKD_ADDR", "127.0.0.1:8080"), "address to listen on")
	fs.Var(&c.allowNetwork, "allow-network", "CIDR deliveries may reach despite the SSRF guard (repeatable; HOOKD_ALLOW_NETWORK, comma-separated)")
	fs.IntVar(&c.workers, "workers", 256, "delivery requests in flight in all")
	fs.IntVar(&c.perWebhook, "per-webhook", 64, "delivery requests in flight per webhook")
	fs.IntVar(&c.perApp, "per-app", 0, "delivery requests in flight per app (0: half the workers)")
	fs.IntVar(&c.perHost, "per-host", 0, "delivery requests in flight per destination host and port (0: half the workers)")
	fs.Var(&c.corsOrigins, "cors-origin", "an origin (https://app.example.com) whose pages may call the API (repeatable; HOOKD_CORS_ORIGINS, comma-separated)")
	fs.Var(&c.frameAncestors, "frame-ancestors", "an origin whose pages may embed the dashboard in an iframe (repeatable; HOOKD_FRAME_ANCESTORS, comma-separated)")
	fs.StringVar(&c.publicURL, "public-url", getenv("HOOKD_PUBLIC_URL"), "the URL people reach this server at (https://hooks.example.com), for portal session links (default: the request's own host)")
	fs.IntVar(&c.maxWebhooks, "max-webhooks", server.DefaultMaxWebhooks, "webhooks one app may have (each event fans out to every matching one)")
	fs.DurationVar(&c.storeWait, "store-wait", 60*time.Second, "how long to wait for PostgreSQL at start while it cannot be reached")
	fs.DurationVar(&c.shutdown, "shutdown-timeout", 10*time.Second, "how long in-flight requests may finish on SIGTERM before their deliveries are given back")
	fs.Int64Var(&c.maxPayload, "max-payload", webhook.DefaultMaxPayload, "largest event payload in bytes")
	fs.IntVar(&c.breaker.BreakerThreshold, "breaker-threshold", delivery.DefaultBreakerThreshold, "consecutive failed attempts that open a webhook's circuit breaker (negative: no breaker)")
	fs.DurationVar(&c.breaker.BreakerCooldown, "breaker-cooldown", delivery.DefaultBreakerCooldown, "how long an open circuit breaker waits before a probe")
	fs.DurationVar(&c.breaker.DisableAfter, "disable-after", delivery.DefaultDisableAfter, "deactivate a webhook that fails without a success this long (negative: never)")
	fs.DurationVar(&c.lease, "lease", 2*time.Minute, "how long a claimed delivery is held; a crashed instance's deliveries come back after it (keep it above the longest webhook timeout, 60 s, or a slow delivery may be sent twice)")
	fs.DurationVar(&c.retention, "retention", store.DefaultRetention, "delete attempts, final deliveries and events older than this (0: keep forever)")
	fs.StringVar(&c.logLevel, "log-level", envOr(getenv, "HOOKD_LOG_LEVEL", "info"), "debug, info, warn or error")
	if v := getenv("HOOKD_ALLOW_NETWORK"); v != "" {
		c.allowNetwork = strings.Split(v, ",")
	}
	if v := cmp.Or(getenv("HOOKD_CORS_ORIGINS"), getenv("HOOKD_CORS_ORIGIN")); v != "" {
		c.corsOrigins = strings.Split(v, ",")
	}
	if v := getenv("HOOKD_FRAME_ANCESTORS"); v != "" {
		c.frameAncestors = strings.Split(v, ",")
	}
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve")
	var cfg serveConfig
	cfg.register(fs, getenv)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if cfg.lease < time.Second {
		return fmt.Errorf("--lease must be at least 1s, got %s", cfg.lease)
	}
	if cfg.perApp < 0 || cfg.perHost < 0 || cfg.storeWait < 0 || cfg.shutdown < 0 || cfg.maxWebhooks < 1 {
		return errors.New("--per-app, --per-host, --store-wait and --shutdown-timeout cannot be negative, --max-webhooks must be at least 1")
	}
	for _, o := range append(append([]string{}, cfg.corsOrigins...), cfg.frameAncestors...) {
		if err := checkOrigin(o); err != nil {
			return err
		}
	}
	if err := checkPublicURL(cfg.publicURL); err != nil {
		return err
	}
	allow, err := netguard.ParseAllow(cfg.allowNetwork)
	if err != nil {
		return fmt.Errorf("--allow-network: %w", err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	// The address first: a port in use fails before anything is created or printed (a
	// bootstrap key shown for a server that never ran would be lost).
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	defer ln.Close()
	// The server key first: without one on PostgreSQL serve refuses before touching the database.
	box, keySource, err := cfg.security.box(cfg.store, log)
	if err != nil {
		return err
	}
	if cfg.store.databaseURL == "" {
		// One serving process per data directory: it alone claims there, so it may release
		// every lease it finds, which is how a crash's deliveries go out at once after a restart.
		lock, err := sqlite.LockDir(cfg.store.dataDir)
		if err != nil {
			return err
		}
		defer lock.Unlock()
	}
	st, err := cfg.store.openWaiting(ctx, cfg.storeWait, log)
	if err != nil {
		return err
	}
	defer st.Close()
	st.UseSecretBox(box)
	if n, err := st.SealSecrets(ctx); err != nil {
		return fmt.Errorf("seal secrets with the server key: %w", err)
	} else if n > 0 {
		log.Info("sealed secrets kept in the clear with the server key", "webhooks", n)
	}
	limits, err := cfg.security.limits(cfg.store)
	if err != nil {
		return err
	}
	if err := bootstrap(ctx, st, stdout); err != nil {
		return err
	}
	instance, err := st.Register(ctx, time.Now())
	if err != nil {
		return err
	}
	if cfg.store.databaseURL == "" { // the directory is ours: whoever held leases here is gone
		if n, err := st.ReleaseLeases(ctx, time.Now(), time.Now()); err != nil {
			return err
		} else if n > 0 {
			log.Info("released the deliveries the previous process held", "deliveries", n)
		}
	}
	log.Info("config", "store", cfg.store.describe(), "addr", cfg.addr, "allow_network", cfg.allowNetwork,
		"workers", cfg.workers, "per_webhook", cfg.perWebhook, "per_app", cfg.perApp, "per_host", cfg.perHost, "max_payload", cfg.maxPayload,
		"server_key", keySource, "rate_limits", limits, "instance", instance, "lease", cfg.lease, "shutdown_timeout", cfg.shutdown)

	m := metrics.New(st.QueueDepth)
	sender := delivery.NewSender(netguard.New(allow))
	defer sender.Close()
	pool := delivery.NewPool(st, sender, log, m, delivery.Options{Workers: cfg.workers, PerWebhook: cfg.perWebhook, PerApp: cfg.perApp,
		PerHost: cfg.perHost, Lease: cfg.lease, ShutdownTimeout: cfg.shutdown,
		BreakerThreshold: cfg.breaker.BreakerThreshold, BreakerCooldown: cfg.breaker.BreakerCooldown, DisableAfter: cfg.breaker.DisableAfter})
	batcher := ingest.New(st, pool)
	api := server.New(st, batcher, m, log, server.Options{MaxPayload: cfg.maxPayload, MaxWebhooks: cfg.maxWebhooks, Limits: limits, Wake: pool.Wake,
		CORSOrigins: cfg.corsOrigins, FrameAncestors: cfg.frameAncestors, PublicURL: cfg.publicURL})
	srv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "hookd listening on http://%s\n", ln.Addr())

	// Stop in order: the API first (no new events), then ingestion (commit what is queued),
	// then the workers (finish in-flight deliveries), then the store.
	ingestCtx, stopIngest := context.WithCancel(context.WithoutCancel(ctx))
	poolCtx, stopPool := context.WithCancel(context.WithoutCancel(ctx))
	defer stopIngest()
	defer stopPool()
	var wg sync.WaitGroup
	wg.Go(func() { _ = batcher.Run(ingestCtx) })
	// The heartbeat outlives the pool: while in-flight deliveries finish on shutdown, the other
	// instances must not take this one for dead and send them again.
	beatCtx, stopBeat := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBeat()
	beatDone := make(chan struct{})
	go func() { defer close(beatDone); _ = (&store.Heartbeat{Store: st, Log: log}).Run(beatCtx) }()
	wg.Go(func() { _ = (&store.CountFolder{Store: st, Log: log}).Run(poolCtx) })
	wg.Go(func() { _ = (&store.LogDays{Store: st, Log: log}).Run(poolCtx) })
	if cfg.retention > 0 {
		wg.Go(func() { _ = (&store.Retention{Store: st, Age: cfg.retention, Log: log}).Run(poolCtx) })
	}
	if cfg.store.databaseURL != "" {
		// Listening before the first claim, so that no other instance's commit goes unheard
		// once this one delivers; a listener slow to connect only delays that to the poll.
		listening := make(chan struct{})
		var once sync.Once
		wg.Go(func() {
			_ = postgres.Listen(poolCtx, cfg.store.databaseURL, log, pool.WakeDeliveries, func() { once.Do(func() { close(listening) }) })
		})
		select {
		case <-listening:
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
			log.Warn("postgres listener not ready; new deliveries of other instances wait for the poll until it is")
		}
	}
	poolDone := make(chan struct{})
	go func() { defer close(poolDone); _ = pool.Run(poolCtx) }()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-serveErr:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdown)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	api.Close() // before the store closes (deferred above)
	stopIngest()
	stopPool()
	<-poolDone
	stopBeat()
	<-beatDone
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info("stopped")
	return err
}

// bootstrap creates the operator's key (every scope, admin included) on a store that has no
// key yet and prints it, once.
func bootstrap(ctx context.Context, st store.Store, stdout io.Writer) error {
	n, err := st.CountKeys(ctx)
	if err != nil || n > 0 {
		return err
	}
	now := time.Now()
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "default", CreatedAt: now}
	if err := st.CreateApp(ctx, app); err != nil {
		return err
	}
	k, err := newKey(ctx, st, app.ID, "bootstrap admin", webhook.AllScopes, webhook.EnvProduction, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bootstrap admin key for app %s (shown once, keep it safe):\n  token: %s\n  x-client-key: %s\n  x-client-secret: %s\n",
		app.ID, k.Token, k.ClientKey, k.ClientSecret)
	return nil
}

// redactURL hides a password in a database URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// checkOrigin accepts an origin as browsers send it: scheme://host[:port], nothing more.
func checkOrigin(o string) error {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("--cors-origin and --frame-ancestors take origins such as https://app.example.com (scheme and host, an optional port, no path), got %q", o)
	}
	return nil
}

// checkPublicURL accepts an absolute http(s) URL with no query or fragment (a path prefix is fine).
func checkPublicURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("--public-url takes the URL people reach hookd at, such as https://hooks.example.com, got %q", raw)
	}
	return nil
}
