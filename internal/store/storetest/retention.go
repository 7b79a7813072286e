package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/sqlstore"
	"github.com/hookd/hookd/internal/webhook"
)

// RetentionLog is what the stores' BenchmarkRetentionRound share. It runs retention rounds
// the way the server does (store.Retention.Once: the cutoff 60 days before its clock, Purge
// in batches of 500 with 20 ms between them, until a call deletes nothing) on a log of
// $HOOKD_BENCH_RETENTION_ATTEMPTS attempts (default 100000), with their deliveries (1.5 per
// event) and events, spread over 8 days of ids.
//
// Each round moves the clock on by the time in which 1000 attempts were made (two batches),
// so a round has the same rows to delete whatever the size of the log, and the log stays as
// large: rows ahead of the cutoff are added (untimed) for the rounds to come. The first cutoff
// is half a round before the end of the log's first day. A quarter of the events carry an
// idempotency key; a second run goes on with none (the table emptied, untimed). Reported:
// time per round (including the 20 ms pauses), rows deleted, Purge calls and their time
// (purge-ms/op, without the pauses), the median and slowest round, and the slowest Purge call.
//
// The log is made by set-based SQL. Event e (0, 1, …) was made at At(e); it has 1 + e%2
// deliveries d = 2e+k, and delivery d has 1, 2 or 3 attempts, made 50 ms, 5 s and 5 min after
// the event, the last one answered 200 (5% of those with three attempts fail: the delivery is
// failed). Every row is final; ids are those webhook.NewID makes at the row's time.
type RetentionLog struct {
	Store    *sqlstore.Store
	Raw      *sql.DB // the fill, counts and plans, on connections of their own
	D        RetentionDialect
	N        int64 // attempts the log was sized for
	App      string
	Webhooks []string
	T0       int64 // ms of event 0: a midnight (UTC), tomorrow's
	Events   int64 // events in the log
	Span     int64 // ms the log's events are spread over
	Cut      int64 // the current cutoff: every event below it is past
	Next     int64 // the first event not yet written
	Keys     int   // percentage of new events with an idempotency key
}

// RetentionDialect is what the fill and the plans differ in.
type RetentionDialect struct {
	Postgres bool // $n placeholders; finds are shown run (EXPLAIN ANALYZE)
	// With and Series make the numbers e of the events written, from ?1 to ?2 (excluded): a
	// WITH before the statement (or none), and the FROM item that names e.
	With, Series string
	// ID is the SQL of the id webhook.NewID makes with prefix at the millisecond ms, with seq
	// (unique per table) where NewID puts randomness.
	ID       func(prefix, ms, seq string) string
	Chunk    int64  // events one statement writes
	DropKeys string // empties idempotency_keys
}

const (
	// Every 20 events have 30 deliveries (1 or 2 each) and 46 attempts (1, 2 or 3 a delivery).
	retentionEvents, retentionAttempts = 20, 46
	retentionDays                      = 8
	retentionKeyed                     = 25 // percent
	// EXPLAIN's options on PostgreSQL for a plan run, and one not.
	retentionAnalyze, retentionPlan = "ANALYZE, BUFFERS, COSTS OFF", "COSTS OFF"
)

// NewRetentionLog sizes the log by $HOOKD_BENCH_RETENTION_ATTEMPTS; the caller opens the
// store and the raw connections, and makes the app (MakeApp) and the log (Fill).
func NewRetentionLog(b *testing.B, d RetentionDialect) *RetentionLog {
	n := int64(100000)
	if v := os.Getenv("HOOKD_BENCH_RETENTION_ATTEMPTS"); v != "" {
		var err error
		if n, err = strconv.ParseInt(v, 10, 64); err != nil || n < retentionAttempts {
			b.Fatalf("HOOKD_BENCH_RETENTION_ATTEMPTS=%q: want a number of attempts", v)
		}
	}
	l := &RetentionLog{D: d, N: n, Keys: retentionKeyed, Events: n * retentionEvents / retentionAttempts, Span: retentionDays * 24 * time.Hour.Milliseconds()}
	l.T0 = time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour).UnixMilli()
	l.Cut = l.Events/retentionDays - l.PerRound()/2
	return l
}

// At is the millisecond event e was made at.
func (l *RetentionLog) At(e int64) int64 { return l.T0 + e*l.Span/l.Events }

// PerRound is how many events a round moves the cutoff past: two batches of attempts.
func (l *RetentionLog) PerRound() int64 {
	return 2 * store.DefaultPurgeBatch * retentionEvents / retentionAttempts
}

