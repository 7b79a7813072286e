package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// The log's attempts and events are partitioned by id, a day (UTC) per partition
// (migration 015): a day's ids are the range from webhook.FirstID at its midnight to the next.
// logDays creates the days ahead and drops the days past retention; rows that are in no day
// partition (those older than the partitioning, in the history partition) go by batches.

// daysAhead is how many days past today have their partitions ready: an instance down or
// kept from its hourly preparation for that long still finds a partition for every id.
const daysAhead = 7

const day = 24 * time.Hour

// partitionsLock keeps instances from preparing or dropping partitions at the same time. It is
// taken with the schema (hashtext(current_schema())) as its first half, so that stores in other
// schemas of the database do not wait for each other.
const partitionsLock = 7215002

type logTable struct{ name, prefix string }

var logTables = []logTable{{"attempts", webhook.PrefixAttempt}, {"events", webhook.PrefixEvent}}

// logDays implements sqlstore.Partitions.
type logDays struct{}

// partition is one partition of a log table: ids from lo (empty: MINVALUE) up to hi.
type partition struct {
	name, lo, hi string
	detaching    bool // a DETACH ... CONCURRENTLY that did not finish
}

var boundRE = regexp.MustCompile(`^FOR VALUES FROM \((MINVALUE|'[^']*')\) TO \('([^']*)'\)$`)

func partitions(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, table string) ([]partition, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), i.inhdetachpending
		FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []partition
	for rows.Next() {
		var p partition
		var bound string
		if err := rows.Scan(&p.name, &bound, &p.detaching); err != nil {
			return nil, err
		}
		m := boundRE.FindStringSubmatch(bound)
		if m == nil {
			return nil, fmt.Errorf("partition %s of %s: unexpected bound %q", p.name, table, bound)
		}
		if m[1] != "MINVALUE" {
			p.lo = m[1][1 : len(m[1])-1]
		}
		p.hi = m[2]
		out = append(out, p)
	}
	return out, rows.Err()
}

