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

// DefaultFoldInterval is how often CountFolder folds.
const DefaultFoldInterval = time.Second

// CountFolder folds the counts of event and attempt commits into the webhooks' counters and
// rollups (Store.FoldCounts) every Interval, so that the rows reads add up stay few.
type CountFolder struct {
	Store    Store
	Interval time.Duration // default DefaultFoldInterval
	Log      *slog.Logger  // default slog.Default()
}

// Run folds until ctx ends.
func (f *CountFolder) Run(ctx context.Context) error {
	ticker := time.NewTicker(cmp.Or(f.Interval, DefaultFoldInterval))
	defer ticker.Stop()
	log := cmp.Or(f.Log, slog.Default())
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		for { // a backlog of counts (after an outage) folds in a few rounds
			n, err := f.Store.FoldCounts(ctx)
			if err != nil && ctx.Err() == nil {
				log.Warn("fold counts", "err", err)
			}
			if err != nil || n < 1000 {
				break
			}
		}
	}
}
