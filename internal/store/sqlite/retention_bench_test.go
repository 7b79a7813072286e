package sqlite_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	msqlite "modernc.org/sqlite"

	"github.com/hookd/hookd/internal/store/sqlite"
	"github.com/hookd/hookd/internal/store/storetest"
	"github.com/hookd/hookd/internal/webhook"
)

// BenchmarkRetentionRound runs retention rounds as the server does on a log of
// $HOOKD_BENCH_RETENTION_ATTEMPTS attempts (default 100000): see storetest.RetentionLog.
// Nothing is older than the first cutoff, as on a server whose earlier rounds deleted it.
// The plans of the round's statements, and the fill, are logged once (shown with -v).
//
//	go test ./internal/store/sqlite -run '^$' -bench RetentionRound -benchtime 20x -v
//	HOOKD_BENCH_RETENTION_ATTEMPTS=10000000 go test ./internal/store/sqlite -run '^$' -bench RetentionRound -benchtime 20x -v -timeout 2h
func BenchmarkRetentionRound(b *testing.B) {
	l := newRetentionLog(b)
	l.Run(b, func(b *testing.B) { l.Rounds(b, nil) }, nil)
}

func newRetentionLog(b *testing.B) *storetest.RetentionLog {
	ctx := context.Background()
	registerID(b)
	l := storetest.NewRetentionLog(b, storetest.RetentionDialect{
		With:   `WITH RECURSIVE s(e) AS (SELECT ?1 UNION ALL SELECT e + 1 FROM s WHERE e + 1 < ?2) `,
		Series: "s",
		ID: func(prefix, ms, seq string) string {
			return fmt.Sprintf("retention_bench_id('%s', %s, %s)", prefix, ms, seq)
		},
		Chunk:    100000,
		DropKeys: `DELETE FROM idempotency_keys`,
	})
	dir := b.TempDir()
	s, err := sqlite.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	l.MakeApp(b, s)
	s.Close()

	// The fill with no journal (the store closed), then back to WAL for the store.
	path := filepath.Join(dir, sqlite.FileName)
	if l.Raw, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"); err != nil {
		b.Fatal(err)
	}
	l.Raw.SetMaxOpenConns(1)
	b.Cleanup(func() { l.Raw.Close() })
	for _, q := range []string{`PRAGMA journal_mode = OFF`, `PRAGMA synchronous = OFF`, `PRAGMA cache_size = -65536`} {
		if _, err := l.Raw.ExecContext(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	l.LogFill(b, l.Cut, l.Cut+l.Events, l.Cut)
	if _, err := l.Raw.ExecContext(ctx, `PRAGMA journal_mode = WAL`); err != nil {
		b.Fatal(err)
	}
	if fi, err := os.Stat(path); err == nil {
		b.Logf("database file: %.1f MB", float64(fi.Size())/1e6)
	}
	if l.Store, err = sqlite.Open(ctx, dir); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Store.Close() })
	l.LogPlans(b, nil)
	return l
}

var registerIDOnce sync.Once

// registerID registers retention_bench_id(prefix, ms, seq) on the connections of the driver
// "sqlite" (not the store's, which opens its own driver): webhook.FirstID(prefix, ms) with
// seq in its last 7 characters. A Go function fills faster than the SQL PostgreSQL needs.
func registerID(b *testing.B) {
	registerIDOnce.Do(func() {
		const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
		err := msqlite.RegisterDeterministicScalarFunction("retention_bench_id", 3, func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			prefix, _ := args[0].(string)
			ms, _ := args[1].(int64)
			seq, _ := args[2].(int64)
			id := []byte(webhook.FirstID(prefix, time.UnixMilli(ms)))
			for i := len(id) - 1; i >= len(id)-7; i-- {
				id[i] = alphabet[seq&31]
				seq >>= 5
			}
			return string(id), nil
		})
		if err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkPurgePastOpen: retention rounds past open deliveries kept before the cutoff
// (storetest.PurgePastOpen).
//
//	go test ./internal/store/sqlite -run '^$' -bench PurgePastOpen -benchtime 10x
func BenchmarkPurgePastOpen(b *testing.B) {
	for _, open := range []int{0, 10000, 100000} {
		b.Run(fmt.Sprintf("open=%d", open), func(b *testing.B) {
			s, err := sqlite.Open(context.Background(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			storetest.PurgePastOpen(b, s, open)
		})
	}
}
