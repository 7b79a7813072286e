package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// benchResult is what "hookd bench --json" prints.
type benchResult struct {
	Store        string `json:"store"`
	Durability   string `json:"durability"`
	CPUs         int    `json:"cpus"`
	GOMAXPROCS   int    `json:"gomaxprocs"`
	GoVersion    string `json:"go_version"`
	GOGC         int    `json:"gogc"` // the garbage collector's target (gc.go)
	Concurrency  int    `json:"concurrency"`
	PayloadBytes int    `json:"payload_bytes"`
	Webhooks     int    `json:"webhooks"`  // event types, each with Fanout webhooks
	Fanout       int    `json:"fanout"`    // webhooks each event goes to
	Instances    int    `json:"instances"` // hookd servers on the one store
	// LoadAvg is the machine's 1-minute load average at the start and the end: other work
	// on the machine lowers every figure.
	LoadAvg [2]float64 `json:"load_avg"`

	RawCeilingRPS float64 `json:"raw_ceiling_rps"`
	RawCPUPer1000 float64 `json:"raw_cpu_s_per_1000"` // the generator and receiver alone, per 1000 requests
	// RelayCeilingRPS is the same requests through a forwarder that only posts each body on
	// (bench_relay.go): two HTTP exchanges per event, as hookd makes, and nothing else.
	RelayCeilingRPS float64 `json:"relay_ceiling_rps"`
	FullLoadEvents  int     `json:"full_load_events"`
	FullLoadErrors  int     `json:"full_load_errors"`
	// FullLoadDeliveries is the distinct deliveries of the full-load events that arrived:
	// FullLoadEvents × Fanout when none is lost; DeliveredPerS is these per second.
	FullLoadDeliveries int          `json:"full_load_deliveries"`
	AcceptedPerS       float64      `json:"accepted_per_s"`
	DeliveredPerS      float64      `json:"delivered_per_s"`
	RatioToCeiling     float64      `json:"ratio_to_ceiling"`
	RatioToRelay       float64      `json:"ratio_to_relay"`
	LatencyMS          latencyMS    `json:"latency_ms"` // at full load
	Paced              *pacedResult `json:"paced,omitempty"`
	IdleLatencyMS      float64      `json:"idle_latency_ms"`
	CPUPer1000         float64      `json:"cpu_s_per_1000"` // whole process at full load, per 1000 deliveries
	PeakRSSMB          float64      `json:"peak_rss_mb"`
	Postgres           *pgCost      `json:"postgres_per_event,omitempty"` // what the server did, over every phase

	Events            int   `json:"events"`              // accepted (202) in every phase
	EventsPerInstance []int `json:"events_per_instance"` // Events by the instance that accepted them
	Rejected          int   `json:"rejected"`
	Expected          int   `json:"expected_deliveries"` // Events × Fanout
	Delivered         int   `json:"delivered"`           // distinct deliveries (webhook, Webhook-Id) the receiver got
	Lost              int   `json:"lost"`                // Expected − Delivered
	Duplicates        int   `json:"duplicates"`
	Malformed         int   `json:"malformed"` // deliveries the receiver could not read

	// FailedAttempts counts hookd's delivery attempts that did not end in a 2xx, by cause,
	// from its /metrics: a retried delivery arrives late and may arrive twice.
	FailedAttempts map[string]int `json:"failed_attempts"`
}

type pacedResult struct {
	Rate         int       `json:"rate"`
	AchievedRate float64   `json:"achieved_rate"`
	Events       int       `json:"events"`
	LatencyMS    latencyMS `json:"latency_ms"`
}

type latencyMS struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// add counts a phase's posting in the totals.
func (r *benchResult) add(l loadResult) {
	r.Events += l.ok
	r.Rejected += l.failed
	for i, n := range l.okPerTarget {
		r.EventsPerInstance[i] += n
	}
}

