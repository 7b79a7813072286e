//go:build linux

package delivery_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/delivery"
	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/sqlite"
)

// BenchmarkBacklog loads b.N pending deliveries (512-byte payloads) for one webhook, then lets
// a pool drain them to a loopback receiver, and reports the process's resident memory after the
// load, its peak while draining, and the growth between the two: a backlog must not grow memory.
//
//	go test ./internal/delivery -run '^$' -bench Backlog -benchtime 1000000x
func BenchmarkBacklog(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var got atomic.Int64
	rc := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { got.Add(1) }))
	defer rc.Close()
	app := newApp(b, st)
	newHook(b, st, app, rc.URL, nil)
	payload := json.RawMessage(`{"pad":"` + strings.Repeat("x", 500) + `"}`)
	for left := b.N; left > 0; left -= 1000 {
		batch := make([]store.NewEvent, min(left, 1000))
		for i := range batch {
			batch[i] = store.NewEvent{AppID: app.ID, Type: "t", Payload: payload}
		}
		if _, err := st.CreateEvents(ctx, batch, time.Now(), nil); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	loaded := rssKB(b, "VmRSS")

	b.ResetTimer()
	pool := newLoopbackPool(st, delivery.Options{})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = pool.Run(runCtx) }()
	for got.Load() < int64(b.N) {
		time.Sleep(50 * time.Millisecond)
	}
	b.StopTimer()
	stop()
	<-done
	peak := rssKB(b, "VmHWM")
	b.ReportMetric(float64(loaded)/1024, "loaded-rss-MB")
	b.ReportMetric(float64(peak)/1024, "peak-rss-MB")
	b.ReportMetric(float64(peak-loaded)/1024, "growth-MB")
}

// rssKB reads one memory line of /proc/self/status, in kB.
func rssKB(b *testing.B, field string) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatalf("no %s in /proc/self/status", field)
	return 0
}
