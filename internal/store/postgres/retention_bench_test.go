package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/postgres"
	"github.com/hookd/hookd/internal/store/postgres/pgtest"
	"github.com/hookd/hookd/internal/store/storetest"
	"github.com/hookd/hookd/internal/webhook"
)

// BenchmarkRetentionRound runs retention rounds as the server does on a log of
// $HOOKD_BENCH_RETENTION_ATTEMPTS attempts (default 100000), in its day partitions (made by
// the store's PrepareLog), in a fresh schema on $HOOKD_TEST_POSTGRES_URL: see
// storetest.RetentionLog.
//
// The first cutoff is as on a server whose earlier rounds deleted its day's deliveries by
// batches: the day's attempts and events wait for their partitions to be dropped, which the
// first round does (the partition operations and time of a round that drops some are
// logged). Also reported: partitions dropped, and the oldest transaction of the store's
// sessions seen in pg_stat_activity while the rounds ran (max-xact-ms, sampled every 5 ms).
// The plans of the round's statements are logged once, with the fill (shown with -v). Last,
// untimed but logged, the rounds that cross a midnight run (see midnight).
//
//	HOOKD_TEST_POSTGRES_URL=postgres://… go test ./internal/store/postgres -run '^$' -bench RetentionRound -benchtime 20x -v
func BenchmarkRetentionRound(b *testing.B) {
	f := newRetentionBench(b)
	f.Run(b, f.rounds, f.midnight)
}

type retentionBench struct {
	*storetest.RetentionLog
	base    string // the server, for the sampler of pg_stat_activity
	appName string // application_name of the store's sessions
	parts   []string
}

func newRetentionBench(b *testing.B) *retentionBench {
	ctx := context.Background()
	schemaURL := pgtest.Schema(b)
	tag := make([]byte, 4)
	_, _ = rand.Read(tag)
	f := &retentionBench{base: os.Getenv(pgtest.EnvURL), appName: "hookd-retention-bench-" + hex.EncodeToString(tag)}
	// Day 0 is tomorrow: the first day with a partition of its own (today's ids are in the
	// history partition of a fresh schema).
	f.RetentionLog = storetest.NewRetentionLog(b, storetest.RetentionDialect{
		Postgres: true,
		Series:   `generate_series(?1::bigint, ?2::bigint - 1) AS e`,
		ID:       ulidSQL,
		Chunk:    200000,
		DropKeys: `TRUNCATE idempotency_keys`, // not dead rows the next find would read
	})
	var err error
	if f.Store, err = postgres.Open(ctx, withQuery(b, schemaURL, "application_name", f.appName)); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Store.Close() })
	if f.Raw, err = sql.Open("pgx", withQuery(b, schemaURL, "synchronous_commit", "off")); err != nil {
		b.Fatal(err)
	}
	f.Raw.SetMaxOpenConns(4)
	b.Cleanup(func() { f.Raw.Close() })
	f.MakeApp(b, f.Store)

	// Day 0 whole for attempts and events; its deliveries (and idempotency keys) only from
	// the cutoff on: the earlier ones were deleted by earlier rounds.
	f.LogFill(b, 0, f.Cut+f.Events, f.Cut)
	start := time.Now()
	if _, err := f.Raw.ExecContext(ctx, `ANALYZE attempts, deliveries, events, idempotency_keys`); err != nil {
		b.Fatal(err)
	}
	b.Logf("ANALYZE in %s", time.Since(start).Round(time.Millisecond))
	b.Logf("schema size: %s", f.Column(b, `SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'`)[0])
	f.parts = f.partitions(b, bounds)
	b.Logf("partitions (rows):\n\t%s", strings.Join(f.partitions(b, "c.reltuples::bigint", "c.reltuples > 0"), "\n\t"))
	f.LogPlans(b, f.below)
	f.checkDay(b, "day 0's events referred to", time.UnixMilli(f.T0))
	return f
}

// withQuery sets a parameter of a connection URL.
func withQuery(b *testing.B, raw, name, value string) string {
	u, err := url.Parse(raw)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// ulidSQL is the SQL of the id webhook.NewID makes with prefix at the millisecond ms: the
// time in its first 10 characters, then seq (unique per table) where NewID puts randomness.
func ulidSQL(prefix, ms, seq string) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var q strings.Builder
	q.WriteString("'" + prefix + "'")
	for shift := 45; shift >= 0; shift -= 5 {
		fmt.Fprintf(&q, " || substr('%s', ((%s >> %d) & 31)::int + 1, 1)", alphabet, ms, shift)
	}
	q.WriteString(" || '000000000'")
	for shift := 30; shift >= 0; shift -= 5 {
		fmt.Fprintf(&q, " || substr('%s', ((%s >> %d) & 31)::int + 1, 1)", alphabet, seq, shift)
	}
	return q.String()
}

