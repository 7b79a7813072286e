package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/hookd/hookd/internal/store"
)

// Purge deletes one batch of each kind of log row older than before. Candidates are found on
// the reader (no write lock held while scanning); the writer then deletes them by primary key,
// re-checking the conditions, so ingestion and delivery (SQLite's single writer) wait at most
// for one short DELETE of batch rows.
func (s *Store) Purge(ctx context.Context, before time.Time, batch int) (store.Purged, error) {
	var p store.Purged
	cut := ms(before)
	steps := []struct {
		what, find, del string
		n               *int64
	}{
		{"attempts",
			`SELECT id FROM attempts WHERE created_at < ? LIMIT ?`,
			`DELETE FROM attempts WHERE created_at < ? AND id IN `, &p.Attempts},
		// Only final deliveries whose last attempt is past the cutoff: the queue is never touched.
		{"deliveries",
			`SELECT id FROM deliveries WHERE COALESCE(last_at, created_at) < ? AND status IN ('delivered', 'failed') LIMIT ?`,
			`DELETE FROM deliveries WHERE COALESCE(last_at, created_at) < ? AND status IN ('delivered', 'failed') AND id IN `, &p.Deliveries},
		// An event goes once no delivery refers to it (a claim reads the payload from it).
		{"events",
			`SELECT e.id FROM events e WHERE e.created_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id) LIMIT ?`,
			`DELETE FROM events WHERE created_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id) AND id IN `, &p.Events},
	}
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
	for _, st := range steps {
		ids, err := s.ids(ctx, st.find, cut, batch)
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
	return p, nil
}

func (s *Store) ids(ctx context.Context, query string, args ...any) ([]any, error) {
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
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

func (s *Store) idempotencyKeys(ctx context.Context, cut int64, batch int) ([]any, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT app_id, idem_key FROM idempotency_keys WHERE created_at < ? LIMIT ?`), cut, batch)
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
