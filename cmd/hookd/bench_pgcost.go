package main

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgCost is what PostgreSQL did for a bench run (--store postgres), per accepted event, from
// the server's statistics read before the warm-up and after the last phase:
//   - Commits and rows count the whole database the run's schema is in, and WAL the whole
//     server: other work on them adds to the figures, so measure on a database of its own.
//   - Statements and their execution time come from pg_stat_statements, when the database has
//     the extension and the server loads it; they are left out otherwise. Statements count
//     BEGIN and COMMIT too: each is a round trip.
type pgCost struct {
	Commits      float64  `json:"commits"`
	RowsInserted float64  `json:"rows_inserted"`
	RowsUpdated  float64  `json:"rows_updated"`
	RowsDeleted  float64  `json:"rows_deleted"`
	WALBytes     float64  `json:"wal_bytes"`
	Statements   *float64 `json:"statements,omitempty"`
	ExecMS       *float64 `json:"exec_ms,omitempty"`
}

// pgStats are the server's cumulative counters at one moment.
type pgStats struct {
	commits, inserted, updated, deleted int64
	wal                                 int64 // the WAL's position, in bytes
	statements                          int64 // -1: pg_stat_statements cannot be read
	execMS                              float64
}

// readPGStats reads the counters. The statistics of pg_stat_statements itself and of these
// reads are left out of the statements.
func readPGStats(ctx context.Context, db *sql.DB) (pgStats, error) {
	var s pgStats
	err := db.QueryRowContext(ctx, `SELECT xact_commit, tup_inserted, tup_updated, tup_deleted, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint
		FROM pg_stat_database WHERE datname = current_database()`).Scan(&s.commits, &s.inserted, &s.updated, &s.deleted, &s.wal)
	if err != nil {
		return s, fmt.Errorf("read the server's statistics: %w", err)
	}
	s.statements = -1
	var schema string
	if err := db.QueryRowContext(ctx, `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
		WHERE e.extname = 'pg_stat_statements'`).Scan(&schema); err != nil {
		return s, nil // not installed in this database (or not readable): no statements
	}
	var calls int64
	var execMS float64
	err = db.QueryRowContext(ctx, `SELECT COALESCE(SUM(calls), 0)::bigint, COALESCE(SUM(total_exec_time), 0) FROM `+pgx.Identifier{schema}.Sanitize()+`.pg_stat_statements
		WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat%'`).Scan(&calls, &execMS)
	if err == nil { // an error: installed, but the server does not load it
		s.statements, s.execMS = calls, execMS
	}
	return s, nil
}

// settledPGStats reads the counters once two reads half a second apart agree, or after wait:
// a server process adds its counts to pg_stat_database up to a second after its transactions.
func settledPGStats(ctx context.Context, db *sql.DB, wait time.Duration) (pgStats, error) {
	last, err := readPGStats(ctx, db)
	for end := time.Now().Add(wait); err == nil && time.Now().Before(end); {
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		var s pgStats
		if s, err = readPGStats(ctx, db); err == nil {
			same := s.commits == last.commits && s.inserted == last.inserted && s.updated == last.updated && s.deleted == last.deleted
			last = s
			if same {
				break
			}
		}
	}
	return last, err
}

// costPerEvent is what happened between before and after, per event.
func costPerEvent(before, after pgStats, events int) *pgCost {
	if events <= 0 {
		return nil
	}
	n := float64(events)
	per := func(d int64) float64 { return round3(float64(d) / n) }
	c := &pgCost{Commits: per(after.commits - before.commits), RowsInserted: per(after.inserted - before.inserted),
		RowsUpdated: per(after.updated - before.updated), RowsDeleted: per(after.deleted - before.deleted),
		WALBytes: math.Round(float64(after.wal-before.wal) / n)}
	if before.statements >= 0 && after.statements >= 0 {
		st, ms := per(after.statements-before.statements), round3((after.execMS-before.execMS)/n)
		c.Statements, c.ExecMS = &st, &ms
	}
	return c
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// detail is the table's third column: all but the commits.
func (c *pgCost) detail() string {
	st := ""
	if c.Statements != nil {
		st = fmt.Sprintf("%.2f statements, %.3f ms executing; ", *c.Statements, *c.ExecMS)
	}
	return fmt.Sprintf("%srows %.2f inserted, %.2f updated, %.2f deleted; %.0f bytes of WAL", st, c.RowsInserted, c.RowsUpdated, c.RowsDeleted, c.WALBytes)
}
