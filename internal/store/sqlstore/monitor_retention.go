package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Purge deletes one batch of each kind of log row older than before. Candidates are found on
// the reader (no write lock held while scanning); the writer then deletes them by primary key,
// re-checking the conditions, so ingestion and delivery (SQLite's single writer) wait at most
// for one short DELETE of batch rows. Ids begin with the time they were made at
// (webhook.NewID), so every find reads a window of batch rows of its primary key, from where
// the last call with the same cutoff stopped (purgeCursors) up to the first id of the cutoff
// (webhook.FirstID), and deletes those of them that may go: a call costs what its windows
// cost, never a scan of the log, and holds no long snapshot. Rows it must keep (a delivery
// still open or attempted after the cutoff, an event some delivery still refers to) are read
// once for each cutoff, however many of them there are; a later cutoff reads them again.
//
// Where the dialect keeps a table in day partitions, Purge first drops the days past the
// cutoff, and its batches delete only below the id the dialect names (rows older than the
// partitioning, events of a past day a delivery still refers to): a day's rows go with their
// partition, not one by one as the cutoff passes them.
func (s *Store) Purge(ctx context.Context, before time.Time, batch int) (store.Purged, error) {
	var p store.Purged
	var batchesBelow map[string]string
	var dropErr error // the batches go on without the drop: what is past goes row by row then
	if s.d.Partitions != nil {
		p.Partitions, batchesBelow, dropErr = s.d.Partitions.Drop(ctx, s.w, before)
		if dropErr != nil {
			dropErr = fmt.Errorf("purge partitions: %w", dropErr)
		}
	}
	cut := ms(before)
	steps := purgeSteps(&p)
	// Idempotency keys older than the cutoff are long past their 24-hour window.
	keys, err := s.idempotencyKeys(ctx, cut, batch)
	if err != nil {
		return p, fmt.Errorf("purge idempotency keys: %w", err)
	}
	if len(keys) > 0 {
		res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM idempotency_keys WHERE created_at < ? AND (app_id, idem_key) IN (VALUES `+
			placeholders(len(keys)/2, 2)+`)`), append([]any{cut}, keys...)...)
		if err != nil {
			return p, fmt.Errorf("purge idempotency keys: %w", err)
		}
		p.IdempotencyKeys, _ = res.RowsAffected()
	}
	// So are the answers kept under Svix's idempotency keys (a day).
	res, err := s.w.ExecContext(ctx, s.q(`DELETE FROM replies WHERE (scope, idem_key) IN
		(SELECT scope, idem_key FROM replies WHERE created_at < ? LIMIT ?)`), cut, batch)
	if err != nil {
		return p, fmt.Errorf("purge replies: %w", err)
	}
	n, _ := res.RowsAffected()
	p.IdempotencyKeys += n
	for _, st := range steps {
		below := webhook.FirstID(st.prefix, before)
		if b, ok := batchesBelow[st.what]; ok {
			below = min(below, b)
		}
		from := s.purged.from(cut, st.what)
		ids, last, read, err := s.window(ctx, st.find(), cut, from, below, batch)
		if err != nil {
			return p, fmt.Errorf("purge %s: %w", st.what, err)
		}
		if len(ids) > 0 {
			res, err := s.w.ExecContext(ctx, s.q(st.del()+`(`+marks(len(ids))+`)`), append([]any{cut}, ids...)...)
			if err != nil {
				return p, fmt.Errorf("purge %s: %w", st.what, err) // the next call reads the same window
			}
			*st.n, _ = res.RowsAffected()
		}
		s.purged.read(cut, st.what, last, read == batch)
	}
	p.More = s.purged.more(cut, len(steps))
	return p, dropErr
}

// purgeCursors is where Purge's finds go on from, for the cutoff of the last call: by kind of
// row, the last id a find read, and whether a find has read up to the cutoff. A call with
// another cutoff (the next retention round) starts every find again from the oldest row.
type purgeCursors struct {
	mu    sync.Mutex
	cut   int64
	last  map[string]string // absent: from the oldest row
	swept map[string]bool   // read up to the cutoff at least once
}

// from is the id the find of what goes on after, for the cutoff cut.
func (c *purgeCursors) from(cut int64, what string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cut != cut || c.last == nil {
		c.cut, c.last, c.swept = cut, map[string]string{}, map[string]bool{}
	}
	return c.last[what]
}

// read records a find's window: it ended at last, and was full (more may follow it) or not
// (the find reached the cutoff: the next one starts from the oldest row again).
func (c *purgeCursors) read(cut int64, what, last string, full bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cut != cut {
		return // another call moved on to another cutoff meanwhile
	}
	if full {
		c.last[what] = last
		return
	}
	delete(c.last, what)
	c.swept[what] = true
}

// more reports whether one of the kinds (of that many) has not been read up to the cutoff yet.
func (c *purgeCursors) more(cut int64, kinds int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cut == cut && len(c.swept) < kinds
}

// Partitions keeps a dialect's log tables in day partitions (PostgreSQL's attempts and
// events): Prepare makes the partitions of the days ahead of now; Drop drops those whose
// every row was made before the day of before began (and may go), says how many, and by
// table the id below which Purge's batches delete.
type Partitions interface {
	Prepare(ctx context.Context, db *sql.DB, now time.Time) error
	Drop(ctx context.Context, db *sql.DB, before time.Time) (dropped int64, batchesBelow map[string]string, err error)
}

// PrepareLog makes the log ready for the days ahead of now: where the dialect partitions it,
// their partitions.
func (s *Store) PrepareLog(ctx context.Context, now time.Time) error {
	if s.d.Partitions == nil {
		return nil
	}
	if err := s.d.Partitions.Prepare(ctx, s.w, now); err != nil {
		return fmt.Errorf("prepare log partitions: %w", err)
	}
	return nil
}

// purgeStep is one kind of log row Purge deletes: its table, its id prefix, the columns
// besides id its condition reads, and the condition under which a row may go (on the alias
// w; its ? is the cutoff).
type purgeStep struct {
	what, prefix, cols, gone string
	n                        *int64
}

// find reads a window of rows: batch ids of the primary key in order, after the cursor and
// below the cutoff's first id, each with 1 if the row may go. The condition is checked for
// those rows only (a subquery in FROM with a LIMIT is read first), so that a find costs batch
// rows however many rows before the cutoff are kept. Arguments: the cutoff, the id to read
// after, the first id of the cutoff, the batch.
func (st purgeStep) find() string {
	return `SELECT id, CASE WHEN ` + st.gone + ` THEN 1 ELSE 0 END AS gone FROM (SELECT id, ` + st.cols + ` FROM ` + st.what +
		` WHERE id > ? AND id < ? ORDER BY id LIMIT ?) w`
}

// del deletes the rows of a list of ids that may still go. Arguments: the cutoff, the ids.
func (st purgeStep) del() string {
	return `DELETE FROM ` + st.what + ` AS w WHERE ` + st.gone + ` AND id IN `
}

func purgeSteps(p *store.Purged) []purgeStep {
	return []purgeStep{
		{"attempts", webhook.PrefixAttempt, "created_at", `w.created_at < ?`, &p.Attempts},
		// Only final deliveries whose last attempt is past the cutoff: the queue is never touched.
		{"deliveries", webhook.PrefixDelivery, "last_at, created_at, status", `COALESCE(w.last_at, w.created_at) < ? AND ` + finalIn("w"), &p.Deliveries},
		// An event goes once no delivery refers to it (a claim reads the payload from it).
		{"events", webhook.PrefixEvent, "created_at", `w.created_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = w.id)`, &p.Events},
	}
}

// PurgeQuery is one kind's find and delete as Purge runs them (purgeStep), for a benchmark
// to show their plans.
type PurgeQuery struct{ What, Prefix, Find, Delete string }

// PurgeQueries returns the finds and deletes of Purge's steps, in its order.
func PurgeQueries() []PurgeQuery {
	var out []PurgeQuery
	for _, st := range purgeSteps(&store.Purged{}) {
		out = append(out, PurgeQuery{st.what, st.prefix, st.find(), st.del()})
	}
	return out
}

// PurgePlans returns the database's plan for each of Purge's finds (EXPLAIN on PostgreSQL,
// EXPLAIN QUERY PLAN on SQLite), one line per step of the plan, by kind of row.
func (s *Store) PurgePlans(ctx context.Context, before time.Time, batch int) (map[string][]string, error) {
	explain := "EXPLAIN QUERY PLAN "
	if s.d.Numbered {
		explain = "EXPLAIN "
	}
	out := map[string][]string{}
	plan := func(what, find string, args ...any) error {
		rows, err := s.r.QueryContext(ctx, s.q(explain+find), args...)
		if err != nil {
			return fmt.Errorf("plan purge of %s: %w", what, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return err
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			for i := range vals {
				vals[i] = new(any)
			}
			if err := rows.Scan(vals...); err != nil {
				rows.Close()
				return err
			}
			out[what] = append(out[what], fmt.Sprint(*vals[len(vals)-1].(*any))) // the detail: the last column
		}
		rows.Close()
		return rows.Err()
	}
	for _, st := range purgeSteps(&store.Purged{}) {
		if err := plan(st.what, st.find(), ms(before), "", webhook.FirstID(st.prefix, before), batch); err != nil {
			return nil, err
		}
	}
	if err := plan("idempotency keys", idempotencyFind, ms(before), batch); err != nil {
		return nil, err
	}
	return out, nil
}

// window runs a purge step's find on the reader and returns the ids of the rows that may go,
// the last id it read and how many rows it read.
func (s *Store) window(ctx context.Context, find string, cut int64, from, below string, batch int) (gone []any, last string, read int, err error) {
	rows, err := s.r.QueryContext(ctx, s.q(find), cut, from, below, batch)
	if err != nil {
		return nil, "", 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var ok int
		if err := rows.Scan(&last, &ok); err != nil {
			return nil, "", 0, err
		}
		read++
		if ok == 1 {
			gone = append(gone, last)
		}
	}
	return gone, last, read, rows.Err()
}

// ids runs a query of one text column on db (a database or a transaction) and returns its values.
func (s *Store) ids(ctx context.Context, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) ([]any, error) {
	rows, err := db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []any
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// idempotencyFind finds keys older than a time, by their index on created_at.
const idempotencyFind = `SELECT app_id, idem_key FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?`

func (s *Store) idempotencyKeys(ctx context.Context, cut int64, batch int) ([]any, error) {
	rows, err := s.r.QueryContext(ctx, s.q(idempotencyFind), cut, batch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []any
	for rows.Next() {
		var app, key string
		if err := rows.Scan(&app, &key); err != nil {
			return nil, err
		}
		out = append(out, app, key)
	}
	return out, rows.Err()
}
