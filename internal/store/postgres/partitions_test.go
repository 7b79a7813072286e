package postgres

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// TestPostgresDropFinishesWhatWasLeft: a detach interrupted while it waited (a statement
// timeout, as a shutdown would) leaves its day pending, and PostgreSQL then refuses to start
// another detach on the table; a day detached without its DROP is a table of its own. The
// next Purge finishes the one, drops the other, and goes on with the days due.
func TestPostgresDropFinishesWhatWasLeft(t *testing.T) {
	ctx := context.Background()
	s, db := testStore(t)

	today := time.Now().UTC().Truncate(day)
	name := func(d time.Time) string { return "attempts_" + d.Format("20060102") }
	day3, day5 := today.Add(3*day), today.Add(5*day)
	// A snapshot held open makes DETACH ... CONCURRENTLY wait; the timeout interrupts it there.
	holder, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := holder.QueryRow(`SELECT count(*) FROM attempts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `SET statement_timeout = '300ms'`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `ALTER TABLE attempts DETACH PARTITION `+name(day5)+` CONCURRENTLY`); err == nil {
		t.Fatal("the detach finished while a snapshot was held; want it interrupted")
	}
	conn.Close()
	if err := holder.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`ALTER TABLE attempts DETACH PARTITION ` + name(day3)); err != nil {
		t.Fatal(err)
	}
	parts, err := partitions(ctx, db, "attempts")
	if err != nil {
		t.Fatal(err)
	}
	pending := 0
	for _, p := range parts {
		if p.detaching {
			pending++
		}
	}
	if pending != 1 {
		t.Fatalf("%d partitions pending detach, want the interrupted one", pending)
	}

	// Every day before day 6 is due: days 1 to 5 of attempts (3 detached already, 5 pending),
	// and of events (nothing refers to them). The empty histories are made again up to day 6.
	p, err := s.Purge(ctx, today.Add(6*day+time.Hour), 100)
	if err != nil {
		t.Fatalf("purge after an interrupted detach: %v", err)
	}
	var left []string
	rows, err := db.Query(`SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'
		AND relname ~ '^(attempts|events)_' ORDER BY relname`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		left = append(left, n)
	}
	rows.Close()
	for _, n := range left {
		if n < name(today.Add(6*day)) && n >= "attempts_" || (n >= "events_" && n < "events_"+today.Add(6*day).Format("20060102")) {
			t.Errorf("%s is left after the purge (tables: %v)", n, left)
		}
	}
	if want := int64(2 * 5); p.Partitions != want {
		t.Errorf("purge dropped %d tables, want %d: days 1 to 5 of both tables", p.Partitions, want)
	}
	for _, tb := range logTables {
		parts, err := partitions(ctx, db, tb.name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(parts, func(p partition) bool { return p.lo == "" && p.hi == webhook.FirstID(tb.prefix, today.Add(6*day)) }) {
			t.Errorf("%s partitions = %+v, want a history up to day 6", tb.name, parts)
		}
	}
}

// TestPostgresPrepareTakesItsSchemasLock: a store starting on a schema with no days ahead
// yet waits for another instance that holds that schema's partitions lock, then makes them,
// instead of starting without any; a lock held for another schema of the database is not its
// to wait for.
func TestPostgresPrepareTakesItsSchemasLock(t *testing.T) {
	ctx := context.Background()
	hold := func(t *testing.T, url string) func() {
		t.Helper()
		db, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext(current_schema()), $1)`, partitionsLock); err != nil {
			t.Fatal(err)
		}
		return func() { conn.Close(); db.Close() }
	}
	mine, other := testSchema(t), testSchema(t)

	release := hold(t, other)
	start := time.Now()
	s, err := Open(ctx, mine)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	release()
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("Open waited %v for another schema's lock", waited)
	}

	fresh := testSchema(t)
	// The schema's lock is held by "another instance" from before its tables exist.
	release = hold(t, fresh)
	opened := make(chan error, 1)
	go func() {
		s, err := Open(ctx, fresh)
		if err == nil {
			s.Close()
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		release()
		t.Fatalf("Open returned (%v) while its schema's partitions lock was held and no day was ready", err)
	case <-time.After(time.Second):
	}
	release()
	if err := <-opened; err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", fresh)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if ready, err := readyUntil(ctx, db, time.Now().UTC().Truncate(day).Add((daysAhead+1)*day)); err != nil || !ready {
		t.Errorf("days ahead ready after the wait = %v, %v; want a week", ready, err)
	}
}

// TestPostgresOldIDsKeepAPartition: once retention dropped the history partition with the
// days past, a row whose id is older than every day left (a clock set back) still has a
// partition: an empty history is made again, up to the oldest day.
func TestPostgresOldIDsKeepAPartition(t *testing.T) {
	ctx := context.Background()
	_, db := testStore(t)
	today := time.Now().UTC().Truncate(day)
	// The history ends tomorrow: two days on, tomorrow's partition is past, and the history is
	// replaced by one reaching to the day after.
	if n, _, err := (logDays{}).Drop(ctx, db, today.Add(2*day)); err != nil || n != 2 {
		t.Fatalf("dropped %d partitions, %v; want 2 (tomorrow, of both tables)", n, err)
	}
	for _, tb := range logTables {
		parts, err := partitions(ctx, db, tb.name)
		if err != nil {
			t.Fatal(err)
		}
		var history partition
		for _, p := range parts {
			if p.lo == "" {
				history = p
			}
		}
		if want := webhook.FirstID(tb.prefix, today.Add(2*day)); history.name != tb.name+"_history" || history.hi != want {
			t.Errorf("%s history after the drop = %+v, want %s_history up to %s", tb.name, history, tb.name, want)
		}
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM ` + tb.name + `_history`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s history holds %d rows (%v), want an empty one", tb.name, n, err)
		}
	}
	// Once more: nothing to drop, nothing to replace.
	if n, _, err := (logDays{}).Drop(ctx, db, today.Add(2*day)); err != nil || n != 0 {
		t.Fatalf("dropped %d partitions the second time, %v; want 0", n, err)
	}
	// A history detached by a call that stopped before its DROP is a table of its own: the
	// next call drops it and attaches a new one.
	if _, err := db.Exec(`ALTER TABLE events DETACH PARTITION events_history`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := (logDays{}).Drop(ctx, db, today.Add(2*day)); err != nil {
		t.Fatalf("drop with a history left detached: %v", err)
	}
	// An event of today (older than every day left) is taken.
	if _, err := db.Exec(`INSERT INTO events (id, app_id, type, payload, created_at) VALUES ($1, 'app_x', 't', '{}', $2)`,
		webhook.NewID(webhook.PrefixEvent, today.Add(time.Hour)), today.Add(time.Hour).UnixMilli()); err != nil {
		t.Errorf("an event older than every day partition: %v", err)
	}
}
