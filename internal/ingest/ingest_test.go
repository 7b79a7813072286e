package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/postgres"
	"github.com/hookd/hookd/internal/store/postgres/pgtest"
	"github.com/hookd/hookd/internal/webhook"
)

// TestOneRequestFailsAlone: requests that share a transaction do not share one's failure.
// A payload PostgreSQL refuses (invalid UTF-8, which the API refuses before it gets here)
// fails its own request; the 50 queued with it commit.
func TestOneRequestFailsAlone(t *testing.T) {
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	now := time.Now()
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "a", CreatedAt: now}
	if err := s.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	hook := &webhook.Webhook{ID: webhook.NewID(webhook.PrefixWebhook, now), AppID: app.ID, Name: "w", URL: "https://example.com", Active: true,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}

	b := New(s, nil)
	const good = 50
	errs := make(chan error, good+1)
	submit := func(payload string) {
		_, err := b.Submit(ctx, []store.NewEvent{{AppID: app.ID, Type: "a", Payload: json.RawMessage(payload)}})
		errs <- err
	}
	go submit("\"\xff\"")
	for i := range good {
		go submit(`{"i":` + string(rune('0'+i%10)) + `}`)
	}
	// Every request is queued before the batcher starts, so they share one transaction.
	for deadline := time.Now().Add(5 * time.Second); len(b.in) < good+1; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests queued", len(b.in), good+1)
		}
		time.Sleep(time.Millisecond)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go b.Run(runCtx)
	failed := 0
	for range good + 1 {
		if err := <-errs; err != nil {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d requests failed, want 1 (the bad payload)", failed)
	}
	if got, _ := s.GetWebhook(ctx, app.ID, hook.ID, time.Now()); got.Stats.Created != good {
		t.Errorf("deliveries created = %d, want %d", got.Stats.Created, good)
	}
}

// lostAnswerStore commits every event it is given and then reports the connection lost (or
// fail, when set): the one fault no real store can be made to show on cue. Other methods are
// not used.
type lostAnswerStore struct {
	store.Store
	fail      error
	mu        sync.Mutex
	committed map[string]bool
	commits   int
	lookups   int
}

func (s *lostAnswerStore) failure() error {
	if s.fail != nil {
		return s.fail
	}
	return io.ErrUnexpectedEOF
}

func (s *lostAnswerStore) CreateEvents(_ context.Context, evs []store.NewEvent, _ time.Time, _ store.Handoff) ([]store.Created, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commits++
	for _, e := range evs {
		s.committed[e.ID] = true
	}
	return nil, s.failure()
}

func (s *lostAnswerStore) GetEvent(_ context.Context, appID, id string) (*webhook.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lookups++
	if s.committed[id] {
		return &webhook.Event{ID: id, AppID: appID}, nil
	}
	return nil, store.ErrEventNotFound
}

func (s *lostAnswerStore) Unavailable(err error) bool { return errors.Is(err, s.failure()) }

// runOneGroup starts b once n requests are queued, so that they share one commit.
func runOneGroup(t *testing.T, b *Batcher, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); len(b.in) < n; {
		if time.Now().After(deadline) {
			t.Fatal("requests not queued")
		}
		time.Sleep(time.Millisecond)
	}
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go b.Run(ctx)
}

// TestCommitWithLostAnswer: a group commit whose answer is lost with the connection is looked
// up, not committed again: each request gets its event, none gets an error, no event is
// committed twice.
func TestCommitWithLostAnswer(t *testing.T) {
	st := &lostAnswerStore{committed: map[string]bool{}}
	b := New(st, nil)
	const requests = 3
	type answer struct {
		id  string
		err error
	}
	answers := make(chan answer, requests)
	for range requests {
		go func() {
			out, err := b.Submit(context.Background(), []store.NewEvent{{AppID: "app_a", Type: "t", Payload: json.RawMessage(`{}`)}})
			a := answer{err: err}
			if err == nil {
				a.id = out[0].Event.ID
			}
			answers <- a
		}()
	}
	runOneGroup(t, b, requests)
	ids := map[string]bool{}
	for range requests {
		a := <-answers
		if a.err != nil || !st.committed[a.id] {
			t.Errorf("answer %+v; want the committed event", a)
		}
		ids[a.id] = true
	}
	if st.commits != 1 || len(st.committed) != requests || len(ids) != requests {
		t.Errorf("%d commits of %d events for %d requests (%d distinct answers); want 1 commit, one event each", st.commits, len(st.committed), requests, len(ids))
	}
}

// TestCommitNotDurable: a group commit that happened but could not be made durable (the disk
// failed a sync) is answered with the error, to every request, though its events can be read:
// none is told its event is kept, and none is committed again.
func TestCommitNotDurable(t *testing.T) {
	st := &lostAnswerStore{committed: map[string]bool{}, fail: fmt.Errorf("flush: %w", store.ErrNotDurable)}
	b := New(st, nil)
	const requests = 3
	errs := make(chan error, requests)
	for range requests {
		go func() {
			_, err := b.Submit(context.Background(), []store.NewEvent{{AppID: "app_a", Type: "t", Payload: json.RawMessage(`{}`)}})
			errs <- err
		}()
	}
	runOneGroup(t, b, requests)
	for range requests {
		if err := <-errs; !errors.Is(err, store.ErrNotDurable) {
			t.Errorf("answer: %v; want ErrNotDurable", err)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.commits != 1 || st.lookups != 0 {
		t.Errorf("%d commits, %d lookups; want 1 commit and no lookup", st.commits, st.lookups)
	}
}
