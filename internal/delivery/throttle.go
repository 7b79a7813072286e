package delivery

import (
	"sync"
	"time"
)

// limiter caps the requests in flight, in all and per webhook, so that slow or dead receivers
// cannot take the workers the healthy ones need. A webhook may have at most PerWebhook requests
// in flight, and never more than its fair share: half the workers split evenly among the
// webhooks with requests in flight (at least minShare). The other half stays free for whoever
// comes next, so a burst of dead receivers, each holding its share until its requests time
// out, leaves the healthy ones room to run. The webhook's rate_limit and circuit breaker are
// enforced in the store, at claim time, where every instance sees them.
type limiter struct {
	workers, perWebhook int

	mu       sync.Mutex
	inFlight int
	perHook  map[string]int
}

// minShare is the in-flight share every webhook keeps, however many are busy.
const minShare = 2

func newLimiter(workers, perWebhook int) *limiter {
	return &limiter{workers: workers, perWebhook: perWebhook, perHook: map[string]int{}}
}

// share is the most requests one webhook may have in flight while busy webhooks have some.
func (l *limiter) share(busy int) int {
	return min(l.perWebhook, max(minShare, l.workers/(2*max(busy, 1))))
}

// acquire takes a slot for webhookID, or reports that the webhook is at its cap.
func (l *limiter) acquire(webhookID string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.perHook[webhookID]
	busy := len(l.perHook)
	if n == 0 {
		busy++
	}
	if n >= l.share(busy) {
		return false
	}
	l.perHook[webhookID] = n + 1
	l.inFlight++
	return true
}

func (l *limiter) release(webhookID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perHook[webhookID]--; l.perHook[webhookID] <= 0 {
		delete(l.perHook, webhookID)
	}
	l.inFlight--
}

// free is how many more requests may start in all.
func (l *limiter) free() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.workers - l.inFlight
}

// deferDelay is how long a delivery waits when its webhook is at its in-flight cap.
const deferDelay = 200 * time.Millisecond
