package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hookd/hookd/internal/metrics"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// batchLog is a store that notes the size of every Complete batch and takes it.
type batchLog struct {
	store.Store
	mu      sync.Mutex // the recorder writes, the test reads
	batches []int
}

func (b *batchLog) Complete(_ context.Context, outcomes []store.Outcome) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.batches = append(b.batches, len(outcomes))
	return nil
}

func (b *batchLog) written() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.batches)
}

// delivered is a successful outcome of a delivery of w.
func delivered(i int, w *webhook.Webhook) result {
	return result{outcome: store.Outcome{Job: store.Job{DeliveryID: fmt.Sprintf("dlv_%d", i), Lease: 1, Webhook: w},
		Status: webhook.StatusDelivered, Attempt: &webhook.Attempt{StatusCode: 200, DurationMS: 1}}}
}

// TestRecorderLingersWhileRequestsAreOut: an outcome that arrives alone while requests are on
// the wire waits up to recordLinger for theirs, and they are recorded in one transaction; the
// wait ends early once fullRecordBatch outcomes are in, no request is left on the wire, an
// outcome of an ordered webhook (whose next delivery waits for the record) joins, or the
// recorder is stopped. With no request on the wire, an outcome is recorded at once.
func TestRecorderLingersWhileRequestsAreOut(t *testing.T) {
	plain, ordered := &webhook.Webhook{ID: "wh_plain"}, &webhook.Webhook{ID: "wh_ordered", Ordered: true}
	for _, tc := range []struct {
		name    string
		sending int64
		// then runs after the first outcome, with the recorder waiting; it returns the
		// batches written by then.
		then func(p *Pool, results chan<- result, b *batchLog) []int
		want []int // written in all, once the recorder has stopped
	}{
		{"none on the wire", 0, func(p *Pool, results chan<- result, b *batchLog) []int {
			return b.written()
		}, []int{1}},
		{"until the linger ends", 1, func(p *Pool, results chan<- result, b *batchLog) []int {
			results <- delivered(2, plain)
			synctest.Wait()
			if got := b.written(); len(got) != 0 {
				t.Errorf("written before the linger ended: %v", got)
			}
			time.Sleep(recordLinger)
			synctest.Wait()
			return b.written()
		}, []int{2}},
		{"a full batch", 1, func(p *Pool, results chan<- result, b *batchLog) []int {
			for i := range fullRecordBatch - 1 {
				results <- delivered(2+i, plain)
			}
			synctest.Wait()
			return b.written()
		}, []int{fullRecordBatch}},
		{"nothing left on the wire", 1, func(p *Pool, results chan<- result, b *batchLog) []int {
			p.sending.Store(0)
			results <- delivered(2, plain)
			synctest.Wait()
			return b.written()
		}, []int{2}},
		{"an ordered webhook's outcome joins", 1, func(p *Pool, results chan<- result, b *batchLog) []int {
			results <- delivered(2, ordered)
			synctest.Wait()
			return b.written()
		}, []int{2}},
		{"stopped", 1, func(p *Pool, results chan<- result, b *batchLog) []int {
			close(results)
			synctest.Wait()
			return b.written()
		}, []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := &batchLog{}
				p := NewPool(b, nil, slog.New(slog.DiscardHandler), metrics.New(nil), Options{})
				p.sending.Store(tc.sending)
				results := make(chan result, fullRecordBatch)
				done := make(chan struct{})
				go func() { defer close(done); p.record(results) }()
				results <- delivered(1, plain)
				synctest.Wait()
				// No time has passed: whatever is written by now was written without a wait.
				if got := tc.then(p, results, b); !slices.Equal(got, tc.want) {
					t.Errorf("written without waiting longer: %v, want %v", got, tc.want)
				}
				if tc.name != "stopped" {
					close(results)
				}
				<-done
				if got := b.written(); !slices.Equal(got, tc.want) {
					t.Errorf("Complete batches %v, want %v", got, tc.want)
				}
			})
		})
	}
	// An ordered webhook's outcome arriving first is not held either.
	synctest.Test(t, func(t *testing.T) {
		b := &batchLog{}
		p := NewPool(b, nil, slog.New(slog.DiscardHandler), metrics.New(nil), Options{})
		p.sending.Store(1)
		results := make(chan result, 1)
		done := make(chan struct{})
		go func() { defer close(done); p.record(results) }()
		results <- delivered(1, ordered)
		synctest.Wait()
		if got := b.written(); !slices.Equal(got, []int{1}) {
			t.Errorf("an ordered webhook's outcome: batches %v, want [1] at once", got)
		}
		close(results)
		<-done
	})
}
