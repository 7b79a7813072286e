package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store/sqlite"
	"github.com/hookd/hookd/internal/store/sqlstore"
	"github.com/hookd/hookd/internal/webhook"
)

func newTestLimiter(t *testing.T, l Limits) (*limiter, *sqlstore.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newLimiter(st, l, slog.New(slog.NewTextHandler(io.Discard, nil))), st
}

func stored(t *testing.T, st *sqlstore.Store, key string, at time.Time) int64 {
	t.Helper()
	got, err := st.CountRequests(context.Background(), at.Truncate(time.Hour), map[string]int64{key: 0})
	if err != nil {
		t.Fatal(err)
	}
	return got[key]
}

// TestLimiterCountsConcurrentRequestsExactly: requests written together still get distinct,
// consecutive counts, and the store holds their sum.
func TestLimiterCountsConcurrentRequestsExactly(t *testing.T) {
	l, st := newTestLimiter(t, Limits{})
	k := &webhook.Key{ID: "key_a", Env: webhook.EnvProduction}
	now := time.Now()
	const n = 300
	counts := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { counts[i], _, _ = l.spend(k, now) })
	}
	wg.Wait()
	slices.Sort(counts)
	for i, c := range counts {
		if c != int64(i+1) {
			t.Fatalf("sorted counts[%d] = %d, want %d (counts must be 1..%d)", i, c, i+1, n)
		}
	}
	if got := stored(t, st, "key_a", now); got != n {
		t.Errorf("store holds %d, want %d", got, n)
	}
}

// TestLimiterSpentKey: past the limit a key is refused without writing, until the next hour.
func TestLimiterSpentKey(t *testing.T) {
	l, st := newTestLimiter(t, Limits{Development: 3})
	k := &webhook.Key{ID: "key_d", Env: webhook.EnvDevelopment}
	now := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	for i := int64(1); i <= 5; i++ {
		count, limit, reset := l.spend(k, now)
		want := min(i, 4) // the 4th is counted; after it the instance knows and stops writing
		if count != want || limit != 3 || !reset.Equal(time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)) {
			t.Errorf("request %d: count %d limit %d reset %v; want %d, 3, 13:00", i, count, limit, reset, want)
		}
	}
	if got := stored(t, st, "key_d", now); got != 3 {
		t.Errorf("store holds %d, want 3 (requests past the limit are not written)", got)
	}
	if count, _, _ := l.spend(k, now.Add(time.Hour)); count != 1 {
		t.Errorf("next hour: count %d, want 1", count)
	}
	if count, limit, _ := l.peek(k, now.Add(time.Hour)); count != 1 || limit != 3 {
		t.Errorf("peek = %d of %d, want 1 of 3 (peeking spends nothing)", count, limit)
	}
	if count, _, _ := l.peek(k, now.Add(2*time.Hour)); count != 0 {
		t.Errorf("peek in an unseen window = %d, want 0", count)
	}
	p := &webhook.Key{ID: "key_p", Env: webhook.EnvProduction}
	if _, limit, _ := l.spend(p, now); limit != DefaultProductionLimit {
		t.Errorf("production limit = %d, want %d", limit, DefaultProductionLimit)
	}
}

func TestIngestLimit(t *testing.T) {
	off, _ := newTestLimiter(t, Limits{})
	if _, _, _, on := off.spendIngest("app_1", time.Now()); on {
		t.Error("ingest limit is on by default")
	}
	l, _ := newTestLimiter(t, Limits{Ingest: 2})
	t0 := time.Unix(1000, 0)
	for i, want := range []int64{1, 2, 3} {
		if c, limit, reset, on := l.spendIngest("app_1", t0.Add(time.Duration(i)*100*time.Millisecond)); c != want || limit != 2 || !on || reset.Unix() != 1001 {
			t.Errorf("event request %d: count %d limit %d reset %d on %v; want %d, 2, 1001, true", i+1, c, limit, reset.Unix(), on, want)
		}
	}
	if c, _, _, _ := l.spendIngest("app_2", t0); c != 1 {
		t.Errorf("another app: count %d, want 1 (limits are per app)", c)
	}
	if c, _, _, _ := l.spendIngest("app_1", t0.Add(time.Second)); c != 1 {
		t.Errorf("next second: count %d, want 1", c)
	}
}

