package store

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// purgeScript answers Purge with its next result, then with nothing deleted.
type purgeScript struct {
	Monitor
	results []Purged
	err     error
	calls   int
}

func (p *purgeScript) Purge(context.Context, time.Time, int) (Purged, error) {
	p.calls++
	if len(p.results) == 0 {
		return Purged{}, p.err
	}
	r := p.results[0]
	p.results = p.results[1:]
	return r, p.err
}

// TestRetentionGoesOnWhenAPartFails: a Purge that fails to drop partitions but deletes rows
// is called again until nothing is left to delete, and the round reports the failure; one
// that deletes nothing stops the round.
func TestRetentionGoesOnWhenAPartFails(t *testing.T) {
	dropFailed := errors.New("purge partitions: lock timeout")
	s := &purgeScript{results: []Purged{{Attempts: 2}, {Attempts: 2, Events: 1}, {Deliveries: 1}}, err: dropFailed}
	r := &Retention{Store: s, Wait: time.Nanosecond}
	got, err := r.Once(context.Background())
	if !errors.Is(err, dropFailed) || got != (Purged{Attempts: 4, Events: 1, Deliveries: 1}) || s.calls != 4 {
		t.Errorf("Once = %+v, %v after %d calls; want every batch (4 attempts, 1 event, 1 delivery), the failure, 4 calls", got, err, s.calls)
	}
	// A round where only partitions went (and dropping failed after them) ends there.
	s = &purgeScript{results: []Purged{{Partitions: 2}, {Partitions: 2}}, err: dropFailed}
	if got, err := (&Retention{Store: s, Wait: time.Nanosecond}).Once(context.Background()); !errors.Is(err, dropFailed) || got.Partitions != 2 || s.calls != 1 {
		t.Errorf("Once = %+v, %v after %d calls; want 2 partitions, the failure, 1 call", got, err, s.calls)
	}
}

// TestRetentionReadsOnPastKeptRows: a call that deleted nothing but has more of the log to
// read (it read a window of rows to keep) does not end the round.
func TestRetentionReadsOnPastKeptRows(t *testing.T) {
	s := &purgeScript{results: []Purged{{More: true}, {More: true}, {Deliveries: 3, Events: 2}}}
	got, err := (&Retention{Store: s, Wait: time.Nanosecond}).Once(context.Background())
	if err != nil || got != (Purged{Deliveries: 3, Events: 2}) || s.calls != 4 {
		t.Errorf("Once = %+v, %v after %d calls; want 3 deliveries and 2 events past two windows of kept rows, 4 calls", got, err, s.calls)
	}
}

// prepareLog records when PrepareLog was called, and fails the first call.
type prepareLog struct {
	Monitor
	mu    sync.Mutex
	calls []time.Time
}

func (p *prepareLog) PrepareLog(_ context.Context, now time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, now)
	if len(p.calls) == 1 {
		return errors.New("server gone")
	}
	return nil
}

func (p *prepareLog) times() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// TestLogDaysPreparesEveryHour: the log is prepared at start and then every hour (in a bubble
// of fake time), a failure is retried the next hour, and Run ends with its context.
func TestLogDaysPreparesEveryHour(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &prepareLog{}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel() // a failed check ends the bubble's Run too
		done := make(chan error, 1)
		start := time.Now()
		go func() {
			done <- (&LogDays{Store: p, Log: slog.New(slog.DiscardHandler)}).Run(ctx)
		}()
		synctest.Wait()
		if got := p.times(); len(got) != 1 || !got[0].Equal(start) {
			t.Fatalf("prepared at %v, want once at start (%v)", got, start)
		}
		time.Sleep(time.Hour - time.Second)
		synctest.Wait()
		if got := p.times(); len(got) != 1 {
			t.Fatalf("prepared %d times within the first hour, want 1", len(got))
		}
		time.Sleep(2 * time.Hour)
		synctest.Wait()
		got := p.times()
		if len(got) != 3 || got[1].Sub(start) != time.Hour || got[2].Sub(start) != 2*time.Hour {
			t.Fatalf("prepared at %v, want at start and each hour after (the failed first retried)", got)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v, want nil when its context ends", err)
		}
	})
}
