package delivery

import (
	"context"
	"sync"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// A fresh delivery need not wait for the claim loop to fetch it back from the store: when the
// limiter grants it a worker as its event commits (limiter.take says when), the store commits
// it already claimed (store.Handoff) and the pool starts it at once. Reserve is that handoff,
// Dispatch starts what was committed and Unreserve gives back what was not.

// running is what Dispatch needs of a running pool.
type running struct {
	wg      *sync.WaitGroup
	sendCtx context.Context
	results chan<- result
}

// setRunning records whether Run accepts handed-off jobs (nil: it does not).
func (p *Pool) setRunning(r *running) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.run = r
}

// Reserve is the pool's store.Handoff: it takes a worker for a fresh delivery to w if one is
// free now, and says how long the delivery is leased to it.
func (p *Pool) Reserve(w *webhook.Webhook) (time.Time, bool) {
	p.mu.Lock()
	ok := p.run != nil
	p.mu.Unlock()
	if !ok || p.backlogged.Load() || !p.limit.take(w) {
		return time.Time{}, false
	}
	return time.Now().Add(p.opts.Lease), true
}

// Dispatch starts jobs that were handed off in a committed transaction. If the pool stopped
// meanwhile, they go back to the store, due now.
func (p *Pool) Dispatch(jobs []store.Job) {
	if len(jobs) == 0 {
		return
	}
	p.mu.Lock()
	if r := p.run; r != nil {
		for _, j := range jobs { // under mu: Run cannot start waiting for wg meanwhile
			p.start(r.wg, r.sendCtx, j, r.results)
		}
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	for _, j := range jobs {
		p.limit.cancel(j.Webhook.ID)
	}
	if err := p.store.Release(context.Background(), jobs, time.Now()); err != nil {
		p.log.Error("release handed-off deliveries; they are sent when their lease ends", "err", err, "count", len(jobs))
	}
}

// Unreserve gives back the workers Reserve took for deliveries whose transaction failed.
func (p *Pool) Unreserve(webhookIDs []string) {
	for _, id := range webhookIDs {
		p.limit.cancel(id)
	}
	if len(webhookIDs) > 0 {
		select {
		case p.slotFree <- struct{}{}:
		default:
		}
	}
}
