package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// benchReceiver is the webhook endpoint of the bench: it answers 200 at once and counts what
// it got, per phase: distinct deliveries (path + Webhook-Id), duplicates and latencies.
type benchReceiver struct {
	url     string
	srv     *http.Server
	raw     atomic.Int64
	bad     atomic.Int64  // deliveries without a readable send time or Webhook-Id
	arrived chan struct{} // signalled (without blocking) on every new delivery

	mu     sync.Mutex
	phases [phaseCount]phaseReceived
}

type phaseReceived struct {
	seen       map[string]struct{}
	latencies  []float64 // ms, posted → received
	duplicates int
	last       time.Time
}

// phaseStats is a copy of one phase's counts.
type phaseStats struct {
	delivered, duplicates int
	latencies             []float64
	last                  time.Time
}

func startReceiver() (*benchReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &benchReceiver{url: "http://" + ln.Addr().String(), arrived: make(chan struct{}, 1)}
	for i := range rc.phases {
		rc.phases[i].seen = map[string]struct{}{}
	}
	rc.srv = &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go labeled("receiver", func() { _ = rc.srv.Serve(ln) })
	return rc, nil
}

func (rc *benchReceiver) close() { _ = rc.srv.Close() }

func (rc *benchReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if r.URL.Path == "/raw" {
		rc.raw.Add(1)
		w.WriteHeader(http.StatusOK)
		return
	}
	sent, phase, ok := parseBenchPayload(body)
	id := r.Header.Get("Webhook-Id")
	if !ok || id == "" {
		rc.bad.Add(1) // answered 200 all the same: a retry would not read better
		w.WriteHeader(http.StatusOK)
		return
	}
	key := r.URL.Path + " " + id
	rc.mu.Lock()
	p := &rc.phases[phase]
	if _, dup := p.seen[key]; dup {
		p.duplicates++
	} else {
		p.seen[key] = struct{}{}
		p.latencies = append(p.latencies, float64(now.UnixNano()-sent)/1e6)
		p.last = now
	}
	rc.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	select {
	case rc.arrived <- struct{}{}:
	default:
	}
}

func (rc *benchReceiver) delivered(phase int) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.phases[phase].seen)
}

func (rc *benchReceiver) stats(phase int) phaseStats {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	p := &rc.phases[phase]
	return phaseStats{delivered: len(p.seen), duplicates: p.duplicates, latencies: append([]float64(nil), p.latencies...), last: p.last}
}

// errStalled means deliveries stopped arriving before all accepted events were delivered;
// the bench reports the missing ones as lost.
var errStalled = errors.New("deliveries stalled")

// waitFor waits until phase has want deliveries, nothing new arrived for stall, hookd
// stopped, or ctx ended.
func (rc *benchReceiver) waitFor(ctx context.Context, phase, want int, stall time.Duration, hookdDone <-chan struct{}) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	last, lastChange := -1, time.Now()
	for {
		n := rc.delivered(phase)
		if n >= want {
			return nil
		}
		if n != last {
			last, lastChange = n, time.Now()
		} else if time.Since(lastChange) > stall {
			return fmt.Errorf("%w: %d of %d deliveries arrived, none in the last %s", errStalled, n, want, stall)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-hookdDone:
			return errors.New("hookd serve stopped during the bench")
		case <-rc.arrived:
		case <-tick.C:
		}
	}
}
