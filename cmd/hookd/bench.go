package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookd/hookd/internal/secretbox"
	"github.com/hookd/hookd/internal/server"
	"github.com/hookd/hookd/internal/store/postgres"
	"github.com/hookd/hookd/internal/webhook"
)

const benchUsage = `usage: hookd bench [flags]

Runs hookd IN PROCESS (the same runServe as "hookd serve", in a goroutine) on a temporary
SQLite data directory (or a fresh PostgreSQL schema with --store postgres), with a receiver and
a load generator on loopback in the same process, and measures, in one run:

  1. the raw loopback HTTP ceiling: the load generator posting straight to the receiver
     (same body, same concurrency);
  2. full load: --events events, one per request, posted by --concurrency clients; events
     accepted per second (202 = committed), deliveries per second end to end, latency
     p50/p95/p99 from posting an event to the receiver getting it;
  3. a steady --rate for --duration: latency p50/p95/p99;
  4. idle: single events on an idle system, median latency.

The event payload carries the time it was posted; the receiver counts the distinct
deliveries it got (webhook, Webhook-Id) and measures each latency. Nothing is estimated.
CPU and peak RSS are the whole process's (hookd + receiver + load generator), from getrusage.

Events are spread over --webhooks event types; each type has --fanout webhooks, so each event
has --fanout deliveries (--webhooks × --fanout webhooks in all). Deliveries per second,
latency and CPU count deliveries, not events; lost is accepted events × --fanout minus the
distinct deliveries received. The two ceilings stay one request in, one out.

--instances N (PostgreSQL only) runs N hookd servers on the one schema, with the same server
key, and the load generator spreads its requests over them round-robin. A SQLite data
directory is locked by the one server that uses it, so SQLite runs one.

flags:
`

type benchConfig struct {
	events      int
	concurrency int
	payload     int
	webhooks    int
	fanout      int
	instances   int
	rate        int
	duration    time.Duration
	idle        int
	store       string
	databaseURL string
	json        bool
	cpuprofile  string
	workers     int
	perWebhook  int
}

func (c *benchConfig) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.IntVar(&c.events, "events", 30000, "events posted at full load (and requests for the raw ceiling)")
	fs.IntVar(&c.concurrency, "concurrency", 64, "requests in flight from the load generator")
	fs.IntVar(&c.payload, "payload", 512, "bytes of each event's JSON payload (at least 48)")
	fs.IntVar(&c.webhooks, "webhooks", 1, "event types the events are spread over (each with --fanout webhooks)")
	fs.IntVar(&c.fanout, "fanout", 1, "webhooks each event goes to (all at the bench receiver)")
	fs.IntVar(&c.instances, "instances", 1, "hookd servers on the one database, the load spread over them (--store postgres only)")
	fs.IntVar(&c.rate, "rate", 1000, "events per second in the paced phase (0 skips it)")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "length of the paced phase")
	fs.IntVar(&c.idle, "idle", 20, "single events sent one at a time on an idle system (0 skips)")
	fs.StringVar(&c.store, "store", "sqlite", "sqlite (a temporary data directory) or postgres (a fresh schema)")
	fs.StringVar(&c.databaseURL, "database-url", getenv("HOOKD_DATABASE_URL"), "PostgreSQL URL for --store postgres")
	fs.BoolVar(&c.json, "json", false, "print one JSON object instead of the table")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.IntVar(&c.workers, "workers", 0, "hookd serve --workers (0: serve's default)")
	fs.IntVar(&c.perWebhook, "per-webhook", 0, "hookd serve --per-webhook (0: serve's default)")
}