// Time formats the time event e was made at.
func (l *RetentionLog) Time(e int64) string {
	return time.UnixMilli(l.At(e)).UTC().Format(time.DateTime)
}

// MakeApp makes the app and the 4 webhooks the log's rows belong to.
func (l *RetentionLog) MakeApp(b *testing.B, s store.Store) {
	l.App = newApp(b, s).ID
	for i := range 4 {
		w := newWebhook(b, s, l.App, func(w *webhook.Webhook) { w.Name = fmt.Sprint("w", i) })
		l.Webhooks = append(l.Webhooks, w.ID)
	}
}

// fillStmt is one INSERT … SELECT of the fill. Its arguments: ?1 and ?2 the events [from,
// to), ?3 At(0), ?4 Span, ?5 Events, ?6 the app, and if keyed ?7 the percentage of keyed events.
type fillStmt struct {
	row            int  // in Fill's counts: events, deliveries, idempotency keys, attempts
	lane           int  // a lane's statements run in order, the lanes side by side
	keyed, fromLog bool // fromLog: written only from Fill's logFrom on
	q              string
}

func (l *RetentionLog) fillStmts() []fillStmt {
	at := `(?3 + e * ?4 / ?5)`
	webhookOf := "CASE d % 4"
	for i, w := range l.Webhooks {
		webhookOf += fmt.Sprintf(" WHEN %d THEN '%s'", i, w)
	}
	webhookOf += " END"
	id, ev := l.D.ID, `(SELECT e, `+at+` AS ms FROM `+l.D.Series+`) ev`
	typeOf := `CASE e % 3 WHEN 0 THEN 'invoice.paid' WHEN 1 THEN 'invoice.created' ELSE 'customer.updated' END`
	// d: the delivery, n: its attempts, j: an attempt, off: its delay after the event.
	deliveries := `(SELECT e, 2 * e + k AS d, ms, CASE WHEN (2 * e + k) % 20 < 12 THEN 1 WHEN (2 * e + k) % 20 < 17 THEN 2 ELSE 3 END AS n
		FROM ` + ev + `, (SELECT 0 AS k UNION ALL SELECT 1) ks WHERE k <= e % 2) x`
	off := func(j string) string { return `CASE ` + j + ` WHEN 1 THEN 50 WHEN 2 THEN 5050 ELSE 305050 END` }
	failed := `(n = 3 AND d % 20 = 19)`
	ok := `(j = n AND NOT ` + failed + `)`
	stmts := []fillStmt{
		{0, 0, true, false, `INSERT INTO events (id, app_id, type, payload, idempotency_key, created_at)
		SELECT ` + id(webhook.PrefixEvent, "ms", "e") + `, ?6, ` + typeOf + `,
			'{"type":"' || ` + typeOf + ` || '","data":{"id":"inv_' || e || '","amount":' || (e % 10000) || ',"currency":"usd","customer":"cus_' || (e % 977) ||
			'","lines":[{"sku":"plan-pro","quantity":1,"unit_amount":4900}],"note":"retention benchmark event, a payload of a usual size"}}',
			CASE WHEN e % 100 < ?7 THEN 'idem-' || e END, ms
		FROM ` + ev},
		{2, 0, true, true, `INSERT INTO idempotency_keys (app_id, idem_key, event_id, deliveries, created_at)
		SELECT ?6, 'idem-' || e, ` + id(webhook.PrefixEvent, "ms", "e") + `, 1 + e % 2, ms FROM ` + ev + ` WHERE e % 100 < ?7`},
		{1, 1, false, true, `INSERT INTO deliveries (id, app_id, webhook_id, event_id, event_type, status, attempts, lease, created_at, last_at, response_code, response_ms, last_error)
		SELECT ` + id(webhook.PrefixDelivery, "ms", "d") + `, ?6, ` + webhookOf + `, ` + id(webhook.PrefixEvent, "ms", "e") + `, ` + typeOf + `,
			CASE WHEN ` + failed + ` THEN 'failed' ELSE 'delivered' END, n, n, ms, ms + ` + off("n") + `,
			CASE WHEN ` + failed + ` THEN 500 ELSE 200 END, 20 + d % 200, CASE WHEN ` + failed + ` THEN 'receiver answered HTTP 500' ELSE '' END
		FROM ` + deliveries},
		{3, 2, false, false, `INSERT INTO attempts (id, delivery_id, webhook_id, app_id, event_id, number, triggered_by, status_code, duration_ms, cause, error,
			request_headers, response_headers, response_body, truncated, created_at)
		SELECT ` + id(webhook.PrefixAttempt, "(ms + "+off("j")+")", "(4 * d + j)") + `, ` + id(webhook.PrefixDelivery, "ms", "d") + `, ` + webhookOf + `, ?6, ` +
			id(webhook.PrefixEvent, "ms", "e") + `, j, 'scheduled', CASE WHEN ` + ok + ` THEN 200 ELSE 500 END, 20 + d % 200,
			CASE WHEN ` + ok + ` THEN '' ELSE 'http' END, CASE WHEN ` + ok + ` THEN '' ELSE 'receiver answered HTTP 500' END,
			'{"content-type":"application/json","svix-id":"msg_' || e || '","svix-timestamp":"' || (ms / 1000) || '","svix-signature":"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}',
			'{"content-type":"text/plain; charset=utf-8","content-length":"2"}', CASE WHEN ` + ok + ` THEN 'ok' ELSE 'internal error' END,
			false, ms + ` + off("j") + `
		FROM ` + deliveries + `, (SELECT 1 AS j UNION ALL SELECT 2 UNION ALL SELECT 3) js WHERE j <= n`},
	}
	for i := range stmts {
		stmts[i].q = l.bind(l.D.With + stmts[i].q)
	}
	return stmts
}

