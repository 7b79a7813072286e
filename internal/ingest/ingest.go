// Package ingest commits events in groups: requests that arrive while one transaction is
// being written share the next one, so a single SQLite writer (or a busy PostgreSQL) pays
// one commit for many events. A request is answered only after its own commit.
package ingest

import (
	"context"
	"errors"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// maxGroup bounds the events in one transaction.
const maxGroup = 1000

// ErrStopped is returned to requests that arrive after the batcher stopped.
var ErrStopped = errors.New("ingest stopped")

// Pool is the delivery pool as the batcher sees it (delivery.Pool): fresh deliveries go to
// its free workers as their events commit (store.Handoff), the rest wait for its claim loop.
type Pool interface {
	Reserve(w *webhook.Webhook) (until time.Time, ok bool)
	Dispatch(jobs []store.Job)     // start what a committed transaction handed off
	Unreserve(webhookIDs []string) // give back what a failed one reserved
	WakeDeliveries()               // deliveries are due for the claim loop
}

// Batcher funnels CreateEvents calls through one goroutine.
type Batcher struct {
	store store.Store
	pool  Pool
	in    chan *request
	done  chan struct{}
}

type request struct {
	events []store.NewEvent
	out    []store.Created
	err    error
	ready  chan struct{}
}

// New returns a batcher that gives the deliveries it creates to pool; with a nil pool they
// wait in the store for whoever claims them.
func New(s store.Store, pool Pool) *Batcher {
	return &Batcher{store: s, pool: pool, in: make(chan *request, 4096), done: make(chan struct{})}
}

// Submit commits events (in a group with others) and returns their results.
func (b *Batcher) Submit(ctx context.Context, events []store.NewEvent) ([]store.Created, error) {
	r := &request{events: events, ready: make(chan struct{})}
	select {
	case b.in <- r:
	case <-b.done:
		return nil, ErrStopped
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once queued, wait for the commit even if the client went away: the outcome must be known.
	<-r.ready
	return r.out, r.err
}

// Run commits groups until ctx ends, then answers what is queued and stops.
func (b *Batcher) Run(ctx context.Context) error {
	defer close(b.done)
	var group []*request
	for {
		select {
		case r := <-b.in:
			group = b.collect(append(group[:0], r))
			b.commit(group)
		case <-ctx.Done():
			for {
				select {
				case r := <-b.in:
					b.commit(b.collect([]*request{r}))
				default:
					return nil
				}
			}
		}
	}
}

func (b *Batcher) collect(group []*request) []*request {
	n := len(group[0].events)
	for n < maxGroup {
		select {
		case r := <-b.in:
			group = append(group, r)
			n += len(r.events)
		default:
			return group
		}
	}
	return group
}

func (b *Batcher) commit(group []*request) {
	now := time.Now()
	var all []store.NewEvent
	for _, r := range group {
		for i := range r.events {
			if r.events[i].ID == "" { // known before the commit, so that an unknown outcome can be looked up
				r.events[i].ID = webhook.NewID(webhook.PrefixEvent, now)
			}
		}
		all = append(all, r.events...)
	}
	var reserved []string
	var handoff store.Handoff
	if b.pool != nil {
		handoff = func(w *webhook.Webhook) (time.Time, bool) {
			until, ok := b.pool.Reserve(w)
			if ok {
				reserved = append(reserved, w.ID)
			}
			return until, ok
		}
	}
	out, err := b.store.CreateEvents(context.Background(), all, now, handoff)
	if err != nil && b.pool != nil {
		b.pool.Unreserve(reserved)
	}
	if errors.Is(err, store.ErrNotDurable) {
		// Committed but perhaps not on disk: no request may be told its events are kept, and
		// none may be committed again (they can be read). Each gets the error (a 503).
		for _, r := range group {
			r.err = err
			close(r.ready)
		}
		if b.pool != nil {
			b.pool.WakeDeliveries()
		}
		return
	}
	if err != nil && b.store.Unavailable(err) {
		// The connection may have failed after the commit: an accepted event must not be
		// answered with an error (its client would post it again), nor committed twice. The
		// transaction was all or nothing: the first event tells.
		if _, outcome := b.committed(group[0]); outcome != notCommitted {
			// Committed, or the store cannot tell: each request is answered from the store if
			// it can, else with the error; none is committed again.
			for _, r := range group {
				if found, o := b.committed(r); o == wasCommitted {
					r.out = found
				} else {
					r.err = err
				}
				close(r.ready)
			}
			if b.pool != nil {
				b.pool.WakeDeliveries()
			}
			return
		}
	}
	if err != nil && len(group) > 1 {
		// One request's input must not fail the others that shared its transaction: each
		// commits alone, with the same ids, and only the one at fault gets the error.
		for _, r := range group {
			b.commit([]*request{r})
		}
		return
	}
	var handed []store.Job
	due := false // deliveries left for the claim loop
	for _, r := range group {
		if err != nil {
			r.err = err
		} else {
			r.out, out = out[:len(r.events)], out[len(r.events):]
			for _, c := range r.out {
				handed = append(handed, c.Handed...)
				due = due || (!c.Duplicate && c.Deliveries > len(c.Handed))
			}
		}
		close(r.ready)
	}
	if b.pool != nil {
		b.pool.Dispatch(handed)
		if due {
			b.pool.WakeDeliveries()
		}
	}
}

// How long a request whose commit outcome is unknown waits for the store to say.
const (
	lookupFor   = 3 * time.Second
	lookupEvery = 100 * time.Millisecond
)

// The outcome of a commit that failed with the connection, as committed finds it.
type commitOutcome int

const (
	notCommitted commitOutcome = iota
	wasCommitted
	unknown // the store did not answer in time
)

// committed finds out whether r's events were committed by a transaction that failed with a
// connection error, looking for them for up to lookupFor; when they were, it returns their
// results. (Deliveries it committed handed off to a worker are not started here: the store's
// next claim gives them back to the queue.)
func (b *Batcher) committed(r *request) ([]store.Created, commitOutcome) {
	ctx, cancel := context.WithTimeout(context.Background(), lookupFor)
	defer cancel()
	for {
		out, err := b.lookup(ctx, r)
		switch {
		case err == nil:
			return out, wasCommitted
		case webhook.ErrorCode(err) == webhook.ENotFound:
			return nil, notCommitted
		}
		select {
		case <-ctx.Done():
			return nil, unknown
		case <-time.After(lookupEvery):
		}
	}
}

// lookup reads r's events back, with their deliveries.
func (b *Batcher) lookup(ctx context.Context, r *request) ([]store.Created, error) {
	out := make([]store.Created, len(r.events))
	for i, ne := range r.events {
		ev, err := b.store.GetEvent(ctx, ne.AppID, ne.ID)
		if err != nil {
			return nil, err
		}
		out[i] = store.Created{Event: ev, Deliveries: len(ev.Deliveries)}
	}
	return out, nil
}