func (c *benchConfig) validate() error {
	switch {
	case c.events < 1:
		return errors.New("--events must be at least 1")
	case c.concurrency < 1:
		return errors.New("--concurrency must be at least 1")
	case c.payload < minBenchPayload || int64(c.payload) > webhook.DefaultMaxPayload:
		return fmt.Errorf("--payload must be between %d and %d bytes", minBenchPayload, webhook.DefaultMaxPayload)
	case c.webhooks < 1 || c.webhooks > 1000:
		return errors.New("--webhooks must be between 1 and 1000")
	case c.fanout < 1 || c.webhooks*c.fanout > 1000:
		return fmt.Errorf("--fanout must be at least 1, and --webhooks × --fanout (%d × %d) at most 1000", c.webhooks, c.fanout)
	case c.instances < 1 || c.instances > 64:
		return errors.New("--instances must be between 1 and 64")
	case c.rate < 0 || c.duration < 0 || c.idle < 0 || c.workers < 0 || c.perWebhook < 0:
		return errors.New("--rate, --duration, --idle, --workers and --per-webhook cannot be negative")
	case c.store != "sqlite" && c.store != "postgres":
		return fmt.Errorf("--store must be sqlite or postgres, not %q", c.store)
	case c.store == "postgres" && c.databaseURL == "":
		return errors.New("--store postgres needs --database-url (or HOOKD_DATABASE_URL)")
	case c.instances > 1 && c.store != "postgres":
		return fmt.Errorf("--instances %d needs --store postgres: a SQLite data directory is locked by the one hookd serve that uses it", c.instances)
	}
	return nil
}

