//go:build unix

package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/delivery"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/sqlite"
	"github.com/hookd/hookd/internal/webhook"
)

// BenchmarkFairness measures the deliveries per second that reach 90 healthy receivers while
// 10 more webhooks of the same app get every event too. In "all-healthy" those 10 answer at
// once; in "10-dead" they never answer and time out (1 s), with the default circuit breaker;
// "10-dead-no-breaker" leaves the per-webhook in-flight shares alone to protect the healthy.
// One op is one delivery to a healthy receiver. Compare healthy-deliveries/s (wall clock) and
// healthy-deliveries/cpu-s (per CPU second of the process) across the cases
// (HOOKD_BENCH_DIR=/dev/shm keeps the SQLite file in memory, so that disk flushes shared
// with other work on the machine do not drown the difference):
//
//	HOOKD_BENCH_DIR=/dev/shm go test ./internal/delivery -run '^$' -bench Fairness -benchtime 200000x
//
// Short runs mostly measure the first second, while the dead receivers' first requests time
// out and before their breakers open; 200,000 deliveries (about 25 s) measure the steady state.
func BenchmarkFairness(b *testing.B) {
	for _, tc := range []struct {
		name    string
		dead    int
		breaker int
	}{
		{"all-healthy", 0, 0},
		{"10-dead", 10, 0},
		{"10-dead-no-breaker", 10, -1},
	} {
		b.Run(tc.name, func(b *testing.B) { benchFairness(b, 100, tc.dead, tc.breaker) })
	}
}

func benchFairness(b *testing.B, hooks, dead, breaker int) {
	ctx := context.Background()
	dir := b.TempDir()
	if base := os.Getenv("HOOKD_BENCH_DIR"); base != "" { // e.g. /dev/shm, to take disk flushes out of the figure
		var err error
		if dir, err = os.MkdirTemp(base, "hookd-fairness-"); err != nil {
			b.Fatal(err)
		}
		defer os.RemoveAll(dir)
	}
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()

	healthy := int64(hooks - dead)
	perEvent := healthy
	events := (int64(b.N) + perEvent - 1) / perEvent
	target := events * perEvent
	var got atomic.Int64
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if strings.HasPrefix(r.URL.Path, "/dead/") {
			<-r.Context().Done() // never answers: the sender times out
			return
		}
		if got.Add(1) == target {
			close(done)
		}
	}))
	defer srv.Close()

	app := newApp(b, st)
	for i := range hooks {
		path := fmt.Sprintf("/ok/%d", i)
		if i < dead {
			path = fmt.Sprintf("/dead/%d", i)
		}
		newHook(b, st, app, srv.URL+path, func(w *webhook.Webhook) { w.Name, w.Timeout = path, time.Second })
	}
	// The backlog: every event goes to every webhook.
	for left := events; left > 0; {
		n := min(left, 200)
		batch := make([]store.NewEvent, n)
		for i := range batch {
			batch[i] = store.NewEvent{AppID: app.ID, Type: "bench.event", Payload: json.RawMessage(`{"n":1}`)}
		}
		if _, err := st.CreateEvents(ctx, batch, time.Now(), nil); err != nil {
			b.Fatal(err)
		}
		left -= n
	}

	pool := newLoopbackPool(st, delivery.Options{BreakerThreshold: breaker, ShutdownTimeout: 2 * time.Second})
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})

	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	go func() { defer close(stopped); _ = pool.Run(runCtx) }()
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d healthy deliveries in 5 minutes", got.Load(), target)
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	stop()
	<-stopped
	b.ReportMetric(float64(target)/elapsed.Seconds(), "healthy-deliveries/s")
	// Per second of this process's CPU: steadier than the wall clock on a shared machine, and
	// what the dead receivers' extra claims and deferrals would cost.
	b.ReportMetric(float64(target)/cpu.Seconds(), "healthy-deliveries/cpu-s")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
