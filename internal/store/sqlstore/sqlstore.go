// Package sqlstore is the SQL shared by hookd's SQLite and PostgreSQL stores. Queries are
// written once, with ? placeholders, and rebound for PostgreSQL; only the claim query and
// the schema differ per database (see Dialect).
package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookd/hookd/internal/secretbox"
	"github.com/hookd/hookd/internal/webhook"
)

// Dialect holds what differs between databases.
type Dialect struct {
	Name string
	// Numbered placeholders ($1, $2…) instead of ?.
	Numbered bool
	// ClaimSQL leases due deliveries. Arguments: now, limit, lease-until, owner (instance.go).
	// Returns id, lease.
	ClaimSQL string
	// ClaimReadSQL, when set, claims as ClaimSQL does and returns in the same statement what
	// the jobs need (queue.go's ClaimedColumns): one round trip less a claim.
	ClaimReadSQL string
	// NotifySQL, when set, wakes the other instances when deliveries are due (control.go).
	NotifySQL string
	// LockSQL, when set, runs first in the migration transaction so instances migrate one at a time.
	LockSQL string
	// Migrations holds NNN_name.sql files applied in order.
	Migrations fs.FS
	// Unavailable recognizes the driver's errors that mean the database cannot be reached or
	// cannot write now, beside the generic ones (unavailable.go).
	Unavailable func(error) bool
	// Duplicate recognizes a unique constraint's refusal.
	Duplicate func(error) bool
	// Arrays passes a batch of rows as one array per column, made rows again by unnest
	// (PostgreSQL), in one statement whose text is the same for any batch size. Without it a
	// batch is written in chunks of a few fixed sizes, each a statement prepared once per
	// connection (SQLite, which runs statements in-process: no round trip). See batch.go.
	Arrays bool
	// Partitions, when set, keeps some log tables in day partitions (monitor_retention.go).
	Partitions Partitions

	// How hard a commit waits for the disk. Events are committed durably: their 202 promises
	// it. Claims and attempt records are committed "relaxed": a power cut may undo the last of
	// them, which sends those deliveries again, never loses one (a process crash loses
	// nothing either way). RelaxedTxSQL runs first in a relaxed transaction.
	RelaxedTxSQL string
	// Flush, when set, makes every commit so far durable (SQLite: an fsync of the WAL, whose
	// commits do not wait for the disk). A durable transaction then commits as a relaxed one
	// does and calls Flush after its commit, once the writer is free for the next transaction;
	// the durable commits that end while one flush runs share the next (groupSync).
	Flush func() error
}

// Lock order. On PostgreSQL several transactions lock rows at once, and they never deadlock
// because every one takes its locks in this order:
//
//  1. queue rows, then delivery rows (a claim locks queue rows only, skipping those another
//     holds; a completion or a requeue locks a delivery's queue row before its log row, and
//     a requeue adds the queue rows of final deliveries once their log rows are held);
//  2. webhook rows, in id order (lockWebhooks, or UPDATEs in sorted order);
//  3. rollup rows, in (webhook, hour) order, only ever with their webhook's row held (the fold).
//
// Once a transaction holds a webhook row, it takes queue rows only with SKIP LOCKED
// (skipLocked), or new ones it inserts, and no delivery row: a claim holding queue rows may be
// waiting for that webhook row. The count rows of event and attempt commits (counts.go) are only ever inserted,
// and deleted by the fold before it takes webhook rows. An attempt commit takes a webhook row
// only when its health changes. releaseProbes takes webhook rows with SKIP LOCKED, in a
// transaction of its own, before any queue row. SQLite has one writer, so there the order
// only has to be harmless.

// Store implements store.Store over database/sql.
type Store struct {
	d Dialect
	w *sql.DB // writes (SQLite: one connection, the single writer)
	r *sql.DB // reads
	// relaxed, when set, holds connections whose commits are relaxed already (PostgreSQL:
	// synchronous_commit off for the session), so a relaxed transaction needs no
	// RelaxedTxSQL: one round trip less for every claim and attempt record.
	relaxed *sql.DB
	closers []io.Closer // CloseWith
	binds   sync.Map
	// instance is this process's id among the instances sharing the database (instance.go).
	instance atomic.Int64
	// notifyPending is set while a NOTIFY for event commits is scheduled (notifyLater).
	notifyPending atomic.Bool
	// probes says when Claim next looks for breakers whose cool-down is over (control_probe.go).
	probes probeClock
	// purged is where retention's finds go on from (monitor_retention.go).
	purged purgeCursors
	// lostLeases are leases of transactions that failed, perhaps after committing: Claim
	// releases them (queue.go).
	lostLeases lostJobs
	// flushed makes durable commits durable when the dialect has Flush.
	flushed *groupSync
	box     *secretbox.Box // seals secrets at rest (security.go); nil keeps them in the clear
}

