//go:build unix

package delivery_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
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
// HOOKD_BENCH_COUNT_WRITES=1 reports dead-row-updates too: how many times the dead webhooks'
// delivery rows were written (claims, attempts and the breaker holding them), over the run.
//
// Short runs mostly measure the first second, while the dead receivers' first requests time
// out and before their breakers open; 200,000 deliveries (about 25 s) measure the steady state.
func BenchmarkFairness(b *testing.B) {
	for _, tc := range []struct {
		name     string
		dead     int
		breaker  int
		cooldown time.Duration
	}{
		{"all-healthy", 0, 0, 0},
		{"10-dead", 10, 0, 0},
		{"10-dead-no-breaker", 10, -1, 0},
		{"10-dead-cooldown-1s", 10, 0, time.Second}, // many breaker cycles in one run
	} {
		b.Run(tc.name, func(b *testing.B) { benchFairness(b, 100, tc.dead, tc.breaker, tc.cooldown) })
	}
}

// countDeadUpdates makes SQLite count the updates of the dead webhooks' delivery rows (what
// holding them behind their breakers costs), when HOOKD_BENCH_COUNT_WRITES=1: a trigger,
// which slows every write a little, so it is off by default. It returns the reader of the count.
func countDeadUpdates(b *testing.B, dir string) func() int64 {
	if os.Getenv("HOOKD_BENCH_COUNT_WRITES") != "1" {
		return nil
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	for _, q := range []string{
		`CREATE TABLE bench_dead_updates (n INTEGER NOT NULL)`,
		`INSERT INTO bench_dead_updates VALUES (0)`,
		`CREATE TRIGGER bench_count_dead_updates AFTER UPDATE ON deliveries
			WHEN NEW.webhook_id IN (SELECT id FROM webhooks WHERE name LIKE '/dead/%')
			BEGIN UPDATE bench_dead_updates SET n = n + 1; END`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	return func() int64 {
		var n int64
		if err := db.QueryRow(`SELECT n FROM bench_dead_updates`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
}

func benchFairness(b *testing.B, hooks, dead, breaker int, cooldown time.Duration) {
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

	deadUpdates := countDeadUpdates(b, dir)
	pool := newLoopbackPool(st, delivery.Options{BreakerThreshold: breaker, BreakerCooldown: cooldown, ShutdownTimeout: 2 * time.Second})
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
	if deadUpdates != nil {
		b.ReportMetric(float64(deadUpdates()), "dead-row-updates")
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTenantFairness measures app A's delivery latency (event committed → its receiver
// got it, one event at a time, through the claim loop) alone, and beside app B, whose 60
// webhooks point at a server that accepts requests and never answers (timeout 10 s), with a
// backlog of 1,200 deliveries queued first. Compare the p50 and p99 of the two cases:
//
//	go test ./internal/delivery -run '^$' -bench TenantFairness -benchtime 200x
func BenchmarkTenantFairness(b *testing.B) {
	for _, hanging := range []int{0, 60} {
		b.Run(fmt.Sprintf("beside-%d-hanging", hanging), func(b *testing.B) { benchTenantFairness(b, hanging) })
	}
}

func benchTenantFairness(b *testing.B, hanging int) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	release := make(chan struct{})
	var hung atomic.Int64
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hung.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	arrived := make(chan time.Time, 1)
	fine := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		arrived <- time.Now()
	}))
	defer fine.Close()

	appA, appB := newApp(b, st), newApp(b, st)
	newHook(b, st, appA, fine.URL, nil)
	for i := range hanging {
		newHook(b, st, appB, fmt.Sprintf("%s/%d", hang.URL, i), func(w *webhook.Webhook) { w.Timeout = 10 * time.Second })
	}
	if hanging > 0 {
		backlog := make([]store.NewEvent, 20)
		for i := range backlog {
			backlog[i] = store.NewEvent{AppID: appB.ID, Type: "b", Payload: json.RawMessage(`{}`)}
		}
		if _, err := st.CreateEvents(ctx, backlog, time.Now(), nil); err != nil {
			b.Fatal(err)
		}
	}
	pool := newLoopbackPool(st, delivery.Options{ShutdownTimeout: time.Second})
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { defer close(stopped); _ = pool.Run(runCtx) }()
	defer func() { stop(); <-stopped }()
	for hung.Load() < int64(hanging) {
		time.Sleep(time.Millisecond)
	}

	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		sent := time.Now()
		if _, err := st.CreateEvents(ctx, []store.NewEvent{{AppID: appA.ID, Type: "a", Payload: json.RawMessage(`{}`)}}, sent, nil); err != nil {
			b.Fatal(err)
		}
		pool.WakeDeliveries()
		select {
		case at := <-arrived:
			latencies = append(latencies, at.Sub(sent))
		case <-time.After(30 * time.Second):
			b.Fatalf("app A's delivery did not arrive within 30 s (%d requests of app B hanging)", hung.Load())
		}
	}
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(hung.Load()), "B-requests")
}