func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench")
	var cfg benchConfig
	cfg.register(fs, getenv)
	if _, err := parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, benchUsage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return nil
		}
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	if cfg.cpuprofile != "" {
		f, err := os.Create(cfg.cpuprofile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	// hookd's log and the progress line share stderr from different goroutines.
	var res *benchResult
	var err error
	labeled("bench", func() { res, err = benchRun(ctx, cfg, &lockedWriter{w: stderr}) })
	if err != nil {
		return err
	}
	if cfg.json {
		return json.NewEncoder(stdout).Encode(res)
	}
	res.writeTable(stdout)
	return nil
}

// benchRun sets everything up, runs the phases in order and tears everything down.
func benchRun(ctx context.Context, cfg benchConfig, stderr io.Writer) (*benchResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	res := &benchResult{LoadAvg: [2]float64{loadAvg(), 0}, Store: cfg.store, Concurrency: cfg.concurrency, PayloadBytes: cfg.payload,
		Webhooks: cfg.webhooks, Fanout: cfg.fanout, Instances: cfg.instances, EventsPerInstance: make([]int, cfg.instances),
		CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), GOGC: gcPercent(), GoVersion: runtime.Version()}

	rcv, err := startReceiver()
	if err != nil {
		return nil, err
	}
	defer rcv.close()
	gen := newLoadGen(cfg.concurrency, cfg.payload, cfg.webhooks, cfg.fanout)
	defer gen.close()
	storeArgs, cleanup, err := benchStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	if res.Durability, err = benchCredentials(ctx, storeArgs, gen); err != nil {
		return nil, err
	}
	prog := newProgress(stderr, rcv)
	defer prog.stop()

	// 1. The ceiling: the same requests (body and headers) at the same concurrency, straight to the receiver.
	prog.set("raw ceiling", phaseRaw, cfg.events)
	raw := gen.closed(ctx, []string{rcv.url + "/raw"}, gen.auth, phaseRaw, cfg.events, prog)
	if raw.ok == 0 {
		return nil, fmt.Errorf("raw ceiling: no request succeeded: %v", raw.firstErr)
	}
	res.RawCeilingRPS = float64(raw.ok) / raw.lastOK.Sub(raw.start).Seconds()
	res.RawCPUPer1000 = raw.cpu.Seconds() / float64(raw.ok) * 1000

	// 2. The relay ceiling: the same requests through a forwarder that does nothing else.
	relay, err := startRelay(rcv.url+"/raw", cfg.concurrency)
	if err != nil {
		return nil, err
	}
	prog.set("relay ceiling", phaseRaw, cfg.events)
	rel := gen.closed(ctx, []string{relay.url}, gen.auth, phaseRaw, cfg.events, prog)
	relay.close()
	if rel.ok == 0 {
		return nil, fmt.Errorf("relay ceiling: no request succeeded: %v", rel.firstErr)
	}
	res.RelayCeilingRPS = float64(rel.ok) / rel.lastOK.Sub(rel.start).Seconds()

	serveArgs := storeArgs
	if cfg.store == "postgres" { // serve seals secrets on PostgreSQL only with a key it is given
		serveArgs = append(serveArgs, "--secret-key", secretbox.EncodeKey(secretbox.NewKey()))
	}
	if cfg.workers > 0 {
		serveArgs = append(serveArgs, "--workers", strconv.Itoa(cfg.workers))
	}
	if cfg.perWebhook > 0 {
		serveArgs = append(serveArgs, "--per-webhook", strconv.Itoa(cfg.perWebhook))
	}
	if n := cfg.webhooks * cfg.fanout; n > server.DefaultMaxWebhooks {
		serveArgs = append(serveArgs, "--max-webhooks", strconv.Itoa(n))
	}
	hookd, err := startBenchInstances(ctx, cfg.instances, serveArgs, stderr)
	if err != nil {
		return nil, err
	}
	defer hookd.stop()
	if err := gen.createWebhooks(ctx, hookd.servers[0].url, rcv.url); err != nil {
		return nil, err
	}
	eventsURLs := hookd.urls("/api/v0/events")
	var pg *sql.DB
	var pgBefore pgStats
	if cfg.store == "postgres" {
		if pg, err = sql.Open("pgx", cfg.databaseURL); err != nil {
			return nil, err
		}
		defer pg.Close()
		if pgBefore, err = readPGStats(ctx, pg); err != nil {
			return nil, err
		}
	}
	// wait lets a phase's deliveries arrive; the ones that never do are reported as lost.
	wait := func(phase, deliveries int) error {
		err := rcv.waitFor(ctx, phase, deliveries, 20*time.Second, hookd.stopped)
		if errors.Is(err, errStalled) {
			fmt.Fprintf(stderr, "\nhookd bench: %v\n", err)
			return nil
		}
		return err
	}

	// Warm up connections, caches and the store; counted in the totals, not in the figures.
	warm := min(cfg.events, 500)
	prog.set("warm-up", phaseWarm, warm)
	w := gen.closed(ctx, eventsURLs, gen.auth, phaseWarm, warm, prog)
	res.add(w)
	if err := wait(phaseWarm, w.ok*cfg.fanout); err != nil {
		return nil, err
	}

	// 3. Full load.
	prog.set("full load", phaseFull, cfg.events)
	full := gen.closed(ctx, eventsURLs, gen.auth, phaseFull, cfg.events, prog)
	res.add(full)
	if full.ok == 0 {
		return nil, fmt.Errorf("full load: no event accepted: %v", full.firstErr)
	}
	if err := wait(phaseFull, full.ok*cfg.fanout); err != nil {
		return nil, err
	}
	cpu := cpuTime() - full.cpuStart
	st := rcv.stats(phaseFull)
	res.FullLoadEvents, res.FullLoadErrors, res.FullLoadDeliveries = full.ok, full.failed, st.delivered
	res.AcceptedPerS = float64(full.ok) / full.lastOK.Sub(full.start).Seconds()
	if st.delivered > 0 {
		res.DeliveredPerS = float64(st.delivered) / st.last.Sub(full.start).Seconds()
		res.CPUPer1000 = cpu.Seconds() / float64(st.delivered) * 1000
	}
	res.RatioToCeiling = res.DeliveredPerS / res.RawCeilingRPS
	res.RatioToRelay = res.DeliveredPerS / res.RelayCeilingRPS
	res.LatencyMS = percentiles(st.latencies)

	// 4. A steady rate.
	if cfg.rate > 0 && cfg.duration > 0 {
		n := max(1, int(float64(cfg.rate)*cfg.duration.Seconds()))
		prog.set(fmt.Sprintf("paced %d/s", cfg.rate), phasePaced, n)
		paced := gen.paced(ctx, eventsURLs, phasePaced, n, cfg.rate, prog)
		res.add(paced)
		if err := wait(phasePaced, paced.ok*cfg.fanout); err != nil {
			return nil, err
		}
		res.Paced = &pacedResult{Rate: cfg.rate, Events: paced.ok, LatencyMS: percentiles(rcv.stats(phasePaced).latencies)}
		if paced.ok > 1 {
			res.Paced.AchievedRate = float64(paced.ok-1) / paced.lastOK.Sub(paced.start).Seconds()
		}
	}

	// 5. Idle: one event at a time, each after the previous one arrived and the system settled.
	if cfg.idle > 0 {
		prog.set("idle", phaseIdle, cfg.idle)
		for range cfg.idle {
			time.Sleep(50 * time.Millisecond)
			before := rcv.delivered(phaseIdle) // counted before posting: the delivery may beat the 202 back
			r := gen.closedN(ctx, eventsURLs, gen.auth, phaseIdle, 1, 1, prog)
			res.add(r)
			if err := wait(phaseIdle, before+r.ok*cfg.fanout); err != nil {
				return nil, err
			}
		}
		res.IdleLatencyMS = percentiles(rcv.stats(phaseIdle).latencies).P50
	}
	prog.stop()

	// What arrived, over every phase.
	for p := phaseWarm; p < phaseCount; p++ {
		st := rcv.stats(p)
		res.Delivered += st.delivered
		res.Duplicates += st.duplicates
	}
	res.Expected = res.Events * cfg.fanout
	res.Lost = res.Expected - res.Delivered
	res.Malformed = int(rcv.bad.Load())
	res.FailedAttempts = map[string]int{}
	for _, s := range hookd.servers {
		failed, err := failedAttempts(ctx, gen.client, s.url)
		if err != nil {
			return nil, err
		}
		for cause, n := range failed {
			res.FailedAttempts[cause] += n
		}
	}
	if pg != nil {
		// Each of hookd's connections adds its counts as it closes; idle, it would wait a while.
		hookd.stop()
		after, err := settledPGStats(ctx, pg, 10*time.Second)
		if err != nil {
			return nil, err
		}
		res.Postgres = costPerEvent(pgBefore, after, res.Events)
	}
	res.PeakRSSMB = peakRSSMB()
	res.LoadAvg[1] = loadAvg()
	return res.rounded(), nil
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// loadAvg is the machine's one-minute load average (Linux), to tell a busy machine's figures
// from a quiet one's; 0 where unknown.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(b) + " 0")[0], 64)
	return f
}

