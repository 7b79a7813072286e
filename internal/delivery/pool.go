package delivery

import (
	"cmp"
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookd/hookd/internal/metrics"
	"github.com/hookd/hookd/internal/ratelog"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Options tune the pool; zero values take the defaults.
type Options struct {
	Workers         int           // requests in flight in all (default 256)
	PerWebhook      int           // requests in flight per webhook (default 64)
	PerApp          int           // requests in flight per app (default half the workers)
	PerHost         int           // requests in flight per destination host (default half the workers)
	Batch           int           // deliveries per claim (default 256)
	Lease           time.Duration // how long a claim holds a delivery (default 2 min; above the longest timeout)
	Poll            time.Duration // longest sleep without a wake-up (default 1 s)
	ShutdownTimeout time.Duration // how long in-flight requests may finish on shutdown (default 10 s)

	// Circuit breaker and auto-disable (breaker.go); a negative value turns the mechanism off.
	BreakerThreshold int           // consecutive failed attempts that open a webhook's breaker (default 10)
	BreakerCooldown  time.Duration // how long an open breaker waits before a probe (default 30 s)
	DisableAfter     time.Duration // failing without one success this long deactivates a webhook (default 5 days)
}

// Pool claims due deliveries and sends them, recording every attempt.
type Pool struct {
	store   store.Store
	sender  *Sender
	log     *slog.Logger
	metrics *metrics.Metrics
	opts    Options
	wake    chan struct{}
	limit   *limiter

	recoverWake chan struct{}
	slotFree    chan struct{}
	stopping    atomic.Bool // Run stopped claiming: waiting jobs go back to the store

	backlogged    atomic.Bool  // the store has not taken maxUnwritten outcomes: claim nothing (record.go)
	sending       atomic.Int64 // requests on the wire, whose outcomes are yet to come (record.go)
	flushDeadline time.Time    // recorder only: when it gives up the outcomes left at shutdown
	storeErrors   ratelog.Errors

	mu  sync.Mutex // guards run
	run *running   // set while Run takes handed-off jobs (handoff.go)
}

// NewPool returns a pool; call Run to start it.
func NewPool(s store.Store, sender *Sender, log *slog.Logger, m *metrics.Metrics, opts Options) *Pool {
	opts.Workers = cmp.Or(opts.Workers, 256)
	opts.PerWebhook = cmp.Or(opts.PerWebhook, 64)
	opts.PerApp = cmp.Or(opts.PerApp, max(opts.Workers/2, 1))
	opts.PerHost = cmp.Or(opts.PerHost, max(opts.Workers/2, 1))
	opts.Batch = cmp.Or(opts.Batch, 256)
	opts.Lease = cmp.Or(opts.Lease, 2*time.Minute)
	opts.Poll = cmp.Or(opts.Poll, time.Second)
	opts.ShutdownTimeout = cmp.Or(opts.ShutdownTimeout, 10*time.Second)
	opts.BreakerThreshold = cmp.Or(opts.BreakerThreshold, DefaultBreakerThreshold)
	opts.BreakerCooldown = cmp.Or(opts.BreakerCooldown, DefaultBreakerCooldown)
	opts.DisableAfter = cmp.Or(opts.DisableAfter, DefaultDisableAfter)
	registerBreakerMetrics(m.Registry, s)
	return &Pool{store: s, sender: sender, log: log, metrics: m, opts: opts, limit: newLimiter(opts.Workers, opts.PerWebhook, opts.PerApp, opts.PerHost),
		wake: make(chan struct{}, 1), recoverWake: make(chan struct{}, 1), slotFree: make(chan struct{}, 1)}
}

// Wake tells the pool new work may be due: deliveries or a recover job. It never blocks.
func (p *Pool) Wake() {
	p.WakeDeliveries()
	select {
	case p.recoverWake <- struct{}{}:
	default:
	}
}

// WakeDeliveries tells the pool new deliveries may be due (not a recover job): what every
// event commit says, so it must not cost a recover-job query each time. It never blocks.
func (p *Pool) WakeDeliveries() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

type result struct {
	outcome store.Outcome
	release bool // shutdown cut the request short: give the delivery back, record nothing
}

// Run claims and sends until ctx ends, then stops claiming, lets in-flight requests finish
// within ShutdownTimeout, and releases what is left.
func (p *Pool) Run(ctx context.Context) error {
	results := make(chan result, p.opts.Workers)
	recorded := make(chan struct{})
	go func() { defer close(recorded); p.record(results) }()

	sendCtx, cancelSends := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSends()
	var wg sync.WaitGroup
	p.setRunning(&running{wg: &wg, sendCtx: sendCtx, results: results})
	recovers := make(chan struct{})
	go func() { defer close(recovers); p.runRecovers(ctx) }()

	timer := time.NewTimer(0)
	defer timer.Stop()
	var held []store.Job // claimed, over their webhook's cap, to be given back
	var heldSince time.Time
	for ctx.Err() == nil {
		free := p.limit.free()
		if free <= 0 || p.backlogged.Load() {
			p.waitFor(ctx, p.slotFree)
			continue
		}
		ask := min(free, p.opts.Batch)
		now := time.Now()
		jobs, err := p.store.Claim(ctx, now, p.opts.Lease, ask)
		if err != nil {
			if ctx.Err() == nil {
				p.storeErrors.Log(p.log, "claim deliveries", err)
				p.sleep(ctx, p.opts.Poll)
			}
			continue
		}
		var deferred, suspects []store.Job
		for _, j := range jobs {
			switch start, wait := p.limit.admit(j); {
			case start:
				p.start(&wg, sendCtx, j, results)
			case wait:
			case p.limit.suspect(j.Webhook.ID):
				suspects = append(suspects, j)
			default:
				deferred = append(deferred, j)
			}
		}
		// A suspect's deliveries over its caps wait in the store until its requests may have
		// timed out, out of the way of the claims meanwhile: a hanging app's backlog, cycled
		// back every deferDelay, would stand between every claim and other apps' deliveries.
		if len(suspects) > 0 {
			if err := p.store.Release(ctx, suspects, now.Add(suspectDeferDelay)); err != nil && ctx.Err() == nil {
				p.log.Error("defer deliveries", "err", err)
			}
		}
		// Deliveries over their webhook's cap go back to the store in one write per deferDelay,
		// not one per claim: they stay leased meanwhile.
		if len(deferred) > 0 && len(held) == 0 {
			heldSince = now
		}
		held = append(held, deferred...)
		if len(held) > 0 && (len(held) >= p.opts.Batch || now.Sub(heldSince) >= deferDelay) {
			if err := p.store.Release(ctx, held, now.Add(deferDelay)); err != nil && ctx.Err() == nil {
				p.log.Error("defer deliveries", "err", err)
			}
			held = held[:0]
		}
		switch {
		case len(suspects) > 0 && len(deferred) == 0:
			continue // those are out of the way now: other deliveries may be due behind them
		case len(jobs) == ask && len(deferred) == 0 && ask == p.opts.Batch:
			continue // a full batch: there is probably more
		case len(jobs) == ask && len(deferred) == 0:
			p.waitFor(ctx, p.slotFree) // limited by free workers
		case len(deferred) > 0:
			// Some webhook is at its cap: claiming again before a slot frees (a request ends
			// with no waiting job to take its slot) would only claim more of its deliveries to
			// give back. Held ones go back within deferDelay.
			waitUntil(ctx, timer, deferDelay, p.slotFree)
		default:
			p.idle(ctx, timer, len(held) > 0)
		}
	}
	p.setRunning(nil) // from here no handed-off job joins wg
	p.stopping.Store(true)

	if waiting := append(p.limit.drain(), held...); len(waiting) > 0 {
		if err := p.store.Release(context.Background(), waiting, time.Now()); err != nil {
			p.log.Error("release waiting deliveries", "err", err, "count", len(waiting))
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(p.opts.ShutdownTimeout):
		p.log.Warn("shutdown deadline reached; releasing deliveries still in flight")
		cancelSends()
		<-done
	}
	close(results)
	<-recorded
	<-recovers
	return nil
}

// idle waits for a wake-up, the next due delivery or the poll interval.
func (p *Pool) idle(ctx context.Context, timer *time.Timer, holding bool) {
	wait := p.opts.Poll
	if holding {
		wait = deferDelay // held deliveries go back to the store by then
	}
	if due, ok, err := p.store.NextDue(ctx); err == nil && ok {
		wait = min(wait, max(time.Until(due), time.Millisecond))
	}
	waitUntil(ctx, timer, wait, p.wake)
}

// waitUntil waits for ch, the end of ctx or d, whichever comes first, with timer.
func waitUntil(ctx context.Context, timer *time.Timer, d time.Duration, ch <-chan struct{}) {
	timer.Reset(d)
	select {
	case <-ctx.Done():
	case <-ch:
	case <-timer.C:
	}
	if !timer.Stop() {
		select {
		case <-timer.C:
		default:
		}
	}
}

func (p *Pool) waitFor(ctx context.Context, ch <-chan struct{}) {
	select {
	case <-ctx.Done():
	case <-ch:
	}
}

func (p *Pool) sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// start sends j in a goroutine of wg. When it ends, a job waiting for a slot of the same
// webhook takes the slot, unless the pool is stopping.
func (p *Pool) start(wg *sync.WaitGroup, sendCtx context.Context, j store.Job, results chan<- result) {
	p.metrics.InFlight.Inc()
	wg.Go(func() {
		for {
			p.sending.Add(1)
			r := p.sender.Send(sendCtx, j, cmp.Or(j.Trigger, webhook.TriggerScheduled), time.Now())
			p.sending.Add(-1)
			if sendCtx.Err() != nil {
				results <- result{outcome: store.Outcome{Job: j}, release: true}
			} else {
				results <- result{outcome: Next(j, r, time.Now())}
			}
			fast := r.Attempt.StatusCode > 0 && r.Attempt.DurationMS < float64(slowAfter/time.Millisecond)
			next, ok := p.limit.done(j.Webhook.ID, fast, sendCtx.Err() == nil && !p.stopping.Load())
			if !ok {
				break
			}
			j = next
		}
		p.metrics.InFlight.Dec()
		select {
		case p.slotFree <- struct{}{}:
		default:
		}
	})
}

// unblockClaims wakes a claim loop that waits for a free worker or for the recorder.
func (p *Pool) unblockClaims() {
	select {
	case p.slotFree <- struct{}{}:
	default:
	}
}
