// Package ingest commits events in groups: requests that arrive while one transaction is
// being written share the next one, so a single SQLite writer (or a busy PostgreSQL) pays
// one commit for many events. A request is answered only after its own commit.
package ingest

import (
	"context"
	"errors"
	"time"

	"github.com/hookd/hookd/internal/store"
)

// maxGroup bounds the events in one transaction.
const maxGroup = 1000

// ErrStopped is returned to requests that arrive after the batcher stopped.
var ErrStopped = errors.New("ingest stopped")

// Batcher funnels CreateEvents calls through one goroutine.
type Batcher struct {
	store store.Store
	wake  func()
	in    chan *request
	done  chan struct{}
}

type request struct {
	events []store.NewEvent
	out    []store.Created
	err    error
	ready  chan struct{}
}

// New returns a batcher; wake is called after every commit that created deliveries.
func New(s store.Store, wake func()) *Batcher {
	return &Batcher{store: s, wake: wake, in: make(chan *request, 4096), done: make(chan struct{})}
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
	var all []store.NewEvent
	for _, r := range group {
		all = append(all, r.events...)
	}
	out, err := b.store.CreateEvents(context.Background(), all, time.Now())
	created := false
	for _, r := range group {
		if err != nil {
			r.err = err
		} else {
			r.out, out = out[:len(r.events)], out[len(r.events):]
			for _, c := range r.out {
				created = created || (c.Deliveries > 0 && !c.Duplicate)
			}
		}
		close(r.ready)
	}
	if created {
		b.wake()
	}
}