func TestTooManyShapes(t *testing.T) {
	tests := []struct {
		f    family
		want string
	}{
		{v0, `{"statusCode":429,"message":"Too many requests","error":"Too Many Requests","details":"d"}`},
		{v1, `{"code":"rate_limited","detail":"d"}`},
		{v3, `{"errors":[{"detail":"d","status":"429","title":"Too Many Requests"}]}`},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		writeTooMany(tt.f, rec, "d")
		var got, want any
		_ = json.Unmarshal(rec.Body.Bytes(), &got)
		_ = json.Unmarshal([]byte(tt.want), &want)
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if rec.Code != 429 || string(gb) != string(wb) {
			t.Errorf("family %d: %d %s, want 429 %s", tt.f, rec.Code, rec.Body, tt.want)
		}
	}
}

// BenchmarkLimiterSpend measures one counted request on SQLite: alone (one write each), in
// Local mode (written back every second) and from many goroutines (sharing writes).
func BenchmarkLimiterSpend(b *testing.B) {
	st, err := sqlite.Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	l := newLimiter(st, Limits{Production: 1 << 30}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	keys := []*webhook.Key{{ID: "key_1"}, {ID: "key_2"}, {ID: "key_3"}, {ID: "key_4"}}
	b.Run("serial", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			l.spend(keys[i%len(keys)], time.Now())
		}
	})
	local := newLimiter(st, Limits{Production: 1 << 30, Local: true}, l.log)
	b.Run("local", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			local.spend(keys[i%len(keys)], time.Now())
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				l.spend(keys[i%len(keys)], time.Now())
				i++
			}
		})
	})
}

// TestLocalLimiter: with the store to itself, the limiter writes a key's count once per window
// and then every write-back, exactly, and picks the count up again after a restart.
func TestLocalLimiter(t *testing.T) {
	l, st := newTestLimiter(t, Limits{Local: true, Development: 1000})
	k := &webhook.Key{ID: "key_l", Env: webhook.EnvDevelopment}
	now := time.Now()
	for i := int64(1); i <= 10; i++ {
		if count, _, _ := l.spend(k, now); count != i {
			t.Fatalf("request %d: count %d", i, count)
		}
	}
	if got := stored(t, st, "key_l", now); got != 1 {
		t.Errorf("store holds %d before a write-back, want 1 (only the first request of the window is written at once)", got)
	}
	l.flushLocal()
	if got := stored(t, st, "key_l", now); got != 10 {
		t.Errorf("store holds %d after a write-back, want 10", got)
	}
	// Concurrent requests: after a write-back, store and memory agree exactly.
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() { l.spend(k, now) })
	}
	wg.Wait()
	l.flushLocal()
	if got := stored(t, st, "key_l", now); got != 210 {
		t.Errorf("store holds %d, want 210", got)
	}
	if count, _, _ := l.peek(k, now); count != 210 {
		t.Errorf("peek = %d, want 210", count)
	}
	// A new limiter (a restart) continues from the store.
	again := newLimiter(st, Limits{Local: true, Development: 1000}, l.log)
	if count, _, _ := again.spend(k, now); count != 211 {
		t.Errorf("after a restart: count %d, want 211", count)
	}
	// The limit holds in memory.
	small, st2 := newTestLimiter(t, Limits{Local: true, Development: 3})
	for i, want := range []int64{1, 2, 3, 4, 4} {
		if count, _, _ := small.spend(k, now); count != want {
			t.Errorf("small request %d: count %d, want %d", i+1, count, want)
		}
	}
	small.flushLocal()
	if got := stored(t, st2, "key_l", now); got != 3 {
		t.Errorf("small store holds %d, want 3", got)
	}
}

// TestLocalLimiterClose: the server's Close writes back the counts kept in memory (a restart
// then continues from them), and no write-back reaches the store after it, even one already
// scheduled: the store may be closed by then.
func TestLocalLimiterClose(t *testing.T) {
	l, st := newTestLimiter(t, Limits{Local: true, Development: 1000})
	k := &webhook.Key{ID: "key_c", Env: webhook.EnvDevelopment}
	now := time.Now()
	for range 5 {
		l.spend(k, now)
	}
	(&Server{limits: l}).Close()
	if got := stored(t, st, "key_c", now); got != 5 {
		t.Errorf("store holds %d after Close, want 5", got)
	}
	l.spend(k, now) // a request that was still being answered
	l.flushLocal()  // a write-back scheduled before Close fires after it
	if got := stored(t, st, "key_c", now); got != 5 {
		t.Errorf("store holds %d: a write-back ran after Close", got)
	}
	l.mu.Lock()
	scheduled := l.localFlushing
	l.mu.Unlock()
	if scheduled {
		t.Error("a request after Close scheduled a write-back")
	}
}
