package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// Purge deletes one batch of each kind of log row older than before. Candidates are found on
// the reader (no write lock held while scanning); the writer then deletes them by primary key,
// re-checking the conditions, so ingestion and delivery (SQLite's single writer) wait at most
// for one short DELETE of batch rows. Ids begin with the time they were made at
// (webhook.NewID), so every find reads its primary key from the oldest row up to the first id
// of the cutoff (webhook.FirstID), and stops after one batch: a round costs what its batches
// cost, never a scan of the log, and holds no long snapshot. Rows it must keep (a delivery
// still open or attempted after the cutoff, an event some delivery still refers to) are read
// past again in each round; they are few beside the log.
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
		ids, err := s.ids(ctx, s.r, st.find, below, cut, batch)
		if err != nil {
			return p, fmt.Errorf("purge %s: %w", st.what, err)
		}
		if len(ids) == 0 {
			continue
		}
		res, err := s.w.ExecContext(ctx, s.q(st.del+`(`+marks(len(ids))+`)`), append([]any{cut}, ids...)...)
		if err != nil {
			return p, fmt.Errorf("purge %s: %w", st.what, err)
		}
		*st.n, _ = res.RowsAffected()
	}
	return p, dropErr
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

// purgeStep is one kind of log row Purge deletes: its id prefix, the find (arguments: the
// first id of the cutoff, the cutoff, the batch) and the delete (the cutoff, then the ids).
type purgeStep struct {
	what, prefix, find, del string
	n                       *int64
}

func purgeSteps(p *store.Purged) []purgeStep {
	return []purgeStep{
		{"attempts", webhook.PrefixAttempt,
			`SELECT id FROM attempts WHERE id < ? AND created_at < ? ORDER BY id LIMIT ?`,
			`DELETE FROM attempts WHERE created_at < ? AND id IN `, &p.Attempts},
		// Only final deliveries whose last attempt is past the cutoff: the queue is never touched.
		{"deliveries", webhook.PrefixDelivery,
			`SELECT id FROM deliveries WHERE id < ? AND COALESCE(last_at, created_at) < ? AND status IN ('delivered', 'failed') ORDER BY id LIMIT ?`,
			`DELETE FROM deliveries WHERE COALESCE(last_at, created_at) < ? AND status IN ('delivered', 'failed') AND id IN `, &p.Deliveries},
		// An event goes once no delivery refers to it (a claim reads the payload from it).
		{"events", webhook.PrefixEvent,
			`SELECT e.id FROM events e WHERE e.id < ? AND e.created_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id) ORDER BY e.id LIMIT ?`,
			`DELETE FROM events WHERE created_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id) AND id IN `, &p.Events},
	}
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
		if err := plan(st.what, st.find, webhook.FirstID(st.prefix, before), ms(before), batch); err != nil {
			return nil, err
		}
	}
	if err := plan("idempotency keys", idempotencyFind, ms(before), batch); err != nil {
		return nil, err
	}
	return out, nil
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
