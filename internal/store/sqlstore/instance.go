package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// unregistered marks the leases of a store that did not Register (tests, tools): they are
// still told apart from scheduled deliveries, and end only with the lease.
const unregistered = -1

// owner is the value of deliveries.leased for this store's claims.
func (s *Store) owner() int64 {
	if id := s.instance.Load(); id != 0 {
		return id
	}
	return unregistered
}

// Register records this process as a live instance; its claims' leases name it from now on.
func (s *Store) Register(ctx context.Context, now time.Time) (int64, error) {
	var id int64
	err := s.w.QueryRowContext(ctx, s.q(`INSERT INTO instances (started_at, heartbeat_at) VALUES (?, ?) RETURNING id`), ms(now), ms(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("register instance: %w", err)
	}
	s.instance.Store(id)
	return id, nil
}

// Beat renews this instance's heartbeat. Should the others have declared it dead meanwhile (a
// long pause), it comes back under the same id; its released deliveries were claimed again,
// and its own late completions are fenced off by their leases.
func (s *Store) Beat(ctx context.Context, now time.Time) error {
	id := s.instance.Load()
	if id == 0 {
		return nil
	}
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE instances SET heartbeat_at = ? WHERE id = ?`), ms(now), id)
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.w.ExecContext(ctx, s.q(`INSERT INTO instances (id, started_at, heartbeat_at) VALUES (?, ?, ?)`), id, ms(now), ms(now)); err != nil {
			return fmt.Errorf("heartbeat: register again: %w", err)
		}
	}
	return nil
}

// ReleaseLeases makes the deliveries held by other instances whose heartbeat is older than
// staleBefore due at now, and forgets those instances. It returns how many it released.
func (s *Store) ReleaseLeases(ctx context.Context, staleBefore, now time.Time) (int64, error) {
	var released int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		released = 0
		rows, err := tx.QueryContext(ctx, s.q(`SELECT id FROM instances WHERE heartbeat_at < ? AND id <> ?`), ms(staleBefore), s.instance.Load())
		if err != nil {
			return fmt.Errorf("find dead instances: %w", err)
		}
		var dead []any
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			dead = append(dead, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(dead) == 0 {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE queue SET next_at = ?, leased = 0 WHERE leased IN (`+marks(len(dead))+`)`), append([]any{ms(now)}, dead...)...)
		if err != nil {
			return fmt.Errorf("release dead instances' leases: %w", err)
		}
		released, _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM instances WHERE id IN (`+marks(len(dead))+`)`), dead...); err != nil {
			return fmt.Errorf("forget dead instances: %w", err)
		}
		if released > 0 {
			return s.notify(ctx, tx)
		}
		return nil
	})
	return released, err
}