// percentiles are nearest-rank, in milliseconds rounded to 0.01.
func percentiles(v []float64) latencyMS {
	if len(v) == 0 {
		return latencyMS{}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	at := func(p float64) float64 {
		i := int(math.Ceil(p/100*float64(len(s)))) - 1
		return round2(s[max(0, min(i, len(s)-1))])
	}
	return latencyMS{P50: at(50), P95: at(95), P99: at(99), Max: round2(s[len(s)-1])}
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// rounded rounds the rates and ratios for printing.
func (r *benchResult) rounded() *benchResult {
	c := *r
	c.RawCeilingRPS, c.AcceptedPerS, c.DeliveredPerS = math.Round(c.RawCeilingRPS), math.Round(c.AcceptedPerS), math.Round(c.DeliveredPerS)
	c.RelayCeilingRPS = math.Round(c.RelayCeilingRPS)
	c.RatioToCeiling, c.RatioToRelay = math.Round(c.RatioToCeiling*1000)/1000, math.Round(c.RatioToRelay*1000)/1000
	c.RawCPUPer1000, c.CPUPer1000 = math.Round(c.RawCPUPer1000*1000)/1000, math.Round(c.CPUPer1000*1000)/1000
	c.IdleLatencyMS, c.PeakRSSMB = round2(c.IdleLatencyMS), math.Round(c.PeakRSSMB*10)/10
	if c.Paced != nil {
		p := *c.Paced
		p.AchievedRate = math.Round(p.AchievedRate)
		c.Paced = &p
	}
	return &c
}

func (r *benchResult) writeTable(w io.Writer) {
	fmt.Fprintf(w, "hookd bench: %s (%s); %d CPUs, GOMAXPROCS %d, GOGC %d, %s; load average %.2f → %.2f\n",
		r.Store, r.Durability, r.CPUs, r.GOMAXPROCS, r.GOGC, r.GoVersion, r.LoadAvg[0], r.LoadAvg[1])
	hookd := "hookd"
	if r.Instances > 1 {
		hookd = fmt.Sprintf("%d hookd instances on one database", r.Instances)
	}
	fmt.Fprintf(w, "one event per request, %d-byte payload, %d clients, %d event type(s) × fan-out %d = %d webhook(s); %s, receiver and load generator in one process\n\n",
		r.PayloadBytes, r.Concurrency, r.Webhooks, r.Fanout, r.Webhooks*r.Fanout, hookd)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	lat := func(l latencyMS) string {
		return fmt.Sprintf("p50 %.2f  p95 %.2f  p99 %.2f  max %.2f ms", l.P50, l.P95, l.P99, l.Max)
	}
	fmt.Fprintf(tw, "raw loopback ceiling\t%.0f req/s\t(generator → receiver, same bodies and concurrency)\n", r.RawCeilingRPS)
	fmt.Fprintf(tw, "relay ceiling\t%.0f req/s\t(generator → a forwarder doing nothing else → receiver)\n", r.RelayCeilingRPS)
	perInstance := ""
	if r.Instances > 1 {
		perInstance = fmt.Sprintf("; by instance, in all phases: %s", strings.Trim(fmt.Sprint(r.EventsPerInstance), "[]"))
	}
	fmt.Fprintf(tw, "events accepted\t%.0f /s\t(202 = committed; %d events, %d errors%s)\n", r.AcceptedPerS, r.FullLoadEvents, r.FullLoadErrors, perInstance)
	fmt.Fprintf(tw, "deliveries end to end\t%.0f /s\t(%d deliveries; %.1f %% of the raw ceiling, %.1f %% of the relay ceiling)\n",
		r.DeliveredPerS, r.FullLoadDeliveries, 100*r.RatioToCeiling, 100*r.RatioToRelay)
	fmt.Fprintf(tw, "latency at full load\t%s\n", lat(r.LatencyMS))
	if r.Paced != nil {
		fmt.Fprintf(tw, "latency at %d/s\t%s\t(%d events, achieved %.0f/s)\n", r.Paced.Rate, lat(r.Paced.LatencyMS), r.Paced.Events, r.Paced.AchievedRate)
	}
	fmt.Fprintf(tw, "idle latency\t%.2f ms\t(median of single events)\n", r.IdleLatencyMS)
	fmt.Fprintf(tw, "CPU per 1,000 deliveries\t%.3f s\t(whole process at full load; generator+receiver alone: %.3f s per 1,000 raw requests)\n", r.CPUPer1000, r.RawCPUPer1000)
	fmt.Fprintf(tw, "peak RSS\t%.1f MB\t(whole process)\n", r.PeakRSSMB)
	if r.Postgres != nil {
		fmt.Fprintf(tw, "PostgreSQL per event\t%.3f commits\t(%s: the whole database's, over every phase)\n", r.Postgres.Commits, r.Postgres.detail())
	}
	events := strconv.Itoa(r.Events)
	if r.Fanout > 1 {
		events += " × " + strconv.Itoa(r.Fanout) // lost counts deliveries: of Events × Fanout
	}
	fmt.Fprintf(tw, "events / delivered / lost\t%s / %d / %d\t(duplicates %d, rejected %d, malformed %d)\n",
		events, r.Delivered, r.Lost, r.Duplicates, r.Rejected, r.Malformed)
	failed := "none"
	if len(r.FailedAttempts) > 0 {
		failed = fmt.Sprint(r.FailedAttempts)
	}
	fmt.Fprintf(tw, "failed delivery attempts\t%s\n", failed)
	tw.Flush()
}

// progress prints one line on stderr, rewritten twice a second.
type progress struct {
	w     io.Writer
	rc    *benchReceiver
	mu    sync.Mutex
	name  string
	phase int
	total int
	start time.Time

	posted, accepted atomic.Int64
	printed          bool
	once             sync.Once
	done             chan struct{}
	stopped          chan struct{}
}

func newProgress(w io.Writer, rc *benchReceiver) *progress {
	p := &progress{w: w, rc: rc, done: make(chan struct{}), stopped: make(chan struct{})}
	go p.loop()
	return p
}

func (p *progress) set(name string, phase, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.name, p.phase, p.total, p.start = name, phase, total, time.Now()
	p.posted.Store(0)
	p.accepted.Store(0)
	p.print()
}

// print writes the line; p.mu is held.
func (p *progress) print() {
	if p.name == "" {
		return
	}
	got := p.rc.raw.Load()
	if p.phase != phaseRaw {
		got = int64(p.rc.delivered(p.phase))
	}
	rate := float64(got) / max(time.Since(p.start).Seconds(), 1e-3)
	fmt.Fprintf(p.w, "\r%-12s posted %d/%d  accepted %d  received %d (%.0f/s)    ", p.name, p.posted.Load(), p.total, p.accepted.Load(), got, rate)
	p.printed = true
}

func (p *progress) addPosted(n int) {
	if p != nil {
		p.posted.Add(int64(n))
	}
}

func (p *progress) addAccepted(n int) {
	if p != nil {
		p.accepted.Add(int64(n))
	}
}

func (p *progress) loop() {
	defer close(p.stopped)
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			p.mu.Lock()
			defer p.mu.Unlock()
			p.print() // the last phase's final figures
			if p.printed {
				fmt.Fprintln(p.w)
			}
			return
		case <-t.C:
			p.mu.Lock()
			p.print()
			p.mu.Unlock()
		}
	}
}

func (p *progress) stop() {
	p.once.Do(func() { close(p.done) })
	<-p.stopped
}