// Prepare creates the partitions of the days from the newest one up to daysAhead days after
// now. A new day is made as a table of its own and then attached, which locks out neither
// readers nor writers of the log (CREATE TABLE ... PARTITION OF would take them all). When
// the days ahead are there already it takes no lock, so a start does not wait behind another
// instance's detach.
func (logDays) Prepare(ctx context.Context, db *sql.DB, now time.Time) error {
	until := now.UTC().Truncate(day).Add((daysAhead + 1) * day)
	if ready, err := readyUntil(ctx, db, until); err != nil || ready {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext(current_schema()), $1)`, partitionsLock); err != nil {
		return err
	}
	for _, t := range logTables {
		parts, err := partitions(ctx, tx, t.name)
		if err != nil {
			return fmt.Errorf("partitions of %s: %w", t.name, err)
		}
		newest := newestBound(parts)
		from, ok := webhook.IDTime(t.prefix, newest)
		if !ok {
			return fmt.Errorf("partitions of %s: the newest ends at %q, not an id", t.name, newest)
		}
		for d := from.Truncate(day); d.Before(until); d = d.Add(day) {
			lo, hi := max(newest, webhook.FirstID(t.prefix, d)), webhook.FirstID(t.prefix, d.Add(day))
			if hi <= newest {
				continue
			}
			if err := addPartition(ctx, tx, t, t.name+"_"+d.Format("20060102"), "'"+lo+"'", hi); err != nil {
				return err
			}
			newest = hi
		}
	}
	return tx.Commit()
}

// newestBound is where the newest of parts ends.
func newestBound(parts []partition) string {
	var newest string
	for _, p := range parts {
		newest = max(newest, p.hi)
	}
	return newest
}

// readyUntil reports whether every log table has its partitions up to until.
func readyUntil(ctx context.Context, db *sql.DB, until time.Time) (bool, error) {
	for _, t := range logTables {
		parts, err := partitions(ctx, db, t.name)
		if err != nil {
			return false, fmt.Errorf("partitions of %s: %w", t.name, err)
		}
		if newestBound(parts) < webhook.FirstID(t.prefix, until) {
			return false, nil
		}
	}
	return true, nil
}

// Drop drops the partitions whose every id was made before the day of before began; for
// events, only those no delivery refers to (a claim reads the payload from its event). It
// detaches each one CONCURRENTLY first, so that neither ingestion nor delivery waits for it.
// PostgreSQL lets one partition of a table be pending detach at a time: one left so (an
// interrupted detach) is finished first (FINALIZE), and a table detached but not dropped is
// dropped. It returns how many partitions it dropped, and by table the id below which Purge's
// batches delete: the rows of the history partition, and of a past day it still could not
// drop a day later (the events some open delivery refers to), never the rows of a day that is
// to go whole.
func (logDays) Drop(ctx context.Context, db *sql.DB, before time.Time) (int64, map[string]string, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, nil, err
	}
	defer conn.Close()
	var locked bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext(current_schema()), $1)`, partitionsLock).Scan(&locked); err != nil {
		return 0, nil, err
	}
	if locked {
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext(current_schema()), $1)`, partitionsLock)
	}
	var dropped int64
	batchesBelow := map[string]string{}
	for _, t := range logTables {
		cut := webhook.FirstID(t.prefix, before.UTC().Truncate(day))
		parts, err := partitions(ctx, conn, t.name)
		if err != nil {
			return dropped, nil, fmt.Errorf("partitions of %s: %w", t.name, err)
		}
		batchesBelow[t.name] = webhook.FirstID(t.prefix, before.UTC().Truncate(day).Add(-day))
		for _, p := range parts {
			if p.lo == "" {
				batchesBelow[t.name] = max(batchesBelow[t.name], p.hi)
			}
		}
		if !locked {
			continue // another instance is dropping them
		}
		n, err := dropDays(ctx, conn, t, parts, cut)
		dropped += n
		if err != nil {
			return dropped, nil, err
		}
	}
	return dropped, batchesBelow, nil
}

// dropDays drops t's partitions that end at or before cut and may go, and the tables of its
// days left detached by an earlier call.
func dropDays(ctx context.Context, conn *sql.Conn, t logTable, parts []partition, cut string) (int64, error) {
	var dropped int64
	// The pending detach first: no other can start before it is finished.
	slices.SortFunc(parts, func(a, b partition) int {
		if a.detaching != b.detaching {
			if a.detaching {
				return -1
			}
			return 1
		}
		return strings.Compare(a.lo, b.lo)
	})
	for _, p := range parts {
		if !p.detaching && p.hi > cut {
			continue
		}
		if p.lo == "" && !p.detaching {
			if empty, err := isEmpty(ctx, conn, p.name); err != nil || empty {
				if err != nil {
					return dropped, err
				}
				continue // nothing to purge: keepOldIDs keeps it reaching to the oldest day
			}
		}
		if t.name == "events" && !p.detaching {
			// The first delivery of the day's events, by the deliveries_event index: an EXISTS,
			// planned on statistics from before the day's deliveries went, scanned all of them.
			var first string
			err := conn.QueryRowContext(ctx, `SELECT event_id FROM deliveries WHERE event_id >= $1 AND event_id < $2 ORDER BY event_id LIMIT 1`,
				p.lo, p.hi).Scan(&first)
			if err == nil {
				continue // referred to: its unreferenced events go by batches
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return dropped, fmt.Errorf("deliveries of %s: %w", p.name, err)
			}
		}
		how := "CONCURRENTLY"
		if p.detaching {
			how = "FINALIZE"
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`ALTER TABLE %s DETACH PARTITION %s %s`, t.name, p.name, how)); err != nil {
			return dropped, fmt.Errorf("detach %s: %w", p.name, err)
		}
		if _, err := conn.ExecContext(ctx, `DROP TABLE `+p.name); err != nil {
			return dropped, fmt.Errorf("drop %s: %w", p.name, err)
		}
		dropped++
	}
	if err := keepOldIDs(ctx, conn, t); err != nil {
		return dropped, err
	}
	// A day detached by a call that stopped before its DROP is a table of its own now.
	rows, err := conn.QueryContext(ctx, `SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relname ~ ('^' || $1 || '_[0-9]{8}$')
		AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)`, t.name)
	if err != nil {
		return dropped, fmt.Errorf("detached days of %s: %w", t.name, err)
	}
	var left []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return dropped, err
		}
		left = append(left, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return dropped, err
	}
	for _, name := range left {
		if _, err := conn.ExecContext(ctx, `DROP TABLE IF EXISTS `+name); err != nil {
			return dropped, fmt.Errorf("drop %s: %w", name, err)
		}
		dropped++
	}
	return dropped, nil
}

// keepOldIDs keeps t's history partition reaching from MINVALUE to the oldest day left, so
// that a row whose id is older than every day (a clock set back further than the retention)
// still has a partition, and goes by batches. Once the days it reached to are dropped, an
// empty history is replaced by one up to the oldest day; one that still holds rows (made
// before the partitioning) is left to the batches first.
func keepOldIDs(ctx context.Context, conn *sql.Conn, t logTable) error {
	parts, err := partitions(ctx, conn, t.name)
	if err != nil {
		return fmt.Errorf("partitions of %s: %w", t.name, err)
	}
	var history *partition
	oldest := ""
	for i, p := range parts {
		switch {
		case p.lo == "":
			history = &parts[i]
		case oldest == "" || p.lo < oldest:
			oldest = p.lo
		}
	}
	if oldest == "" || history != nil && history.hi >= oldest {
		return nil
	}
	name := t.name + "_history"
	if history != nil {
		if empty, err := isEmpty(ctx, conn, history.name); err != nil || !empty || history.detaching {
			return err
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`ALTER TABLE %s DETACH PARTITION %s CONCURRENTLY`, t.name, history.name)); err != nil {
			return fmt.Errorf("detach %s: %w", history.name, err)
		}
		// A row written between the check and the detach is still there: put it back.
		if empty, err := isEmpty(ctx, conn, history.name); err != nil || !empty {
			if err == nil {
				err = attachPartition(ctx, conn, t, history.name, "MINVALUE", history.hi)
			}
			return err
		}
	}
	// The old one, or one left by a call that stopped before its ATTACH: no partition, so no row
	// of it is readable as the log (a detached history holds only rows past the retention).
	if _, err := conn.ExecContext(ctx, `DROP TABLE IF EXISTS `+name); err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	return addPartition(ctx, conn, t, name, "MINVALUE", oldest)
}

type execer interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}

// addPartition makes name a partition of t for ids from lo (MINVALUE or a quoted id) to hi: a
// table of its own first, then attached, which locks out neither readers nor writers of the
// log (CREATE TABLE ... PARTITION OF would take them all).
func addPartition(ctx context.Context, db execer, t logTable, name, lo, hi string) error {
	if _, err := db.ExecContext(ctx, fmt.Sprintf(`CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`, name, t.name)); err != nil {
		return fmt.Errorf("create partition %s: %w", name, err)
	}
	return attachPartition(ctx, db, t, name, lo, hi)
}

// attachPartition attaches the table name to t for ids from lo (MINVALUE or a quoted id) to hi.
func attachPartition(ctx context.Context, db execer, t logTable, name, lo, hi string) error {
	if _, err := db.ExecContext(ctx, fmt.Sprintf(`ALTER TABLE %s ATTACH PARTITION %s FOR VALUES FROM (%s) TO ('%s')`, t.name, name, lo, hi)); err != nil {
		return fmt.Errorf("attach partition %s: %w", name, err)
	}
	return nil
}

// isEmpty reports whether the table has no row.
func isEmpty(ctx context.Context, conn *sql.Conn, table string) (bool, error) {
	var any bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+`)`).Scan(&any); err != nil {
		return false, fmt.Errorf("rows of %s: %w", table, err)
	}
	return !any, nil
}