// failedAttempts reads hookd_attempts_total from hookd's /metrics: attempts by cause, but "ok".
func failedAttempts(ctx context.Context, c *http.Client, hookdURL string) (map[string]int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, hookdURL+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read hookd metrics: %w", err)
	}
	defer resp.Body.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), `hookd_attempts_total{cause="`)
		if !ok {
			continue
		}
		cause, value, _ := strings.Cut(rest, `"} `)
		if n, err := strconv.ParseFloat(value, 64); err == nil && cause != "ok" && n > 0 {
			out[cause] = int(n)
		}
	}
	return out, sc.Err()
}

// benchStore returns the serve flags of a fresh, empty store and how to remove it.
func benchStore(ctx context.Context, cfg benchConfig) ([]string, func(), error) {
	if cfg.store == "postgres" {
		url, drop, err := postgres.NewSchema(ctx, cfg.databaseURL)
		if err != nil {
			return nil, nil, err
		}
		return []string{"--database-url", url}, func() { _ = drop() }, nil
	}
	dir, err := os.MkdirTemp("", "hookd-bench-")
	if err != nil {
		return nil, nil, err
	}
	return []string{"--data-dir", dir}, func() { _ = os.RemoveAll(dir) }, nil
}

// benchCredentials creates the bench's app and key in the store, the way "apps create" and
// "keys create" do, and hands the key to the load generator.
func benchCredentials(ctx context.Context, storeArgs []string, gen *loadGen) (string, error) {
	fs := newFlagSet("bench-store")
	var sf storeFlags
	sf.register(fs, func(string) string { return "" })
	if err := fs.Parse(storeArgs); err != nil {
		return "", err
	}
	st, err := sf.open(ctx)
	if err != nil {
		return "", err
	}
	defer st.Close()
	now := time.Now()
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "bench", CreatedAt: now}
	if err := st.CreateApp(ctx, app); err != nil {
		return "", err
	}
	k, err := newKey(ctx, st, app.ID, "bench", []string{webhook.ScopeWebhookWrite, webhook.ScopeEventWrite}, webhook.EnvProduction, false)
	if err != nil {
		return "", err
	}
	gen.auth = http.Header{"X-Client-Key": {k.ClientKey}, "X-Client-Secret": {k.ClientSecret}, "Content-Type": {"application/json"}}
	if sf.databaseURL != "" {
		return "events: synchronous_commit as set on the server; claims and attempts: off", nil
	}
	return "sqlite WAL, synchronous=NORMAL; event commits: the WAL synced before the 202", nil
}