// New wraps open databases; w and r may be the same.
func New(d Dialect, w, r *sql.DB) *Store {
	s := &Store{d: d, w: w, r: r}
	if d.Flush != nil {
		s.flushed = &groupSync{flush: d.Flush}
	}
	return s
}

// UseRelaxed makes relaxed transactions run on db, whose sessions commit relaxed (see
// Store.relaxed); Close closes it too.
func (s *Store) UseRelaxed(db *sql.DB) { s.relaxed = db }

// CloseWith makes Close close c too, first.
func (s *Store) CloseWith(c io.Closer) { s.closers = append(s.closers, c) }

// Close closes the databases.
func (s *Store) Close() error {
	var err error
	for _, c := range s.closers {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	if cerr := s.w.Close(); err == nil {
		err = cerr
	}
	for _, db := range []*sql.DB{s.r, s.relaxed} {
		if db != nil && db != s.w {
			if cerr := db.Close(); err == nil {
				err = cerr
			}
		}
	}
	return err
}

// Ping checks the database answers, and takes durable writes (see groupSync).
func (s *Store) Ping(ctx context.Context) error {
	if s.flushed != nil {
		if err := s.flushed.err(); err != nil {
			return err
		}
	}
	return s.r.PingContext(ctx)
}

// q rebinds a query for the dialect, once per distinct query text.
func (s *Store) q(query string) string {
	if !s.d.Numbered {
		return query
	}
	if v, ok := s.binds.Load(query); ok {
		return v.(string)
	}
	out := numbered(query)
	if len(query) < 4096 { // don't cache one-off IN lists of every length
		s.binds.Store(query, out)
	}
	return out
}

// numbered is query with its ? placeholders as $1, $2, …
func numbered(query string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// tx runs fn in a write transaction committed durably.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.txCommit(ctx, false, fn)
}

// relaxedTx runs fn in a write transaction whose commit need not survive a power cut (see
// Dialect): for claims and attempt records, never for events.
func (s *Store) relaxedTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.txCommit(ctx, true, fn)
}

func (s *Store) txCommit(ctx context.Context, relaxed bool, fn func(*sql.Tx) error) error {
	begin := s.w.BeginTx
	relaxSQL := s.d.RelaxedTxSQL
	if relaxed && s.relaxed != nil {
		begin, relaxSQL = s.relaxed.BeginTx, ""
	}
	tx, err := begin(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if relaxed && relaxSQL != "" {
		if _, err := tx.ExecContext(ctx, relaxSQL); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("relax commit: %w", err)
		}
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if !relaxed {
		return s.durable(nil) // committed; if this fails, perhaps not on disk (store.ErrNotDurable)
	}
	return nil
}

// exec runs one statement on its own, committed durably: a write whose answer promises it
// (an app, a key, a webhook's secret). With Dialect.Flush, it waits for a flush, as an event
// commit does.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := s.w.ExecContext(ctx, query, args...)
	return res, s.durable(err)
}

// durable returns err, or the error of making a successful write durable (store.ErrNotDurable).
func (s *Store) durable(err error) error {
	if err != nil || s.flushed == nil {
		return err
	}
	return s.flushed.sync()
}

// Migrate applies the dialect's migrations not yet applied.
func (s *Store) Migrate(ctx context.Context) error {
	names, err := fs.Glob(s.d.Migrations, "*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	return s.tx(ctx, func(tx *sql.Tx) error {
		if s.d.LockSQL != "" {
			if _, err := tx.ExecContext(ctx, s.d.LockSQL); err != nil {
				return fmt.Errorf("lock migrations: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		for _, name := range names {
			v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
			if err != nil {
				return fmt.Errorf("migration %s: name must start with a number", name)
			}
			var n int
			if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), v).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			body, err := fs.ReadFile(s.d.Migrations, name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), v, time.Now().UnixMilli()); err != nil {
				return err
			}
		}
		return nil
	})
}

// placeholders returns "(?,?,?),(?,?,?)" for rows of cols.
func placeholders(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func nullMS(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// uidConflict turns a unique constraint's refusal into a conflict that says what collided.
func (s *Store) uidConflict(err error, what, conflict string) error {
	if s.d.Duplicate != nil && s.d.Duplicate(err) {
		return webhook.Errorf(webhook.EConflict, "%s", conflict)
	}
	return fmt.Errorf("%s: %w", what, err)
}
