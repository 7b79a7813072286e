package delivery

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Every attempt that was sent is recorded. The recorder writes outcomes in batches (whatever
// finished while the last batch was being written); what the store does not take stays in a
// buffer and is written again until it is. While the store is unavailable the buffer grows;
// past maxUnwritten the pool stops claiming new work instead of dropping records, and takes
// it up again once the buffer has drained. Should an outcome wait longer than its lease, its
// delivery is claimed and sent again meanwhile; the late record still lands in the log (the
// lease fence keeps it from moving the delivery).
const (
	maxRecordBatch = 512
	// maxUnwritten is how many outcomes may wait for the store before claims stop: a few
	// batches, a few hundred kilobytes of memory.
	maxUnwritten = 4 * maxRecordBatch
	// badAfter is how many times an outcome may fail alone while the store takes others before
	// it is given up (logged; its delivery is sent again when its lease ends).
	badAfter = 3
	// While requests are on the wire, a batch of fewer than fullRecordBatch outcomes waits up
	// to recordLinger for more: with workers busy, outcomes arrive one by one, and a
	// transaction for each handful costs the store its round trips and a commit. The
	// deliveries have been sent; only their records wait (never an ordered webhook's: lingers).
	fullRecordBatch = 32
	recordLinger    = 2 * time.Millisecond
)

// unwritten is an outcome the store has not taken yet.
type unwritten struct {
	outcome store.Outcome
	strikes int // failures while the store was taking other outcomes
}

// record writes outcomes until results is closed, then tries for a while to write what is left.
func (p *Pool) record(results <-chan result) {
	var waiting []unwritten
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	backoff := minRecordRetry
	for open := true; open || len(waiting) > 0; {
		var fresh []store.Outcome
		var releases []store.Job
		ordered := false // an outcome of fresh is an ordered webhook's
		add := func(r result) {
			if r.release {
				releases = append(releases, r.outcome.Job)
				return
			}
			fresh = append(fresh, r.outcome)
			if w := r.outcome.Job.Webhook; w != nil && w.Ordered {
				ordered = true
			}
		}
		if open {
			var r result
			if len(waiting) == 0 {
				r, open = <-results
			} else {
				select {
				case r, open = <-results:
				case <-retry.C:
				}
			}
			if open && (r.outcome.Attempt != nil || r.release) {
				add(r)
			}
			var linger <-chan time.Time
		drain:
			for open && len(fresh)+len(releases) < maxRecordBatch {
				var ok bool
				select {
				case r, ok = <-results:
				default:
					// Nothing more is here: write the batch, or wait a little for the outcomes
					// of the requests on the wire.
					if linger == nil {
						if !p.lingers(len(fresh), ordered) {
							break drain
						}
						linger = time.After(recordLinger)
					}
					select {
					case r, ok = <-results:
					case <-linger:
						break drain
					}
				}
				if !ok {
					open = false
					break drain
				}
				add(r)
				if linger != nil && !p.lingers(len(fresh), ordered) {
					break drain
				}
			}
		} else if !p.finalFlush(&backoff) {
			p.log.Error("stopped with attempts the store did not take; their deliveries are sent again when their leases end", "count", len(waiting))
			return
		}
		for _, o := range fresh {
			waiting = append(waiting, unwritten{outcome: o})
		}
		waiting = p.write(waiting)
		if full := len(waiting) >= maxUnwritten; full != p.backlogged.Load() {
			p.backlogged.Store(full)
			if full {
				p.log.Warn("the store has not taken the last attempts: claiming nothing new until it does", "waiting", len(waiting))
			} else {
				p.unblockClaims()
			}
		}
		if len(waiting) > 0 {
			retry.Reset(backoff)
			backoff = min(2*backoff, maxRecordRetry)
		} else {
			if backoff > minRecordRetry {
				p.log.Info("the store takes attempts again; every one kept meanwhile is recorded")
			}
			backoff = minRecordRetry
			p.unblockClaims()
		}
		if len(releases) > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
			err := p.store.Release(ctx, releases, time.Now())
			cancel()
			if err != nil {
				p.storeErrors.Log(p.log, "release deliveries; they are sent again when their leases end", err, "count", len(releases))
			}
		}
	}
}

// lingers reports whether a batch of n outcomes waits for more (recordLinger): only while
// requests are on the wire, below fullRecordBatch, and never with an outcome of an ordered
// webhook (ordered), whose next delivery waits for it to be recorded (Store.Complete moves the
// line on).
func (p *Pool) lingers(n int, ordered bool) bool {
	return n < fullRecordBatch && !ordered && p.sending.Load() > 0
}

