package delivery

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hookd/hookd/internal/metrics"
	"github.com/hookd/hookd/internal/store"
)

// recoverStore answers the recover runner's two calls; nothing else of the store is used.
type recoverStore struct {
	store.Store
	mu       sync.Mutex
	claims   []time.Time // when ClaimRecover was called
	jobOn    int         // the claim (1-based) that finds a job
	steps    int
	stepsFor int // steps until the job is done
}

func (s *recoverStore) ClaimRecover(_ context.Context, now time.Time, _ time.Duration) (*store.RecoverJob, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claims = append(s.claims, now)
	if len(s.claims) == s.jobOn {
		return &store.RecoverJob{ID: "job_1", Status: store.RecoverRunning}, nil
	}
	return nil, nil
}

func (s *recoverStore) RecoverStep(_ context.Context, j *store.RecoverJob, _ int, _ time.Time, _ time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps++
	j.Requeued += recoverBatch
	return s.steps == s.stepsFor, nil
}

func (s *recoverStore) state() (claims, steps int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.claims), s.steps
}

func TestRecoverRunnerPollsWakesAndFinishes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const poll = time.Second
		st := &recoverStore{jobOn: 3, stepsFor: 4}
		p := NewPool(st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), metrics.New(nil), Options{Poll: poll})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); p.runRecovers(ctx) }()

		synctest.Wait()
		if claims, _ := st.state(); claims != 1 {
			t.Fatalf("claims at start = %d, want 1", claims)
		}
		time.Sleep(poll / 2)
		synctest.Wait()
		if claims, _ := st.state(); claims != 1 {
			t.Errorf("claims before the poll interval = %d, want 1", claims)
		}
		p.Wake() // a new job was created: look now, not at the next poll
		synctest.Wait()
		if claims, _ := st.state(); claims != 2 {
			t.Errorf("claims after Wake = %d, want 2", claims)
		}
		time.Sleep(poll)
		synctest.Wait()
		claims, steps := st.state()
		if claims != 4 || steps != 4 {
			t.Errorf("after the next poll: %d claims, %d steps; want the job found on claim 3, run to its end in 4 steps, and a look for the next", claims, steps)
		}
		select {
		case <-p.wake:
		default:
			t.Error("the workers were not woken for the requeued deliveries")
		}
		time.Sleep(poll)
		synctest.Wait()
		if claims, _ := st.state(); claims != 5 {
			t.Errorf("claims a poll after the job = %d, want polling to go on (5)", claims)
		}
		cancel()
		<-done
	})
}
