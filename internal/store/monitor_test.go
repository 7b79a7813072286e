package store

import (
	"context"
	"errors"
	"testing"
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
