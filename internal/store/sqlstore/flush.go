package sqlstore

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/hookd/hookd/internal/store"
)

// groupSync runs a flush for commits that have ended: a commit waits for a flush that starts
// after it ended, and every commit that ends while one flush runs shares the next one, so a
// flush costs one disk wait however many commits it covers.
//
// A failed flush fails every later one: once the disk has failed a sync, the kernel may have
// dropped pages it could not write, and a later sync can succeed without them. Only reading
// the database again from the disk (a restart) says what it holds.
type groupSync struct {
	flush   func() error
	ended   atomic.Uint64 // commits that have asked for a flush
	mu      sync.Mutex    // one flush at a time
	flushed uint64        // commits covered by the last flush that succeeded (mu)
	failed  error         // the first failure (mu)
}

// err is the failure that stopped durable writes, if any.
func (g *groupSync) err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failed
}

// sync returns once a flush that started after the caller's commit has succeeded; its error
// wraps store.ErrNotDurable.
func (g *groupSync) sync() error {
	mine := g.ended.Add(1)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failed != nil {
		return g.failed
	}
	if g.flushed >= mine {
		return nil // a flush that started after this commit has covered it
	}
	upTo := g.ended.Load() // these commits have all ended: this flush covers them
	if err := g.flush(); err != nil {
		g.failed = fmt.Errorf("flush to disk: %w: %w", store.ErrNotDurable, err)
		return g.failed
	}
	g.flushed = upTo
	return nil
}
