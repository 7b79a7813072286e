package sqlstore

import (
	"errors"
	"sync"
	"sync/atomic"
)

// errNotFlushed marks a commit that Dialect.Flush failed to make durable.
var errNotFlushed = errors.New("committed but not flushed")

// groupSync runs a flush for commits that have ended: a commit waits for a flush that starts
// after it ended, and every commit that ends while one flush runs shares the next one, so a
// flush costs one disk wait however many commits it covers.
type groupSync struct {
	flush   func() error
	ended   atomic.Uint64 // commits that have asked for a flush
	mu      sync.Mutex    // one flush at a time
	flushed uint64        // commits covered by the last flush that succeeded (mu)
}

// sync returns once a flush that started after the caller's commit has succeeded.
func (g *groupSync) sync() error {
	mine := g.ended.Add(1)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.flushed >= mine {
		return nil // a flush that started after this commit has covered it
	}
	upTo := g.ended.Load() // these commits have all ended: this flush covers them
	if err := g.flush(); err != nil {
		return err
	}
	g.flushed = upTo
	return nil
}