// How long the recorder waits before writing again what the store did not take.
const (
	minRecordRetry = 100 * time.Millisecond
	maxRecordRetry = 2 * time.Second
)

// finalFlush waits before another try at the outcomes left at shutdown; false once
// ShutdownTimeout has been spent on them.
func (p *Pool) finalFlush(backoff *time.Duration) bool {
	if p.flushDeadline.IsZero() {
		p.flushDeadline = time.Now().Add(p.opts.ShutdownTimeout)
	}
	if time.Now().Add(*backoff).After(p.flushDeadline) {
		return false
	}
	time.Sleep(*backoff)
	return true
}

// write records what it can of outcomes and returns the rest. A batch the store refuses is
// written one outcome at a time when the store answers (a ping), so that one bad outcome of
// any tenant stays that outcome's problem: one that fails alone badAfter times is given up.
// When the store does not answer, everything waits for the next try.
func (p *Pool) write(outcomes []unwritten) []unwritten {
	if len(outcomes) == 0 {
		return nil
	}
	batch := make([]store.Outcome, len(outcomes))
	for i, u := range outcomes {
		batch[i] = u.outcome
	}
	var written []store.Outcome
	var left []unwritten
	err := p.complete(batch)
	switch {
	case err == nil:
		written = batch
	case len(batch) > 1 && p.ping():
		for _, u := range outcomes {
			if err := p.complete([]store.Outcome{u.outcome}); err == nil {
				written = append(written, u.outcome)
				continue
			}
			left = append(left, u)
		}
		if len(written) > 0 { // the store takes outcomes: those it refused are at fault
			for i := range left {
				left[i].strikes++
			}
		}
	default:
		left = outcomes
		if len(batch) == 1 && p.ping() {
			left[0].strikes++
		}
	}
	if err != nil {
		p.storeErrors.Log(p.log, "record attempts; they are kept and written again", err, "waiting", len(left))
	}
	kept := left[:0]
	for _, u := range left {
		if u.strikes >= badAfter {
			p.log.Error("record attempt: the store refuses it; its delivery is sent again when its lease ends",
				"delivery", u.outcome.Job.DeliveryID, "webhook", u.outcome.Job.Webhook.ID)
			continue
		}
		kept = append(kept, u)
	}
	p.recorded(written)
	return kept
}

// storeTimeout bounds one write of the recorder, so that a store gone silent (a network
// partition) cannot hold it, or the shutdown, for minutes.
const storeTimeout = 10 * time.Second

// complete writes outcomes in one transaction. Operational events that could not be sent do
// not make it fail: the outcomes are recorded.
func (p *Pool) complete(outcomes []store.Outcome) error {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	err := p.store.Complete(ctx, outcomes)
	if errors.Is(err, store.ErrNotices) {
		p.log.Warn("operational events lost", "err", err)
		return nil
	}
	return err
}

// recorded does what follows a recorded outcome: metrics, the breaker policy, and a wake-up
// for deliveries that are due sooner than the claim loop thinks.
func (p *Pool) recorded(outcomes []store.Outcome) {
	if len(outcomes) == 0 {
		return
	}
	retry := false
	var recovered []string
	for _, o := range outcomes {
		retry = retry || o.NextAt != nil
		// The next delivery of an ordered line, or those a closing breaker held, are due now.
		retry = retry || o.NextAt == nil && o.Job.Webhook.Ordered
		if w := o.Job.Webhook; o.Attempt.Succeeded() && (w.Circuit != webhook.CircuitClosed || w.ConsecutiveFailures > 0) {
			retry = true // a recovering receiver gets its held and retry-scheduled deliveries now
			if w.Circuit != webhook.CircuitClosed && !slices.Contains(recovered, w.ID) {
				recovered = append(recovered, w.ID)
				p.log.Info("circuit breaker closed: the webhook answered again", "webhook", w.ID, "app", w.AppID, "url", w.URL)
			}
		}
		p.metrics.Deliveries.WithLabelValues(o.Status).Inc()
		p.metrics.Attempts.WithLabelValues(cmp.Or(o.Attempt.Cause, "ok")).Inc()
		p.metrics.AttemptLatency.Observe(o.Attempt.DurationMS / 1000)
	}
	p.trip(outcomes)
	if retry {
		p.WakeDeliveries() // the idle loop may be sleeping past the new retry's due time
	}
}

// ping reports whether the store answers, within storeTimeout.
func (p *Pool) ping() bool {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	return p.store.Ping(ctx) == nil
}
