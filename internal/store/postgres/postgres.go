// Package postgres opens hookd's PostgreSQL store, for several hookd instances sharing one database.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx" for database/sql

	"github.com/hookd/hookd/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// claimSQL leases due deliveries; SKIP LOCKED lets instances claim side by side. The rows to
// lease are picked first, as an array (an InitPlan), so the update finds each by its primary
// key whatever the planner's estimates of a queue that grows and shrinks by the second.
const claimSQL = `UPDATE queue q SET next_at = $3, lease = q.lease + 1, leased = $4 WHERE q.delivery_id = ANY(ARRAY(
	SELECT delivery_id FROM queue WHERE next_at <= $1 ORDER BY next_at LIMIT $2 FOR UPDATE SKIP LOCKED)) RETURNING q.delivery_id, q.lease`

// claimReadSQL is claimSQL returning, in the same statement, each claimed delivery with its
// event (sqlstore.ClaimedColumns); each is looked up by its key (LATERAL), never joined by a
// scan of the log.
const claimReadSQL = `WITH q AS (UPDATE queue q SET next_at = $3, lease = q.lease + 1, leased = $4 WHERE q.delivery_id = ANY(ARRAY(
	SELECT delivery_id FROM queue WHERE next_at <= $1 ORDER BY next_at LIMIT $2 FOR UPDATE SKIP LOCKED)) RETURNING q.*)
	SELECT ` + sqlstore.ClaimedColumns + ` FROM q LEFT JOIN LATERAL (SELECT * FROM deliveries d WHERE d.id = q.delivery_id) d ON true
	LEFT JOIN LATERAL (SELECT * FROM events e WHERE e.id = d.event_id) e ON true ORDER BY q.delivery_id`

// Channel is the LISTEN/NOTIFY channel that tells every instance new deliveries are due.
const Channel = "hookd_deliveries"

// Open connects, applies migrations (one instance at a time) and returns the store.
func Open(ctx context.Context, url string) (*sqlstore.Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	migs, _ := fs.Sub(migrations, "migrations")
	s := sqlstore.New(sqlstore.Dialect{
		Name:         "postgres",
		Numbered:     true,
		ClaimSQL:     claimSQL,
		ClaimReadSQL: claimReadSQL,
		LockSQL:      `SELECT pg_advisory_xact_lock(7215001)`,
		NotifySQL:    `NOTIFY ` + Channel,
		// A crash of the server may undo the last such commits; the deliveries are sent again.
		RelaxedTxSQL: `SET LOCAL synchronous_commit = off`,
		Migrations:   migs,
		Unavailable:  unavailable,
		Duplicate:    duplicate,
		Partitions:   logDays{},
		Arrays:       true,
	}, db, db)
	relaxed, err := sql.Open("pgx", relaxedURL(url))
	if err != nil {
		s.Close()
		return nil, err
	}
	relaxed.SetMaxOpenConns(8) // claims and attempt records: a few batches at a time
	relaxed.SetMaxIdleConns(8)
	relaxed.SetConnMaxIdleTime(5 * time.Minute)
	s.UseRelaxed(relaxed)
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if err := s.PrepareLog(ctx, time.Now()); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Listen calls wake whenever any instance commits new deliveries, until ctx ends, and
// listening each time it has (re)started listening. It reconnects after errors; a missed
// notification only delays work until the next poll.
func Listen(ctx context.Context, url string, log *slog.Logger, wake, listening func()) error {
	for ctx.Err() == nil {
		err := listenOnce(ctx, url, wake, listening)
		if ctx.Err() != nil {
			break
		}
		log.Warn("postgres listener failed; reconnecting", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return nil
}

func listenOnce(ctx context.Context, url string, wake, listening func()) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	listening()
	wake() // what was committed while not listening
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}

// unavailable recognizes PostgreSQL's errors that mean "not now": a lost or closed connection,
// a timeout, and the server's connection, resource (disk full, too many connections) and
// shutdown errors.
func unavailable(err error) bool {
	var pgErr *pgconn.PgError
	var connectErr *pgconn.ConnectError
	switch {
	case errors.Is(err, pgconn.ErrConnClosed), pgconn.Timeout(err), errors.As(err, &connectErr):
		return true
	case errors.As(err, &pgErr):
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "53") || strings.HasPrefix(pgErr.Code, "57P")
	}
	return false
}

// Unreachable reports whether err, from Open, says the server cannot be reached (yet), as
// opposed to a refusal (a wrong password, a missing database) that waiting will not fix.
func Unreachable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "57P") // shutting down or starting up
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || unavailable(err)
}

// duplicate recognizes a unique constraint's refusal.
func duplicate(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// relaxedURL is url for the sessions of claims, releases, attempt records, breaker probes and
// count folds:
//   - They commit relaxed from the start, instead of a SET LOCAL in each transaction (see
//     sqlstore.Dialect).
//   - Sequential scans are off. These statements find their rows by key, and a session keeps a
//     statement's plan after its first few runs (a generic plan, until its tables are next
//     analyzed). A plan made while the queue or the log was small scans the whole table: on a
//     fresh database a claim scanned queue and deliveries until autovacuum's first ANALYZE, and
//     a burst after a drained queue can do the same. Off, such plans use the keys' indexes
//     whatever the statistics said; a statement with no index to use still scans.
func relaxedURL(url string) string {
	return withParam(withParam(url, "synchronous_commit", "off"), "enable_seqscan", "off")
}

// withParam adds a run-time parameter to a connection URL or key=value string: pgx sends the
// parameters it does not know itself to the server for the session.
func withParam(url, name, value string) string {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		return url + sep + name + "=" + value
	}
	return url + " " + name + "=" + value
}
