package server

import (
	"context"
	"sync"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// keyCacheTTL is how long a key read from the store answers requests without reading it again.
// A key changed through this server's admin API is forgotten at once; one revoked elsewhere (the
// CLI, another instance) stops working within keyCacheTTL.
const keyCacheTTL = time.Second

// keyCache spares every request a store read of its key. Only keys that exist are kept, so
// made-up client keys cannot grow it; secrets are still checked on every request.
type keyCache struct{ m sync.Map } // client key → cachedKey

type cachedKey struct {
	key *webhook.Key // shared by requests: read-only
	at  time.Time
}

func (c *keyCache) lookup(ctx context.Context, st store.Store, clientKey string, now time.Time) (*webhook.Key, error) {
	if v, ok := c.m.Load(clientKey); ok {
		if ck := v.(cachedKey); now.Sub(ck.at) >= 0 && now.Sub(ck.at) < keyCacheTTL {
			return ck.key, nil
		}
	}
	k, err := st.KeyByClientKey(ctx, clientKey)
	if err != nil {
		return nil, err
	}
	c.m.Store(clientKey, cachedKey{key: k, at: now})
	return k, nil
}

// forget drops every cached key, after a key or app changed.
func (c *keyCache) forget() { c.m.Clear() }
