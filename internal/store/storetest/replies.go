package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
)

// testReplies: a key is answered once; a retry gets that answer, a request still being
// answered holds its key, a failed one frees it, and a day-old or abandoned claim is taken over.
// Of requests racing for one key, exactly one runs.
func testReplies(t *testing.T, s store.Store) {
	ctx := context.Background()
	begin := func(scope, key, request string, at time.Time) *store.Reply {
		t.Helper()
		r, err := s.BeginReply(ctx, scope, key, request, at)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := begin("app_a", "k1", "POST /app h1", t0); r != nil {
		t.Fatalf("first claim = %+v, want the key free", r)
	}
	if r := begin("app_a", "k1", "POST /app h1", t0.Add(time.Second)); r == nil || r.Status != 0 || r.Request != "POST /app h1" {
		t.Fatalf("retry while answering = %+v, want the pending claim", r)
	}
	if r := begin("app_b", "k1", "POST /app h1", t0); r != nil {
		t.Errorf("another scope's key = %+v, want free", r)
	}
	if err := s.FinishReply(ctx, "app_a", "k1", t0, 201, []byte(`{"id":"app_1"}`)); err != nil {
		t.Fatal(err)
	}
	if r := begin("app_a", "k1", "POST /app h1", t0.Add(time.Hour)); r == nil || r.Status != 201 || string(r.Body) != `{"id":"app_1"}` {
		t.Errorf("retry after the answer = %+v, want 201 and its body", r)
	}
	if r := begin("app_a", "k1", "POST /app h2", t0.Add(time.Hour)); r == nil || r.Request != "POST /app h1" {
		t.Errorf("another request under the key = %+v, want the first's, for the caller to refuse", r)
	}
	if r := begin("app_a", "k1", "POST /app h2", t0.Add(store.ReplyWindow+time.Second)); r != nil {
		t.Errorf("a day later = %+v, want the key free again", r)
	}

	// A failed answer frees its key; an abandoned claim is taken over after ReplyPending.
	begin("app_a", "k2", "POST /app h", t0)
	if err := s.FinishReply(ctx, "app_a", "k2", t0, 422, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if r := begin("app_a", "k2", "POST /app h", t0.Add(time.Second)); r != nil {
		t.Errorf("retry after a 422 = %+v, want it to run again", r)
	}
	if r := begin("app_a", "k2", "POST /app h", t0.Add(store.ReplyPending-time.Second)); r == nil || r.Status != 0 {
		t.Errorf("claim a little under a minute old = %+v, want it still held", r)
	}
	taken := t0.Add(store.ReplyPending + 2*time.Second)
	if r := begin("app_a", "k2", "POST /app h", taken); r != nil {
		t.Errorf("claim abandoned for over a minute = %+v, want it taken over", r)
	}
	// The first request, finishing late, neither overwrites nor frees the claim that took over.
	if err := s.FinishReply(ctx, "app_a", "k2", t0.Add(time.Second), 500, nil); err != nil {
		t.Fatal(err)
	}
	if r := begin("app_a", "k2", "POST /app h", taken.Add(time.Second)); r == nil || r.Status != 0 {
		t.Errorf("after a late failure of the claim taken over = %+v, want the new claim still held", r)
	}
	if err := s.FinishReply(ctx, "app_a", "k2", t0.Add(time.Second), 201, []byte(`{"late":true}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishReply(ctx, "app_a", "k2", taken, 201, []byte(`{"id":"app_2"}`)); err != nil {
		t.Fatal(err)
	}
	if r := begin("app_a", "k2", "POST /app h", taken.Add(2*time.Second)); r == nil || string(r.Body) != `{"id":"app_2"}` {
		t.Errorf("answer kept = %+v, want the claim that took over's", r)
	}

	// Racing requests: one claim wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 8 {
		wg.Go(func() {
			r, err := s.BeginReply(ctx, "app_a", "race", "POST /app h", t0)
			if err != nil {
				t.Error(err)
				return
			}
			if r == nil {
				mu.Lock()
				won++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d of 8 racing requests claimed the key, want 1", won)
	}

	// Retention deletes replies with the events' keys.
	p, err := s.Purge(ctx, t0.Add(store.ReplyWindow*3), 100)
	if err != nil {
		t.Fatal(err)
	}
	if p.IdempotencyKeys != 4 {
		t.Errorf("purge deleted %d keys, want the 4 replies", p.IdempotencyKeys)
	}
	if r := begin("app_a", "race", "POST /app other", t0); r != nil {
		t.Errorf("purged key = %+v, want free", r)
	}
}