// below is the id Purge bounds a find of table with (partitions.go, Drop: the history
// partition's end, or the first id of the day before the cutoff's).
func (f *retentionBench) below(b *testing.B, table, prefix string, cutoff time.Time) string {
	hi := f.Column(b, `SELECT COALESCE(max(substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']*)''\)')), '')
		FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = ?::regclass AND pg_get_expr(c.relpartbound, c.oid) LIKE '%MINVALUE%'`, table)[0]
	day := cutoff.UTC().Truncate(24 * time.Hour)
	return min(webhook.FirstID(prefix, cutoff), max(webhook.FirstID(prefix, day.Add(-24*time.Hour)), hi))
}

// checkDay runs (EXPLAIN ANALYZE) Drop's check that no delivery refers to the events of day
// (partitions.go).
func (f *retentionBench) checkDay(b *testing.B, what string, day time.Time) {
	f.Explain(b, what+" (partitions.go)", "ANALYZE, BUFFERS, COSTS OFF", `SELECT event_id FROM deliveries WHERE event_id >= ? AND event_id < ? ORDER BY event_id LIMIT 1`,
		webhook.FirstID(webhook.PrefixEvent, day), webhook.FirstID(webhook.PrefixEvent, day.Add(24*time.Hour)))
}

// bounds is a partition's bounds, for partitions.
const bounds = "pg_get_expr(c.relpartbound, c.oid)"

// partitions lists the log's partitions (of attempts and events) with what of each, where cond.
func (f *retentionBench) partitions(b *testing.B, what string, cond ...string) []string {
	return f.Column(b, `SELECT c.relname || ' ' || `+what+` FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE `+strings.Join(append(cond, `i.inhparent IN ('attempts'::regclass, 'events'::regclass)`), " AND ")+` ORDER BY 1`)
}

// dropped updates f.parts and returns the partitions gone from it, and those new in it.
func (f *retentionBench) dropped(b *testing.B) (gone, made []string) {
	parts := f.partitions(b, bounds)
	for _, p := range f.parts {
		if !slices.Contains(parts, p) {
			gone = append(gone, p)
		}
	}
	for _, p := range parts {
		if !slices.Contains(f.parts, p) {
			made = append(made, p)
		}
	}
	f.parts = parts
	return gone, made
}

// rounds runs the timed rounds while a sampler watches the store's sessions in
// pg_stat_activity, and logs the first rounds that drop partitions.
func (f *retentionBench) rounds(b *testing.B) {
	f.Ensure(b, b.N)
	f.dropped(b)
	sampler := startActivitySampler(b, f.base, f.appName)
	logged := 0
	total := f.Rounds(b, func(i int, cutoff time.Time, d time.Duration, p store.Purged) {
		if p.Partitions == 0 || logged == 4 {
			return
		}
		b.StopTimer()
		logged++
		gone, made := f.dropped(b)
		b.Logf("round %d (cutoff %s) took %s: %+v\n\tdetached and dropped:\n\t\t%s\n\tattached:\n\t\t%s", i, cutoff.UTC().Format(time.DateTime),
			d.Round(time.Microsecond), p, strings.Join(gone, "\n\t\t"), strings.Join(made, "\n\t\t"))
		b.StartTimer()
	})
	seen := sampler.stop()
	b.ReportMetric(float64(total.Partitions)/float64(b.N), "partitions/op")
	b.ReportMetric(float64(seen.xact.Microseconds())/1000, "max-xact-ms")
	b.Logf("pg_stat_activity, %s", seen)
}

