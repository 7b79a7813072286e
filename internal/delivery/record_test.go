package delivery

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/metrics"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/sqlite"
	"github.com/hookd/hookd/internal/webhook"
)

// batchLog is a store that notes the size of every Complete batch.
type batchLog struct {
	store.Store
	mu      sync.Mutex
	batches []int
}

func (b *batchLog) Complete(ctx context.Context, outcomes []store.Outcome) error {
	b.mu.Lock()
	b.batches = append(b.batches, len(outcomes))
	b.mu.Unlock()
	return b.Store.Complete(ctx, outcomes)
}

func (b *batchLog) sizes() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.batches)
}

// TestRecorderLingersWhileRequestsAreOut: an outcome that arrives alone while other requests
// are on the wire waits for theirs, and they are recorded in one transaction; with none on
// the wire, or for an ordered webhook (whose next delivery waits for the record), it is
// recorded at once. The linger is lengthened here so that the second outcome surely comes
// within it, however slow the machine.
func TestRecorderLingersWhileRequestsAreOut(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sending int64
		ordered bool
		want    []int
	}{
		{"requests out", 1, false, []int{2}},
		{"none out", 0, false, []int{1, 1}},
		{"ordered", 1, true, []int{1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s, err := sqlite.Open(ctx, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			now := time.Now()
			app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "a", CreatedAt: now}
			hook := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: app.ID, Name: "w", URL: "https://example.com",
				Active: true, Ordered: tc.ordered, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: now, UpdatedAt: now}
			if err := s.CreateApp(ctx, app); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateWebhook(ctx, hook); err != nil {
				t.Fatal(err)
			}
			events := []store.NewEvent{{AppID: app.ID, Type: "a", Payload: []byte("1")}, {AppID: app.ID, Type: "a", Payload: []byte("2")}}
			if _, err := s.CreateEvents(ctx, events, now, nil); err != nil {
				t.Fatal(err)
			}
			jobs, err := s.Claim(ctx, now, time.Minute, 10)
			if err != nil || len(jobs) == 0 {
				t.Fatalf("claim = %d, %v", len(jobs), err)
			}
			if tc.ordered && len(jobs) == 1 { // an ordered line lets one go at a time: the test only needs two outcomes
				jobs = append(jobs, jobs[0])
			}
			bl := &batchLog{Store: s}
			p := NewPool(bl, nil, slog.New(slog.DiscardHandler), metrics.New(nil), Options{})
			p.linger = time.Minute
			p.sending.Store(tc.sending)
			results := make(chan result, 2)
			done := make(chan struct{})
			go func() { defer close(done); p.record(results) }()
			for i, j := range jobs[:2] {
				results <- result{outcome: store.Outcome{Job: j, Status: webhook.StatusDelivered, Attempt: &webhook.Attempt{
					ID: webhook.NewID(webhook.PrefixAttempt, now), DeliveryID: j.DeliveryID, WebhookID: hook.ID, AppID: app.ID,
					EventID: j.Event.ID, Number: 1, Trigger: webhook.TriggerScheduled, StatusCode: 200, CreatedAt: now}}}
				if i > 0 {
					break
				}
				// The recorder has taken the first before the second comes; with no linger it
				// writes it alone.
				waitFor(t, func() bool { return len(results) == 0 })
				if len(tc.want) == 2 {
					waitFor(t, func() bool { return len(bl.sizes()) == 1 })
				} else {
					time.Sleep(10 * time.Millisecond)
				}
			}
			if len(tc.want) == 1 { // the linger ends with a full batch or the minute: close to end it
				time.Sleep(10 * time.Millisecond)
			}
			close(results)
			<-done
			if got := bl.sizes(); !slices.Equal(got, tc.want) {
				t.Errorf("Complete batches %v, want %v", got, tc.want)
			}
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}