// Fill writes events [e0, e1) and their attempts, and from event logFrom on their deliveries
// and idempotency keys (earlier ones having gone by earlier rounds), by chunks of set-based
// INSERT … SELECT, into the partitions PrepareLog makes for them (if any, and the store is
// open). It returns how many rows of each (events, deliveries, idempotency keys, attempts)
// it wrote.
func (l *RetentionLog) Fill(b *testing.B, e0, e1, logFrom int64) [4]int64 {
	ctx := context.Background()
	if l.Store != nil {
		if err := l.Store.PrepareLog(ctx, time.UnixMilli(l.At(e1))); err != nil {
			b.Fatal(err)
		}
	}
	var rows [4]int64
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	var lanes [3][]fillStmt
	for _, st := range l.fillStmts() {
		lanes[st.lane] = append(lanes[st.lane], st)
	}
	for _, stmts := range lanes {
		wg.Go(func() {
			for lo := e0; lo < e1; lo += l.D.Chunk {
				hi := min(lo+l.D.Chunk, e1)
				for _, st := range stmts {
					args := []any{lo, hi, l.T0, l.Span, l.Events, l.App}
					if st.fromLog {
						args[0], args[1] = max(lo, logFrom), max(hi, logFrom)
					}
					if st.keyed {
						args = append(args, l.Keys)
					}
					if args[0].(int64) >= args[1].(int64) {
						continue
					}
					res, err := l.Raw.ExecContext(ctx, st.q, args...)
					mu.Lock()
					if err != nil && firstErr == nil {
						firstErr = fmt.Errorf("fill events %d to %d: %w\n%s", lo, hi, err, st.q)
					} else if err == nil {
						n, _ := res.RowsAffected()
						rows[st.row] += n
					}
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	l.Next = max(l.Next, e1)
	return rows
}

// LogFill fills events [e0, e1) as Fill does, logs what it wrote and how fast, and checks
// that the ids it made are those of their times (webhook.FirstID).
func (l *RetentionLog) LogFill(b *testing.B, e0, e1, logFrom int64) {
	start := time.Now()
	rows := l.Fill(b, e0, e1, logFrom)
	took := time.Since(start)
	b.Logf("filled %d attempts, %d deliveries, %d events, %d idempotency keys in %s (%.0f rows/s); events %d to %d (%s to %s), the first cutoff at event %d (%s)",
		rows[3], rows[1], rows[0], rows[2], took.Round(time.Millisecond), float64(rows[0]+rows[1]+rows[2]+rows[3])/took.Seconds(),
		e0, e1, l.Time(e0), l.Time(e1), l.Cut, l.Time(l.Cut))
	for _, t := range []struct{ table, prefix string }{{"events", webhook.PrefixEvent}, {"deliveries", webhook.PrefixDelivery}, {"attempts", webhook.PrefixAttempt}} {
		var id string
		var at int64
		if err := l.Raw.QueryRow(`SELECT id, created_at FROM `+t.table+` ORDER BY id DESC LIMIT 1`).Scan(&id, &at); err != nil {
			b.Fatal(err)
		}
		first := webhook.FirstID(t.prefix, time.UnixMilli(at))
		if got, ok := webhook.IDTime(t.prefix, id); !ok || got.UnixMilli() != at || id < first || !webhook.ValidID(t.prefix, id) {
			b.Fatalf("filled %s id %s made at %d: IDTime %v, %v; FirstID %s", t.table, id, at, got, ok, first)
		}
	}
}

// Ensure writes the events that rounds more rounds will pass, so that the log ahead of the
// cutoff stays as large.
func (l *RetentionLog) Ensure(b *testing.B, rounds int) {
	if want := l.Cut + int64(rounds)*l.PerRound() + l.Events; l.Next < want {
		l.Fill(b, l.Next, want, l.Next)
	}
}

func (l *RetentionLog) count(b *testing.B, table string) int64 {
	var n int64
	if err := l.Raw.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// Run runs rounds on the log with its idempotency keys, then (untimed) empties them and runs
// rounds with none, and last then (if not nil).
func (l *RetentionLog) Run(b *testing.B, rounds, then func(*testing.B)) {
	b.Run(fmt.Sprintf("attempts=%d", l.N), func(b *testing.B) {
		b.Run(fmt.Sprintf("idempotency_keys=%d", l.count(b, "idempotency_keys")), rounds)
		if _, err := l.Raw.Exec(l.D.DropKeys); err != nil {
			b.Fatal(err)
		}
		l.Keys = 0
		b.Run("idempotency_keys=0", rounds)
		if then != nil {
			then(b)
		}
	})
}

// Round moves the cutoff on by PerRound events and runs a retention round as the server
// does, through tp; it returns what the round purged, its cutoff and how long it took.
func (l *RetentionLog) Round(b *testing.B, tp *TimedPurge) (store.Purged, time.Time, time.Duration) {
	l.Cut += l.PerRound()
	cutoff := time.UnixMilli(l.At(l.Cut))
	r := store.Retention{Store: tp, Now: func() time.Time { return cutoff.Add(store.DefaultRetention) }}
	start := time.Now()
	p, err := r.Once(context.Background())
	d := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	return p, cutoff, d
}

// Rounds runs b.N timed rounds and reports them; after is called, the timer running, after
// each. It returns what the rounds purged.
func (l *RetentionLog) Rounds(b *testing.B, after func(i int, cutoff time.Time, d time.Duration, p store.Purged)) store.Purged {
	l.Ensure(b, b.N)
	tp := &TimedPurge{Monitor: l.Store}
	var total store.Purged
	durs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		p, cutoff, d := l.Round(b, tp)
		durs = append(durs, d)
		total.Add(p)
		if after != nil {
			after(i, cutoff, d, p)
		}
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	n := float64(b.N)
	slices.Sort(durs)
	b.ReportMetric(float64(total.Attempts+total.Deliveries+total.Events+total.IdempotencyKeys)/n, "rows/op")
	b.ReportMetric(float64(tp.Calls)/n, "purges/op")
	b.ReportMetric(ms(tp.Took)/n, "purge-ms/op")
	b.ReportMetric(ms(durs[len(durs)/2]), "p50-ms")
	b.ReportMetric(ms(durs[len(durs)-1]), "max-ms")
	b.ReportMetric(ms(tp.Max), "max-purge-ms")
	b.Logf("%d rounds: %d attempts, %d deliveries, %d events, %d idempotency keys deleted, %d partitions dropped; %s",
		b.N, total.Attempts, total.Deliveries, total.Events, total.IdempotencyKeys, total.Partitions, tp)
	return total
}

// TimedPurge counts a store's Purge calls and the time spent in them.
type TimedPurge struct {
	store.Monitor
	Calls     int
	Took, Max time.Duration
}

func (t *TimedPurge) Purge(ctx context.Context, before time.Time, batch int) (store.Purged, error) {
	start := time.Now()
	p, err := t.Monitor.Purge(ctx, before, batch)
	d := time.Since(start)
	t.Calls++
	t.Took += d
	t.Max = max(t.Max, d)
	return p, err
}

func (t *TimedPurge) String() string {
	return fmt.Sprintf("%d Purge calls, %s in all, the slowest %s", t.Calls, t.Took.Round(time.Microsecond), t.Max.Round(time.Microsecond))
}

// LogPlans logs the plans of the round's finds (PurgePlans) and, from their text
// (sqlstore.PurgeQueries), of its deletes of the ids the finds return. On PostgreSQL
// each find is also run (EXPLAIN ANALYZE: the rows and pages it read), by the cutoff's first
// id and, if below is not nil, by the id below returns (the one Purge bounds it with).
func (l *RetentionLog) LogPlans(b *testing.B, below func(b *testing.B, table, prefix string, cutoff time.Time) string) {
	cutoff := time.UnixMilli(l.At(l.Cut + l.PerRound()))
	cut, batch := cutoff.UnixMilli(), store.DefaultPurgeBatch
	plans, err := l.Store.PurgePlans(context.Background(), cutoff, batch)
	if err != nil {
		b.Fatal(err)
	}
	for _, what := range []string{"attempts", "deliveries", "events", "idempotency keys"} {
		b.Logf("PurgePlans %s:%s", what, markScans(plans[what]))
	}
	for _, st := range sqlstore.PurgeQueries() {
		first := webhook.FirstID(st.Prefix, cutoff)
		if l.D.Postgres {
			l.Explain(b, st.What+" (find from the oldest row below the cutoff's first id "+first+")", retentionAnalyze, st.Find, cut, "", first, batch)
			if below != nil && st.What != "deliveries" {
				bl := below(b, st.What, st.Prefix, cutoff)
				l.Explain(b, st.What+" (find below "+bl+", as Purge runs it)", retentionAnalyze, st.Find, cut, "", bl, batch)
			}
		}
		ids := l.Column(b, `SELECT id FROM (`+st.Find+`) f WHERE gone = 1`, cut, "", first, batch)
		if len(ids) == 0 { // nothing past yet: ids of the cutoff's time
			for i := range batch {
				ids = append(ids, fmt.Sprintf("%s%06d", first[:len(st.Prefix)+20], i))
			}
		}
		args := []any{cut}
		for _, id := range ids {
			args = append(args, id)
		}
		l.Explain(b, fmt.Sprintf("%s (delete of %d)", st.What, len(ids)), retentionPlan, st.Delete+"(?"+strings.Repeat(", ?", len(ids)-1)+")", args...)
	}
	if l.D.Postgres {
		l.Explain(b, "idempotency keys (find)", retentionAnalyze, `SELECT app_id, idem_key FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?`, cut, batch)
	}
	l.Explain(b, "replies (delete)", retentionPlan, `DELETE FROM replies WHERE (scope, idem_key) IN (SELECT scope, idem_key FROM replies WHERE created_at < ? LIMIT ?)`, cut, batch)
}

// Explain logs the plan of q (EXPLAIN QUERY PLAN on SQLite, EXPLAIN (how) on PostgreSQL).
func (l *RetentionLog) Explain(b *testing.B, what, how, q string, args ...any) {
	explain := "EXPLAIN QUERY PLAN "
	if l.D.Postgres {
		explain = "EXPLAIN (" + how + ") "
	}
	b.Logf("plan of %s:%s", what, markScans(l.Column(b, explain+q, args...)))
}

// Column runs q (with ? placeholders) on the raw connections and returns its last column.
func (l *RetentionLog) Column(b *testing.B, q string, args ...any) []string {
	rows, err := l.Raw.Query(l.bind(q), args...)
	if err != nil {
		b.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		b.Fatal(err)
	}
	vals := make([]any, len(cols))
	var last string
	for i := range vals {
		vals[i] = new(any)
	}
	vals[len(vals)-1] = &last
	var out []string
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			b.Fatal(err)
		}
		out = append(out, last)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}

// bind turns each ? of q into PostgreSQL's $n: ?n into $n, a bare ? into the next number.
func (l *RetentionLog) bind(q string) string {
	if !l.D.Postgres {
		return q
	}
	var out strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		switch {
		case q[i] != '?':
			out.WriteByte(q[i])
		case i+1 < len(q) && '0' <= q[i+1] && q[i+1] <= '9':
			out.WriteByte('$')
		default:
			n++
			fmt.Fprintf(&out, "$%d", n)
		}
	}
	return out.String()
}

// markScans indents a plan, one step a line (cut at 160 characters), and marks a step that
// reads a whole table.
func markScans(lines []string) string {
	var out strings.Builder
	for _, l := range lines {
		if len(l) > 160 {
			l = l[:160] + "…"
		}
		out.WriteString("\n\t" + l)
		if strings.HasPrefix(l, "SCAN ") && !strings.Contains(l, "CONSTANT ROW") && !strings.Contains(l, "LIST SUBQUERY") {
			out.WriteString("   <-- reads the whole table")
		}
	}
	return out.String()
}
