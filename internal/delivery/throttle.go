package delivery

import (
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
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
// Tenants and destinations get caps of their own, so that no app and no host, however many
// webhooks it has, takes the workers the others need: an app may have PerApp requests in
// flight and a host PerHost, and of those, requests to suspect webhooks (the ones that may
// hang) at most a quarter of the workers. An app with sixty hanging webhooks thus holds a
// quarter of the workers while they time out, and every other app keeps the rest.
//
// The webhook's rate_limit and circuit breaker are enforced by the store at claim time, where
// every instance sees them.
type limiter struct {
	workers, perWebhook, perApp, perHost, suspects int

	mu       sync.Mutex
	inFlight int
	perHook  map[string]int
	fast     map[string]bool // last request answered within slowAfter
	waiting  map[string][]store.Job
	nWaiting int
	dest     map[string]destination // webhook id → its app and host, for the caps of both
	byApp    map[string]int
	byHost   map[string]int
	slowHook map[string]int // requests of each webhook started while it was a suspect
	slowApp  map[string]int
	slowHost map[string]int
}

// destination is who a webhook's requests count against besides the webhook itself.
type destination struct{ app, host string }

// Shares and thresholds.
const (
	minShare     = 2                      // in flight that a fast webhook keeps, however many are busy
	suspectShare = 10                     // in flight for a webhook not known to answer quickly
	slowAfter    = time.Second            // an answer slower than this makes a webhook a suspect
	deferDelay   = 200 * time.Millisecond // how long an over-cap delivery waits in the store
	// how long an over-cap delivery of a suspect waits in the store: a second or two for a
	// webhook that answers but slowly, and long enough that a hanging one's backlog is not
	// claimed over and over while its requests time out
	suspectDeferDelay = 2 * time.Second
)

func newLimiter(workers, perWebhook, perApp, perHost int) *limiter {
	return &limiter{workers: workers, perWebhook: perWebhook, perApp: perApp, perHost: perHost, suspects: max(workers/4, 1),
		perHook: map[string]int{}, fast: map[string]bool{}, waiting: map[string][]store.Job{}, dest: map[string]destination{},
		byApp: map[string]int{}, byHost: map[string]int{}, slowHook: map[string]int{}, slowApp: map[string]int{}, slowHost: map[string]int{}}
}

// destinationOf returns w's app and host, remembering them for done and cancel; l.mu is held.
func (l *limiter) destinationOf(w *webhook.Webhook) destination {
	d, ok := l.dest[w.ID]
	if !ok {
		d.app = w.AppID
		if u, err := url.Parse(w.URL); err == nil {
			d.host = strings.ToLower(u.Host) // with its port: another port is another server
		}
		l.dest[w.ID] = d
	}
	return d
}

// fits reports whether one more request to w may start now, by every cap; l.mu is held.
func (l *limiter) fits(w *webhook.Webhook, limit int) bool {
	d := l.destinationOf(w)
	if l.perHook[w.ID] >= limit || l.inFlight >= l.workers || l.byApp[d.app] >= l.perApp || l.byHost[d.host] >= l.perHost {
		return false
	}
	return l.fast[w.ID] || l.slowApp[d.app] < l.suspects && l.slowHost[d.host] < l.suspects
}

// acquire takes a slot of w; l.mu is held.
func (l *limiter) acquire(w *webhook.Webhook) {
	d := l.destinationOf(w)
	l.perHook[w.ID]++
	l.inFlight++
	l.byApp[d.app]++
	l.byHost[d.host]++
	if !l.fast[w.ID] {
		l.slowHook[w.ID]++
		l.slowApp[d.app]++
		l.slowHost[d.host]++
	}
}

// release frees a slot of webhookID; l.mu is held.
func (l *limiter) release(webhookID string) {
	d := l.dest[webhookID]
	dec := func(m map[string]int, k string) {
		if m[k]--; m[k] <= 0 {
			delete(m, k)
		}
	}
	dec(l.perHook, webhookID)
	l.inFlight--
	dec(l.byApp, d.app)
	dec(l.byHost, d.host)
	if l.slowHook[webhookID] > 0 {
		dec(l.slowHook, webhookID)
		dec(l.slowApp, d.app)
		dec(l.slowHost, d.host)
	}
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
	if l.fits(j.Webhook, limit) {
		l.acquire(j.Webhook)
		return true, false
	}
	// Wait only for a slot of its own webhook, which one of its requests will pass on; never
	// for a suspect's (it may be a timeout away) nor for its app's or host's.
	if l.fast[id] && l.perHook[id] >= limit && len(l.waiting[id]) < limit && l.nWaiting < l.workers/4 {
		l.waiting[id] = append(l.waiting[id], j)
		l.nWaiting++
		return false, true
	}
	return false, false
}

// suspect reports whether webhookID is not known to answer quickly.
func (l *limiter) suspect(webhookID string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.fast[webhookID]
}

// take reserves a slot of webhookID for a fresh delivery handed over at its commit
// (Pool.Reserve): only if one is free now, no claimed job of that webhook waits for it, and
// fewer than half the workers are busy. Past that the pool is loaded, and deliveries go
// through the store, whose claims take the oldest due first (retries, backlogs) instead of
// letting fresh ones jump ahead.
func (l *limiter) take(w *webhook.Webhook) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fits(w, l.capFor(w.ID)) && l.inFlight+l.nWaiting < l.workers/2 && len(l.waiting[w.ID]) == 0 {
		l.acquire(w)
		return true
	}
	return false
}

// cancel gives back a slot taken for a delivery that was not started.
func (l *limiter) cancel(webhookID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.release(webhookID)
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
		return j, true // the slot passes from one job to the next of its webhook: same app, same host
	}
	l.release(webhookID)
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
