package store

import (
	"cmp"
	"context"
	"log/slog"
	"time"
)

// Heartbeat defaults: an instance beats every 2 s and is dead after 10 s without a beat, so a
// crashed instance's deliveries go out again within about 12 s.
const (
	DefaultHeartbeatInterval = 2 * time.Second
	DefaultHeartbeatStale    = 10 * time.Second
)

// Heartbeat keeps this instance alive in the store and releases the leases of the instances
// that stopped beating (crashed, killed, cut off), so that their deliveries go out again at
// once rather than when their leases end.
type Heartbeat struct {
	Store    Store
	Interval time.Duration    // default DefaultHeartbeatInterval
	Stale    time.Duration    // default DefaultHeartbeatStale
	Now      func() time.Time // default time.Now
	Log      *slog.Logger     // default slog.Default()
}

// Run beats and reaps every Interval until ctx ends.
func (h *Heartbeat) Run(ctx context.Context) error {
	interval, stale := cmp.Or(h.Interval, DefaultHeartbeatInterval), cmp.Or(h.Stale, DefaultHeartbeatStale)
	now, log := time.Now, cmp.Or(h.Log, slog.Default())
	if h.Now != nil {
		now = h.Now
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		t := now()
		if err := h.Store.Beat(ctx, t); err != nil && ctx.Err() == nil {
			log.Warn("instance heartbeat", "err", err)
			continue
		}
		if n, err := h.Store.ReleaseLeases(ctx, t.Add(-stale), t); err != nil && ctx.Err() == nil {
			log.Warn("release dead instances' leases", "err", err)
		} else if n > 0 {
			log.Warn("an instance stopped beating; its deliveries are due again", "deliveries", n, "after", stale)
		}
	}
}