// midnight moves the cutoff on (untimed) to half a round before the end of its day, as the
// rounds of the rest of the day would have: the day's final deliveries and idempotency keys
// deleted, its attempts and events left to their partitions. It then runs the round that
// crosses midnight, with the day's deliveries dead in the table (as on a server, where
// autovacuum waits for a fifth of the table to be dead), and logs it: the day's partitions
// are dropped once no delivery refers to its events (it runs rounds until then). Then it runs
// Drop's check that no delivery refers to the day's events again.
func (f *retentionBench) midnight(b *testing.B) {
	dayMS := 24 * time.Hour.Milliseconds()
	end := (f.At(f.Cut)/dayMS + 1) * dayMS
	c := (end-f.T0)*f.Events/f.Span - f.PerRound()/2
	if c <= f.Cut {
		c = ((end+dayMS)-f.T0)*f.Events/f.Span - f.PerRound()/2
		end += dayMS
	}
	if c+f.PerRound() >= f.Next {
		b.Logf("midnight: the log ends before %s", time.UnixMilli(end).UTC().Format(time.DateTime))
		return
	}
	cutoff := time.UnixMilli(f.At(c))
	start := time.Now()
	res, err := f.Raw.Exec(`DELETE FROM deliveries WHERE id < $1 AND COALESCE(last_at, created_at) < $2 AND status IN ('delivered', 'failed')`,
		webhook.FirstID(webhook.PrefixDelivery, cutoff), cutoff.UnixMilli())
	if err != nil {
		b.Fatal(err)
	}
	dead, _ := res.RowsAffected()
	if _, err := f.Raw.Exec(`DELETE FROM idempotency_keys WHERE created_at < $1`, cutoff.UnixMilli()); err != nil {
		b.Fatal(err)
	}
	b.Logf("midnight: the cutoff moved on from event %d to %d (%s), %d deliveries deleted as by the rounds between, in %s",
		f.Cut, c, f.Time(c), dead, time.Since(start).Round(time.Millisecond))
	f.Cut = c
	f.dropped(b)
	tp := &storetest.TimedPurge{Monitor: f.Store}
	sampler := startActivitySampler(b, f.base, f.appName)
	dayEvents := "events_" + time.UnixMilli(end).Add(-24*time.Hour).UTC().Format("20060102") + " "
	// The round that crosses midnight, and the next ones until the day's events can go too
	// (the deliveries of its last minutes were attempted until 5 minutes after).
	for range 16 {
		if !slices.ContainsFunc(f.partitions(b, bounds), func(p string) bool { return strings.HasPrefix(p, dayEvents) }) {
			break
		}
		p, cutoff, d := f.Round(b, tp)
		b.Logf("midnight: round to cutoff %s took %s: %+v", cutoff.UTC().Format(time.DateTime), d.Round(time.Microsecond), p)
	}
	seen := sampler.stop()
	gone, _ := f.dropped(b)
	b.Logf("midnight: %s; partitions detached and dropped (or replaced):\n\t%s", tp, strings.Join(gone, "\n\t"))
	b.Logf("midnight: pg_stat_activity, %s", seen)
	f.checkDay(b, "midnight: the day's events referred to, run again", time.UnixMilli(end).Add(-24*time.Hour))
}

// activity is what a sampler of pg_stat_activity saw of the store's sessions.
type activity struct {
	samples              int
	xact, stmt           time.Duration
	xactState, xactQuery string
	stmtQuery            string
	xminAge              int64
}

func (a activity) String() string {
	return fmt.Sprintf("%d samples: oldest transaction %s (%s: %s), oldest snapshot %d transactions old, longest statement %s (%s)",
		a.samples, a.xact.Round(time.Microsecond), a.xactState, a.xactQuery, a.xminAge, a.stmt.Round(time.Microsecond), a.stmtQuery)
}

type activitySampler struct {
	stop func() activity
}

// startActivitySampler samples, every 5 ms until stop, the sessions named appName: the age of
// their oldest transaction and statement, and of their oldest snapshot (in transactions).
func startActivitySampler(b *testing.B, base, appName string) activitySampler {
	db, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	var seen activity
	var sampleErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			rows, err := db.Query(`SELECT COALESCE(state, '') || COALESCE(' waiting on ' || wait_event_type || ':' || wait_event, ''),
				left(regexp_replace(COALESCE(query, ''), '\s+', ' ', 'g'), 160),
				COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - xact_start), 0), COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - query_start), 0),
				COALESCE(state = 'active', false), COALESCE(age(backend_xmin), 0)
				FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`, appName)
			if err != nil {
				sampleErr = err
				return
			}
			seen.samples++
			for rows.Next() {
				var state, query string
				var xact, stmt float64
				var active bool
				var xmin int64
				if err := rows.Scan(&state, &query, &xact, &stmt, &active, &xmin); err != nil {
					sampleErr = err
					break
				}
				if d := time.Duration(xact * float64(time.Second)); d > seen.xact { // xact_start is NULL outside a transaction
					seen.xact, seen.xactState, seen.xactQuery = d, state, query
				}
				if d := time.Duration(stmt * float64(time.Second)); active && d > seen.stmt {
					seen.stmt, seen.stmtQuery = d, state+": "+query
				}
				seen.xminAge = max(seen.xminAge, xmin)
			}
			rows.Close()
		}
	})
	return activitySampler{stop: func() activity {
		close(done)
		wg.Wait()
		db.Close()
		if sampleErr != nil {
			b.Fatalf("sample pg_stat_activity: %v", sampleErr)
		}
		return seen
	}}
}

// BenchmarkPurgePastOpen: retention rounds past open deliveries kept before the cutoff
// (storetest.PurgePastOpen), each size in a fresh schema.
//
//	HOOKD_TEST_POSTGRES_URL=… go test ./internal/store/postgres -run '^$' -bench PurgePastOpen -benchtime 10x
func BenchmarkPurgePastOpen(b *testing.B) {
	for _, open := range []int{0, 10000, 100000} {
		b.Run(fmt.Sprintf("open=%d", open), func(b *testing.B) {
			s, err := postgres.Open(context.Background(), pgtest.Schema(b))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			storetest.PurgePastOpen(b, s, open)
		})
	}
}