// benchServe is "hookd serve" running in this process.
type benchServe struct {
	url    string
	done   chan struct{}
	err    error
	cancel context.CancelFunc
}

func (s *benchServe) stop() {
	s.cancel()
	<-s.done
}

func startBenchServe(ctx context.Context, storeArgs []string, stderr io.Writer) (*benchServe, error) {
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	s := &benchServe{done: make(chan struct{}), cancel: cancel}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--allow-network", "127.0.0.0/8", "--log-level", "warn"}, storeArgs...)
	go labeled("hookd", func() {
		defer close(s.done)
		s.err = run(ctx, args, func(string) string { return "" }, pw, stderr)
		pw.CloseWithError(fmt.Errorf("serve stopped: %v", s.err))
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "hookd listening on "); ok {
				found <- strings.TrimSpace(rest)
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case s.url = <-found:
	case <-s.done:
		cancel()
		return nil, fmt.Errorf("hookd serve: %v", s.err)
	case <-time.After(30 * time.Second):
		s.stop()
		return nil, errors.New("hookd serve did not start within 30s")
	}
	for range 200 {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.stop()
	return nil, errors.New("hookd serve did not become healthy")
}

// benchInstances are the "hookd serve" of a run, all on one store.
type benchInstances struct {
	servers []*benchServe
	stopped chan struct{} // closed when any of them stops
}

// startBenchInstances starts n servers with the same arguments (store and server key), each
// healthy before the next starts.
func startBenchInstances(ctx context.Context, n int, serveArgs []string, stderr io.Writer) (*benchInstances, error) {
	in := &benchInstances{stopped: make(chan struct{})}
	var once sync.Once
	for range n {
		s, err := startBenchServe(ctx, serveArgs, stderr)
		if err != nil {
			in.stop()
			return nil, err
		}
		in.servers = append(in.servers, s)
		go func() { // ends when s stops, at the latest in in.stop
			<-s.done
			once.Do(func() { close(in.stopped) })
		}()
	}
	return in, nil
}

func (in *benchInstances) stop() {
	for _, s := range in.servers {
		s.stop()
	}
}

// urls is path on every server, in order.
func (in *benchInstances) urls(path string) []string {
	out := make([]string, len(in.servers))
	for i, s := range in.servers {
		out[i] = s.url + path
	}
	return out
}

// createWebhooks makes webhooks i×fanout to i×fanout+fanout-1 receive the events of type
// bench.i, webhook w at receiver/hook/w: the receiver tells their deliveries of one event
// apart by the path.
func (g *loadGen) createWebhooks(ctx context.Context, hookdURL, receiverURL string) error {
	for w := range g.webhooks * g.fanout {
		typ := w / g.fanout
		body, _ := json.Marshal(map[string]any{"name": fmt.Sprintf("bench %d.%d", typ, w%g.fanout), "url": fmt.Sprintf("%s/hook/%d", receiverURL, w),
			"event_types": []string{benchType(typ)}})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, hookdURL+"/api/v0/webhooks", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header = g.auth.Clone()
		resp, err := g.client.Do(req)
		if err != nil {
			return fmt.Errorf("create webhook: %w", err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("create webhook: HTTP %d %s", resp.StatusCode, msg)
		}
	}
	return nil
}

// labeled runs f with the CPU profile label part (hookd, receiver, relay, or bench: the load
// generator and the rest), which the goroutines it starts inherit: go tool pprof -tagfocus
// part=hookd shows hookd alone.
func labeled(part string, f func()) {
	pprof.Do(context.Background(), pprof.Labels("part", part), func(context.Context) { f() })
}
