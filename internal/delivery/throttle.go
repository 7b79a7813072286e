package delivery

import (
	"sync"
	"time"

	"github.com/hookd/hookd/internal/store"
)

// limiter caps the requests in flight, in all and per webhook, so that slow or dead receivers
// cannot take the workers the healthy ones need.
//
// A webhook whose last request was answered within slowAfter is fast: it may have up to
// PerWebhook requests in flight, but no more than its fair share, half the workers split
// evenly among the webhooks with requests in flight (at least minShare). Any other webhook
// (dead, timing out, slow, or not heard from yet in this process) gets suspectShare: ten dead
// receivers hold at most 10 × suspectShare workers while their requests time out, and a
// healthy receiver becomes fast with its first quick answer.
//
// A claimed job over a fast webhook's cap waits here, still leased, for one of the webhook's
// requests to end (up to one cap of jobs per webhook, a quarter of the workers in all);
// beyond that, and always for a suspect (its next slot may be a timeout away), it goes back
// to the store for deferDelay. Waiting here costs no database write, which matters when many
// webhooks each get a few jobs of every claim.
//
// suspectShare is sized so that a dead receiver's first round of timeouts is enough for its
// circuit breaker (default threshold 10) to open, which ends the cost of its backlog.
//
// The webhook's rate_limit and circuit breaker are enforced by the store at claim time, where
// every instance sees them.
type limiter struct {
	workers, perWebhook int

	mu       sync.Mutex
	inFlight int
	perHook  map[string]int
	fast     map[string]bool // last request answered within slowAfter
	waiting  map[string][]store.Job
	nWaiting int
}

// Shares and thresholds.
const (
	minShare     = 2                      // in flight that a fast webhook keeps, however many are busy
	suspectShare = 10                     // in flight for a webhook not known to answer quickly
	slowAfter    = time.Second            // an answer slower than this makes a webhook a suspect
	deferDelay   = 200 * time.Millisecond // how long an over-cap delivery waits in the store
)

func newLimiter(workers, perWebhook int) *limiter {
	return &limiter{workers: workers, perWebhook: perWebhook,
		perHook: map[string]int{}, fast: map[string]bool{}, waiting: map[string][]store.Job{}}
}

// share is the most requests a fast webhook may have in flight while busy webhooks have some.
func (l *limiter) share(busy int) int {
	return min(l.perWebhook, max(minShare, l.workers/(2*max(busy, 1))))
}

// capFor is webhookID's cap now; l.mu is held.
func (l *limiter) capFor(webhookID string) int {
	if !l.fast[webhookID] {
		return min(l.perWebhook, suspectShare)
	}
	busy := len(l.perHook)
	if l.perHook[webhookID] == 0 {
		busy++
	}
	return l.share(busy)
}

// admit decides for a claimed job: start it now (its slot is taken), keep it waiting for a
// slot of its webhook, or neither (give it back to the store).
func (l *limiter) admit(j store.Job) (start, wait bool) {
	id := j.Webhook.ID
	l.mu.Lock()
	defer l.mu.Unlock()
	limit := l.capFor(id)
	if n := l.perHook[id]; n < limit && l.inFlight < l.workers {
		l.perHook[id] = n + 1
		l.inFlight++
		return true, false
	}
	if l.fast[id] && len(l.waiting[id]) < limit && l.nWaiting < l.workers/4 { // a suspect's next slot may be a timeout away
		l.waiting[id] = append(l.waiting[id], j)
		l.nWaiting++
		return false, true
	}
	return false, false
}

// take reserves a slot of webhookID for a fresh delivery handed over at its commit
// (Pool.Reserve): only if one is free now, no claimed job of that webhook waits for it, and
// fewer than half the workers are busy. Past that the pool is loaded, and deliveries go
// through the store, whose claims take the oldest due first (retries, backlogs) instead of
// letting fresh ones jump ahead.
func (l *limiter) take(webhookID string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := l.perHook[webhookID]; n < l.capFor(webhookID) && l.inFlight+l.nWaiting < l.workers/2 && len(l.waiting[webhookID]) == 0 {
		l.perHook[webhookID] = n + 1
		l.inFlight++
		return true
	}
	return false
}

// cancel gives back a slot taken for a delivery that was not started.
func (l *limiter) cancel(webhookID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perHook[webhookID]--; l.perHook[webhookID] <= 0 {
		delete(l.perHook, webhookID)
	}
	l.inFlight--
}

// done frees a slot of webhookID after a request that was answered quickly (fast) or not.
// With next, a job waiting for that webhook takes the slot and is returned, to be started by
// the caller.
func (l *limiter) done(webhookID string, fast, next bool) (store.Job, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if fast {
		l.fast[webhookID] = true
	} else {
		delete(l.fast, webhookID)
	}
	if q := l.waiting[webhookID]; next && len(q) > 0 && l.perHook[webhookID] <= l.capFor(webhookID) {
		j := q[0]
		if len(q) == 1 {
			delete(l.waiting, webhookID)
		} else {
			l.waiting[webhookID] = q[1:]
		}
		l.nWaiting--
		return j, true // the slot passes from one job to the next
	}
	if l.perHook[webhookID]--; l.perHook[webhookID] <= 0 {
		delete(l.perHook, webhookID)
	}
	l.inFlight--
	return store.Job{}, false
}

// free is how many more jobs may be claimed: workers neither in flight nor spoken for.
func (l *limiter) free() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.workers - l.inFlight - l.nWaiting
}

// drain removes and returns every waiting job (shutdown).
func (l *limiter) drain() []store.Job {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []store.Job
	for id, q := range l.waiting {
		out = append(out, q...)
		delete(l.waiting, id)
	}
	l.nWaiting = 0
	return out
}
