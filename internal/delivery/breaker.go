package delivery

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// The circuit breaker of a webhook lives in its store row, so every instance sees it:
//
//   - closed: deliveries flow. Complete counts consecutive failed attempts; after every batch
//     with failures the pool asks the store to Trip, which opens the breaker until now +
//     BreakerCooldown once BreakerThreshold of them are counted.
//   - open: Claim parks the webhook's due deliveries (no due time) without an attempt: their
//     retries are not spent. It parks the whole due backlog (up to a thousand at a time), not
//     only what one claim picked, and parked deliveries are not touched again until the
//     breaker closes, however many cool-downs that takes.
//   - half_open: once the cool-down is over, the oldest parked delivery goes as the probe, for
//     at most one lease (webhook.Control.Decide). A success closes the breaker and releases
//     the parked deliveries at once; a failure opens it for another cool-down.
//
// Retries and test events an operator asks for go through an open breaker, and their success
// closes it.

// Policy defaults.
const (
	DefaultBreakerThreshold = 10
	DefaultBreakerCooldown  = 30 * time.Second
	DefaultDisableAfter     = 5 * 24 * time.Hour
)

// policy is what the pool asks the store to enforce; negative options turn a mechanism off.
func (o Options) policy() store.Policy {
	return store.Policy{BreakerThreshold: max(o.BreakerThreshold, 0), BreakerCooldown: o.BreakerCooldown, DisableAfter: max(o.DisableAfter, 0)}
}

// trip logs the webhooks whose failing streak reaches webhook.FailingStreak in this batch (as
// far as the claim's snapshot tells) and applies the policy to those that had failed attempts.
func (p *Pool) trip(outcomes []store.Outcome) {
	var failing []string
	streaks := map[string]int64{} // failed attempts in a row
	for _, o := range outcomes {
		w := o.Job.Webhook
		n, seen := streaks[w.ID]
		if !seen {
			n = w.ConsecutiveFailures
		}
		if o.Attempt.Succeeded() {
			streaks[w.ID] = 0
			continue
		}
		streaks[w.ID] = n + 1
		if n+1 == webhook.FailingStreak {
			p.log.Warn("webhook failing: health is critical", "webhook", w.ID, "app", w.AppID, "url", w.URL,
				"consecutive_failures", n+1, "last_error", o.Attempt.Error)
		}
		if !slices.Contains(failing, w.ID) {
			failing = append(failing, w.ID)
		}
	}
	pol := p.opts.policy()
	if len(failing) == 0 || pol.BreakerThreshold == 0 && pol.DisableAfter == 0 {
		return
	}
	slices.Sort(failing)
	tripped, err := p.store.Trip(context.Background(), failing, pol, time.Now())
	if err != nil {
		p.log.Error("apply breaker policy", "err", err)
		return
	}
	for _, id := range tripped.Opened {
		p.log.Warn("circuit breaker opened: the webhook's deliveries are held, its health is critical", "webhook", id,
			"consecutive_failures", pol.BreakerThreshold, "cooldown", pol.BreakerCooldown)
	}
	for _, id := range tripped.Disabled {
		p.log.Warn("webhook disabled after failing without a success", "webhook", id, "after", pol.DisableAfter)
	}
}

// breakerCollector reports how many webhooks are in each breaker state, read from the store
// at scrape time so that every instance reports the shared state.
type breakerCollector struct {
	store store.Store
	desc  *prometheus.Desc
}

func newBreakerCollector(s store.Store) *breakerCollector {
	return &breakerCollector{store: s, desc: prometheus.NewDesc("hookd_circuit_breakers",
		"Webhooks by circuit breaker state (closed, open, half_open).", []string{"state"}, nil)}
}

func (c *breakerCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *breakerCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.store.CircuitCounts(ctx)
	if err != nil {
		return
	}
	for _, state := range []string{webhook.CircuitClosed, webhook.CircuitOpen, webhook.CircuitHalfOpen} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[state]), state)
	}
}

// registerBreakerMetrics adds the collector once per registry.
func registerBreakerMetrics(reg *prometheus.Registry, s store.Store) {
	if err := reg.Register(newBreakerCollector(s)); err != nil {
		var dup prometheus.AlreadyRegisteredError
		if !errors.As(err, &dup) {
			panic(err)
		}
	}
}
